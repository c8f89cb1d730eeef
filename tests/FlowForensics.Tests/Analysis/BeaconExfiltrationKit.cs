using FlowForensics.Capture;
using FlowForensics.Flows;
using FlowForensics.Metering;
using FlowForensics.Synthesis;

namespace FlowForensics.Tests.Analysis;

/// <summary>Generated scenarios and real captures turned into flows in-process, as Convert-PcapToFlow does (its defaults).</summary>
internal static class BeaconExfiltrationKit
{
    private static readonly Lazy<(List<FlowRecord> Flows, ScenarioTruth Truth)> HuntTruthLazy = new(() => Generate(ScenarioPresets.HuntTruth(1)));
    private static readonly Lazy<(List<FlowRecord> Flows, ScenarioTruth Truth)> DemoLazy = new(() => Generate(ScenarioPresets.Demo()));

    public static (List<FlowRecord> Flows, ScenarioTruth Truth) HuntTruth => HuntTruthLazy.Value;
    public static (List<FlowRecord> Flows, ScenarioTruth Truth) Demo => DemoLazy.Value;

    public static (List<FlowRecord> Flows, ScenarioTruth Truth) Generate(ScenarioOptions options)
    {
        using var pcap = new MemoryStream();
        // Headers are all the meter reads: a short snap length keeps the bulk uploads small in memory.
        var truth = new ScenarioGenerator(options).WritePcap(pcap, snapLength: 128);
        pcap.Position = 0;
        using var source = CaptureFileReader.Open(pcap, "scenario.pcap");
        return (Meter(source), truth);
    }

    public static List<FlowRecord> Meter(string path)
    {
        using var source = CaptureFileReader.Open(path);
        return Meter(source);
    }

    private static List<FlowRecord> Meter(ICaptureSource source)
    {
        var meter = new FlowMeter(new FlowTableOptions());
        var flows = new List<FlowRecord>(meter.Read(source));
        flows.AddRange(meter.Flush());
        return flows;
    }
}
