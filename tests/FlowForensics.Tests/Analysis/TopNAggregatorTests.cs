using System.Net;
using FlowForensics.Analysis.Statistics;
using FlowForensics.Analysis.TopN;
using FlowForensics.Flows;
using FlowForensics.Query;
using Xunit;

namespace FlowForensics.Tests.Analysis;

/// <summary>The top-N engine's own rules: heap selection, the documented tie order, time orders, selection, bounds.</summary>
public sealed class TopNAggregatorTests
{
    private static readonly DateTime T0 = new(2024, 7, 11, 9, 0, 0, DateTimeKind.Utc);

    private static FlowRecord Flow(string src, string dst, ushort dstPort = 80, long packets = 1, long bytes = 100, int startMs = 0, int durationMs = 0, byte protocol = 6) => new()
    {
        SrcAddr = IPAddress.Parse(src),
        DstAddr = IPAddress.Parse(dst),
        SrcPort = 40000,
        DstPort = dstPort,
        Protocol = protocol,
        Packets = packets,
        Bytes = bytes,
        Start = T0.AddMilliseconds(startMs),
        End = T0.AddMilliseconds(startMs + durationMs),
    };

    private static IReadOnlyList<TopNRow> Run(IEnumerable<FlowRecord> flows, string property, TopNOrder order, int top, IReadOnlyList<TopNDistinctField>? distinct = null, TopNLimits? limits = null)
    {
        var aggregator = new TopNAggregator(new TopNOptions(TopNOptions.ParseProperties(property.Split(',')))
        {
            Order = order,
            Top = top,
            Distinct = distinct ?? [],
            Limits = limits ?? new TopNLimits(),
        });
        aggregator.AddRange(flows);
        return aggregator.GetRows();
    }

    [Fact]
    public void TiesRankByAddressAscendingIPv4BeforeIPv6()
    {
        FlowRecord[] flows =
        [
            Flow("2001:db8::1", "10.9.9.9"), Flow("10.0.0.10", "10.9.9.9"), Flow("10.0.0.9", "10.9.9.9"),
            Flow("::1", "10.9.9.9"), Flow("9.255.255.255", "10.9.9.9"),
        ];
        string[] expected = ["9.255.255.255", "10.0.0.9", "10.0.0.10", "::1", "2001:db8::1"];
        Assert.Equal(expected, Run(flows, "SrcAddr", TopNOrder.Bytes, 0).Select(r => r.SrcAddr));
        Assert.Equal(expected[..3], Run(flows, "SrcAddr", TopNOrder.Bytes, 3).Select(r => r.SrcAddr));
        Array.Reverse(flows);
        Assert.Equal(expected, Run(flows, "SrcAddr", TopNOrder.Bytes, 0).Select(r => r.SrcAddr));
    }

    [Fact]
    public void TiesRankByNumberAscending()
    {
        FlowRecord[] flows = [Flow("10.0.0.1", "10.0.0.2", 8080), Flow("10.0.0.1", "10.0.0.2", 22), Flow("10.0.0.1", "10.0.0.2", 443), Flow("10.0.0.1", "10.0.0.2", 443)];
        Assert.Equal([443, 22, 8080], Run(flows, "DstPort", TopNOrder.Flows, 0).Select(r => r.DstPort!.Value));
    }

