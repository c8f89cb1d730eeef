using FlowForensics.Analysis.Hunting;
using System.Globalization;
using FlowForensics.Analysis.Statistics;
using FlowForensics.Flows;

namespace FlowForensics.Analysis.Exfiltration;

/// <summary>
/// Hunts data leaving the inside networks, per inside host, in one pass with bounded state per host: large single
/// uploads, large totals, uploads to ports outside an allowlist, shifts of the producer-consumer ratio against the
/// host's own baseline, transfers in the network's quiet hours, DNS tunnelling (volume far above peers, long query
/// names, large answers, query rate) and ICMP tunnelling (echo packets far larger than a ping's).
/// Method, thresholds and measured precision/recall: docs/detections.md.
/// </summary>
public sealed class ExfiltrationDetector : IHunt<ExfiltrationFinding>
{
    /// <summary>The exfiltration score from which findings were reported before the common scale (now 0.5, see <see cref="HuntScore"/>).</summary>
    public const double FormerThreshold = 0.3;

    private const ushort IcmpEchoRequest = 8 << 8, Icmp6EchoRequest = 128 << 8;

    private readonly ExfiltrationOptions _options;
    private readonly Dictionary<FlowAddress, HostState> _hosts = [];
    private readonly long[] _networkHourFlows = new long[24];
    private DateTime _first = DateTime.MaxValue, _last = DateTime.MinValue;

    public ExfiltrationDetector(ExfiltrationOptions? options = null)
    {
        _options = options ?? new ExfiltrationOptions();
        _options.Validate();
    }

    public long FlowCount { get; private set; }

    public ExfiltrationOptions Options => _options;

    HuntOptions IHunt.Options => _options;

    public string Title => "Exfiltration";

    public string Description => "large uploads, unusual ports, ratio shifts, off-hours transfers, DNS and ICMP tunnels (Find-FlowExfiltration)";

    public Type FindingType => typeof(ExfiltrationFinding);

    private int _findingCount = -1;

    public string Summary => $"{FlowCount:N0} flows, {HostCount:N0} inside hosts" + (_findingCount >= 0 ? $": {_findingCount} finding(s)." : ".");

    public IReadOnlyList<string> BoundsReached => HostsDropped > 0
        ? [$"{HostsDropped:N0} flows were not analysed: the bound of {_options.MaxHosts:N0} inside hosts was reached."]
        : [];

    IReadOnlyList<IHuntFinding> IHunt.GetFindings() => GetFindings();
    public int HostCount => _hosts.Count;

    /// <summary>Flows of inside hosts not tracked because <see cref="ExfiltrationOptions.MaxHosts"/> hosts already were.</summary>
    public long HostsDropped { get; private set; }

    public void Add(FlowRecord flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        FlowCount++;
        if (flow.Start < _first) _first = flow.Start;
        if (flow.Start > _last) _last = flow.Start;
        var inside = _options.InternalNetwork;
        bool srcIn = inside.Contains(flow.Src), dstIn = inside.Contains(flow.Dst);
        bool icmp = flow.Protocol is IpProtocolNames.Icmp or IpProtocolNames.Icmp6;
        bool transport = flow.Protocol is IpProtocolNames.Udp or IpProtocolNames.Tcp;
        HostState? host = null;   // the inside source's state, looked up once
        if (srcIn)
        {
            host = Host(flow.Src);
            if (host is null) return;
            if (transport && flow.DstPort == 53) host.Dns.AddQuery(flow, _options.DnsLongQueryBytes, _options.MaxEntriesPerHost);
            else if (icmp && flow.DstPort is IcmpEchoRequest or Icmp6EchoRequest) host.Icmp.Add(flow, _options.MaxEntriesPerHost);
            if (!dstIn) host.AddOutbound(flow, _options, _networkHourFlows);
        }
        if (dstIn)
        {
            if (transport && flow.SrcPort == 53)
            {
                Host(flow.Dst)?.Dns.AddAnswer(flow);
                // An inside host answering an inside client is a resolver: its upstream queries are its clients', not its own.
                if (host is not null) host.Dns.Served++;
            }
            else if (!srcIn)
            {
                Host(flow.Dst)?.AddInbound(flow, _options);
            }
        }
        else if (srcIn && flow.OutBytes > 0)
        {
            // A bidirectional record's reverse counters are the inside host's inbound bytes.
            host!.AddInboundBytes(flow.Dst, flow.OutBytes, flow.Start, _options);
        }
    }

