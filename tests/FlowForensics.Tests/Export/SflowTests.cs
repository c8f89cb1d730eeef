using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using FlowForensics.Export;
using FlowForensics.Flows;
using Xunit;

namespace FlowForensics.Tests.Export;

/// <summary>sFlow v5 against tcpdump's sFlow printer: flow samples, their rates and interfaces, counter samples.</summary>
public sealed partial class SflowTests
{
    [GeneratedRegex(@"^\s*(expanded )?flow sample \(\d\).*?rate (\d+),.*?(?:input (\d+) output (\d+) )?records")]
    private static partial Regex FlowSampleLine();

    public static TheoryData<string> SflowCaptures()
    {
        var data = new TheoryData<string>();
        foreach (var f in SharedData.Files(ExportCorpus.Folder + "/akvorado", "*sflow*.pcap")) data.Add(Path.GetFileName(f));
        return data;
    }

    private static string Tcpdump(string path)
    {
        var psi = new ProcessStartInfo("tcpdump", ["-nv", "-r", path]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        string stdout = p.StandardOutput.ReadToEnd();
        p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(60_000));
        Assert.Equal(0, p.ExitCode);
        return stdout;
    }

    [Theory]
    [MemberData(nameof(SflowCaptures))]
    public void FlowSamplesMatchTcpdump(string file)
    {
        string path = SharedData.Path(ExportCorpus.Folder, "akvorado", file);
        var expected = new List<(uint Rate, uint? In, uint? Out)>();
        foreach (var line in Tcpdump(path).Split('\n'))
        {
            var m = FlowSampleLine().Match(line);
            if (!m.Success) continue;
            expected.Add((uint.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture),
                m.Groups[3].Success ? uint.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture) : null,
                m.Groups[4].Success ? uint.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture) : null));
        }
        Assert.NotEmpty(expected);

        var decoder = new ExportDecoder();
        var records = new List<FlowRecord>();
        foreach (var d in ExportCorpus.ReadUdp(path, out _))
            Assert.Equal(ExportDecodeStatus.Decoded, decoder.Decode(d.Payload, d.Source, d.Timestamp, records));
        Assert.Equal(0, decoder.Counters.UndecodableSamples);
        Assert.Equal(expected.Count, records.Count);
        for (int i = 0; i < records.Count; i++)
        {
            var r = records[i];
            Assert.Equal(expected[i].Rate, r.SamplingInterval);
            if (expected[i].In is uint input) Assert.Equal(input, r.InputInterface);
            if (expected[i].Out is uint output) Assert.Equal(output, r.OutputInterface);
            Assert.Equal(0x85, r.ExportVersion);
            Assert.Equal(1, r.Packets);
            Assert.True(r.Bytes > 0);
            Assert.NotEqual(0, r.IPVersion); // the sampled header went through the packet decoder
        }
    }

    [Fact]
    public void CounterSamplesAreCountedAndNetFlowOnTheSflowPortIsV5()
    {
        string dir = SharedData.Path(ExportCorpus.Folder, "tcpdump");
        int expected = 0, v5Records = 0;
        foreach (var line in File.ReadLines(Path.Combine(dir, "sflow_multiple_counter_30_pdus.tcpdump-v.out")))
        {
            if (line.Contains("counter sample (", StringComparison.Ordinal)) expected++;
            // tcpdump goes by the port: NetFlow v5 datagrams sent to 6343 print as "sFlow version 0x0005nnnn",
            // the low half being the v5 record count. We go by the version field and decode them as v5.
            var m = Regex.Match(line, @"sFlow version (\d+) packet not supported");
            if (m.Success)
            {
                uint v = uint.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
                Assert.Equal(5u, v >> 16);
                v5Records += (int)(v & 0xFFFF);
            }
        }
        Assert.True(expected > 0);
        Assert.True(v5Records > 0);

        var decoder = new ExportDecoder();
        var records = new List<FlowRecord>();
        foreach (var d in ExportCorpus.ReadUdp(Path.Combine(dir, "sflow_multiple_counter_30_pdus.pcap"), out _))
            Assert.Equal(ExportDecodeStatus.Decoded, decoder.Decode(d.Payload, d.Source, d.Timestamp, records));
        Assert.Equal(expected, decoder.Counters.CounterSamples);
        Assert.Equal(v5Records, records.Count);
        Assert.All(records, r => Assert.Equal(5, r.ExportVersion));
    }
}
