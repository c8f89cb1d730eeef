using FlowForensics.Flows;

namespace FlowForensics.Query;

/// <summary>
/// Which flows a query keeps, for every consumer alike (Get-FlowRecord, Measure-FlowTopN, the hunts, the baselines,
/// the report): a time window, an nfdump filter (compiled once), sampling scaling and an exclusion, applied in this
/// one order (<see cref="Apply"/>):
/// <list type="number">
/// <item>the window, nfdump's <c>-t</c> reading (<see cref="TimeWindow.Contains"/>): the flow lies inside it, its first
/// packet at or after <see cref="Start"/> and its last at or before <see cref="End"/>, both ends inclusive; a flow
/// that straddles either edge is left out;</item>
/// <item>with <see cref="ScaleBySampling"/>, the counters multiplied by the flow's sampling interval
/// (<see cref="FlowSampling"/>), so that</item>
/// <item>the filter sees the figures the consumer counts (<c>bytes &gt; 1M</c> on the scaled bytes);</item>
/// <item>the exclusion (a hunt's allowlist, <c>-Exclude</c>), last, so that a flow it leaves out is counted as such.</item>
/// </list>
/// </summary>
public sealed class FlowSelection
{
    private readonly CompiledFilter? _filter;
    private readonly long _fromTicks, _toTicks;

    /// <param name="filter">Null or a match-all filter: every record.</param>
    /// <param name="start">Earliest first packet kept (UTC; a local time is converted, an unspecified one taken as UTC); null = open.</param>
    /// <param name="end">Latest last packet kept, inclusive; null = open.</param>
    /// <param name="scaleBySampling">Scale sampled counters up before the filter (see the class's order).</param>
    /// <param name="exclude">True for a flow to leave out after the filter (a hunt's allowlist); null = none.</param>
    /// <exception cref="ArgumentException">The window ends before it starts.</exception>
    public FlowSelection(CompiledFilter? filter = null, DateTime? start = null, DateTime? end = null, bool scaleBySampling = false,
        Func<FlowRecord, bool>? exclude = null)
        : this(filter, new TimeWindow(start, end), scaleBySampling, exclude)
    {
    }

    /// <inheritdoc cref="FlowSelection(CompiledFilter?, DateTime?, DateTime?, bool, Func{FlowRecord, bool}?)"/>
    public FlowSelection(CompiledFilter? filter, TimeWindow window, bool scaleBySampling = false, Func<FlowRecord, bool>? exclude = null)
    {
        _filter = filter is null || filter.IsTriviallyTrue ? null : filter;
        Window = window;
        ScaleBySampling = scaleBySampling;
        Exclude = exclude;
        _fromTicks = window.Start?.Ticks ?? long.MinValue;
        _toTicks = window.End?.Ticks ?? long.MaxValue;
    }

    /// <summary>Every record.</summary>
    public static FlowSelection All { get; } = new();

    public CompiledFilter? Filter => _filter;

    /// <summary>The window (nfdump's <c>-t</c>); files are chosen by overlap with it (<see cref="TimeWindow.Overlaps"/>).</summary>
    public TimeWindow Window { get; }

    /// <summary>Earliest first packet kept (UTC), or null.</summary>
    public DateTime? Start => Window.Start;

    /// <summary>Latest last packet kept (UTC), or null.</summary>
    public DateTime? End => Window.End;

    public bool ScaleBySampling { get; }

    public Func<FlowRecord, bool>? Exclude { get; }

    /// <summary>True when nothing is filtered out and nothing changed.</summary>
    public bool IsAll => _filter is null && Window.IsUnbounded && !ScaleBySampling && Exclude is null;

    /// <summary>True when only the window selects, so flows can be judged on their times alone (the compact reader path).</summary>
    public bool IsWindowOnly => _filter is null && !ScaleBySampling && Exclude is null;

    /// <summary>Step 1 alone: the flow lies inside the window.</summary>
    public bool InWindow(FlowRecord flow) => InWindow(flow.Start.Ticks, flow.End.Ticks);

    /// <summary>Step 1 on the flow's first and last packet times, as ticks.</summary>
    public bool InWindow(long startTicks, long endTicks) => startTicks >= _fromTicks && endTicks <= _toTicks;

    /// <summary>
    /// The window, the filter and the exclusion on the record as it is, without scaling (for a record the caller does
    /// not own and a selection without <see cref="ScaleBySampling"/>; use <see cref="Apply"/> otherwise).
    /// </summary>
    public bool Accepts(FlowRecord flow) =>
        InWindow(flow) && (_filter is null || _filter.Matches(flow)) && (Exclude is null || !Exclude(flow));

    /// <summary>
    /// The four steps in order. <paramref name="flow"/> becomes the record to deliver: scaled in place when
    /// <paramref name="owned"/> (a reader's own record), else a scaled copy (the caller's record is never changed).
    /// </summary>
    public FlowSelectionOutcome Apply(ref FlowRecord flow, bool owned)
    {
        ArgumentNullException.ThrowIfNull(flow);
        if (!InWindow(flow)) return FlowSelectionOutcome.OutsideWindow;
        if (ScaleBySampling)
        {
            if (owned) FlowSampling.Scale(flow);
            else flow = FlowSampling.Scaled(flow);
        }
        if (_filter is not null && !_filter.Matches(flow)) return FlowSelectionOutcome.Filtered;
        if (Exclude is not null && Exclude(flow)) return FlowSelectionOutcome.Excluded;
        return FlowSelectionOutcome.Selected;
    }
}

/// <summary>What <see cref="FlowSelection.Apply"/> decided, by the step that decided it.</summary>
public enum FlowSelectionOutcome
{
    Selected,
    OutsideWindow,
    Filtered,
    Excluded,
}
