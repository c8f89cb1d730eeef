using System.Buffers.Binary;
using FlowForensics.Synthesis;

namespace FlowForensics.SampleGen;

/// <summary>
/// Classic little-endian microsecond pcap, LINKTYPE_ETHERNET. A stand-in until the engine's
/// FlowForensics.Capture.PcapFileWriter is merged; the integrator switches the tool to it.
/// </summary>
internal sealed class SimplePcapWriter : IFrameSink
{
    private const uint Magic = 0xA1B2C3D4;
    private const uint LinkTypeEthernet = 1;
    private readonly Stream _stream;
    private readonly int _snapLength;
    private readonly byte[] _header = new byte[16];

    public SimplePcapWriter(Stream stream, int snapLength)
    {
        _stream = stream;
        _snapLength = snapLength;
        var h = new byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(h, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(4), 2);
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(6), 4);
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(16), (uint)snapLength);
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(20), LinkTypeEthernet);
        _stream.Write(h);
    }

    public void Write(DateTime timestampUtc, ReadOnlySpan<byte> frame)
    {
        long ticks = timestampUtc.Ticks - DateTime.UnixEpoch.Ticks;
        int captured = Math.Min(frame.Length, _snapLength);
        BinaryPrimitives.WriteUInt32LittleEndian(_header, (uint)(ticks / TimeSpan.TicksPerSecond));
        BinaryPrimitives.WriteUInt32LittleEndian(_header.AsSpan(4), (uint)(ticks % TimeSpan.TicksPerSecond / TimeSpan.TicksPerMicrosecond));
        BinaryPrimitives.WriteUInt32LittleEndian(_header.AsSpan(8), (uint)captured);
        BinaryPrimitives.WriteUInt32LittleEndian(_header.AsSpan(12), (uint)frame.Length);
        _stream.Write(_header);
        _stream.Write(frame[..captured]);
    }
}
