using FlowForensics.Analysis.Hunting;
using System.Globalization;
using System.Text;
using FlowForensics.Analysis.Statistics;
using FlowForensics.Flows;

namespace FlowForensics.Analysis.Scan;

/// <summary>
/// Finds port scans and sweeps in unidirectional flows, in memory bounded by <see cref="ScanDetectorOptions"/>.
/// <para>
/// A probe is a flow a working client does not send: TCP without ACK (SYN that never completed the handshake, with or
/// without the scanner's reset after a SYN-ACK; FIN, NULL, Xmas), a handshake reset at once without data (connect scan),
/// a UDP datagram to a service port, an ICMP echo request. Answers come from the reverse flows: SYN-ACK/handshake (in the
/// scanner's own flags), UDP replies and echo replies, resets and ICMP port unreachables (closed ports).
/// </para>
/// <para>
/// Probes are counted per (scanner, target, protocol) for vertical scans and per (scanner, protocol, port) for horizontal
/// ones, against Zeek's fixed thresholds. Per scanner, the threshold random walk (TRW, Jung et al. 2004, as SiLK rwscan)
/// runs over first contacts: a handshake that carried data is a success, a probe a failure; once the walk crosses η1 a
/// horizontal scan needs only <see cref="ScanDetectorOptions.SequentialMinTargets"/> hosts, so slow scans are found too.
/// Results are computed at the end, so the order of the flows does not matter.
/// </para>
/// </summary>
public sealed class ScanDetector : IHunt<ScanFinding>
{
    private const int PortSetCap = 256;
    private const int SampleSize = 5;

    private readonly ScanDetectorOptions _options;
    private readonly double _failStep, _successStep, _upper, _lower;
    private readonly Dictionary<FlowAddress, SourceState> _sources = [];
    private readonly Dictionary<PairKey, PairState> _pairs = [];
    private readonly Dictionary<PortKey, PortState> _ports = [];

    public ScanDetector(ScanDetectorOptions? options = null)
    {
        _options = options ?? new ScanDetectorOptions();
        _options.Validate();
        _failStep = Math.Log((1 - _options.ScannerSuccess) / (1 - _options.BenignSuccess));
        _successStep = Math.Log(_options.ScannerSuccess / _options.BenignSuccess);
        _upper = Math.Log(_options.DetectionProbability / _options.FalsePositiveProbability);
        _lower = Math.Log((1 - _options.DetectionProbability) / (1 - _options.FalsePositiveProbability));
    }

    public ScanDetectorOptions Options => _options;

    HuntOptions IHunt.Options => _options;

    public string Title => "Scans";

    public string Description => "horizontal, vertical and block scans, sweeps and probe types (Find-FlowScan)";

    public Type FindingType => typeof(ScanFinding);

    private int _findingCount = -1;

    public string Summary => $"{FlowCount:N0} flows, {ProbeCount:N0} probes" + (_findingCount >= 0 ? $", {_findingCount:N0} scans." : ".");

    public IReadOnlyList<string> BoundsReached => EntriesDropped > 0 || ProbesNotTracked > 0
        ? [$"The scan tables reached their bounds: {EntriesDropped:N0} weak entries were dropped and {ProbesNotTracked:N0} probes were not counted."]
        : [];

    IReadOnlyList<IHuntFinding> IHunt.GetFindings() => GetFindings();

    /// <summary>Flows offered to <see cref="Add"/>.</summary>
    public long FlowCount { get; private set; }

    /// <summary>Flows counted as probes.</summary>
    public long ProbeCount { get; private set; }

    /// <summary>Entries dropped to stay within the bounds (sources and table entries with the least evidence).</summary>
    public long EntriesDropped { get; private set; }

    /// <summary>TCP flows without ACK too long or too large to be probes (connections whose exporter kept only the first packet's flags).</summary>
    public long LongFlowsWithoutAck { get; private set; }

    /// <summary>Probes not counted because every table was full of stronger evidence.</summary>
    public long ProbesNotTracked { get; private set; }

    public void Add(FlowRecord flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        FlowCount++;
        var src = flow.SrcAddress;
        var dst = flow.DstAddress;
        if (src.IsNone || dst.IsNone) return;
        switch (flow.Protocol)
        {
            case IpProtocolNames.Tcp:
                AddTcp(flow, src, dst);
                break;
            case IpProtocolNames.Udp:
                if (_sources.TryGetValue(dst, out var back)) back.FlowsBack++;
                if (flow.SrcPort < flow.DstPort)
                    Answer(dst, src, IpProtocolNames.Udp, flow.SrcPort, positive: true, rejected: false);
                else if (PacketsPerFlow(flow) <= _options.MaxProbePackets)
                    Probe(flow, src, dst, IpProtocolNames.Udp, flow.DstPort, ProbeKind.Udp, positive: false);
                break;
            case IpProtocolNames.Icmp:
            case IpProtocolNames.Icmp6:
                AddIcmp(flow, src, dst);
                break;
        }
    }

