using System.Management.Automation;
using FlowForensics.Analysis.Baselines;
using FlowForensics.Analysis.Hunting;
using FlowForensics.PowerShell.Infrastructure;

namespace FlowForensics.PowerShell.Commands;

/// <summary>
/// Compares flows with a baseline from New-FlowBaseline: volume surges per host and network, floods (SYN, UDP, ICMP,
/// many sources), new peers, new services, unusual hours and new hosts, one flat finding each with a plain reason.
/// </summary>
[Cmdlet(VerbsCommon.Find, "FlowAnomaly", DefaultParameterSetName = InputObjectSet, HelpUri = HelpLinks.CmdletPages + "Find-FlowAnomaly.md")]
[OutputType(typeof(AnomalyFinding))]
public sealed class FindFlowAnomalyCommand : HuntCmdlet
{
    /// <summary>The baseline: a file saved by New-FlowBaseline -OutputPath, the summary New-FlowBaseline writes, or its Baseline property.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNull]
    public object Baseline { get; set; } = null!;

    /// <summary>The modified z-score above which a volume is a surge (3.5).</summary>
    [Parameter]
    [ValidateRange(0.1, 1000.0)]
    public double Threshold { get; set; } = 3.5;

    /// <summary>A surge must also exceed the baseline's largest interval times this factor (1.5).</summary>
    [Parameter]
    [ValidateRange(0.0, 1000.0)]
    public double MaxFactor { get; set; } = 1.5;

    /// <summary>Bytes per interval below which no byte surge is reported (1 MB).</summary>
    [Parameter]
    [ValidateRange(0, long.MaxValue)]
    public long MinSurgeBytes { get; set; } = 1_000_000;

    /// <summary>Packets per interval below which no packet surge is reported (1000).</summary>
    [Parameter]
    [ValidateRange(0, long.MaxValue)]
    public long MinSurgePackets { get; set; } = 1_000;

    /// <summary>Flows per interval below which no flow surge is reported (100).</summary>
    [Parameter]
    [ValidateRange(0, long.MaxValue)]
    public long MinSurgeFlows { get; set; } = 100;

    /// <summary>SYN-only flows to one host in an interval from which a SYN flood is reported (1000).</summary>
    [Parameter]
    [ValidateRange(1, long.MaxValue)]
    public long SynFloodMinFlows { get; set; } = 1_000;

    /// <summary>Packets to one host in an interval from which a packet flood is reported (10000).</summary>
    [Parameter]
    [ValidateRange(1, long.MaxValue)]
    public long FloodMinPackets { get; set; } = 10_000;

    /// <summary>Distinct sources to one host in an interval from which a many-source flow flood is reported (50, with at least 1000 flows).</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int FloodMinSources { get; set; } = 50;

    /// <summary>For busy hosts (more peers than the baseline keeps), a new peer is reported only from this many bytes (1 MB).</summary>
    [Parameter]
    [ValidateRange(0, long.MaxValue)]
    public long NewPeerMinBytes { get; set; } = 1_000_000;

    /// <summary>Active intervals a host needs in the baseline before its peers, services and hours are compared with (3).</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int MinBaselineIntervals { get; set; } = 3;

    /// <summary>Report only these anomaly types.</summary>
    [Parameter]
    [ValidateSet(AnomalyTypes.VolumeSurge, AnomalyTypes.NewPeer, AnomalyTypes.NewPort, AnomalyTypes.UnusualHour, AnomalyTypes.NewHost,
        AnomalyTypes.SynFlood, AnomalyTypes.UdpFlood, AnomalyTypes.IcmpFlood, AnomalyTypes.PacketFlood, AnomalyTypes.FlowFlood)]
    public string[] Type { get; set; } = [];

    protected override string ProgressActivity => "Comparing flows with a baseline";

    protected override string OptionErrorId => ErrorIds.BaselineSettingInvalid;

    protected override IHunt CreateHunt(double minimumScore)
    {
        var baseline = BaselineArgument.Resolve(this, Baseline);
        var options = new AnomalyDetectorOptions
        {
            MinimumScore = minimumScore,
            Threshold = Threshold,
            MaxFactor = MaxFactor,
            MinSurgeBytes = MinSurgeBytes,
            MinSurgePackets = MinSurgePackets,
            MinSurgeFlows = MinSurgeFlows,
            SynFloodMinFlows = SynFloodMinFlows,
            FloodMinPackets = FloodMinPackets,
            FloodMinSources = FloodMinSources,
            NewPeerMinBytes = NewPeerMinBytes,
            MinBaselineIntervals = MinBaselineIntervals,
            Types = Type,
        };
        return new AnomalyDetector(baseline, options);
    }
}
