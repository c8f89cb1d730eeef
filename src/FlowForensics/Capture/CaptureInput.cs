using System.IO.Compression;
using FlowForensics.Wire;

namespace FlowForensics.Capture;

/// <summary>
/// Buffered, forward-only input for the capture readers: one reused buffer, spans handed out until the
/// next <see cref="Fill"/>. Tracks the (decompressed) offset for error messages and the raw file stream
/// for progress. Decompression errors become <see cref="FlowDataException"/>.
/// </summary>
internal sealed class CaptureInput : IDisposable
{
    private const int InitialBufferSize = 256 * 1024;

    private readonly Stream _stream;        // what we read (a GZipStream for .gz files)
    private readonly Stream _progressStream; // what Length/Position are measured on
    private readonly bool _compressed;
    private byte[] _buffer = new byte[InitialBufferSize];
    private int _start;
    private int _end;
    private long _bufferOffset; // file offset of _buffer[0]
    private bool _eof;

    internal CaptureInput(string name, Stream stream, Stream progressStream, bool compressed)
    {
        Name = name;
        _stream = stream;
        _progressStream = progressStream;
        _compressed = compressed;
    }

    internal string Name { get; }

    /// <summary>Offset in the (decompressed) data of the next unread byte.</summary>
    internal long Offset => _bufferOffset + _start;

    internal int Available => _end - _start;

    internal long Length
    {
        get
        {
            try { return _progressStream.CanSeek ? _progressStream.Length : -1; }
            catch (ObjectDisposedException) { return -1; }
        }
    }

    internal long Position
    {
        get
        {
            if (!_compressed) return Offset;
            try { return _progressStream.CanSeek ? _progressStream.Position : -1; }
            catch (ObjectDisposedException) { return -1; }
        }
    }

    /// <summary>
    /// Makes at least <paramref name="count"/> unread bytes available; false when the data ends first
    /// (then <see cref="Available"/> tells how many there were). Spans taken earlier become invalid.
    /// </summary>
    internal bool Fill(int count)
    {
        if (Available >= count) return true;
        if (_eof) return false;
        if (_buffer.Length - _start < count)
        {
            if (count > _buffer.Length)
            {
                var bigger = new byte[Math.Max(count, _buffer.Length * 2)];
                Buffer.BlockCopy(_buffer, _start, bigger, 0, Available);
                _buffer = bigger;
            }
            else
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, Available);
            }
            _end -= _start;
            _bufferOffset += _start;
            _start = 0;
        }
        while (Available < count)
        {
            int n = ReadStream(_buffer.AsSpan(_end));
            if (n == 0)
            {
                _eof = true;
                return false;
            }
            _end += n;
        }
        return true;
    }

    /// <summary>The next <paramref name="count"/> unread bytes; call <see cref="Fill"/> first.</summary>
    internal ReadOnlySpan<byte> Peek(int count) => _buffer.AsSpan(_start, count);

    internal void Advance(int count) => _start += count;

    /// <summary>Skips <paramref name="count"/> bytes without holding them; false when the data ends first.</summary>
    internal bool Skip(long count)
    {
        while (count > 0)
        {
            if (Available == 0 && !Fill(1)) return false;
            int step = (int)Math.Min(count, Available);
            _start += step;
            count -= step;
        }
        return true;
    }

    private int ReadStream(Span<byte> destination)
    {
        try
        {
            return _stream.Read(destination);
        }
        catch (InvalidDataException e)
        {
            throw new FlowDataException(Name, _bufferOffset + _end, "the gzip data is corrupt: " + e.Message, e);
        }
    }

    public void Dispose()
    {
        _stream.Dispose();
        if (!ReferenceEquals(_stream, _progressStream)) _progressStream.Dispose();
    }

    internal static CaptureInput Create(string name, Stream raw, out bool compressed)
    {
        compressed = false;
        Span<byte> head = stackalloc byte[2];
        if (raw.CanSeek)
        {
            int n = raw.ReadAtLeast(head, 2, throwOnEndOfStream: false);
            raw.Seek(-n, SeekOrigin.Current);
            compressed = n == 2 && head[0] == 0x1F && head[1] == 0x8B;
            if (compressed)
                return new CaptureInput(name, new GZipStream(raw, CompressionMode.Decompress, leaveOpen: true), raw, compressed: true);
        }
        return new CaptureInput(name, raw, raw, compressed: false);
    }
}
