using FlowForensics.Analysis.Hunting;

namespace FlowForensics.Analysis.Baselines;

/// <summary>
/// One departure from a baseline, flat (strings, numbers, DateTime) so Export-Csv and Export-Excel keep every field.
/// <see cref="Observed"/> and <see cref="Expected"/> are in the unit of <see cref="Metric"/>: bytes, packets or flows per
/// interval for volumes and floods, a count of new peers, services or flows for the others.
/// </summary>
public sealed class AnomalyFinding : IHuntFinding
{
    /// <summary>The host (an address) or network (CIDR) the finding is about; for floods, the target.</summary>
    public string Host { get; init; } = string.Empty;

    /// <summary>Host or Network.</summary>
    public string Scope { get; init; } = "Host";

    /// <summary>VolumeSurge, NewPeer, NewPort, UnusualHour, NewHost, SynFlood, UdpFlood, IcmpFlood, PacketFlood, FlowFlood (AnomalyType, formerly; the type data keeps the old name as an alias).</summary>
    public string Kind { get; init; } = string.Empty;

    /// <summary>The MITRE ATT&amp;CK technique where one fits (T1498.001, T1499.001, T1498), else empty.</summary>
    public string Technique { get; init; } = string.Empty;

    /// <summary>The start of the interval (or hour) the finding is about (UTC).</summary>
    public DateTime Window { get; init; }

    /// <summary>The length of the window.</summary>
    public TimeSpan WindowLength { get; init; }

    /// <summary>The start of the window the evidence was counted in (UTC): a baseline compares whole intervals.</summary>
    public DateTime FirstSeen => Window;

    /// <summary>The end of the window the evidence was counted in (UTC).</summary>
    public DateTime LastSeen => Window + WindowLength;

    /// <summary>What was measured: BytesOut, BytesIn, PacketsOut, PacketsIn, FlowsOut, FlowsIn, Peers, Ports, Flows, Sources.</summary>
    public string Metric { get; init; } = string.Empty;

    public double Observed { get; init; }

    /// <summary>The top of the usual range in the baseline (for volumes: median + threshold × MAD / 0.6745, at least 1.5 × the baseline's largest interval).</summary>
    public double Expected { get; init; }

    /// <summary>The baseline's median for the metric (0 when the baseline has none).</summary>
    public double Median { get; init; }

    /// <summary>The modified z-score (0.6745 × (observed − median) / MAD) for volumes and floods; 0 for the others.</summary>
    public double Deviation { get; init; }

    /// <summary>0 to 1, as every hunt (docs/detections.md gives the formula per type; it ran 0 to 100 in earlier builds).</summary>
    public double Score { get; init; }

    public long Flows { get; init; }
    public long Packets { get; init; }
    public long Bytes { get; init; }

    /// <summary>Distinct sources seen sending to the host in the window (floods), saturating at the bound.</summary>
    public int Sources { get; init; }

    /// <summary>Up to five peers involved, comma separated.</summary>
    public string Peers { get; init; } = string.Empty;

    public int PeerCount { get; init; }

    /// <summary>Up to five services involved (443/tcp), comma separated.</summary>
    public string Ports { get; init; } = string.Empty;

    public int PortCount { get; init; }

    /// <summary>The finding in one plain sentence.</summary>
    public string Reason { get; init; } = string.Empty;
}