    private HostState? Host(FlowAddress address)
    {
        if (_hosts.TryGetValue(address, out var host)) return host;
        if (_hosts.Count >= _options.MaxHosts)
        {
            HostsDropped++;
            return null;
        }
        host = new HostState();
        _hosts.Add(address, host);
        return host;
    }

    /// <summary>The findings at or above the minimum score, best first.</summary>
    public IReadOnlyList<ExfiltrationFinding> GetFindings()
    {
        var findings = new List<ExfiltrationFinding>();
        var dnsPeers = new List<double>();
        foreach (var h in _hosts.Values) if (h.DnsIfAny is { Queries: > 0 } d) dnsPeers.Add(d.Queries);
        var peerSpan = dnsPeers.ToArray().AsSpan();
        double dnsMedian = peerSpan.Length > 0 ? RobustStatistics.Median(peerSpan) : 0;
        bool[] quiet = QuietHours();
        foreach (var (address, h) in _hosts)
        {
            string host = address.ToString();
            AddLargeUploads(findings, host, h);
            AddHostVolume(findings, host, h);
            AddUnusualPorts(findings, host, h);
            AddRatioShift(findings, host, h);
            AddOffHours(findings, host, h, quiet);
            AddDns(findings, host, h, dnsMedian, dnsPeers.Count);
            AddIcmp(findings, host, h);
        }
        findings.RemoveAll(f => f.Score < _options.MinimumScore);
        findings.Sort(static (a, b) =>
        {
            int c = b.Score.CompareTo(a.Score);
            return c != 0 ? c : b.BytesOut.CompareTo(a.BytesOut);
        });
        _findingCount = findings.Count;
        return findings;
    }

    private static string Bytes(long b) => b switch
    {
        >= 10_000_000 => (b / 1e6).ToString("0", CultureInfo.InvariantCulture) + " MB",
        >= 1_000_000 => (b / 1e6).ToString("0.0", CultureInfo.InvariantCulture) + " MB",
        >= 10_000 => (b / 1e3).ToString("0", CultureInfo.InvariantCulture) + " kB",
        _ => b.ToString(CultureInfo.InvariantCulture) + " bytes",
    };

    private static double Ratio(long o, long i) => o + i == 0 ? 0 : Math.Round((o - i) / (double)(o + i), 3);

    /// <summary>0.5 at the threshold, 1 at 100× it.</summary>
    private static double VolumeScore(long bytes, long threshold) =>
        Math.Round(Math.Clamp(0.5 + 0.25 * Math.Log10(bytes / (double)threshold), 0.5, 1), 3);

    private static ExfiltrationFinding Finding(string technique, string mitre, string host, IEnumerable<(string Peer, long Bytes)> peers,
        long peerCount, long bytesOut, long bytesIn, long flows, DateTime first, DateTime last, double score, string reason)
    {
        var listed = peers.OrderByDescending(static p => p.Bytes).Take(10).Select(static p => p.Peer).ToList();
        return new ExfiltrationFinding
        {
            Kind = technique, Technique = mitre, Host = host, Peers = string.Join(", ", listed),
            PeerCount = Math.Max(peerCount, listed.Count), BytesOut = bytesOut, BytesIn = bytesIn, Ratio = Ratio(bytesOut, bytesIn),
            Flows = flows, FirstSeen = first, LastSeen = last, Score = HuntScore.Calibrate(score, FormerThreshold), Reason = reason,
        };
    }

