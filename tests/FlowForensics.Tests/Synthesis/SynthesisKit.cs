using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using FlowForensics.Synthesis;

namespace FlowForensics.Tests.Synthesis;

/// <summary>Keeps every frame (small scenarios only).</summary>
internal sealed class FrameRecorder : IFrameSink
{
    public List<(DateTime Time, byte[] Frame)> Frames { get; } = [];

    public void Write(DateTime timestampUtc, ReadOnlySpan<byte> frame) => Frames.Add((timestampUtc, frame.ToArray()));
}

/// <summary>Counts frames and hashes them, in constant memory.</summary>
internal sealed class HashingSink : IFrameSink, IDisposable
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly byte[] _time = new byte[8];

    public long Frames { get; private set; }
    public DateTime Last { get; private set; }
    public bool Ordered { get; private set; } = true;

    public void Write(DateTime timestampUtc, ReadOnlySpan<byte> frame)
    {
        if (timestampUtc < Last)
            Ordered = false;
        Last = timestampUtc;
        Frames++;
        BinaryPrimitives.WriteInt64LittleEndian(_time, timestampUtc.Ticks);
        _hash.AppendData(_time);
        _hash.AppendData(frame);
    }

    public string Digest() => Convert.ToHexString(_hash.GetHashAndReset());

    public void Dispose() => _hash.Dispose();
}

internal sealed record Generated(ScenarioOptions Options, ScenarioTruth Truth, List<(DateTime Time, byte[] Frame)> Frames, List<Decoded> Decoded);

internal static class Scenarios
{
    private static readonly Lazy<Generated> DemoLazy = new(() => Run(ScenarioPresets.Demo(1)));
    private static readonly Lazy<Generated> AllKindsLazy = new(() => Run(AllKinds(7)));

    public static Generated Demo => DemoLazy.Value;
    public static Generated AllKindsScenario => AllKindsLazy.Value;

    public static Generated Run(ScenarioOptions options)
    {
        var recorder = new FrameRecorder();
        var truth = new ScenarioGenerator(options).Generate(recorder);
        var decoded = new List<Decoded>(recorder.Frames.Count);
        foreach (var (time, frame) in recorder.Frames)
            decoded.Add(FrameInspector.Decode(time, frame));
        return new Generated(options, truth, recorder.Frames, decoded);
    }

    public static IPAddress Ip(string s) => IPAddress.Parse(s);

    public static readonly IPAddress UdpBeaconServer = Ip("203.0.113.77");
    public static readonly IPAddress TcpBeaconServer = Ip("203.0.113.50");
    public static readonly IPAddress ExfilServer = Ip("198.51.100.200");
    public static readonly IPAddress IcmpServer = Ip("203.0.113.99");
    public static readonly IPAddress SurgeTarget = Ip("10.20.0.21");

    /// <summary>Every behaviour kind in one 20-minute capture of a 40-host network.</summary>
    public static ScenarioOptions AllKinds(ulong seed)
    {
        const int hosts = 40;
        IPAddress H(int i) => ScenarioNetwork.InternalHost(i, hosts);
        var horizontal = new IPAddress[60];
        for (int i = 0; i < horizontal.Length; i++)
            horizontal[i] = Ip("10.20.0." + (1 + i).ToString(System.Globalization.CultureInfo.InvariantCulture));
        return new ScenarioOptions
        {
            Seed = seed,
            Duration = TimeSpan.FromMinutes(20),
            InternalHosts = hosts,
            BackgroundSessionsPerSecond = 0.5,
            MaxBackgroundTransferBytes = 200_000,
            Behaviours =
            [
                new BeaconBehaviour { Label = "udp-beacon", Source = H(3), Destination = UdpBeaconServer, Port = 53535, Protocol = TransportProtocol.Udp, Period = TimeSpan.FromSeconds(30), Jitter = 0.2, MissedBeatProbability = 0.3, BytesUp = 120, BytesDown = 60, Start = TimeSpan.FromSeconds(5) },
                new BeaconBehaviour { Label = "tcp-beacon", Source = H(4), Destination = TcpBeaconServer, Period = TimeSpan.FromSeconds(45), Jitter = 0.05, Start = TimeSpan.FromSeconds(9), End = TimeSpan.FromMinutes(15) },
                new ExfiltrationBehaviour { Label = "chunked", Source = H(6), Destination = ExfilServer, Port = 8443, TotalBytes = 2_000_003, Chunks = 5, Start = TimeSpan.FromMinutes(2), Duration = TimeSpan.FromMinutes(10) },
                new DnsTunnelBehaviour { Label = "tunnel", Source = H(8), Domain = "n.tunnel-null.test", AnswerType = DnsTunnelAnswer.Null, AnswerBytes = 120, QueriesPerMinute = 40, MinEncodedLength = 20, MaxEncodedLength = 140, Start = TimeSpan.FromMinutes(1), Duration = TimeSpan.FromMinutes(8) },
                new IcmpExfiltrationBehaviour { Label = "icmp", Source = H(9), Destination = IcmpServer, MinPayload = 300, MaxPayload = 1000, PacketsPerSecond = 1, Start = TimeSpan.FromMinutes(3), Duration = TimeSpan.FromMinutes(2) },
                new PortScanBehaviour { Label = "horizontal", Scanner = H(10), Targets = horizontal, Ports = [445], ProbesPerSecond = 20, Start = TimeSpan.FromMinutes(6) },
                new PingSweepBehaviour { Label = "sweep", Source = H(11), FirstTarget = Ip("10.20.1.1"), Count = 40, Start = TimeSpan.FromMinutes(7) },
                new LateralMovementBehaviour { Label = "chain", Start = TimeSpan.FromMinutes(10), Window = TimeSpan.FromMinutes(6), Hops = [new LateralHop(H(12), H(13), 445), new LateralHop(H(13), H(14), 3389), new LateralHop(H(14), ScenarioNetwork.DomainController, 22)] },
                new VolumeSurgeBehaviour { Label = "surge", Target = SurgeTarget, Port = 80, SourceCount = 50, FlowsPerSecond = 40, Duration = TimeSpan.FromSeconds(20), Protocol = TransportProtocol.Udp, BytesPerFlow = 200, Start = TimeSpan.FromMinutes(16) },
            ],
        };
    }

    public static BehaviourTruth Truth(this Generated g, string label)
    {
        foreach (var b in g.Truth.Behaviours)
            if (b.Label == label)
                return b;
        throw new InvalidOperationException("no behaviour " + label);
    }
}
