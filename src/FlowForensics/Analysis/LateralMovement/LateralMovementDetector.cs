using FlowForensics.Analysis.Hunting;
using FlowForensics.Query;
using System.Globalization;
using FlowForensics.Flows;

namespace FlowForensics.Analysis.LateralMovement;

/// <summary>
/// Finds lateral movement in flows: inside-to-inside connections on administration ports that are new (not in the known
/// graph learned before <see cref="LateralMovementOptions.LearnUntil"/> or given as <see cref="IKnownEdges"/>) and not to a
/// shared service, then reports chains (A→B, then B→C within the window), hosts fanning out to many hosts, and the
/// remaining new edges per source. Memory: one entry per (source, destination, port) edge on an admin port, at most
/// <see cref="LateralMovementOptions.MaxEdges"/>; results are computed at the end, so the order of the flows does not matter.
/// </summary>
public sealed class LateralMovementDetector : IHunt<LateralMovementFinding>
{
    private readonly LateralMovementOptions _options;
    private readonly NumberSet _ports;
    private readonly Dictionary<EdgeKey, EdgeState> _edges = [];
    private readonly Dictionary<(FlowAddress, ushort), HashSet<FlowAddress>?> _services = [];
    private readonly HashSet<FlowAddress> _clients = [];
    private readonly Dictionary<FlowAddress, HashSet<FlowAddress>?> _learnedFanOut = [];

    public LateralMovementDetector(LateralMovementOptions? options = null)
    {
        _options = options ?? new LateralMovementOptions();
        _options.Validate();
        _ports = new NumberSet([.. _options.Ports.Select(static p => (ulong)p)]);
    }

    public LateralMovementOptions Options => _options;

    HuntOptions IHunt.Options => _options;

    public string Title => "Lateral movement";

    public string Description => "inside-to-inside administration connections, chains, fan-out, brute force and remote execution (Find-FlowLateralMovement)";

    public Type FindingType => typeof(LateralMovementFinding);

    private int _findingCount = -1;

    public string Summary => $"{FlowCount:N0} flows, {AdminFlowCount:N0} inside flows on admin ports, {LearnedEdgeCount:N0} known edges learned"
                             + (_findingCount >= 0 ? $", {_findingCount:N0} findings." : ".");

    public IReadOnlyList<string> BoundsReached => EdgesNotTracked > 0
        ? [$"The edge table reached its bound: {EdgesNotTracked:N0} flows of further new edges were not counted."]
        : [];

    IReadOnlyList<IHuntFinding> IHunt.GetFindings() => GetFindings();

    public long FlowCount { get; private set; }

    /// <summary>Inside-to-inside flows on an admin port.</summary>
    public long AdminFlowCount { get; private set; }

    /// <summary>Edges seen before <see cref="LateralMovementOptions.LearnUntil"/> (the learned known graph).</summary>
    public int LearnedEdgeCount { get; private set; }

    /// <summary>Flows of new edges not kept because <see cref="LateralMovementOptions.MaxEdges"/> was reached.</summary>
    public long EdgesNotTracked { get; private set; }

    /// <summary>The TCP/UDP ports of the MITRE ATT&amp;CK remote-service techniques.</summary>
    public static string TechniqueOf(ushort port) => port switch
    {
        3389 => "T1021.001",
        139 or 445 => "T1021.002",
        135 => "T1021.003, T1047",
        22 => "T1021.004",
        5900 or 3283 => "T1021.005",
        5985 or 5986 => "T1021.006",
        _ => "T1021",
    };

