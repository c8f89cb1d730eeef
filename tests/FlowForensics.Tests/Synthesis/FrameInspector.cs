using System.Buffers.Binary;
using System.Net;

namespace FlowForensics.Tests.Synthesis;

/// <summary>One frame as the tests see it, decoded independently of the generator's own code.</summary>
internal sealed record Decoded(
    DateTime Time, int FrameLength, ushort Vlan, bool V6, IPAddress Src, IPAddress Dst, byte Protocol, byte Ttl,
    ushort SrcPort, ushort DstPort, byte Flags, uint Seq, uint Ack, int PayloadOffset, int PayloadLength,
    byte IcmpType, byte IcmpCode, bool ChecksumsValid, string? Problem)
{
    public bool IsTcp => Protocol == 6;
    public bool IsUdp => Protocol == 17;
    public bool IsSyn => IsTcp && (Flags & 0x12) == 0x02;
    public bool IsSynAck => IsTcp && (Flags & 0x12) == 0x12;
    public bool IsRst => IsTcp && (Flags & 0x04) != 0;
    public bool Between(IPAddress a, IPAddress b) => (Src.Equals(a) && Dst.Equals(b)) || (Src.Equals(b) && Dst.Equals(a));
}

internal static class FrameInspector
{
    private static uint Sum(ReadOnlySpan<byte> d)
    {
        uint s = 0;
        int i = 0;
        for (; i + 1 < d.Length; i += 2)
            s += (uint)(d[i] << 8 | d[i + 1]);
        if (i < d.Length)
            s += (uint)d[i] << 8;
        return s;
    }

    private static bool Folds(uint s)
    {
        while (s >> 16 != 0)
            s = (s & 0xFFFF) + (s >> 16);
        return s == 0xFFFF;
    }

    public static Decoded Decode(DateTime time, byte[] f)
    {
        string? problem = null;
        int o = 12;
        ushort type = BinaryPrimitives.ReadUInt16BigEndian(f.AsSpan(o));
        ushort vlan = 0;
        if (type == 0x8100)
        {
            vlan = (ushort)(BinaryPrimitives.ReadUInt16BigEndian(f.AsSpan(14)) & 0x0FFF);
            type = BinaryPrimitives.ReadUInt16BigEndian(f.AsSpan(16));
            o = 18;
        }
        else
        {
            o = 14;
        }
        bool v6 = type == 0x86DD;
        if (!v6 && type != 0x0800)
            return new Decoded(time, f.Length, vlan, false, IPAddress.None, IPAddress.None, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, false, "ethertype " + type);
        IPAddress src, dst;
        byte proto, ttl;
        int l4, l4Length;
        uint pseudo;
        bool valid = true;
        if (v6)
        {
            if (f[o] >> 4 != 6) problem = "ipv6 version";
            l4Length = BinaryPrimitives.ReadUInt16BigEndian(f.AsSpan(o + 4));
            proto = f[o + 6];
            ttl = f[o + 7];
            src = new IPAddress(f.AsSpan(o + 8, 16));
            dst = new IPAddress(f.AsSpan(o + 24, 16));
            l4 = o + 40;
            pseudo = Sum(f.AsSpan(o + 8, 32)) + (uint)l4Length + proto;
        }
        else
        {
            if (f[o] != 0x45) problem = "ipv4 version/ihl";
            int total = BinaryPrimitives.ReadUInt16BigEndian(f.AsSpan(o + 2));
            if (!Folds(Sum(f.AsSpan(o, 20)))) valid = false;
            if ((BinaryPrimitives.ReadUInt16BigEndian(f.AsSpan(o + 6)) & 0x4000) == 0) problem = "DF not set";
            ttl = f[o + 8];
            proto = f[o + 9];
            src = new IPAddress(f.AsSpan(o + 12, 4));
            dst = new IPAddress(f.AsSpan(o + 16, 4));
            l4 = o + 20;
            l4Length = total - 20;
            pseudo = Sum(f.AsSpan(o + 12, 8)) + (uint)l4Length + proto;
        }
        if (l4 + l4Length > f.Length)
            return new Decoded(time, f.Length, vlan, v6, src, dst, proto, ttl, 0, 0, 0, 0, 0, 0, 0, 0, 0, false, "IP length beyond frame");
        if (Math.Max(60, l4 + l4Length) != f.Length)
            problem ??= "frame length does not match IP length";
        var seg = f.AsSpan(l4, l4Length);
        ushort sp = 0, dp = 0;
        byte flags = 0, icmpType = 0, icmpCode = 0;
        uint seq = 0, ack = 0;
        int payloadOffset = l4, payloadLength = 0;
        switch (proto)
        {
            case 6:
                sp = BinaryPrimitives.ReadUInt16BigEndian(seg);
                dp = BinaryPrimitives.ReadUInt16BigEndian(seg[2..]);
                seq = BinaryPrimitives.ReadUInt32BigEndian(seg[4..]);
                ack = BinaryPrimitives.ReadUInt32BigEndian(seg[8..]);
                int hl = (seg[12] >> 4) * 4;
                flags = seg[13];
                payloadOffset = l4 + hl;
                payloadLength = l4Length - hl;
                valid &= Folds(Sum(seg) + pseudo);
                break;
            case 17:
                sp = BinaryPrimitives.ReadUInt16BigEndian(seg);
                dp = BinaryPrimitives.ReadUInt16BigEndian(seg[2..]);
                if (BinaryPrimitives.ReadUInt16BigEndian(seg[4..]) != l4Length) problem ??= "UDP length";
                payloadOffset = l4 + 8;
                payloadLength = l4Length - 8;
                valid &= BinaryPrimitives.ReadUInt16BigEndian(seg[6..]) != 0 && Folds(Sum(seg) + pseudo);
                break;
            case 1:
            case 58:
                icmpType = seg[0];
                icmpCode = seg[1];
                payloadOffset = l4 + 8;
                payloadLength = l4Length - 8;
                valid &= Folds(Sum(seg) + (proto == 58 ? pseudo : 0));
                break;
            default:
                problem ??= "protocol " + proto;
                break;
        }
        return new Decoded(time, f.Length, vlan, v6, src, dst, proto, ttl, sp, dp, flags, seq, ack, payloadOffset, payloadLength, icmpType, icmpCode, valid, problem);
    }

    /// <summary>Reads the question name of a DNS message (no compression in questions).</summary>
    public static string DnsQuestionName(ReadOnlySpan<byte> dns, out ushort qtype, out int answers)
    {
        answers = BinaryPrimitives.ReadUInt16BigEndian(dns[6..]);
        var sb = new System.Text.StringBuilder();
        int o = 12;
        while (dns[o] != 0)
        {
            int n = dns[o];
            if (n > 63) throw new FormatException("label too long or compressed");
            if (sb.Length > 0) sb.Append('.');
            for (int i = 1; i <= n; i++) sb.Append((char)dns[o + i]);
            o += n + 1;
        }
        qtype = BinaryPrimitives.ReadUInt16BigEndian(dns[(o + 1)..]);
        return sb.ToString();
    }
}
