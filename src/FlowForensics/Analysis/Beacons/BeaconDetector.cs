using System.Globalization;
using FlowForensics.Analysis.Hunting;
using FlowForensics.Analysis.Statistics;
using FlowForensics.Flows;

namespace FlowForensics.Analysis.Beacons;

/// <summary>
/// Finds beacons: sources that connect to one destination service on a schedule. Flow records are paired into
/// connections (<see cref="ConnectionPairer"/>), grouped by (source, destination, port, protocol) or by host pair,
/// and each group keeps a bounded series of (start, bytes out, bytes in) samples. At the end each group with enough
/// connections is scored on timing (robust to ±50 % jitter and to missed beats), size regularity in both directions,
/// coverage of the observation window and evenness over time, then discounted for what ordinary periodic traffic
/// looks like (a destination many hosts share, NTP, DNS, both ends inside). Method and figures: docs/detections.md.
/// </summary>
public sealed class BeaconDetector : IHunt<BeaconFinding>
{
    /// <summary>The beacon score from which findings were reported before the common scale (now 0.5, see <see cref="HuntScore"/>).</summary>
    public const double FormerThreshold = 0.6;

    private const double TimingWeight = 0.45, SizeWeight = 0.2, CoverageWeight = 0.15, HistogramWeight = 0.2;

    private readonly BeaconOptions _options;
    private readonly Dictionary<GroupKey, Group> _groups = [];
    private readonly ConnectionPairer _pairer;
    private DateTime _first = DateTime.MaxValue, _last = DateTime.MinValue, _clock = DateTime.MinValue, _lastSweep = DateTime.MinValue;

    public BeaconDetector(BeaconOptions? options = null)
    {
        _options = options ?? new BeaconOptions();
        _options.Validate();
        _pairer = new ConnectionPairer(AddConnection, _options.PairingWindow, _options.MaxPendingFlows);
    }

    public BeaconOptions Options => _options;

    HuntOptions IHunt.Options => _options;

    public string Title => "Beacons";

    public string Description => "periodic connections scored on timing, size, coverage and evenness (Find-FlowBeacon)";

    public Type FindingType => typeof(BeaconFinding);

    private int _findingCount = -1;

    public string Summary =>
        $"{FlowCount:N0} flows, {ConnectionCount:N0} connections in {GroupCount:N0} groups"
        + (_findingCount >= 0 ? $": {_findingCount} beacon(s) at or above {_options.MinimumScore.ToString(CultureInfo.InvariantCulture)}." : ".")
        + (SingletonsEvicted > 0 ? $" {SingletonsEvicted:N0} one-connection groups were dropped to stay within {_options.MaxGroups:N0} groups." : "");

    public IReadOnlyList<string> BoundsReached => GroupsDropped > 0
        ? [$"{GroupsDropped:N0} connections were not analysed: the bound of {_options.MaxGroups:N0} groups was reached."]
        : [];

    IReadOnlyList<IHuntFinding> IHunt.GetFindings() => GetFindings();

    /// <summary>Flow records given to <see cref="Add"/>.</summary>
    public long FlowCount { get; private set; }

    /// <summary>Connections counted into groups.</summary>
    public long ConnectionCount { get; private set; }

    public int GroupCount => _groups.Count;

    /// <summary>Connections not counted because <see cref="BeaconOptions.MaxGroups"/> groups were already held.</summary>
    public long GroupsDropped { get; private set; }

    /// <summary>One-connection groups dropped to make room once the group bound was reached (see <see cref="BeaconOptions.SingletonTimeToLive"/>).</summary>
    public long SingletonsEvicted { get; private set; }

    /// <summary>Flow records released unpaired because the pairing buffer was full.</summary>
    public long PairingReleasedEarly => _pairer.ReleasedEarly;

    /// <summary>Adds one flow record.</summary>
    public void Add(FlowRecord flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        FlowCount++;
        _pairer.Add(flow);
    }

