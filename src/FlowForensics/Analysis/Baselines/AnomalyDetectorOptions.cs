using FlowForensics.Analysis.Hunting;

namespace FlowForensics.Analysis.Baselines;

/// <summary>The thresholds of <see cref="AnomalyDetector"/>; docs/detections.md explains each.</summary>
public sealed record AnomalyDetectorOptions : HuntOptions
{
    /// <summary>The modified z-score above which a volume is a surge (3.5, Iglewicz and Hoaglin's outlier cut-off).</summary>
    public double Threshold { get; init; } = 3.5;

    /// <summary>
    /// A surge must also exceed the largest interval of the baseline times this factor (1.5): the MAD of a host that is
    /// quiet at night and busy by day is the night's, and its ordinary day would otherwise score far above it.
    /// </summary>
    public double MaxFactor { get; init; } = 1.5;

    /// <summary>Bytes in an interval below which no byte surge is reported, whatever the score.</summary>
    public long MinSurgeBytes { get; init; } = 1_000_000;

    /// <summary>Packets in an interval below which no packet surge is reported.</summary>
    public long MinSurgePackets { get; init; } = 1_000;

    /// <summary>Flows in an interval below which no flow surge is reported.</summary>
    public long MinSurgeFlows { get; init; } = 100;

    /// <summary>
    /// Active intervals a host profile needs before its peers, services and hours are compared with, and before its MAD is
    /// trusted (with fewer, the MAD is taken as at least the median): a host seen in one or two intervals has no habits yet.
    /// </summary>
    public int MinBaselineIntervals { get; init; } = 3;

    /// <summary>SYN-only flows to one host in an interval from which a SYN flood is reported.</summary>
    public long SynFloodMinFlows { get; init; } = 1_000;

    /// <summary>
    /// UDP, ICMP and other non-TCP packets to one host in an interval from which a packet flood is reported (when the host
    /// answered fewer than half as many packets). TCP volume is left to the SYN and many-source tests: one large download is
    /// a single TCP flow of tens of thousands of packets.
    /// </summary>
    public long FloodMinPackets { get; init; } = 10_000;

    /// <summary>Distinct sources and flows to one host in an interval from which a many-source flow flood is reported.</summary>
    public int FloodMinSources { get; init; } = 50;

    public long FloodMinFlows { get; init; } = 1_000;

    /// <summary>A SYN flood hits at most this many ports (more is a port scan, Find-FlowScan's case).</summary>
    public int FloodMaxPorts { get; init; } = 8;

    /// <summary>For a host whose baseline peers are incomplete (a busy host), a new peer is reported only from this many bytes.</summary>
    public long NewPeerMinBytes { get; init; } = 1_000_000;

    /// <summary>Flows at an hour a host was never active in from which an unusual-hour finding is reported.</summary>
    public long UnusualHourMinFlows { get; init; } = 1;

    /// <summary>The anomaly types to report; empty reports all.</summary>
    public IReadOnlyCollection<string> Types { get; init; } = [];

    public BaselineLimits Limits { get; init; } = BaselineLimits.Default;

    internal void Validate()
    {
        ValidateCommon();
        if (!(Threshold > 0) || double.IsInfinity(Threshold)) throw new ArgumentOutOfRangeException(nameof(Threshold), Threshold, "The threshold must be a positive number.");
        if (!(MaxFactor >= 0) || double.IsInfinity(MaxFactor)) throw new ArgumentOutOfRangeException(nameof(MaxFactor), MaxFactor, "The factor must be 0 or more.");
        ArgumentOutOfRangeException.ThrowIfNegative(MinSurgeBytes, nameof(MinSurgeBytes));
        ArgumentOutOfRangeException.ThrowIfNegative(MinSurgePackets, nameof(MinSurgePackets));
        ArgumentOutOfRangeException.ThrowIfNegative(MinSurgeFlows, nameof(MinSurgeFlows));
        ArgumentOutOfRangeException.ThrowIfLessThan(MinBaselineIntervals, 1, nameof(MinBaselineIntervals));
        ArgumentOutOfRangeException.ThrowIfLessThan(SynFloodMinFlows, 1, nameof(SynFloodMinFlows));
        ArgumentOutOfRangeException.ThrowIfLessThan(FloodMinPackets, 1, nameof(FloodMinPackets));
        ArgumentOutOfRangeException.ThrowIfLessThan(FloodMinSources, 1, nameof(FloodMinSources));
        ArgumentOutOfRangeException.ThrowIfLessThan(FloodMinFlows, 1, nameof(FloodMinFlows));
        ArgumentOutOfRangeException.ThrowIfLessThan(FloodMaxPorts, 1, nameof(FloodMaxPorts));
        ArgumentOutOfRangeException.ThrowIfNegative(NewPeerMinBytes, nameof(NewPeerMinBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(UnusualHourMinFlows, 1, nameof(UnusualHourMinFlows));
        ArgumentNullException.ThrowIfNull(Limits, nameof(Limits));
        Limits.Validate();
        foreach (string t in Types)
            if (!AnomalyTypes.All.Contains(t, StringComparer.OrdinalIgnoreCase)) throw new ArgumentException($"'{t}' is not an anomaly type ({string.Join(", ", AnomalyTypes.All)}).", nameof(Types));
    }
}

/// <summary>The names of the anomaly types.</summary>
public static class AnomalyTypes
{
    public const string VolumeSurge = "VolumeSurge", NewPeer = "NewPeer", NewPort = "NewPort", UnusualHour = "UnusualHour", NewHost = "NewHost";
    public const string SynFlood = "SynFlood", UdpFlood = "UdpFlood", IcmpFlood = "IcmpFlood", PacketFlood = "PacketFlood", FlowFlood = "FlowFlood";

    public static IReadOnlyList<string> All { get; } =
        [VolumeSurge, NewPeer, NewPort, UnusualHour, NewHost, SynFlood, UdpFlood, IcmpFlood, PacketFlood, FlowFlood];
}
