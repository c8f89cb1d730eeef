using FlowForensics.Capture;
using System.Buffers.Binary;

namespace FlowForensics.Synthesis;

/// <summary>Writes a classic little-endian pcap file (micro- or nanosecond timestamps).</summary>
public sealed class PcapFileWriter : IDisposable
{
    private readonly Stream _stream;
    private readonly int _snapLength;
    private readonly bool _nanosecond;
    private readonly bool _leaveOpen;
    private readonly byte[] _header = new byte[PcapFileReader.RecordHeaderLength];

    /// <summary>Writes the file header to <paramref name="s"/>; the writer disposes the stream when it is disposed.</summary>
    public PcapFileWriter(Stream s, LinkType link, int snapLength = 262144, bool nanosecond = false)
        : this(s, link, snapLength, nanosecond, leaveOpen: false)
    {
    }

    public PcapFileWriter(Stream s, LinkType link, int snapLength, bool nanosecond, bool leaveOpen)
    {
        ArgumentNullException.ThrowIfNull(s);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(snapLength);
        _stream = s;
        _snapLength = snapLength;
        _nanosecond = nanosecond;
        _leaveOpen = leaveOpen;
        Span<byte> h = stackalloc byte[PcapFileReader.FileHeaderLength];
        BinaryPrimitives.WriteUInt32LittleEndian(h, nanosecond ? PcapFileReader.MagicNanoseconds : PcapFileReader.MagicMicroseconds);
        BinaryPrimitives.WriteUInt16LittleEndian(h[4..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(h[6..], 4);
        BinaryPrimitives.WriteInt32LittleEndian(h[8..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(h[12..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(h[16..], (uint)snapLength);
        BinaryPrimitives.WriteUInt32LittleEndian(h[20..], (uint)link);
        _stream.Write(h);
    }

    /// <summary>Writes one frame; frames longer than the snap length are cut to it (the original length is kept).</summary>
    public void Write(DateTime timestampUtc, ReadOnlySpan<byte> frame)
    {
        long ticks = timestampUtc.ToUniversalTime().Ticks - DateTime.UnixEpoch.Ticks;
        if (ticks < 0 || ticks / TimeSpan.TicksPerSecond > uint.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(timestampUtc), timestampUtc, "pcap timestamps run from 1970 to 2106.");
        long seconds = ticks / TimeSpan.TicksPerSecond;
        long rest = ticks % TimeSpan.TicksPerSecond;
        int captured = Math.Min(frame.Length, _snapLength);
        BinaryPrimitives.WriteUInt32LittleEndian(_header, (uint)seconds);
        BinaryPrimitives.WriteUInt32LittleEndian(_header.AsSpan(4), (uint)(_nanosecond ? rest * 100 : rest / 10));
        BinaryPrimitives.WriteUInt32LittleEndian(_header.AsSpan(8), (uint)captured);
        BinaryPrimitives.WriteUInt32LittleEndian(_header.AsSpan(12), (uint)frame.Length);
        _stream.Write(_header);
        _stream.Write(frame[..captured]);
    }

    public void Flush() => _stream.Flush();

    public void Dispose()
    {
        if (_leaveOpen) _stream.Flush();
        else _stream.Dispose();
    }
}
