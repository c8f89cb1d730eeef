namespace FlowForensics.Storage.Compression;

/// <summary>
/// Compression 1: raw LZO1X (spec §5.2). The decoder is written from the spec and checks every length and
/// distance against both buffers. The encoder writes the "stored" form (one literal run and the end marker),
/// which every LZO1X decoder accepts; it does not compress.
/// </summary>
internal sealed class LzoBlockCodec : IBlockCodec
{
    internal static readonly LzoBlockCodec Instance = new();


    public bool TryDecode(ReadOnlySpan<byte> source, Span<byte> destination, out int written)
    {
        written = 0;
        int ip = 0, op = 0, state;
        if (source.Length == 0) return false;

        if (source[0] > 17)
        {
            int n = source[0] - 17;
            ip = 1;
            if (!CopyLiterals(source, ref ip, destination, ref op, n)) return false;
            state = n >= 4 ? 4 : n;
        }
        else
        {
            state = 0;
        }

        while (true)
        {
            if (ip >= source.Length) return false;
            int t = source[ip++];
            int length, distance, trailing;
            if (t < 16)
            {
                if (state == 0)
                {
                    int run = t;
                    if (run == 0)
                    {
                        if (!TryExtend(source, ref ip, 15, out run)) return false;
                    }
                    if (!CopyLiterals(source, ref ip, destination, ref op, run + 3)) return false;
                    state = 4;
                    continue;
                }
                if (ip >= source.Length) return false;
                int next = source[ip++];
                if (state == 4)
                {
                    length = 3;
                    distance = 2049 + (next << 2) + ((t >> 2) & 3);
                }
                else
                {
                    length = 2;
                    distance = 1 + (next << 2) + ((t >> 2) & 3);
                }
                trailing = t & 3;
            }
            else if (t < 32)
            {
                length = t & 7;
                if (length == 0 && !TryExtend(source, ref ip, 7, out length)) return false;
                length += 2;
                if (ip + 2 > source.Length) return false;
                int v = source[ip] | (source[ip + 1] << 8);
                ip += 2;
                distance = 16384 + ((t & 8) << 11) + (v >> 2);
                if (distance == 16384)
                {
                    written = op;
                    return true;
                }
                trailing = v & 3;
            }
            else if (t < 64)
            {
                length = t & 31;
                if (length == 0 && !TryExtend(source, ref ip, 31, out length)) return false;
                length += 2;
                if (ip + 2 > source.Length) return false;
                int v = source[ip] | (source[ip + 1] << 8);
                ip += 2;
                distance = 1 + (v >> 2);
                trailing = v & 3;
            }
            else
            {
                length = t < 128 ? 3 + ((t >> 5) & 1) : 5 + ((t >> 5) & 3);
                if (ip >= source.Length) return false;
                distance = 1 + (source[ip++] << 3) + ((t >> 2) & 7);
                trailing = t & 3;
            }

            if (distance > op || length > destination.Length - op) return false;
            for (int i = 0; i < length; i++, op++)
                destination[op] = destination[op - distance];
            if (!CopyLiterals(source, ref ip, destination, ref op, trailing)) return false;
            state = trailing;
        }
    }

    /// <summary>"Base B, extended": zero bytes add 255 each, the first non-zero byte ends the run.</summary>
    private static bool TryExtend(ReadOnlySpan<byte> source, ref int ip, int baseValue, out int value)
    {
        long total = baseValue;
        while (true)
        {
            if (ip >= source.Length) { value = 0; return false; }
            byte b = source[ip++];
            if (b != 0)
            {
                total += b;
                break;
            }
            total += 255;
            if (total > int.MaxValue / 2) { value = 0; return false; }
        }
        value = (int)total;
        return true;
    }

    private static bool CopyLiterals(ReadOnlySpan<byte> source, ref int ip, Span<byte> destination, ref int op, int count)
    {
        if (count > source.Length - ip || count > destination.Length - op) return false;
        source.Slice(ip, count).CopyTo(destination[op..]);
        ip += count;
        op += count;
        return true;
    }

    public int MaxEncodedLength(int length) => length + length / 255 + 16;

    public int Encode(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        int op = 0;
        int n = source.Length;
        if (n == 0) throw new ArgumentException("LZO stored form needs at least one byte.", nameof(source));
        if (n <= 238)
        {
            destination[op++] = (byte)(17 + n);
        }
        else
        {
            destination[op++] = 0;
            int rest = n - 18;
            while (rest > 255)
            {
                destination[op++] = 0;
                rest -= 255;
            }
            destination[op++] = (byte)rest;
        }
        source.CopyTo(destination[op..]);
        op += n;
        destination[op++] = 0x11;
        destination[op++] = 0;
        destination[op++] = 0;
        return op;
    }
}
