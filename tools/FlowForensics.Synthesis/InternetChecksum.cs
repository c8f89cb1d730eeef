using System.Buffers.Binary;

namespace FlowForensics.Synthesis;

/// <summary>RFC 1071 one's-complement sums.</summary>
internal static class InternetChecksum
{
    /// <summary>Unfolded sum of the big-endian 16-bit words of <paramref name="data"/> (odd tail padded with zero).</summary>
    public static ulong Sum(ReadOnlySpan<byte> data, ulong sum = 0)
    {
        int i = 0;
        for (; i + 8 <= data.Length; i += 8)
        {
            ulong v = BinaryPrimitives.ReadUInt64BigEndian(data.Slice(i, 8));
            sum += (v >> 48) + ((v >> 32) & 0xFFFF) + ((v >> 16) & 0xFFFF) + (v & 0xFFFF);
        }
        for (; i + 2 <= data.Length; i += 2)
            sum += BinaryPrimitives.ReadUInt16BigEndian(data.Slice(i, 2));
        if (i < data.Length)
            sum += (ulong)data[i] << 8;
        return sum;
    }

    /// <summary>Folds an unfolded sum to 16 bits and complements it.</summary>
    public static ushort Finish(ulong sum)
    {
        while ((sum >> 16) != 0)
            sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)~sum;
    }

    public static ushort Compute(ReadOnlySpan<byte> data) => Finish(Sum(data));
}
