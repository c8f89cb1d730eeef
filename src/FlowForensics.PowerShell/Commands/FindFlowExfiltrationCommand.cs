using System.Management.Automation;
using FlowForensics.Analysis.Exfiltration;
using FlowForensics.Analysis.Hunting;
using FlowForensics.PowerShell.Infrastructure;

namespace FlowForensics.PowerShell.Commands;

/// <summary>
/// Hunts data leaving the inside networks: large uploads and totals, uploads to ports outside an allowlist, shifts of a
/// host's producer-consumer ratio against its own baseline, transfers in quiet hours, DNS and ICMP tunnels. One finding
/// per host and technique, with its MITRE ATT&amp;CK id and a plain Reason.
/// </summary>
[Cmdlet(VerbsCommon.Find, "FlowExfiltration", DefaultParameterSetName = InputObjectSet, HelpUri = HelpLinks.CmdletPages + "Find-FlowExfiltration.md")]
[OutputType(typeof(ExfiltrationFinding))]
public sealed class FindFlowExfiltrationCommand : HuntCmdlet
{
    /// <summary>The inside networks (addresses or CIDR) whose hosts are hunted. Default: RFC 1918 and fc00::/7.</summary>
    [Parameter]
    public string[]? InternalNetwork { get; set; }

    /// <summary>One outbound flow of at least this many bytes is a large upload (default 10 MB).</summary>
    [Parameter]
    [ValidateRange(1L, long.MaxValue)]
    public long LargeFlowBytes { get; set; } = 10_000_000;

    /// <summary>A host sending at least this many bytes out in all is reported (default 50 MB).</summary>
    [Parameter]
    [ValidateRange(1L, long.MaxValue)]
    public long HostBytes { get; set; } = 50_000_000;

    /// <summary>Outbound ports considered ordinary (default 20, 21, 22, 25, 53, 80, 110, 123, 143, 443, 465, 587, 853, 993, 995).</summary>
    [Parameter]
    public int[]? AllowedPort { get; set; }

    /// <summary>Bytes to one peer on a port outside -AllowedPort that make a finding (default 1 MB).</summary>
    [Parameter]
    [ValidateRange(1L, long.MaxValue)]
    public long UnusualPortBytes { get; set; } = 1_000_000;

    protected override string ProgressActivity => "Hunting exfiltration";

    protected override IHunt CreateHunt(double minimumScore)
    {
        var options = new ExfiltrationOptions
        {
            InternalNetwork = ParseNetworks(InternalNetwork, nameof(InternalNetwork), AddressSet.Private),
            LargeFlowBytes = LargeFlowBytes,
            HostBytes = HostBytes,
            UnusualPortBytes = UnusualPortBytes,
            MinimumScore = minimumScore,
        };
        if (AllowedPort is not null)
        {
            var ports = new HashSet<ushort>();
            foreach (int port in AllowedPort)
            {
                if (port is < 0 or > 65535)
                {
                    ThrowTerminatingError(new ErrorRecord(new ArgumentOutOfRangeException(nameof(AllowedPort), port, "-AllowedPort: a port is 0 to 65535."),
                        ErrorIds.HuntOptionInvalid, ErrorCategory.InvalidArgument, port));
                }
                ports.Add((ushort)port);
            }
            options = options with { AllowedPorts = ports };
        }
        return new ExfiltrationDetector(options);
    }
}
