namespace FlowForensics.Capture;

/// <summary>Capture timestamps to <see cref="DateTime"/> (UTC, 100 ns ticks), clamped to DateTime's range.</summary>
internal static class CaptureTime
{
    private const long TicksPerSecond = TimeSpan.TicksPerSecond;
    private static readonly long EpochTicks = DateTime.UnixEpoch.Ticks;
    private static readonly long MaxUnixTicks = DateTime.MaxValue.Ticks - DateTime.UnixEpoch.Ticks;

    /// <summary>pcap: unsigned seconds (good to 2106) and a micro- or nanosecond fraction.</summary>
    internal static DateTime FromPcap(uint seconds, uint fraction, bool nanosecond)
    {
        long ticks = seconds * TicksPerSecond + (nanosecond ? fraction / 100 : fraction * 10L);
        return new DateTime(EpochTicks + ticks, DateTimeKind.Utc);
    }

    /// <summary>
    /// pcapng: a 64-bit count of units since the epoch. <paramref name="resolution"/> is if_tsresol
    /// (high bit clear: 10^-n, set: 2^-n); <paramref name="offsetSeconds"/> is if_tsoffset.
    /// </summary>
    internal static DateTime FromPcapNg(ulong units, byte resolution, long offsetSeconds)
    {
        int exponent = resolution & 0x7F;
        UInt128 ticks;
        if ((resolution & 0x80) != 0)
        {
            ticks = ((UInt128)units * (ulong)TicksPerSecond) >> exponent;
        }
        else if (exponent <= 7)
        {
            ticks = (UInt128)units * Pow10(7 - exponent);
        }
        else
        {
            ticks = exponent - 7 > 19 ? 0 : units / Pow10(exponent - 7);
        }
        Int128 total = (Int128)ticks + (Int128)offsetSeconds * TicksPerSecond;
        if (total < 0) total = 0;
        if (total > MaxUnixTicks) total = MaxUnixTicks;
        return new DateTime(EpochTicks + (long)total, DateTimeKind.Utc);
    }

    private static ulong Pow10(int n)
    {
        ulong v = 1;
        for (int i = 0; i < n; i++) v *= 10;
        return v;
    }
}
