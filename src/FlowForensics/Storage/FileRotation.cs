using System.Globalization;

namespace FlowForensics.Storage;

/// <summary>
/// nfcapd's file naming: <c>nfcapd.YYYYMMDDhhmm</c> for the start of each rotation slot, or
/// <c>nfcapd.YYYYMMDDhhmmss</c> when the slot is shorter than a minute (spec §13.2). We name slots in UTC
/// (nfcapd uses the collector's local time unless told otherwise), so names mean the same on every machine.
/// </summary>
public static class FileRotation
{
    public const string Prefix = "nfcapd.";

    /// <summary>The file name of the slot starting at <paramref name="slotStartUtc"/>; seconds are included when they are not zero.</summary>
    public static string FileNameFor(DateTime slotStartUtc) =>
        FileNameFor(slotStartUtc, slotStartUtc.Second != 0 ? TimeSpan.FromSeconds(1) : TimeSpan.FromMinutes(1));

    /// <summary>The file name of a slot of length <paramref name="rotateEvery"/>: seconds are included when the slot is under 60 s.</summary>
    public static string FileNameFor(DateTime slotStartUtc, TimeSpan rotateEvery)
    {
        var t = slotStartUtc.Kind == DateTimeKind.Local ? slotStartUtc.ToUniversalTime() : slotStartUtc;
        string format = rotateEvery < TimeSpan.FromMinutes(1) ? "yyyyMMddHHmmss" : "yyyyMMddHHmm";
        return Prefix + t.ToString(format, CultureInfo.InvariantCulture);
    }

    /// <summary>The start of the slot holding <paramref name="timeUtc"/>: slots are aligned to the epoch (as nfcapd aligns to the interval).</summary>
    public static DateTime SlotStart(DateTime timeUtc, TimeSpan rotateEvery)
    {
        if (rotateEvery < TimeSpan.FromSeconds(1))
            throw new ArgumentOutOfRangeException(nameof(rotateEvery), rotateEvery, "rotation interval must be at least one second");
        var t = timeUtc.Kind == DateTimeKind.Local ? timeUtc.ToUniversalTime() : timeUtc;
        long ticks = t.Ticks - DateTime.UnixEpoch.Ticks;
        long slot = rotateEvery.Ticks;
        long start = ticks >= 0 ? ticks - ticks % slot : ticks - ((ticks % slot) + slot) % slot;
        return new DateTime(DateTime.UnixEpoch.Ticks + start, DateTimeKind.Utc);
    }

    /// <summary>Parses the time in an nfcapd file name (<c>nfcapd.YYYYMMDDhhmm[ss][±hhmm]</c>); false when the name has none.</summary>
    public static bool TryParseFileName(string fileName, out DateTime slotStartUtc)
    {
        slotStartUtc = default;
        int dot = fileName.LastIndexOf('.');
        ReadOnlySpan<char> s = fileName.AsSpan(dot + 1);
        TimeSpan offset = TimeSpan.Zero;
        int sign = s.IndexOfAny('+', '-');
        if (sign > 0)
        {
            var z = s[(sign + 1)..];
            if (z.Length != 4 || !int.TryParse(z[..2], NumberStyles.None, CultureInfo.InvariantCulture, out int hh)
                || !int.TryParse(z[2..], NumberStyles.None, CultureInfo.InvariantCulture, out int mm))
                return false;
            offset = new TimeSpan(hh, mm, 0) * (s[sign] == '-' ? -1 : 1);
            s = s[..sign];
        }
        string? format = s.Length switch { 12 => "yyyyMMddHHmm", 14 => "yyyyMMddHHmmss", _ => null };
        if (format is null || !DateTime.TryParseExact(s, format, CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t))
            return false;
        slotStartUtc = DateTime.SpecifyKind(t - offset, DateTimeKind.Utc);
        return true;
    }
}