    private void AddLargeUploads(List<ExfiltrationFinding> findings, string host, HostState h)
    {
        if (h.LargeFlows == 0) return;
        long inBytes = 0;
        foreach (var p in h.LargePeers.Keys) inBytes += h.Peers.TryGetValue(p.Address, out var ps) ? ps.BytesIn : 0;
        string reason = string.Create(CultureInfo.InvariantCulture,
            $"{host} sent {h.LargeFlows} flow{(h.LargeFlows == 1 ? "" : "s")} of at least {Bytes(_options.LargeFlowBytes)} each ({Bytes(h.LargeBytes)} in all, the largest {Bytes(h.LargestFlow)}) to {h.LargePeers.Count} outside peer{(h.LargePeers.Count == 1 ? "" : "s")}, receiving {Bytes(inBytes)} back: a large upload (exfiltration over an existing channel).");
        findings.Add(Finding("LargeUpload", "T1041", host, h.LargePeers.Select(static kv => ($"{kv.Key.Address}:{kv.Key.Port}/{IpProtocolNames.GetName(kv.Key.Protocol)}", kv.Value.BytesOut)), h.LargePeers.Count,
            h.LargeBytes, inBytes, h.LargeFlows, h.LargeFirst, h.LargeLast, VolumeScore(h.LargestFlow, _options.LargeFlowBytes) + 0.1, reason));
    }

    private void AddHostVolume(List<ExfiltrationFinding> findings, string host, HostState h)
    {
        if (h.BytesOut < _options.HostBytes) return;
        string reason = string.Create(CultureInfo.InvariantCulture,
            $"{host} sent {Bytes(h.BytesOut)} to {h.PeerCount} outside peers in {h.FlowsOut} flows and received {Bytes(h.BytesIn)} (ratio {Ratio(h.BytesOut, h.BytesIn):0.00}), above the {Bytes(_options.HostBytes)} per-host threshold.");
        double score = VolumeScore(h.BytesOut, _options.HostBytes) * (h.BytesOut > h.BytesIn ? 1 : 0.7);
        findings.Add(Finding("HostVolume", "T1041", host, h.Peers.Select(static kv => (kv.Key.ToString(), kv.Value.BytesOut)), h.PeerCount,
            h.BytesOut, h.BytesIn, h.FlowsOut, h.First, h.Last, score, reason));
    }

    private void AddUnusualPorts(List<ExfiltrationFinding> findings, string host, HostState h)
    {
        long o = 0, i = 0, flows = 0;
        DateTime first = DateTime.MaxValue, last = DateTime.MinValue;
        var peers = new List<(string, long)>();
        foreach (var (service, s) in h.Services)
        {
            if (s.BytesOut < _options.UnusualPortBytes) continue;
            peers.Add(($"{service.Address}:{service.Port}/{IpProtocolNames.GetName(service.Protocol)}", s.BytesOut));
            o += s.BytesOut;
            i += s.BytesIn;
            flows += s.Flows;
            if (s.First < first) first = s.First;
            if (s.Last > last) last = s.Last;
        }
        if (peers.Count == 0) return;
        double ratio = Ratio(o, i);
        string reason = string.Create(CultureInfo.InvariantCulture,
            $"{host} uploaded {Bytes(o)} (received {Bytes(i)}, ratio {ratio:0.00}) to {string.Join(", ", peers.OrderByDescending(static p => p.Item2).Take(3).Select(static p => p.Item1))}: port{(peers.Count == 1 ? " is" : "s are")} outside the allowlist of ordinary outbound services, a common sign of exfiltration over an alternative protocol.");
        double score = VolumeScore(o, _options.UnusualPortBytes) + (ratio > 0.5 ? 0.15 : 0);
        findings.Add(Finding("UnusualPort", "T1048", host, peers, peers.Count, o, i, flows, first, last, score, reason));
    }

