using System.Globalization;
using System.Management.Automation;

namespace FlowForensics.PowerShell.Infrastructure;

/// <summary>
/// Turns a -Start/-End argument into a UTC <see cref="DateTime"/>: a DateTime (a local one is converted, an
/// unspecified one is taken as UTC), a DateTimeOffset, or text: ISO 8601 (<c>2024-07-11T09:15</c>,
/// <c>2024-07-11 09:15:30.250</c>, <c>2024-07-11T09:15Z</c>, <c>2024-07-11T11:15+02:00</c>) or nfdump's
/// <c>2024/07/11.09:15:30</c> with trailing parts omissible. Text without a zone or offset is UTC.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class TimeWindowArgumentAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        object? value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        switch (value)
        {
            case null:
                return null!;
            case DateTime time:
                return TimeWindowArgument.ToUtc(time);
            case DateTimeOffset offset:
                return offset.UtcDateTime;
            case string text when TimeWindowArgument.TryParse(text, out var utc):
                return utc;
            case string text:
                throw new ArgumentTransformationMetadataException(
                    $"'{text}' is not a time. Use ISO 8601 such as 2024-07-11T09:15:00 (UTC unless it ends in Z or an offset such as +02:00), nfdump's 2024/07/11.09:15:00, or a DateTime.");
            default:
                throw new ArgumentTransformationMetadataException($"A time is needed, not a {value.GetType().Name}.");
        }
    }
}

/// <summary>Parsing and normalising of time arguments (see <see cref="TimeWindowArgumentAttribute"/>).</summary>
internal static class TimeWindowArgument
{
    private static readonly string[] NfdumpFormats =
    [
        "yyyy/MM/dd.HH:mm:ss.fff", "yyyy/MM/dd.HH:mm:ss", "yyyy/MM/dd.HH:mm", "yyyy/MM/dd.HH", "yyyy/MM/dd",
    ];

    private const DateTimeStyles Utc = DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces;

    public static bool TryParse(string text, out DateTime utc)
    {
        var ci = CultureInfo.InvariantCulture;
        string t = text.Trim();
        if (DateTime.TryParseExact(t, NfdumpFormats, ci, Utc, out utc) || DateTime.TryParse(t, ci, Utc, out utc))
        {
            utc = DateTime.SpecifyKind(utc, DateTimeKind.Utc);
            return true;
        }
        return false;
    }

    public static DateTime ToUtc(DateTime time) => time.Kind switch
    {
        DateTimeKind.Local => time.ToUniversalTime(),
        DateTimeKind.Unspecified => DateTime.SpecifyKind(time, DateTimeKind.Utc),
        _ => time,
    };
}
