using FlowForensics.Flows;

namespace FlowForensics.Synthesis;

/// <summary>The settings of a <see cref="BaselineScenario"/>.</summary>
internal sealed record BaselineScenarioOptions
{
    public ulong Seed { get; init; } = 1;

    /// <summary>Workstations in 10.1.1.0/24 (and 10.1.2.0/24 past 200), active 08:00-17:59 UTC.</summary>
    public int Workstations { get; init; } = 40;

    /// <summary>The first hour of the ordinary period (a Monday).</summary>
    public DateTime Start { get; init; } = new(2026, 3, 2, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>Days of ordinary traffic the baseline learns from.</summary>
    public int BaselineDays { get; init; } = 3;

    /// <summary>Days compared afterwards; the planted anomalies are on the first of them.</summary>
    public int CompareDays { get; init; } = 1;

    /// <summary>Multiplies the ordinary flows per host and hour (the benchmark's knob).</summary>
    public int FlowScale { get; init; } = 1;

    /// <summary>Chance per workstation-hour of one visit to a peer from a pool of 60,000 (the long tail of browsing): ordinary, but new.</summary>
    public double RarePeerChance { get; init; } = 0.02;

    /// <summary>Chance per workstation-hour of an ordinary large download (50 MB).</summary>
    public double BigDownloadChance { get; init; } = 0.005;

    /// <summary>Plant the anomalies in the compared period.</summary>
    public bool Plant { get; init; } = true;
}

/// <summary>An anomaly planted in a <see cref="BaselineScenario"/>: the host, the AnomalyType expected, the hour it happens in.</summary>
internal sealed record PlantedAnomaly(string Host, string Type, DateTime Window, string What);

/// <summary>
/// Flow records for the baseline hunt, made directly (packets would add nothing): an office network of workstations
/// and four servers over <see cref="BaselineScenarioOptions.BaselineDays"/> ordinary days, then a compared period with
/// planted volume surges, new peers, new ports, off-hours activity and floods (SYN, UDP, ICMP, many-source HTTP),
/// recorded in <see cref="Truth"/>. Deterministic for a seed; flows are produced in time order, one hour at a time.
/// </summary>
internal sealed class BaselineScenario
{
    public const string DnsServer = "10.1.0.2", FileServer = "10.1.0.10", WebServer = "10.1.0.20", BackupServer = "10.1.0.30";
    private const int UsualPeers = 10;

    private readonly BaselineScenarioOptions _options;
    private readonly FlowAddress[] _workstations;
    private readonly FlowAddress[][] _peers;
    private readonly List<PlantedAnomaly> _truth = [];

    public BaselineScenario(BaselineScenarioOptions options)
    {
        _options = options;
        var random = new SimRandom(options.Seed);
        _workstations = new FlowAddress[options.Workstations];
        _peers = new FlowAddress[options.Workstations][];
        for (int i = 0; i < _workstations.Length; i++)
        {
            _workstations[i] = FlowAddress.FromIPv4((10u << 24) | (1u << 16) | ((uint)(1 + (i / 200)) << 8) | (uint)(10 + (i % 200)));
            _peers[i] = new FlowAddress[UsualPeers];
            for (int p = 0; p < UsualPeers; p++)
            {
                uint network = random.Chance(0.5) ? (203u << 24) | (113u << 8) : (198u << 24) | (51u << 16) | (100u << 8);
                _peers[i][p] = FlowAddress.FromIPv4(network | (uint)random.Next(1, 255));
            }
        }
        if (options.Plant) PlanTruth();
    }

    public DateTime CompareStart => _options.Start.AddDays(_options.BaselineDays);

    public DateTime CompareEnd => CompareStart.AddDays(_options.CompareDays);

    public IReadOnlyList<PlantedAnomaly> Truth => _truth;

    public static string Workstation(int index) => $"10.1.{1 + (index / 200)}.{10 + (index % 200)}";

    /// <summary>The ordinary period.</summary>
    public IEnumerable<FlowRecord> Baseline() => Hours(_options.Start, _options.BaselineDays * 24, planted: false, salt: 1);