    /// <summary>Ends the input and returns the findings at or above the minimum score, best first.</summary>
    public IReadOnlyList<BeaconFinding> GetFindings()
    {
        _pairer.Flush();
        var sharing = new Dictionary<ServiceKey, int>();
        foreach (var key in _groups.Keys)
        {
            var service = new ServiceKey(key.Dst, key.DstPort, key.Protocol);
            sharing[service] = sharing.GetValueOrDefault(service) + 1;
        }
        var findings = new List<BeaconFinding>();
        var scratch = new Scratch(_options.MaxSamplesPerGroup);
        foreach (var (key, group) in _groups)
        {
            if (group.Count < _options.MinimumConnections) continue;
            var finding = Score(key, group, sharing[new ServiceKey(key.Dst, key.DstPort, key.Protocol)], scratch);
            if (finding is not null && finding.Score >= _options.MinimumScore) findings.Add(finding);
        }
        findings.Sort(static (a, b) =>
        {
            int c = b.Score.CompareTo(a.Score);
            return c != 0 ? c : b.Connections.CompareTo(a.Connections);
        });
        _findingCount = findings.Count;
        return findings;
    }

    private void AddConnection(PairedConnection c)
    {
        if (IsGroupAddress(c.Dst)) return;
        var key = _options.ByHostPair
            ? new GroupKey(c.Src, c.Dst, 0, 0)
            : new GroupKey(c.Src, c.Dst, c.Protocol is IpProtocolNames.Icmp or IpProtocolNames.Icmp6 ? (ushort)0 : c.DstPort, c.Protocol);
        if (c.Start > _clock) _clock = c.Start;
        if (!_groups.TryGetValue(key, out var group))
        {
            if (_groups.Count >= _options.MaxGroups && !EvictStaleSingletons())
            {
                GroupsDropped++;
                return;
            }
            group = new Group();
            _groups.Add(key, group);
        }
        if (group.Add(c, _options.MaxSamplesPerGroup))
        {
            ConnectionCount++;
            if (c.Start < _first) _first = c.Start;
            if (c.Start > _last) _last = c.Start;
        }
    }

    /// <summary>
    /// When the group bound is reached, groups that saw one connection more than <see cref="BeaconOptions.SingletonTimeToLive"/>
    /// of flow time ago are dropped (a beacon with a shorter period would have come back). Sweeps run at most once per
    /// minute of flow time. True when room was made.
    /// </summary>
    private bool EvictStaleSingletons()
    {
        if (_clock - _lastSweep < TimeSpan.FromMinutes(1)) return false;
        _lastSweep = _clock;
        var cutoff = _clock - _options.SingletonTimeToLive;
        int before = _groups.Count;
        foreach (var (key, group) in _groups)
        {
            if (group.Count == 1 && group.Last < cutoff) _groups.Remove(key);
        }
        SingletonsEvicted += before - _groups.Count;
        return _groups.Count < _options.MaxGroups;
    }

