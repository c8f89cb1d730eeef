namespace FlowForensics.Reporting;

/// <summary>What an Export-FlowReport workbook holds and its bounds.</summary>
public sealed record FlowReportOptions
{
    /// <summary>Rows of each top-N sheet.</summary>
    public int Top { get; init; } = 20;

    /// <summary>Flows listed on the Flows sheet at most (the earliest by start); 0, the default, writes no Flows sheet.</summary>
    public int FlowListLimit { get; init; }

    /// <summary>Source hosts listed per hour on the Timeline (the busiest by bytes; the rest share one row).</summary>
    public int TimelineHostsPerHour { get; init; } = 10;

    /// <summary>Rows of each findings or objects sheet at most; the rest are counted and the summary says so.</summary>
    public int SheetRowLimit { get; init; } = 100_000;

    /// <summary>Buckets of the traffic chart at most (the bucket widens to fit the evidence's span).</summary>
    public int TrafficBuckets { get; init; } = 1440;

    /// <summary>A case name or title shown at the top of the summary; null for none.</summary>
    public string? Title { get; init; }

    /// <summary>The settings of the report's hunts: inside networks, exclusions, minimum score, each hunt's thresholds.</summary>
    public HuntSettings Hunts { get; init; } = new();

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first bad value.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Top, 1, nameof(Top));
        ArgumentNullException.ThrowIfNull(Hunts, nameof(Hunts));
        ArgumentOutOfRangeException.ThrowIfNegative(FlowListLimit, nameof(FlowListLimit));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(FlowListLimit, ExcelLimits.MaxDataRows, nameof(FlowListLimit));
        ArgumentOutOfRangeException.ThrowIfNegative(TimelineHostsPerHour, nameof(TimelineHostsPerHour));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(TimelineHostsPerHour, 1000, nameof(TimelineHostsPerHour));
        ArgumentOutOfRangeException.ThrowIfLessThan(SheetRowLimit, 1, nameof(SheetRowLimit));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(SheetRowLimit, ExcelLimits.MaxDataRows, nameof(SheetRowLimit));
        ArgumentOutOfRangeException.ThrowIfLessThan(TrafficBuckets, 2, nameof(TrafficBuckets));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(TrafficBuckets, 100_000, nameof(TrafficBuckets));
    }
}

/// <summary>The spreadsheet format's own bounds.</summary>
public static class ExcelLimits
{
    /// <summary>Rows of a sheet (1,048,576) less the header row.</summary>
    public const int MaxDataRows = 1_048_575;

    /// <summary>Characters of a cell; longer text is cut and ends with an ellipsis.</summary>
    public const int MaxCellText = 32_767;

    /// <summary>Characters of a sheet name.</summary>
    public const int MaxSheetName = 31;
}
