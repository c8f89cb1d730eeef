using System.Buffers.Binary;
using FlowForensics.Flows;

namespace FlowForensics.Synthesis;

/// <summary>
/// Writes complete Ethernet II frames (optional 802.1Q tag, IPv4 or IPv6, TCP/UDP/ICMP) with correct lengths and
/// checksums. Frames shorter than the Ethernet minimum are zero-padded to 60 bytes, as a wire tap sees them.
/// </summary>
internal static class FrameCrafter
{
    public const int MaxFrame = 2048;
    public const int MinFrame = 60;
    public const int EthernetHeader = 14;
    public const int VlanTag = 4;
    public const int Ipv4Header = 20;
    public const int Ipv6Header = 40;
    public const int TcpHeader = 20;
    public const int TcpSynOptions = 12;
    public const int UdpHeader = 8;
    public const int IcmpHeader = 8;
    public const ushort EtherTypeIPv4 = 0x0800;
    public const ushort EtherTypeIPv6 = 0x86DD;
    public const ushort EtherTypeVlan = 0x8100;
    public const byte ProtoIcmp = 1, ProtoTcp = 6, ProtoUdp = 17, ProtoIcmpV6 = 58;
    /// <summary>The gateway (VRRP-style MAC) behind which every external host is seen.</summary>
    public const ulong GatewayMac = 0x00005E000101;

    // MSS 1460 (1440 on IPv6), NOP, window scale 7, NOP, NOP, SACK permitted.
    private static ReadOnlySpan<byte> SynOptionsV4 => [0x02, 0x04, 0x05, 0xB4, 0x01, 0x03, 0x03, 0x07, 0x01, 0x01, 0x04, 0x02];
    private static ReadOnlySpan<byte> SynOptionsV6 => [0x02, 0x04, 0x05, 0xA0, 0x01, 0x03, 0x03, 0x07, 0x01, 0x01, 0x04, 0x02];

    /// <summary>Bytes of L2 and L3 header in front of the transport header.</summary>
    public static int HeaderSpace(SimHost src, SimHost dst, bool v6) =>
        EthernetHeader + (VlanOf(src, dst) != 0 ? VlanTag : 0) + (v6 ? Ipv6Header : Ipv4Header);

    private static ushort VlanOf(SimHost src, SimHost dst) => !src.IsExternal && src.Vlan != 0 ? src.Vlan : dst.IsExternal ? (ushort)0 : dst.Vlan;