    private BeaconFinding? Score(GroupKey key, Group g, int sharing, Scratch s)
    {
        int n = g.Kept;
        var samples = g.Samples.AsSpan(0, n);
        // ---- timing ------------------------------------------------------------------------------
        long minTicks = _options.MinimumInterval.Ticks;
        int m = 0;
        for (int i = 1; i < n; i++)
        {
            long d = samples[i].Ticks - samples[i - 1].Ticks;
            if (d >= minTicks) s.Intervals[m++] = d / (double)TimeSpan.TicksPerSecond;
        }
        if (m < 2) return null;
        var intervals = s.Intervals.AsSpan(0, m);
        var units = s.Units.AsSpan(0, m);
        intervals.CopyTo(units);
        double period = RobustStatistics.Median(units);
        long spanned = 0;
        for (int pass = 0; pass < 2 && period > 0; pass++)
        {
            spanned = 0;
            for (int i = 0; i < m; i++)
            {
                double ratio = intervals[i] / period;
                int beats = ratio < 1.5 ? 1 : (int)Math.Min(1_000_000, Math.Round(ratio));
                units[i] = intervals[i] / beats;
                spanned += beats;
            }
            period = RobustStatistics.Median(units);
        }
        if (!(period > 0)) return null;
        var (q1, q2, q3) = RobustStatistics.QuartilesOfSorted(units);
        double mad = RobustStatistics.MedianAbsoluteDeviation(units, q2, s.Deviations);
        double dispersion = mad / period;
        double regularity = Math.Clamp(1 - dispersion / 0.5, 0, 1);
        double timingSkew = 1 - Math.Abs(RobustStatistics.BowleySkew(q1, q2, q3));
        double missedShare = spanned > 0 ? (spanned - m) / (double)spanned : 0;
        double timing = (0.7 * regularity + 0.3 * timingSkew) * (1 - missedShare / 2);
        double beatPeriod = period / g.Stride;
        long missed = (long)(spanned - m) * g.Stride;

        // ---- sizes ----------------------------------------------------------------------------------
        var outStats = SizeStatistics(samples, s, static x => x.BytesOut);
        int withReverse = 0;
        foreach (var x in samples) if (x.BytesIn > 0) withReverse++;
        bool hasIn = withReverse * 2 >= n;
        var inStats = hasIn ? SizeStatistics(samples, s, static x => x.BytesIn) : default;
        double size = hasIn ? (outStats.Score + inStats.Score) / 2 : outStats.Score;

        // ---- coverage and histogram ----------------------------------------------------------------
        double window = (_last - _first).TotalSeconds;
        double active = (g.Last - g.First).TotalSeconds;
        double coverage = window > 0 ? Math.Clamp(active / window, 0, 1) : 1;
        double binWidth = Math.Max(window / 24, 2 * beatPeriod);
        int bins = binWidth > 0 ? (int)Math.Min(24, Math.Floor(active / binWidth)) : 0;
        double histogram = 0;
        if (bins >= 2)
        {
            var counts = s.Bins.AsSpan(0, bins);
            counts.Clear();
            foreach (var x in samples)
            {
                int b = (int)((x.Ticks - g.First.Ticks) / TimeSpan.TicksPerSecond / binWidth);
                if (b < bins) counts[b] += g.Stride;
            }
            histogram = Math.Clamp(1 - RobustStatistics.CoefficientOfVariation(counts), 0, 1);
        }
        var hours = new HashSet<long>();
        foreach (var x in samples) hours.Add(x.Ticks / TimeSpan.TicksPerHour);

        double raw = TimingWeight * timing + SizeWeight * size + CoverageWeight * coverage + HistogramWeight * histogram;

        // ---- what ordinary periodic traffic looks like ---------------------------------------------
        var discounts = new List<string>();
        double factor = 1;
        bool ntp = key.Protocol == IpProtocolNames.Udp && key.DstPort == 123 && outStats.Median <= 160 && (!hasIn || inStats.Median <= 160);
        if (ntp)
        {
            factor *= 0.5;
            discounts.Add("it looks like NTP time synchronisation (small fixed-size packets to 123/udp)");
        }
        if (key.DstPort == 53 && key.Protocol is IpProtocolNames.Udp or IpProtocolNames.Tcp)
        {
            factor *= 0.7;
            discounts.Add("it is DNS, where periodic lookups of one name are common (DNS tunnels are Find-FlowExfiltration's)");
        }
        if (key.Protocol is IpProtocolNames.Icmp or IpProtocolNames.Icmp6)
        {
            factor *= 0.6;
            discounts.Add("it is ICMP, where a fixed rate is what ping and monitoring probes do");
        }
        if (sharing >= 3)
        {
            factor *= 0.6;
            discounts.Add($"{sharing} sources connect to this destination service, as fleet software (updates, agents, time sync) does");
        }
        else if (sharing == 2)
        {
            factor *= 0.85;
            discounts.Add("one other source connects to this destination service too");
        }
        if (_options.InternalNetwork.Contains(key.Src) && _options.InternalNetwork.Contains(key.Dst))
        {
            factor *= 0.7;
            discounts.Add("both ends are internal, where periodic services (directory, monitoring, sync) are usual");
        }
        // Calibrated to the common scale: 0.6, the beacon hunt's former reporting threshold, is 0.5 now.
        double score = HuntScore.Calibrate(raw * factor, FormerThreshold);
        if (g.Count < BeaconOptions.FewConnections && score > BeaconOptions.FewConnectionsScoreCap)
        {
            score = BeaconOptions.FewConnectionsScoreCap;
            discounts.Add(string.Create(CultureInfo.InvariantCulture,
                $"{g.Count} connections give only {m} interval{(m == 1 ? "" : "s")}, too few to tell a schedule from chance, so the score is capped at {BeaconOptions.FewConnectionsScoreCap}"));
        }

        string protocolName = _options.ByHostPair ? string.Empty : IpProtocolNames.GetName(key.Protocol);
        var finding = new BeaconFinding
        {
            Host = key.Src.ToString(),
            DstAddr = key.Dst.ToString(),
            DstPort = key.DstPort,
            Protocol = protocolName,
            Score = score,
            TimingScore = Math.Round(timing, 3),
            SizeScore = Math.Round(size, 3),
            CoverageScore = Math.Round(coverage, 3),
            HistogramScore = Math.Round(histogram, 3),
            Connections = g.Count,
            MedianInterval = TimeSpan.FromSeconds(Math.Round(beatPeriod, 3)),
            JitterPercent = Math.Round(Math.Min(100, 200 * dispersion), 1),
            MissedBeats = missed,
            BytesOutPerConnection = (long)outStats.Median,
            BytesOutSpread = (long)outStats.Mad,
            BytesInPerConnection = hasIn ? (long)inStats.Median : 0,
            BytesInSpread = hasIn ? (long)inStats.Mad : 0,
            HoursActive = hours.Count,
            SourcesSharingDestination = sharing,
            FirstSeen = g.First,
            LastSeen = g.Last,
        };
        finding.Reason = ReasonOf(finding, discounts, missedShare, hasIn);
        return finding;
    }

