using System.Management.Automation;
using FlowForensics.Analysis.Beacons;
using FlowForensics.Flows;
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
    private BeaconDetector? _detector;

    /// <summary>Findings below this score (0..1) are not written.</summary>
    [Parameter]
    [ValidateRange(0.0, 1.0)]
    public double MinimumScore { get; set; } = 0.6;

    /// <summary>Groups with fewer connections are not scored (at least 4).</summary>
    [Parameter]
    [ValidateRange(4, int.MaxValue)]
    public int MinimumConnections { get; set; } = 6;

    /// <summary>Group by source and destination only, whatever the port and protocol (beacons that rotate ports).</summary>
    [Parameter]
    public SwitchParameter ByHostPair { get; set; }

    /// <summary>The inside networks (addresses or CIDR); beacons between two inside hosts are discounted. Default: RFC 1918 and fc00::/7.</summary>
    [Parameter]
    public string[]? InternalNetwork { get; set; }

    protected override string ProgressActivity => "Hunting beacons";

    protected override void BeginAnalysis()
    {
        _detector = new BeaconDetector(new BeaconOptions
        {
            MinimumScore = MinimumScore,
            MinimumConnections = MinimumConnections,
            ByHostPair = ByHostPair.IsPresent,
            InternalNetwork = ParseNetworks(InternalNetwork, nameof(InternalNetwork), Analysis.Hunting.AddressSet.Private),
        });
    }

    protected override void AddHuntFlow(FlowRecord flow) => _detector!.Add(flow);

    protected override void EndAnalysis()
    {
        var detector = _detector!;
        var findings = detector.GetFindings();
        WriteVerbose($"{detector.FlowCount + ExcludedFlows:N0} flows ({ExcludedFlows:N0} excluded), {detector.ConnectionCount:N0} connections in {detector.GroupCount:N0} groups: {findings.Count} beacon(s) at or above {MinimumScore}.");
        if (detector.SingletonsEvicted > 0)
            WriteVerbose($"{detector.SingletonsEvicted:N0} one-connection groups were dropped to stay within {detector.Options.MaxGroups:N0} groups.");
        if (detector.GroupsDropped > 0)
            WriteWarning($"{detector.GroupsDropped:N0} connections were not analysed: the bound of {detector.Options.MaxGroups:N0} groups was reached.");
        foreach (var finding in findings)
        {
            ThrowIfStopping();
            WriteObject(finding);
        }
    }
}
