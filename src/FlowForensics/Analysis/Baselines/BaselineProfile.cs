using FlowForensics.Analysis.Statistics;
using System.Text.Json.Serialization;
using FlowForensics.Flows;

namespace FlowForensics.Analysis.Baselines;

/// <summary>
/// What a baseline knows of one host or one network: the robust distribution of its volumes per interval (over the
/// intervals in which it was active), its active hours of the day, and for a host its usual peers and services.
/// </summary>
public sealed class BaselineProfile
{
    private HashSet<FlowAddress>? _peers;
    private HashSet<(byte Protocol, ushort Port)>? _ports;

    /// <summary>The host address, or the network in CIDR notation.</summary>
    public string Address { get; set; } = string.Empty;

    /// <summary>Hosts of the network seen in the period (networks only; 0 for a host).</summary>
    public int Hosts { get; set; }

    /// <summary>Intervals in which the host or network sent or received at least one flow.</summary>
    public int ActiveIntervals { get; set; }

    public long Flows { get; set; }
    public long Packets { get; set; }
    public long Bytes { get; set; }

    /// <summary>Active intervals per hour of the day (UTC), 24 entries.</summary>
    public int[] ActiveHours { get; set; } = new int[24];

    public VolumeStatistics BytesOut { get; set; } = VolumeStatistics.Empty;
    public VolumeStatistics BytesIn { get; set; } = VolumeStatistics.Empty;
    public VolumeStatistics PacketsOut { get; set; } = VolumeStatistics.Empty;
    public VolumeStatistics PacketsIn { get; set; } = VolumeStatistics.Empty;
    public VolumeStatistics FlowsOut { get; set; } = VolumeStatistics.Empty;
    public VolumeStatistics FlowsIn { get; set; } = VolumeStatistics.Empty;

    /// <summary>The busiest peers (hosts only), by flows.</summary>
    public List<BaselinePeer> Peers { get; set; } = [];

    /// <summary>Distinct peers counted while learning (saturates at the tracking bound).</summary>
    public int PeersSeen { get; set; }

    /// <summary>True when <see cref="Peers"/> holds every peer of the period: an unknown peer is then certainly new.</summary>
    public bool PeersComplete { get; set; }

    /// <summary>The busiest services (hosts only), by flows.</summary>
    public List<BaselineService> Ports { get; set; } = [];

    /// <summary>Distinct services counted while learning (saturates at the tracking bound).</summary>
    public int PortsSeen { get; set; }

    /// <summary>True when <see cref="Ports"/> holds every service of the period.</summary>
    public bool PortsComplete { get; set; }

    public VolumeStatistics Get(BaselineMetric metric) => metric switch
    {
        BaselineMetric.BytesOut => BytesOut,
        BaselineMetric.BytesIn => BytesIn,
        BaselineMetric.PacketsOut => PacketsOut,
        BaselineMetric.PacketsIn => PacketsIn,
        BaselineMetric.FlowsOut => FlowsOut,
        _ => FlowsIn,
    };

    /// <summary>True when the host exchanged flows with <paramref name="peer"/> in the baseline period (among the kept peers).</summary>
    public bool IsKnownPeer(FlowAddress peer)
    {
        _peers ??= BuildPeerSet();
        return _peers.Contains(peer);
    }

    /// <summary>True when the host used or offered <paramref name="port"/> over <paramref name="protocol"/> in the period, in either role.</summary>
    public bool IsKnownPort(ushort port, byte protocol)
    {
        _ports ??= BuildPortSet();
        return _ports.Contains((protocol, port));
    }

    /// <summary>True when the host was active in this hour of the day (UTC, 0-23) in the period.</summary>
    public bool IsUsualHour(int hour) => hour is >= 0 and < 24 && ActiveHours[hour] > 0;

    private HashSet<FlowAddress> BuildPeerSet()
    {
        var set = new HashSet<FlowAddress>(Peers.Count);
        foreach (var p in Peers)
            if (FlowAddress.TryParse(p.Address, out var a)) set.Add(a);
        return set;
    }

    private HashSet<(byte, ushort)> BuildPortSet()
    {
        var set = new HashSet<(byte, ushort)>(Ports.Count);
        foreach (var s in Ports) set.Add((s.Protocol, s.Port));
        return set;
    }
}

/// <summary>
/// A robust summary of one volume over a profile's active intervals: median, median absolute deviation, 95th
/// percentile and maximum (nearest rank), and the number of intervals they were computed from.
/// </summary>
public sealed record VolumeStatistics(double Median, double Mad, double P95, long Max, int Samples)
{
    public static VolumeStatistics Empty { get; } = new(0, 0, 0, 0, 0);

    /// <summary>Computes the statistics of <paramref name="values"/> (sorted in place).</summary>
    public static VolumeStatistics Of(long[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length == 0) return Empty;
        Array.Sort(values);
        var asDoubles = Array.ConvertAll(values, static v => (double)v);
        double median = RobustStatistics.MedianOfSorted(asDoubles);
        double mad = RobustStatistics.MedianAbsoluteDeviation(asDoubles, median, new double[asDoubles.Length]);
        long p95 = values[Math.Clamp((int)Math.Ceiling(0.95 * values.Length) - 1, 0, values.Length - 1)];
        return new VolumeStatistics(median, mad, p95, values[^1], values.Length);
    }
}

/// <summary>A usual peer of a host and the flows exchanged with it in the period.</summary>
public sealed record BaselinePeer(string Address, long Flows);

/// <summary>
/// A usual service of a host: the protocol, the service port (the lower port of a TCP/UDP/SCTP flow; the ICMP type
/// and code as nfdump packs them; 0 for other protocols), whether the host offered it (<c>Server</c>) or used it on a
/// peer (<c>Client</c>), and the flows.
/// </summary>
public sealed record BaselineService(byte Protocol, ushort Port, string Role, long Flows);
