using System.Buffers.Binary;
using FlowForensics.Capture;

namespace FlowForensics.Tests.Capture;

/// <summary>A small pcapng writer for tests: sections in either byte order, interfaces with options, EPB, SPB, OPB and arbitrary blocks.</summary>
internal sealed class PcapNgBuilder
{
    private readonly MemoryStream _out = new();
    private bool _bigEndian;

    public byte[] ToArray() => _out.ToArray();

    public long Length => _out.Length;

    public PcapNgBuilder Section(bool bigEndian = false)
    {
        _bigEndian = bigEndian;
        var body = new byte[16];
        U32(body, 0, 0x1A2B3C4D);
        U16(body, 4, 1);
        U16(body, 6, 0);
        U64(body, 8, ulong.MaxValue); // section length unknown
        return Block(0x0A0D0D0A, body);
    }

    /// <summary>An interface; <paramref name="tsResolution"/> null = default (µs); <paramref name="tsOffset"/> seconds.</summary>
    public PcapNgBuilder Interface(LinkType link, uint snapLength = 0, byte? tsResolution = null, long? tsOffset = null)
    {
        var body = new List<byte>();
        var head = new byte[8];
        U16(head, 0, (ushort)link);
        U32(head, 4, snapLength);
        body.AddRange(head);
        // A comment option first, to show that unknown options are skipped.
        AddOption(body, 1, "test interface"u8.ToArray());
        if (tsResolution is byte r) AddOption(body, 9, [r]);
        if (tsOffset is long o)
        {
            var v = new byte[8];
            if (_bigEndian) BinaryPrimitives.WriteInt64BigEndian(v, o); else BinaryPrimitives.WriteInt64LittleEndian(v, o);
            AddOption(body, 14, v);
        }
        AddOption(body, 0, []);
        return Block(1, body.ToArray());
    }

    public PcapNgBuilder Enhanced(int interfaceId, ulong units, ReadOnlySpan<byte> data, int? originalLength = null, int? capturedLengthOverride = null)
    {
        var body = new byte[20 + Pad(data.Length)];
        U32(body, 0, (uint)interfaceId);
        U32(body, 4, (uint)(units >> 32));
        U32(body, 8, (uint)units);
        U32(body, 12, (uint)(capturedLengthOverride ?? data.Length));
        U32(body, 16, (uint)(originalLength ?? data.Length));
        data.CopyTo(body.AsSpan(20));
        return Block(6, body);
    }

    public PcapNgBuilder Obsolete(int interfaceId, ulong units, ReadOnlySpan<byte> data)
    {
        var body = new byte[20 + Pad(data.Length)];
        U16(body, 0, (ushort)interfaceId);
        U32(body, 4, (uint)(units >> 32));
        U32(body, 8, (uint)units);
        U32(body, 12, (uint)data.Length);
        U32(body, 16, (uint)data.Length);
        data.CopyTo(body.AsSpan(20));
        return Block(2, body);
    }

    public PcapNgBuilder Simple(ReadOnlySpan<byte> data, int? originalLength = null)
    {
        var body = new byte[4 + Pad(data.Length)];
        U32(body, 0, (uint)(originalLength ?? data.Length));
        data.CopyTo(body.AsSpan(4));
        return Block(3, body);
    }

    public PcapNgBuilder Block(uint type, byte[] body)
    {
        if (body.Length % 4 != 0) Array.Resize(ref body, Pad(body.Length));
        var head = new byte[8];
        U32(head, 0, type);
        U32(head, 4, (uint)(12 + body.Length));
        _out.Write(head);
        _out.Write(body);
        _out.Write(head.AsSpan(4, 4));
        return this;
    }

    /// <summary>Raw bytes, for damaged blocks.</summary>
    public PcapNgBuilder Raw(ReadOnlySpan<byte> bytes)
    {
        _out.Write(bytes);
        return this;
    }

    public void U32(byte[] b, int at, uint v)
    {
        if (_bigEndian) BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(at), v); else BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(at), v);
    }

    private void U16(byte[] b, int at, ushort v)
    {
        if (_bigEndian) BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(at), v); else BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(at), v);
    }

    private void U64(byte[] b, int at, ulong v)
    {
        if (_bigEndian) BinaryPrimitives.WriteUInt64BigEndian(b.AsSpan(at), v); else BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(at), v);
    }

    private void AddOption(List<byte> body, ushort code, byte[] value)
    {
        var head = new byte[4];
        U16(head, 0, code);
        U16(head, 2, (ushort)value.Length);
        body.AddRange(head);
        body.AddRange(value);
        for (int i = value.Length; i % 4 != 0; i++) body.Add(0);
    }

    private static int Pad(int n) => (n + 3) & ~3;
}
