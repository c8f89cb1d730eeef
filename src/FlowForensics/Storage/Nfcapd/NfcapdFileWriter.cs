using System.Buffers.Binary;
using System.Text;
using FlowForensics.Files;
using FlowForensics.Flows;
using FlowForensics.Storage.Compression;

namespace FlowForensics.Storage.Nfcapd;

/// <summary>
/// Writes an nfcapd file (layout 2) that nfdump 1.7.1 reads: V3 records as nfcapd/nfpcapd 1.7.1 write them,
/// blocks of at most <see cref="NfcapdLimits.WriterBlockSize"/> uncompressed bytes, an appendix with the ident
/// and a stat record (so <c>nfdump -I</c> reports the totals), then the final header (spec §13).
/// </summary>
/// <remarks>
/// The file is written through an <see cref="AtomicFile"/>: under a temporary name in the destination directory
/// (<c>nfcapd.current.&lt;pid&gt;.&lt;random&gt;.YYYYMMDDhhmm</c>, which nfdump -R and <see cref="FlowFileSet"/> skip), flushed to the
/// disk and renamed by <see cref="Complete"/>, so a reader never sees a half file; <see cref="Dispose"/> without
/// <see cref="Complete"/> deletes it (after a failed write, <see cref="Salvage"/> keeps the blocks already counted).
/// After each data block the header's block count is rewritten (the block first, then the count), so a temporary
/// file left by a killed process (SIGKILL, OOM) is a valid nfcapd file of every block flushed before the kill, without
/// appendix: <c>nfdump -r</c> reads it as it stands, and <see cref="NfcapdRecovery"/> completes it under its final name
/// on the next start of a writer in the same folder.
/// Flows carrying an <see cref="FlowRecord.Exporter"/> get an exporter info record (one per address, sysid 1, 2, ...)
/// before their first flow and reference it by sysid. ZSTD files are not readable by Debian's nfdump 1.7.1.
/// </remarks>
public sealed class NfcapdFileWriter : IFlowSink, IDisposable
{
    private const uint NfdumpVersion171 = 0x01070100;

    /// <summary>
    /// No write buffer in front of the file: blocks (up to <see cref="NfcapdLimits.WriterBlockSize"/>) are built in memory
    /// and written whole, so every byte written has reached the operating system when the header counts it, and after a
    /// failed write (a full disk) no buffered bytes stand between <see cref="Salvage"/> and the file.
    /// </summary>
    private const int FileBufferSize = 0;

    private readonly AtomicFile _file;
    private readonly string _ident;
    private readonly NfcapdCompression _compression;
    private readonly IBlockCodec _codec;
    private readonly Stream _stream;
    private readonly byte[] _block = new byte[NfcapdLimits.WriterBlockSize];
    private readonly byte[] _record = new byte[V3RecordWriter.MaxRecordSize];
    private readonly byte[] _encoded;
    private readonly StatRecord _stat = new();
    private readonly Dictionary<FlowAddress, ushort> _exporters = new();
    // The exporter of the last flow and its sysid (0: none yet): flows come in runs from one exporter, so the dictionary
    // is looked up only when the exporter changes.
    private FlowAddress _lastExporter;
    private ushort _lastSysId;
    private int _blockLength;
    private uint _blockRecords;
    private uint _numBlocks;
    private long _blockFlows;
    private long _durableLength = NfcapdLayout.HeaderSize;
    private bool _completed;
    private bool _disposed;

    private NfcapdFileWriter(AtomicFile file, NfcapdCompression compression, IBlockCodec codec, string ident)
    {
        _file = file;
        _stream = file.Stream;
        _compression = compression;
        _codec = codec;
        _ident = ident;
        _encoded = new byte[codec.MaxEncodedLength(NfcapdLimits.WriterBlockSize)];
    }

    /// <summary>The file this writer produces once <see cref="Complete"/> has run.</summary>
    public string FinalPath => _file.TargetPath;

    /// <summary>The temporary file being written.</summary>
    public string TempPath => _file.TempPath;

    /// <summary>Flow records accepted so far.</summary>
    public long FlowCount { get; private set; }

    /// <summary>Flow records in blocks the header counts: what a reader gets from the file if the process dies now.</summary>
    public long FlowsInFile { get; private set; }

    /// <summary>Starts a file. Throws <see cref="OutputFileExistsException"/> when <paramref name="finalPath"/> exists and <paramref name="overwrite"/> is false.</summary>
    public static NfcapdFileWriter Create(string finalPath, NfcapdCompression compression = NfcapdCompression.Lz4, string? ident = null, bool overwrite = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(finalPath);
        var codec = CodecFor(compression);
        AtomicFile file;
        try
        {
            CheckIdent(ident);
            string full = Path.GetFullPath(finalPath);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            file = AtomicFile.Create(full, overwrite, static path => new OutputFileExistsException(path), FileBufferSize);
        }
        catch
        {
            (codec as IDisposable)?.Dispose();
            throw;
        }
        return Start(file, compression, codec, ident);
    }