    public void Add(FlowRecord flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        FlowCount++;
        if (flow.Protocol != IpProtocolNames.Tcp && flow.Protocol != IpProtocolNames.Udp) return;
        ushort port = flow.DstPort;
        if (!_ports.Contains(port)) return;
        var src = flow.SrcAddress;
        var dst = flow.DstAddress;
        if (src.IsNone || src.Equals(dst) || !_options.InternalNetwork.Contains(src) || !_options.InternalNetwork.Contains(dst)) return;
        // A server answering from an admin port to a client's admin port (445 -> 445) is not a new connection.
        if (flow.SrcPort < flow.DstPort && _ports.Contains(flow.SrcPort)) return;
        AdminFlowCount++;
        // A handshake reset at once without data is a connect scan's probe, not a session.
        var flags = flow.TcpFlags;
        bool probe = (flags & TcpFlags.Rst) != 0 && (flags & TcpFlags.Psh) == 0 && flow.Packets <= 4;
        // A flow that carries payload over several packets, or a long one, is a session whatever flags the exporter kept (often
        // the first packet's only); a failed connection is at most 7 SYNs of 60 (IPv4) or 80 (IPv6) bytes.
        long perFlow = flow.Packets / Math.Max(1, flow.Flows);
        bool carriesData = perFlow >= 10 || (perFlow > 3 && flow.Bytes > (src.IsIPv4 ? 60L : 80L) * flow.Packets);
        bool established = flow.Protocol == IpProtocolNames.Udp || ((flags & TcpFlags.Ack) != 0 && !probe) || carriesData;
        if (established)
        {
            CountService(dst, port, src);
            if (_clients.Count < _options.MaxEdges) _clients.Add(src);
        }
        var key = new EdgeKey(src, dst, port);
        if (!_edges.TryGetValue(key, out var edge))
        {
            if (_edges.Count >= _options.MaxEdges)
            {
                EdgesNotTracked++;
                return;
            }
            _edges[key] = edge = new EdgeState();
        }
        if (_options.LearnUntil is { } until && flow.Start < until)
        {
            if (!edge.Learned) LearnedEdgeCount++;
            edge.Learned = true;
            if (established) LearnFanOut(src, dst);
            return;
        }
        edge.Flows += Math.Max(1, flow.Flows);
        edge.Bytes += flow.Bytes + flow.OutBytes;
        if (established) edge.Established = true;
        if (flow.Protocol == IpProtocolNames.Tcp && (flow.TcpFlags & TcpFlags.Syn) != 0) edge.AddSessions(Math.Max(1, flow.Flows), flow.Start, _options.BruteForceWindow);
        if (flow.Start < edge.First) edge.First = flow.Start;
        var end = flow.End < flow.Start ? flow.Start : flow.End;
        if (end > edge.Last) edge.Last = end;
    }

    private void CountService(FlowAddress dst, ushort port, FlowAddress src)
    {
        var key = (dst, port);
        if (!_services.TryGetValue(key, out var sources))
        {
            if (_services.Count >= _options.MaxEdges) return;
            _services[key] = sources = [];
        }
        if (sources is null) return;   // already a shared service
        sources.Add(src);
        if (sources.Count >= _options.ServerThreshold) _services[key] = null;
    }

    /// <summary>Hosts that reached at least <see cref="LateralMovementOptions.FanOutThreshold"/> hosts on admin ports in the learning period: administrators' machines.</summary>
    private void LearnFanOut(FlowAddress src, FlowAddress dst)
    {
        if (!_learnedFanOut.TryGetValue(src, out var reached))
        {
            if (_learnedFanOut.Count >= _options.MaxEdges) return;
            _learnedFanOut[src] = reached = [];
        }
        if (reached is null) return;
        reached.Add(dst);
        if (reached.Count >= _options.FanOutThreshold) _learnedFanOut[src] = null;
    }

    private bool IsKnownAdministrator(FlowAddress src) => _learnedFanOut.TryGetValue(src, out var s) && s is null;

    /// <summary>
    /// A shared service has at least <see cref="LateralMovementOptions.ServerThreshold"/> inside clients, or, in a small
    /// network, a tenth of the inside hosts seen on admin ports (at least 3).
    /// </summary>
    private bool IsSharedService(FlowAddress dst, ushort port)
    {
        if (!_services.TryGetValue((dst, port), out var s)) return false;
        if (s is null) return true;
        int relative = Math.Max(3, (_clients.Count + 9) / 10);
        return s.Count >= Math.Min(_options.ServerThreshold, relative);
    }

