using ICSharpCode.SharpZipLib.BZip2;

namespace FlowForensics.Storage.Compression;

/// <summary>Compression 2: one complete bzip2 stream per block (spec §5.3), through SharpZipLib.</summary>
internal sealed class Bzip2BlockCodec : IBlockCodec
{
    internal static readonly Bzip2BlockCodec Instance = new();

    public bool TryDecode(ReadOnlySpan<byte> source, Span<byte> destination, out int written)
    {
        written = 0;
        try
        {
            using var input = new MemoryStream(source.ToArray(), writable: false);
            using var bz = new BZip2InputStream(input) { IsStreamOwner = false };
            while (written < destination.Length)
            {
                int n = bz.Read(destination[written..]);
                if (n <= 0) return written > 0;
                written += n;
            }
            // Destination full: valid only if the stream has nothing more to give.
            Span<byte> probe = stackalloc byte[1];
            return bz.Read(probe) <= 0;
        }
        catch (Exception e) when (e is BZip2Exception or ICSharpCode.SharpZipLib.SharpZipBaseException or IOException
                                     or IndexOutOfRangeException or ArgumentException or InvalidOperationException
                                     or EndOfStreamException or OverflowException)
        {
            written = 0;
            return false;
        }
    }

    public int MaxEncodedLength(int length) => length + length / 100 + 1024;

    public int Encode(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        using var output = new MemoryStream(MaxEncodedLength(source.Length));
        using (var bz = new BZip2OutputStream(output, 9) { IsStreamOwner = false })
            bz.Write(source);
        var bytes = output.GetBuffer().AsSpan(0, (int)output.Length);
        bytes.CopyTo(destination);
        return bytes.Length;
    }
}