    private static long PacketsPerFlow(FlowRecord flow) => flow.Packets / Math.Max(1, flow.Flows);

    /// <summary>A probe: few packets and no payload. Longer flows are connections, whatever flags the exporter recorded.</summary>
    private bool ProbeSized(FlowRecord flow)
    {
        long packets = PacketsPerFlow(flow);
        return packets <= _options.MaxProbePackets && flow.Bytes <= (long)_options.MaxProbeBytesPerPacket * Math.Max(1, flow.Packets);
    }

    private void AddTcp(FlowRecord flow, FlowAddress src, FlowAddress dst)
    {
        var f = flow.TcpFlags;
        bool syn = (f & TcpFlags.Syn) != 0, ack = (f & TcpFlags.Ack) != 0, rst = (f & TcpFlags.Rst) != 0, fin = (f & TcpFlags.Fin) != 0;
        if (_sources.TryGetValue(dst, out var back)) back.FlowsBack++;
        if (!ack && !ProbeSized(flow))
        {
            // A connection whose exporter kept only the first packet's flags (a NAT'ed router's NetFlow): not a probe.
            LongFlowsWithoutAck++;
            if (syn && flow.SrcPort > flow.DstPort && _sources.TryGetValue(src, out var client))
                FirstContact(client, dst, flow.Start, success: true);
            return;
        }
        if (!ack)
        {
            ProbeKind kind;
            if (syn) kind = ProbeKind.Syn;
            else if ((f & (TcpFlags.Fin | TcpFlags.Psh | TcpFlags.Urg)) == (TcpFlags.Fin | TcpFlags.Psh | TcpFlags.Urg)) kind = ProbeKind.Xmas;
            else if (fin) kind = ProbeKind.Fin;
            else if (f == TcpFlags.None) kind = ProbeKind.Null;
            else return;   // a bare reset: the end of something else
            // SYN then the scanner's own reset: the port answered SYN-ACK (half-open scan of an open port).
            Probe(flow, src, dst, IpProtocolNames.Tcp, flow.DstPort, kind, positive: kind == ProbeKind.Syn && rst);
            return;
        }
        if (syn && rst && (f & TcpFlags.Psh) == 0 && flow.Packets <= 4 && flow.SrcPort > flow.DstPort)
        {
            // Handshake completed and reset at once without data: a connect scan finding an open port.
            Probe(flow, src, dst, IpProtocolNames.Tcp, flow.DstPort, ProbeKind.Connect, positive: true);
            return;
        }
        if (syn && !rst && flow.SrcPort < flow.DstPort && PacketsPerFlow(flow) <= 2 * _options.MaxProbePackets && (f & TcpFlags.Psh) == 0)
        {
            // A SYN-ACK back to the prober: a listening service answered.
            Answer(dst, src, IpProtocolNames.Tcp, flow.SrcPort, positive: true, rejected: false);
            return;
        }
        if (!syn && rst && flow.Packets <= 2 && (f & TcpFlags.Psh) == 0)
        {
            // A closed port's reset (RST-ACK) back to the prober.
            Answer(dst, src, IpProtocolNames.Tcp, flow.SrcPort, positive: false, rejected: true);
            return;
        }
        if (syn && flow.SrcPort > flow.DstPort && _sources.TryGetValue(src, out var s))
            FirstContact(s, dst, flow.Start, success: true);
    }

    private void AddIcmp(FlowRecord flow, FlowAddress src, FlowAddress dst)
    {
        byte type = (byte)(flow.DstPort >> 8), code = (byte)flow.DstPort;
        bool v6 = flow.Protocol == IpProtocolNames.Icmp6;
        if (type == (v6 ? 128 : 8))
            Probe(flow, src, dst, flow.Protocol, 0, ProbeKind.Echo, positive: false);
        else if (type == (v6 ? 129 : 0))
            Answer(dst, src, flow.Protocol, 0, positive: true, rejected: false);
        else if (v6 ? type == 1 && code == 4 : type == 3 && code == 3)
            Answer(dst, src, IpProtocolNames.Udp, null, positive: false, rejected: true);
    }

