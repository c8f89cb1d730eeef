using FlowForensics.Analysis.Hunting;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FlowForensics.Flows;

namespace FlowForensics.Analysis.Baselines;

/// <summary>
/// Compares flows with a <see cref="FlowBaseline"/>: volume surges per host and per network (modified z-score on the
/// baseline's median and MAD), floods aimed at one host (SYN-only flows, packets, many sources), new peers, new
/// services, activity at hours a host was never active, and hosts the baseline never saw. Memory is bounded by
/// <see cref="BaselineLimits"/>: per (host or network, interval) a small cell, per host a bounded set of new things.
/// </summary>
public sealed class AnomalyDetector : IHunt<AnomalyFinding>
{
    /// <summary>The weakest anomaly (a new host) scored 30 of 100 before the common scale; that point is 0.5 now (see <see cref="HuntScore"/>).</summary>
    public const double FormerThreshold = 0.3;

    /// <summary>A score in the former points (0..100) on the common 0..1 scale.</summary>
    private static double Points(double points) => HuntScore.Calibrate(points / 100, FormerThreshold);

    private const double MadScale = 0.6745;
    private const int SampleSize = 5;

    private readonly FlowBaseline _baseline;
    private readonly AnomalyDetectorOptions _options;
    private readonly Hunting.AddressSet _internal;
    private readonly long _intervalTicks;
    private readonly HashSet<string>? _types;
    private readonly Dictionary<FlowAddress, HostState> _hosts = [];
    private readonly Dictionary<FlowAddress, int> _networks = [];
    private readonly List<FlowAddress> _networkList = [];
    private readonly Dictionary<(int Entity, long Interval), Cell> _cells = [];

