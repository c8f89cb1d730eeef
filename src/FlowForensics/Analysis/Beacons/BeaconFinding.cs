using FlowForensics.Analysis.Hunting;

namespace FlowForensics.Analysis.Beacons;

/// <summary>
/// One suspected beacon: a source that connects to one destination service on a schedule. Flat (strings, numbers,
/// DateTime, TimeSpan) so Export-Csv and Export-Excel keep every column. Scores are 0..1; <see cref="Reason"/> says why.
/// </summary>
public sealed class BeaconFinding : IHuntFinding
{
    /// <summary>The beaconing source (SrcAddr, formerly; the type data keeps the old name as an alias).</summary>
    public string Host { get; init; } = string.Empty;

    /// <summary>Always Beacon.</summary>
    public string Kind => "Beacon";

    /// <summary>MITRE ATT&amp;CK T1071 Application Layer Protocol (command and control over a regular schedule).</summary>
    public string Technique => "T1071";

    public string DstAddr { get; init; } = string.Empty;

    /// <summary>Destination port; 0 when grouped by host pair only (-ByHostPair).</summary>
    public int DstPort { get; init; }

    /// <summary>Protocol name (TCP, UDP ...); empty when grouped by host pair only.</summary>
    public string Protocol { get; init; } = string.Empty;

    /// <summary>The verdict, 0..1: the weighted sub-scores times the ordinary-traffic discounts named in <see cref="Reason"/>.</summary>
    public double Score { get; init; }

    /// <summary>Regularity of the start-to-start intervals after folding missed beats (MAD, Bowley skew, missed share).</summary>
    public double TimingScore { get; init; }

    /// <summary>Regularity of the bytes per connection, both directions.</summary>
    public double SizeScore { get; init; }

    /// <summary>Share of the observation window between the first and the last connection.</summary>
    public double CoverageScore { get; init; }

    /// <summary>Evenness of the connections over the bins of the active span (1 − coefficient of variation).</summary>
    public double HistogramScore { get; init; }

    /// <summary>Connections (a TCP connection cut by the meter's active timeout counts once).</summary>
    public long Connections { get; init; }

    /// <summary>The estimated period: the median interval once intervals spanning missed beats are divided by the beats they span.</summary>
    public TimeSpan MedianInterval { get; init; }

    /// <summary>Estimated ± jitter around the period in percent (2 × MAD / period; exact for uniform jitter).</summary>
    public double JitterPercent { get; init; }

    /// <summary>Scheduled beats with no connection, estimated from intervals that span several periods.</summary>
    public long MissedBeats { get; init; }

    /// <summary>Median IP bytes sent by the source per connection.</summary>
    public long BytesOutPerConnection { get; init; }

    /// <summary>Median absolute deviation of <see cref="BytesOutPerConnection"/>.</summary>
    public long BytesOutSpread { get; init; }

    /// <summary>Median IP bytes received per connection (from the reverse flow); 0 when no reverse flows were seen.</summary>
    public long BytesInPerConnection { get; init; }

    /// <summary>Median absolute deviation of <see cref="BytesInPerConnection"/>.</summary>
    public long BytesInSpread { get; init; }

    /// <summary>Distinct clock hours (UTC) with at least one connection.</summary>
    public int HoursActive { get; init; }

    /// <summary>Distinct sources with connections to the same destination service (1 = only this source).</summary>
    public int SourcesSharingDestination { get; init; }

    public DateTime FirstSeen { get; init; }
    public DateTime LastSeen { get; init; }

    /// <summary>The verdict in plain words: what was measured and what raised or lowered the score.</summary>
    public string Reason { get; set; } = string.Empty;
}
