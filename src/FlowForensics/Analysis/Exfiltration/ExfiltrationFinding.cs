using FlowForensics.Analysis.Hunting;

namespace FlowForensics.Analysis.Exfiltration;

/// <summary>
/// One suspected exfiltration (or tunnel) by one inside host, by one technique. Flat (strings, numbers, DateTime)
/// so Export-Csv and Export-Excel keep every column. <see cref="Reason"/> says what was measured and against what.
/// </summary>
public sealed class ExfiltrationFinding : IHuntFinding
{
    /// <summary>What was seen: LargeUpload, HostVolume, UnusualPort, RatioShift, OffHours, DnsTunnel, IcmpTunnel (formerly Technique).</summary>
    public string Kind { get; init; } = string.Empty;

    /// <summary>The MITRE ATT&amp;CK technique it maps to (T1041, T1048, T1048.003, T1071.004, T1029); formerly MitreTechnique, an alias in the type data.</summary>
    public string Technique { get; init; } = string.Empty;

    /// <summary>The inside host that sent the data.</summary>
    public string Host { get; init; } = string.Empty;

    /// <summary>The receiving peers (address, or address:port/protocol), largest first, joined with ", "; at most 10 listed.</summary>
    public string Peers { get; init; } = string.Empty;

    /// <summary>Distinct peers involved (may exceed the ones listed in <see cref="Peers"/>).</summary>
    public long PeerCount { get; init; }

    /// <summary>IP bytes the host sent in the flows behind this finding.</summary>
    public long BytesOut { get; init; }

    /// <summary>IP bytes the host received from the same peers.</summary>
    public long BytesIn { get; init; }

    /// <summary>Producer-consumer ratio (out − in)/(out + in): 1 pure upload, 0 balanced, −1 pure download.</summary>
    public double Ratio { get; init; }

    /// <summary>Flow records behind this finding (sent by the host).</summary>
    public long Flows { get; init; }

    public DateTime FirstSeen { get; init; }
    public DateTime LastSeen { get; init; }

    /// <summary>0..1: how strongly the evidence points to exfiltration.</summary>
    public double Score { get; init; }

    /// <summary>The verdict in plain words.</summary>
    public string Reason { get; init; } = string.Empty;
}
