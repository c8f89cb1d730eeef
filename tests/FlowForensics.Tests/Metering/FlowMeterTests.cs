using FlowForensics.Capture;
using FlowForensics.Flows;
using FlowForensics.Metering;
using FlowForensics.Synthesis;
using Xunit;
using static FlowForensics.Tests.Capture.Decoding.Frames;
using static FlowForensics.Tests.Metering.Packets;

namespace FlowForensics.Tests.Metering;

/// <summary>Captures written with <see cref="PcapFileWriter"/>, read back by <see cref="CaptureFileReader"/> into a <see cref="FlowMeter"/>.</summary>
public sealed class FlowMeterTests
{
    private static readonly DateTime T0 = TableDriver.T0;

    private static MemoryStream Pcap(bool nanosecond, params (DateTime Time, byte[] Frame)[] packets)
    {
        var ms = new MemoryStream();
        using (var w = new PcapFileWriter(ms, LinkType.Ethernet, 65535, nanosecond, leaveOpen: true))
            foreach (var (time, frame) in packets) w.Write(time, frame);
        ms.Position = 0;
        return ms;
    }

    private static List<FlowRecord> ReadAll(FlowMeter meter, params Stream[] files)
    {
        var flows = new List<FlowRecord>();
        for (int i = 0; i < files.Length; i++)
        {
            using var source = CaptureFileReader.Open(files[i], $"file{i}.pcap");
            flows.AddRange(meter.Read(source));
        }
        flows.AddRange(meter.Flush());
        return flows;
    }

    [Fact]
    public void MicrosecondCaptureTimesBecomeFlowTimesInUtc()
    {
        var first = T0.AddTicks(1_234_560);            // 123456 µs
        var last = T0.AddSeconds(5).AddTicks(10);      // 1 µs past 5 s
        var flow = Assert.Single(ReadAll(new FlowMeter(), Pcap(false, (first, UdpFrame(A, 1, B, 2)), (last, UdpFrame(A, 1, B, 2)))));

        Assert.Equal(first, flow.Start);
        Assert.Equal(last, flow.End);
        Assert.Equal(DateTimeKind.Utc, flow.Start.Kind);
        Assert.Equal(DateTimeKind.Utc, flow.End.Kind);
    }

    [Fact]
    public void NanosecondCapturesKeep100NanosecondTicks()
    {
        var first = T0.AddTicks(1_234_567);
        var flow = Assert.Single(ReadAll(new FlowMeter(), Pcap(true, (first, UdpFrame(A, 1, B, 2)))));
        Assert.Equal(first, flow.Start);
    }

    [Fact]
    public void SeveralFilesContinueOneTable()
    {
        var one = Pcap(false, (T0, TcpFrame(A, 1000, B, 80, TcpFlags.Syn)), (T0.AddSeconds(1), TcpFrame(A, 1000, B, 80, TcpFlags.Ack)));
        var two = Pcap(false, (T0.AddSeconds(2), TcpFrame(A, 1000, B, 80, TcpFlags.Psh | TcpFlags.Ack)),
            (T0.AddSeconds(3), TcpFrame(A, 1000, B, 80, TcpFlags.Ack)));
        var meter = new FlowMeter();
        var flow = Assert.Single(ReadAll(meter, one, two));

        Assert.Equal(4, flow.Packets);
        Assert.Equal(T0, flow.Start);
        Assert.Equal(T0.AddSeconds(3), flow.End);
        Assert.Equal(TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Psh, flow.TcpFlags);
        Assert.Equal(4, meter.DecodeCounts.Decoded);
    }

    [Fact]
    public void TimeoutsRunAcrossFiles()
    {
        // The second file's packets move the clock past the first file's idle flow.
        var one = Pcap(false, (T0, UdpFrame(A, 1, B, 2)));
        var packets = new List<(DateTime, byte[])>();
        for (int t = 1; t <= 80; t++) packets.Add((T0.AddSeconds(t), UdpFrame(C, 1, B, 2)));
        packets.Add((T0.AddSeconds(81), UdpFrame(A, 1, B, 2)));
        var meter = new FlowMeter();
        var flows = ReadAll(meter, one, Pcap(false, [.. packets]));

        Assert.Equal(2, flows.Count(f => f.SrcAddr!.ToString() == A));
        Assert.Equal(1, meter.Table.Counters.ExpiredInactive);
    }

    [Fact]
    public void FlowsAreYieldedAsTheyEndAndTheRestByFlush()
    {
        var file = Pcap(false, (T0, IcmpFrame(A, B, 8, 0)), (T0.AddSeconds(1), UdpFrame(A, 1, B, 2)));
        var meter = new FlowMeter();
        using var source = CaptureFileReader.Open(file, "f.pcap");
        var ended = meter.Read(source).ToList();
        Assert.Equal(1, Assert.Single(ended).Protocol);
        Assert.Equal(1, meter.Table.ActiveFlows);
        Assert.Equal(17, Assert.Single(meter.Flush()).Protocol);
        Assert.Empty(meter.Flush());
    }

    [Fact]
    public void FramesThatAreNotIpAreCountedNotMetered()
    {
        byte[] arp = Ethernet(0x0806, new byte[28]);
        byte[] truncated = UdpFrame(A, 1, B, 2)[..20];
        var meter = new FlowMeter();
        var flows = ReadAll(meter, Pcap(false, (T0, arp), (T0.AddSeconds(1), truncated), (T0.AddSeconds(2), UdpFrame(A, 1, B, 2))));

        Assert.Single(flows);
        Assert.Equal(1, meter.DecodeCounts.NotIp);
        Assert.Equal(1, meter.DecodeCounts.Truncated);
        Assert.Equal(1, meter.DecodeCounts.Decoded);
        Assert.Equal(3, meter.DecodeCounts.Total);
        Assert.Equal(1, meter.Table.Counters.Packets);
    }

    [Fact]
    public void OptionsReachTheTable()
    {
        var meter = new FlowMeter(new FlowTableOptions { DnsPacketPerFlow = false });
        var flows = ReadAll(meter, Pcap(false, (T0, UdpFrame(A, 5000, B, 53)), (T0.AddSeconds(1), UdpFrame(A, 5000, B, 53))));
        Assert.Equal(2, Assert.Single(flows).Packets);
    }
}
