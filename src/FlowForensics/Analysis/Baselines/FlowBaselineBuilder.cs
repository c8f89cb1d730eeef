using System.Runtime.InteropServices;
using FlowForensics.Flows;

namespace FlowForensics.Analysis.Baselines;

/// <summary>
/// Learns a <see cref="FlowBaseline"/> from flows, one at a time, in bounded memory: per (host or network, interval)
/// a struct of six counters, per host the first <see cref="BaselineLimits.TrackedPerHost"/> peers and services with
/// their flow counts. <see cref="Build"/> turns the interval counters into robust statistics (median, MAD, p95, max).
/// </summary>
public sealed class FlowBaselineBuilder
{
    private readonly FlowBaselineOptions _options;
    private readonly long _intervalTicks;
    private readonly Dictionary<FlowAddress, HostState> _hosts = [];
    private readonly Dictionary<FlowAddress, int> _networks = [];
    private readonly Dictionary<(int Entity, long Interval), IntervalCounters> _cells = [];
    private readonly HashSet<long> _intervals = [];
    private DateTime _first = DateTime.MaxValue, _last = DateTime.MinValue;

    public FlowBaselineBuilder(FlowBaselineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _intervalTicks = options.Interval.Ticks;
    }

    public long FlowCount { get; private set; }

    public long HostsDropped { get; private set; }

    public long NetworksDropped { get; private set; }

    public long IntervalsDropped { get; private set; }

    public int HostCount => _hosts.Count;

    public void Add(FlowRecord flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        FlowCount++;
        DateTime start = flow.Start;
        if (start < _first) _first = start;
        if (start > _last) _last = start;
        long interval = BaselineKeys.IntervalOf(start, _intervalTicks);
        if (_intervals.Count < _options.Limits.MaxCells || _intervals.Contains(interval)) _intervals.Add(interval);
        var internals = _options.InternalNetworks;
        if (internals.Contains(flow.Src)) AddEnd(flow, flow.Src, flow.Dst, isSource: true, interval);
        if (internals.Contains(flow.Dst)) AddEnd(flow, flow.Dst, flow.Src, isSource: false, interval);
    }

    private void AddEnd(FlowRecord flow, FlowAddress host, FlowAddress peer, bool isSource, long interval)
    {
        var network = host.Mask(host.IsIPv4 ? _options.NetworkPrefixLengthV4 : _options.NetworkPrefixLengthV6);
        if (!_networks.TryGetValue(network, out int networkId))
        {
            if (_networks.Count < _options.Limits.MaxNetworks)
            {
                networkId = _networks.Count;
                _networks.Add(network, networkId);
            }
            else
            {
                NetworksDropped++;
                networkId = -1;
            }
        }
        if (networkId >= 0) AddToCell(~networkId, interval, flow, isSource);

        if (!_hosts.TryGetValue(host, out var state))
        {
            if (_hosts.Count >= _options.Limits.MaxHosts)
            {
                HostsDropped++;
                return;
            }
            state = new HostState(_hosts.Count, network);
            _hosts.Add(host, state);
        }
        AddToCell(state.Id, interval, flow, isSource);
        int tracked = _options.Limits.TrackedPerHost;
        ref long peerFlows = ref CollectionsMarshal.GetValueRefOrNullRef(state.Peers, peer);
        if (!System.Runtime.CompilerServices.Unsafe.IsNullRef(ref peerFlows)) peerFlows += flow.Flows;
        else if (state.Peers.Count < tracked) state.Peers.Add(peer, flow.Flows);
        else state.PeersOverflow = true;
        var service = BaselineKeys.ServiceOf(flow, isSource);
        ref long serviceFlows = ref CollectionsMarshal.GetValueRefOrNullRef(state.Services, service);
        if (!System.Runtime.CompilerServices.Unsafe.IsNullRef(ref serviceFlows)) serviceFlows += flow.Flows;
        else if (state.Services.Count < tracked) state.Services.Add(service, flow.Flows);
        else state.ServicesOverflow = true;
    }

