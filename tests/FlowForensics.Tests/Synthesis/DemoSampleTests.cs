using System.Net;
using FlowForensics.Capture;
using FlowForensics.Flows;
using FlowForensics.Metering;
using FlowForensics.Synthesis;
using Xunit;

namespace FlowForensics.Tests.Synthesis;

/// <summary>
/// The demo capture shipped in module/Samples is exactly what the generator writes, and the engine behind
/// Convert-PcapToFlow reads it cleanly into the flows the README demo shows.
/// </summary>
public sealed class DemoSampleTests
{
    private const long MaxSampleBytes = 5_000_000;

    private static string SamplePath(string name) => Path.Combine(SharedData.RepoRoot, "module", "Samples", name);

    private static readonly Lazy<(byte[] Pcap, byte[] Truth, ScenarioTruth Model)> Regenerated = new(() =>
    {
        using var pcap = new MemoryStream();
        var truth = new ScenarioGenerator(ScenarioPresets.Demo()).WritePcap(pcap, ScenarioPresets.DemoSnapLength);
        using var json = new MemoryStream();
        truth.WriteJson(json);
        return (pcap.ToArray(), json.ToArray(), truth);
    });

    private static void AssertSameBytes(byte[] expected, string path)
    {
        byte[] actual = File.ReadAllBytes(path);
        int common = Math.Min(expected.Length, actual.Length), at = 0;
        while (at < common && expected[at] == actual[at])
            at++;
        Assert.True(at == expected.Length && at == actual.Length,
            $"{path} ({actual.Length} bytes) differs from the generator's output ({expected.Length} bytes) at byte {at}. "
            + "Regenerate it: dotnet run --project tools/FlowForensics.SampleGen -c Release -- --preset demo --out module/Samples/demo.pcap --truth module/Samples/demo.truth.json");
    }

    [Fact]
    public void ShippedDemoCaptureIsExactlyWhatTheGeneratorWrites()
    {
        AssertSameBytes(Regenerated.Value.Pcap, SamplePath("demo.pcap"));
        Assert.InRange(new FileInfo(SamplePath("demo.pcap")).Length, 100_000, MaxSampleBytes);
    }

    [Fact]
    public void ShippedTruthFileIsExactlyWhatTheGeneratorWrites()
    {
        AssertSameBytes(Regenerated.Value.Truth, SamplePath("demo.truth.json"));
    }

    [Fact]
    public void TheBuiltModuleShipsTheSameSample()
    {
        string built = Path.Combine(SharedData.RepoRoot, "out", "FlowForensics", "Samples", "demo.pcap");
        Assert.True(File.Exists(built), $"{built} is missing: the module layout copies module/Samples.");
        AssertSameBytes(File.ReadAllBytes(SamplePath("demo.pcap")), built);
    }

    [Fact]
    public void TruthNamesTheOrdinaryTrafficAndEveryPlantedBehaviour()
    {
        var truth = Regenerated.Value.Model;
        var kinds = new HashSet<BehaviourKind>();
        foreach (var b in truth.Behaviours)
        {
            kinds.Add(b.Kind);
            Assert.True(b.Packets > 0, b.Label + " put no packet in the demo");
        }
        Assert.Superset(new HashSet<BehaviourKind> { BehaviourKind.Beacon, BehaviourKind.Exfiltration, BehaviourKind.PortScan }, kinds);
        Assert.True(truth.BackgroundPackets > truth.Packets / 3, $"background {truth.BackgroundPackets} of {truth.Packets}");
        Assert.Equal(0, truth.SessionsNotStarted);
    }

    private static (List<FlowRecord> Flows, MeterDecodeCounts Counts) Meter(string path)
    {
        // Convert-PcapToFlow's defaults: 300 s active, 60 s inactive timeout.
        var meter = new FlowMeter(new FlowTableOptions());
        var flows = new List<FlowRecord>();
        using (var source = CaptureFileReader.Open(path))
            flows.AddRange(meter.Read(source));
        flows.AddRange(meter.Flush());
        return (flows, meter.DecodeCounts);
    }

    [Fact]
    public void ConvertPcapToFlowEngineReadsTheDemoWithoutDecodeErrors()
    {
        var truth = Regenerated.Value.Model;
        var (flows, counts) = Meter(SamplePath("demo.pcap"));
        Assert.Equal(truth.Packets, counts.Total);
        Assert.Equal(truth.Packets, counts.Decoded);
        Assert.Equal(0, counts.Truncated);
        Assert.Equal(0, counts.Malformed);
        Assert.Equal(0, counts.NotIp);
        Assert.Equal(0, counts.UnsupportedLinkType);
        long packets = 0;
        foreach (var f in flows)
            packets += f.Packets;
        Assert.Equal(truth.Packets, packets);
        // Unidirectional flows: the 1024-port scan alone gives over a thousand; the rest is a few hundred sessions each way.
        Assert.InRange(flows.Count, 2_000, 6_000);
    }

    private static BehaviourTruth Planted(BehaviourKind kind)
    {
        foreach (var b in Regenerated.Value.Model.Behaviours)
            if (b.Kind == kind)
                return b;
        throw new InvalidOperationException("the demo has no " + kind);
    }

    [Fact]
    public void ThePlantedBehavioursShowInTheFlows()
    {
        var (flows, _) = Meter(SamplePath("demo.pcap"));
        var beacon = Planted(BehaviourKind.Beacon);
        var exfil = Planted(BehaviourKind.Exfiltration);
        var scan = Planted(BehaviourKind.PortScan);
        int beaconFlows = 0;
        long exfilBytes = 0;
        var scannedPorts = new HashSet<ushort>();
        foreach (var f in flows)
        {
            if (beacon.Source!.Equals(f.SrcAddr) && beacon.Destinations[0].Equals(f.DstAddr) && f.DstPort == beacon.Ports[0])
                beaconFlows++;
            if (exfil.Source!.Equals(f.SrcAddr) && exfil.Destinations[0].Equals(f.DstAddr) && f.DstPort == exfil.Ports[0])
                exfilBytes += f.Bytes;
            if (scan.Source!.Equals(f.SrcAddr) && scan.Destinations[0].Equals(f.DstAddr))
                scannedPorts.Add(f.DstPort);
        }
        Assert.Equal(beacon.Sessions, beaconFlows);
        // IP bytes counted from the frames' original lengths, although the sample is cut at 256 bytes a frame.
        Assert.True(exfilBytes > exfil.BytesOut, $"{exfilBytes} IP bytes for {exfil.BytesOut} payload bytes");
        Assert.Equal(scan.Ports.Count, scannedPorts.Count);
        Assert.Equal(IPAddress.Parse("10.20.0.22"), scan.Destinations[0]);
    }
}