    private void Probe(FlowRecord flow, FlowAddress src, FlowAddress dst, byte protocol, ushort port, ProbeKind kind, bool positive)
    {
        ProbeCount++;
        var source = GetSource(src);
        if (source is null)
        {
            ProbesNotTracked++;
            return;
        }
        long probes = Math.Max(1, flow.Flows);
        DateTime start = flow.Start, end = flow.End < start ? start : flow.End;
        source.ProbeFlows++;
        int p = ProtocolSlot(protocol);
        source.Targets[p] ??= new DistinctCounter(64);
        source.Targets[p]!.Add(Key(dst));
        if (protocol != IpProtocolNames.Icmp && protocol != IpProtocolNames.Icmp6)
        {
            source.Ports[p] ??= new PortSet();
            source.Ports[p]!.Add(port);
        }
        if (source.Sample[p].Count < SampleSize && !source.Sample[p].Contains(dst)) source.Sample[p].Add(dst);
        if (kind is ProbeKind.Syn or ProbeKind.Connect or ProbeKind.Fin or ProbeKind.Null or ProbeKind.Xmas)
            FirstContact(source, dst, start, success: false);

        var pairKey = new PairKey(src, dst, protocol);
        PairState? pair = null;
        if (kind != ProbeKind.Echo && !_pairs.TryGetValue(pairKey, out pair))
        {
            if (!Room(_pairs, _options.MaxEntries)) ProbesNotTracked++;
            else _pairs[pairKey] = pair = new PairState();
        }
        if (positive) source.Answered(p, port, dst);
        if (pair is not null)
        {
            pair.Count(kind, probes, positive, start, end);
            pair.Roll(start, _options.Window);
            pair.AddPort(port);
        }
        var portKey = new PortKey(src, protocol, port);
        if (!_ports.TryGetValue(portKey, out var ps))
        {
            if (!Room(_ports, _options.MaxEntries)) ProbesNotTracked++;
            else _ports[portKey] = ps = new PortState();
        }
        if (ps is not null)
        {
            ps.Count(kind, probes, positive, start, end);
            ps.Roll(start, _options.Window);
            ps.Targets.Add(Key(dst));
            ps.WindowTargets.Add(Key(dst));
        }
    }

    /// <summary>Evidence that <paramref name="target"/> answered <paramref name="scanner"/> (UDP or echo reply, reset, unreachable).</summary>
    private void Answer(FlowAddress scanner, FlowAddress target, byte protocol, ushort? port, bool positive, bool rejected)
    {
        bool probed = false;
        if (_pairs.TryGetValue(new PairKey(scanner, target, protocol), out var pair))
        {
            probed = true;
            if (positive) pair.Replies++;
            if (rejected) pair.Rejected++;
        }
        if (port is { } p && _ports.TryGetValue(new PortKey(scanner, protocol, p), out var ps))
        {
            probed = true;
            if (positive) ps.Replies++;
            if (rejected) ps.Rejected++;
        }
        if (probed && positive && _sources.TryGetValue(scanner, out var prober)) prober.Answered(ProtocolSlot(protocol), port ?? 0, target);
        else if (port is null && positive is false && _sources.TryGetValue(scanner, out var s))
        {
            s.Unreachables++;
        }
    }

    /// <summary>One step of the threshold random walk when <paramref name="target"/> is contacted for the first time.</summary>
    private void FirstContact(SourceState s, FlowAddress target, DateTime at, bool success)
    {
        if (s.Contacted is null) return;
        // A success while the walk rests at its floor changes nothing; past the first 128 hosts it is not remembered,
        // which keeps the set of a busy benign client small (its usual servers are among the first it meets).
        if (success && s.Walk <= _lower && s.Contacted.Count >= 128) return;
        if (!s.Contacted.Add(target)) return;
        if (s.Contacted.Count >= _options.SequentialMemory) s.Contacted = null;
        s.Walk = Math.Max(_lower, s.Walk + (success ? _successStep : _failStep));
        s.Observations++;
        if (!s.Flagged && s.Walk >= _upper)
        {
            s.Flagged = true;
            s.FlaggedAt = at;
            s.FlaggedAfter = s.Observations;
        }
    }

    private SourceState? GetSource(FlowAddress src)
    {
        if (_sources.TryGetValue(src, out var s)) return s;
        if (_sources.Count >= _options.MaxSources)
        {
            // Drop the sources with the least evidence: a few probes and no decision.
            int before = _sources.Count;
            foreach (var (key, value) in _sources)
                if (!value.Flagged && value.ProbeFlows <= 2) _sources.Remove(key);
            EntriesDropped += before - _sources.Count;
            if (_sources.Count >= _options.MaxSources * 9L / 10) return null;
        }
        s = new SourceState();
        _sources[src] = s;
        return s;
    }

