using System.Numerics;

namespace FlowForensics.Analysis.Statistics;

/// <summary>
/// A HyperLogLog cardinality estimator with 2^<see cref="PrecisionBits"/> one-byte registers (4 KiB),
/// standard error ≈ 1.04/√4096 ≈ 1.6 %, with the small-range (linear counting) correction.
/// Values are hashed by the caller-independent 64-bit mixer <see cref="Hash"/>.
/// </summary>
public sealed class HyperLogLog
{
    /// <summary>Register index bits: 4096 registers.</summary>
    public const int PrecisionBits = 12;
    private const int RegisterCount = 1 << PrecisionBits;
    private readonly byte[] _registers = new byte[RegisterCount];

    public void Add(UInt128 value)
    {
        ulong h = Hash(value);
        int index = (int)(h >> (64 - PrecisionBits));
        ulong rest = (h << PrecisionBits) | (1UL << (PrecisionBits - 1));
        byte rank = (byte)(BitOperations.LeadingZeroCount(rest) + 1);
        if (rank > _registers[index]) _registers[index] = rank;
    }

    /// <summary>The union with another estimator: each register keeps the larger rank.</summary>
    public void Merge(HyperLogLog other)
    {
        ArgumentNullException.ThrowIfNull(other);
        for (int i = 0; i < RegisterCount; i++)
            if (other._registers[i] > _registers[i]) _registers[i] = other._registers[i];
    }

    public long Estimate()
    {
        double sum = 0;
        int zeros = 0;
        foreach (byte r in _registers)
        {
            sum += 1.0 / (1UL << r);
            if (r == 0) zeros++;
        }
        const double alpha = 0.7213 / (1 + 1.079 / RegisterCount);
        double estimate = alpha * RegisterCount * RegisterCount / sum;
        if (estimate <= 2.5 * RegisterCount && zeros != 0)
            estimate = RegisterCount * Math.Log((double)RegisterCount / zeros);
        return (long)Math.Round(estimate);
    }

    /// <summary>A 64-bit mix of both halves (splitmix64 finaliser), so nearby addresses spread over all registers.</summary>
    public static ulong Hash(UInt128 value)
    {
        ulong x = Mix((ulong)(value >> 64) ^ 0x9E3779B97F4A7C15UL);
        return Mix(x ^ (ulong)value);
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
