using System.Management.Automation;
using FlowForensics.Analysis.Beacons;
using FlowForensics.Analysis.Hunting;
using FlowForensics.PowerShell.Infrastructure;

namespace FlowForensics.PowerShell.Commands;

/// <summary>
/// Finds beacons: sources that connect to one destination on a schedule, tolerant of jitter (up to ±50 %) and missed
/// beats, scored 0..1 on timing, size, coverage and evenness, with ordinary periodic traffic (NTP, DNS, services many
/// hosts share, internal services) discounted and every finding explained in its Reason.
/// </summary>
[Cmdlet(VerbsCommon.Find, "FlowBeacon", DefaultParameterSetName = InputObjectSet, HelpUri = HelpLinks.CmdletPages + "Find-FlowBeacon.md")]
[OutputType(typeof(BeaconFinding))]
public sealed class FindFlowBeaconCommand : HuntCmdlet
{
    /// <summary>Groups with fewer connections are not scored (at least 3; with fewer than 6 the score stays below 0.5 and the reason says why).</summary>
    [Parameter]
    [ValidateRange(3, int.MaxValue)]
    public int MinimumConnections { get; set; } = 6;

    /// <summary>Group by source and destination only, whatever the port and protocol (beacons that rotate ports).</summary>
    [Parameter]
    public SwitchParameter ByHostPair { get; set; }

    /// <summary>The inside networks (addresses or CIDR); beacons between two inside hosts are discounted. Default: RFC 1918 and fc00::/7.</summary>
    [Parameter]
    public string[]? InternalNetwork { get; set; }

    protected override string ProgressActivity => "Hunting beacons";

    protected override IHunt CreateHunt(double minimumScore) => new BeaconDetector(new BeaconOptions
    {
        MinimumScore = minimumScore,
        MinimumConnections = MinimumConnections,
        ByHostPair = ByHostPair.IsPresent,
        InternalNetwork = ParseNetworks(InternalNetwork, nameof(InternalNetwork), AddressSet.Private),
    });
}
