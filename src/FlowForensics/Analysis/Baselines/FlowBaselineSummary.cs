namespace FlowForensics.Analysis.Baselines;

/// <summary>
/// What New-FlowBaseline writes: the counts of a baseline and where it was saved, flat for Export-Csv. The baseline
/// itself comes from <see cref="GetBaseline"/>, and the summary can be handed to Find-FlowAnomaly -Baseline as it is.
/// </summary>
public sealed class FlowBaselineSummary
{
    public FlowBaselineSummary(FlowBaseline baseline, string path)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        Baseline = baseline;
        Path = path;
    }

    /// <summary>The file the baseline was saved to; empty when it was not saved (-OutputPath not given, or -WhatIf).</summary>
    public string Path { get; }

    public DateTime PeriodStart => Baseline.PeriodStart;

    public DateTime PeriodEnd => Baseline.PeriodEnd;

    public TimeSpan Interval => Baseline.Interval;

    public long Flows => Baseline.FlowCount;

    public int Hosts => Baseline.Hosts.Count;

    public int Networks => Baseline.Networks.Count;

    /// <summary>Hours of the day (UTC) the period covered.</summary>
    public int HoursCovered => Baseline.HoursCovered.Count(static h => h > 0);

    /// <summary>Active (host, interval) pairs the statistics were computed from.</summary>
    public long HostIntervals => Baseline.Hosts.Sum(static h => (long)h.ActiveIntervals);

    public long HostsDropped => Baseline.HostsDropped;

    public long IntervalsDropped => Baseline.IntervalsDropped;

    public string InternalNetworks => string.Join(",", Baseline.InternalNetworks);

    /// <summary>The baseline (profiles and the query API: IsKnownPeer, IsKnownPort, IsUsualHour).</summary>
    public FlowBaseline GetBaseline() => Baseline;

    internal FlowBaseline Baseline { get; }
}
