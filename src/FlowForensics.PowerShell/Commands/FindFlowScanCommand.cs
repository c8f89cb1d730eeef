using System.Management.Automation;
using FlowForensics.Analysis.Scan;
using FlowForensics.Analysis.Hunting;
using FlowForensics.PowerShell.Infrastructure;

namespace FlowForensics.PowerShell.Commands;

/// <summary>
/// Finds port scans and sweeps: horizontal (one port, many hosts), vertical (one host, many ports), block and ICMP sweeps,
/// with the probe type from the TCP flags (SYN, connect, FIN, NULL, Xmas) and UDP scans seen through replies and ICMP
/// unreachables. Fixed thresholds (Zeek's) plus the threshold random walk (SiLK rwscan's TRW) for slow scans.
/// </summary>
[Cmdlet(VerbsCommon.Find, "FlowScan", DefaultParameterSetName = InputObjectSet, HelpUri = HelpLinks.CmdletPages + "Find-FlowScan.md")]
[OutputType(typeof(ScanFinding))]
public sealed class FindFlowScanCommand : HuntCmdlet
{
    /// <summary>Distinct hosts probed on one port before a horizontal scan is reported.</summary>
    [Parameter]
    [ValidateRange(2, int.MaxValue)]
    public int HostThreshold { get; set; } = 25;

    /// <summary>Distinct ports probed on one host before a vertical scan is reported.</summary>
    [Parameter]
    [ValidateRange(2, int.MaxValue)]
    public int PortThreshold { get; set; } = 15;

    /// <summary>Distinct hosts sent ICMP echo requests before a sweep is reported.</summary>
    [Parameter]
    [ValidateRange(2, int.MaxValue)]
    public int SweepThreshold { get; set; } = 10;

    /// <summary>The interval the thresholds hold in (default 5 minutes, as Zeek's scan policy).</summary>
    [Parameter]
    [FlowDurationTransformation]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Hosts on one port that suffice once the sequential test (TRW) has called the source a scanner.</summary>
    [Parameter]
    [ValidateRange(2, int.MaxValue)]
    public int SequentialMinTargets { get; set; } = 5;

    /// <summary>FIN, NULL or Xmas probes that are reported on their own.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int StealthThreshold { get; set; } = 3;

    protected override string ProgressActivity => "Hunting scans";

    protected override IHunt CreateHunt(double minimumScore) => new ScanDetector(new ScanDetectorOptions
    {
        MinimumScore = minimumScore,
        HostThreshold = HostThreshold,
        PortThreshold = PortThreshold,
        SweepThreshold = SweepThreshold,
        Window = Window,
        SequentialMinTargets = SequentialMinTargets,
        StealthThreshold = StealthThreshold,
    });
}
