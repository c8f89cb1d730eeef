namespace FlowForensics.Flows;

/// <summary>
/// A time window over flows, with nfdump's <c>-t start-end</c> semantics: a flow is in the window when it lies
/// entirely inside it, i.e. its first packet is at or after <see cref="Start"/> and its last packet is at or before
/// <see cref="End"/> (both ends inclusive, millisecond times as stored). A null end is open.
/// </summary>
/// <remarks>
/// nfdump compares <c>msecFirst &lt; twin_start || msecLast &gt; twin_end</c> to drop a record, so a flow that
/// straddles an edge is not in the window. Files are selected with <see cref="Overlaps"/> (any overlap of the
/// file's first/last seen with the window), because a file overlapping the window may hold flows inside it.
/// Times are UTC; a <see cref="DateTimeKind.Local"/> value is converted, an unspecified one is taken as UTC.
/// </remarks>
public readonly record struct TimeWindow
{
    public TimeWindow(DateTime? start, DateTime? end)
    {
        Start = start is { } s ? ToUtc(s) : null;
        End = end is { } e ? ToUtc(e) : null;
        if (Start is { } a && End is { } b && b < a)
            throw new ArgumentException($"window end {b:o} is before its start {a:o}", nameof(end));
    }

    /// <summary>Inclusive start (UTC); null = from the beginning.</summary>
    public DateTime? Start { get; }

    /// <summary>Inclusive end (UTC); null = to the end.</summary>
    public DateTime? End { get; }

    /// <summary>True when neither end is set.</summary>
    public bool IsUnbounded => Start is null && End is null;

    /// <summary>nfdump's -t test: the whole flow (Start..End) lies inside the window.</summary>
    public bool Contains(FlowRecord flow) =>
        (Start is not { } s || flow.Start >= s) && (End is not { } e || flow.End <= e);

    /// <summary>True when [first, last] touches the window at all (for selecting files).</summary>
    public bool Overlaps(DateTime first, DateTime last) =>
        (Start is not { } s || last >= s) && (End is not { } e || first <= e);

    public override string ToString() => $"{Start?.ToString("o") ?? "-"} .. {End?.ToString("o") ?? "-"}";

    private static DateTime ToUtc(DateTime t) => t.Kind switch
    {
        DateTimeKind.Local => t.ToUniversalTime(),
        DateTimeKind.Unspecified => DateTime.SpecifyKind(t, DateTimeKind.Utc),
        _ => t,
    };
}