    /// <summary>Starts a file in <paramref name="file"/>, which the writer owns from here on (disposed when this throws).</summary>
    internal static NfcapdFileWriter Create(AtomicFile file, NfcapdCompression compression, string? ident)
    {
        IBlockCodec codec;
        try
        {
            CheckIdent(ident);
            codec = CodecFor(compression);
        }
        catch
        {
            file.Dispose();
            throw;
        }
        return Start(file, compression, codec, ident);
    }

    private static NfcapdFileWriter Start(AtomicFile file, NfcapdCompression compression, IBlockCodec codec, string? ident)
    {
        var writer = new NfcapdFileWriter(file, compression, codec, ident ?? "none");
        try
        {
            writer.WriteHeader(appendixBlocks: 0, offAppendix: 0, numBlocks: 0);
            return writer;
        }
        catch
        {
            writer.Dispose();
            throw;
        }
    }

    private static IBlockCodec CodecFor(NfcapdCompression compression) =>
        BlockCodecs.For(compression) ?? throw new ArgumentOutOfRangeException(nameof(compression), compression, "unknown nfcapd compression");

    private static void CheckIdent(string? ident)
    {
        if (ident is not null && (ident.Length > NfcapdLimits.MaxIdentLength || Encoding.UTF8.GetByteCount(ident) > NfcapdLimits.MaxIdentLength))
            throw new ArgumentException($"ident longer than {NfcapdLimits.MaxIdentLength} bytes (nfdump ignores longer ones)", nameof(ident));
    }

    /// <summary>Adds one flow to the current block, flushing the block first when it would exceed <see cref="NfcapdLimits.WriterBlockSize"/>.</summary>
    public void Accept(FlowRecord flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        ObjectDisposedException.ThrowIf(_disposed || _completed, this);
        var exporter = flow.ExporterAddress;
        ushort sysId = 0;
        if (_lastSysId != 0 && exporter.Equals(_lastExporter)) sysId = _lastSysId;
        else if (!exporter.IsNone) sysId = ExporterSysId(exporter, flow.ExportVersion);
        ulong first = NfcapdTime.ToMilliseconds(flow.Start), last = NfcapdTime.ToMilliseconds(flow.End);
        if (_block.Length - _blockLength >= V3RecordWriter.MaxRecordSize)
        {
            // Room for the largest record: encoded in place (the same bytes and block boundaries as through _record).
            _blockLength += V3RecordWriter.Write(flow, sysId, first, last, _block.AsSpan(_blockLength));
            _blockRecords++;
        }
        else
        {
            int size = V3RecordWriter.Write(flow, sysId, first, last, _record);
            Append(_record.AsSpan(0, size));
        }
        _stat.Add(flow, first, last);
        _blockFlows++;
        FlowCount++;
    }

    /// <summary>The sysid of an exporter, writing its exporter info record before its first flow (0 beyond 65,535 exporters).</summary>
    private ushort ExporterSysId(FlowAddress exporter, byte exportVersion)
    {
        if (!_exporters.TryGetValue(exporter, out ushort sysId))
        {
            if (_exporters.Count >= ushort.MaxValue) return 0;
            sysId = (ushort)(_exporters.Count + 1);
            _exporters.Add(exporter, sysId);
            int n = V3RecordWriter.WriteExporterInfo(exporter, ExporterVersion(exportVersion), sysId, _record);
            Append(_record.AsSpan(0, n));
        }
        _lastExporter = exporter;
        _lastSysId = sysId;
        return sysId;
    }