    private bool Room<TKey, TValue>(Dictionary<TKey, TValue> table, int max) where TKey : notnull where TValue : EntryState
    {
        if (table.Count < max) return true;
        int before = table.Count;
        foreach (var (key, value) in table)
            if (value.Probes <= 2) table.Remove(key);
        EntriesDropped += before - table.Count;
        return table.Count < max * 9L / 10;
    }

    /// <summary>The findings, strongest first.</summary>
    public IReadOnlyList<ScanFinding> GetFindings()
    {
        var vertical = new Dictionary<(FlowAddress, byte), List<(FlowAddress Target, PairState State)>>();
        var horizontal = new Dictionary<(FlowAddress, byte), List<(ushort Port, PortState State)>>();
        var stealth = new Dictionary<(FlowAddress, byte), List<(FlowAddress Target, PairState State)>>();
        foreach (var (key, pair) in _pairs)
        {
            if (key.Protocol is IpProtocolNames.Icmp or IpProtocolNames.Icmp6) continue;
            bool udp = key.Protocol == IpProtocolNames.Udp;
            if (pair.BusiestWindow >= _options.PortThreshold && (!udp || pair.Replies * 2 < pair.Probes))
                Add(vertical, (key.Scanner, key.Protocol), (key.Target, pair));
            else if ((pair.Kinds & StealthKinds) != 0)
                Add(stealth, (key.Scanner, key.Protocol), (key.Target, pair));
        }
        foreach (var (key, ps) in _ports)
        {
            long targets = ps.Targets.Count;
            long dense = ps.BusiestWindow;
            bool flagged = _sources.TryGetValue(key.Scanner, out var s) && s.Flagged;
            bool udp = key.Protocol == IpProtocolNames.Udp;
            if (key.Protocol is IpProtocolNames.Icmp or IpProtocolNames.Icmp6)
            {
                if (dense >= _options.SweepThreshold) Add(horizontal, (key.Scanner, key.Protocol), (key.Port, ps));
            }
            else if ((dense >= _options.HostThreshold || (flagged && targets >= _options.SequentialMinTargets && !udp))
                     && (!udp || ps.Replies * 2 < ps.Probes))
            {
                Add(horizontal, (key.Scanner, key.Protocol), (key.Port, ps));
            }
        }

        var findings = new List<ScanFinding>();
        var done = new HashSet<(FlowAddress, byte)>();
        foreach (var (key, ports) in horizontal)
        {
            var source = _sources[key.Item1];
            if (key.Item2 is IpProtocolNames.Icmp or IpProtocolNames.Icmp6)
            {
                findings.Add(Sweep(key.Item1, key.Item2, source, ports[0].State));
                continue;
            }
            vertical.TryGetValue(key, out var targets);
            if (targets is not null && targets.Count >= 2 && ports.Count >= 2)
            {
                findings.Add(Block(key.Item1, key.Item2, source, ports, targets));
                done.Add(key);
                continue;
            }
            findings.Add(Horizontal(key.Item1, key.Item2, source, ports));
        }
        foreach (var (key, targets) in vertical)
        {
            if (done.Contains(key)) continue;
            findings.Add(Vertical(key.Item1, key.Item2, _sources[key.Item1], targets));
            done.Add(key);
        }
        foreach (var (key, targets) in stealth)
        {
            if (done.Contains(key) || horizontal.ContainsKey(key)) continue;
            long probes = 0;
            foreach (var (_, state) in targets) probes += state.StealthProbes;
            if (probes < _options.StealthThreshold) continue;
            findings.Add(targets.Count == 1
                ? Vertical(key.Item1, key.Item2, _sources[key.Item1], targets)
                : StealthHorizontal(key.Item1, key.Item2, _sources[key.Item1], targets));
        }
        findings.RemoveAll(f => f.Score < _options.MinimumScore);
        findings.Sort(static (a, b) => b.Score != a.Score ? b.Score.CompareTo(a.Score) : a.FirstSeen.CompareTo(b.FirstSeen));
        _findingCount = findings.Count;
        return findings;
    }

    private static void Add<TKey, TValue>(Dictionary<TKey, List<TValue>> map, TKey key, TValue value) where TKey : notnull
    {
        if (!map.TryGetValue(key, out var list)) map[key] = list = [];
        list.Add(value);
    }

