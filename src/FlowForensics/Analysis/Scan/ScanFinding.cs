using FlowForensics.Analysis.Hunting;

namespace FlowForensics.Analysis.Scan;

/// <summary>
/// One scan found by <see cref="ScanDetector"/>: a scanner, the shape of its scan and the evidence. Flat (strings,
/// numbers, DateTime, TimeSpan) so Export-Csv and Export-Excel keep every column.
/// </summary>
public sealed class ScanFinding : IHuntFinding
{
    /// <summary>The probing host (Scanner, formerly; the type data keeps the old name as an alias).</summary>
    public string Host { get; set; } = string.Empty;

    /// <summary>Horizontal (one port, many hosts), Vertical (one host, many ports), Block (many of both) or Sweep (ICMP echo to many hosts); formerly ScanType, an alias in the type data.</summary>
    public string Kind { get; set; } = string.Empty;

    /// <summary>The probes seen, comma-joined: SYN, Connect, FIN, NULL, Xmas, UDP, ICMP echo.</summary>
    public string Probe { get; set; } = string.Empty;

    /// <summary>TCP, UDP, ICMP or ICMP6.</summary>
    public string Protocol { get; set; } = string.Empty;

    /// <summary>MITRE ATT&amp;CK technique: T1046 Network Service Discovery (T1018 Remote System Discovery for sweeps is named in the reason).</summary>
    public string Technique { get; set; } = "T1046";

    /// <summary>Distinct hosts probed.</summary>
    public long Targets { get; set; }

    /// <summary>A few of the targets, comma-joined.</summary>
    public string TargetSample { get; set; } = string.Empty;

    /// <summary>Distinct ports probed (0 for ICMP sweeps).</summary>
    public long Ports { get; set; }

    /// <summary>Lowest and highest port probed, e.g. <c>1-1024</c>.</summary>
    public string PortRange { get; set; } = string.Empty;

    /// <summary>A few of the ports, comma-joined, lowest first.</summary>
    public string PortSample { get; set; } = string.Empty;

    /// <summary>Probe flows counted.</summary>
    public long Flows { get; set; }

    /// <summary>Share of the probes a listening service answered (SYN-ACK or a completed handshake, a UDP reply, an echo reply); 0 to 1.</summary>
    public double SuccessRatio { get; set; }

    /// <summary>The ports that answered a probe (TCP SYN-ACK or a completed handshake, a UDP reply), comma-joined, lowest first, at most 16: what the responder acts on.</summary>
    public string AnsweredPorts { get; set; } = string.Empty;

    /// <summary>Distinct hosts that answered a probe (counted up to 256).</summary>
    public long AnsweredHosts { get; set; }

    /// <summary>True when no flow back to the scanner appears in the data (NAT, a one-way export): the success ratio then says nothing, and the score does not count it.</summary>
    public bool ReplyDirectionMissing { get; set; }

    /// <summary>Probes answered with a TCP reset or an ICMP port unreachable (closed ports).</summary>
    public long Rejected { get; set; }

    /// <summary>Probes per second between the first and the last probe.</summary>
    public double Rate { get; set; }

    public DateTime FirstSeen { get; set; }
    public DateTime LastSeen { get; set; }
    public TimeSpan Duration => LastSeen - FirstSeen;

    /// <summary>True when the threshold-random-walk test (TRW) decided the scanner is scanning.</summary>
    public bool SequentialTest { get; set; }

    /// <summary>0 to 1: the evidence relative to the thresholds, raised by stealth probes and a low success ratio.</summary>
    public double Score { get; set; }

    /// <summary>The evidence in one plain sentence.</summary>
    public string Reason { get; set; } = string.Empty;
}
