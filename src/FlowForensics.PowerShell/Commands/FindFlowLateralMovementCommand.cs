using System.Management.Automation;
using FlowForensics.Analysis.Hunting;
using FlowForensics.Analysis.LateralMovement;
using FlowForensics.PowerShell.Infrastructure;

namespace FlowForensics.PowerShell.Commands;

/// <summary>
/// Finds lateral movement: inside-to-inside connections on administration ports (SMB, RDP, WinRM, SSH, RPC/WMI, VNC) that
/// are new compared with a learning period and not to a shared service, reported as chains (A→B then B→C), hosts fanning
/// out, and new edges, with the MITRE ATT&amp;CK T1021 sub-technique of each port.
/// </summary>
[Cmdlet(VerbsCommon.Find, "FlowLateralMovement", DefaultParameterSetName = InputObjectSet, HelpUri = HelpLinks.CmdletPages + "Find-FlowLateralMovement.md")]
[OutputType(typeof(LateralMovementFinding))]
public sealed class FindFlowLateralMovementCommand : HuntCmdlet
{
    /// <summary>The inside networks (addresses or CIDR); default RFC 1918 and fc00::/7.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? InternalNetwork { get; set; }

    /// <summary>The administration ports watched; default 22, 135, 139, 445, 3283, 3389, 5900, 5985, 5986.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ValidateRange(1, 65535)]
    public int[]? Port { get; set; }

    /// <summary>Flows that start before this time form the known graph; only later connections can be new.</summary>
    [Parameter]
    [FlowTimeTransformation]
    public DateTime? LearnUntil { get; set; }

    /// <summary>A baseline from New-FlowBaseline (file, summary or object): host pairs it saw talking are known edges, not new ones.</summary>
    [Parameter]
    [ValidateNotNull]
    public object? Baseline { get; set; }

    /// <summary>A hop B→C continues A→B when it is active no later than this after A→B (default 1 hour).</summary>
    [Parameter]
    [FlowDurationTransformation]
    public TimeSpan ChainWindow { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Distinct hosts a source must newly reach within -FanOutWindow to be reported as fanning out (default 5).</summary>
    [Parameter]
    [ValidateRange(2, int.MaxValue)]
    public int FanOutThreshold { get; set; } = 5;

    /// <summary>The window of -FanOutThreshold (default 1 hour).</summary>
    [Parameter]
    [FlowDurationTransformation]
    public TimeSpan FanOutWindow { get; set; } = TimeSpan.FromHours(1);

    /// <summary>A destination port reached by at least this many inside hosts is a shared service and not reported (default 10).</summary>
    [Parameter]
    [ValidateRange(2, int.MaxValue)]
    public int ServerThreshold { get; set; } = 10;

    /// <summary>TCP connections from one host to one admin service within -BruteForceWindow that are reported as brute force (default 10).</summary>
    [Parameter]
    [ValidateRange(2, int.MaxValue)]
    public int BruteForceThreshold { get; set; } = 10;

    /// <summary>The window of -BruteForceThreshold (default 10 minutes).</summary>
    [Parameter]
    [FlowDurationTransformation]
    public TimeSpan BruteForceWindow { get; set; } = TimeSpan.FromMinutes(10);

    protected override string ProgressActivity => "Hunting lateral movement";

    protected override IHunt CreateHunt(double minimumScore)
    {
        var inside = ParseNetworks(InternalNetwork, nameof(InternalNetwork), AddressSet.Private);
        return new LateralMovementDetector(new LateralMovementOptions
        {
            MinimumScore = minimumScore,
            InternalNetwork = inside,
            Ports = Port is null ? LateralMovementOptions.DefaultPorts : Port.Select(static p => (ushort)p).Distinct().ToArray(),
            LearnUntil = LearnUntil is { } until ? TimeWindowArgument.ToUtc(until) : null,
            KnownEdges = Baseline is null ? null : BaselineArgument.Resolve(this, Baseline),
            ChainWindow = ChainWindow,
            FanOutThreshold = FanOutThreshold,
            FanOutWindow = FanOutWindow,
            ServerThreshold = ServerThreshold,
            BruteForceThreshold = BruteForceThreshold,
            BruteForceWindow = BruteForceWindow,
        });
    }
}
