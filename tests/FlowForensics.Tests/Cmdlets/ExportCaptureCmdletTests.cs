using System.Management.Automation;
using FlowForensics.Capture;
using FlowForensics.Export;
using FlowForensics.Flows;
using FlowForensics.Tests.Export;
using FlowForensics.Tests.Hosting;
using Xunit;

namespace FlowForensics.Tests.Cmdlets;

/// <summary>Convert-PcapToFlow -ExportProtocol and -ScaleBySampling on the collector's and the analysis cmdlets' side.</summary>
public sealed class ExportCaptureCmdletTests
{
    private static string Corpus(string relative) => SharedData.Path(ExportCorpus.Folder, relative);

    private static List<FlowRecord> Engine(params string[] relative)
    {
        var reader = new CaptureExportReader(new ExportDecoder());
        var records = new List<FlowRecord>();
        foreach (string r in relative)
        {
            using var source = CaptureFileReader.Open(Corpus(r));
            records.AddRange(reader.Read(source));
        }
        return records;
    }

    [Fact]
    public void ExportProtocol_Auto_decodes_the_datagrams_of_several_captures_with_templates_carried_over()
    {
        var expected = CmdletKit.Keys(Engine("akvorado/template.pcap", "akvorado/data.pcap"));
        Assert.NotEmpty(expected);
        using var s = PsSession.WithModule();
        var flows = CmdletKit.Run(s, "Convert-PcapToFlow -Path $a, $b -ExportProtocol Auto -Verbose",
            ("a", Corpus("akvorado/template.pcap")), ("b", Corpus("akvorado/data.pcap")));
        var actual = CmdletKit.Keys(flows);
        expected.Sort(StringComparer.Ordinal);
        actual.Sort(StringComparer.Ordinal);
        Assert.Equal(expected, actual);
        Assert.Contains(s.Verbose, v => v.Message.Contains("export datagrams", StringComparison.Ordinal));
        Assert.All(flows, f => Assert.Equal(9, f.ExportVersion));
    }

    [Fact]
    public void ExportProtocol_selects_protocols_and_ExportPort_ports()
    {
        string file = Corpus("graylog/nprobe-netflow9.pcap");
        int v5 = Engine("graylog/nprobe-netflow9.pcap").Count(f => f.ExportVersion == 5);
        using var s = PsSession.WithModule();
        var only5 = CmdletKit.Run(s, "Convert-PcapToFlow -Path $f -ExportProtocol NetFlowV5", ("f", file));
        Assert.Equal(v5, only5.Count);
        Assert.All(only5, f => Assert.Equal(5, f.ExportVersion));
        Assert.Empty(CmdletKit.Run(s, "Convert-PcapToFlow -Path $f -ExportPort 9995", ("f", file)));
        Assert.NotEmpty(CmdletKit.Run(s, "Convert-PcapToFlow -Path $f -ExportPort 2055", ("f", file)));
    }

    [Fact]
    public void Malformed_export_datagrams_in_a_capture_are_a_warning_naming_exporter_and_reason()
    {
        using var s = PsSession.WithModule();
        s.SetVariable("f", Corpus("tcpdump/sflow_print-segv.pcap"));
        s.Invoke("Convert-PcapToFlow -Path $f -ExportProtocol Auto");
        var warning = Assert.Single(s.Warnings, w => w.Message.Contains("malformed export datagrams", StringComparison.Ordinal));
        Assert.Matches(@"\d+\.\d+\.\d+\.\d+ \w+=\d+", warning.Message);
    }

    [Fact]
    public void ScaleBySampling_without_ExportProtocol_is_a_terminating_argument_error()
    {
        using var s = PsSession.WithModule();
        s.SetVariable("f", Corpus("akvorado/nfv5.pcap"));
        s.Invoke("Convert-PcapToFlow -Path $f -ScaleBySampling");
        Assert.StartsWith("ExportProtocolInvalid", Assert.Single(s.Errors).FullyQualifiedErrorId);
    }

    [Fact]
    public void ScaleBySampling_multiplies_packets_and_bytes_by_each_records_interval()
    {
        string[] files = ["akvorado/samplingrate-template.pcap", "akvorado/samplingrate-data.pcap"];
        var raw = Engine(files);
        Assert.Contains(raw, f => f.SamplingInterval > 1);
        using var s = PsSession.WithModule();
        var scaled = CmdletKit.Run(s, "Convert-PcapToFlow -Path $a, $b -ExportProtocol Auto -ScaleBySampling",
            ("a", Corpus(files[0])), ("b", Corpus(files[1])));
        Assert.Equal(raw.Sum(f => f.Bytes * Math.Max(1, f.SamplingInterval)), scaled.Sum(f => f.Bytes));
        Assert.Equal(raw.Sum(f => f.Packets * Math.Max(1, f.SamplingInterval)), scaled.Sum(f => f.Packets));
        Assert.All(scaled, f => Assert.True(f.SamplingInterval <= 1));
    }

    [Fact]
    public void Analysis_cmdlets_ScaleBySampling_scales_copies_and_leaves_the_callers_records_alone()
    {
        string[] files = ["akvorado/samplingrate-template.pcap", "akvorado/samplingrate-data.pcap"];
        var raw = Engine(files);
        long rawBytes = raw.Sum(f => f.Bytes + f.OutBytes);
        long scaledBytes = raw.Sum(f => (f.Bytes + f.OutBytes) * Math.Max(1, f.SamplingInterval));
        Assert.NotEqual(rawBytes, scaledBytes);
        using var s = PsSession.WithModule();
        s.SetVariable("flows", raw.ToArray());
        var rows = s.Invoke("$flows | Measure-FlowTopN -Property Protocol -OrderBy Bytes -Top 100 -ScaleBySampling");
        Assert.Empty(s.Errors);
        Assert.Equal(scaledBytes, rows.Sum(r => (long)r.Properties["Bytes"].Value));
        var plain = s.Invoke("$flows | Measure-FlowTopN -Property Protocol -OrderBy Bytes -Top 100");
        Assert.Equal(rawBytes, plain.Sum(r => (long)r.Properties["Bytes"].Value));
        // The caller's records are unchanged (same counters, same interval).
        Assert.Equal(rawBytes, raw.Sum(f => f.Bytes + f.OutBytes));
        Assert.Contains(raw, f => f.SamplingInterval > 1);
        // The filter sees the scaled figures.
        var scaledSizes = raw.Select(f => f.Bytes * Math.Max(1, f.SamplingInterval)).Order().ToList();
        long threshold = scaledSizes[scaledSizes.Count / 2];
        long bigRaw = scaledSizes.Count(b => b > threshold);
        Assert.InRange(bigRaw, raw.Count(f => f.Bytes > threshold) + 1, raw.Count - 1);
        s.SetVariable("filter", $"bytes > {threshold}");
        var filtered = s.Invoke("$flows | Measure-FlowTopN -Property Protocol -Top 100 -ScaleBySampling -Filter $filter");
        Assert.Equal(bigRaw, filtered.Sum(r => (long)r.Properties["Flows"].Value));
    }
}
