using FlowForensics.Metering;
using Xunit;
using static FlowForensics.Tests.Capture.Decoding.Frames;
using static FlowForensics.Tests.Metering.Packets;

namespace FlowForensics.Tests.Metering;

/// <summary>
/// Fragmented datagrams through the flow table: a complete datagram is one packet with its reassembled IP length
/// and the ports of its first fragment; nothing is dropped; incomplete datagrams are metered as they stand.
/// </summary>
public sealed class FragmentTrackerTests
{
    // A 3008-byte UDP datagram (8-byte header + 3000) 4000 -> 5000, cut at 1480-byte boundaries for IPv4.
    private static readonly byte[] Datagram = UdpDatagram(4000, 5000, 3008);
    private const ushort Id = 0x4242;
    private const int Reassembled4 = 20 + 3008;

    private static byte[] First => Fragment4(A, B, Id, Datagram, 0, 1480, more: true);
    private static byte[] Middle => Fragment4(A, B, Id, Datagram, 1480, 1480, more: true);
    private static byte[] Last => Fragment4(A, B, Id, Datagram, 2960, 48, more: false);

    public static TheoryData<string, int[]> Orders() => new()
    {
        { "in order", [0, 1, 2] },
        { "last first", [2, 1, 0] },
        { "first in the middle", [1, 0, 2] },
        { "first last", [2, 0, 1] },
    };

    [Theory]
    [MemberData(nameof(Orders))]
    public void ACompleteDatagramIsOnePacketWithThePortsOfItsFirstFragment(string order, int[] sequence)
    {
        byte[][] fragments = [First, Middle, Last];
        var d = new TableDriver();
        for (int i = 0; i < sequence.Length; i++) d.At(i * 0.001, fragments[sequence[i]]);
        var flows = d.Flush();

        var flow = Assert.Single(flows);
        Assert.True(flow.SrcPort == 4000 && flow.DstPort == 5000, order);
        Assert.Equal(1, flow.Packets);
        Assert.Equal(Reassembled4, flow.Bytes);
        Assert.Equal(TableDriver.T0.AddSeconds(0.002), flow.Start);   // metered when the datagram completed
        Assert.Equal(2, d.Counters.FragmentsJoined);
        Assert.Equal(0, d.Counters.FragmentsOrphaned);
        Assert.Equal(3, d.Counters.Packets);
        Assert.Equal(1, d.Counters.PacketsMetered);
    }

    [Fact]
    public void FragmentedAndWholePacketsOfOneFiveTupleAreOneFlow()
    {
        var d = new TableDriver()
            .At(0, UdpFrame(A, 4000, B, 5000, payload: 100))
            .At(1, First).At(1.1, Middle).At(1.2, Last)
            .At(2, UdpFrame(A, 4000, B, 5000, payload: 100));
        var flow = Assert.Single(d.Flush());
        Assert.Equal(3, flow.Packets);
        Assert.Equal(128 + Reassembled4 + 128, flow.Bytes);
    }

    [Fact]
    public void ADuplicatedFragmentIsCountedOnceAndCannotFakeACompleteDatagram()
    {
        // Regression: payload sizes were summed, so first + first again + last (3008 bytes "seen") passed for
        // complete although bytes 1480-2960 never came.
        var d = new TableDriver().At(0, First).At(0.1, First).At(0.2, Last);
        Assert.Equal(0, d.Table.ActiveFlows);                  // still waiting for the hole
        var flow = Assert.Single(d.Flush());
        Assert.Equal(4000, flow.SrcPort);                      // the first fragment came: its ports
        Assert.Equal(1, flow.Packets);
        Assert.Equal(20 + 1480 + 48, flow.Bytes);              // what arrived, each byte once
        Assert.Equal(3, d.Counters.FragmentsOrphaned);
        Assert.Equal(0, d.Counters.FragmentsJoined);
    }

    [Fact]
    public void ADuplicatedFragmentInsideACompleteDatagramAddsNoBytes()
    {
        var d = new TableDriver().At(0, First).At(0.1, Middle).At(0.2, Middle).At(0.3, Last);
        var flow = Assert.Single(d.Flush());
        Assert.Equal(1, flow.Packets);
        Assert.Equal(Reassembled4, flow.Bytes);
    }

