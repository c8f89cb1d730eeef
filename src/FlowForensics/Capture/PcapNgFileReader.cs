using System.Buffers.Binary;
using FlowForensics.Wire;

namespace FlowForensics.Capture;

/// <summary>
/// pcapng files: sections in either byte order (a new section header resets the interfaces), several
/// interfaces with their own link type, <c>if_tsresol</c> and <c>if_tsoffset</c>, enhanced, simple and
/// obsolete packet blocks; every other block type is skipped by its length. Block lengths are bounded by
/// <see cref="CaptureLimits.MaxBlockLength"/>, packet data by <see cref="CaptureLimits.MaxPacketLength"/>.
/// </summary>
public sealed class PcapNgFileReader : ICaptureSource
{
    internal const uint SectionHeaderBlock = 0x0A0D0D0A;
    internal const uint InterfaceDescriptionBlock = 1;
    internal const uint ObsoletePacketBlock = 2;
    internal const uint SimplePacketBlock = 3;
    internal const uint EnhancedPacketBlock = 6;
    internal const uint ByteOrderMagic = 0x1A2B3C4D;

    // Generic block: type, total length, body, total length again (spec §3.1).
    private const int BlockType = 0, BlockTotalLength = 4, BlockBody = 8, MinBlockLength = 12;
    // Section header body (§4.1), interface description body (§4.2), enhanced packet body (§4.3)
    private const int ShbByteOrderMagic = 8, ShbVersionMajor = 12, ShbMinLength = 28;
    private const int IdbLinkType = 8, IdbSnapLength = 12, IdbOptions = 16, IdbMinLength = 20;
    private const int EpbInterface = 8, EpbTimestampHigh = 12, EpbTimestampLow = 16, EpbCapturedLength = 20, EpbOriginalLength = 24, EpbData = 28;
    private const int OpbInterface = 8, OpbTimestampHigh = 12, OpbTimestampLow = 16, OpbCapturedLength = 20, OpbOriginalLength = 24, OpbData = 28;
    private const int SpbOriginalLength = 8, SpbData = 12;
    private const ushort OptionEnd = 0, OptionTsResolution = 9, OptionTsOffset = 14;
    private const byte DefaultTsResolution = 6;

    private readonly CaptureInput _input;
    private readonly List<InterfaceInfo> _interfaces = new(4);
    private bool _bigEndian;
    private bool _inSection;
    private DateTime _lastTimestamp = DateTime.UnixEpoch;

    internal PcapNgFileReader(CaptureInput input)
    {
        _input = input;
    }

    public string Name => _input.Name;
    public long Length => _input.Length;
    public long Position => _input.Position;

    /// <summary>Interfaces declared so far in the current section.</summary>
    public int InterfaceCount => _interfaces.Count;

    /// <summary>Sections (section header blocks) seen so far.</summary>
    public int SectionCount { get; private set; }

    /// <summary>The link type of an interface of the current section.</summary>
    public LinkType GetInterfaceLinkType(int interfaceId) => _interfaces[interfaceId].LinkType;