    /// <summary>The size-N heap gives exactly the first N rows of the full ranking, for every order, on seeded data with many ties.</summary>
    [Theory]
    [InlineData(TopNOrder.Flows)]
    [InlineData(TopNOrder.Packets)]
    [InlineData(TopNOrder.Bytes)]
    [InlineData(TopNOrder.Pps)]
    [InlineData(TopNOrder.Bps)]
    [InlineData(TopNOrder.Bpp)]
    [InlineData(TopNOrder.Start)]
    [InlineData(TopNOrder.End)]
    public void HeapSelectionEqualsTheHeadOfTheFullRanking(TopNOrder order)
    {
        var random = new Random(7);
        var flows = new List<FlowRecord>();
        for (int i = 0; i < 20_000; i++)
        {
            flows.Add(Flow($"10.0.{random.Next(8)}.{random.Next(250)}", "192.0.2.1", (ushort)random.Next(1, 400),
                packets: random.Next(1, 5), bytes: random.Next(1, 4) * 100, startMs: random.Next(50) * 1000, durationMs: random.Next(3) * 500));
        }
        foreach (string property in new[] { "SrcAddr", "DstPort", "SrcAddr,DstPort" })
        {
            var all = Run(flows, property, order, 0);
            foreach (int top in new[] { 1, 10, 137 })
            {
                var head = Run(flows, property, order, top);
                Assert.Equal(all.Take(top).Select(r => r.Key), head.Select(r => r.Key));
                Assert.Equal(Enumerable.Range(1, top), head.Select(r => r.Rank));
            }
        }
    }

    [Fact]
    public void StartAndEndRankTheEarliestFirst()
    {
        FlowRecord[] flows = [Flow("10.0.0.3", "10.0.0.9", startMs: 3000, durationMs: 100), Flow("10.0.0.1", "10.0.0.9", startMs: 5000, durationMs: 10), Flow("10.0.0.2", "10.0.0.9", startMs: 1000, durationMs: 9000)];
        Assert.Equal(["10.0.0.2", "10.0.0.3", "10.0.0.1"], Run(flows, "SrcAddr", TopNOrder.Start, 0).Select(r => r.SrcAddr));
        Assert.Equal(["10.0.0.3", "10.0.0.1", "10.0.0.2"], Run(flows, "SrcAddr", TopNOrder.End, 0).Select(r => r.SrcAddr));
    }

    [Fact]
    public void FiguresPercentagesAndRatesFollowNfdumpsFormulas()
    {
        FlowRecord[] flows = [Flow("10.0.0.1", "10.0.0.9", packets: 10, bytes: 3000, startMs: 0, durationMs: 1500), Flow("10.0.0.1", "10.0.0.8", packets: 5, bytes: 1000, startMs: 500, durationMs: 2500), Flow("10.0.0.2", "10.0.0.9", packets: 1, bytes: 40)];
        var top = Run(flows, "SrcAddr", TopNOrder.Bytes, 1).Single();
        Assert.Equal(2, top.Flows);
        Assert.Equal(15, top.Packets);
        Assert.Equal(4000, top.Bytes);
        Assert.Equal(100.0 * 4000 / 4040, top.BytesPercent, 9);
        Assert.Equal(T0, top.FirstSeen);
        Assert.Equal(T0.AddMilliseconds(3000), top.LastSeen);
        Assert.Equal(5, top.Pps);          // ⌊15 / 3.0⌋
        Assert.Equal(10666, top.Bps);      // ⌊8·4000 / 3.0⌋
        Assert.Equal(266, top.Bpp);        // ⌊4000 / 15⌋
    }

    [Fact]
    public void SelectionKeepsFlowsLyingInsideTheInclusiveWindowThatTheFilterMatches()
    {
        // nfdump's -t: the whole flow inside [1000, 2000] ms; 10.0.0.2 starts inside but ends a minute later, so it is out.
        FlowRecord[] flows =
        [
            Flow("10.0.0.1", "10.0.0.9", startMs: 999), Flow("10.0.0.2", "10.0.0.9", startMs: 1000, durationMs: 60_000),
            Flow("10.0.0.3", "10.0.0.9", startMs: 2000), Flow("10.0.0.4", "10.0.0.9", startMs: 2001),
            Flow("10.0.0.5", "10.0.0.9", startMs: 1500, protocol: 17), Flow("10.0.0.6", "10.0.0.9", startMs: 1000, durationMs: 1000),
        ];
        var selection = new FlowSelection(FlowFilter.Compile("proto tcp"), T0.AddMilliseconds(1000), T0.AddMilliseconds(2000));
        var aggregator = new TopNAggregator(new TopNOptions(TopNOptions.ParseProperties(["SrcAddr"])) { Top = 0 });
        Assert.Equal(2, aggregator.AddRange(flows, selection));
        Assert.Equal(["10.0.0.3", "10.0.0.6"], aggregator.GetRows().Select(r => r.SrcAddr).Order());
        Assert.Equal(100.0, aggregator.GetRows().Sum(r => r.FlowsPercent), 9);
    }

