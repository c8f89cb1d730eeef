namespace FlowForensics.Storage.Nfcapd;

/// <summary>Milliseconds since the epoch (spec §2) to and from UTC <see cref="DateTime"/>, clamped instead of throwing on absurd values.</summary>
internal static class NfcapdTime
{
    private const ulong MaxMilliseconds = 253_402_300_799_999UL; // 9999-12-31 23:59:59.999

    internal static DateTime FromMilliseconds(ulong msec) => new(TicksFromMilliseconds(msec), DateTimeKind.Utc);

    /// <summary>The ticks of <see cref="FromMilliseconds"/>'s time.</summary>
    internal static long TicksFromMilliseconds(ulong msec) =>
        msec > MaxMilliseconds ? DateTime.MaxValue.Ticks : DateTime.UnixEpoch.Ticks + (long)msec * TimeSpan.TicksPerMillisecond;

    internal static ulong ToMilliseconds(DateTime time)
    {
        if (time.Kind == DateTimeKind.Local) time = time.ToUniversalTime();
        long ticks = time.Ticks - DateTime.UnixEpoch.Ticks;
        return ticks <= 0 ? 0 : (ulong)(ticks / TimeSpan.TicksPerMillisecond);
    }
}