    /// <summary>The findings, strongest first.</summary>
    public IReadOnlyList<LateralMovementFinding> GetFindings()
    {
        // New, established, not to a shared service: the candidate hops, merged per (source, destination).
        var findings = new List<LateralMovementFinding>();
        var hops = new Dictionary<(FlowAddress, FlowAddress), Hop>();
        var adminHops = new Dictionary<(FlowAddress, FlowAddress), Hop>();
        foreach (var (key, edge) in _edges)
        {
            if (edge.Learned || edge.Flows == 0) continue;
            if (_options.KnownEdges?.Contains(key.Source, key.Destination, key.Port) == true) continue;
            if (edge.BusiestSessions >= _options.BruteForceThreshold && !IsSharedService(key.Destination, key.Port))
            {
                findings.Add(BruteForce(key, edge));
                continue;
            }
            if (!edge.Established || IsSharedService(key.Destination, key.Port)) continue;
            if (IsKnownAdministrator(key.Source))
            {
                // An administrator's new edges are listed on their own, never as the start of a chain.
                Add(adminHops, key.Source, key.Destination, key.Port, edge);
                continue;
            }
            Add(hops, key.Source, key.Destination, key.Port, edge);
        }
        var bySource = new Dictionary<FlowAddress, List<Hop>>();
        foreach (var hop in hops.Values)
        {
            if (!bySource.TryGetValue(hop.Source, out var list)) bySource[hop.Source] = list = [];
            list.Add(hop);
        }
        foreach (var list in bySource.Values) list.Sort(static (a, b) => a.First.CompareTo(b.First));

        FindChains(hops.Values, bySource, findings);
        foreach (var (source, list) in bySource)
        {
            var rest = list.FindAll(static h => !h.InChain);
            if (rest.Count == 0) continue;
            int fanOut = MaxInWindow(rest, _options.FanOutWindow);
            if (fanOut >= _options.FanOutThreshold)
            {
                findings.Add(FanOut(source, rest, fanOut));
                continue;
            }
            foreach (var hop in rest.FindAll(IsRemoteExecution)) findings.Add(RemoteExecution(source, hop));
            rest.RemoveAll(IsRemoteExecution);
            if (rest.Count > 0) findings.Add(NewEdges(source, rest));
        }
        foreach (var group in adminHops.Values.GroupBy(static h => h.Source))
            findings.Add(KnownAdministrator(group.Key, [.. group.OrderBy(static h => h.First)]));
        findings.RemoveAll(f => f.Score < _options.MinimumScore);
        findings.Sort(static (a, b) => b.Score != a.Score ? b.Score.CompareTo(a.Score) : a.FirstSeen.CompareTo(b.FirstSeen));
        _findingCount = findings.Count;
        return findings;
    }

    private static void Add(Dictionary<(FlowAddress, FlowAddress), Hop> hops, FlowAddress source, FlowAddress destination, ushort port, EdgeState edge)
    {
        if (!hops.TryGetValue((source, destination), out var hop)) hops[(source, destination)] = hop = new Hop(source, destination);
        hop.Add(port, edge);
    }

    /// <summary>Maximal paths of hops, each hop active within the window after the previous one started; roots are hops without a predecessor.</summary>
    private void FindChains(IEnumerable<Hop> all, Dictionary<FlowAddress, List<Hop>> bySource, List<LateralMovementFinding> findings)
    {
        const int MaxChains = 1_000;
        var chains = new List<List<Hop>>();
        var hasPredecessor = new HashSet<Hop>();
        foreach (var hop in all)
        {
            if (!bySource.TryGetValue(hop.Destination, out var next)) continue;
            foreach (var n in next)
                if (Follows(hop, n) && !n.Destination.Equals(hop.Source)) hasPredecessor.Add(n);
        }
        var path = new List<Hop>();
        var onPath = new HashSet<FlowAddress>();
        foreach (var root in all)
        {
            if (hasPredecessor.Contains(root) || chains.Count >= MaxChains) continue;
            path.Clear();
            onPath.Clear();
            path.Add(root);
            onPath.Add(root.Source);
            onPath.Add(root.Destination);
            Extend(path, onPath, bySource, chains, MaxChains);
        }
        foreach (var chain in chains)
        {
            foreach (var h in chain) h.InChain = true;
            findings.Add(Chain(chain));
        }
    }

    private void Extend(List<Hop> path, HashSet<FlowAddress> onPath, Dictionary<FlowAddress, List<Hop>> bySource, List<List<Hop>> chains, int maxChains)
    {
        var last = path[^1];
        bool extended = false;
        if (path.Count < _options.MaxChainLength && bySource.TryGetValue(last.Destination, out var next))
        {
            foreach (var n in next)
            {
                if (chains.Count >= maxChains) return;
                if (onPath.Contains(n.Destination) || !Follows(last, n)) continue;
                extended = true;
                path.Add(n);
                onPath.Add(n.Destination);
                Extend(path, onPath, bySource, chains, maxChains);
                onPath.Remove(n.Destination);
                path.RemoveAt(path.Count - 1);
            }
        }
        if (!extended && path.Count >= 2) chains.Add([.. path]);
    }

