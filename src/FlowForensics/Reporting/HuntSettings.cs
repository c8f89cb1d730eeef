using FlowForensics.Analysis.Beacons;
using FlowForensics.Analysis.Exfiltration;
using FlowForensics.Analysis.Hunting;
using FlowForensics.Analysis.LateralMovement;
using FlowForensics.Analysis.Scan;

namespace FlowForensics.Reporting;

/// <summary>
/// The settings a report runs its hunts with (Export-FlowReport -HuntSetting): the inside networks and the allowlist
/// every hunt shares, the one minimum score, and each hunt's own options. Null common settings leave each hunt's own.
/// </summary>
public sealed record HuntSettings
{
    /// <summary>The inside networks of every hunt; null: each hunt's own (RFC 1918 and fc00::/7 by default).</summary>
    public AddressSet? InternalNetwork { get; init; }

    /// <summary>Flows left out of every hunt (the Find-* cmdlets' -Exclude).</summary>
    public FlowExclusion Exclusion { get; init; } = FlowExclusion.None;

    /// <summary>The minimum score of every hunt; null: each hunt's options' own (by default <see cref="HuntOptions.DefaultMinimumScore"/>).</summary>
    public double? MinimumScore { get; init; }

    public BeaconOptions Beacon { get; init; } = new();
    public ExfiltrationOptions Exfiltration { get; init; } = new();
    public ScanDetectorOptions Scan { get; init; } = new();
    public LateralMovementOptions LateralMovement { get; init; } = new();

    /// <summary>Fresh hunts with these settings: beacons, exfiltration, scans, lateral movement. Throws <see cref="ArgumentException"/> for an invalid setting.</summary>
    public IReadOnlyList<IHunt> CreateHunts()
    {
        var beacon = Beacon;
        var exfiltration = Exfiltration;
        var scan = Scan;
        var lateral = LateralMovement;
        if (InternalNetwork is { } inside)
        {
            beacon = beacon with { InternalNetwork = inside };
            exfiltration = exfiltration with { InternalNetwork = inside };
            lateral = lateral with { InternalNetwork = inside };
        }
        if (MinimumScore is { } minimum)
        {
            beacon = beacon with { MinimumScore = minimum };
            exfiltration = exfiltration with { MinimumScore = minimum };
            scan = scan with { MinimumScore = minimum };
            lateral = lateral with { MinimumScore = minimum };
        }
        return [new BeaconDetector(beacon), new ExfiltrationDetector(exfiltration), new ScanDetector(scan), new LateralMovementDetector(lateral)];
    }
}