    private void AddRatioShift(List<ExfiltrationFinding> findings, string host, HostState h)
    {
        if (h.Slices.Count < 3) return;
        var ratios = new double[h.Slices.Count];
        int n = 0;
        foreach (var s in h.Slices.Values) ratios[n++] = Ratio(s.Out, s.In);
        double baseline = RobustStatistics.Median(ratios.AsSpan());
        long o = 0, i = 0, flows = 0, shifted = 0;
        DateTime first = DateTime.MaxValue, last = DateTime.MinValue;
        double worst = -1;
        foreach (var (slice, s) in h.Slices)
        {
            double r = Ratio(s.Out, s.In);
            if (s.Out < _options.RatioMinimumBytes || r < 0.5 || r - baseline < 0.4) continue;
            shifted++;
            o += s.Out;
            i += s.In;
            flows += s.Flows;
            worst = Math.Max(worst, r);
            var start = new DateTime(slice * _options.RatioWindow.Ticks, DateTimeKind.Utc);
            if (start < first) first = start;
            if (start + _options.RatioWindow > last) last = start + _options.RatioWindow;
        }
        if (shifted == 0) return;
        string reason = string.Create(CultureInfo.InvariantCulture,
            $"{host}'s producer-consumer ratio rose to {worst:0.00} in {shifted} of its {h.Slices.Count} active {_options.RatioWindow.TotalMinutes:0}-minute slices ({Bytes(o)} out, {Bytes(i)} in), against a baseline of {baseline:0.00} (its median over the evidence): it turned from consumer to producer.");
        double score = 0.45 + 0.35 * (worst - baseline) / 2 + (VolumeScore(o, _options.RatioMinimumBytes) - 0.5) / 2;
        findings.Add(Finding("RatioShift", "T1041", host, h.Peers.Select(static kv => (kv.Key.ToString(), kv.Value.BytesOut)), h.PeerCount,
            o, i, flows, first, last, score, reason));
    }

    private bool[] QuietHours()
    {
        var quiet = new bool[24];
        if (_last - _first < TimeSpan.FromHours(24)) return quiet;
        long max = _networkHourFlows.Max();
        for (int hour = 0; hour < 24; hour++) quiet[hour] = _networkHourFlows[hour] < max / 10.0;
        return quiet;
    }

    private void AddOffHours(List<ExfiltrationFinding> findings, string host, HostState h, bool[] quiet)
    {
        // The host's hours come from its ratio slices (hour-long by default; a slice is counted in the hour it starts).
        long bytes = 0;
        var hours = new SortedSet<int>();
        foreach (var (slice, s) in h.Slices)
        {
            int hour = new DateTime(slice * _options.RatioWindow.Ticks, DateTimeKind.Utc).Hour;
            if (!quiet[hour] || s.Out == 0) continue;
            bytes += s.Out;
            hours.Add(hour);
        }
        if (bytes < _options.OffHoursBytes) return;
        string reason = string.Create(CultureInfo.InvariantCulture,
            $"{host} sent {Bytes(bytes)} out during {string.Join(", ", hours.Select(static x => x.ToString("00", CultureInfo.InvariantCulture) + ":00"))} UTC, hours in which the whole network sends less than a tenth of its busiest hour's flows.");
        findings.Add(Finding("OffHours", "T1029", host, h.Peers.Select(static kv => (kv.Key.ToString(), kv.Value.BytesOut)), h.PeerCount,
            bytes, 0, 0, h.First, h.Last, VolumeScore(bytes, _options.OffHoursBytes) * 0.9, reason));
    }

