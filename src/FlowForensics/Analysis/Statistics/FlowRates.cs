namespace FlowForensics.Analysis.Statistics;

/// <summary>
/// nfdump's rate formulas (src/nfdump/nfstat.c, element statistics), so our figures print the same numbers:
/// duration = (last − first) in seconds as a double; pps = ⌊packets / duration⌋, bps = ⌊8·bytes / duration⌋,
/// both 0 when the duration is 0; bpp = ⌊bytes / packets⌋, 0 when there are no packets.
/// </summary>
public static class FlowRates
{
    /// <summary>The span in seconds, computed through milliseconds as nfdump does (exact for millisecond times).</summary>
    public static double DurationSeconds(long durationTicks) =>
        durationTicks <= 0 ? 0 : durationTicks / (double)TimeSpan.TicksPerMillisecond / 1000.0;

    public static long PacketsPerSecond(long packets, long durationTicks)
    {
        double seconds = DurationSeconds(durationTicks);
        return seconds == 0 ? 0 : (long)(packets / seconds);
    }

    public static long BitsPerSecond(long bytes, long durationTicks)
    {
        double seconds = DurationSeconds(durationTicks);
        return seconds == 0 ? 0 : (long)(8.0 * bytes / seconds);
    }

    public static long BytesPerPacket(long bytes, long packets) => packets == 0 ? 0 : bytes / packets;

    /// <summary>100·part/total, 0 when the total is 0.</summary>
    public static double Percent(long part, long total) => total == 0 ? 0 : part * 100.0 / total;
}
