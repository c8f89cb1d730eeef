using FlowForensics.Analysis.Baselines;
using FlowForensics.Analysis.Hunting;
using FlowForensics.Capture;
using FlowForensics.Flows;
using FlowForensics.Metering;
using FlowForensics.Wire;
using Xunit;
using Xunit.Abstractions;

namespace FlowForensics.Tests.Analysis;

/// <summary>
/// The baseline hunt on real captures. Pairing: the captures are short and from unrelated networks and years, so there is
/// no capture of the same network before an attack. The baseline is learned from every ordinary capture in
/// ../shared/data/pcap together (every address profiled: -InternalNetwork 0.0.0.0/0,::/0), and each labelled flood is
/// compared with it. The flood targets are not in that baseline, so the floods are found by the flood tests' own
/// thresholds (with the baseline only able to veto); what this proves is that the flood tests recognise real floods and
/// stay quiet on real ordinary traffic compared with its own baseline.
/// </summary>
public sealed class FlowBaselineCaptureTests(ITestOutputHelper output)
{
    private static readonly Lazy<(List<FlowRecord> Flows, int Files)> Ordinary = new(() =>
    {
        var flows = new List<FlowRecord>();
        var files = SharedData.Files(Path.Combine("data", "pcap"), "*.pcap*", SearchOption.AllDirectories);
        foreach (string file in files) flows.AddRange(Meter(file));
        return (flows, files.Length);
    });

    private static readonly FlowBaselineOptions Everything = new() { InternalNetworks = AddressSet.Parse(["0.0.0.0/0", "::/0"]) };

    private static List<FlowRecord> Meter(string path)
    {
        var meter = new FlowMeter(new FlowTableOptions());
        var flows = new List<FlowRecord>();
        try
        {
            using var source = CaptureFileReader.Open(path);
            foreach (var f in meter.Read(source)) flows.Add(f);
        }
        catch (FlowDataException)
        {
            // A damaged test capture: the flows before the damage count, as Convert-PcapToFlow emits them.
        }
        flows.AddRange(meter.Flush());
        return flows;
    }

    private static FlowBaseline OrdinaryBaseline()
    {
        var builder = new FlowBaselineBuilder(Everything);
        foreach (var f in Ordinary.Value.Flows) builder.Add(f);
        return builder.Build();
    }

    [Fact]
    public void OrdinaryCapturesComparedWithTheirOwnBaselineGiveFewFindings()
    {
        var baseline = OrdinaryBaseline();
        var detector = new AnomalyDetector(baseline, new AnomalyDetectorOptions());
        foreach (var f in Ordinary.Value.Flows) detector.Add(f);
        var findings = detector.GetFindings();
        output.WriteLine($"{Ordinary.Value.Files} captures, {Ordinary.Value.Flows.Count} flows, {baseline.Hosts.Count} hosts: {findings.Count} findings");
        foreach (var f in findings) output.WriteLine($"{f.Kind} {f.Host} {f.Window:yyyy-MM-dd HH:mm}: {f.Reason}");
        Assert.True(Ordinary.Value.Files > 100, "the shared ordinary captures are missing");
        // Measured: 0 findings. Every peer, service and hour is in the baseline, and no interval passes 1.5 x its own maximum.
        Assert.Empty(findings);
    }

    [Theory]
    [InlineData("dhcp-request-flood.pcap", "255.255.255.255", AnomalyTypes.UdpFlood, 10_000)]
    [InlineData("ipv6-dos-ext-headers-denial6-6.pcap", "2001:db8:1::1", AnomalyTypes.IcmpFlood, 39_812)]
    public void LabelledFloodsAreFoundAgainstTheOrdinaryBaseline(string capture, string target, string type, long packets)
    {
        var baseline = OrdinaryBaseline();
        var detector = new AnomalyDetector(baseline, new AnomalyDetectorOptions());
        foreach (var f in Meter(SharedData.Path("data", "malicious", "suricata-verify", capture))) detector.Add(f);
        var findings = detector.GetFindings();
        foreach (var f in findings) output.WriteLine($"{f.Kind} {f.Host} {f.Window:yyyy-MM-dd HH:mm}: {f.Reason}");
        var flood = Assert.Single(findings, f => f.Kind.EndsWith("Flood", StringComparison.Ordinal));
        Assert.Equal(type, flood.Kind);
        Assert.Equal(target, flood.Host);
        Assert.Equal(packets, flood.Observed);
        Assert.Equal("T1498.001", flood.Technique);
    }
}