    private void AddDns(List<ExfiltrationFinding> findings, string host, HostState h, double peerMedian, int peerCount)
    {
        var d = h.DnsIfAny;
        if (d is null || d.Queries == 0 || d.Served > 0) return;
        var signs = new List<string>();
        double keep = 1;
        void Sign(double weight, string text)
        {
            keep *= 1 - weight;
            signs.Add(text);
        }
        var c = CultureInfo.InvariantCulture;
        if (peerCount >= 3 && d.Queries >= _options.DnsMinimumQueries && d.Queries >= _options.DnsPeerFactor * peerMedian)
            Sign(0.6, string.Create(c, $"{d.Queries} queries, {d.Queries / Math.Max(1, peerMedian):0}× the median of its {peerCount - 1} peers ({peerMedian:0})"));
        double meanQuery = d.QueryBytes / (double)Math.Max(1, d.QueryPackets);
        bool longNames = true;
        if (d.Queries >= 20 && meanQuery >= _options.DnsLongQueryBytes - 20)
            Sign(0.5, string.Create(c, $"queries average {meanQuery:0} bytes, long names that carry encoded data"));
        else if (d.LongQueries > 0)
            Sign(0.35, string.Create(c, $"{d.LongQueries} quer{(d.LongQueries == 1 ? "y" : "ies")} of {_options.DnsLongQueryBytes}+ bytes (names of about 90 characters or more)"));
        else
            longNames = false;
        double meanAnswer = d.AnswerBytes / (double)Math.Max(1, d.AnswerPackets);
        if (d.Answers >= 20 && meanAnswer >= _options.DnsLargeAnswerBytes)
            Sign(0.5, string.Create(c, $"answers average {meanAnswer:0} bytes (TXT/NULL-sized), data pulled in through DNS"));
        double minutes = (d.LastStart - d.First).TotalMinutes;
        if (d.Queries >= _options.DnsMinimumQueries && minutes >= 1.0 / 3 && d.Queries / minutes >= 60)
            Sign(0.4, string.Create(c, $"a sustained rate of {d.Queries / minutes:0} queries a minute"));
        if (signs.Count == 0) return;
        string missing = "";
        if (d.Answers == 0)
        {
            // No answer to this host appears in the data: the reply direction is missing (NAT, a one-way export), so volume
            // and rate alone say only that it is busy. Only the queries' own size (long names) is evidence then.
            if (!longNames) return;
            missing = " No DNS answer to it appears in the data (the reply direction is missing: NAT or a one-way export), so answer sizes could not be judged.";
        }
        string reason = string.Create(c,
            $"{host} sent {d.Queries} DNS queries ({Bytes(d.QueryBytes)}) to {d.Resolvers.Count} server{(d.Resolvers.Count == 1 ? "" : "s")} and got {Bytes(d.AnswerBytes)} back: {string.Join("; ", signs)}. These are the flow-level signs of a DNS tunnel.{missing}");
        findings.Add(Finding("DnsTunnel", "T1071.004", host, d.Resolvers.Select(static kv => (kv.Key.ToString(), kv.Value)), d.Resolvers.Count,
            d.QueryBytes, d.AnswerBytes, d.Queries, d.First, d.Last, 1 - keep, reason));
    }

    private void AddIcmp(List<ExfiltrationFinding> findings, string host, HostState h)
    {
        var e = h.IcmpIfAny;
        if (e is null || e.Bytes < _options.IcmpMinimumBytes) return;
        double mean = e.Bytes / (double)Math.Max(1, e.Packets);
        if (mean < _options.IcmpLargePacketBytes) return;
        string reason = string.Create(CultureInfo.InvariantCulture,
            $"{host} sent {Bytes(e.Bytes)} in {e.Packets} ICMP echo requests to {e.Peers.Count} peer{(e.Peers.Count == 1 ? "" : "s")}, {mean:0} bytes a packet where an ordinary ping is 60–84: data carried in echo payloads (ICMP tunnel).");
        double score = Math.Min(1, 0.5 + 0.25 * Math.Log10(mean / _options.IcmpLargePacketBytes) + 0.15 * Math.Log10(e.Bytes / (double)_options.IcmpMinimumBytes));
        findings.Add(Finding("IcmpTunnel", "T1048.003", host, e.Peers.Select(static kv => (kv.Key.ToString(), kv.Value)), e.Peers.Count,
            e.Bytes, 0, e.Flows, e.First, e.Last, score, reason));
    }

    private readonly record struct Service(FlowAddress Address, ushort Port, byte Protocol);

    private sealed class Totals
    {
        public long BytesOut, BytesIn, Flows;
        public DateTime First = DateTime.MaxValue, Last = DateTime.MinValue;

