namespace FlowForensics.Synthesis;

/// <summary>
/// Generates a capture of ordinary traffic with injected attacker behaviours, frame by frame in timestamp order,
/// in memory bounded by the sessions in flight. Same options ⇒ byte-identical frames and truth.
/// </summary>
public sealed class ScenarioGenerator
{
    private readonly ScenarioOptions _options;

    public ScenarioGenerator(ScenarioOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.StartUtc.Kind != DateTimeKind.Utc)
            throw new ArgumentException("StartUtc must be a UTC DateTime.", nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.Duration, TimeSpan.Zero, nameof(options.Duration));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.InternalHosts, 1, nameof(options.InternalHosts));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.InternalHosts, 40_000, nameof(options.InternalHosts));
        ArgumentOutOfRangeException.ThrowIfNegative(options.BackgroundSessionsPerSecond, nameof(options.BackgroundSessionsPerSecond));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConcurrentSessions, 1, nameof(options.MaxConcurrentSessions));
        foreach (var b in options.Behaviours)
            Validate(b);
        _options = options;
    }

    public ScenarioOptions Options => _options;

    private static void Validate(BehaviourOptions b)
    {
        switch (b)
        {
            case BeaconBehaviour x:
                if (x.Period <= TimeSpan.Zero || x.Jitter is < 0 or >= 1 || x.MissedBeatProbability is < 0 or > 1)
                    throw new ArgumentException($"Beacon '{x.Label}': period must be positive, jitter in [0,1), missed-beat probability in [0,1].");
                break;
            case DnsTunnelBehaviour d:
                if (d.QueriesPerMinute <= 0 || d.MinEncodedLength < 1 || d.MaxEncodedLength < d.MinEncodedLength
                    || d.MaxEncodedLength + d.MaxEncodedLength / DnsWire.MaxLabel + d.Domain.Length + 6 > 253 || d.AnswerBytes is < 1 or > 1000)
                    throw new ArgumentException($"DNS tunnel '{d.Label}': rate must be positive and names at most 253 characters.");
                break;
            case ExfiltrationBehaviour e:
                if (e.TotalBytes < 1 || e.Chunks < 1 || e.Duration <= TimeSpan.Zero)
                    throw new ArgumentException($"Exfiltration '{e.Label}': bytes, chunks and duration must be positive.");
                break;
            case IcmpExfiltrationBehaviour i:
                if (i.MinPayload < 0 || i.MaxPayload < i.MinPayload || i.MaxPayload > 1400 || i.PacketsPerSecond <= 0)
                    throw new ArgumentException($"ICMP exfiltration '{i.Label}': payload 0..1400 bytes, rate positive.");
                break;
            case PortScanBehaviour p:
                if (p.Targets.Count == 0 || p.Ports.Count == 0 || p.ProbesPerSecond <= 0)
                    throw new ArgumentException($"Port scan '{p.Label}': targets, ports and rate are required.");
                break;
            case PingSweepBehaviour s:
                if (s.Count < 1 || s.ProbesPerSecond <= 0)
                    throw new ArgumentException($"Ping sweep '{s.Label}': count and rate must be positive.");
                break;
            case VolumeSurgeBehaviour v:
                if (v.SourceCount < 1 || v.SourceCount > 30_000 || v.FlowsPerSecond <= 0 || v.BytesPerFlow is < 1 or > 1_000_000)
                    throw new ArgumentException($"Volume surge '{v.Label}': 1..30000 sources, positive rate and size.");
                break;
        }
    }

    /// <summary>Writes every frame to <paramref name="sink"/> and returns the ground truth.</summary>
    public ScenarioTruth Generate(IFrameSink sink, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sink);
        var root = new SimRandom(_options.Seed);
        var world = new ScenarioWorld(_options, root.Fork());
        var scheduler = new Scheduler(world);
        long end = Behaviours.Micros(_options.Duration);
        var backgroundRng = root.Fork();
        var behaviourRng = root.Fork();
        var entries = new List<BehaviourTruth>(_options.Behaviours.Count);
        var truth = new ScenarioTruth(_options, entries);
        foreach (var b in _options.Behaviours)
            entries.Add(Behaviours.Start(scheduler, behaviourRng.Fork(), b, end));
        Background.Start(scheduler, backgroundRng, truth, end);
        scheduler.Run(sink, end, _options.StartUtc, truth, cancellationToken);
        return truth;
    }

    /// <summary>Writes the capture as a classic pcap file to <paramref name="stream"/> (left open) and returns the ground truth.</summary>
    public ScenarioTruth WritePcap(Stream stream, int snapLength = PcapFrameSink.FullSnapLength, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var sink = new PcapFrameSink(stream, snapLength);
        return Generate(sink, cancellationToken);
    }
}