    /// <summary>The compared period, with the planted anomalies.</summary>
    public IEnumerable<FlowRecord> Compare() => Hours(CompareStart, _options.CompareDays * 24, planted: _options.Plant, salt: 2);

    private void PlanTruth()
    {
        DateTime day = CompareStart;
        for (int i = 0; i < 3; i++) _truth.Add(new(Workstation(i), "VolumeSurge", day.AddHours(11 + i), "300 MB upload to a usual peer"));
        for (int i = 3; i < 6; i++) _truth.Add(new(Workstation(i), "NewPeer", day.AddHours(14), "3 MB exchanged with a never-seen peer"));
        for (int i = 6; i < 8; i++) _truth.Add(new(Workstation(i), "NewPort", day.AddHours(15), "connections to a usual peer on 4444/tcp"));
        for (int i = 8; i < 11; i++) _truth.Add(new(Workstation(i), "UnusualHour", day.AddHours(2 + i - 8), "browsing at night"));
        _truth.Add(new(WebServer, "SynFlood", day.AddHours(9), "20,000 SYN-only flows from 5,000 spoofed sources to port 80"));
        _truth.Add(new(BackupServer, "UdpFlood", day.AddHours(10), "80,000 UDP packets from 40 sources"));
        _truth.Add(new(Workstation(11), "IcmpFlood", day.AddHours(13), "30,000 ICMP echo requests from 3 sources"));
        _truth.Add(new(WebServer, "FlowFlood", day.AddHours(16), "3,000 complete HTTP connections from 300 sources"));
    }

    private IEnumerable<FlowRecord> Hours(DateTime start, int hours, bool planted, ulong salt)
    {
        var random = new SimRandom((_options.Seed * 7919) + salt);
        var hourFlows = new List<FlowRecord>();
        for (int h = 0; h < hours; h++)
        {
            DateTime hour = start.AddHours(h);
            hourFlows.Clear();
            Ordinary(hour, random, hourFlows);
            if (planted && h < 24) Plant(hour, random, hourFlows);
            hourFlows.Sort(static (a, b) => a.Start.CompareTo(b.Start));
            foreach (var f in hourFlows) yield return f;
        }
    }

    private void Ordinary(DateTime hour, SimRandom random, List<FlowRecord> flows)
    {
        var dns = Address(DnsServer);
        var files = Address(FileServer);
        var web = Address(WebServer);
        var backup = Address(BackupServer);
        // Servers: hourly backup and DNS forwarding, every hour of the day.
        Pair(flows, random, hour, files, backup, 873, 6, (long)(5e6 * random.Uniform(0.7, 1.3)), 40_000);
        Pair(flows, random, hour, dns, FlowAddress.FromIPv4(0x08080808), 53, 17, 2_000, 6_000);
        Pair(flows, random, hour, FlowAddress.FromIPv4((198u << 24) | (51u << 16) | (100u << 8) | 7), web, 80, 6, 800, 30_000);
        bool office = hour.Hour is >= 8 and < 18;
        if (!office) return;
        for (int w = 0; w < _workstations.Length; w++)
        {
            if (!random.Chance(0.9)) continue;
            var ws = _workstations[w];
            for (int s = 0; s < _options.FlowScale; s++)
            {
                for (int i = 0; i < 6; i++)
                    Pair(flows, random, hour, ws, _peers[w][random.Next(UsualPeers)], 443, 6, (long)(15_000 * random.Uniform(0.5, 1.5)), (long)(200_000 * random.Uniform(0.5, 1.5)));
                for (int i = 0; i < 3; i++) Pair(flows, random, hour, ws, dns, 53, 17, 70, 200);
                for (int i = 0; i < 2; i++) Pair(flows, random, hour, ws, files, 445, 6, (long)(30_000 * random.Uniform(0.5, 1.5)), (long)(400_000 * random.Uniform(0.5, 1.5)));
                Pair(flows, random, hour, ws, web, 80, 6, 2_000, (long)(50_000 * random.Uniform(0.5, 1.5)));
            }
            if (random.Chance(_options.RarePeerChance))
                Pair(flows, random, hour, ws, FlowAddress.FromIPv4((151u << 24) + (uint)random.Next(60_000)), 443, 6, 3_000, 40_000);
            if (random.Chance(_options.BigDownloadChance))
                Pair(flows, random, hour, ws, _peers[w][random.Next(UsualPeers)], 443, 6, 400_000, 50_000_000);
        }
    }