    public bool TryReadPacket(out CapturedPacket packet)
    {
        while (true)
        {
            long offset = _input.Offset;
            if (!_input.Fill(MinBlockLength))
            {
                packet = default;
                if (_input.Available == 0) return false;
                throw new FlowDataException(Name, offset, $"the block header is cut short ({_input.Available} of {MinBlockLength} bytes)");
            }
            var head = _input.Peek(MinBlockLength);
            uint type = ReadUInt32(head[BlockType..]);
            if (type == SectionHeaderBlock)
            {
                uint bom = BinaryPrimitives.ReadUInt32LittleEndian(head[ShbByteOrderMagic..]);
                if (bom == ByteOrderMagic) _bigEndian = false;
                else if (BinaryPrimitives.ReadUInt32BigEndian(head[ShbByteOrderMagic..]) == ByteOrderMagic) _bigEndian = true;
                else throw new FlowDataException(Name, offset, $"the section header's byte-order magic is 0x{bom:x8}, not 0x1a2b3c4d");
            }
            else if (!_inSection)
            {
                throw new FlowDataException(Name, offset, "the file does not start with a pcapng section header block");
            }
            uint length = ReadUInt32(head[BlockTotalLength..]);
            if (length < MinBlockLength || length % 4 != 0)
                throw new FlowDataException(Name, offset, $"block length {length} is below 12 or not a multiple of 4");
            if (length > CaptureLimits.MaxBlockLength)
                throw new FlowDataException(Name, offset, $"block length {length} is more than the limit of {CaptureLimits.MaxBlockLength}");

            bool held = type is SectionHeaderBlock or InterfaceDescriptionBlock or EnhancedPacketBlock or SimplePacketBlock or ObsoletePacketBlock;
            if (!held && length > CaptureLimits.MaxBufferedBlockLength)
            {
                _input.Advance(MinBlockLength - 4);
                if (!_input.Skip(length - MinBlockLength))
                    throw new FlowDataException(Name, offset, $"block of {length} bytes runs past the end of the file");
                CheckTrailer(offset, length);
                continue;
            }
            if (length > CaptureLimits.MaxBufferedBlockLength)
                throw new FlowDataException(Name, offset, $"block length {length} is more than the limit of {CaptureLimits.MaxBufferedBlockLength} for packet and interface blocks");
            if (!_input.Fill((int)length))
                throw new FlowDataException(Name, offset, $"block of {length} bytes runs past the end of the file ({_input.Available} bytes left)");
            var block = _input.Peek((int)length);
            uint trailer = ReadUInt32(block[^4..]);
            if (trailer != length)
                throw new FlowDataException(Name, offset, $"block length {length} does not match its trailing copy {trailer}");

            switch (type)
            {
                case SectionHeaderBlock:
                    ReadSectionHeader(block, offset);
                    break;
                case InterfaceDescriptionBlock:
                    ReadInterface(block, offset);
                    break;
                case EnhancedPacketBlock:
                    packet = ReadEnhancedPacket(block, offset);
                    _input.Advance((int)length);
                    return true;
                case ObsoletePacketBlock:
                    packet = ReadObsoletePacket(block, offset);
                    _input.Advance((int)length);
                    return true;
                case SimplePacketBlock:
                    packet = ReadSimplePacket(block, offset);
                    _input.Advance((int)length);
                    return true;
            }
            _input.Advance((int)length);
        }
    }

    private void CheckTrailer(long offset, uint length)
    {
        if (!_input.Fill(4))
            throw new FlowDataException(Name, offset, $"block of {length} bytes runs past the end of the file");
        uint trailer = ReadUInt32(_input.Peek(4));
        if (trailer != length)
            throw new FlowDataException(Name, offset, $"block length {length} does not match its trailing copy {trailer}");
        _input.Advance(4);
    }

    private void ReadSectionHeader(ReadOnlySpan<byte> block, long offset)
    {
        if (block.Length < ShbMinLength)
            throw new FlowDataException(Name, offset, $"the section header block is {block.Length} bytes, less than {ShbMinLength}");
        ushort major = ReadUInt16(block[ShbVersionMajor..]);
        if (major != 1)
            throw new FlowDataException(Name, offset, $"pcapng major version {major} is not supported");
        _interfaces.Clear();
        _inSection = true;
        SectionCount++;
    }

    private void ReadInterface(ReadOnlySpan<byte> block, long offset)
    {
        if (block.Length < IdbMinLength)
            throw new FlowDataException(Name, offset, $"the interface description block is {block.Length} bytes, less than {IdbMinLength}");
        if (_interfaces.Count >= CaptureLimits.MaxInterfaces)
            throw new FlowDataException(Name, offset, $"more than {CaptureLimits.MaxInterfaces} interfaces in one section");
        var info = new InterfaceInfo
        {
            LinkType = LinkTypes.FromFileValue(ReadUInt16(block[IdbLinkType..])),
            SnapLength = ReadUInt32(block[IdbSnapLength..]),
            TsResolution = DefaultTsResolution,
        };
        var options = block[IdbOptions..^4];
        while (options.Length >= 4)
        {
            ushort code = ReadUInt16(options);
            int valueLength = ReadUInt16(options[2..]);
            if (code == OptionEnd) break;
            int padded = (valueLength + 3) & ~3;
            if (4 + padded > options.Length)
                throw new FlowDataException(Name, offset, $"interface option {code} of {valueLength} bytes runs past its block");
            var value = options.Slice(4, valueLength);
            if (code == OptionTsResolution && valueLength >= 1) info.TsResolution = value[0];
            else if (code == OptionTsOffset && valueLength >= 8)
                info.TsOffsetSeconds = _bigEndian ? BinaryPrimitives.ReadInt64BigEndian(value) : BinaryPrimitives.ReadInt64LittleEndian(value);
            options = options[(4 + padded)..];
        }
        _interfaces.Add(info);
    }

