using FlowForensics.Analysis.LateralMovement;
using System.Net;
using System.Text.Json.Serialization;
using FlowForensics.Flows;

namespace FlowForensics.Analysis.Baselines;

/// <summary>
/// What ordinary traffic looked like over a period: per-host and per-network profiles learned by
/// <see cref="FlowBaselineBuilder"/>, saved and loaded by <see cref="FlowBaselineFile"/>, compared with later traffic by
/// <see cref="AnomalyDetector"/>. Other hunts ask it small questions: <see cref="IsKnownPeer(IPAddress, IPAddress)"/>,
/// <see cref="IsKnownPort(IPAddress, ushort, byte)"/>, <see cref="IsUsualHour(IPAddress, int)"/>.
/// </summary>
public sealed class FlowBaseline : IKnownEdges
{
    /// <summary>The value of <see cref="Format"/> in every baseline file.</summary>
    public const string FormatName = "FlowForensics.Baseline";

    /// <summary>The file format version this build writes and reads.</summary>
    public const int CurrentFormatVersion = 1;

    private Dictionary<FlowAddress, BaselineProfile>? _hostIndex;
    private Dictionary<FlowAddress, BaselineProfile>? _networkIndex;

    public string Format { get; set; } = FormatName;

    public int FormatVersion { get; set; } = CurrentFormatVersion;

    /// <summary>When the baseline was built (UTC).</summary>
    public DateTime Created { get; set; }

    /// <summary>The start of the first and of the last flow learned from (UTC).</summary>
    public DateTime PeriodStart { get; set; }

    public DateTime PeriodEnd { get; set; }

    /// <summary>The length of the intervals volumes are counted in, in seconds (3600: hourly).</summary>
    public long IntervalSeconds { get; set; } = 3600;

    [JsonIgnore]
    public TimeSpan Interval => TimeSpan.FromSeconds(IntervalSeconds);

    /// <summary>The networks whose hosts are profiled.</summary>
    public List<string> InternalNetworks { get; set; } = [];

    public int NetworkPrefixLengthV4 { get; set; } = 24;

    public int NetworkPrefixLengthV6 { get; set; } = 64;

    /// <summary>Flows learned from.</summary>
    public long FlowCount { get; set; }

    /// <summary>Intervals with at least one flow, per hour of the day (UTC, 24 entries): which hours the period covered.</summary>
    public int[] HoursCovered { get; set; } = new int[24];

    /// <summary>Internal hosts not profiled because the host bound was reached.</summary>
    public long HostsDropped { get; set; }

    public long NetworksDropped { get; set; }

    /// <summary>Flow ends not counted in an interval because the cell bound was reached.</summary>
    public long IntervalsDropped { get; set; }

    public List<BaselineProfile> Hosts { get; set; } = [];

    public List<BaselineProfile> Networks { get; set; } = [];

    /// <summary>The profile of a host, or null when the baseline never saw it.</summary>
    public BaselineProfile? GetHost(FlowAddress host) => HostIndex.GetValueOrDefault(host);

    public BaselineProfile? GetHost(IPAddress host) => GetHost(FlowAddress.FromIPAddress(host));

    /// <summary>The profile of the network that holds <paramref name="host"/> (by the baseline's prefix lengths), or null.</summary>
    public BaselineProfile? GetNetwork(FlowAddress host) => NetworkIndex.GetValueOrDefault(NetworkOf(host));

    /// <summary>True when the baseline profiled <paramref name="host"/>.</summary>
    public bool IsKnownHost(IPAddress host) => GetHost(host) is not null;

    /// <summary>True when <paramref name="host"/> exchanged flows with <paramref name="peer"/> in the baseline period.</summary>
    public bool IsKnownPeer(IPAddress host, IPAddress peer) => GetHost(host)?.IsKnownPeer(FlowAddress.FromIPAddress(peer)) ?? false;

    internal bool IsKnownPeer(FlowAddress host, FlowAddress peer) => GetHost(host)?.IsKnownPeer(peer) ?? false;

    /// <summary>
    /// An edge of the lateral-movement hunt is known when the source had the destination among its peers in the period
    /// (on any port: the baseline keeps peers, not peer-port pairs; a host's peer list is bounded, so an edge of a
    /// host with very many peers may be reported as new).
    /// </summary>
    bool IKnownEdges.Contains(FlowAddress source, FlowAddress destination, ushort port) =>
        IsKnownPeer(source, destination) || IsKnownPeer(destination, source);

    /// <summary>True when <paramref name="host"/> used or offered <paramref name="port"/> over <paramref name="protocol"/> (6 TCP, 17 UDP ...) in the period.</summary>
    public bool IsKnownPort(IPAddress host, ushort port, byte protocol) => GetHost(host)?.IsKnownPort(port, protocol) ?? false;

    /// <summary>
    /// True when <paramref name="host"/> was active in <paramref name="hour"/> (0-23, UTC) of the day in the period; also true
    /// when the period never covered that hour at all (no evidence either way). False for a host the baseline never saw.
    /// </summary>
    public bool IsUsualHour(IPAddress host, int hour)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(hour);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(hour, 23);
        var profile = GetHost(host);
        if (profile is null) return false;
        return HoursCovered[hour] == 0 || profile.IsUsualHour(hour);
    }

    /// <summary>The network a host belongs to, masked to the baseline's prefix length.</summary>
    internal FlowAddress NetworkOf(FlowAddress host) => host.Mask(host.IsIPv4 ? NetworkPrefixLengthV4 : NetworkPrefixLengthV6);

    internal string NetworkText(FlowAddress network) => $"{network}/{(network.IsIPv4 ? NetworkPrefixLengthV4 : NetworkPrefixLengthV6)}";

    private Dictionary<FlowAddress, BaselineProfile> HostIndex => _hostIndex ??= Index(Hosts, network: false);

    private Dictionary<FlowAddress, BaselineProfile> NetworkIndex => _networkIndex ??= Index(Networks, network: true);

    private static Dictionary<FlowAddress, BaselineProfile> Index(List<BaselineProfile> profiles, bool network)
    {
        var index = new Dictionary<FlowAddress, BaselineProfile>(profiles.Count);
        foreach (var p in profiles)
        {
            string text = network && p.Address.IndexOf('/') is int slash and >= 0 ? p.Address[..slash] : p.Address;
            if (FlowAddress.TryParse(text, out var a)) index[a] = p;
        }
        return index;
    }
}
