using System.Globalization;
using System.Management.Automation;

namespace FlowForensics.PowerShell.Infrastructure;

/// <summary>
/// A TimeSpan parameter that also takes the short forms responders type: <c>30s</c>, <c>5m</c>, <c>1h</c>, <c>1d</c>,
/// <c>250ms</c> and combinations such as <c>1h30m</c>; a bare number is seconds (as nfcapd's <c>-t</c>), never ticks.
/// TimeSpan values and TimeSpan text (<c>00:05:00</c>, <c>1.00:00:00</c>) pass through unchanged.
/// </summary>
internal sealed class FlowDurationTransformationAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        object? value = inputData is PSObject p ? p.BaseObject : inputData;
        return value switch
        {
            null => null,
            TimeSpan t => t,
            int or long or short or byte or uint or ulong or ushort => TimeSpan.FromSeconds(Convert.ToDouble(value, CultureInfo.InvariantCulture)),
            double d => TimeSpan.FromSeconds(d),
            string s when TryParse(s, out var t) => t,
            string s => throw new ArgumentTransformationMetadataException(
                $"'{s}' is not a duration. Use 30s, 5m, 1h, 1d, 250ms, a combination such as 1h30m, a number of seconds, or a TimeSpan (00:05:00)."),
            _ => inputData,
        };
    }

    /// <summary>Parses <c>1h30m</c>-style text, a number of seconds, or TimeSpan text.</summary>
    public static bool TryParse(string text, out TimeSpan value)
    {
        value = default;
        string t = text.Trim();
        if (t.Length == 0) return false;
        if (double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds))
        {
            if (double.IsNaN(seconds) || Math.Abs(seconds) > TimeSpan.MaxValue.TotalSeconds) return false;
            value = TimeSpan.FromSeconds(seconds);
            return true;
        }
        if (t.Contains(':') && TimeSpan.TryParse(t, CultureInfo.InvariantCulture, out value)) return true;
        double total = 0;
        int i = 0;
        while (i < t.Length)
        {
            int start = i;
            while (i < t.Length && (char.IsAsciiDigit(t[i]) || t[i] == '.')) i++;
            if (i == start || !double.TryParse(t.AsSpan(start, i - start), NumberStyles.Float, CultureInfo.InvariantCulture, out double n)) return false;
            int unitStart = i;
            while (i < t.Length && char.IsAsciiLetter(t[i])) i++;
            double unit = t[unitStart..i].ToLowerInvariant() switch
            {
                "ms" => 0.001,
                "s" or "sec" => 1,
                "m" or "min" => 60,
                "h" or "hr" => 3600,
                "d" => 86400,
                "w" => 604800,
                _ => double.NaN,
            };
            if (double.IsNaN(unit)) return false;
            total += n * unit;
        }
        if (total > TimeSpan.MaxValue.TotalSeconds) return false;
        value = TimeSpan.FromSeconds(total);
        return true;
    }
}
