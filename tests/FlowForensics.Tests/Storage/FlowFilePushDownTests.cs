using FlowForensics.Flows;
using FlowForensics.Query;
using FlowForensics.Storage;
using FlowForensics.Storage.Nfcapd;
using FlowForensics.Wire;
using Xunit;

namespace FlowForensics.Tests.Storage;

public sealed class FlowFilePushDownTests : IDisposable
{
    private static readonly DateTime T0 = new(2024, 5, 1, 10, 0, 0, DateTimeKind.Utc);
    private readonly string _dir = Directory.CreateTempSubdirectory("ff-pushdown-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>n flows of the given protocols starting at <paramref name="from"/>, spread over ten minutes.</summary>
    internal static List<FlowRecord> Flows(int n, DateTime from, byte[] protocols, int seed)
    {
        var rng = new Random(seed);
        var list = new List<FlowRecord>(n);
        for (int i = 0; i < n; i++)
        {
            var start = from.AddMilliseconds(rng.Next(0, 600_000));
            byte proto = protocols[rng.Next(protocols.Length)];
            list.Add(new FlowRecord
            {
                Start = start,
                End = start.AddMilliseconds(rng.Next(0, 5_000)),
                Protocol = proto,
                SrcPort = proto == 1 ? (ushort)0 : (ushort)rng.Next(1024, 65536),
                DstPort = proto == 1 ? (ushort)0x0800 : (ushort)(rng.Next(2) == 0 ? 443 : 53),
                TcpFlags = proto == 6 ? TcpFlags.Syn | TcpFlags.Ack : TcpFlags.None,
                Packets = rng.Next(1, 50),
                Bytes = rng.Next(40, 60_000),
                SrcAddress = FlowAddress.FromIPv4(0x0A000000u | (uint)rng.Next(0x10000)),
                DstAddress = FlowAddress.FromIPv4(0xC0000200u | (uint)rng.Next(256)),
            });
        }
        return list;
    }

    private string Write(string name, List<FlowRecord> flows)
    {
        string path = Path.Combine(_dir, name);
        using var w = NfcapdFileWriter.Create(path, NfcapdCompression.Lz4, "pushdown");
        foreach (var f in flows) w.Accept(f);
        w.Complete();
        return path;
    }

    /// <summary>Destroys the first data block's header (record count 0): any read of that block fails loudly, while the
    /// file header and the appendix (stat record) stay intact.</summary>
    internal static void PoisonFirstDataBlock(string path)
    {
        using var s = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        s.Position = NfcapdLayout.HeaderSize;
        s.Write(new byte[NfcapdLayout.BlockHeaderSize]);
    }

    /// <summary>The files through the engine's query with this window and filter; skipped files go to <paramref name="onSkipped"/>.</summary>
    private static List<FlowRecord> Read(IEnumerable<string> files, TimeWindow window, CompiledFilter? filter, Action<string, string>? onSkipped = null)
    {
        var flows = new List<FlowRecord>();
        FlowQuery.Open(files, recurse: false, new FlowSelection(filter, window), new Skips(onSkipped)).ForEach(flows.Add);
        return flows;
    }

    private sealed class Skips(Action<string, string>? onSkipped) : IFlowQueryObserver
    {
        public void FileSkipped(string path, string reason, bool notFlowFile) => onSkipped?.Invoke(path, reason);
    }

    [Fact]
    public void TimeWindowSkipsAFileOutsideItWithoutReadingAnyDataBlock()
    {
        var early = Flows(3000, T0, [6, 17], seed: 1);
        var late = Flows(3000, T0.AddHours(2), [6, 17], seed: 2);
        string a = Write("nfcapd.a", early);
        string b = Write("nfcapd.b", late);
        PoisonFirstDataBlock(a);
        var window = new TimeWindow(T0.AddHours(2), T0.AddHours(2).AddMinutes(5));
        var skipped = new List<(string Path, string Reason)>();

        var read = Read([a, b], window, null, (p, r) => skipped.Add((p, r))).ToList();

        var expected = late.Where(window.Contains).ToList();
        Assert.NotEmpty(expected);
        Assert.True(expected.Count < late.Count);
        Assert.Equal(expected.Select(f => (f.Start, f.SrcPort)).OrderBy(x => x), read.Select(f => (f.Start, f.SrcPort)).OrderBy(x => x));
        var skip = Assert.Single(skipped);
        Assert.Equal(a, skip.Path);
        Assert.Contains("outside the window", skip.Reason, StringComparison.Ordinal);

        // control: the poisoned file is really unreadable past its header once the window admits it
        var admitting = new TimeWindow(T0, T0.AddMinutes(30));
        Assert.Throws<FlowDataException>(() => Read([a], admitting, null).ToList());
    }

    [Fact]
    public void FilterNeedingTcpSkipsAFileWhoseStatRecordCountsNoTcpFlows()
    {
        var udpOnly = Flows(2000, T0, [17], seed: 3);
        var mixed = Flows(2000, T0, [6, 17, 1], seed: 4);
        string u = Write("nfcapd.udp", udpOnly);
        string m = Write("nfcapd.mixed", mixed);
        PoisonFirstDataBlock(u);
        using (var r = NfcapdFileReader.Open(u))
        {
            Assert.Equal(2000UL, r.Info.FlowsUdp);
            Assert.Equal(0UL, r.Info.FlowsTcp);
        }
        var filter = FlowFilter.Compile("proto tcp and dst port 443 and flags S and not flags R");
        var skipped = new List<string>();

        var read = Read([u, m], default, filter, (p, r) => skipped.Add(r)).ToList();

        int expected = mixed.Count(filter.Matches);
        Assert.True(expected > 0);
        Assert.Equal(expected, read.Count);
        Assert.All(read, f => Assert.Equal(6, f.Protocol));
        Assert.Contains("tcp", Assert.Single(skipped), StringComparison.Ordinal);

        // a filter that may match UDP must read the file (and so hits the poisoned block)
        Assert.Throws<FlowDataException>(() => Read([u], default, FlowFilter.Compile("dst port 443"), null).ToList());
        // and ICMP is skipped for a UDP-only file too, but not for the mixed one
        Assert.True(FlowFilePushDown.CanSkip(NfcapdFileReader.Open(u).Info, default, FlowFilter.Compile("icmp-type 8"), out _));
        using var mr = NfcapdFileReader.Open(m);
        Assert.False(FlowFilePushDown.CanSkip(mr.Info, default, FlowFilter.Compile("icmp-type 8"), out _));
    }

    [Fact]
    public void FlowFileSetAlreadySkipsAFileOutsideItsWindowWithoutReadingAnyDataBlock()
    {
        string a = Write("nfcapd.a", Flows(1000, T0, [6], seed: 6));
        string b = Write("nfcapd.b", Flows(1000, T0.AddHours(3), [6], seed: 7));
        PoisonFirstDataBlock(a);
        var set = new FlowFileSet([_dir], window: new TimeWindow(T0.AddHours(3), null));
        var opened = new List<string>();
        set.FileOpened += opened.Add;

        Assert.Equal(1000, set.ReadFlows().Count());
        Assert.Equal([b], opened);
        Assert.Contains(set.Skipped, s => s.Path == a && s.Reason.Contains("stat record", StringComparison.Ordinal));
    }

    [Fact]
    public void AFileInsideTheWindowAndFilterIsNeverSkipped()
    {
        string m = Write("nfcapd.m", Flows(500, T0, [6], seed: 5));
        using var r = NfcapdFileReader.Open(m);
        Assert.False(FlowFilePushDown.CanSkip(r.Info, new TimeWindow(T0.AddMinutes(5), null), FlowFilter.Compile("proto tcp"), out var why));
        Assert.Null(why);
        Assert.False(FlowFilePushDown.CanSkip(r.Info, new TimeWindow(null, T0.AddMinutes(1)), null, out _));
        Assert.True(FlowFilePushDown.CanSkip(r.Info, new TimeWindow(null, T0.AddMinutes(-1)), null, out _));
        Assert.True(FlowFilePushDown.CanSkip(r.Info, default, FlowFilter.Compile("proto udp or proto 47"), out _));
    }

    [Theory]
    [InlineData("proto tcp", FlowFilePushDown.ProtocolClasses.Tcp)]
    [InlineData("flags S and not flags A", FlowFilePushDown.ProtocolClasses.Tcp)]
    [InlineData("not flags A", FlowFilePushDown.ProtocolClasses.All)]
    [InlineData("proto udp or icmp-type 8", FlowFilePushDown.ProtocolClasses.Udp | FlowFilePushDown.ProtocolClasses.Icmp)]
    [InlineData("not proto tcp", FlowFilePushDown.ProtocolClasses.Udp | FlowFilePushDown.ProtocolClasses.Icmp | FlowFilePushDown.ProtocolClasses.Other)]
    [InlineData("not proto icmp", FlowFilePushDown.ProtocolClasses.All)]
    [InlineData("not (proto tcp or proto udp)", FlowFilePushDown.ProtocolClasses.Icmp | FlowFilePushDown.ProtocolClasses.Other)]
    [InlineData("proto gre", FlowFilePushDown.ProtocolClasses.Other)]
    [InlineData("host 10.0.0.1", FlowFilePushDown.ProtocolClasses.All)]
    [InlineData("host 10.0.0.1 and (proto tcp or proto udp)", FlowFilePushDown.ProtocolClasses.Tcp | FlowFilePushDown.ProtocolClasses.Udp)]
    [InlineData("(proto tcp and dst port in [80 443 8080] and bytes > 1k) or (proto udp and not dst port 53 and packets > 10) or flags S and not flags A",
        FlowFilePushDown.ProtocolClasses.Tcp | FlowFilePushDown.ProtocolClasses.Udp)]
    internal void PossibleProtocolClassesOverApproximateTheFilter(string filter, FlowFilePushDown.ProtocolClasses expected)
    {
        Assert.Equal(expected, FlowFilePushDown.PossibleClasses(FlowFilter.Parse(filter), negated: false));
    }
}