        /// <summary>A flow of the evidence: <see cref="First"/> is the first start, <see cref="Last"/> the last end.</summary>
        public void Seen(DateTime start, DateTime end)
        {
            if (start < First) First = start;
            if (end > Last) Last = end;
        }
    }

    private static class Empty<TKey> where TKey : notnull
    {
        public static readonly Dictionary<TKey, Totals> Totals = [];
        public static readonly Dictionary<TKey, Slice> Slices = [];
    }

    private struct Slice
    {
        public long Out, In, Flows;
    }

    /// <summary>One inside host. Every collection is capped at MaxEntriesPerHost entries; totals stay exact past it.</summary>
    private sealed class HostState
    {
        public long BytesOut, BytesIn, FlowsOut;
        public DateTime First = DateTime.MaxValue, Last = DateTime.MinValue;
        // Collections are made on first use: most inside hosts of a large evidence set need few of them.
        public readonly Dictionary<FlowAddress, Totals> Peers = [];
        private DistinctCounter? _peerOverflow;
        public long PeerCount => _peerOverflow?.Count ?? Peers.Count;
        private Dictionary<Service, Totals>? _services, _largePeers;
        private Dictionary<long, Slice>? _slices;
        public IReadOnlyDictionary<Service, Totals> Services => _services ?? Empty<Service>.Totals;
        public IReadOnlyDictionary<Service, Totals> LargePeers => _largePeers ?? Empty<Service>.Totals;
        public IReadOnlyDictionary<long, Slice> Slices => _slices ?? Empty<long>.Slices;
        public long LargeFlows, LargeBytes, LargestFlow;
        public DateTime LargeFirst = DateTime.MaxValue, LargeLast = DateTime.MinValue;
        private DnsState? _dns;
        private IcmpState? _icmp;
        public DnsState Dns => _dns ??= new DnsState();
        public IcmpState Icmp => _icmp ??= new IcmpState();
        public DnsState? DnsIfAny => _dns;
        public IcmpState? IcmpIfAny => _icmp;

        public void AddOutbound(FlowRecord f, ExfiltrationOptions o, long[] networkHours)
        {
            BytesOut += f.Bytes;
            FlowsOut++;
            if (f.Start < First) First = f.Start;
            if (f.End > Last) Last = f.End;
            var peer = Entry(Peers, f.Dst, o.MaxEntriesPerHost);
            if (peer is null && _peerOverflow is null)
            {
                _peerOverflow = new DistinctCounter(1024);
                foreach (var known in Peers.Keys) _peerOverflow.Add(new UInt128(known.High, known.Low));
            }
            _peerOverflow?.Add(new UInt128(f.Dst.High, f.Dst.Low));
            if (peer is not null)
            {
                peer.BytesOut += f.Bytes;
                peer.Flows++;
                peer.Seen(f.Start, f.End);
            }
            networkHours[f.Start.Hour]++;
            AddSlice(f.Start, f.Bytes, 0, 1, o);
            bool ports = f.Protocol is IpProtocolNames.Tcp or IpProtocolNames.Udp or IpProtocolNames.Sctp;
            var service = new Service(f.Dst, ports ? f.DstPort : (ushort)0, f.Protocol);
            if (ports && !o.AllowedPorts.Contains(f.DstPort) && f.DstPort != 0)
            {
                var s = Entry(_services ??= [], service, o.MaxEntriesPerHost);
                if (s is not null)
                {
                    s.BytesOut += f.Bytes;
                    s.BytesIn += f.OutBytes;
                    s.Flows++;
                    s.Seen(f.Start, f.End);
                }
            }
            if (f.Bytes >= o.LargeFlowBytes)
            {
                LargeFlows++;
                LargeBytes += f.Bytes;
                LargestFlow = Math.Max(LargestFlow, f.Bytes);
                if (f.Start < LargeFirst) LargeFirst = f.Start;
                if (f.End > LargeLast) LargeLast = f.End;
                var l = Entry(_largePeers ??= [], service, o.MaxEntriesPerHost);
                if (l is not null)
                {
                    l.BytesOut += f.Bytes;
                    l.Flows++;
                }
            }
        }

