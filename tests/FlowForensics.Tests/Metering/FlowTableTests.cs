using FlowForensics.Flows;
using FlowForensics.Metering;
using Xunit;
using static FlowForensics.Tests.Capture.Decoding.Frames;
using static FlowForensics.Tests.Metering.Packets;

namespace FlowForensics.Tests.Metering;

public sealed class FlowTableTests
{
    [Fact]
    public void KeyIsIpVersionAndFiveTupleInOneDirection()
    {
        var d = new TableDriver()
            .At(0.0, TcpFrame(A, 1000, B, 80, TcpFlags.Syn))
            .At(0.1, TcpFrame(B, 80, A, 1000, TcpFlags.Syn | TcpFlags.Ack))   // the reply: a flow of its own
            .At(0.2, TcpFrame(A, 1000, B, 80, TcpFlags.Ack))
            .At(0.3, TcpFrame(A, 1001, B, 80, TcpFlags.Syn))                  // another source port
            .At(0.4, UdpFrame(A, 1000, B, 80))                                // another protocol
            .At(0.5, Udp6Frame("::ffff:10.0.0.1", 1000, "::ffff:10.0.0.2", 80)) // same bits, IPv6
            .At(0.6, UdpFrame(A, 1000, C, 80));                               // another destination
        var flows = d.Flush();

        Assert.Equal(6, flows.Count);
        Assert.Equal(2, d.Of(A, 1000, B, 80, 6).Single().Packets);
        Assert.Equal(1, d.Of(B, 80, A, 1000, 6).Single().Packets);
        Assert.Single(d.Of(A, 1001, B, 80, 6));
        Assert.Single(d.Of(A, 1000, B, 80, 17));
        Assert.Single(d.Of(A, 1000, C, 80, 17));
        var v6 = flows.Single(f => f.IPVersion == 6);
        Assert.Equal(1, v6.Packets);
        Assert.Equal(6, v6.IPVersion);
        Assert.Equal(4, d.Of(A, 1000, B, 80, 17).Single().IPVersion);
    }

    [Fact]
    public void BytesAreIpTotalLengthNotFrameLength()
    {
        // 20 (IPv4) + 8 (UDP) + 10 = 38 bytes, carried in a 52-byte frame padded to 72 with a trailer.
        byte[] padded = Cat(UdpFrame(A, 1, B, 2, payload: 10), new byte[20]);
        var d = new TableDriver().At(0, padded).At(1, UdpFrame(A, 1, B, 2, payload: 100))
            .At(2, Udp6Frame("2001:db8::1", 1, "2001:db8::2", 2, payload: 10));
        d.Flush();

        var v4 = d.Of(A, 1, B, 2, 17).Single();
        Assert.Equal(2, v4.Packets);
        Assert.Equal(38 + 128, v4.Bytes);
        Assert.Equal(40 + 8 + 10, d.Of("2001:db8::1", 1, "2001:db8::2", 2, 17).Single().Bytes);
    }

    [Fact]
    public void TcpFlagsAreOredOverTheFlowAndNoneForOtherProtocols()
    {
        var d = new TableDriver()
            .At(0, TcpFrame(A, 1000, B, 80, TcpFlags.Syn))
            .At(1, TcpFrame(A, 1000, B, 80, TcpFlags.Ack))
            .At(2, TcpFrame(A, 1000, B, 80, TcpFlags.Psh | TcpFlags.Ack | TcpFlags.Urg))
            .At(3, UdpFrame(A, 1000, B, 80));
        d.Flush();

        var tcp = d.Of(A, 1000, B, 80, 6).Single();
        Assert.Equal(TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Psh | TcpFlags.Urg, tcp.TcpFlags);
        Assert.Equal("..UAP.S.", tcp.Flags);
        Assert.Equal(TcpFlags.None, d.Of(A, 1000, B, 80, 17).Single().TcpFlags);
    }