    private void Plant(DateTime hour, SimRandom random, List<FlowRecord> flows)
    {
        int h = hour.Hour;
        for (int i = 0; i < 3; i++)
            if (h == 11 + i) Pair(flows, random, hour, _workstations[i], _peers[i][0], 443, 6, 300_000_000, 4_000_000);
        if (h == 14)
            for (int i = 3; i < 6; i++) Pair(flows, random, hour, _workstations[i], FlowAddress.FromIPv4((192u << 24) | (2 << 8) | (uint)(50 + i)), 443, 6, 2_500_000, 500_000);
        if (h == 15)
            for (int i = 6; i < 8; i++)
                for (int k = 0; k < 3; k++) Pair(flows, random, hour, _workstations[i], _peers[i][1], 4444, 6, 8_000, 2_000);
        for (int i = 8; i < 11; i++)
            if (h == 2 + i - 8)
                for (int k = 0; k < 5; k++) Pair(flows, random, hour, _workstations[i], _peers[i][k], 443, 6, 10_000, 150_000);
        var web = Address(WebServer);
        if (h == 9)
        {
            for (int k = 0; k < 20_000; k++)
            {
                var src = FlowAddress.FromIPv4((45u << 24) | (uint)(k % 5000) * 7);
                flows.Add(One(hour.AddMilliseconds(random.Next(3_600_000)), src, web, random.EphemeralPort(), 80, 6, TcpFlags.Syn, 1, 60));
            }
        }
        if (h == 10)
        {
            var backup = Address(BackupServer);
            for (int k = 0; k < 40; k++)
                flows.Add(One(hour.AddSeconds(random.Next(3600)), FlowAddress.FromIPv4((62u << 24) | (uint)k * 1031), backup, random.EphemeralPort(), 27015, 17, TcpFlags.None, 2_000, 2_000 * 540));
        }
        if (h == 13)
        {
            for (int k = 0; k < 3; k++)
                flows.Add(One(hour.AddSeconds(random.Next(3600)), FlowAddress.FromIPv4((77u << 24) | (uint)k * 977), _workstations[11], 0, 8 << 8, 1, TcpFlags.None, 10_000, 10_000 * 84));
        }
        if (h == 16)
        {
            for (int k = 0; k < 3_000; k++)
            {
                var src = FlowAddress.FromIPv4((91u << 24) | (uint)(k % 300) * 131);
                Pair(flows, random, hour, src, web, 80, 6, 600, 1_500);
            }
        }
    }

    /// <summary>A request and its reply, as a unidirectional meter reports them.</summary>
    private static void Pair(List<FlowRecord> flows, SimRandom random, DateTime hour, FlowAddress client, FlowAddress server, ushort port, byte protocol, long bytesOut, long bytesIn)
    {
        DateTime t = hour.AddMilliseconds(random.Next(3_590_000));
        ushort ephemeral = random.EphemeralPort();
        long packetsOut = Math.Max(1, bytesOut / 1200), packetsIn = Math.Max(1, bytesIn / 1400);
        var flags = protocol == 6 ? TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Psh | TcpFlags.Fin : TcpFlags.None;
        flows.Add(One(t, client, server, ephemeral, port, protocol, flags, packetsOut, bytesOut));
        flows.Add(One(t.AddMilliseconds(5), server, client, port, ephemeral, protocol, flags, packetsIn, bytesIn));
    }

    private static FlowRecord One(DateTime t, FlowAddress src, FlowAddress dst, ushort srcPort, ushort dstPort, byte protocol, TcpFlags flags, long packets, long bytes) => new()
    {
        Start = t,
        End = t.AddSeconds(2),
        Src = src,
        Dst = dst,
        SrcPort = srcPort,
        DstPort = dstPort,
        Protocol = protocol,
        TcpFlags = flags,
        Packets = packets,
        Bytes = bytes,
    };

    private static FlowAddress Address(string text) => FlowAddress.TryParse(text, out var a) ? a : throw new FormatException(text);
}
