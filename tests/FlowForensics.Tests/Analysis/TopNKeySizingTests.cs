using System.Reflection;
using FlowForensics.Analysis.TopN;
using FlowForensics.Flows;
using FlowForensics.Query;
using FlowForensics.Storage.Nfcapd;
using Xunit;

namespace FlowForensics.Tests.Analysis;

/// <summary>
/// The speed-ups of the top-N table change no row: the 40-byte compact key (addresses, ports, protocol, ToS) against
/// the full 80-byte key, and sizing the table ahead from the expected records against growing it step by step.
/// </summary>
public sealed class TopNKeySizingTests
{
    private static readonly DateTime T0 = new(2024, 7, 11, 9, 0, 0, DateTimeKind.Utc);

    /// <summary>Seeded flows: IPv4 and IPv6, both directions of some conversations, several protocols and ToS.</summary>
    private static List<FlowRecord> Flows(int count, int seed)
    {
        var rng = new Random(seed);
        var flows = new List<FlowRecord>(count);
        for (int i = 0; i < count; i++)
        {
            bool v6 = rng.Next(4) == 0;
            FlowAddress a = v6 ? FlowAddress.FromIPv6(0x2001_0db8_0000_0000UL, (ulong)rng.Next(300)) : FlowAddress.FromIPv4(0x0A000000u + (uint)rng.Next(300));
            FlowAddress b = v6 ? FlowAddress.FromIPv6(0x2001_0db8_0001_0000UL, (ulong)rng.Next(50)) : FlowAddress.FromIPv4(0xC0A80000u + (uint)rng.Next(50));
            bool reverse = rng.Next(3) == 0;
            ushort hi = (ushort)rng.Next(40000, 40100), lo = (ushort)(rng.Next(2) == 0 ? 443 : 53);
            var start = T0.AddMilliseconds(rng.Next(600_000));
            flows.Add(new FlowRecord
            {
                SrcAddress = reverse ? b : a,
                DstAddress = reverse ? a : b,
                SrcPort = reverse ? lo : hi,
                DstPort = reverse ? hi : lo,
                Protocol = rng.Next(5) switch { 0 => 17, 1 => 1, _ => 6 },
                SrcTos = (byte)rng.Next(3),
                Packets = rng.Next(1, 50),
                Bytes = rng.Next(40, 50_000),
                Start = start,
                End = start.AddMilliseconds(rng.Next(5_000)),
            });
        }
        return flows;
    }

    public static TheoryData<string, bool> Keys() => new()
    {
        { "Conversation", false },
        { "Conversation", true },
        { "SrcAddr,DstAddr", false },
        { "SrcAddr,DstAddr", true },
        { "SrcNet/24/64,DstPort", false },
        { "SrcAddr,DstAddr,Protocol,SrcTos", false },
        { "SrcAddr,SrcPort,DstAddr,DstPort", true },
    };

    private static IReadOnlyList<TopNRow> Rows(List<FlowRecord> flows, string key, bool bidirectional, bool compact, long expect = 0)
    {
        var aggregator = new TopNAggregator(new TopNOptions(TopNOptions.ParseProperties(key.Split(',')))
        {
            Order = TopNOrder.Bytes,
            Top = 0,
            Bidirectional = bidirectional,
            Distinct = [TopNDistinctField.DstPort],
            CompactKeys = compact,
        });
        aggregator.ExpectRecords(expect);
        aggregator.AddRange(flows);
        return aggregator.GetRows();
    }

    private static readonly PropertyInfo[] RowProperties = typeof(TopNRow).GetProperties();