    private CapturedPacket ReadEnhancedPacket(ReadOnlySpan<byte> block, long offset)
    {
        if (block.Length < EpbData + 4)
            throw new FlowDataException(Name, offset, $"the enhanced packet block is {block.Length} bytes, less than {EpbData + 4}");
        uint interfaceId = ReadUInt32(block[EpbInterface..]);
        ulong units = ((ulong)ReadUInt32(block[EpbTimestampHigh..]) << 32) | ReadUInt32(block[EpbTimestampLow..]);
        uint captured = ReadUInt32(block[EpbCapturedLength..]);
        uint original = ReadUInt32(block[EpbOriginalLength..]);
        return MakePacket(block, offset, EpbData, interfaceId, units, captured, original);
    }

    private CapturedPacket ReadObsoletePacket(ReadOnlySpan<byte> block, long offset)
    {
        if (block.Length < OpbData + 4)
            throw new FlowDataException(Name, offset, $"the packet block is {block.Length} bytes, less than {OpbData + 4}");
        uint interfaceId = ReadUInt16(block[OpbInterface..]);
        ulong units = ((ulong)ReadUInt32(block[OpbTimestampHigh..]) << 32) | ReadUInt32(block[OpbTimestampLow..]);
        uint captured = ReadUInt32(block[OpbCapturedLength..]);
        uint original = ReadUInt32(block[OpbOriginalLength..]);
        return MakePacket(block, offset, OpbData, interfaceId, units, captured, original);
    }

    private CapturedPacket MakePacket(ReadOnlySpan<byte> block, long offset, int dataOffset, uint interfaceId, ulong units, uint captured, uint original)
    {
        if (interfaceId >= (uint)_interfaces.Count)
            throw new FlowDataException(Name, offset, $"packet names interface {interfaceId}, but the section declares {_interfaces.Count}");
        int room = block.Length - dataOffset - 4;
        if (captured > (uint)room)
            throw new FlowDataException(Name, offset, $"packet claims {captured} captured bytes, but its block holds {room}");
        if (captured > CaptureLimits.MaxPacketLength)
            throw new FlowDataException(Name, offset, $"packet claims {captured} captured bytes, more than the limit of {CaptureLimits.MaxPacketLength}");
        var info = _interfaces[(int)interfaceId];
        var time = CaptureTime.FromPcapNg(units, info.TsResolution, info.TsOffsetSeconds);
        _lastTimestamp = time;
        return new CapturedPacket(time, info.LinkType, block.Slice(dataOffset, (int)captured),
            original > int.MaxValue ? int.MaxValue : (int)original, (int)interfaceId, offset);
    }

    private CapturedPacket ReadSimplePacket(ReadOnlySpan<byte> block, long offset)
    {
        if (block.Length < SpbData + 4)
            throw new FlowDataException(Name, offset, $"the simple packet block is {block.Length} bytes, less than {SpbData + 4}");
        if (_interfaces.Count == 0)
            throw new FlowDataException(Name, offset, "a simple packet block comes before any interface description");
        uint original = ReadUInt32(block[SpbOriginalLength..]);
        var info = _interfaces[0];
        long captured = Math.Min(original, block.Length - SpbData - 4);
        if (info.SnapLength != 0) captured = Math.Min(captured, info.SnapLength);
        if (captured > CaptureLimits.MaxPacketLength)
            throw new FlowDataException(Name, offset, $"packet holds {captured} captured bytes, more than the limit of {CaptureLimits.MaxPacketLength}");
        return new CapturedPacket(_lastTimestamp, info.LinkType, block.Slice(SpbData, (int)captured),
            original > int.MaxValue ? int.MaxValue : (int)original, 0, offset);
    }

    private uint ReadUInt32(ReadOnlySpan<byte> b) =>
        _bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(b) : BinaryPrimitives.ReadUInt32LittleEndian(b);

    private ushort ReadUInt16(ReadOnlySpan<byte> b) =>
        _bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(b) : BinaryPrimitives.ReadUInt16LittleEndian(b);

    public void Dispose() => _input.Dispose();

    private struct InterfaceInfo
    {
        public LinkType LinkType;
        public uint SnapLength;
        public byte TsResolution;
        public long TsOffsetSeconds;
    }
}
