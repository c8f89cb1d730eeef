namespace FlowForensics.Analysis.Baselines;

/// <summary>
/// The hard bounds of a baseline (house rule 8): what <see cref="FlowBaselineBuilder"/> and <see cref="AnomalyDetector"/>
/// keep at most, so memory follows these numbers and never the number of flows. When a bound is reached the event is
/// counted (<see cref="FlowBaseline.HostsDropped"/>, <see cref="FlowBaseline.IntervalsDropped"/>, ...) and reported.
/// </summary>
public sealed record BaselineLimits
{
    /// <summary>Hosts profiled at most; flows of further internal hosts are counted in the network aggregates only.</summary>
    public int MaxHosts { get; init; } = 100_000;

    /// <summary>Networks profiled at most.</summary>
    public int MaxNetworks { get; init; } = 10_000;

    /// <summary>Peers kept per host in the file (the busiest, by flows).</summary>
    public int MaxPeersPerHost { get; init; } = 64;

    /// <summary>Services (protocol, port, role) kept per host in the file (the busiest, by flows).</summary>
    public int MaxPortsPerHost { get; init; } = 32;

    /// <summary>
    /// Distinct peers (and services) counted per host while learning: the first this many are counted, the busiest
    /// <see cref="MaxPeersPerHost"/> of them kept. A host that meets more is marked incomplete.
    /// </summary>
    public int TrackedPerHost { get; init; } = 256;

    /// <summary>(host or network, interval) cells held at once: about 100 bytes each.</summary>
    public int MaxCells { get; init; } = 4_000_000;

    /// <summary>Distinct sources counted per (destination, interval) for the flood tests; the count saturates here.</summary>
    public int MaxSourcesPerCell { get; init; } = 1024;

    /// <summary>Addresses, hours and services kept per host for the new-peer, new-port and unusual-hour findings.</summary>
    public int MaxNewPerHost { get; init; } = 1024;

    public static BaselineLimits Default { get; } = new();

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxHosts, 1, nameof(MaxHosts));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxNetworks, 1, nameof(MaxNetworks));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPeersPerHost, 1, nameof(MaxPeersPerHost));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPortsPerHost, 1, nameof(MaxPortsPerHost));
        ArgumentOutOfRangeException.ThrowIfLessThan(TrackedPerHost, Math.Max(MaxPeersPerHost, MaxPortsPerHost), nameof(TrackedPerHost));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxCells, 1, nameof(MaxCells));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxSourcesPerCell, 1, nameof(MaxSourcesPerCell));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxNewPerHost, 1, nameof(MaxNewPerHost));
    }
}
