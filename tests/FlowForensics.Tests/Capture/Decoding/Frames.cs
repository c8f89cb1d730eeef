using System.Buffers.Binary;
using System.Net;

namespace FlowForensics.Tests.Capture.Decoding;

/// <summary>Builds test frames layer by layer (big-endian network headers, no checksums).</summary>
internal static class Frames
{
    public const ulong DstMac = 0x0011_2233_4455, SrcMac = 0x6677_8899_AABB;

    public static byte[] Cat(params byte[][] parts)
    {
        var all = new List<byte>();
        foreach (var p in parts) all.AddRange(p);
        return all.ToArray();
    }

    public static byte[] U16(int v) => [(byte)(v >> 8), (byte)v];

    public static byte[] U32(uint v) => [(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v];

    public static byte[] Mac(ulong mac) => [(byte)(mac >> 40), (byte)(mac >> 32), (byte)(mac >> 24), (byte)(mac >> 16), (byte)(mac >> 8), (byte)mac];

    public static byte[] Ethernet(int etherType, byte[] payload) => Cat(Mac(DstMac), Mac(SrcMac), U16(etherType), payload);

    public static byte[] Vlan(int vid, int etherType, byte[] payload) => Cat(U16(0x2000 | vid), U16(etherType), payload);

    public static byte[] Mpls(uint label, bool bottom, byte[] payload) =>
        Cat(U32((label << 12) | (bottom ? 0x100u : 0) | 64), payload);

    public static byte[] IPv4(byte protocol, string src, string dst, byte[] payload, ushort id = 0x1234, int fragment = 0,
        byte ttl = 64, byte tos = 0, byte[]? options = null)
    {
        options ??= [];
        int headerLength = 20 + options.Length;
        var h = new byte[headerLength];
        h[0] = (byte)(0x40 | (headerLength / 4));
        h[1] = tos;
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(2), (ushort)(headerLength + payload.Length));
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(4), id);
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(6), (ushort)fragment);
        h[8] = ttl;
        h[9] = protocol;
        IPAddress.Parse(src).GetAddressBytes().CopyTo(h, 12);
        IPAddress.Parse(dst).GetAddressBytes().CopyTo(h, 16);
        options.CopyTo(h, 20);
        return Cat(h, payload);
    }

    public static byte[] IPv6(byte next, string src, string dst, byte[] payload, byte hopLimit = 64, byte trafficClass = 0)
    {
        var h = new byte[40];
        h[0] = (byte)(0x60 | (trafficClass >> 4));
        h[1] = (byte)(trafficClass << 4);
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(4), (ushort)payload.Length);
        h[6] = next;
        h[7] = hopLimit;
        IPAddress.Parse(src).GetAddressBytes().CopyTo(h, 8);
        IPAddress.Parse(dst).GetAddressBytes().CopyTo(h, 24);
        return Cat(h, payload);
    }

    /// <summary>An 8-byte-unit IPv6 extension header (hop-by-hop, routing, destination options).</summary>
    public static byte[] Extension(byte next, byte[] payload) => Cat([next, 0, 0, 0, 0, 0, 0, 0], payload);

    public static byte[] AuthenticationHeader(byte next, byte[] payload) => Cat([next, 4], new byte[22], payload); // (4+2)*4 = 24 bytes

    public static byte[] FragmentHeader(byte next, int offset, bool more, uint id, byte[] payload) =>
        Cat([next, 0], U16(offset | (more ? 1 : 0)), U32(id), payload);

    public static byte[] Tcp(int srcPort, int dstPort, byte flags, int payloadLength = 0)
    {
        var t = new byte[20 + payloadLength];
        BinaryPrimitives.WriteUInt16BigEndian(t, (ushort)srcPort);
        BinaryPrimitives.WriteUInt16BigEndian(t.AsSpan(2), (ushort)dstPort);
        t[12] = 0x50;
        t[13] = flags;
        return t;
    }

    public static byte[] Udp(int srcPort, int dstPort, int payloadLength = 0) =>
        Cat(U16(srcPort), U16(dstPort), U16(8 + payloadLength), U16(0), new byte[payloadLength]);

    public static byte[] Icmp(byte type, byte code) => [type, code, 0, 0, 0, 1, 0, 1];
}
