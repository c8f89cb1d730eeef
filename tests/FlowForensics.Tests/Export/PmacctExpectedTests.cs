using System.Globalization;
using System.Text;
using System.Text.Json;
using FlowForensics.Export;
using FlowForensics.Flows;
using Xunit;

namespace FlowForensics.Tests.Export;

/// <summary>
/// pmacct's nfacctd regression cases (<c>data/export/pmacct/NNN-*/</c>): the capture replayed to nfacctd and
/// its aggregated JSON output. Both sides are summed over the keys we and nfacctd share (addresses, ports,
/// protocol, interfaces, ToS, MPLS labels) and the packet and byte sums compared. The exporter is left out: pmacct's
/// harness replays the capture from its own address (peer_ip_src), one exporter per case.
/// </summary>
public sealed class PmacctExpectedTests
{
    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var dir in Directory.GetDirectories(SharedData.Path(ExportCorpus.Folder, "pmacct")))
            if (File.Exists(Path.Combine(dir, "output-flow-00.json"))) data.Add(Path.GetFileName(dir));
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void SumsEqualNfacctdOutput(string caseName)
    {
        string dir = SharedData.Path(ExportCorpus.Folder, "pmacct", caseName);
        var decoder = new ExportDecoder();
        var records = new List<FlowRecord>();
        foreach (var d in ExportCorpus.ReadUdp(Path.Combine(dir, "traffic-00.pcap"), out _))
            Assert.Equal(ExportDecodeStatus.Decoded, decoder.Decode(d.Payload, d.Source, d.Timestamp, records));
        Assert.NotEmpty(records);

        var ours = new SortedDictionary<string, (long Packets, long Bytes)>(StringComparer.Ordinal);
        foreach (var r in records)
        {
            var labels = new StringBuilder();
            if (r.MplsStack is not null)
                for (int i = 0; i < r.MplsStack.Length; i++) labels.Append(i).Append('-').Append(r.MplsStack[i] >> 4).Append(' ');
            Add(ours, Key(r.SrcAddr?.ToString(), r.DstAddr?.ToString(), r.SrcPort, r.DstPort, r.ProtocolName.ToLowerInvariant(),
                r.InputInterface, r.OutputInterface, r.SrcTos, labels.ToString()), r.Packets, r.Bytes);
        }

        var theirs = new SortedDictionary<string, (long Packets, long Bytes)>(StringComparer.Ordinal);
        foreach (var line in File.ReadAllLines(Path.Combine(dir, "output-flow-00.json")))
        {
            if (line.Length == 0) continue;
            using var doc = JsonDocument.Parse(line);
            var e = doc.RootElement;
            var labels = new StringBuilder();
            if (e.TryGetProperty("mpls_label_stack", out var stack))
                foreach (var l in stack.EnumerateArray()) labels.Append(l.GetString()).Append(' ');
            Add(theirs, Key(e.GetProperty("ip_src").GetString(), e.GetProperty("ip_dst").GetString(),
                e.GetProperty("port_src").GetInt32(), e.GetProperty("port_dst").GetInt32(), e.GetProperty("ip_proto").GetString()!,
                e.GetProperty("iface_in").GetUInt32(), e.GetProperty("iface_out").GetUInt32(), e.GetProperty("tos").GetInt32(), labels.ToString()),
                e.GetProperty("packets").GetInt64(), e.GetProperty("bytes").GetInt64());
        }

        Assert.NotEmpty(theirs);
        Assert.Equal(Dump(theirs), Dump(ours));
    }

    private static string Key(string? src, string? dst, int sport, int dport, string proto, uint input, uint output, int tos, string labels) =>
        string.Create(CultureInfo.InvariantCulture, $"{src} {dst} {sport} {dport} {proto} in{input} out{output} tos{tos} [{labels.Trim()}]");

    private static void Add(SortedDictionary<string, (long, long)> map, string key, long packets, long bytes)
    {
        map.TryGetValue(key, out var sum);
        map[key] = (sum.Item1 + packets, sum.Item2 + bytes);
    }

    private static string Dump(SortedDictionary<string, (long Packets, long Bytes)> map)
    {
        var sb = new StringBuilder();
        foreach (var kv in map) sb.Append(kv.Key).Append(" = ").Append(kv.Value.Packets).Append(" pkts ").Append(kv.Value.Bytes).Append(" bytes\n");
        return sb.ToString();
    }
}
