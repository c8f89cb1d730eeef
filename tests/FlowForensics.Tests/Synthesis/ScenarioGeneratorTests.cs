using System.Text.Json;
using FlowForensics.Synthesis;
using Xunit;

namespace FlowForensics.Tests.Synthesis;

public sealed class ScenarioGeneratorTests
{
    private static (string Digest, long Frames, string Truth) Hash(ScenarioOptions options)
    {
        using var sink = new HashingSink();
        var truth = new ScenarioGenerator(options).Generate(sink);
        Assert.True(sink.Ordered);
        return (sink.Digest(), sink.Frames, truth.ToJson());
    }

    [Fact]
    public void SameSeedGivesIdenticalBytesAndTruth()
    {
        var first = Hash(ScenarioPresets.Demo(1));
        var second = Hash(ScenarioPresets.Demo(1));
        Assert.Equal(first.Digest, second.Digest);
        Assert.Equal(first.Frames, second.Frames);
        Assert.Equal(first.Truth, second.Truth);
    }

    [Fact]
    public void SamePcapBytesFromTwoRunsThroughAPcapWriter()
    {
        static byte[] Pcap()
        {
            using var ms = new MemoryStream();
            new ScenarioGenerator(Scenarios.AllKinds(7)).WritePcap(ms, 65535);
            return System.Security.Cryptography.SHA256.HashData(ms.ToArray());
        }
        Assert.Equal(Convert.ToHexString(Pcap()), Convert.ToHexString(Pcap()));
    }

    [Fact]
    public void DifferentSeedGivesDifferentCapture()
    {
        Assert.NotEqual(Hash(ScenarioPresets.Demo(1)).Digest, Hash(ScenarioPresets.Demo(2)).Digest);
    }

    [Fact]
    public void AddingABehaviourLeavesTheBackgroundUnchanged()
    {
        // Every script draws from its own forked random stream, so behaviours do not perturb the background.
        var plain = Scenarios.Run(ScenarioPresets.Demo(3) with { Behaviours = [] });
        var demo = Scenarios.Run(ScenarioPresets.Demo(3));
        Assert.Equal(plain.Truth.BackgroundPackets, demo.Truth.BackgroundPackets);
        Assert.Equal(plain.Truth.BackgroundSessions, demo.Truth.BackgroundSessions);
    }

    [Theory]
    [InlineData("demo")]
    [InlineData("all-kinds")]
    public void TimestampsNeverGoBackAndStayInsideTheCapture(string scenario)
    {
        var g = scenario == "demo" ? Scenarios.Demo : Scenarios.AllKindsScenario;
        var previous = DateTime.MinValue;
        foreach (var (time, _) in g.Frames)
        {
            Assert.True(time >= previous, $"{time:O} after {previous:O}");
            Assert.Equal(DateTimeKind.Utc, time.Kind);
            previous = time;
        }
        Assert.True(g.Frames[0].Time >= g.Options.StartUtc);
        Assert.True(previous < g.Options.StartUtc + g.Options.Duration);
    }

    [Fact]
    public void TruthTotalsAddUpToTheFrames()
    {
        var g = Scenarios.AllKindsScenario;
        Assert.Equal(g.Frames.Count, g.Truth.Packets);
        long bytes = 0;
        foreach (var (_, f) in g.Frames)
            bytes += f.Length;
        Assert.Equal(bytes, g.Truth.FrameBytes);
        long behaviourPackets = 0;
        foreach (var b in g.Truth.Behaviours)
        {
            Assert.True(b.Packets > 0, b.Label + " emitted nothing");
            behaviourPackets += b.Packets;
        }
        Assert.Equal(g.Truth.Packets, behaviourPackets + g.Truth.BackgroundPackets);
    }

    [Fact]
    public void TruthJsonCarriesEveryBehaviour()
    {
        var g = Scenarios.AllKindsScenario;
        using var doc = JsonDocument.Parse(g.Truth.ToJson());
        var root = doc.RootElement;
        Assert.Equal(g.Truth.Packets, root.GetProperty("packets").GetInt64());
        Assert.Equal(7UL, root.GetProperty("seed").GetUInt64());
        var list = root.GetProperty("behaviours");
        Assert.Equal(g.Truth.Behaviours.Count, list.GetArrayLength());
        var beacon = list[0];
        Assert.Equal("Beacon", beacon.GetProperty("kind").GetString());
        Assert.Equal("udp-beacon", beacon.GetProperty("label").GetString());
        Assert.Equal(30, beacon.GetProperty("periodSeconds").GetDouble());
        Assert.Equal(0.2, beacon.GetProperty("jitter").GetDouble());
        Assert.Equal(17, beacon.GetProperty("protocol").GetInt32());
        Assert.Equal(g.Truth("udp-beacon").Sessions, beacon.GetProperty("sessionStarts").GetArrayLength());
        Assert.Equal("203.0.113.77", beacon.GetProperty("destinations")[0].GetString());
    }

