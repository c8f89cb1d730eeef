using System.Net;

namespace FlowForensics.Synthesis;

/// <summary>Ready-made scenarios: the small shipped demo and larger hunt benchmarks.</summary>
public static class ScenarioPresets
{
    /// <summary>Snap length the demo capture is written with: headers and DNS intact, bulk payload cut, file small.</summary>
    public const int DemoSnapLength = 256;

    /// <summary>Background packets per session on average (measured on the generator: 18.9 over the 77,000 sessions
    /// of a 2-million-packet hunt capture); sizes the background of <see cref="HuntBenchmark"/>.</summary>
    public const double BackgroundPacketsPerSession = 19;

    public static IPAddress BeaconSource { get; } = IPAddress.Parse("10.20.1.23");
    public static IPAddress BeaconServer { get; } = IPAddress.Parse("203.0.113.50");
    public static IPAddress ExfiltrationSource { get; } = IPAddress.Parse("10.20.0.26");
    public static IPAddress ExfiltrationServer { get; } = IPAddress.Parse("198.51.100.200");
    public static IPAddress TunnelSource { get; } = IPAddress.Parse("10.20.1.29");
    public static IPAddress Scanner { get; } = IPAddress.Parse("10.20.0.31");
    public static IPAddress ChainStart { get; } = IPAddress.Parse("10.20.1.21");

    /// <summary>
    /// About 12 minutes of a 30-host office: ordinary traffic plus one beacon (60 s ± 10 %), one 3 MB upload to
    /// 4444/tcp, one DNS tunnel, one vertical SYN scan and one lateral-movement chain. A few thousand to ~20k packets.
    /// </summary>
    public static ScenarioOptions Demo(ulong seed = 1)
    {
        const int hosts = 30;
        var fileServer = ScenarioNetwork.FileServer;
        var target = ScenarioNetwork.InternalHost(4, hosts);     // 10.20.0.22
        return new ScenarioOptions
        {
            Seed = seed,
            StartUtc = new DateTime(2026, 1, 15, 9, 0, 0, DateTimeKind.Utc),
            Duration = TimeSpan.FromMinutes(12),
            InternalHosts = hosts,
            BackgroundSessionsPerSecond = 0.6,
            MaxBackgroundTransferBytes = 1_500_000,
            Behaviours =
            [
                new BeaconBehaviour
                {
                    Label = "beacon", Source = BeaconSource, Destination = BeaconServer, Port = 443,
                    Period = TimeSpan.FromSeconds(60), Jitter = 0.1, Start = TimeSpan.FromSeconds(17),
                    BytesUp = 320, BytesDown = 900,
                },
                new ExfiltrationBehaviour
                {
                    Label = "exfiltration", Source = ExfiltrationSource, Destination = ExfiltrationServer, Port = 4444,
                    TotalBytes = 3_000_000, Start = TimeSpan.FromMinutes(5), Duration = TimeSpan.FromMinutes(4),
                },
                new DnsTunnelBehaviour
                {
                    Label = "dns-tunnel", Source = TunnelSource, Domain = "t.exfil-tunnel.test", QueriesPerMinute = 20, MinEncodedLength = 30, MaxEncodedLength = 60,
                    Start = TimeSpan.FromMinutes(2), Duration = TimeSpan.FromMinutes(6), AnswerBytes = 40,
                },
                new PortScanBehaviour
                {
                    Label = "port-scan", Scanner = Scanner, Targets = [target], Ports = Range(1, 1024),
                    Type = ScanType.Syn, ProbesPerSecond = 50, Start = TimeSpan.FromMinutes(8),
                },
                new LateralMovementBehaviour
                {
                    Label = "lateral-movement", Start = TimeSpan.FromMinutes(9), Window = TimeSpan.FromMinutes(2),
                    Hops = [new LateralHop(ChainStart, target, 445), new LateralHop(target, fileServer, 5985)],
                },
            ],
        };
    }

