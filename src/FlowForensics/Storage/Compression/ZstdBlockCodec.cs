using ZstdSharp;

namespace FlowForensics.Storage.Compression;

/// <summary>Compression 4 (nfdump 1.7.3+ with libzstd): one zstd frame. Debian's nfdump 1.7.1 cannot read it.</summary>
internal sealed class ZstdBlockCodec : IBlockCodec, IDisposable
{
    private Decompressor? _decompressor;
    private Compressor? _compressor;

    public bool TryDecode(ReadOnlySpan<byte> source, Span<byte> destination, out int written)
    {
        try
        {
            _decompressor ??= new Decompressor();
            written = _decompressor.Unwrap(source, destination);
            return true;
        }
        catch (ZstdException)
        {
            written = 0;
            return false;
        }
    }

    public int MaxEncodedLength(int length) => Compressor.GetCompressBound(length);

    public int Encode(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        _compressor ??= new Compressor(3);
        return _compressor.Wrap(source, destination);
    }

    public void Dispose()
    {
        _decompressor?.Dispose();
        _compressor?.Dispose();
    }
}