    private string ReasonOf(BeaconFinding f, List<string> discounts, double missedShare, bool hasIn)
    {
        var c = CultureInfo.InvariantCulture;
        string target = _options.ByHostPair ? f.DstAddr : $"{f.DstAddr}:{f.DstPort}/{f.Protocol}";
        var text = new System.Text.StringBuilder();
        text.Append(c, $"{f.Host} connected to {target} {f.Connections} times, about every {Describe(f.MedianInterval)} ");
        text.Append(c, $"(±{f.JitterPercent:0.#} % jitter");
        if (f.MissedBeats > 0) text.Append(c, $", {f.MissedBeats} missed beat{(f.MissedBeats == 1 ? "" : "s")} tolerated");
        text.Append(')');
        text.Append(c, $"; {f.BytesOutPerConnection} bytes out (±{f.BytesOutSpread})");
        if (hasIn) text.Append(c, $" and {f.BytesInPerConnection} bytes in (±{f.BytesInSpread})");
        text.Append(" per connection");
        text.Append(c, $", over {f.CoverageScore * 100:0} % of the observation window. ");
        text.Append(Verdict("Timing", f.TimingScore)).Append(", ").Append(Verdict("size", f.SizeScore).ToLowerInvariant())
            .Append(", ").Append(Verdict("spread over time", f.HistogramScore).ToLowerInvariant()).Append('.');
        if (missedShare > 0.3) text.Append(" Many intervals span several periods, which weakens the timing evidence.");
        if (discounts.Count > 0) text.Append(" Score lowered because ").Append(string.Join("; ", discounts)).Append('.');
        else if (f.Score >= 0.8) text.Append(" Nothing about it looks like ordinary periodic traffic: an automated check-in is likely.");
        return text.ToString();
    }

    /// <summary>Multicast and broadcast destinations (router and service announcements) are not beacons.</summary>
    private static bool IsGroupAddress(FlowAddress a) =>
        a.IsIPv4 ? (a.IPv4Value >> 28) == 0xE || a.IPv4Value == 0xFFFFFFFF || (a.IPv4Value & 0xFF) == 0xFF
                 : a.IsIPv6 && (a.High >> 56) == 0xFF;

    private static string Verdict(string what, double score) => score switch
    {
        >= 0.8 => what + " very regular",
        >= 0.6 => what + " regular",
        >= 0.4 => what + " somewhat regular",
        _ => what + " irregular",
    };