    private ScanFinding Vertical(FlowAddress scanner, byte protocol, SourceState source, List<(FlowAddress Target, PairState State)> targets)
    {
        var total = new PairState();
        long ports = 0;
        var portSet = new SortedSet<ushort>();
        foreach (var (_, state) in targets)
        {
            total.Merge(state);
            ports = Math.Max(ports, state.PortCount);
            portSet.UnionWith(state.KnownPorts);
        }
        if (total.PortSaturated || targets.Count > 1) ports = Math.Max(ports, source.Ports[ProtocolSlot(protocol)]?.Count ?? ports);
        var f = NewFinding(scanner, "Vertical", protocol, total, source);
        f.Targets = targets.Count;
        f.TargetSample = Join(targets.Take(SampleSize).Select(static t => t.Target.ToString()));
        f.Ports = ports;
        f.PortRange = total.MinPort == total.MaxPort ? total.MinPort.ToString(CultureInfo.InvariantCulture) : $"{total.MinPort}-{total.MaxPort}";
        f.PortSample = Join(portSet.Take(8).Select(static p => p.ToString(CultureInfo.InvariantCulture)));
        f.Score = Score(Math.Max((double)ports / _options.PortThreshold, total.StealthProbes > 0 ? 1 : 0), f.SuccessRatio, total, source.Flagged, f.ReplyDirectionMissing);
        f.Reason = $"{f.Host} probed {f.Ports:N0} {f.Protocol} ports ({f.PortRange}) on {Hosts(f.Targets, f.TargetSample)} with {f.Probe} probes"
                   + $" in {Span(f.Duration)}; {Answered(f)}.";
        return f;
    }

    private ScanFinding Horizontal(FlowAddress scanner, byte protocol, SourceState source, List<(ushort Port, PortState State)> ports)
    {
        var total = new PairState();
        long targets = 0;
        foreach (var (_, state) in ports)
        {
            total.Merge(state);
            targets = Math.Max(targets, state.Targets.Count);
        }
        ports.Sort(static (a, b) => a.Port.CompareTo(b.Port));
        var f = NewFinding(scanner, "Horizontal", protocol, total, source);
        f.Targets = targets;
        f.TargetSample = Join(source.Sample[ProtocolSlot(protocol)].Select(static t => t.ToString()));
        f.Ports = ports.Count;
        f.PortRange = ports.Count == 1 ? ports[0].Port.ToString(CultureInfo.InvariantCulture) : $"{ports[0].Port}-{ports[^1].Port}";
        f.PortSample = Join(ports.Take(8).Select(static p => p.Port.ToString(CultureInfo.InvariantCulture)));
        f.SequentialTest = source.Flagged;
        f.Score = Score((double)targets / _options.HostThreshold, f.SuccessRatio, total, source.Flagged, f.ReplyDirectionMissing);
        string trw = targets < _options.HostThreshold && source.Flagged
            ? $"; the sequential test (TRW) called it a scan after {source.FlaggedAfter} first contacts"
            : "";
        f.Reason = $"{f.Host} probed {f.Protocol} port {f.PortSample} on {f.Targets:N0} hosts with {f.Probe} probes in {Span(f.Duration)}"
                   + $"{trw}; {Answered(f)}.";
        return f;
    }

    private ScanFinding StealthHorizontal(FlowAddress scanner, byte protocol, SourceState source, List<(FlowAddress Target, PairState State)> targets)
    {
        var f = Vertical(scanner, protocol, source, targets);
        f.Kind = "Horizontal";
        f.Reason = $"{f.Host} sent {f.Probe} probes, which no working TCP stack sends, to {Hosts(f.Targets, f.TargetSample)} in {Span(f.Duration)}; {Answered(f)}.";
        return f;
    }

    private ScanFinding Block(FlowAddress scanner, byte protocol, SourceState source, List<(ushort Port, PortState State)> ports,
                              List<(FlowAddress Target, PairState State)> targets)
    {
        var total = new PairState();
        foreach (var (_, state) in targets) total.Merge(state);
        foreach (var (_, state) in ports) total.MergeTimes(state);
        int slot = ProtocolSlot(protocol);
        ports.Sort(static (a, b) => a.Port.CompareTo(b.Port));
        var f = NewFinding(scanner, "Block", protocol, total, source);
        f.Targets = source.Targets[slot]?.Count ?? targets.Count;
        f.TargetSample = Join(targets.Take(SampleSize).Select(static t => t.Target.ToString()));
        f.Ports = source.Ports[slot]?.Count ?? ports.Count;
        f.PortRange = $"{total.MinPort}-{total.MaxPort}";
        f.PortSample = Join(ports.Take(8).Select(static p => p.Port.ToString(CultureInfo.InvariantCulture)));
        f.SequentialTest = source.Flagged;
        f.Score = Score(Math.Max((double)f.Targets / _options.HostThreshold, (double)f.Ports / _options.PortThreshold), f.SuccessRatio, total, source.Flagged, f.ReplyDirectionMissing);
        f.Reason = $"{f.Host} probed {f.Ports:N0} {f.Protocol} ports on {f.Targets:N0} hosts ({targets.Count:N0} of them on at least "
                   + $"{_options.PortThreshold} ports) with {f.Probe} probes in {Span(f.Duration)}; {Answered(f)}.";
        return f;
    }