    public AnomalyDetector(FlowBaseline baseline, AnomalyDetectorOptions options)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _baseline = baseline;
        _options = options;
        _internal = Hunting.AddressSet.Parse(baseline.InternalNetworks);
        _intervalTicks = baseline.Interval.Ticks;
        _types = options.Types.Count == 0 ? null : new HashSet<string>(options.Types, StringComparer.OrdinalIgnoreCase);
    }

    public long FlowCount { get; private set; }

    public AnomalyDetectorOptions Options => _options;

    HuntOptions IHunt.Options => _options;

    public string Title => "Anomalies";

    public string Description => "surges, floods, new peers, services, hours and hosts against a baseline (Find-FlowAnomaly)";

    public Type FindingType => typeof(AnomalyFinding);

    private int _findingCount = -1;

    public string Summary => $"{FlowCount:N0} flows compared with the baseline" + (_findingCount >= 0 ? $": {_findingCount:N0} findings." : ".");

    public IReadOnlyList<string> BoundsReached => HostsDropped > 0 || CellsDropped > 0
        ? [$"The comparison reached its bounds: {HostsDropped:N0} host ends and {CellsDropped:N0} interval counts were left out."]
        : [];

    IReadOnlyList<IHuntFinding> IHunt.GetFindings() => GetFindings();

    public long HostsDropped { get; private set; }

    public long CellsDropped { get; private set; }

    public void Add(FlowRecord flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        FlowCount++;
        long interval = BaselineKeys.IntervalOf(flow.Start, _intervalTicks);
        if (_internal.Contains(flow.Src)) AddEnd(flow, flow.Src, flow.Dst, isSource: true, interval);
        if (_internal.Contains(flow.Dst)) AddEnd(flow, flow.Dst, flow.Src, isSource: false, interval);
    }

    private void AddEnd(FlowRecord flow, FlowAddress host, FlowAddress peer, bool isSource, long interval)
    {
        var network = _baseline.NetworkOf(host);
        if (!_networks.TryGetValue(network, out int networkId))
        {
            if (_networks.Count < _baseline.Networks.Count + _options.Limits.MaxNetworks)
            {
                networkId = _networkList.Count;
                _networks.Add(network, networkId);
                _networkList.Add(network);
            }
            else networkId = -1;
        }
        if (networkId >= 0) CellFor(~networkId, interval)?.Counters.Add(flow, isSource);

        if (!_hosts.TryGetValue(host, out var state))
        {
            if (_hosts.Count >= _options.Limits.MaxHosts)
            {
                HostsDropped++;
                return;
            }
            state = new HostState(_hosts.Count, _baseline.GetHost(host), flow.Start);
            _hosts.Add(host, state);
        }
        state.Flows += flow.Flows;
        state.Packets += flow.Packets + flow.OutPackets;
        state.Bytes += flow.Bytes + flow.OutBytes;
        if (flow.Start < state.First) state.First = flow.Start;
        var cell = CellFor(state.Id, interval);
        if (cell is not null)
        {
            cell.Counters.Add(flow, isSource);
            if (!isSource) cell.AddInbound(flow, _options.Limits.MaxSourcesPerCell, _options.FloodMaxPorts);
        }
        var profile = state.Profile;
        if (profile is null || profile.ActiveIntervals < _options.MinBaselineIntervals) return;
        int cap = _options.Limits.MaxNewPerHost;
        long bytes = flow.Bytes + flow.OutBytes;
        if (!profile.IsKnownPeer(peer))
        {
            state.NewPeers ??= [];
            ref var seen = ref CollectionsMarshal.GetValueRefOrNullRef(state.NewPeers, peer);
            if (!Unsafe.IsNullRef(ref seen)) seen = (seen.Flows + flow.Flows, seen.Bytes + bytes, seen.First);
            else if (state.NewPeers.Count < cap) state.NewPeers.Add(peer, (flow.Flows, bytes, flow.Start));
        }
        var service = BaselineKeys.ServiceOf(flow, isSource);
        if (!profile.IsKnownPort(service.Port, service.Protocol))
        {
            state.NewPorts ??= [];
            var key = service with { Server = false };
            ref var seen = ref CollectionsMarshal.GetValueRefOrNullRef(state.NewPorts, key);
            if (!Unsafe.IsNullRef(ref seen)) seen = (seen.Flows + flow.Flows, seen.Bytes + bytes, seen.First, seen.Server || service.Server);
            else if (state.NewPorts.Count < cap) state.NewPorts.Add(key, (flow.Flows, bytes, flow.Start, service.Server));
        }
        int hour = flow.Start.Hour;
        if (_baseline.HoursCovered[hour] > 0 && !profile.IsUsualHour(hour))
        {
            var hourStart = new DateTime(flow.Start.Year, flow.Start.Month, flow.Start.Day, hour, 0, 0, DateTimeKind.Utc);
            state.OddHours ??= [];
            ref var seen = ref CollectionsMarshal.GetValueRefOrNullRef(state.OddHours, hourStart);
            if (!Unsafe.IsNullRef(ref seen)) seen = (seen.Flows + flow.Flows, seen.Bytes + bytes, seen.Peer);
            else if (state.OddHours.Count < cap) state.OddHours.Add(hourStart, (flow.Flows, bytes, peer));
        }
    }

    private Cell? CellFor(int entity, long interval)
    {
        var key = (entity, interval);
        if (_cells.TryGetValue(key, out var cell)) return cell;
        if (_cells.Count >= _options.Limits.MaxCells)
        {
            CellsDropped++;
            return null;
        }
        cell = new Cell();
        _cells.Add(key, cell);
        return cell;
    }

    /// <summary>The findings of every flow added so far, by window and then by score, highest first.</summary>
    public IReadOnlyList<AnomalyFinding> GetFindings()
    {
        var findings = new List<AnomalyFinding>();
        var hostsById = new FlowAddress[_hosts.Count];
        var statesById = new HostState[_hosts.Count];
        foreach (var (address, state) in _hosts)
        {
            hostsById[state.Id] = address;
            statesById[state.Id] = state;
        }
        foreach (var ((entity, interval), cell) in _cells)
        {
            DateTime window = BaselineKeys.IntervalStart(interval, _intervalTicks);
            if (entity >= 0)
            {
                string host = hostsById[entity].ToString();
                var profile = statesById[entity].Profile;
                var flood = Flood(host, window, cell, profile);
                if (flood is not null) findings.Add(flood);
                if (profile is not null && Surge(host, "Host", window, cell, profile, skipInbound: flood is not null) is { } surge) findings.Add(surge);
            }
            else
            {
                var network = _networkList[~entity];
                var profile = _baseline.GetNetwork(network);
                if (profile is not null && Surge(_baseline.NetworkText(network), "Network", window, cell, profile, skipInbound: false) is { } surge)
                    findings.Add(surge);
            }
        }
        if (_baseline.Hosts.Count > 0)
        {
            for (int id = 0; id < statesById.Length; id++) AddHostFindings(findings, hostsById[id].ToString(), statesById[id]);
        }
        var result = findings.Where(f => f.Score >= _options.MinimumScore && (_types is null || _types.Contains(f.Kind))).ToList();
        result.Sort(static (a, b) =>
        {
            int c = a.Window.CompareTo(b.Window);
            if (c == 0) c = b.Score.CompareTo(a.Score);
            return c != 0 ? c : string.CompareOrdinal(a.Host, b.Host);
        });
        _findingCount = result.Count;
        return result;
    }

    private AnomalyFinding? Surge(string host, string scope, DateTime window, Cell cell, BaselineProfile profile, bool skipInbound)
    {
        BaselineMetric? worst = null;
        double worstZ = 0, worstUpper = 0;
        var over = new List<string>();
        foreach (var metric in Enum.GetValues<BaselineMetric>())
        {
            if (skipInbound && metric is BaselineMetric.BytesIn or BaselineMetric.PacketsIn or BaselineMetric.FlowsIn) continue;
            long observed = cell.Counters.Get(metric);
            if (observed < MinimumFor(metric)) continue;
            var stats = profile.Get(metric);
            double z = ModifiedZ(observed, stats);
            double upper = UpperBound(stats);
            if (z < _options.Threshold || observed <= upper) continue;
            over.Add($"{Describe(metric)} {Amount(metric, observed)} (usually up to {Amount(metric, upper)})");
            if (z > worstZ)
            {
                worstZ = z;
                worst = metric;
                worstUpper = upper;
            }
        }
        if (worst is not { } m) return null;
        var s = profile.Get(m);
        var c = cell.Counters;
        string what = scope == "Network" ? $"Network {host}" : host;
        return new AnomalyFinding
        {
            Host = host,
            Scope = scope,
            Kind = AnomalyTypes.VolumeSurge,
            Technique = m is BaselineMetric.BytesIn or BaselineMetric.PacketsIn or BaselineMetric.FlowsIn && c.FlowsIn >= _options.FloodMinFlows ? "T1498" : string.Empty,
            Window = window,
            WindowLength = _baseline.Interval,
            Metric = m.ToString(),
            Observed = c.Get(m),
            Expected = Math.Round(worstUpper, 1),
            Median = s.Median,
            Deviation = Math.Round(worstZ, 2),
            Score = Points(Math.Min(100, 50 * worstZ / _options.Threshold)),
            Flows = c.FlowsIn + c.FlowsOut,
            Packets = c.PacketsIn + c.PacketsOut,
            Bytes = c.BytesIn + c.BytesOut,
            Sources = cell.Sources?.Count ?? 0,
            Reason = $"{what} {string.Join(", ", over)} in the {FormatInterval()} from {window:yyyy-MM-dd HH:mm} UTC, " +
                     $"{worstZ:0.#} MADs above its baseline median of {Amount(m, s.Median)} over {s.Samples} active intervals.",
        };
    }

    private AnomalyFinding? Flood(string host, DateTime window, Cell cell, BaselineProfile? profile)
    {
        var c = cell.Counters;
        string type;
        string technique;
        BaselineMetric metric;
        long observed;
        long minimum;
        if (cell.SynOnlyFlows >= _options.SynFloodMinFlows && cell.SynPorts!.Count <= _options.FloodMaxPorts)
        {
            (type, technique, metric, observed, minimum) = (AnomalyTypes.SynFlood, "T1499.001", BaselineMetric.FlowsIn, cell.SynOnlyFlows, _options.SynFloodMinFlows);
        }
        else if (cell.NonTcpPackets >= _options.FloodMinPackets && c.PacketsOut * 2 < cell.NonTcpPackets
                 && (NewProtocol(profile, cell) || AboveBaseline(c.PacketsIn, profile?.PacketsIn)))
        {
            long top = Math.Max(Math.Max(cell.UdpPackets, cell.IcmpPackets), cell.OtherPackets);
            type = top == cell.UdpPackets ? AnomalyTypes.UdpFlood : top == cell.IcmpPackets ? AnomalyTypes.IcmpFlood : AnomalyTypes.PacketFlood;
            (technique, metric, observed, minimum) = ("T1498.001", BaselineMetric.PacketsIn, cell.NonTcpPackets, _options.FloodMinPackets);
        }
        else if ((cell.Sources?.Count ?? 0) >= _options.FloodMinSources && c.FlowsIn >= _options.FloodMinFlows && AboveBaseline(c.FlowsIn, profile?.FlowsIn))
        {
            (type, technique, metric, observed, minimum) = (AnomalyTypes.FlowFlood, "T1498", BaselineMetric.FlowsIn, c.FlowsIn, _options.FloodMinFlows);
        }
        else return null;

        var stats = profile?.Get(metric) ?? VolumeStatistics.Empty;
        double z = profile is null ? 0 : ModifiedZ(observed, stats);
        int sources = cell.Sources?.Count ?? 0;
        string sourcesText = sources >= _options.Limits.MaxSourcesPerCell ? $"at least {sources:N0}" : sources.ToString("N0", CultureInfo.InvariantCulture);
        string what = type switch
        {
            AnomalyTypes.SynFlood => $"{observed:N0} TCP flows with only SYN set (to {cell.SynPorts!.Count} port{(cell.SynPorts.Count == 1 ? "" : "s")})",
            AnomalyTypes.FlowFlood => $"{observed:N0} flows",
            AnomalyTypes.UdpFlood => $"{observed:N0} packets, mostly UDP,",
            AnomalyTypes.IcmpFlood => $"{observed:N0} packets, mostly ICMP,",
            _ => $"{observed:N0} packets of other protocols than TCP",
        };
        string baselineText = profile is null ? "a host the baseline never saw receive traffic"
            : $"a host whose baseline median is {stats.Median:N0} per interval ({z:0.#} MADs above)";
        return new AnomalyFinding
        {
            Host = host,
            Scope = "Host",
            Kind = type,
            Technique = technique,
            Window = window,
            WindowLength = _baseline.Interval,
            Metric = type == AnomalyTypes.SynFlood ? "SynOnlyFlows" : metric.ToString(),
            Observed = observed,
            Expected = profile is null ? 0 : Math.Round(RobustBound(stats), 1),
            Median = stats.Median,
            Deviation = Math.Round(z, 2),
            Score = Points(Math.Min(100, 80 + (10 * Math.Log10((double)observed / minimum)))),
            Flows = c.FlowsIn + c.FlowsOut,
            Packets = c.PacketsIn + c.PacketsOut,
            Bytes = c.BytesIn + c.BytesOut,
            Sources = sources,
            Peers = cell.SampleSources is null ? string.Empty : string.Join(", ", cell.SampleSources),
            PeerCount = sources,
            Ports = cell.SynPorts is null ? string.Empty : string.Join(", ", cell.SynPorts.Take(SampleSize).Select(static p => $"{p}/tcp")),
            PortCount = cell.SynPorts?.Count ?? 0,
            Reason = $"{host} received {what} from {sourcesText} source{(sources == 1 ? "" : "s")} in the {FormatInterval()} from {window:yyyy-MM-dd HH:mm} UTC, {baselineText}.",
        };
    }

    private void AddHostFindings(List<AnomalyFinding> findings, string host, HostState state)
    {
        var profile = state.Profile;
        if (profile is null)
        {
            findings.Add(new AnomalyFinding
            {
                Host = host,
                Kind = AnomalyTypes.NewHost,
                Window = Floor(state.First),
                WindowLength = _baseline.Interval,
                Metric = "Flows",
                Observed = state.Flows,
                Score = Points(30),
                Flows = state.Flows,
                Packets = state.Packets,
                Bytes = state.Bytes,
                Reason = $"{host} is inside the profiled networks but was not seen in the baseline period; first flow at {state.First:yyyy-MM-dd HH:mm:ss} UTC, {state.Flows:N0} flows and {FormatBytes(state.Bytes)} since.",
            });
            return;
        }
        if (state.NewPeers is { Count: > 0 } peers)
        {
            var reported = peers.Where(p => profile.PeersComplete || p.Value.Bytes >= _options.NewPeerMinBytes)
                .OrderByDescending(static p => p.Value.Bytes).ThenBy(static p => p.Key);
            foreach (var group in reported.GroupBy(p => Floor(p.Value.First)).OrderBy(static g => g.Key))
            {
                var list = group.ToList();
                long bytes = list.Sum(static p => p.Value.Bytes);
                long flows = list.Sum(static p => p.Value.Flows);
                int count = list.Count;
                DateTime first = list.Min(static p => p.Value.First);
                findings.Add(new AnomalyFinding
                {
                    Host = host,
                    Kind = AnomalyTypes.NewPeer,
                    Window = group.Key,
                    WindowLength = _baseline.Interval,
                    Metric = "Peers",
                    Observed = count,
                    Expected = profile.PeersSeen,
                    Score = Points(Math.Min(100, 30 + (10 * Math.Log10(1 + (bytes / 10_000.0))))),
                    Flows = flows,
                    Bytes = bytes,
                    Peers = string.Join(", ", list.Take(SampleSize).Select(static p => p.Key.ToString())),
                    PeerCount = count,
                    Reason = $"{host} exchanged {FormatBytes(bytes)} in {flows:N0} flows with {count:N0} peer{(count == 1 ? "" : "s")} it never talked to in the baseline " +
                             $"({(profile.PeersComplete ? $"which knew all {profile.PeersSeen} of its peers" : $"a busy host: only new peers with at least {FormatBytes(_options.NewPeerMinBytes)} are reported")}), first contacted from {first:yyyy-MM-dd HH:mm:ss} UTC.",
                });
            }
        }
        if (state.NewPorts is { Count: > 0 } ports)
        {
            var reported = ports.Where(p => profile.PortsComplete || p.Value.Server)
                .OrderByDescending(static p => p.Value.Flows).ThenBy(static p => p.Key.Port).ToList();
            if (reported.Count > 0)
            {
                long bytes = reported.Sum(static p => p.Value.Bytes);
                long flows = reported.Sum(static p => p.Value.Flows);
                int count = reported.Count;
                DateTime first = reported.Min(static p => p.Value.First);
                findings.Add(new AnomalyFinding
                {
                    Host = host,
                    Kind = AnomalyTypes.NewPort,
                    Window = Floor(first),
                    WindowLength = _baseline.Interval,
                    Metric = "Ports",
                    Observed = count,
                    Expected = profile.PortsSeen,
                    Score = Points(Math.Min(100, 35 + (5 * Math.Log10(1 + flows)))),
                    Flows = flows,
                    Bytes = bytes,
                    Ports = string.Join(", ", reported.Take(SampleSize).Select(static p => $"{p.Key} ({(p.Value.Server ? "offered" : "used")})")),
                    PortCount = count,
                    Reason = $"{host} used {count:N0} service{(count == 1 ? "" : "s")} ({string.Join(", ", reported.Take(SampleSize).Select(static p => p.Key.ToString()))}) it never used or offered in the baseline, " +
                             $"{flows:N0} flows and {FormatBytes(bytes)}, the first at {first:yyyy-MM-dd HH:mm:ss} UTC.",
                });
            }
        }
        if (state.OddHours is { Count: > 0 } hours)
        {
            foreach (var (hourStart, seen) in hours)
            {
                if (seen.Flows < _options.UnusualHourMinFlows) continue;
                int hour = hourStart.Hour;
                findings.Add(new AnomalyFinding
                {
                    Host = host,
                    Kind = AnomalyTypes.UnusualHour,
                    Window = hourStart,
                    WindowLength = TimeSpan.FromHours(1),
                    Metric = "Flows",
                    Observed = seen.Flows,
                    Score = Points(Math.Min(100, 40 + (5 * Math.Log10(1 + seen.Flows)))),
                    Flows = seen.Flows,
                    Bytes = seen.Bytes,
                    Peers = seen.Peer.ToString(),
                    PeerCount = 1,
                    Reason = $"{host} was active between {hour:00}:00 and {(hour + 1) % 24:00}:00 UTC on {hourStart:yyyy-MM-dd} ({seen.Flows:N0} flows, {FormatBytes(seen.Bytes)}), " +
                             $"an hour it was never active in over the baseline's {profile.ActiveIntervals} active intervals although the baseline covered that hour.",
                });
            }
        }
    }

    /// <summary>
    /// The baseline's veto on a flood: the volume must score at least the threshold and pass the robust bound and the p95.
    /// Not the maximum: a host that once downloaded 50 MB (36,000 TCP packets) must not hide a 30,000-packet ICMP flood.
    /// </summary>
    private bool AboveBaseline(long observed, VolumeStatistics? stats) =>
        stats is null || stats.Samples == 0 || (ModifiedZ(observed, stats) >= _options.Threshold && observed > RobustBound(stats));

    /// <summary>
    /// True when the flood's main protocol is one the host never used in the baseline (its service list is complete and
    /// holds none of it): its usual packet volume, all of another protocol, cannot speak for this one.
    /// </summary>
    private static bool NewProtocol(BaselineProfile? profile, Cell cell)
    {
        if (profile is null || !profile.PortsComplete) return false;
        long top = Math.Max(Math.Max(cell.UdpPackets, cell.IcmpPackets), cell.OtherPackets);
        foreach (var service in profile.Ports)
        {
            bool same = top == cell.UdpPackets ? service.Protocol == IpProtocolNames.Udp
                : top == cell.IcmpPackets ? service.Protocol is IpProtocolNames.Icmp or IpProtocolNames.Icmp6
                : service.Protocol is not (IpProtocolNames.Tcp or IpProtocolNames.Udp or IpProtocolNames.Icmp or IpProtocolNames.Icmp6);
            if (same) return false;
        }
        return true;
    }

    private double RobustBound(VolumeStatistics stats) =>
        Math.Max(stats.P95, stats.Median + (_options.Threshold * EffectiveMad(stats) / MadScale));

    private double ModifiedZ(long observed, VolumeStatistics stats) => MadScale * (observed - stats.Median) / EffectiveMad(stats);

    /// <summary>
    /// The MAD used in the score: never below a tenth of the median nor below 1 (a host with constant traffic has a MAD
    /// of 0), and never below the median itself when the profile has fewer than <see cref="AnomalyDetectorOptions.MinBaselineIntervals"/> intervals.
    /// </summary>
    private double EffectiveMad(VolumeStatistics stats)
    {
        double mad = Math.Max(stats.Mad, Math.Max(stats.Median / 10, 1));
        return stats.Samples < _options.MinBaselineIntervals ? Math.Max(mad, stats.Median) : mad;
    }

    /// <summary>
    /// The top of the usual range: the robust bound (median + threshold × MAD / 0.6745) or the largest interval of the
    /// baseline times <see cref="AnomalyDetectorOptions.MaxFactor"/>, whichever is higher, so a peak the baseline already
    /// saw (a nightly backup; the day of a host whose median is its quiet night) is not a surge.
    /// </summary>
    private double UpperBound(VolumeStatistics stats) =>
        Math.Max(stats.Max * _options.MaxFactor, stats.Median + (_options.Threshold * EffectiveMad(stats) / MadScale));

    private long MinimumFor(BaselineMetric metric) => metric switch
    {
        BaselineMetric.BytesOut or BaselineMetric.BytesIn => _options.MinSurgeBytes,
        BaselineMetric.PacketsOut or BaselineMetric.PacketsIn => _options.MinSurgePackets,
        _ => _options.MinSurgeFlows,
    };

    private DateTime Floor(DateTime t) => BaselineKeys.IntervalStart(BaselineKeys.IntervalOf(t, _intervalTicks), _intervalTicks);

    private string FormatInterval() => _baseline.Interval == TimeSpan.FromHours(1) ? "hour" : $"{FormatSpan(_baseline.Interval)} interval";

    private static string FormatSpan(TimeSpan t) =>
        t.TotalHours >= 1 && t.Ticks % TimeSpan.TicksPerHour == 0 ? $"{t.TotalHours:0}-hour"
        : t.TotalMinutes >= 1 && t.Ticks % TimeSpan.TicksPerMinute == 0 ? $"{t.TotalMinutes:0}-minute" : $"{t.TotalSeconds:0}-second";

    private static string Describe(BaselineMetric metric) => metric switch
    {
        BaselineMetric.BytesOut or BaselineMetric.PacketsOut or BaselineMetric.FlowsOut => "sent",
        _ => "received",
    };

    private static string Amount(BaselineMetric metric, double value) => metric switch
    {
        BaselineMetric.BytesOut or BaselineMetric.BytesIn => FormatBytes(value),
        BaselineMetric.PacketsOut or BaselineMetric.PacketsIn => $"{value:N0} packets",
        _ => $"{value:N0} flows",
    };

    internal static string FormatBytes(double bytes) =>
        bytes >= 1e9 ? $"{bytes / 1e9:0.#} GB" : bytes >= 1e6 ? $"{bytes / 1e6:0.#} MB" : bytes >= 1e3 ? $"{bytes / 1e3:0.#} kB" : $"{bytes:0} bytes";

    private sealed class HostState(int id, BaselineProfile? profile, DateTime first)
    {
        public int Id { get; } = id;
        public BaselineProfile? Profile { get; } = profile;
        public DateTime First { get; set; } = first;
        public long Flows, Packets, Bytes;
        public Dictionary<FlowAddress, (long Flows, long Bytes, DateTime First)>? NewPeers;
        public Dictionary<ServiceKey, (long Flows, long Bytes, DateTime First, bool Server)>? NewPorts;
        public Dictionary<DateTime, (long Flows, long Bytes, FlowAddress Peer)>? OddHours;
    }

    /// <summary>One (host or network, interval): its volumes and, for a host, what the flood tests need of its inbound flows.</summary>
    private sealed class Cell
    {
        public IntervalCounters Counters;
        public long SynOnlyFlows, UdpPackets, IcmpPackets, OtherPackets;

        public long NonTcpPackets => UdpPackets + IcmpPackets + OtherPackets;
        public HashSet<FlowAddress>? Sources;
        public List<FlowAddress>? SampleSources;
        public HashSet<ushort>? SynPorts;

        public void AddInbound(FlowRecord flow, int maxSources, int maxPorts)
        {
            Sources ??= [];
            if (Sources.Count < maxSources && Sources.Add(flow.Src))
            {
                SampleSources ??= [];
                if (SampleSources.Count < SampleSize) SampleSources.Add(flow.Src);
            }
            switch (flow.Protocol)
            {
                case IpProtocolNames.Tcp:
                    if ((flow.TcpFlags & (TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Rst | TcpFlags.Fin)) == TcpFlags.Syn)
                    {
                        SynOnlyFlows += flow.Flows;
                        SynPorts ??= [];
                        if (SynPorts.Count <= maxPorts) SynPorts.Add(flow.DstPort);
                    }
                    break;
                case IpProtocolNames.Udp: UdpPackets += flow.Packets; break;
                case IpProtocolNames.Icmp or IpProtocolNames.Icmp6: IcmpPackets += flow.Packets; break;
                default: OtherPackets += flow.Packets; break;
            }
        }
    }
}
