using System.Buffers.Binary;
using FlowForensics.Wire;

namespace FlowForensics.Capture;

/// <summary>
/// Classic pcap (libpcap) files: either byte order, micro- or nanosecond magic. The snap length and each
/// record's length are never trusted: a record longer than <see cref="CaptureLimits.MaxPacketLength"/> or
/// one that runs past the end of the data ends the file with a <see cref="FlowDataException"/>.
/// </summary>
public sealed class PcapFileReader : ICaptureSource
{
    internal const uint MagicMicroseconds = 0xA1B2C3D4;
    internal const uint MagicNanoseconds = 0xA1B23C4D;
    internal const int FileHeaderLength = 24;
    internal const int RecordHeaderLength = 16;

    // File header (spec: draft-ietf-opsawg-pcap §4)
    private const int HeaderMagic = 0, HeaderVersionMajor = 4, HeaderSnapLength = 16, HeaderLinkType = 20;
    // Record header (§5)
    private const int RecordSeconds = 0, RecordFraction = 4, RecordCapturedLength = 8, RecordOriginalLength = 12;

    private readonly CaptureInput _input;
    private readonly bool _bigEndian;

    internal PcapFileReader(CaptureInput input)
    {
        _input = input;
        if (!_input.Fill(FileHeaderLength))
            throw new FlowDataException(input.Name, 0, $"the pcap file header is cut short ({_input.Available} of {FileHeaderLength} bytes)");
        var header = _input.Peek(FileHeaderLength);
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(header[HeaderMagic..]);
        if (magic is MagicMicroseconds or MagicNanoseconds)
        {
            _bigEndian = false;
        }
        else
        {
            magic = BinaryPrimitives.ReadUInt32BigEndian(header[HeaderMagic..]);
            if (magic is not (MagicMicroseconds or MagicNanoseconds))
                throw new FlowDataException(input.Name, 0, $"not a pcap file (magic 0x{magic:x8})");
            _bigEndian = true;
        }
        IsNanosecond = magic == MagicNanoseconds;
        VersionMajor = ReadUInt16(header[HeaderVersionMajor..]);
        SnapLength = ReadUInt32(header[HeaderSnapLength..]);
        LinkType = LinkTypes.FromFileValue(ReadUInt32(header[HeaderLinkType..]));
        _input.Advance(FileHeaderLength);
    }

    public string Name => _input.Name;
    public long Length => _input.Length;
    public long Position => _input.Position;

    public LinkType LinkType { get; }
    public bool IsNanosecond { get; }
    public bool IsBigEndian => _bigEndian;

    /// <summary>The snap length the file header claims (informational; record lengths are checked against <see cref="CaptureLimits"/>).</summary>
    public uint SnapLength { get; }

    public ushort VersionMajor { get; }

    public bool TryReadPacket(out CapturedPacket packet)
    {
        long offset = _input.Offset;
        if (!_input.Fill(RecordHeaderLength))
        {
            packet = default;
            if (_input.Available == 0) return false;
            throw new FlowDataException(Name, offset, $"the packet record header is cut short ({_input.Available} of {RecordHeaderLength} bytes)");
        }
        var header = _input.Peek(RecordHeaderLength);
        uint seconds = ReadUInt32(header[RecordSeconds..]);
        uint fraction = ReadUInt32(header[RecordFraction..]);
        uint captured = ReadUInt32(header[RecordCapturedLength..]);
        uint original = ReadUInt32(header[RecordOriginalLength..]);
        if (captured > CaptureLimits.MaxPacketLength)
            throw new FlowDataException(Name, offset, $"the packet record claims {captured} captured bytes, more than the limit of {CaptureLimits.MaxPacketLength}");
        int total = RecordHeaderLength + (int)captured;
        if (!_input.Fill(total))
            throw new FlowDataException(Name, offset, $"the packet record runs past the end of the file ({_input.Available} of {total} bytes)");
        var data = _input.Peek(total)[RecordHeaderLength..];
        _input.Advance(total);
        packet = new CapturedPacket(
            CaptureTime.FromPcap(seconds, fraction, IsNanosecond),
            LinkType,
            data,
            original > int.MaxValue ? int.MaxValue : (int)original,
            0,
            offset);
        return true;
    }

    private uint ReadUInt32(ReadOnlySpan<byte> b) =>
        _bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(b) : BinaryPrimitives.ReadUInt32LittleEndian(b);

    private ushort ReadUInt16(ReadOnlySpan<byte> b) =>
        _bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(b) : BinaryPrimitives.ReadUInt16LittleEndian(b);

    public void Dispose() => _input.Dispose();
}