    private ScanFinding Sweep(FlowAddress scanner, byte protocol, SourceState source, PortState state)
    {
        var total = new PairState();
        total.Merge(state);
        var f = NewFinding(scanner, "Sweep", protocol, total, source);
        f.Technique = "T1046, T1018";
        f.Targets = state.Targets.Count;
        f.TargetSample = Join(source.Sample[ProtocolSlot(protocol)].Select(static t => t.ToString()));
        f.Score = Score((double)f.Targets / _options.SweepThreshold, f.SuccessRatio, total, false, f.ReplyDirectionMissing);
        f.Reason = $"{f.Host} sent ICMP echo requests to {f.Targets:N0} hosts in {Span(f.Duration)} (a ping sweep); "
                   + (f.ReplyDirectionMissing ? $"no flow back to {f.Host} appears in the data (the reply direction is missing), so the answers are unknown." : $"{Percent(f.SuccessRatio)} of them were answered.");
        return f;
    }

    private static ScanFinding NewFinding(FlowAddress scanner, string type, byte protocol, PairState total, SourceState source)
    {
        double seconds = (total.Last - total.First).TotalSeconds;
        long answered = protocol == IpProtocolNames.Tcp ? Math.Max(total.Positive, total.Replies) : total.Replies;
        int slot = ProtocolSlot(protocol);
        var answeredPorts = source.AnsweredPorts[slot];
        var answeredHosts = source.AnsweredHosts[slot];
        long rejected = total.Rejected + (protocol == IpProtocolNames.Udp ? source.Unreachables : 0);
        return new ScanFinding
        {
            Host = scanner.ToString(),
            Kind = type,
            Probe = KindNames(total.Kinds),
            Protocol = IpProtocolNames.GetName(protocol),
            Flows = total.Probes,
            SuccessRatio = total.Probes == 0 ? 0 : Math.Round(Math.Min(1, (double)answered / total.Probes), 4),
            Rejected = Math.Min(total.Probes, rejected),
            Rate = Math.Round(total.Probes / Math.Max(1, seconds), 2),
            FirstSeen = total.First,
            LastSeen = total.Last,
            AnsweredPorts = protocol is IpProtocolNames.Icmp or IpProtocolNames.Icmp6 || answeredPorts is null ? "" : Join(answeredPorts.Take(16).Select(static p => p.ToString(CultureInfo.InvariantCulture))),
            AnsweredHosts = answeredHosts?.Count ?? 0,
            ReplyDirectionMissing = source.FlowsBack == 0 && answered == 0 && rejected == 0,
        };
    }

    /// <summary>0.5 at the threshold, +0.25 per tenfold beyond it; more for a low success ratio, stealth probes and a TRW decision.</summary>
    private static double Score(double overThreshold, double successRatio, PairState total, bool sequential, bool replyDirectionMissing = false)
    {
        // A reply direction missing from the data says nothing of the probes' success: no bonus for a low ratio then.
        double s = 0.5 + 0.25 * Math.Log10(Math.Max(0.1, overThreshold)) + (replyDirectionMissing ? 0 : 0.15 * (1 - successRatio));
        if (total.StealthProbes > 0) s += 0.2;
        if (sequential) s += 0.1;
        return Math.Round(Math.Clamp(s, 0, 1), 3);
    }

    /// <summary>A share as people read it: 0.49 %, 12 %, never "0 %" for a share above zero.</summary>
    internal static string Percent(double ratio) => ratio switch
    {
        <= 0 => "0 %",
        < 0.001 => "under 0.1 %",
        < 0.1 => (ratio * 100).ToString("0.##", CultureInfo.InvariantCulture) + " %",
        _ => Math.Round(ratio * 100).ToString("0", CultureInfo.InvariantCulture) + " %",
    };

