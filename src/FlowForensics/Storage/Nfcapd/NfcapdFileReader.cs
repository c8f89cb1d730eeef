using System.Buffers.Binary;
using System.Text;
using FlowForensics.Files;
using FlowForensics.Flows;
using FlowForensics.Storage.Compression;
using FlowForensics.Wire;

namespace FlowForensics.Storage.Nfcapd;

/// <summary>
/// Reads an nfdump flow file: layout 2 (nfdump 1.7.x, including 1.7.8's differences) and layout 1 (nfdump 1.6),
/// with any of the block compressions none, LZO, BZIP2, LZ4 and ZSTD (spec §3–§14).
/// </summary>
/// <remarks>
/// No length in the file is trusted: a block whose header, size, compression or records are inconsistent ends
/// the file with a <see cref="FlowDataException"/> naming the file, the block and the byte offset, after every
/// flow before it was delivered. Unknown record, element and block types are skipped by their size. Memory is
/// bounded by <see cref="NfcapdLimits"/>: one stored block and one decompressed block at a time, rented per block.
/// </remarks>
public sealed class NfcapdFileReader : IDisposable
{
    private readonly string _path;
    private readonly Stream _stream;
    private readonly IBlockCodec _codec;
    private readonly long _dataStart;
    private readonly long _numBlocks;
    private readonly NfcapdBlockDecoder _decoder = new();
    private readonly byte[] _blockHeader = new byte[NfcapdLayout.BlockHeaderSize];

    private NfcapdFileReader(string path, Stream stream, NfcapdFileInfo info, IBlockCodec codec, long dataStart, long numBlocks)
    {
        _path = path;
        _stream = stream;
        Info = info;
        _codec = codec;
        _dataStart = dataStart;
        _numBlocks = numBlocks;
    }

    /// <summary>The header and appendix summary.</summary>
    public NfcapdFileInfo Info { get; }

    /// <summary>Bytes of the file consumed so far (for progress).</summary>
    public long Position => _stream.Position;

    /// <summary>File length in bytes.</summary>
    public long Length { get; private set; }

    /// <summary>Blocks of types nfdump 1.7 does not hold flows in (1, 4, ...) that were skipped.</summary>
    public long SkippedBlocks => _decoder.SkippedBlocks;

    /// <summary>Records of unknown type that were skipped.</summary>
    public long SkippedRecords => _decoder.SkippedRecords;

    /// <summary>Opens a file and reads its header and appendix. Throws <see cref="FlowDataException"/> when it is not a readable nfcapd file.</summary>
    public static NfcapdFileReader Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var stream = FileInspector.OpenRead(path, 1, FileOptions.SequentialScan);
        try
        {
            return OpenStream(path, stream);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads an nfcapd file from a seekable stream; <paramref name="sourceName"/> names it in errors.
    /// The stream is disposed with the reader unless <paramref name="leaveOpen"/>.
    /// </summary>
    public static NfcapdFileReader Open(Stream stream, string sourceName, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanSeek || !stream.CanRead) throw new ArgumentException("the stream must be readable and seekable", nameof(stream));
        var reader = OpenStream(sourceName, stream);
        reader._leaveOpenFlag = leaveOpen;
        return reader;
    }

    private bool _leaveOpenFlag;