    [Fact]
    public void ConcurrencyBoundIsEnforcedAndCounted()
    {
        var options = ScenarioPresets.Demo(1) with { Behaviours = [], MaxConcurrentSessions = 3, BackgroundSessionsPerSecond = 5 };
        using var sink = new HashingSink();
        var truth = new ScenarioGenerator(options).Generate(sink);
        Assert.True(truth.SessionsNotStarted > 0);
        // three sessions, the spawner and the periodic NTP/update drivers
        int periodicDrivers = 1 + Math.Clamp(options.InternalHosts / 10, 1, 50) + Math.Clamp(options.InternalHosts / 8, 1, 60);
        Assert.True(truth.PeakActiveScripts <= 3 + periodicDrivers + 1, $"peak {truth.PeakActiveScripts}");
        Assert.Equal(200_000, new ScenarioOptions().MaxConcurrentSessions);
    }

    [Fact]
    public void MemoryStaysFlatAsTheCaptureGrows()
    {
        // Sessions in flight, not the capture length, decide memory: doubling the duration must not double the peak.
        static ScenarioTruth Run(TimeSpan duration)
        {
            var options = ScenarioPresets.HuntBenchmark(100_000, 5, duration);
            using var sink = new HashingSink();
            return new ScenarioGenerator(options).Generate(sink);
        }
        var shortRun = Run(TimeSpan.FromMinutes(30));
        var longRun = Run(TimeSpan.FromMinutes(120));
        Assert.True(longRun.Packets > shortRun.Packets * 0.8, $"{longRun.Packets} vs {shortRun.Packets}");
        Assert.True(longRun.PeakActiveScripts < 2_000, $"peak {longRun.PeakActiveScripts}");
    }

    [Theory]
    [InlineData(300_000)]
    [InlineData(1_000_000)]
    public void HuntBenchmarkComesCloseToTheRequestedPacketCount(long packets)
    {
        var options = ScenarioPresets.HuntBenchmark(packets, 1);
        var truth = new ScenarioGenerator(options).Generate(new CountingSink());
        Assert.InRange(truth.Packets, packets * 0.9, packets * 1.1);
        Assert.True(truth.BackgroundPackets > truth.Packets / 2, $"background {truth.BackgroundPackets} of {truth.Packets}");
        foreach (var b in truth.Behaviours)
            Assert.True(b.Packets > 0, b.Label + " emitted nothing");
    }

    private sealed class CountingSink : IFrameSink
    {
        public void Write(DateTime timestampUtc, ReadOnlySpan<byte> frame)
        {
        }
    }

    [Fact]
    public void InvalidOptionsAreRejected()
    {
        var ip = Scenarios.Ip("10.20.0.20");
        Assert.Throws<ArgumentException>(() => new ScenarioGenerator(new ScenarioOptions { Behaviours = [new BeaconBehaviour { Source = ip, Destination = ip, Jitter = 1.5 }] }));
        Assert.Throws<ArgumentException>(() => new ScenarioGenerator(new ScenarioOptions { Behaviours = [new DnsTunnelBehaviour { Source = ip, MaxEncodedLength = 400 }] }));
        Assert.Throws<ArgumentException>(() => new ScenarioGenerator(new ScenarioOptions { StartUtc = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Local) }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ScenarioGenerator(new ScenarioOptions { Duration = TimeSpan.Zero }));
        Assert.Throws<ArgumentException>(() => new ScenarioGenerator(new ScenarioOptions { Behaviours = [new PortScanBehaviour { Scanner = ip, Targets = [], Ports = [80] }] }));
    }

    [Fact]
    public void CancellationStopsGeneration()
    {
        using var cts = new CancellationTokenSource();
        var sink = new CancelAfter(cts, 5000);
        Assert.ThrowsAny<OperationCanceledException>(() => new ScenarioGenerator(ScenarioPresets.Demo(1)).Generate(sink, cts.Token));
        Assert.True(sink.Count < 14_000);
    }

    private sealed class CancelAfter(CancellationTokenSource cts, int n) : IFrameSink
    {
        public int Count { get; private set; }

        public void Write(DateTime timestampUtc, ReadOnlySpan<byte> frame)
        {
            if (++Count == n)
                cts.Cancel();
        }
    }
}