    /// <summary>
    /// A larger scenario of roughly <paramref name="packets"/> packets with every behaviour kind in it, for hunt
    /// recall/precision measurements and throughput runs. The bulk behaviours (the two exfiltrations and the surge)
    /// grow with the target, and the background is sized to what the behaviours leave of it.
    /// </summary>
    public static ScenarioOptions HuntBenchmark(long packets, ulong seed = 1, TimeSpan? captureDuration = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(packets, 10_000);
        int hosts = (int)Math.Clamp(packets / 5_000, 50, 2_000);
        var duration = captureDuration ?? TimeSpan.FromSeconds(Math.Clamp(packets / 500.0, 1_800, 86_400));
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.FromMinutes(30), nameof(captureDuration));
        var options = HuntBehaviours(packets, seed, duration, hosts);
        return WithBackground(options, packets, duration);
    }

    /// <summary>Fills the capture up to about <paramref name="packets"/> with background sessions around the planted behaviours (at least a tenth).</summary>
    private static ScenarioOptions WithBackground(ScenarioOptions options, long packets, TimeSpan duration)
    {
        long planted = 0;
        foreach (var b in options.Behaviours)
            planted += EstimatePackets(b, duration);
        long background = Math.Max(packets - planted, packets / 10);
        return options with { BackgroundSessionsPerSecond = background / BackgroundPacketsPerSession / duration.TotalSeconds };
    }

    private static ScenarioOptions HuntBehaviours(long packets, ulong seed, TimeSpan duration, int hosts)
    {
        double d = duration.TotalSeconds;
        // At 2 million packets: 200 MB and 50 MB uploaded, 300 surge flows a second.
        long exfilLong = Math.Max(5_000_000, packets * 100);
        long exfilChunked = Math.Max(2_500_000, packets * 25);
        double surgeRate = Math.Max(20, packets * 0.00015);
        TimeSpan At(double fraction) => TimeSpan.FromSeconds(d * fraction);
        var scanTarget = ScenarioNetwork.InternalHost(5, hosts);
        var sweepBase = ScenarioNetwork.InternalHost(1, hosts).GetAddressBytes();
        sweepBase[3] = 1;
        return new ScenarioOptions
        {
            Seed = seed,
            Duration = duration,
            InternalHosts = hosts,
            Behaviours =
            [
                new BeaconBehaviour { Label = "beacon-https", Source = ScenarioNetwork.InternalHost(3, hosts), Destination = IPAddress.Parse("203.0.113.50"), Period = TimeSpan.FromSeconds(60), Jitter = 0.1, Start = At(0.01) },
                new BeaconBehaviour { Label = "beacon-udp-missed", Source = ScenarioNetwork.InternalHost(11, hosts), Destination = IPAddress.Parse("203.0.113.77"), Port = 53535, Protocol = TransportProtocol.Udp, Period = TimeSpan.FromSeconds(300), Jitter = 0.25, MissedBeatProbability = 0.15, BytesUp = 120, BytesDown = 80, Start = At(0.02) },
                new ExfiltrationBehaviour { Label = "exfil-long", Source = ScenarioNetwork.InternalHost(7, hosts), Destination = IPAddress.Parse("198.51.100.200"), Port = 8443, TotalBytes = exfilLong, Start = At(0.4), Duration = TimeSpan.FromMinutes(20) },
                new ExfiltrationBehaviour { Label = "exfil-chunked", Source = ScenarioNetwork.InternalHost(13, hosts), Destination = IPAddress.Parse("198.51.100.201"), Port = 443, TotalBytes = exfilChunked, Chunks = 25, Start = At(0.2), Duration = At(0.5) },
                new DnsTunnelBehaviour { Label = "dns-tunnel", Source = ScenarioNetwork.InternalHost(17, hosts), Domain = "t.exfil-tunnel.test", QueriesPerMinute = 60, Start = At(0.3), Duration = At(0.3), AnswerType = DnsTunnelAnswer.Null, AnswerBytes = 200 },
                new IcmpExfiltrationBehaviour { Label = "icmp-exfil", Source = ScenarioNetwork.InternalHost(19, hosts), Destination = IPAddress.Parse("203.0.113.99"), Start = At(0.5), Duration = TimeSpan.FromMinutes(10) },
                new PortScanBehaviour { Label = "scan-vertical", Scanner = ScenarioNetwork.InternalHost(23, hosts), Targets = [scanTarget], Ports = Range(1, 1024), Start = At(0.7) },
                new PortScanBehaviour { Label = "scan-horizontal", Scanner = ScenarioNetwork.InternalHost(23, hosts), Targets = Hosts(sweepBase, 254), Ports = [445], Start = At(0.72) },
                new PortScanBehaviour { Label = "scan-udp", Scanner = ScenarioNetwork.InternalHost(29, hosts), Targets = [scanTarget], Ports = Range(1000, 1200), Type = ScanType.Udp, OpenPorts = [1194], Start = At(0.75) },
                new PingSweepBehaviour { Label = "ping-sweep", Source = ScenarioNetwork.InternalHost(29, hosts), FirstTarget = new IPAddress(sweepBase), Count = 254, Start = At(0.8) },
                new LateralMovementBehaviour { Label = "lateral-chain", Start = At(0.85), Window = TimeSpan.FromMinutes(15), Hops = [new LateralHop(ScenarioNetwork.InternalHost(31, hosts), ScenarioNetwork.InternalHost(37, hosts), 445), new LateralHop(ScenarioNetwork.InternalHost(37, hosts), ScenarioNetwork.InternalHost(41, hosts), 3389), new LateralHop(ScenarioNetwork.InternalHost(41, hosts), ScenarioNetwork.DomainController, 5985)] },
                new VolumeSurgeBehaviour { Label = "syn-surge", Target = ScenarioNetwork.InternalHost(2, hosts), Port = 80, SourceCount = 500, FlowsPerSecond = surgeRate, Duration = TimeSpan.FromSeconds(60), Start = At(0.9) },
            ],
        };
    }

    /// <summary>
    /// Scans of every kind and lateral movement in a network of <c>packets / 5,000</c> hosts (50 to 2,000) over at least
    /// 30 minutes, for the scan and lateral-movement hunts' recall and precision: SYN, connect, FIN, NULL and Xmas vertical
    /// scans, a horizontal, a slow horizontal (below the fixed threshold: the sequential test's case) and a block scan,
    /// vertical and horizontal UDP scans, two ping sweeps, two chains, a fan-out and a brute force. Nothing is planted in
    /// the first half (<see cref="ScanAndLateralLearnFraction"/>), which a hunt may learn from.
    /// </summary>
    public static ScenarioOptions ScanAndLateral(long packets = 400_000, ulong seed = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(packets, 50_000);
        int hosts = (int)Math.Clamp(packets / 5_000, 80, 2_000);
        var duration = TimeSpan.FromSeconds(Math.Clamp(packets / 200.0, 1_800, 86_400));
        double d = duration.TotalSeconds;
        TimeSpan At(double fraction) => TimeSpan.FromSeconds(d * fraction);
        IPAddress H(int i) => ScenarioNetwork.InternalHost(i, hosts);
        var segment1 = H(1).GetAddressBytes();
        segment1[3] = 1;
        var block = new IPAddress[30];
        for (int i = 0; i < block.Length; i++) block[i] = H(2 * i + 1);
        var fanOut = new LateralHop[8];
        for (int i = 0; i < fanOut.Length; i++) fanOut[i] = new LateralHop(H(19), H(60 + i), 445);
        var brute = new LateralHop[30];
        for (int i = 0; i < brute.Length; i++) brute[i] = new LateralHop(H(77), H(15), 22);
        var options = new ScenarioOptions
        {
            Seed = seed,
            Duration = duration,
            InternalHosts = hosts,
            Behaviours =
            [
                new PortScanBehaviour { Label = "scan-syn-vertical", Scanner = H(23), Targets = [H(5)], Ports = Range(1, 1024), Type = ScanType.Syn, Start = At(0.55) },
                new PortScanBehaviour { Label = "scan-connect-vertical", Scanner = H(43), Targets = [H(6)], Ports = Range(1, 200), Type = ScanType.Connect, ProbesPerSecond = 40, Start = At(0.57) },
                new PortScanBehaviour { Label = "scan-fin-vertical", Scanner = H(47), Targets = [H(8)], Ports = Range(1, 100), Type = ScanType.Fin, ProbesPerSecond = 20, Start = At(0.59) },
                new PortScanBehaviour { Label = "scan-null-vertical", Scanner = H(53), Targets = [H(9)], Ports = Range(20, 120), Type = ScanType.Null, ProbesPerSecond = 20, Start = At(0.61) },
                new PortScanBehaviour { Label = "scan-xmas-vertical", Scanner = H(59), Targets = [H(10)], Ports = Range(1, 100), Type = ScanType.Xmas, ProbesPerSecond = 20, Start = At(0.63) },
                new PortScanBehaviour { Label = "scan-horizontal", Scanner = H(61), Targets = Hosts(segment1, 254), Ports = [3389], ProbesPerSecond = 50, Start = At(0.65) },
                new PortScanBehaviour { Label = "scan-slow-horizontal", Scanner = H(73), Targets = Hosts(segment1, 12), Ports = [22], ProbesPerSecond = 0.02, Start = At(0.6) },
                new PortScanBehaviour { Label = "scan-block", Scanner = H(67), Targets = block, Ports = Range(20, 69), ProbesPerSecond = 100, Start = At(0.7) },
                new PortScanBehaviour { Label = "scan-udp-vertical", Scanner = H(29), Targets = [H(5)], Ports = Range(1000, 1200), Type = ScanType.Udp, OpenPorts = [1194], ProbesPerSecond = 50, Start = At(0.72) },
                new PortScanBehaviour { Label = "scan-udp-horizontal", Scanner = H(71), Targets = Hosts(segment1, 60), Ports = [161], Type = ScanType.Udp, OpenPorts = [], ProbesPerSecond = 20, Start = At(0.74) },
                new PingSweepBehaviour { Label = "ping-sweep", Source = H(79), FirstTarget = new IPAddress(segment1), Count = 254, Start = At(0.76) },
                new PingSweepBehaviour { Label = "ping-sweep-small", Source = H(3), FirstTarget = H(20), Count = 15, ProbesPerSecond = 2, Start = At(0.78) },
                new LateralMovementBehaviour { Label = "lateral-chain", Start = At(0.62), Window = TimeSpan.FromMinutes(9), Hops = [new LateralHop(H(31), H(37), 445), new LateralHop(H(37), H(41), 3389), new LateralHop(H(41), ScenarioNetwork.DomainController, 5985)] },
                new LateralMovementBehaviour { Label = "lateral-chain-short", Start = At(0.6), Window = TimeSpan.FromMinutes(6), Hops = [new LateralHop(H(11), H(13), 5985), new LateralHop(H(13), H(17), 22)] },
                new LateralMovementBehaviour { Label = "lateral-fan-out", Start = At(0.7), Window = TimeSpan.FromMinutes(8), Hops = fanOut },
                new LateralMovementBehaviour { Label = "ssh-brute-force", Start = At(0.8), Window = TimeSpan.FromMinutes(3), Hops = brute },
            ],
        };
        return WithBackground(options, packets, duration);
    }

    /// <summary>The share of a <see cref="ScanAndLateral"/> capture before the first planted behaviour.</summary>
    public const double ScanAndLateralLearnFraction = 0.5;

    /// <summary>
    /// Two hours of a 60-host office with six beacons of known period and jitter (15 s to 10 min, ±2 % to ±50 %, up to
    /// 25 % missed beats, TCP and UDP), a 12 MB upload to 8443/tcp, a 60 MB chunked upload to 443/tcp, a DNS tunnel
    /// and an ICMP tunnel, over ordinary traffic that includes NTP every 64 s and update checks every 5 min ± 40 %:
    /// the ground truth of the beacon and exfiltration hunts' recall and precision tests (docs/detections.md).
    /// </summary>
    public static ScenarioOptions HuntTruth(ulong seed = 1)
    {
        const int hosts = 60;
        IPAddress H(int i) => ScenarioNetwork.InternalHost(i, hosts);
        IPAddress Ip(string s) => IPAddress.Parse(s);
        TimeSpan Min(double m) => TimeSpan.FromMinutes(m);
        return new ScenarioOptions
        {
            Seed = seed,
            Duration = TimeSpan.FromHours(2),
            InternalHosts = hosts,
            BackgroundSessionsPerSecond = 0.5,
            MaxBackgroundTransferBytes = 2_000_000,
            Behaviours =
            [
                new BeaconBehaviour { Label = "beacon-15s-2pct", Source = H(3), Destination = Ip("203.0.113.50"), Port = 443, Period = TimeSpan.FromSeconds(15), Jitter = 0.02, Start = Min(1), End = Min(40) },
                new BeaconBehaviour { Label = "beacon-60s-50pct", Source = H(5), Destination = Ip("203.0.113.51"), Port = 443, Period = TimeSpan.FromSeconds(60), Jitter = 0.5, Start = Min(2) },
                new BeaconBehaviour { Label = "beacon-120s-30pct-missed", Source = H(7), Destination = Ip("203.0.113.52"), Port = 8080, Period = TimeSpan.FromSeconds(120), Jitter = 0.3, MissedBeatProbability = 0.25, Start = Min(3) },
                new BeaconBehaviour { Label = "beacon-udp-300s-20pct", Source = H(9), Destination = Ip("203.0.113.53"), Port = 53535, Protocol = TransportProtocol.Udp, Period = TimeSpan.FromSeconds(300), Jitter = 0.2, MissedBeatProbability = 0.1, BytesUp = 120, BytesDown = 80, Start = Min(1.5) },
                new BeaconBehaviour { Label = "beacon-600s-10pct", Source = H(11), Destination = Ip("203.0.113.54"), Port = 443, Period = TimeSpan.FromSeconds(600), Jitter = 0.1, Start = Min(4) },
                new BeaconBehaviour { Label = "beacon-45s-40pct-missed", Source = H(13), Destination = Ip("203.0.113.55"), Port = 443, Period = TimeSpan.FromSeconds(45), Jitter = 0.4, MissedBeatProbability = 0.15, BytesUp = 600, BytesDown = 4000, Start = Min(30), End = Min(110) },
                new ExfiltrationBehaviour { Label = "exfil-8443", Source = H(15), Destination = Ip("198.51.100.200"), Port = 8443, TotalBytes = 12_000_000, Start = Min(20), Duration = Min(6) },
                new ExfiltrationBehaviour { Label = "exfil-chunked-443", Source = H(17), Destination = Ip("198.51.100.201"), Port = 443, TotalBytes = 60_000_000, Chunks = 12, Start = Min(50), Duration = Min(40) },
                new DnsTunnelBehaviour { Label = "dns-tunnel", Source = H(19), Domain = "t.exfil-tunnel.test", QueriesPerMinute = 30, Start = Min(10), Duration = Min(60) },
                new IcmpExfiltrationBehaviour { Label = "icmp-tunnel", Source = H(21), Destination = Ip("203.0.113.99"), Start = Min(70), Duration = Min(5) },
            ],
        };
    }

    /// <summary>Packets a behaviour puts in a capture of <paramref name="duration"/>, roughly (sizes the background).</summary>
    internal static long EstimatePackets(BehaviourOptions behaviour, TimeSpan duration)
    {
        double Seconds(TimeSpan length) => Math.Clamp(Math.Min(length.TotalSeconds, (duration - behaviour.Start).TotalSeconds), 0, double.MaxValue);
        const double SegmentsPerByte = 1.5 / 1460;   // full segments plus an ACK for every second one
        return behaviour switch
        {
            BeaconBehaviour b => (long)(Seconds((b.End ?? duration) - b.Start) / b.Period.TotalSeconds * (1 - b.MissedBeatProbability)
                                        * (b.Protocol == TransportProtocol.Tcp ? 10 : 2)),
            ExfiltrationBehaviour x => (long)(x.TotalBytes * Math.Min(1, Seconds(x.Duration) / x.Duration.TotalSeconds) * SegmentsPerByte) + 6L * x.Chunks,
            DnsTunnelBehaviour t => (long)(Seconds(t.Duration) / 60 * t.QueriesPerMinute * 4),
            IcmpExfiltrationBehaviour i => (long)(Seconds(i.Duration) * i.PacketsPerSecond * 2),
            PortScanBehaviour p => 2L * p.Targets.Count * p.Ports.Count,
            PingSweepBehaviour p => 2L * p.Count,
            LateralMovementBehaviour l => 750L * l.Hops.Count,
            VolumeSurgeBehaviour v => (long)(Seconds(v.Duration) * v.FlowsPerSecond * (v.Protocol == TransportProtocol.Tcp ? 10 : 1)),
            _ => 0,
        };
    }

    /// <summary>Ports <paramref name="first"/>..<paramref name="last"/> inclusive.</summary>
    public static ushort[] Range(int first, int last)
    {
        var ports = new ushort[last - first + 1];
        for (int i = 0; i < ports.Length; i++)
            ports[i] = (ushort)(first + i);
        return ports;
    }

    private static IPAddress[] Hosts(byte[] first, int count)
    {
        var list = new IPAddress[count];
        for (int i = 0; i < count; i++)
            list[i] = new IPAddress(new[] { first[0], first[1], first[2], (byte)(first[3] + i) });
        return list;
    }
}