        public void AddInbound(FlowRecord f, ExfiltrationOptions o)
        {
            BytesIn += f.Bytes;
            if (Peers.TryGetValue(f.Src, out var peer)) peer.BytesIn += f.Bytes;
            bool ports = f.Protocol is IpProtocolNames.Tcp or IpProtocolNames.Udp or IpProtocolNames.Sctp;
            if (ports && _services is not null && _services.TryGetValue(new Service(f.Src, f.SrcPort, f.Protocol), out var s)) s.BytesIn += f.Bytes;
            AddSlice(f.Start, 0, f.Bytes, 0, o);
        }

        public void AddInboundBytes(FlowAddress peer, long bytes, DateTime start, ExfiltrationOptions o)
        {
            BytesIn += bytes;
            if (Peers.TryGetValue(peer, out var p)) p.BytesIn += bytes;
            AddSlice(start, 0, bytes, 0, o);
        }

        private void AddSlice(DateTime t, long o, long i, long flows, ExfiltrationOptions options)
        {
            long index = t.Ticks / options.RatioWindow.Ticks;
            var slices = _slices ??= [];
            ref var slice = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrNullRef(slices, index);
            if (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref slice))
            {
                if (slices.Count >= options.MaxEntriesPerHost) return;
                slices[index] = new Slice { Out = o, In = i, Flows = flows };
                return;
            }
            slice.Out += o;
            slice.In += i;
            slice.Flows += flows;
        }

        private static Totals? Entry<TKey>(Dictionary<TKey, Totals> map, TKey key, int cap) where TKey : notnull
        {
            if (map.TryGetValue(key, out var t)) return t;
            if (map.Count >= cap) return null;
            t = new Totals();
            map.Add(key, t);
            return t;
        }
    }

    private sealed class DnsState
    {
        public long Served, Queries, QueryBytes, QueryPackets, LongQueries, Answers, AnswerBytes, AnswerPackets;
        public DateTime First = DateTime.MaxValue, Last = DateTime.MinValue, LastStart = DateTime.MinValue;
        public readonly Dictionary<FlowAddress, long> Resolvers = [];

        public void AddQuery(FlowRecord f, int longQueryBytes, int cap)
        {
            // nfpcapd and our meter make one flow per DNS packet; other meters may merge several queries into one flow.
            Queries += Math.Max(1, f.Packets);
            QueryBytes += f.Bytes;
            QueryPackets += Math.Max(1, f.Packets);
            if (f.Bytes / Math.Max(1, f.Packets) >= longQueryBytes) LongQueries++;
            if (f.Start < First) First = f.Start;
            if (f.Start > LastStart) LastStart = f.Start;
            if (f.End > Last) Last = f.End;
            if (Resolvers.ContainsKey(f.Dst) || Resolvers.Count < cap) Resolvers[f.Dst] = Resolvers.GetValueOrDefault(f.Dst) + f.Bytes;
        }

        public void AddAnswer(FlowRecord f)
        {
            Answers += Math.Max(1, f.Packets);
            AnswerBytes += f.Bytes;
            AnswerPackets += Math.Max(1, f.Packets);
        }
    }

    private sealed class IcmpState
    {
        public long Bytes, Packets, Flows;
        public DateTime First = DateTime.MaxValue, Last = DateTime.MinValue;
        public readonly Dictionary<FlowAddress, long> Peers = [];

        public void Add(FlowRecord f, int cap)
        {
            Bytes += f.Bytes;
            Packets += f.Packets;
            Flows++;
            if (f.Start < First) First = f.Start;
            if (f.End > Last) Last = f.End;
            if (Peers.ContainsKey(f.Dst) || Peers.Count < cap) Peers[f.Dst] = Peers.GetValueOrDefault(f.Dst) + f.Bytes;
        }
    }
}