    [Fact]
    public void SelectionTakesLocalTimesAsTheInstantAndUnspecifiedAsUtc()
    {
        var local = new FlowSelection(start: T0.ToLocalTime());
        Assert.Equal(T0, local.Start);
        Assert.Equal(DateTimeKind.Utc, local.Start!.Value.Kind);
        var unspecified = new FlowSelection(end: DateTime.SpecifyKind(T0, DateTimeKind.Unspecified));
        Assert.Equal(T0, unspecified.End);
        Assert.Throws<ArgumentException>(() => new FlowSelection(start: T0, end: T0.AddTicks(-1)));
        Assert.True(FlowSelection.All.IsAll);
    }

    [Fact]
    public void DistinctCountsAreExactUpToTheLimitThenEstimated()
    {
        Assert.Equal(65_536, new TopNLimits().MaxExactDistinct);
        var flows = new List<FlowRecord>();
        for (int i = 0; i < 3000; i++) flows.Add(Flow("10.0.0.1", $"192.168.{i / 250}.{i % 250}", dstPort: (ushort)(i % 7)));
        flows.Add(Flow("10.0.0.2", "192.168.0.1"));

        var exact = Run(flows, "SrcAddr", TopNOrder.Flows, 0, [TopNDistinctField.DstAddr, TopNDistinctField.DstPort]);
        Assert.Equal(3000, exact[0].DistinctDstAddr);
        Assert.Equal(7, exact[0].DistinctDstPort);
        Assert.True(exact[0].DistinctIsExact);
        Assert.Null(exact[0].DistinctSrcAddr);

        var bounded = Run(flows, "SrcAddr", TopNOrder.Flows, 0, [TopNDistinctField.DstAddr, TopNDistinctField.DstPort], new TopNLimits(MaxExactDistinct: 1000));
        Assert.False(bounded[0].DistinctIsExact);
        Assert.InRange(bounded[0].DistinctDstAddr!.Value, 2850, 3150);    // HyperLogLog, ≈ 1.6 % standard error
        Assert.True(bounded[1].DistinctIsExact);
        Assert.Equal(1, bounded[1].DistinctDstAddr);
    }

    [Fact]
    public void HyperLogLogEstimatesLargeCountsClosely()
    {
        var counter = new DistinctCounter(16);
        for (int i = 0; i < 200_000; i++) counter.Add((UInt128)(uint)i * 2654435761u);
        Assert.False(counter.IsExact);
        Assert.InRange(counter.Count, 190_000, 210_000);
    }

    [Fact]
    public void AddRangeStopsWhenCancelled()
    {
        var aggregator = new TopNAggregator(new TopNOptions(TopNOptions.ParseProperties(["SrcAddr"])));
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        var flows = Enumerable.Range(0, 10_000).Select(i => Flow("10.0.0.1", "10.0.0.2"));
        Assert.ThrowsAny<OperationCanceledException>(() => aggregator.AddRange(flows, cancel.Token));
        Assert.True(aggregator.RecordCount < 10_000);
    }

    [Fact]
    public void MemoryFollowsTheDistinctKeysNotTheRecords()
    {
        var aggregator = new TopNAggregator(new TopNOptions(TopNOptions.ParseProperties(["DstPort"])) { Top = 3 });
        for (int i = 0; i < 100_000; i++) aggregator.Add(Flow("10.0.0.1", "10.0.0.2", (ushort)(i % 50)));
        Assert.Equal(50, aggregator.KeyCount);
        Assert.Equal(100_000, aggregator.RecordCount);
        Assert.Equal(3, aggregator.GetRows().Count);
    }
}