    private static string Answered(ScanFinding f)
    {
        var text = new StringBuilder();
        if (f.ReplyDirectionMissing)
        {
            text.Append(CultureInfo.InvariantCulture, $"no flow back to {f.Host} appears in the data (the reply direction is missing: NAT or a one-way export), so which probes were answered is unknown");
        }
        else
        {
            text.Append(CultureInfo.InvariantCulture, $"{Percent(f.SuccessRatio)} found a listening service");
            if (f.AnsweredPorts.Length > 0)
                text.Append(CultureInfo.InvariantCulture, $" ({f.Protocol} {(f.Protocol == "TCP" ? "SYN-ACKs" : "replies")} from port{(f.AnsweredPorts.Contains(',') ? "s" : "")} {f.AnsweredPorts} on {f.AnsweredHosts:N0} host{(f.AnsweredHosts == 1 ? "" : "s")})");
        }
        if (f.Rejected > 0) text.Append(CultureInfo.InvariantCulture, $", {f.Rejected:N0} were rejected");
        text.Append(CultureInfo.InvariantCulture, $" ({f.Rate:0.##} probes/s)");
        return text.ToString();
    }

    private static string Hosts(long count, string sample) => count == 1 ? sample : $"{count:N0} hosts ({sample})";

    private static string Span(TimeSpan t) =>
        t.TotalSeconds < 1 ? "under a second" : t.TotalMinutes < 2 ? $"{t.TotalSeconds:0} s" : t.TotalHours < 2 ? $"{t.TotalMinutes:0} min" : $"{t.TotalHours:0.#} h";

    private static string Join(IEnumerable<string> items) => string.Join(", ", items);

    private static UInt128 Key(FlowAddress a) => new(a.High, a.Low);

    private static int ProtocolSlot(byte protocol) => protocol switch
    {
        IpProtocolNames.Tcp => 0,
        IpProtocolNames.Udp => 1,
        _ => 2,
    };

    private const ProbeKind StealthKinds = ProbeKind.Fin | ProbeKind.Null | ProbeKind.Xmas;

    private static string KindNames(ProbeKind kinds)
    {
        var names = new List<string>(3);
        if ((kinds & ProbeKind.Syn) != 0) names.Add("SYN");
        if ((kinds & ProbeKind.Connect) != 0) names.Add("Connect");
        if ((kinds & ProbeKind.Fin) != 0) names.Add("FIN");
        if ((kinds & ProbeKind.Null) != 0) names.Add("NULL");
        if ((kinds & ProbeKind.Xmas) != 0) names.Add("Xmas");
        if ((kinds & ProbeKind.Udp) != 0) names.Add("UDP");
        if ((kinds & ProbeKind.Echo) != 0) names.Add("ICMP echo");
        return string.Join(",", names);
    }

    [Flags]
    private enum ProbeKind : byte
    {
        None = 0,
        Syn = 1,
        Connect = 2,
        Fin = 4,
        Null = 8,
        Xmas = 16,
        Udp = 32,
        Echo = 64,
    }

    private readonly record struct PairKey(FlowAddress Scanner, FlowAddress Target, byte Protocol);

    private readonly record struct PortKey(FlowAddress Scanner, byte Protocol, ushort Port);

    private sealed class SourceState
    {
        public readonly DistinctCounter?[] Targets = new DistinctCounter?[3];
        public readonly PortSet?[] Ports = new PortSet?[3];
        public readonly List<FlowAddress>[] Sample = [[], [], []];
        public HashSet<FlowAddress>? Contacted = [];
        public double Walk;
        public int Observations;
        public bool Flagged;
        public DateTime FlaggedAt;
        public int FlaggedAfter;
        public long ProbeFlows;
        public long Unreachables;

        /// <summary>Flows of any kind back to this source: none means the reply direction is missing from the data.</summary>
        public long FlowsBack;

        /// <summary>Per protocol slot: the ports and hosts that answered a probe (bounded by <see cref="AnswerMemory"/>).</summary>
        public readonly SortedSet<ushort>?[] AnsweredPorts = new SortedSet<ushort>?[3];
        public readonly HashSet<FlowAddress>?[] AnsweredHosts = new HashSet<FlowAddress>?[3];

        public void Answered(int slot, ushort port, FlowAddress host)
        {
            var ports = AnsweredPorts[slot] ??= [];
            if (ports.Count < AnswerMemory) ports.Add(port);
            var hosts = AnsweredHosts[slot] ??= [];
            if (hosts.Count < AnswerMemory) hosts.Add(host);
        }
    }

    /// <summary>Answering ports and hosts remembered per source and protocol.</summary>
    private const int AnswerMemory = 256;