    [Fact]
    public void FragmentsWithoutTheirFirstAreMeteredPortlessAfterTheFragmentTimeout()
    {
        var d = new TableDriver().At(0, Middle).At(0.5, Last);
        for (int t = 1; t <= 30; t++) d.At(t, UdpFrame(C, 7, B, 7));   // the clock moves; sweeps every 10 s
        Assert.Equal(2, d.Counters.FragmentsOrphaned);                  // gone from the tracker at the 20 s sweep
        d.Flush();

        var orphan = d.Of(A, 0, B, 0, 17).Single();
        Assert.Equal(1, orphan.Packets);
        Assert.Equal(20 + 1480 + 48, orphan.Bytes);
        Assert.Equal(TableDriver.T0.AddSeconds(0.5), orphan.Start);    // the time of the last fragment seen
        Assert.Equal(0, d.Counters.FragmentsJoined);
    }

    [Fact]
    public void FragmentTimeoutIsSettable()
    {
        var d = new TableDriver(new FlowTableOptions { FragmentTimeout = TimeSpan.FromSeconds(45) }).At(0, First);
        for (int t = 1; t <= 40; t++) d.At(t, UdpFrame(C, 7, B, 7));
        Assert.Equal(0, d.Counters.FragmentsOrphaned);
        d.At(41, Middle).At(42, Last);                                  // still in time
        d.Flush();
        Assert.Equal(Reassembled4, d.Of(A, 4000, B, 5000, 17).Single().Bytes);
    }

    [Fact]
    public void AFirstFragmentAloneIsMeteredWithItsPortsAtTheEndOfInput()
    {
        var d = new TableDriver().At(0, First);
        var flow = Assert.Single(d.Flush());
        Assert.Equal((4000, 5000), (flow.SrcPort, flow.DstPort));
        Assert.Equal(1500, flow.Bytes);
        Assert.Equal(1, d.Counters.FragmentsOrphaned);
    }

    [Fact]
    public void FragmentedIcmpIsOneFlowWithSourcePortZero()
    {
        byte[] echo = [8, 0, 0, 0, 0, 1, 0, 1, .. new byte[2992]];   // 3000 bytes of ICMP echo request
        var d = new TableDriver()
            .At(0, Fragment4(A, B, 7, echo, 0, 1480, more: true, protocol: 1))
            .At(0.1, Fragment4(A, B, 7, echo, 1480, 1480, more: true, protocol: 1))
            .At(0.2, Fragment4(A, B, 7, echo, 2960, 40, more: false, protocol: 1));
        var flow = Assert.Single(d.Exported);                          // ICMP: exported at once
        Assert.Equal(0, flow.SrcPort);
        Assert.Equal(8 * 256, flow.DstPort);
        Assert.Equal(20 + 3000, flow.Bytes);
    }

    [Fact]
    public void IPv6FragmentsReassembleWithoutTheFragmentHeaderInTheLength()
    {
        // 1448-byte pieces (multiples of 8); each fragment is 40 + 8 + piece bytes on the wire.
        const string s = "2001:db8::1", t = "2001:db8::2";
        var d = new TableDriver()
            .At(0, Fragment6(s, t, 99, Datagram, 1448, 1448, more: true))
            .At(0.1, Fragment6(s, t, 99, Datagram, 0, 1448, more: true))
            .At(0.2, Fragment6(s, t, 99, Datagram, 2896, 112, more: false));
        var flow = Assert.Single(d.Flush());
        Assert.Equal((4000, 5000), (flow.SrcPort, flow.DstPort));
        Assert.Equal(6, flow.IPVersion);
        Assert.Equal(1, flow.Packets);
        Assert.Equal(40 + 3008, flow.Bytes);
        Assert.Equal(2, d.Counters.FragmentsJoined);
    }