    private static void WriteMac(Span<byte> f, ulong mac)
    {
        BinaryPrimitives.WriteUInt16BigEndian(f, (ushort)(mac >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(f[2..], (uint)mac);
    }

    /// <summary>Writes the Ethernet (and VLAN) header; returns the offset of the IP header.</summary>
    private static int WriteEthernet(Span<byte> f, SimHost src, SimHost dst, bool v6)
    {
        WriteMac(f, dst.IsExternal ? GatewayMac : dst.Mac);
        WriteMac(f[6..], src.IsExternal ? GatewayMac : src.Mac);
        ushort vlan = VlanOf(src, dst);
        ushort etherType = v6 ? EtherTypeIPv6 : EtherTypeIPv4;
        if (vlan == 0)
        {
            BinaryPrimitives.WriteUInt16BigEndian(f[12..], etherType);
            return EthernetHeader;
        }
        BinaryPrimitives.WriteUInt16BigEndian(f[12..], EtherTypeVlan);
        BinaryPrimitives.WriteUInt16BigEndian(f[14..], vlan);
        BinaryPrimitives.WriteUInt16BigEndian(f[16..], etherType);
        return EthernetHeader + VlanTag;
    }

    /// <summary>Writes L2 + L3 for a transport payload of <paramref name="l4Length"/> bytes; returns the L4 offset
    /// and the unfolded pseudo-header sum for the transport checksum.</summary>
    private static int WriteIp(Span<byte> f, SimHost src, SimHost dst, bool v6, byte proto, ushort ipId, int l4Length, out ulong pseudoSum)
    {
        int ip = WriteEthernet(f, src, dst, v6);
        if (v6)
        {
            var h = f.Slice(ip, Ipv6Header);
            BinaryPrimitives.WriteUInt32BigEndian(h, 0x60000000u);
            BinaryPrimitives.WriteUInt16BigEndian(h[4..], (ushort)l4Length);
            h[6] = proto;
            h[7] = src.TtlAtTap;
            src.V6!.CopyTo(h[8..]);
            dst.V6!.CopyTo(h[24..]);
            pseudoSum = InternetChecksum.Sum(h.Slice(8, 32)) + (ulong)l4Length + proto;
            return ip + Ipv6Header;
        }
        var v = f.Slice(ip, Ipv4Header);
        v[0] = 0x45;
        v[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(v[2..], (ushort)(Ipv4Header + l4Length));
        BinaryPrimitives.WriteUInt16BigEndian(v[4..], ipId);
        BinaryPrimitives.WriteUInt16BigEndian(v[6..], 0x4000);   // DF
        v[8] = src.TtlAtTap;
        v[9] = proto;
        v[10] = 0;
        v[11] = 0;
        src.V4.CopyTo(v[12..]);
        dst.V4.CopyTo(v[16..]);
        BinaryPrimitives.WriteUInt16BigEndian(v[10..], InternetChecksum.Compute(v));
        pseudoSum = InternetChecksum.Sum(v.Slice(12, 8)) + (ulong)l4Length + proto;
        return ip + Ipv4Header;
    }

    private static int Pad(Span<byte> f, int length)
    {
        if (length >= MinFrame)
            return length;
        f[length..MinFrame].Clear();
        return MinFrame;
    }

    public static int Tcp(Span<byte> f, SimHost src, SimHost dst, bool v6, ushort ipId, ushort srcPort, ushort dstPort,
                          uint seq, uint ack, TcpFlags flags, ushort window, ReadOnlySpan<byte> payload)
    {
        bool options = (flags & TcpFlags.Syn) != 0;
        int headerLength = TcpHeader + (options ? TcpSynOptions : 0);
        int l4Length = headerLength + payload.Length;
        int o = WriteIp(f, src, dst, v6, ProtoTcp, ipId, l4Length, out ulong pseudo);
        var t = f.Slice(o, l4Length);
        BinaryPrimitives.WriteUInt16BigEndian(t, srcPort);
        BinaryPrimitives.WriteUInt16BigEndian(t[2..], dstPort);
        BinaryPrimitives.WriteUInt32BigEndian(t[4..], seq);
        BinaryPrimitives.WriteUInt32BigEndian(t[8..], ack);
        t[12] = (byte)((headerLength / 4) << 4);
        t[13] = (byte)flags;
        BinaryPrimitives.WriteUInt16BigEndian(t[14..], window);
        t[16] = 0;
        t[17] = 0;
        t[18] = 0;
        t[19] = 0;
        if (options)
            (v6 ? SynOptionsV6 : SynOptionsV4).CopyTo(t[TcpHeader..]);
        payload.CopyTo(t[headerLength..]);
        BinaryPrimitives.WriteUInt16BigEndian(t[16..], InternetChecksum.Finish(InternetChecksum.Sum(t, pseudo)));
        return Pad(f, o + l4Length);
    }

    public static int Udp(Span<byte> f, SimHost src, SimHost dst, bool v6, ushort ipId, ushort srcPort, ushort dstPort, ReadOnlySpan<byte> payload)
    {
        int l4Length = UdpHeader + payload.Length;
        int o = WriteIp(f, src, dst, v6, ProtoUdp, ipId, l4Length, out ulong pseudo);
        var u = f.Slice(o, l4Length);
        BinaryPrimitives.WriteUInt16BigEndian(u, srcPort);
        BinaryPrimitives.WriteUInt16BigEndian(u[2..], dstPort);
        BinaryPrimitives.WriteUInt16BigEndian(u[4..], (ushort)l4Length);
        u[6] = 0;
        u[7] = 0;
        payload.CopyTo(u[UdpHeader..]);
        ushort ck = InternetChecksum.Finish(InternetChecksum.Sum(u, pseudo));
        BinaryPrimitives.WriteUInt16BigEndian(u[6..], ck == 0 ? (ushort)0xFFFF : ck);
        return Pad(f, o + l4Length);
    }

    /// <summary>ICMP (IPv4) or ICMPv6 message: type, code, 4 bytes of "rest of header", body.</summary>
    public static int Icmp(Span<byte> f, SimHost src, SimHost dst, bool v6, ushort ipId, byte type, byte code, uint rest, ReadOnlySpan<byte> body)
    {
        int l4Length = IcmpHeader + body.Length;
        int o = WriteIp(f, src, dst, v6, v6 ? ProtoIcmpV6 : ProtoIcmp, ipId, l4Length, out ulong pseudo);
        var m = f.Slice(o, l4Length);
        m[0] = type;
        m[1] = code;
        m[2] = 0;
        m[3] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(m[4..], rest);
        body.CopyTo(m[IcmpHeader..]);
        BinaryPrimitives.WriteUInt16BigEndian(m[2..], InternetChecksum.Finish(InternetChecksum.Sum(m, v6 ? pseudo : 0)));
        return Pad(f, o + l4Length);
    }

    /// <summary>The IP packet inside an Ethernet frame (for quoting in ICMP errors): header + up to 8 bytes.</summary>
    public static ReadOnlySpan<byte> QuoteForIcmpError(ReadOnlySpan<byte> frame)
    {
        int ip = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) == EtherTypeVlan ? EthernetHeader + VlanTag : EthernetHeader;
        bool v6 = (frame[ip] >> 4) == 6;
        int header = v6 ? Ipv6Header : (frame[ip] & 0x0F) * 4;
        int total = v6 ? Ipv6Header + BinaryPrimitives.ReadUInt16BigEndian(frame[(ip + 4)..]) : BinaryPrimitives.ReadUInt16BigEndian(frame[(ip + 2)..]);
        return frame.Slice(ip, Math.Min(total, header + 8));
    }
}