    /// <summary>B→C follows A→B when it starts after A→B started and no later than the window after A→B's last activity.</summary>
    private bool Follows(Hop first, Hop second) => second.First >= first.First && second.First - first.Last <= _options.ChainWindow;

    private static int MaxInWindow(List<Hop> sorted, TimeSpan window)
    {
        int best = 0, lo = 0;
        var inWindow = new Dictionary<FlowAddress, int>();
        for (int hi = 0; hi < sorted.Count; hi++)
        {
            inWindow[sorted[hi].Destination] = inWindow.GetValueOrDefault(sorted[hi].Destination) + 1;
            while (sorted[hi].First - sorted[lo].First > window)
            {
                var d = sorted[lo++].Destination;
                if (--inWindow[d] == 0) inWindow.Remove(d);
            }
            best = Math.Max(best, inWindow.Count);
        }
        return best;
    }

    private LateralMovementFinding Chain(List<Hop> chain)
    {
        var f = Summarise("Chain", chain[0].Source, chain);
        f.Chain = string.Join(" -> ", chain.Select(static h => h.Source.ToString()).Append(chain[^1].Destination.ToString()));
        f.Score = Math.Round(Math.Min(1, 0.8 + 0.05 * (chain.Count - 2)), 3);
        var steps = chain.Select(static h => $"{h.Destination} on {h.PortText}");
        f.Reason = $"{f.Host} reached {string.Join(", then ", steps)} within {Span(f.Duration)}: each host was used to move to the next"
                   + $" over administration ports it had not used before{Baseline()}.";
        return f;
    }

    private LateralMovementFinding FanOut(FlowAddress source, List<Hop> hops, int inWindow)
    {
        var f = Summarise("FanOut", source, hops);
        f.Score = Math.Round(Math.Min(0.85, 0.55 + 0.05 * (inWindow - _options.FanOutThreshold)), 3);
        f.Reason = $"{f.Host} connected to {f.Destinations} hosts on administration ports ({f.Ports}), {inWindow} of them within "
                   + $"{Span(_options.FanOutWindow)}{Baseline()}.";
        return f;
    }

    private LateralMovementFinding NewEdges(FlowAddress source, List<Hop> hops)
    {
        var f = Summarise("NewEdge", source, hops);
        f.Score = _options.LearnUntil is not null || _options.KnownEdges is not null ? 0.5 : 0.4;
        string whom = f.Destinations == 1 ? f.DstAddr : $"{f.Destinations} hosts ({f.DstAddr})";
        f.Reason = $"{f.Host} connected to {whom} on administration ports ({f.Ports}) that are not a shared service{Baseline()}.";
        return f;
    }

    private LateralMovementFinding RemoteExecution(FlowAddress source, Hop hop)
    {
        var f = Summarise("RemoteExecution", source, [hop]);
        f.Technique = string.Join(", ", f.Technique.Split(", ").Append("T1569.002").Distinct());
        f.Score = _options.LearnUntil is not null || _options.KnownEdges is not null ? 0.7 : 0.6;
        f.Reason = $"{f.Host} reached {f.DstAddr} on RPC (135) and SMB ({string.Join("/", hop.Ports.Where(static p => p is 139 or 445))}) within {Span(f.Duration)}, "
                   + $"not a shared service: the pattern of remote execution (PsExec, smbexec, WMI, DCOM){Baseline()}.";
        return f;
    }

    private LateralMovementFinding KnownAdministrator(FlowAddress source, List<Hop> hops)
    {
        var f = Summarise("NewEdge", source, hops);
        f.Score = 0.2;
        f.Reason = $"{f.Host} connected to {f.Destinations} hosts on administration ports ({f.Ports}) it had not used before, but it already "
                   + $"administered at least {_options.FanOutThreshold} hosts in the learning period (an administrator's machine or jump host).";
        return f;
    }