    private static string Describe(TimeSpan t) => t.TotalSeconds switch
    {
        < 120 => t.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + " s",
        < 7200 => t.TotalMinutes.ToString("0.#", CultureInfo.InvariantCulture) + " min",
        _ => t.TotalHours.ToString("0.#", CultureInfo.InvariantCulture) + " h",
    };

    private static (double Median, double Mad, double Score) SizeStatistics(ReadOnlySpan<Sample> samples, Scratch s, Func<Sample, long> select)
    {
        var values = s.Sizes.AsSpan(0, samples.Length);
        for (int i = 0; i < samples.Length; i++) values[i] = select(samples[i]);
        values.Sort();
        var (q1, q2, q3) = RobustStatistics.QuartilesOfSorted(values);
        double mad = RobustStatistics.MedianAbsoluteDeviation(values, q2, s.Deviations);
        double regularity = q2 > 0 ? Math.Clamp(1 - 2 * mad / q2, 0, 1) : 0;
        // Bowley skew only when the quartiles are at least 10 bytes apart (RITA's guard): a few header bytes are not skew.
        double skew = q3 - q1 >= 10 ? 1 - Math.Abs(RobustStatistics.BowleySkew(q1, q2, q3)) : 1;
        return (q2, mad, 0.7 * regularity + 0.3 * skew);
    }

    private readonly record struct GroupKey(FlowAddress Src, FlowAddress Dst, ushort DstPort, byte Protocol);

    private readonly record struct ServiceKey(FlowAddress Dst, ushort DstPort, byte Protocol);

    private struct Sample
    {
        public long Ticks;
        public long BytesOut;
        public long BytesIn;
    }

    /// <summary>
    /// One group's state: counts, first/last, and at most MaxSamplesPerGroup samples. When the array is full it is
    /// decimated 2:1 (every other sample kept) and the stride doubles, so the samples stay evenly spread over the whole
    /// series in bounded memory (24 bytes a sample).
    /// </summary>
    private sealed class Group
    {
        public Sample[] Samples = [];
        public int Kept;
        public int Stride = 1;
        public long Count;
        public DateTime First = DateTime.MaxValue, Last = DateTime.MinValue;
        private int _skip;
        private bool _lastKept;
        private ushort _lastSrcPort;
        private DateTime _lastEnd;

        /// <summary>Adds a connection; false when it continues the previous one (a TCP connection cut by the active timeout).</summary>
        public bool Add(in PairedConnection c, int cap)
        {
            if (c.Protocol == IpProtocolNames.Tcp && Count > 0 && c.SrcPort == _lastSrcPort
                && c.Start >= _lastEnd && (c.Start - _lastEnd).TotalSeconds <= 60)
            {
                _lastEnd = c.End;
                if (_lastKept)
                {
                    ref var last = ref Samples[Kept - 1];
                    last.BytesOut += c.BytesOut;
                    last.BytesIn += c.BytesIn;
                }
                return false;
            }
            Count++;
            if (c.Start < First) First = c.Start;
            if (c.Start > Last) Last = c.Start;
            _lastSrcPort = c.SrcPort;
            _lastEnd = c.End;
            if (_skip > 0)
            {
                _skip--;
                _lastKept = false;
                return true;
            }
            if (Kept == Samples.Length)
            {
                if (Kept >= cap)
                {
                    for (int i = 0; i < Kept / 2; i++) Samples[i] = Samples[2 * i];
                    Kept /= 2;
                    Stride *= 2;
                }
                else
                {
                    Array.Resize(ref Samples, Math.Min(cap, Math.Max(1, Samples.Length * 2)));
                }
            }
            Samples[Kept++] = new Sample { Ticks = c.Start.Ticks, BytesOut = c.BytesOut, BytesIn = c.BytesIn };
            _skip = Stride - 1;
            _lastKept = true;
            return true;
        }
    }

    private sealed class Scratch(int size)
    {
        public readonly double[] Intervals = new double[size];
        public readonly double[] Units = new double[size];
        public readonly double[] Deviations = new double[size];
        public readonly double[] Sizes = new double[size];
        public readonly double[] Bins = new double[24];
    }
}
