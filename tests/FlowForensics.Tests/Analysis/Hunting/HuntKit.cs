using FlowForensics.Capture;
using FlowForensics.Flows;
using FlowForensics.Metering;
using FlowForensics.Synthesis;

namespace FlowForensics.Tests.Analysis.Hunting;

/// <summary>Flows for the hunt tests: captures metered the way Convert-PcapToFlow does (300 s active, 60 s inactive timeout).</summary>
internal static class HuntKit
{
    public static string Sample(string name) => Path.Combine(SharedData.RepoRoot, "module", "Samples", name);

    public static string Malicious(string relative) => SharedData.Path("data", "malicious", relative);

    public static List<FlowRecord> Meter(string path)
    {
        using var source = CaptureFileReader.Open(path);
        return Meter(source);
    }

    /// <summary>Generates the scenario, meters it, and returns the flows with the ground truth.</summary>
    public static (List<FlowRecord> Flows, ScenarioTruth Truth) Generate(ScenarioOptions options)
    {
        using var pcap = new MemoryStream();
        var truth = new ScenarioGenerator(options).WritePcap(pcap, ScenarioPresets.DemoSnapLength);
        pcap.Position = 0;
        using var source = CaptureFileReader.Open(pcap, "generated.pcap");
        return (Meter(source), truth);
    }

    private static List<FlowRecord> Meter(ICaptureSource source)
    {
        var meter = new FlowMeter(new FlowTableOptions());
        var flows = new List<FlowRecord>();
        flows.AddRange(meter.Read(source));
        flows.AddRange(meter.Flush());
        return flows;
    }
}