    [Fact]
    public void DefaultTimeoutsAre300ActiveAnd60Inactive()
    {
        var o = new FlowTableOptions();
        Assert.Equal(TimeSpan.FromSeconds(300), o.ActiveTimeout);
        Assert.Equal(TimeSpan.FromSeconds(60), o.InactiveTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), o.SweepInterval);
        Assert.True(o.TcpFinRstEndsFlow);
        Assert.True(o.DnsPacketPerFlow);
    }

    [Fact]
    public void AFlowWithAPacketEvery10SecondsIsCutAt310Seconds()
    {
        var d = new TableDriver();
        for (int t = 0; t <= 400; t += 10) d.At(t, UdpFrame(A, 1, B, 2));
        d.Flush();

        var flows = d.Of(A, 1, B, 2, 17);
        Assert.Equal(2, flows.Count);
        Assert.Equal(TableDriver.T0, flows[0].Start);
        Assert.Equal(TableDriver.T0.AddSeconds(310), flows[0].End);
        Assert.Equal(32, flows[0].Packets);
        Assert.Equal(TableDriver.T0.AddSeconds(320), flows[1].Start);
        Assert.Equal(9, flows[1].Packets);
        Assert.Equal(1, d.Counters.ExpiredActive);
    }

    [Fact]
    public void ActiveTimeoutIsSettable()
    {
        var d = new TableDriver(new FlowTableOptions { ActiveTimeout = TimeSpan.FromSeconds(60) });
        for (int t = 0; t <= 200; t += 10) d.At(t, UdpFrame(A, 1, B, 2));
        d.Flush();

        var flows = d.Of(A, 1, B, 2, 17);
        Assert.Equal(new long[] { 8, 8, 5 }, flows.Select(f => f.Packets));
        Assert.Equal(new double[] { 0, 80, 160 }, flows.Select(f => (f.Start - TableDriver.T0).TotalSeconds));
        Assert.Equal(new double[] { 70, 150, 200 }, flows.Select(f => (f.End - TableDriver.T0).TotalSeconds));
        Assert.Equal(2, d.Counters.ExpiredActive);
    }

    [Theory]
    [InlineData(60, 1)]   // the default: a 30 s gap keeps one flow
    [InlineData(15, 2)]   // settable: the same gap ends it
    public void InactiveTimeoutEndsAnIdleFlowAndIsSettable(int inactiveSeconds, int expectedFlows)
    {
        var d = new TableDriver(new FlowTableOptions { InactiveTimeout = TimeSpan.FromSeconds(inactiveSeconds) });
        var times = new SortedDictionary<double, byte[]>();
        for (int t = 0; t <= 40; t += 5) times[t + 0.5] = UdpFrame(C, 7, B, 7);   // traffic that moves the clock
        times[0] = UdpFrame(A, 1, B, 2);
        times[30] = UdpFrame(A, 1, B, 2);
        foreach (var (t, frame) in times) d.At(t, frame);
        d.Flush();

        Assert.Equal(expectedFlows, d.Of(A, 1, B, 2, 17).Count);
        Assert.Equal(expectedFlows - 1, d.Counters.ExpiredInactive);
    }

    [Fact]
    public void InactiveTimeoutEndsAFlowAtTheFirstSweepPastIt()
    {
        var d = new TableDriver();
        d.At(0, UdpFrame(A, 1, B, 2));
        for (int t = 1; t <= 90; t++) d.At(t, UdpFrame(C, 7, B, 7));
        d.At(90.5, UdpFrame(A, 1, B, 2));
        d.Flush();

        var flows = d.Of(A, 1, B, 2, 17);
        Assert.Equal(2, flows.Count);
        Assert.Equal(flows[0].Start, flows[0].End);   // exported at the 70 s sweep, holding its one packet
        Assert.Equal(TableDriver.T0.AddSeconds(90.5), flows[1].Start);
    }

    [Fact]
    public void WithoutOtherTrafficAnIdleGapEndsNothingUntilThePacketClockMoves()
    {
        // nfpcapd's offline behaviour: the sweep runs after the packet that moved the clock.
        var d = new TableDriver().At(0, UdpFrame(A, 1, B, 2)).At(100, UdpFrame(A, 1, B, 2));
        d.Flush();

        var flow = d.Of(A, 1, B, 2, 17).Single();
        Assert.Equal(2, flow.Packets);
        Assert.Equal(TimeSpan.FromSeconds(100), flow.Duration);
    }

    [Theory]
    [InlineData("ActiveTimeout")]
    [InlineData("InactiveTimeout")]
    [InlineData("SweepInterval")]
    [InlineData("MaxActiveFlows")]
    [InlineData("MaxFragmentedDatagrams")]
    public void OptionsOutOfRangeAreRejected(string option)
    {
        var o = option switch
        {
            "ActiveTimeout" => new FlowTableOptions { ActiveTimeout = TimeSpan.Zero },
            "InactiveTimeout" => new FlowTableOptions { InactiveTimeout = TimeSpan.FromSeconds(-1) },
            "SweepInterval" => new FlowTableOptions { SweepInterval = TimeSpan.Zero },
            "MaxActiveFlows" => new FlowTableOptions { MaxActiveFlows = 0 },
            _ => new FlowTableOptions { MaxFragmentedDatagrams = 0 },
        };
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new FlowTable(o));
        Assert.Equal(option, e.ParamName);
    }

    [Fact]
    public void FinMarksTheFlowClosingTheCloseJoinsItAndItEndsAtTheNextSweep()
    {
        var d = new TableDriver()
            .At(0.0, TcpFrame(A, 1000, B, 80, TcpFlags.Syn))
            .At(0.1, TcpFrame(B, 80, A, 1000, TcpFlags.Syn | TcpFlags.Ack))
            .At(0.2, TcpFrame(A, 1000, B, 80, TcpFlags.Ack))
            .At(2.0, TcpFrame(A, 1000, B, 80, TcpFlags.Fin | TcpFlags.Ack))
            .At(2.1, TcpFrame(B, 80, A, 1000, TcpFlags.Fin | TcpFlags.Ack))
            .At(2.2, TcpFrame(A, 1000, B, 80, TcpFlags.Ack));                 // the last ACK joins the closing flow
        Assert.Empty(d.Exported);                                            // no sweep yet

        d.At(12, UdpFrame(C, 7, B, 7));                                      // the clock moves: a sweep
        Assert.Equal(2, d.Exported.Count);
        var forward = d.Of(A, 1000, B, 80, 6).Single();
        Assert.Equal(4, forward.Packets);
        Assert.Equal(TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Fin, forward.TcpFlags);
        Assert.Equal(TableDriver.T0.AddSeconds(2.2), forward.End);
        Assert.Equal(2, d.Of(B, 80, A, 1000, 6).Single().Packets);
        Assert.Equal(2, d.Counters.EndedByTcp);
    }

    [Theory]
    [InlineData(TcpFlags.Fin | TcpFlags.Ack)]
    [InlineData(TcpFlags.Rst)]
    public void APacketMoreThanASweepAfterFinOrRstStartsANewFlow(TcpFlags ending)
    {
        var ours = Run(new FlowTableOptions());
        Assert.Equal(new long[] { 2, 1 }, ours.Select(f => f.Packets));
        Assert.Equal(ending | TcpFlags.Syn, ours[0].TcpFlags);

        // nfpcapd 1.7.1 ignores FIN and RST: the late packet joins the old flow.
        var like171 = Run(new FlowTableOptions { TcpFinRstEndsFlow = false });
        Assert.Equal(new long[] { 3 }, like171.Select(f => f.Packets));

        List<FlowRecord> Run(FlowTableOptions options)
        {
            var d = new TableDriver(options)
                .At(0, TcpFrame(A, 1000, B, 80, TcpFlags.Syn))
                .At(1, TcpFrame(A, 1000, B, 80, ending))
                .At(11, UdpFrame(C, 7, B, 7))                                // sweep
                .At(15, TcpFrame(A, 1000, B, 80, TcpFlags.Ack));             // late retransmission
            d.Flush();
            return d.Of(A, 1000, B, 80, 6);
        }
    }

    [Fact]
    public void ANewSynOnAClosingFiveTupleEndsTheOldFlowAtOnce()
    {
        var d = new TableDriver()
            .At(0, TcpFrame(A, 1000, B, 80, TcpFlags.Syn))
            .At(1, TcpFrame(A, 1000, B, 80, TcpFlags.Fin | TcpFlags.Ack))
            .At(3, TcpFrame(A, 1000, B, 80, TcpFlags.Syn));                  // port reuse, before any sweep
        var old = Assert.Single(d.Exported);
        Assert.Equal(2, old.Packets);
        Assert.Equal(TableDriver.T0.AddSeconds(1), old.End);

        d.Flush();
        var flows = d.Of(A, 1000, B, 80, 6);
        Assert.Equal(2, flows.Count);
        Assert.Equal(TcpFlags.Syn, flows[1].TcpFlags);
        Assert.Equal(TableDriver.T0.AddSeconds(3), flows[1].Start);
    }

    [Fact]
    public void ASynAckOnAClosingFlowDoesNotSplitIt()
    {
        var d = new TableDriver()
            .At(0, TcpFrame(A, 1000, B, 80, TcpFlags.Rst))
            .At(1, TcpFrame(A, 1000, B, 80, TcpFlags.Syn | TcpFlags.Ack));
        Assert.Empty(d.Exported);
        Assert.Equal(2, d.Flush().Single().Packets);
    }

    [Fact]
    public void EveryIcmpAndIcmpv6PacketIsAFlowOfItsOwn()
    {
        var d = new TableDriver();
        for (int i = 0; i < 3; i++) d.At(i, IcmpFrame(A, B, 8, 0));
        d.At(3, IcmpFrame(B, A, 0, 0));
        d.At(4, Ethernet(0x86DD, IPv6(58, "2001:db8::1", "2001:db8::2", Icmp(128, 0))));
        Assert.Equal(5, d.Exported.Count);                                   // exported as they come, no flush needed

        var echo = d.Of(A, 0, B, 8 * 256, 1);
        Assert.Equal(3, echo.Count);
        Assert.All(echo, f => Assert.Equal(1, f.Packets));
        Assert.All(echo, f => Assert.Equal((byte?)8, f.IcmpType));
        Assert.Single(d.Of(B, 0, A, 0, 1));
        Assert.Single(d.Of("2001:db8::1", 0, "2001:db8::2", 128 * 256, 58));
        Assert.Equal(5, d.Counters.SinglePacketFlows);
        Assert.Empty(d.Flush().Skip(5));
    }

    [Fact]
    public void EveryUdpDnsPacketIsAFlowOfItsOwnUnlessTurnedOff()
    {
        var perPacket = new TableDriver()
            .At(0, UdpFrame(A, 5353, B, 53)).At(1, UdpFrame(A, 5353, B, 53)).At(2, UdpFrame(B, 53, A, 5353))
            .At(3, TcpFrame(A, 40000, B, 53, TcpFlags.Syn)).At(4, TcpFrame(A, 40000, B, 53, TcpFlags.Ack));
        Assert.Equal(3, perPacket.Exported.Count);
        perPacket.Flush();
        Assert.Equal(2, perPacket.Of(A, 5353, B, 53, 17).Count);
        Assert.Single(perPacket.Of(B, 53, A, 5353, 17));
        Assert.Equal(2, perPacket.Of(A, 40000, B, 53, 6).Single().Packets);  // DNS over TCP: an ordinary flow

        var merged = new TableDriver(new FlowTableOptions { DnsPacketPerFlow = false })
            .At(0, UdpFrame(A, 5353, B, 53)).At(1, UdpFrame(A, 5353, B, 53)).At(2, UdpFrame(B, 53, A, 5353));
        Assert.Empty(merged.Exported);
        merged.Flush();
        Assert.Equal(2, merged.Of(A, 5353, B, 53, 17).Single().Packets);
    }

    [Fact]
    public void AFullTableExportsTheLeastRecentlySeenFlowAndCountsIt()
    {
        var d = new TableDriver(new FlowTableOptions { MaxActiveFlows = 2 })
            .At(0, UdpFrame(A, 1, B, 9))
            .At(1, UdpFrame(A, 2, B, 9))
            .At(2, UdpFrame(A, 1, B, 9))                                     // flow 1 seen again: flow 2 is now the oldest
            .At(3, UdpFrame(A, 3, B, 9));
        var evicted = Assert.Single(d.Exported);
        Assert.Equal(2, evicted.SrcPort);
        Assert.Equal(1, d.Counters.Evicted);
        Assert.Equal(2, d.Table.ActiveFlows);
        Assert.Equal(2, d.Counters.PeakActiveFlows);

        d.At(4, UdpFrame(A, 2, B, 9));                                       // comes back as a new flow, evicting flow 1
        Assert.Equal(new ushort[] { 2, 1 }, d.Exported.Select(f => f.SrcPort));
        Assert.Equal(2, d.Counters.Evicted);
        d.Flush();
        Assert.Equal(5, d.Exported.Sum(f => f.Packets));                     // nothing lost
    }

    [Fact]
    public void CountersAddUp()
    {
        var d = new TableDriver()
            .At(0, TcpFrame(A, 1000, B, 80, TcpFlags.Syn))
            .At(1, TcpFrame(A, 1000, B, 80, TcpFlags.Fin))
            .At(2, IcmpFrame(A, B, 8, 0))
            .At(3, UdpFrame(A, 1, B, 53))
            .At(4, UdpFrame(A, 1, B, 2))
            .At(75, UdpFrame(C, 1, B, 2))                                    // sweep: TCP ended, A:1->B:2 idle
            .At(76, UdpFrame(C, 1, B, 2));
        d.Flush();
        var c = d.Counters;

        Assert.Equal(7, c.Packets);
        Assert.Equal(7, c.PacketsMetered);
        Assert.Equal(5, c.FlowsCreated);
        Assert.Equal(5, c.FlowsExported);
        Assert.Equal(1, c.EndedByTcp);
        Assert.Equal(2, c.SinglePacketFlows);
        Assert.Equal(1, c.ExpiredInactive);
        Assert.Equal(0, c.ExpiredActive);
        Assert.Equal(1, c.FlushedAtEnd);
        Assert.Equal(0, c.Evicted);
        Assert.Equal(d.Exported.Count, (int)c.FlowsExported);
        Assert.Equal(c.Packets, d.Exported.Sum(f => f.Packets));
        Assert.Equal(0, d.Table.ActiveFlows);
    }

    [Fact]
    public void StartAndEndKeepThePacketTimesInUtc()
    {
        var first = new DateTime(2024, 3, 1, 12, 0, 0, DateTimeKind.Utc).AddTicks(1_234_567);   // .1234567 s
        var last = first.AddSeconds(2).AddTicks(10);                                             // 1 µs later than 2 s
        var d = new TableDriver().At(first, UdpFrame(A, 1, B, 2)).At(last, UdpFrame(A, 1, B, 2));
        var flow = d.Flush().Single();

        Assert.Equal(first, flow.Start);
        Assert.Equal(last, flow.End);
        Assert.Equal(DateTimeKind.Utc, flow.Start.Kind);
        Assert.Equal(DateTimeKind.Utc, flow.End.Kind);
        Assert.Equal(TimeSpan.FromTicks(2 * TimeSpan.TicksPerSecond + 10), flow.Duration);
    }

    [Fact]
    public void FlushExportsTheFlowsStillHeldOldestFirst()
    {
        var d = new TableDriver().At(0, UdpFrame(A, 3, B, 9)).At(1, UdpFrame(A, 1, B, 9)).At(2, UdpFrame(A, 2, B, 9))
            .At(3, UdpFrame(A, 3, B, 9));
        Assert.Equal(new ushort[] { 3, 1, 2 }, d.Flush().Select(f => f.SrcPort));
        Assert.Equal(3, d.Counters.FlushedAtEnd);
    }
}