    private abstract class EntryState
    {
        public long Probes, Positive, Replies, Rejected, StealthProbes;
        public ProbeKind Kinds;
        public DateTime First = DateTime.MaxValue, Last = DateTime.MinValue;

        public void Count(ProbeKind kind, long probes, bool positive, DateTime start, DateTime end)
        {
            Probes += probes;
            if (positive) Positive += probes;
            if ((kind & StealthKinds) != 0) StealthProbes += probes;
            Kinds |= kind;
            if (start < First) First = start;
            if (end > Last) Last = end;
        }

        /// <summary>Zeek's epochs: tumbling windows that start at the entry's first probe; the busiest one is kept.</summary>
        public DateTime WindowStart = DateTime.MinValue;
        private long _busiest;

        public long BusiestWindow => Math.Max(_busiest, WindowCount);

        protected abstract long WindowCount { get; }

        protected abstract void ClearWindow();

        public void Roll(DateTime start, TimeSpan window)
        {
            if (WindowStart == DateTime.MinValue)
            {
                WindowStart = start;
                return;
            }
            if (start - WindowStart < window) return;
            _busiest = Math.Max(_busiest, WindowCount);
            ClearWindow();
            WindowStart = start;
        }

        public void MergeTimes(EntryState other)
        {
            if (other.First < First) First = other.First;
            if (other.Last > Last) Last = other.Last;
        }
    }

    private sealed class PairState : EntryState
    {
        private SmallPortSet _ports, _windowPorts;
        public ushort MinPort = ushort.MaxValue, MaxPort;

        protected override long WindowCount => _windowPorts.Count;

        protected override void ClearWindow() => _windowPorts = default;

        public bool PortSaturated => _ports.Saturated;
        public long PortCount => _ports.Count;
        public IEnumerable<ushort> KnownPorts => _ports.Items();

        public void AddPort(ushort port)
        {
            if (port < MinPort) MinPort = port;
            if (port > MaxPort) MaxPort = port;
            _windowPorts.Add(port);
            _ports.Add(port);
        }

        public void Merge(EntryState other)
        {
            Probes += other.Probes;
            Positive += other.Positive;
            Replies += other.Replies;
            Rejected += other.Rejected;
            StealthProbes += other.StealthProbes;
            Kinds |= other.Kinds;
            MergeTimes(other);
            if (other is PairState p)
            {
                if (p.MinPort < MinPort) MinPort = p.MinPort;
                if (p.MaxPort > MaxPort) MaxPort = p.MaxPort;
                if (p.PortSaturated) _ports.Saturate(p.PortCount);
            }
        }
    }

    /// <summary>Distinct ports of one entry: the first inline (most entries never see a second), then a set, saturating at <see cref="PortSetCap"/>.</summary>
    private struct SmallPortSet
    {
        private HashSet<ushort>? _set;
        private ushort _first;
        private int _count;
        private bool _saturated;

        public readonly long Count => _count;
        public readonly bool Saturated => _saturated;

        public void Add(ushort port)
        {
            if (_saturated) return;
            if (_count == 0)
            {
                _first = port;
                _count = 1;
                return;
            }
            if (_set is null)
            {
                if (port == _first) return;
                _set = [_first];
            }
            if (_set.Add(port)) _count++;
            if (_count >= PortSetCap)
            {
                _saturated = true;
                _set = null;
            }
        }

        public void Saturate(long count)
        {
            _saturated = true;
            _set = null;
            _count = (int)Math.Max(_count, count);
        }

        public readonly IEnumerable<ushort> Items() => _set is not null ? _set : _count == 1 && !_saturated ? [_first] : [];
    }

    /// <summary>Distinct targets of one entry: the first inline, then a <see cref="DistinctCounter"/> (exact to 64, then HyperLogLog).</summary>
    private struct SmallTargetSet
    {
        private DistinctCounter? _counter;
        private UInt128 _first;
        private bool _any;

        public readonly long Count => _counter?.Count ?? (_any ? 1 : 0);

        public void Add(UInt128 target)
        {
            if (_counter is not null)
            {
                _counter.Add(target);
                return;
            }
            if (!_any)
            {
                _first = target;
                _any = true;
                return;
            }
            if (target == _first) return;
            _counter = new DistinctCounter(64);
            _counter.Add(_first);
            _counter.Add(target);
        }
    }

    private sealed class PortState : EntryState
    {
        public SmallTargetSet Targets;
        public SmallTargetSet WindowTargets;

        protected override long WindowCount => WindowTargets.Count;

        protected override void ClearWindow() => WindowTargets = default;
    }
}
