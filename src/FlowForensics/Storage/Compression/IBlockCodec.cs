namespace FlowForensics.Storage.Compression;

/// <summary>
/// One nfcapd block compression (spec §5). Decoding never writes past its destination and
/// never throws on bad bytes: it returns false, so the reader can report the block with its offset.
/// </summary>
internal interface IBlockCodec
{
    /// <summary>Decodes one whole stored payload into <paramref name="destination"/>; false when the bytes are not a valid stream or the result does not fit.</summary>
    bool TryDecode(ReadOnlySpan<byte> source, Span<byte> destination, out int written);

    /// <summary>The largest encoded size of <paramref name="length"/> input bytes.</summary>
    int MaxEncodedLength(int length);

    /// <summary>Encodes <paramref name="source"/> into <paramref name="destination"/> (at least <see cref="MaxEncodedLength"/> long); returns the encoded length.</summary>
    int Encode(ReadOnlySpan<byte> source, Span<byte> destination);
}

/// <summary>Picks the codec for a header's compression byte.</summary>
internal static class BlockCodecs
{
    internal static IBlockCodec? For(Nfcapd.NfcapdCompression compression) => compression switch
    {
        Nfcapd.NfcapdCompression.None => NoneBlockCodec.Instance,
        Nfcapd.NfcapdCompression.Lzo => LzoBlockCodec.Instance,
        Nfcapd.NfcapdCompression.Bzip2 => Bzip2BlockCodec.Instance,
        Nfcapd.NfcapdCompression.Lz4 => Lz4BlockCodec.Instance,
        Nfcapd.NfcapdCompression.Zstd => new ZstdBlockCodec(),
        _ => null,
    };
}

/// <summary>Compression 0: the payload is the records themselves.</summary>
internal sealed class NoneBlockCodec : IBlockCodec
{
    internal static readonly NoneBlockCodec Instance = new();

    public bool TryDecode(ReadOnlySpan<byte> source, Span<byte> destination, out int written)
    {
        if (source.Length > destination.Length) { written = 0; return false; }
        source.CopyTo(destination);
        written = source.Length;
        return true;
    }

    public int MaxEncodedLength(int length) => length;

    public int Encode(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        source.CopyTo(destination);
        return source.Length;
    }
}
