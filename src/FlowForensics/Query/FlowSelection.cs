using FlowForensics.Flows;

namespace FlowForensics.Query;

/// <summary>
/// Which records an analysis (top N, a hunt) counts: an nfdump filter (compiled once) and a window on the flow's start time,
/// both ends inclusive (<c>from ≤ Start ≤ to</c>). Unlike nfdump's <c>-t</c> (the whole flow inside the window),
/// a flow counts for the window in which it began, so adjacent windows never count a flow twice or drop one that
/// straddles their edge.
/// </summary>
public sealed class FlowSelection
{
    private readonly CompiledFilter? _filter;
    private readonly long _fromTicks, _toTicks;

    /// <param name="filter">Null or a match-all filter: every record.</param>
    /// <param name="startFrom">Earliest flow start counted (UTC; a local time is converted, an unspecified one taken as UTC); null = open.</param>
    /// <param name="startTo">Latest flow start counted, inclusive; null = open.</param>
    public FlowSelection(CompiledFilter? filter = null, DateTime? startFrom = null, DateTime? startTo = null)
    {
        _filter = filter is null || filter.IsTriviallyTrue ? null : filter;
        StartFrom = startFrom is { } f ? ToUtc(f) : null;
        StartTo = startTo is { } t ? ToUtc(t) : null;
        if (StartFrom is { } a && StartTo is { } b && b < a)
            throw new ArgumentException($"The window ends ({b:o}) before it starts ({a:o}).", nameof(startTo));
        _fromTicks = StartFrom?.Ticks ?? long.MinValue;
        _toTicks = StartTo?.Ticks ?? long.MaxValue;
    }

    /// <summary>Every record.</summary>
    public static FlowSelection All { get; } = new();

    public CompiledFilter? Filter => _filter;

    public DateTime? StartFrom { get; }

    public DateTime? StartTo { get; }

    /// <summary>True when nothing is filtered out.</summary>
    public bool IsAll => _filter is null && StartFrom is null && StartTo is null;

    /// <summary>The window as a <see cref="TimeWindow"/> for selecting files (a file whose first/last seen overlap it may hold such flows).</summary>
    public TimeWindow FileWindow => new(StartFrom, StartTo);

    public bool Accepts(FlowRecord flow)
    {
        long start = flow.Start.Ticks;
        return start >= _fromTicks && start <= _toTicks && (_filter is null || _filter.Matches(flow));
    }

    private static DateTime ToUtc(DateTime t) => t.Kind switch
    {
        DateTimeKind.Local => t.ToUniversalTime(),
        DateTimeKind.Unspecified => DateTime.SpecifyKind(t, DateTimeKind.Utc),
        _ => t,
    };
}