    private void AddToCell(int entity, long interval, FlowRecord flow, bool isSource)
    {
        var key = (entity, interval);
        ref var cell = ref CollectionsMarshal.GetValueRefOrNullRef(_cells, key);
        if (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref cell))
        {
            if (_cells.Count >= _options.Limits.MaxCells)
            {
                IntervalsDropped++;
                return;
            }
            _cells.Add(key, default);
            cell = ref CollectionsMarshal.GetValueRefOrNullRef(_cells, key);
        }
        cell.Add(flow, isSource);
    }

    /// <summary>The baseline of every flow added so far.</summary>
    public FlowBaseline Build()
    {
        var byEntity = new Dictionary<int, List<(long Interval, IntervalCounters Counters)>>();
        foreach (var (key, counters) in _cells)
        {
            if (!byEntity.TryGetValue(key.Entity, out var list)) byEntity.Add(key.Entity, list = []);
            list.Add((key.Interval, counters));
        }
        var baseline = new FlowBaseline
        {
            Created = DateTime.UtcNow,
            PeriodStart = FlowCount == 0 ? default : _first,
            PeriodEnd = FlowCount == 0 ? default : _last,
            IntervalSeconds = _intervalTicks / TimeSpan.TicksPerSecond,
            InternalNetworks = [.. _options.InternalNetworks.Networks],
            NetworkPrefixLengthV4 = _options.NetworkPrefixLengthV4,
            NetworkPrefixLengthV6 = _options.NetworkPrefixLengthV6,
            FlowCount = FlowCount,
            HostsDropped = HostsDropped,
            NetworksDropped = NetworksDropped,
            IntervalsDropped = IntervalsDropped,
        };
        foreach (long interval in _intervals) baseline.HoursCovered[BaselineKeys.IntervalStart(interval, _intervalTicks).Hour]++;

        var hostsPerNetwork = new Dictionary<FlowAddress, int>();
        foreach (var (address, state) in _hosts.OrderBy(static h => h.Key))
        {
            hostsPerNetwork[state.Network] = hostsPerNetwork.GetValueOrDefault(state.Network) + 1;
            var profile = Profile(address.ToString(), byEntity.GetValueOrDefault(state.Id));
            var limits = _options.Limits;
            profile.Peers = [.. state.Peers.OrderByDescending(static p => p.Value).ThenBy(static p => p.Key).Take(limits.MaxPeersPerHost)
                .Select(static p => new BaselinePeer(p.Key.ToString(), p.Value))];
            profile.PeersSeen = state.Peers.Count;
            profile.PeersComplete = !state.PeersOverflow && state.Peers.Count <= limits.MaxPeersPerHost;
            profile.Ports = [.. state.Services.OrderByDescending(static s => s.Value).ThenBy(static s => s.Key.Protocol).ThenBy(static s => s.Key.Port)
                .Take(limits.MaxPortsPerHost).Select(static s => new BaselineService(s.Key.Protocol, s.Key.Port, s.Key.Role, s.Value))];
            profile.PortsSeen = state.Services.Count;
            profile.PortsComplete = !state.ServicesOverflow && state.Services.Count <= limits.MaxPortsPerHost;
            baseline.Hosts.Add(profile);
        }
        foreach (var (network, id) in _networks.OrderBy(static n => n.Key))
        {
            var profile = Profile(baseline.NetworkText(network), byEntity.GetValueOrDefault(~id));
            profile.Hosts = hostsPerNetwork.GetValueOrDefault(network);
            baseline.Networks.Add(profile);
        }
        return baseline;
    }

    private BaselineProfile Profile(string address, List<(long Interval, IntervalCounters Counters)>? cells)
    {
        var profile = new BaselineProfile { Address = address };
        if (cells is null || cells.Count == 0) return profile;
        profile.ActiveIntervals = cells.Count;
        var values = new long[cells.Count];
        foreach (var metric in Enum.GetValues<BaselineMetric>())
        {
            for (int i = 0; i < cells.Count; i++) values[i] = cells[i].Counters.Get(metric);
            var stats = VolumeStatistics.Of(values);
            switch (metric)
            {
                case BaselineMetric.BytesOut: profile.BytesOut = stats; break;
                case BaselineMetric.BytesIn: profile.BytesIn = stats; break;
                case BaselineMetric.PacketsOut: profile.PacketsOut = stats; break;
                case BaselineMetric.PacketsIn: profile.PacketsIn = stats; break;
                case BaselineMetric.FlowsOut: profile.FlowsOut = stats; break;
                default: profile.FlowsIn = stats; break;
            }
        }
        foreach (var (interval, c) in cells)
        {
            profile.ActiveHours[BaselineKeys.IntervalStart(interval, _intervalTicks).Hour]++;
            profile.Flows += c.FlowsOut + c.FlowsIn;
            profile.Packets += c.PacketsOut + c.PacketsIn;
            profile.Bytes += c.BytesOut + c.BytesIn;
        }
        return profile;
    }

    private sealed class HostState(int id, FlowAddress network)
    {
        public int Id { get; } = id;
        public FlowAddress Network { get; } = network;
        public Dictionary<FlowAddress, long> Peers { get; } = [];
        public Dictionary<ServiceKey, long> Services { get; } = [];
        public bool PeersOverflow { get; set; }
        public bool ServicesOverflow { get; set; }
    }
}
