using K4os.Compression.LZ4;

namespace FlowForensics.Storage.Compression;

/// <summary>Compression 3: one raw LZ4 block (spec §5.1), no frame, no sizes.</summary>
internal sealed class Lz4BlockCodec : IBlockCodec
{
    internal static readonly Lz4BlockCodec Instance = new();

    public bool TryDecode(ReadOnlySpan<byte> source, Span<byte> destination, out int written)
    {
        written = source.Length == 0 ? -1 : LZ4Codec.Decode(source, destination);
        if (written < 0) { written = 0; return false; }
        return true;
    }

    public int MaxEncodedLength(int length) => LZ4Codec.MaximumOutputSize(length);

    public int Encode(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        int n = LZ4Codec.Encode(source, destination, LZ4Level.L00_FAST);
        if (n <= 0) throw new InvalidOperationException("LZ4 encoding failed.");
        return n;
    }
}