    /// <summary>True when the first bytes are nfcapd's magic with a layout this reader knows (1 or 2).</summary>
    public static bool IsNfcapdFile(string path)
    {
        try
        {
            if (FileInspector.GetKind(path) != FileKind.Regular) return false;
            using var s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1);
            Span<byte> head = stackalloc byte[4];
            if (s.ReadAtLeast(head, 4, throwOnEndOfStream: false) < 4) return false;
            ushort version = BinaryPrimitives.ReadUInt16LittleEndian(head[2..]);
            return BinaryPrimitives.ReadUInt16LittleEndian(head) == NfcapdLayout.MagicValue
                   && version is NfcapdLayout.LayoutVersion1 or NfcapdLayout.LayoutVersion2;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static NfcapdFileReader OpenStream(string path, Stream stream)
    {
        long length = stream.Length;
        Span<byte> head = stackalloc byte[NfcapdLayout.V1DataStart];
        int got = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        head = head[..got];
        if (got < 4)
            throw new FlowDataException(path, 0, $"not an nfcapd file: {got} bytes, shorter than any nfcapd header");
        ushort magic = BinaryPrimitives.ReadUInt16LittleEndian(head);
        if (magic != NfcapdLayout.MagicValue)
        {
            string why = magic == 0x0CA5 ? "big-endian nfcapd file (unsupported)" : $"not an nfcapd file: magic 0x{magic:X4}, expected 0xA50C";
            throw new FlowDataException(path, 0, why);
        }
        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(head[NfcapdLayout.Version..]);
        NfcapdFileReader reader = version switch
        {
            NfcapdLayout.LayoutVersion2 => OpenLayout2(path, stream, head, length),
            NfcapdLayout.LayoutVersion1 => OpenLayout1(path, stream, head, length),
            NfcapdLayout.LayoutVersion3 => throw new FlowDataException(path, NfcapdLayout.Version, "unsupported nfcapd layout 3 (nfdump 1.8)"),
            _ => throw new FlowDataException(path, NfcapdLayout.Version, $"unknown nfcapd layout version {version}"),
        };
        reader.Length = length;
        stream.Position = reader._dataStart;
        return reader;
    }

    private static NfcapdFileReader OpenLayout2(string path, Stream stream, ReadOnlySpan<byte> head, long length)
    {
        if (head.Length < NfcapdLayout.HeaderSize)
            throw new FlowDataException(path, head.Length, $"nfcapd header truncated: {head.Length} of {NfcapdLayout.HeaderSize} bytes");
        byte compressionByte = head[NfcapdLayout.Compression];
        var compression = (NfcapdCompression)compressionByte;
        var codec = BlockCodecs.For(compression)
                    ?? throw new FlowDataException(path, NfcapdLayout.Compression, $"unknown block compression {compressionByte}");
        if (head[NfcapdLayout.Encryption] != 0)
            throw new FlowDataException(path, NfcapdLayout.Encryption, "encrypted nfcapd file (unsupported, as in nfdump)");
        ushort appendixBlocks = BinaryPrimitives.ReadUInt16LittleEndian(head[NfcapdLayout.AppendixBlocks..]);
        long offAppendix = BinaryPrimitives.ReadInt64LittleEndian(head[NfcapdLayout.OffAppendix..]);
        uint numBlocks = BinaryPrimitives.ReadUInt32LittleEndian(head[NfcapdLayout.NumBlocks..]);
        long created = BinaryPrimitives.ReadInt64LittleEndian(head[NfcapdLayout.Created..]);
        var info = new NfcapdFileInfo
        {
            Path = path,
            Layout = 2,
            Compression = compression,
            Created = created is > 0 and < 253_402_300_799L ? DateTime.UnixEpoch.AddSeconds(created) : null,
            NfdumpVersion = BinaryPrimitives.ReadUInt32LittleEndian(head[NfcapdLayout.NfdVersion..]),
            Creator = BinaryPrimitives.ReadUInt32LittleEndian(head[NfcapdLayout.Creator..]),
            BlockCount = numBlocks,
        };
        var reader = new NfcapdFileReader(path, stream, info, codec, NfcapdLayout.HeaderSize, numBlocks) { Length = length };
        if (appendixBlocks > 0)
        {
            if (offAppendix < NfcapdLayout.HeaderSize || offAppendix >= length)
                info.AppendixProblem = $"appendix offset {offAppendix} outside the file ({length} bytes)";
            else
                reader.ReadAppendix(offAppendix, Math.Min((int)appendixBlocks, NfcapdLimits.MaxAppendixBlocks));
        }
        return reader;
    }

    private static NfcapdFileReader OpenLayout1(string path, Stream stream, ReadOnlySpan<byte> head, long length)
    {
        if (head.Length < NfcapdLayout.V1DataStart)
            throw new FlowDataException(path, head.Length, $"nfdump 1.6 header truncated: {head.Length} of {NfcapdLayout.V1DataStart} bytes");
        uint flags = BinaryPrimitives.ReadUInt32LittleEndian(head[NfcapdLayout.V1Flags..]);
        var compression = (flags & NfcapdLayout.V1FlagLzo) != 0 ? NfcapdCompression.Lzo
            : (flags & NfcapdLayout.V1FlagBz2) != 0 ? NfcapdCompression.Bzip2
            : (flags & NfcapdLayout.V1FlagLz4) != 0 ? NfcapdCompression.Lz4
            : NfcapdCompression.None;
        uint numBlocks = BinaryPrimitives.ReadUInt32LittleEndian(head[NfcapdLayout.V1NumBlocks..]);
        var identBytes = head.Slice(NfcapdLayout.V1Ident, NfcapdLayout.V1IdentLength);
        int nul = identBytes.IndexOf((byte)0);
        var info = new NfcapdFileInfo
        {
            Path = path,
            Layout = 1,
            Compression = compression,
            BlockCount = numBlocks,
            Ident = Encoding.UTF8.GetString(nul < 0 ? identBytes : identBytes[..nul]),
        };
        var stat = head.Slice(NfcapdLayout.V1HeaderSize, NfcapdLayout.V1StatSize);
        StatRecord.FillTotals(info, stat);
        ulong first = V3RecordReader.U32(stat, NfcapdLayout.V1StatFirstSeen) * 1000UL + V3RecordReader.U16(stat, NfcapdLayout.V1StatMsecFirst);
        ulong last = V3RecordReader.U32(stat, NfcapdLayout.V1StatLastSeen) * 1000UL + V3RecordReader.U16(stat, NfcapdLayout.V1StatMsecLast);
        info.FirstSeen = first == 0 ? null : NfcapdTime.FromMilliseconds(first);
        info.LastSeen = last == 0 ? null : NfcapdTime.FromMilliseconds(last);
        info.SequenceFailures = V3RecordReader.U32(stat, NfcapdLayout.V1StatSequenceFailure);
        info.HasStatistics = true;
        return new NfcapdFileReader(path, stream, info, BlockCodecs.For(compression)!, NfcapdLayout.V1DataStart, numBlocks) { Length = length };
    }

    private void ReadAppendix(long offset, int blocks)
    {
        long at = offset;
        for (int b = 0; b < blocks; b++)
        {
            var problem = LoadBlock(at, out var block);
            try
            {
                if (problem is { } p)
                {
                    Info.AppendixProblem = $"appendix block {b}: {p.Reason}";
                    return;
                }
                at = block.NextOffset;
                var payload = block.Payload;
                int pos = 0;
                for (uint r = 0; r < block.NumRecords && pos + NfcapdLayout.RecordHeaderSize <= payload.Length; r++)
                {
                    ushort type = BinaryPrimitives.ReadUInt16LittleEndian(payload[pos..]);
                    ushort size = BinaryPrimitives.ReadUInt16LittleEndian(payload[(pos + 2)..]);
                    if (size < NfcapdLayout.RecordHeaderSize || size > payload.Length - pos)
                    {
                        Info.AppendixProblem = $"appendix block {b}: record {r} has size {size}, outside the block";
                        return;
                    }
                    var record = payload.Slice(pos, size);
                    if (type == NfcapdLayout.IdentRecordType && size <= NfcapdLayout.MaxIdentRecordSize)
                    {
                        var text = record[NfcapdLayout.RecordHeaderSize..];
                        int nul = text.IndexOf((byte)0);
                        Info.Ident = Encoding.UTF8.GetString(nul < 0 ? text : text[..nul]);
                    }
                    else if (type == NfcapdLayout.StatRecordType && size == NfcapdLayout.RecordHeaderSize + NfcapdLayout.StatRecordPayloadSize)
                    {
                        StatRecord.Fill(Info, record[NfcapdLayout.RecordHeaderSize..]);
                    }
                    pos += size;
                }
            }
            finally
            {
                block.Return();
            }
        }
    }

    /// <summary>
    /// Streams the file's flows, a fresh <see cref="FlowRecord"/> each, in file order. Can be called again to
    /// re-read from the first block. Throws <see cref="FlowDataException"/> at the first corrupt block, after
    /// yielding every flow before the damage.
    /// </summary>
    public IEnumerable<FlowRecord> ReadFlows(CancellationToken cancel = default)
    {
        var batch = new List<FlowRecord>(1024);
        Action<FlowRecord> add = batch.Add;
        long offset = _dataStart;
        for (long b = 0; b < _numBlocks; b++)
        {
            cancel.ThrowIfCancellationRequested();
            batch.Clear();
            var problem = ReadDataBlock(offset, null, add, out long next);
            for (int i = 0; i < batch.Count; i++)
                yield return batch[i];
            if (problem is { } p)
                throw p.ToException(_path, b);
            offset = next;
        }
    }

    /// <summary>
    /// Decodes the file's flows, in file order, one after another into the same <paramref name="reused"/> record and
    /// hands it to <paramref name="onFlow"/>: no allocation per flow, the engine path for consumers that only count.
    /// </summary>
    /// <remarks>
    /// The contract: the object <paramref name="onFlow"/> receives is <paramref name="reused"/> itself, overwritten by
    /// the next record as soon as <paramref name="onFlow"/> returns. A consumer that keeps a record past the call must
    /// keep a <see cref="FlowRecord.Clone"/> (or the values it needs), never the object. Objects that leave the engine
    /// (Get-FlowRecord's output) come from <see cref="ReadFlows"/>, fresh per record. The flows are the same, field for
    /// field, as <see cref="ReadFlows"/>'s; so is the damage behaviour: every flow before the damage is delivered, then
    /// a <see cref="FlowDataException"/> names the file, the block and the byte offset. Can be called again to re-read.
    /// </remarks>
    /// <returns>The number of flows delivered.</returns>
    public long ReadFlowsInto(FlowRecord reused, Action<FlowRecord> onFlow, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(reused);
        ArgumentNullException.ThrowIfNull(onFlow);
        long before = _decoder.Delivered;
        long offset = _dataStart;
        for (long b = 0; b < _numBlocks; b++)
        {
            cancel.ThrowIfCancellationRequested();
            var problem = ReadDataBlock(offset, reused, onFlow, out long next);
            if (problem is { } p)
                throw p.ToException(_path, b);
            offset = next;
        }
        return _decoder.Delivered - before;
    }

    /// <summary>Loads the block at <paramref name="offset"/>: reads it and decompresses it into rented buffers that <see cref="NfcapdBlock.Return"/> gives back.</summary>
    private NfcapdProblem? LoadBlock(long offset, out NfcapdBlock block)
    {
        var problem = ReadBlock(offset, null, out block);
        if (problem is null && (problem = Decompress(ref block, null)) is not null) block.Return();
        return problem;
    }

    /// <summary>
    /// Reads the block at <paramref name="offset"/>, header and stored payload, into <paramref name="buffers"/> when given
    /// (the caller's, reused block after block) or into a rented buffer; the payload is still compressed (see
    /// <see cref="Decompress"/>).
    /// </summary>
    internal NfcapdProblem? ReadBlock(long offset, NfcapdBlockBuffers? buffers, out NfcapdBlock block)
    {
        block = default;
        long left = Length - offset;
        if (left < NfcapdLayout.BlockHeaderSize)
            return new NfcapdProblem(offset, $"block header truncated: {Math.Max(0, left)} of {NfcapdLayout.BlockHeaderSize} bytes left in the file");
        _stream.Position = offset;
        _stream.ReadExactly(_blockHeader);
        ReadOnlySpan<byte> h = _blockHeader;
        uint numRecords = BinaryPrimitives.ReadUInt32LittleEndian(h[NfcapdLayout.BlockNumRecords..]);
        uint size = BinaryPrimitives.ReadUInt32LittleEndian(h[NfcapdLayout.BlockSize..]);
        if (numRecords == 0)
            return new NfcapdProblem(offset, "block header says 0 records");
        if (size == 0 || size > NfcapdLimits.MaxBlockSize)
            return new NfcapdProblem(offset, $"block size {size} outside 1..{NfcapdLimits.MaxBlockSize}");
        if (size > left - NfcapdLayout.BlockHeaderSize)
            return new NfcapdProblem(offset, $"block of {size} bytes truncated: {left - NfcapdLayout.BlockHeaderSize} bytes left in the file");
        block.NumRecords = numRecords;
        block.Type = BinaryPrimitives.ReadUInt16LittleEndian(h[NfcapdLayout.BlockType..]);
        block.Offset = offset;
        block.PayloadOffset = offset + NfcapdLayout.BlockHeaderSize;
        block.NextOffset = block.PayloadOffset + size;
        block.Rented = buffers is null;
        block.Stored = buffers is null ? NfcapdBlockBuffers.Pool.Rent((int)size) : buffers.Stored;
        block.StoredLength = (int)size;
        _stream.ReadExactly(block.Stored, 0, (int)size);
        return null;
    }

    /// <summary>
    /// Decompresses a block that <see cref="ReadBlock"/> read into <paramref name="destination"/> (at least
    /// <see cref="NfcapdLimits.MaxUncompressedBlockSize"/> bytes) or, when null, a rented buffer. An uncompressed block is
    /// left where it is.
    /// </summary>
    internal NfcapdProblem? Decompress(ref NfcapdBlock block, byte[]? destination)
    {
        if (_codec is NoneBlockCodec)
        {
            block.Compressed = false;
            block.PayloadLength = block.StoredLength;
            return null;
        }
        block.Compressed = true;
        if (destination is null)
        {
            block.RentedDecoded = true;
            destination = NfcapdBlockBuffers.Pool.Rent(NfcapdLimits.MaxUncompressedBlockSize);
        }
        block.Decoded = destination;
        if (!_codec.TryDecode(block.Stored.AsSpan(0, block.StoredLength), destination.AsSpan(0, NfcapdLimits.MaxUncompressedBlockSize), out int written)
            || written == 0)
        {
            return new NfcapdProblem(block.Offset, $"{Info.Compression} payload of {block.StoredLength} bytes does not decompress (corrupt, or larger than {NfcapdLimits.MaxUncompressedBlockSize} bytes)");
        }
        block.PayloadLength = written;
        return null;
    }

    /// <summary>The offset of the first data block and the number of blocks the header announces.</summary>
    internal long DataStart => _dataStart;

    internal long BlockCount => _numBlocks;

    /// <summary>Decodes one data block, handing each flow to <paramref name="onFlow"/> (see <see cref="NfcapdBlockDecoder.Decode"/>).</summary>
    private NfcapdProblem? ReadDataBlock(long offset, FlowRecord? reuse, Action<FlowRecord> onFlow, out long next)
    {
        next = offset;
        var problem = LoadBlock(offset, out var block);
        if (problem is not null) return problem;
        try
        {
            next = block.NextOffset;
            return _decoder.Decode(block, reuse, onFlow);
        }
        finally
        {
            block.Return();
        }
    }

    public void Dispose()
    {
        if (!_leaveOpenFlag) _stream.Dispose();
        (_codec as IDisposable)?.Dispose();
    }
}
