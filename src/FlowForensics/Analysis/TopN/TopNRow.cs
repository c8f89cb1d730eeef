namespace FlowForensics.Analysis.TopN;

/// <summary>
/// One row of a top-N statistic or aggregation: flat (strings, numbers, DateTime, TimeSpan) so Export-Csv and
/// Export-Excel keep everything. Only the key columns of the requested properties are set; the others are null.
/// Packets and Bytes count both directions (in + out). Percentages are of the totals over all records seen;
/// for both-ends properties (Address, Port ...) a record counts once per end, so they can sum to 200 %, as nfdump's.
/// </summary>
public sealed class TopNRow
{
    /// <summary>1 for the first row.</summary>
    public int Rank { get; set; }

    /// <summary>The key as text, e.g. <c>10.0.0.1</c>, <c>10.1.0.0/16</c>, <c>443</c> or <c>TCP 10.0.0.1:51000 -> 10.0.0.2:443</c>; several properties are joined with <c>", "</c>.</summary>
    public string Key { get; set; } = string.Empty;

    // ---- key columns (null unless part of the key) --------------------------------------------
    public string? SrcAddr { get; set; }
    public string? DstAddr { get; set; }
    public string? Address { get; set; }
    public string? SrcNet { get; set; }
    public string? DstNet { get; set; }
    public string? Net { get; set; }
    public int? SrcPort { get; set; }
    public int? DstPort { get; set; }
    public int? Port { get; set; }
    public int? Protocol { get; set; }

    /// <summary>The protocol's nfdump name (TCP, UDP, ICMP ...) when <see cref="Protocol"/> is set.</summary>
    public string? ProtocolName { get; set; }

    public long? SrcAs { get; set; }
    public long? DstAs { get; set; }
    public long? As { get; set; }
    public long? InputInterface { get; set; }
    public long? OutputInterface { get; set; }
    public long? Interface { get; set; }
    public int? SrcTos { get; set; }
    public int? DstTos { get; set; }
    public int? Tos { get; set; }
    public int? SrcVlan { get; set; }
    public int? DstVlan { get; set; }
    public int? Vlan { get; set; }

    // ---- figures ------------------------------------------------------------------------------
    public long Flows { get; set; }
    public double FlowsPercent { get; set; }
    public long Packets { get; set; }
    public double PacketsPercent { get; set; }
    public long Bytes { get; set; }
    public double BytesPercent { get; set; }

    /// <summary>⌊Packets / duration in s⌋, 0 for a zero duration (nfdump's formula).</summary>
    public long Pps { get; set; }

    /// <summary>⌊8 · Bytes / duration in s⌋, 0 for a zero duration.</summary>
    public long Bps { get; set; }

    /// <summary>⌊Bytes / Packets⌋, 0 without packets.</summary>
    public long Bpp { get; set; }

    /// <summary>Earliest start of the key's records (UTC).</summary>
    public DateTime FirstSeen { get; set; }

    /// <summary>Latest end of the key's records (UTC).</summary>
    public DateTime LastSeen { get; set; }

    public TimeSpan Duration { get; set; }

    // ---- -Distinct (null unless requested) ------------------------------------------------------
    public long? DistinctSrcAddr { get; set; }
    public long? DistinctDstAddr { get; set; }
    public long? DistinctSrcPort { get; set; }
    public long? DistinctDstPort { get; set; }
    public long? DistinctProtocol { get; set; }

    /// <summary>False when any distinct count of this row passed the exact limit and is a HyperLogLog estimate (≈ 1.6 % error); null without -Distinct.</summary>
    public bool? DistinctIsExact { get; set; }

    public override string ToString() => $"{Rank} {Key} flows {Flows} packets {Packets} bytes {Bytes}";
}