    private static void AssertSameRows(IReadOnlyList<TopNRow> expected, IReadOnlyList<TopNRow> actual, string what)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
            foreach (var p in RowProperties)
                Assert.True(Equals(p.GetValue(expected[i]), p.GetValue(actual[i])), $"{what} row {i + 1}: {p.Name} {p.GetValue(actual[i])}, expected {p.GetValue(expected[i])}");
    }

    [Theory]
    [MemberData(nameof(Keys))]
    public void The_compact_key_gives_the_rows_of_the_full_key(string key, bool bidirectional)
    {
        var flows = Flows(20_000, key.Length);
        var full = Rows(flows, key, bidirectional, compact: false);
        var compact = Rows(flows, key, bidirectional, compact: true);
        Assert.True(full.Count > 50, $"{full.Count} rows");
        Assert.Contains(full, r => r.Key.Contains(':', StringComparison.Ordinal));   // IPv6 keys are among them
        AssertSameRows(full, compact, key);
    }

    [Theory]
    [MemberData(nameof(Keys))]
    public void Sizing_the_table_ahead_changes_no_row(string key, bool bidirectional)
    {
        var flows = Flows(150_000, key.Length + 1);
        var grown = Rows(flows, key, bidirectional, compact: true);
        AssertSameRows(grown, Rows(flows, key, bidirectional, compact: true, expect: flows.Count), key + " (expected exactly)");
        AssertSameRows(grown, Rows(flows, key, bidirectional, compact: true, expect: 50L * flows.Count), key + " (expected 50x too many)");
    }

    [Fact]
    public void The_table_is_sized_ahead_only_when_keys_come_at_about_one_per_record()
    {
        // About one key per record: sized at the sampling point (1/8 of the expected records) for all expected keys.
        var unique = new TopNAggregator(new TopNOptions(TopNOptions.ParseProperties(["Conversation"])) { Top = 1 });
        unique.ExpectRecords(1_000_000);
        var flow = new FlowRecord { Protocol = 6, SrcAddress = FlowAddress.FromIPv4(0x0A000001), Start = T0, End = T0 };
        for (int i = 0; i < 125_000; i++)
        {
            flow.SrcPort = (ushort)i;
            flow.DstAddress = FlowAddress.FromIPv4(0xC0A80000u + (uint)(i >> 16));
            unique.Add(flow);
        }
        Assert.InRange(Capacity(unique), 1_000_000, 1_300_000);

        // Few keys per record (a busy source): left to grow by itself.
        var few = new TopNAggregator(new TopNOptions(TopNOptions.ParseProperties(["SrcAddr"])) { Top = 1 });
        few.ExpectRecords(1_000_000);
        for (int i = 0; i < 125_000; i++)
        {
            flow.SrcAddress = FlowAddress.FromIPv4(0x0A000000u + (uint)(i % 5_000));
            few.Add(flow);
        }
        Assert.Equal(5_000, few.KeyCount);
        Assert.True(Capacity(few) < 20_000, $"capacity {Capacity(few)} for 5,000 keys");
    }

    /// <summary>The table's capacity in keys (its private state: what the sizing decides).</summary>
    private static long Capacity(TopNAggregator aggregator)
    {
        _ = aggregator.KeyCount;   // puts the records still waiting in a batch into the table
        var table = (ITopNTable)typeof(TopNAggregator).GetField("_table", BindingFlags.Instance | BindingFlags.NonPublic)!.GetValue(aggregator)!;
        return table.Capacity;
    }

    [Fact]
    public void AddFiles_reads_the_same_rows_with_and_without_the_files_statistics()
    {
        string file = SharedData.Path("data", "nfcapd", "chrispassas", "nfcapd-large-bz2");
        using (var reader = NfcapdFileReader.Open(file)) Assert.True(reader.Info.HasStatistics);
        var options = new TopNOptions(TopNOptions.ParseProperties(["Conversation"])) { Order = TopNOrder.Bytes, Top = 0 };
        var fromFiles = new TopNAggregator(options);
        fromFiles.AddFiles([file, file], FlowSelection.All, 2);
        var fromStream = new TopNAggregator(options);
        using (var reader = NfcapdFileReader.Open(file))
        {
            fromStream.AddRange(reader.ReadFlows());
            fromStream.AddRange(reader.ReadFlows());
        }
        Assert.Equal(fromStream.RecordCount, fromFiles.RecordCount);
        AssertSameRows(fromStream.GetRows(), fromFiles.GetRows(), "nfcapd-large-bz2 twice");
    }
}
