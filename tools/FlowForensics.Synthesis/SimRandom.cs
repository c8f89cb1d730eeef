namespace FlowForensics.Synthesis;

/// <summary>
/// xoshiro256** seeded through SplitMix64: fast, and the same sequence on every runtime and platform
/// (System.Random's seeded algorithm is an implementation detail we do not rely on).
/// </summary>
internal sealed class SimRandom
{
    private ulong _s0, _s1, _s2, _s3;

    public SimRandom(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A child generator whose sequence does not depend on how much this one is used later.</summary>
    public SimRandom Fork() => new(NextUInt64());

    public uint NextUInt32() => (uint)(NextUInt64() >> 32);

    /// <summary>Uniform in [0, maxExclusive).</summary>
    public int Next(int maxExclusive) => maxExclusive <= 1 ? 0 : (int)((NextUInt64() >> 33) % (ulong)maxExclusive);

    /// <summary>Uniform in [min, maxExclusive).</summary>
    public int Next(int min, int maxExclusive) => min + Next(maxExclusive - min);

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    public double Uniform(double min, double max) => min + (max - min) * NextDouble();

    public bool Chance(double probability) => NextDouble() < probability;

    /// <summary>Exponential with the given mean.</summary>
    public double Exponential(double mean) => -mean * Math.Log(1.0 - NextDouble());

    /// <summary>Pareto with scale <paramref name="scale"/> and shape <paramref name="alpha"/> (heavy tail).</summary>
    public double Pareto(double scale, double alpha) => scale / Math.Pow(1.0 - NextDouble(), 1.0 / alpha);

    /// <summary>An ephemeral source port in the IANA dynamic range.</summary>
    public ushort EphemeralPort() => (ushort)(49152 + Next(16384));
}
