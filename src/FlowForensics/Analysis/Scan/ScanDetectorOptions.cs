using FlowForensics.Analysis.Hunting;

namespace FlowForensics.Analysis.Scan;

/// <summary>What <see cref="ScanDetector"/> reports and how much it may keep. Defaults follow Zeek's scan policy and SiLK rwscan's TRW.</summary>
public sealed record ScanDetectorOptions : HuntOptions
{
    /// <summary>Distinct hosts probed on one port before a horizontal scan is reported (Zeek's addr_scan_threshold: 25).</summary>
    public int HostThreshold { get; init; } = 25;

    /// <summary>Distinct ports probed on one host before a vertical scan is reported (Zeek's port_scan_threshold: 15).</summary>
    public int PortThreshold { get; init; } = 15;

    /// <summary>
    /// The thresholds hold within this interval (Zeek's addr_scan_interval and port_scan_interval: 5 minutes): a source's
    /// distinct hosts or ports, spread evenly over its probing span, must reach the threshold within one window.
    /// </summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Distinct hosts sent ICMP echo requests before a sweep is reported.</summary>
    public int SweepThreshold { get; init; } = 10;

    /// <summary>
    /// Distinct hosts probed on one port that suffice once the sequential test (TRW) has decided the source is a scanner:
    /// a slow scan that never reaches <see cref="HostThreshold"/> is still reported.
    /// </summary>
    public int SequentialMinTargets { get; init; } = 5;

    /// <summary>FIN, NULL and Xmas probes (never sent by a working TCP stack) to distinct host:port pairs that are reported on their own.</summary>
    public int StealthThreshold { get; init; } = 3;

    /// <summary>
    /// A probe is a flow of at most this many packets (the probe and a retransmission or two): a longer flow is a
    /// connection whatever its flags say (exporters often record only the first packet's flags).
    /// </summary>
    public int MaxProbePackets { get; init; } = 3;

    /// <summary>A TCP probe carries no payload: at most this many IP bytes per packet (an IPv6 header and a TCP header with options).</summary>
    public int MaxProbeBytesPerPacket { get; init; } = 80;

    /// <summary>TRW: probability that a first contact of a benign host succeeds (θ0; rwscan and Jung et al.: 0.8).</summary>
    public double BenignSuccess { get; init; } = 0.8;

    /// <summary>TRW: probability that a first contact of a scanner succeeds (θ1: 0.2).</summary>
    public double ScannerSuccess { get; init; } = 0.2;

    /// <summary>TRW: wanted detection probability (P_D 0.99) and false-positive probability (P_F 0.01): η1 = P_D/P_F = 99, η0 = (1−P_D)/(1−P_F).</summary>
    public double DetectionProbability { get; init; } = 0.99;

    public double FalsePositiveProbability { get; init; } = 0.01;

    /// <summary>Scanners (sources of probe-like flows) tracked at once.</summary>
    public int MaxSources { get; init; } = 100_000;

    /// <summary>(scanner, target, protocol) and (scanner, protocol, port) entries each table may hold.</summary>
    public int MaxEntries { get; init; } = 1_000_000;

    /// <summary>Distinct first-contacted hosts a source remembers for the sequential test; past it the test has long decided.</summary>
    public int SequentialMemory { get; init; } = 1_024;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        ValidateCommon();
        if (HostThreshold < 2) throw new ArgumentException("HostThreshold must be at least 2.", nameof(HostThreshold));
        if (PortThreshold < 2) throw new ArgumentException("PortThreshold must be at least 2.", nameof(PortThreshold));
        if (SweepThreshold < 2) throw new ArgumentException("SweepThreshold must be at least 2.", nameof(SweepThreshold));
        if (SequentialMinTargets < 2) throw new ArgumentException("SequentialMinTargets must be at least 2.", nameof(SequentialMinTargets));
        if (Window <= TimeSpan.Zero) throw new ArgumentException("Window must be positive.", nameof(Window));
        if (MaxProbePackets < 1) throw new ArgumentException("MaxProbePackets must be at least 1.", nameof(MaxProbePackets));
        if (MaxProbeBytesPerPacket < 40) throw new ArgumentException("MaxProbeBytesPerPacket must be at least 40.", nameof(MaxProbeBytesPerPacket));
        if (StealthThreshold < 1) throw new ArgumentException("StealthThreshold must be at least 1.", nameof(StealthThreshold));
        if (!(ScannerSuccess > 0 && ScannerSuccess < BenignSuccess && BenignSuccess < 1))
            throw new ArgumentException("TRW needs 0 < ScannerSuccess < BenignSuccess < 1.", nameof(ScannerSuccess));
        if (!(FalsePositiveProbability > 0 && FalsePositiveProbability < DetectionProbability && DetectionProbability < 1))
            throw new ArgumentException("TRW needs 0 < FalsePositiveProbability < DetectionProbability < 1.", nameof(DetectionProbability));
        if (MaxSources < 16 || MaxEntries < 16 || SequentialMemory < 16)
            throw new ArgumentException("MaxSources, MaxEntries and SequentialMemory must be at least 16.", nameof(MaxEntries));
    }
}