    [Fact]
    public void IPv6FragmentsWithAnExtensionHeaderAfterTheFragmentHeaderReassemble()
    {
        // Regression: the destination options header after the fragment header was counted as IP header, so the
        // first fragment's data looked 8 bytes short (a hole), and the later fragments, which name protocol 60
        // rather than UDP, were keyed apart from the first: the datagram never completed.
        const string s = "2001:db8::1", t = "2001:db8::2";
        byte[] fragmentable = Extension(17, UdpDatagram(4000, 5000, 3000));   // 8 + 3000 bytes
        var d = new TableDriver()
            .At(0, Fragment6(s, t, 77, fragmentable, 0, 1448, more: true, next: 60))
            .At(0.1, Fragment6(s, t, 77, fragmentable, 1448, 1448, more: true, next: 60))
            .At(0.2, Fragment6(s, t, 77, fragmentable, 2896, 112, more: false, next: 60));
        var flow = Assert.Single(d.Flush());
        Assert.Equal((4000, 5000), (flow.SrcPort, flow.DstPort));
        Assert.Equal(17, flow.Protocol);
        Assert.Equal(40 + 3008, flow.Bytes);
        Assert.Equal(0, d.Counters.FragmentsOrphaned);
    }

    [Fact]
    public void IPv6FragmentsWithoutTheirFirstArePortless()
    {
        const string s = "2001:db8::1", t = "2001:db8::2";
        var d = new TableDriver().At(0, Fragment6(s, t, 5, Datagram, 1448, 1448, more: true));
        var flow = Assert.Single(d.Flush());
        Assert.Equal((0, 0), (flow.SrcPort, flow.DstPort));
        Assert.Equal(17, flow.Protocol);
        Assert.Equal(40 + 1448, flow.Bytes);
    }

    [Fact]
    public void DatagramsWithTheSameIdBetweenOtherHostsAreKeptApart()
    {
        var d = new TableDriver()
            .At(0, First)
            .At(0.1, Fragment4(C, B, Id, Datagram, 0, 1480, more: true))
            .At(0.2, Middle).At(0.3, Last);
        d.Flush();
        Assert.Equal(Reassembled4, d.Of(A, 4000, B, 5000, 17).Single().Bytes);
        Assert.Equal(1500, d.Of(C, 4000, B, 5000, 17).Single().Bytes);
    }

    [Fact]
    public void TheTrackerIsBoundedAndGivesUpItsOldestDatagramCounted()
    {
        var d = new TableDriver(new FlowTableOptions { MaxFragmentedDatagrams = 2 });
        for (ushort id = 1; id <= 3; id++)
            d.At(id, Fragment4(A, B, id, Datagram, 0, 1480, more: true));
        Assert.Equal(1, d.Counters.FragmentTableFull);
        Assert.Equal(1, d.Table.ActiveFlows);                           // the oldest, metered with its ports
        d.Flush();
        var flow = d.Of(A, 4000, B, 5000, 17).Single();
        Assert.Equal(3, flow.Packets);                                  // none dropped
        Assert.Equal(3 * 1500, flow.Bytes);
    }

    [Theory]
    [InlineData("disjoint", new[] { 0, 8, 16, 24 }, 16)]
    [InlineData("same twice", new[] { 0, 8, 0, 8 }, 8)]
    [InlineData("overlap", new[] { 0, 10, 5, 15 }, 15)]
    [InlineData("adjacent", new[] { 0, 8, 8, 16 }, 16)]
    [InlineData("covers two", new[] { 0, 4, 8, 12, 0, 16 }, 16)]
    [InlineData("inside", new[] { 0, 16, 4, 8 }, 16)]
    [InlineData("empty", new[] { 0, 0, 4, 4 }, 0)]
    public void CoverCountsEachByteOnce(string why, int[] pairs, int expected)
    {
        var ranges = new List<(int Start, int End)>();
        int total = 0;
        for (int i = 0; i < pairs.Length; i += 2) total += FragmentTracker.Cover(ranges, pairs[i], pairs[i + 1]);
        Assert.True(expected == total, why);
        int covered = ranges.Sum(r => r.End - r.Start);
        Assert.Equal(expected, covered);
        for (int i = 1; i < ranges.Count; i++) Assert.True(ranges[i - 1].End < ranges[i].Start, $"{why}: ranges stay sorted and apart");
    }
}
