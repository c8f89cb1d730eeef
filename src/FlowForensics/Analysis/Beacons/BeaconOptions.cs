using FlowForensics.Analysis.Hunting;

namespace FlowForensics.Analysis.Beacons;

/// <summary>Settings of <see cref="BeaconDetector"/>; the defaults are documented in docs/detections.md.</summary>
public sealed record BeaconOptions : HuntOptions
{
    /// <summary>Group by source and destination only (any port, any protocol) instead of (source, destination, port, protocol).</summary>
    public bool ByHostPair { get; init; }

    /// <summary>Groups with fewer connections are not scored (at least 3; below <see cref="FewConnections"/> the score is capped and the reason says why).</summary>
    public int MinimumConnections { get; init; } = 6;

    /// <summary>Fewer connections than this (two intervals) are too few to judge a schedule: such a beacon scores at most <see cref="FewConnectionsScoreCap"/>.</summary>
    public const int FewConnections = 4;

    /// <summary>The highest score of a group with fewer than <see cref="FewConnections"/> connections.</summary>
    public const double FewConnectionsScoreCap = 0.45;

    /// <summary>Inside networks: a beacon between two inside hosts is discounted (periodic internal services).</summary>
    public AddressSet InternalNetwork { get; init; } = AddressSet.Private;

    /// <summary>Intervals shorter than this are parallel connections, not beats, and are not scored.</summary>
    public TimeSpan MinimumInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Samples (start time, bytes out, bytes in) kept per group; past it the series is decimated 2:1 (see docs).</summary>
    public int MaxSamplesPerGroup { get; init; } = 2048;

    /// <summary>Groups held at once; connections of new groups past it are not counted (reported in <see cref="BeaconDetector.GroupsDropped"/>).</summary>
    public int MaxGroups { get; init; } = 1_000_000;

    /// <summary>
    /// Once <see cref="MaxGroups"/> is reached, groups with a single connection older than this (in flow time) make room
    /// for new ones: a beacon with a shorter period would have connected again.
    /// </summary>
    public TimeSpan SingletonTimeToLive { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>How long a flow record waits for its reverse record (uniflow input).</summary>
    public TimeSpan PairingWindow { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Flow records held waiting for their reverse.</summary>
    public int MaxPendingFlows { get; init; } = 262_144;

    internal void Validate()
    {
        ValidateCommon();
        ArgumentOutOfRangeException.ThrowIfLessThan(MinimumConnections, 3, nameof(MinimumConnections));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxSamplesPerGroup, 16, nameof(MaxSamplesPerGroup));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxGroups, 1, nameof(MaxGroups));
        ArgumentNullException.ThrowIfNull(InternalNetwork);
    }
}