    private LateralMovementFinding BruteForce(EdgeKey key, EdgeState edge)
    {
        var hop = new Hop(key.Source, key.Destination);
        hop.Add(key.Port, edge);
        var f = Summarise("BruteForce", key.Source, [hop]);
        f.Score = Math.Round(Math.Min(0.9, 0.6 + 0.1 * Math.Log10((double)edge.BusiestSessions / _options.BruteForceThreshold)), 3);
        f.Reason = $"{f.Host} opened {edge.Sessions:N0} connections to {f.DstAddr} on port {key.Port} in {Span(f.Duration)} "
                   + $"({edge.BusiestSessions:N0} within {Span(_options.BruteForceWindow)}), "
                   + $"{(double)edge.Bytes / edge.Sessions:N0} bytes each on average: repeated logins (password guessing){Baseline()}.";
        return f;
    }

    private string Baseline() =>
        _options.LearnUntil is { } until ? $", none of these connections was seen before {until.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)}"
        : _options.KnownEdges is not null ? ", none of these connections is in the baseline" : "";

    private static LateralMovementFinding Summarise(string kind, FlowAddress source, List<Hop> hops)
    {
        var ports = new SortedSet<ushort>();
        var destinations = new List<string>();
        var seen = new HashSet<FlowAddress>();
        long flows = 0, bytes = 0;
        DateTime first = DateTime.MaxValue, last = DateTime.MinValue;
        foreach (var h in hops)
        {
            ports.UnionWith(h.Ports);
            if (seen.Add(h.Destination)) destinations.Add(h.Destination.ToString());
            flows += h.Flows;
            bytes += h.Bytes;
            if (h.First < first) first = h.First;
            if (h.Last > last) last = h.Last;
        }
        var techniques = new List<string>();
        foreach (ushort p in ports)
            foreach (string t in TechniqueOf(p).Split(", "))
                if (!techniques.Contains(t)) techniques.Add(t);
        return new LateralMovementFinding
        {
            Kind = kind,
            Host = source.ToString(),
            DstAddr = string.Join(", ", destinations),
            Destinations = destinations.Count,
            Ports = string.Join(", ", ports),
            Technique = string.Join(", ", techniques),
            Hops = hops.Count,
            Flows = flows,
            Bytes = bytes,
            FirstSeen = first,
            LastSeen = last,
        };
    }

    private static string Span(TimeSpan t) =>
        t.TotalSeconds < 1 ? "a second" : t.TotalMinutes < 2 ? $"{t.TotalSeconds:0} s" : t.TotalHours < 2 ? $"{t.TotalMinutes:0} min" : $"{t.TotalHours:0.#} h";

    private readonly record struct EdgeKey(FlowAddress Source, FlowAddress Destination, ushort Port);

    private sealed class EdgeState
    {
        public bool Learned, Established;
        public long Flows, Bytes, Sessions;
        public DateTime First = DateTime.MaxValue, Last = DateTime.MinValue;

        // Tumbling windows of BruteForceWindow from the first session: the busiest one is what brute force is judged on.
        private DateTime _windowStart = DateTime.MinValue;
        private long _windowSessions;
        public long BusiestSessions;

        public void AddSessions(long sessions, DateTime start, TimeSpan window)
        {
            Sessions += sessions;
            if (start - _windowStart > window || start < _windowStart)
            {
                _windowStart = start;
                _windowSessions = 0;
            }
            _windowSessions += sessions;
            if (_windowSessions > BusiestSessions) BusiestSessions = _windowSessions;
        }
    }

    /// <summary>RPC's endpoint mapper (135) and SMB (445 or 139) to one host: how PsExec-like tools, smbexec, WMI and DCOM execute remotely.</summary>
    private static bool IsRemoteExecution(Hop h) => h.Ports.Contains(135) && (h.Ports.Contains(445) || h.Ports.Contains(139));

    private sealed class Hop(FlowAddress source, FlowAddress destination)
    {
        public FlowAddress Source { get; } = source;
        public FlowAddress Destination { get; } = destination;
        public SortedSet<ushort> Ports { get; } = [];
        public long Flows { get; private set; }
        public long Bytes { get; private set; }
        public DateTime First { get; private set; } = DateTime.MaxValue;
        public DateTime Last { get; private set; } = DateTime.MinValue;
        public bool InChain { get; set; }
        public string PortText => string.Join("/", Ports);

        public void Add(ushort port, EdgeState edge)
        {
            Ports.Add(port);
            Flows += edge.Flows;
            Bytes += edge.Bytes;
            if (edge.First < First) First = edge.First;
            if (edge.Last > Last) Last = edge.Last;
        }
    }
}
