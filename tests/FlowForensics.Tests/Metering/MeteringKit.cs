using FlowForensics.Capture;
using FlowForensics.Capture.Decoding;
using FlowForensics.Flows;
using FlowForensics.Metering;
using Xunit;
using static FlowForensics.Tests.Capture.Decoding.Frames;

namespace FlowForensics.Tests.Metering;

/// <summary>
/// Feeds hand-built Ethernet frames (<see cref="Capture.Decoding.Frames"/>) through the real decoder into a
/// <see cref="FlowTable"/>, and collects what it exports.
/// </summary>
internal sealed class TableDriver
{
    public static readonly DateTime T0 = new(2024, 3, 1, 12, 0, 0, DateTimeKind.Utc);

    public TableDriver(FlowTableOptions? options = null) => Table = new FlowTable(options);

    public FlowTable Table { get; }

    /// <summary>Every flow exported so far, in export order.</summary>
    public List<FlowRecord> Exported { get; } = [];

    public MeteringCounters Counters => Table.Counters;

    /// <summary>Decodes an Ethernet frame and meters it at <see cref="T0"/> + <paramref name="seconds"/>.</summary>
    public TableDriver At(double seconds, byte[] frame) => At(T0.AddTicks((long)Math.Round(seconds * TimeSpan.TicksPerSecond)), frame);

    public TableDriver At(DateTime time, byte[] frame)
    {
        Assert.Equal(DecodeOutcome.Decoded, PacketDecoder.Decode(LinkType.Ethernet, frame, out var p));
        Table.Add(time, p);
        Drain();
        return this;
    }

    public List<FlowRecord> Flush()
    {
        Table.FlushAll();
        Drain();
        return Exported;
    }

    /// <summary>The exported flows of one direction's 5-tuple, oldest first.</summary>
    public List<FlowRecord> Of(string src, ushort srcPort, string dst, ushort dstPort, byte protocol) =>
        Exported.Where(f => f.SrcAddr!.ToString() == src && f.DstAddr!.ToString() == dst && f.SrcPort == srcPort
            && f.DstPort == dstPort && f.Protocol == protocol).OrderBy(f => f.Start).ToList();

    private void Drain()
    {
        while (Table.TryTakeExported(out var f)) Exported.Add(f);
    }
}

/// <summary>Frames for the metering tests.</summary>
internal static class Packets
{
    public const string A = "10.0.0.1", B = "10.0.0.2", C = "10.0.0.3";

    public static byte[] TcpFrame(string src, int srcPort, string dst, int dstPort, TcpFlags flags, int payload = 0) =>
        Ethernet(0x0800, IPv4(6, src, dst, Tcp(srcPort, dstPort, (byte)flags, payload)));

    public static byte[] UdpFrame(string src, int srcPort, string dst, int dstPort, int payload = 10) =>
        Ethernet(0x0800, IPv4(17, src, dst, Udp(srcPort, dstPort, payload)));

    public static byte[] Udp6Frame(string src, int srcPort, string dst, int dstPort, int payload = 10) =>
        Ethernet(0x86DD, IPv6(17, src, dst, Udp(srcPort, dstPort, payload)));

    public static byte[] IcmpFrame(string src, string dst, byte type, byte code) =>
        Ethernet(0x0800, IPv4(1, src, dst, Icmp(type, code)));

    /// <summary>
    /// One IPv4 fragment of a UDP datagram whose transport bytes are <paramref name="datagram"/>: the bytes
    /// [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="length"/>).
    /// </summary>
    public static byte[] Fragment4(string src, string dst, ushort id, byte[] datagram, int offset, int length, bool more, byte protocol = 17) =>
        Ethernet(0x0800, IPv4(protocol, src, dst, datagram[offset..(offset + length)], id: id, fragment: (more ? 0x2000 : 0) | (offset / 8)));

    /// <summary>One IPv6 fragment (fragment header carrying <paramref name="next"/>) of <paramref name="datagram"/>.</summary>
    public static byte[] Fragment6(string src, string dst, uint id, byte[] datagram, int offset, int length, bool more, byte next = 17) =>
        Ethernet(0x86DD, IPv6(44, src, dst, FragmentHeader(next, offset, more, id, datagram[offset..(offset + length)])));

    /// <summary>A UDP header and payload, <paramref name="total"/> bytes in all.</summary>
    public static byte[] UdpDatagram(int srcPort, int dstPort, int total) => Udp(srcPort, dstPort, total - 8);
}
