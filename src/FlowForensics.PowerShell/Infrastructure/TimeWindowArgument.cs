using System.Globalization;
using System.Management.Automation;
using FlowForensics.Flows;

namespace FlowForensics.PowerShell.Infrastructure;

/// <summary>
/// -Start/-End for any cmdlet that reads flows, with nfdump's <c>-t</c> semantics (<see cref="TimeWindow"/>).
/// Values are UTC unless they say otherwise:
/// <list type="bullet">
/// <item>a DateTime of Kind Utc is taken as is, of Kind Local (Get-Date) is converted to UTC, of Kind Unspecified
/// ([datetime]'2024-01-02 10:00') is taken as UTC;</item>
/// <item>a DateTimeOffset is converted to UTC;</item>
/// <item>text is ISO 8601 (2024-01-02T10:00:00, 2024-01-02 10:00, with Z or an offset such as +02:00 when the
/// time is not UTC) or nfdump's own form (2024/01/02.10:00:00, 2024/01/02.10:00, 2024/01/02); text without a
/// zone is UTC.</item>
/// </list>
/// The parameter is declared <c>DateTime?</c> with <see cref="FlowTimeTransformationAttribute"/>, so PowerShell's own
/// string conversion (which would make text with an offset a Local time) never runs.
/// </summary>
internal static class TimeWindowArgument
{
    private static readonly string[] NfdumpFormats =
    [
        "yyyy/MM/dd.HH:mm:ss.fff", "yyyy/MM/dd.HH:mm:ss", "yyyy/MM/dd.HH:mm", "yyyy/MM/dd.HH", "yyyy/MM/dd", "yyyy/MM",
    ];

    /// <summary>The window for -Start/-End; an end before the start is a terminating error (TimeWindowInvalid).</summary>
    public static TimeWindow Create(Cmdlet cmdlet, DateTime? start, DateTime? end)
    {
        var s = start is { } a ? ToUtc(a) : (DateTime?)null;
        var e = end is { } b ? ToUtc(b) : (DateTime?)null;
        if (s is { } ss && e is { } ee && ee < ss)
        {
            cmdlet.ThrowTerminatingError(new ErrorRecord(
                new ArgumentException($"-End {ee:yyyy-MM-dd HH:mm:ss.fff}Z is before -Start {ss:yyyy-MM-dd HH:mm:ss.fff}Z."),
                ErrorIds.TimeWindowInvalid, ErrorCategory.InvalidArgument, end));
        }
        return new TimeWindow(s, e);
    }

    /// <summary>UTC as documented: Local is converted, Unspecified is taken as UTC.</summary>
    public static DateTime ToUtc(DateTime t) => t.Kind switch
    {
        DateTimeKind.Local => t.ToUniversalTime(),
        DateTimeKind.Unspecified => DateTime.SpecifyKind(t, DateTimeKind.Utc),
        _ => t,
    };

    /// <summary>Parses ISO 8601 or nfdump's -t form; text without a zone is UTC. The result has Kind Utc.</summary>
    public static bool TryParse(string text, out DateTime utc)
    {
        string s = text.Trim();
        if (DateTime.TryParseExact(s, NfdumpFormats, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out utc))
            return true;
        if (s.Length >= 10 && char.IsAsciiDigit(s[0]) && s[4] == '-'
            && DateTime.TryParse(s, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal | DateTimeStyles.AllowWhiteSpaces, out utc))
            return true;
        utc = default;
        return false;
    }
}

/// <summary>Converts a -Start/-End argument to a UTC DateTime as <see cref="TimeWindowArgument"/> documents.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
internal sealed class FlowTimeTransformationAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        object? value = inputData is PSObject p ? p.BaseObject : inputData;
        return value switch
        {
            null => null,
            DateTime d => TimeWindowArgument.ToUtc(d),
            DateTimeOffset o => o.UtcDateTime,
            string s when TimeWindowArgument.TryParse(s, out var t) => t,
            string s => throw new ArgumentTransformationMetadataException(
                $"'{s}' is not a time. Use ISO 8601 (2024-01-02T10:00:00, UTC unless it ends in Z or an offset such as +02:00), nfdump's form (2024/01/02.10:00:00) or a DateTime."),
            _ => inputData,
        };
    }
}