    /// <summary>Flushes the last block, writes the appendix and the final header, closes and renames the file into place.</summary>
    public void Complete()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed) return;
        FlushBlock();
        long offAppendix = _stream.Position;

        // appendix: ident (1.7.1 size: 4 + strlen + 1, no padding) then stat (148)
        int identBytes = Encoding.UTF8.GetByteCount(_ident);
        int identSize = NfcapdLayout.RecordHeaderSize + identBytes + 1;
        int statSize = NfcapdLayout.RecordHeaderSize + NfcapdLayout.StatRecordPayloadSize;
        var appendix = _block.AsSpan(0, identSize + statSize);
        appendix.Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(appendix, NfcapdLayout.IdentRecordType);
        BinaryPrimitives.WriteUInt16LittleEndian(appendix[2..], (ushort)identSize);
        Encoding.UTF8.GetBytes(_ident, appendix[NfcapdLayout.RecordHeaderSize..]);
        var stat = appendix[identSize..];
        BinaryPrimitives.WriteUInt16LittleEndian(stat, NfcapdLayout.StatRecordType);
        BinaryPrimitives.WriteUInt16LittleEndian(stat[2..], (ushort)statSize);
        _stat.Write(stat[NfcapdLayout.RecordHeaderSize..]);
        WriteBlock(appendix, 2);

        WriteHeader(appendixBlocks: 1, offAppendix, _numBlocks);
        _file.Commit();
        _completed = true;
    }

    private void Append(ReadOnlySpan<byte> record)
    {
        if (_blockLength + record.Length > _block.Length) FlushBlock();
        record.CopyTo(_block.AsSpan(_blockLength));
        _blockLength += record.Length;
        _blockRecords++;
    }

    private void FlushBlock()
    {
        if (_blockRecords == 0) return;
        // Crash consistency: the block goes to the operating system first, then the header's block count is raised to
        // take it in. A process killed at any moment (SIGKILL included) leaves a temporary file whose header counts
        // only complete blocks, so nfdump -r and our reader read every block flushed so far and nothing half-written.
        // A write that fails (a full disk) leaves the count as it was, for Salvage.
        WriteBlock(_block.AsSpan(0, _blockLength), _blockRecords);
        _stream.Flush();
        WriteHeader(appendixBlocks: 0, offAppendix: 0, _numBlocks + 1);
        _stream.Flush();
        _numBlocks++;
        _durableLength = _stream.Position;
        FlowsInFile += _blockFlows;
        _blockFlows = 0;
        _blockLength = 0;
        _blockRecords = 0;
    }

    /// <summary>
    /// After a write failed (a full disk): completes the file with the blocks its header counts, cutting off whatever
    /// half block or appendix followed them, and renames it into place; a file with no complete block is deleted
    /// instead. Returns whether a file was kept (<see cref="FlowsInFile"/> flows). Never throws an I/O error.
    /// </summary>
    public bool Salvage()
    {
        if (_disposed || _completed) return _completed;
        if (_numBlocks > 0)
        {
            try
            {
                _stream.SetLength(_durableLength);
                _stream.Position = _durableLength;
                WriteHeader(appendixBlocks: 0, offAppendix: 0, _numBlocks);
                _file.Commit();
                _completed = true;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
            {
                // nothing more can be saved: Dispose deletes the temporary file
            }
        }
        Dispose();
        return _completed;
    }

    private void WriteBlock(ReadOnlySpan<byte> payload, uint records)
    {
        int stored = _codec.Encode(payload, _encoded);
        Span<byte> header = stackalloc byte[NfcapdLayout.BlockHeaderSize];
        BinaryPrimitives.WriteUInt32LittleEndian(header[NfcapdLayout.BlockNumRecords..], records);
        BinaryPrimitives.WriteUInt32LittleEndian(header[NfcapdLayout.BlockSize..], (uint)stored);
        BinaryPrimitives.WriteUInt16LittleEndian(header[NfcapdLayout.BlockType..], NfcapdLayout.BlockTypeV3);
        BinaryPrimitives.WriteUInt16LittleEndian(header[NfcapdLayout.BlockFlags..], 0);
        _stream.Write(header);
        _stream.Write(_encoded, 0, stored);
    }

    private void WriteHeader(ushort appendixBlocks, long offAppendix, uint numBlocks)
    {
        Span<byte> h = stackalloc byte[NfcapdLayout.HeaderSize];
        h.Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(h[NfcapdLayout.Magic..], NfcapdLayout.MagicValue);
        BinaryPrimitives.WriteUInt16LittleEndian(h[NfcapdLayout.Version..], NfcapdLayout.LayoutVersion2);
        BinaryPrimitives.WriteUInt32LittleEndian(h[NfcapdLayout.NfdVersion..], NfdumpVersion171);
        BinaryPrimitives.WriteInt64LittleEndian(h[NfcapdLayout.Created..], DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        h[NfcapdLayout.Compression] = (byte)_compression;
        BinaryPrimitives.WriteUInt16LittleEndian(h[NfcapdLayout.AppendixBlocks..], appendixBlocks);
        BinaryPrimitives.WriteInt64LittleEndian(h[NfcapdLayout.OffAppendix..], offAppendix);
        BinaryPrimitives.WriteUInt32LittleEndian(h[NfcapdLayout.NumBlocks..], numBlocks);
        long at = _stream.Position;
        _stream.Position = 0;
        _stream.Write(h);
        _stream.Position = Math.Max(at, NfcapdLayout.HeaderSize);
    }

    private static uint ExporterVersion(byte exportVersion) => exportVersion switch
    {
        5 or 9 or 10 or 1 or 7 => exportVersion,
        _ when (exportVersion & 0x80) != 0 => 9999,
        _ => 9,
    };

    /// <summary>
    /// Without <see cref="Complete"/>, deletes the temporary file: an interrupted run leaves nothing half-written. Never
    /// throws an I/O error (a flush that fails on a full disk included) before the file is deleted.
    /// </summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            _file.Dispose();
        }
        finally
        {
            (_codec as IDisposable)?.Dispose();
        }
    }
}
