using System.Net;

namespace FlowForensics.Synthesis;

/// <summary>Everything that decides a generated capture. Same options (seed included) ⇒ byte-identical frames.</summary>
public sealed record ScenarioOptions
{
    public ulong Seed { get; init; } = 1;
    public DateTime StartUtc { get; init; } = new(2026, 1, 15, 9, 0, 0, DateTimeKind.Utc);
    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(10);
    /// <summary>Workstations in 10.20.0.0/16 (see <see cref="ScenarioNetwork"/>); servers come on top.</summary>
    public int InternalHosts { get; init; } = 40;
    /// <summary>Background intensity: new ordinary sessions per second across the network (Poisson arrivals).</summary>
    public double BackgroundSessionsPerSecond { get; init; } = 4;
    /// <summary>Share of background web sessions carried over IPv6.</summary>
    public double Ipv6Share { get; init; } = 0.08;
    /// <summary>Tag frames of odd-numbered segments with 802.1Q VLAN 100 + segment.</summary>
    public bool VlanTagging { get; init; } = true;
    /// <summary>Upper bound of one background transfer (the heavy tail is cut here).</summary>
    public long MaxBackgroundTransferBytes { get; init; } = 8_000_000;
    /// <summary>Bound on sessions in flight at once; background sessions beyond it are not started (and counted).</summary>
    public int MaxConcurrentSessions { get; init; } = 200_000;
    public IReadOnlyList<BehaviourOptions> Behaviours { get; init; } = [];
}

public enum TransportProtocol : byte
{
    Tcp = 6,
    Udp = 17,
}

public enum ScanType
{
    /// <summary>Half-open: SYN; open ⇒ SYN-ACK then the scanner's RST, closed ⇒ RST-ACK.</summary>
    Syn,
    /// <summary>Full connect: open ⇒ handshake then RST; closed ⇒ RST-ACK.</summary>
    Connect,
    /// <summary>FIN probe: open ⇒ silence, closed ⇒ RST-ACK.</summary>
    Fin,
    /// <summary>No flags: open ⇒ silence, closed ⇒ RST-ACK.</summary>
    Null,
    /// <summary>FIN PSH URG: open ⇒ silence, closed ⇒ RST-ACK.</summary>
    Xmas,
    /// <summary>UDP: open ⇒ a UDP reply, closed ⇒ ICMP port unreachable.</summary>
    Udp,
}

public enum DnsTunnelAnswer
{
    Txt,
    Null,
}

/// <summary>One injected behaviour; <see cref="Start"/> is an offset from the capture start.</summary>
public abstract record BehaviourOptions
{
    public string Label { get; init; } = "";
    public TimeSpan Start { get; init; }
}

/// <summary>Command-and-control check-ins: one short session every <see cref="Period"/> ± <see cref="Jitter"/>·Period (uniform).</summary>
public sealed record BeaconBehaviour : BehaviourOptions
{
    public required IPAddress Source { get; init; }
    public required IPAddress Destination { get; init; }
    public ushort Port { get; init; } = 443;
    public TransportProtocol Protocol { get; init; } = TransportProtocol.Tcp;
    public TimeSpan Period { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>Fraction of the period; each interval is Period·(1 + u), u uniform in [−Jitter, +Jitter].</summary>
    public double Jitter { get; init; } = 0.1;
    /// <summary>Probability that a scheduled beat sends nothing (the next beat keeps the schedule).</summary>
    public double MissedBeatProbability { get; init; }
    public int BytesUp { get; init; } = 320;
    public int BytesDown { get; init; } = 900;
    /// <summary>Relative spread of the byte counts (uniform ±).</summary>
    public double SizeSpread { get; init; } = 0.1;
    /// <summary>Offset at which beaconing stops; null = the end of the capture.</summary>
    public TimeSpan? End { get; init; }
}

/// <summary>A large upload: one long session (<see cref="Chunks"/> = 1) or evenly spread chunks.</summary>
public sealed record ExfiltrationBehaviour : BehaviourOptions
{
    public required IPAddress Source { get; init; }
    public required IPAddress Destination { get; init; }
    public ushort Port { get; init; } = 4444;
    public long TotalBytes { get; init; } = 20_000_000;
    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(5);
    public int Chunks { get; init; } = 1;
}

/// <summary>Data encoded in query names under an attacker domain, answered with TXT or NULL records.</summary>
public sealed record DnsTunnelBehaviour : BehaviourOptions
{
    public required IPAddress Source { get; init; }
    /// <summary>The resolver queried; null = the network's internal resolver.</summary>
    public IPAddress? Resolver { get; init; }
    public string Domain { get; init; } = "t.exfil-tunnel.test";
    public double QueriesPerMinute { get; init; } = 30;
    /// <summary>Length range of the encoded part of each name (split into labels of at most 63).</summary>
    public int MinEncodedLength { get; init; } = 40;
    public int MaxEncodedLength { get; init; } = 100;
    public DnsTunnelAnswer AnswerType { get; init; } = DnsTunnelAnswer.Txt;
    public int AnswerBytes { get; init; } = 64;
    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(5);
}

/// <summary>Data hidden in ICMP echo requests (payloads larger than an ordinary ping's 56 bytes).</summary>
public sealed record IcmpExfiltrationBehaviour : BehaviourOptions
{
    public required IPAddress Source { get; init; }
    public required IPAddress Destination { get; init; }
    public int MinPayload { get; init; } = 600;
    public int MaxPayload { get; init; } = 1200;
    public double PacketsPerSecond { get; init; } = 2;
    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(2);
}

/// <summary>Probes every (target, port) pair: one target and many ports is vertical, many targets and one port horizontal.</summary>
public sealed record PortScanBehaviour : BehaviourOptions
{
    public required IPAddress Scanner { get; init; }
    public required IReadOnlyList<IPAddress> Targets { get; init; }
    public required IReadOnlyList<ushort> Ports { get; init; }
    public ScanType Type { get; init; } = ScanType.Syn;
    public double ProbesPerSecond { get; init; } = 100;
    /// <summary>Ports open on targets that exist; targets that do not exist never answer.</summary>
    public IReadOnlyList<ushort> OpenPorts { get; init; } = [22, 80, 135, 443, 445, 3389];
}

/// <summary>ICMP echo to consecutive addresses from <see cref="FirstTarget"/>; existing hosts reply.</summary>
public sealed record PingSweepBehaviour : BehaviourOptions
{
    public required IPAddress Source { get; init; }
    public required IPAddress FirstTarget { get; init; }
    public int Count { get; init; } = 254;
    public double ProbesPerSecond { get; init; } = 20;
}

/// <summary>One step of a lateral-movement chain.</summary>
public sealed record LateralHop(IPAddress From, IPAddress To, ushort Port);

/// <summary>A chain A→B, B→C … over admin ports, the hops spread over <see cref="Window"/>.</summary>
public sealed record LateralMovementBehaviour : BehaviourOptions
{
    public required IReadOnlyList<LateralHop> Hops { get; init; }
    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(5);
}

/// <summary>A burst of flows to one target from many sources (a DoS) or from one.</summary>
public sealed record VolumeSurgeBehaviour : BehaviourOptions
{
    public required IPAddress Target { get; init; }
    public ushort Port { get; init; } = 80;
    public TransportProtocol Protocol { get; init; } = TransportProtocol.Tcp;
    /// <summary>External sources drawn from 198.18.0.0/15's upper half.</summary>
    public int SourceCount { get; init; } = 200;
    public double FlowsPerSecond { get; init; } = 100;
    public int BytesPerFlow { get; init; } = 400;
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(30);
}
