using FlowForensics.Analysis.Hunting;

namespace FlowForensics.Analysis.LateralMovement;

/// <summary>
/// One lateral-movement finding of <see cref="LateralMovementDetector"/>: a chain of hops, a host fanning out, or a host's
/// new connections on administration ports. Flat (strings, numbers, DateTime, TimeSpan) so Export-Csv and Export-Excel keep it.
/// </summary>
public sealed class LateralMovementFinding : IHuntFinding
{
    /// <summary>Chain (A→B then B→C within the window), FanOut (one host to many on admin ports within the window), BruteForce (many connections to one admin service) or NewEdge.</summary>
    public string Kind { get; set; } = string.Empty;

    /// <summary>The host the movement starts from (SrcAddr, formerly; the type data keeps the old name as an alias).</summary>
    public string Host { get; set; } = string.Empty;

    /// <summary>The hosts reached (for a chain: every host after the first), comma-joined.</summary>
    public string DstAddr { get; set; } = string.Empty;

    /// <summary>How many hosts <see cref="DstAddr"/> lists.</summary>
    public int Destinations { get; set; }

    /// <summary>The administration ports used, comma-joined, lowest first.</summary>
    public string Ports { get; set; } = string.Empty;

    /// <summary>MITRE ATT&amp;CK techniques of the ports, comma-joined (T1021.001 RDP, T1021.002 SMB, T1021.004 SSH, T1021.005 VNC, T1021.006 WinRM, T1021.003/T1047 DCOM/WMI).</summary>
    public string Technique { get; set; } = string.Empty;

    /// <summary>The path for a chain, e.g. <c>10.0.0.1 -> 10.0.0.2 -> 10.0.0.3</c>; empty otherwise.</summary>
    public string Chain { get; set; } = string.Empty;

    /// <summary>Hops (connections between distinct host pairs) in the finding.</summary>
    public int Hops { get; set; }

    public long Flows { get; set; }
    public long Bytes { get; set; }
    public DateTime FirstSeen { get; set; }
    public DateTime LastSeen { get; set; }
    public TimeSpan Duration => LastSeen - FirstSeen;

    /// <summary>0 to 1: chains highest, then fan-out, then single new edges.</summary>
    public double Score { get; set; }

    /// <summary>The evidence in one plain sentence.</summary>
    public string Reason { get; set; } = string.Empty;
}
