using System.Globalization;
using System.Net;
using FlowForensics.Analysis.Statistics;
using FlowForensics.Analysis.TopN;
using FlowForensics.Flows;
using Xunit;

namespace FlowForensics.Tests.Differential;

/// <summary>
/// Measure-FlowTopN's engine against Debian's nfdump 1.7.1 on the same files: every element statistic × every
/// order (<c>-s STAT/ORDER -n 0</c>), <c>-s record</c>, <c>-A</c> aggregations and <c>-b</c> bidirectional pairing.
///
/// How rows are compared: the i-th row of both must have the same order value (so the ranking is the same), and
/// each key's figures must be equal. Rows with equal order values may come in any order in nfdump (hash order),
/// so the tie order is the one thing not compared; ours is documented: ties rank by key ascending.
///
/// Deliberate differences, not compared:
/// - nfdump 1.7.1's <c>-s tos</c> counts the source ToS only; nfdump 1.7.8 and we count both ends (src and dst ToS).
///   srctos and dsttos are compared.
/// - With the order <c>flows</c> nfdump prints in-direction packets/bytes only; we always report in + out. The files
///   here carry no out counters (checked below), so the figures are still compared.
/// - nfdump prints times to the second in its -s CSV; we compare at that resolution there, and to the millisecond
///   (td, and fmt: %ts/%te) elsewhere.
/// </summary>
public sealed class TopNDifferentialTests
{
    private static readonly string[] Orders = ["flows", "packets", "bytes", "pps", "bps", "bpp"];

    // nfdump statistic → our property and the row column holding the key.
    private static readonly (string Stat, string Property, Func<TopNRow, string?> Key)[] Statistics =
    [
        ("srcip", "SrcAddr", r => r.SrcAddr), ("dstip", "DstAddr", r => r.DstAddr), ("ip", "Address", r => r.Address),
        ("srcport", "SrcPort", r => Num(r.SrcPort)), ("dstport", "DstPort", r => Num(r.DstPort)), ("port", "Port", r => Num(r.Port)),
        ("proto", "Protocol", r => Num(r.Protocol)),
        ("srcas", "SrcAs", r => Num(r.SrcAs)), ("dstas", "DstAs", r => Num(r.DstAs)), ("as", "As", r => Num(r.As)),
        ("inif", "InputInterface", r => Num(r.InputInterface)), ("outif", "OutputInterface", r => Num(r.OutputInterface)),
        ("if", "Interface", r => Num(r.Interface)),
        ("srctos", "SrcTos", r => Num(r.SrcTos)), ("dsttos", "DstTos", r => Num(r.DstTos)),
        ("srcvlan", "SrcVlan", r => Num(r.SrcVlan)), ("dstvlan", "DstVlan", r => Num(r.DstVlan)), ("vlan", "Vlan", r => Num(r.Vlan)),
    ];

    public static TheoryData<string> Sources()
    {
        var data = new TheoryData<string>();
        foreach (string f in SharedData.Files("formats/samples", "*.nfcapd")) data.Add(Relative(f));
        foreach (string f in SharedData.Files("formats/samples/extra", "*.nfcapd")) data.Add(Relative(f));
        data.Add("data/nfcapd/slips/test1-malicious.nfdump");
        data.Add("data/nfcapd/chrispassas/nfcapd-small-lzo");
        data.Add("data/nfcapd/chrispassas/nfcapd-large-bz2");
        data.Add("data/nfcapd/chrispassas/nfcapd-empty");
        data.Add("pcap:data/pcap/ndpi/1kxun.pcap");
        data.Add("pcap:data/pcap/zeek/http-bro.org.pcap");
        data.Add("pcap:data/pcap/chrissanders/http_espn.pcapng");
        return data;
    }

    private static string Relative(string path) => Path.GetRelativePath(SharedData.Root, path).Replace('\\', '/');

    [Theory]
    [MemberData(nameof(Sources))]
    public void EveryElementStatisticAndOrderMatchesNfdump(string source)
    {
        var input = Input(source);
        var flows = LoadFlows(input);
        Assert.All(flows, f => Assert.Equal(0, f.OutPackets + f.OutBytes)); // see "flows" note above
        int compared = 0;
        foreach (var (stat, property, keyOf) in Statistics)
        {
            string csv = NfdumpTool.RunChecked("nfdump", [.. input, "-s", $"{stat}/{string.Join('/', Orders)}", "-n", "0", "-N", "-q", "-o", "csv"]);
            var blocks = ParseStatBlocks(csv);
            Assert.Equal(Orders.Length, blocks.Count);
            for (int o = 0; o < Orders.Length; o++)
            {
                var order = Enum.Parse<TopNOrder>(Orders[o], ignoreCase: true);
                var rows = Run(flows, new TopNOptions(TopNOptions.ParseProperties([property])) { Order = order, Top = 0 });
                string what = $"{source} -s {stat}/{Orders[o]}";
                Assert.True(blocks[o].Count == rows.Count, $"{what}: nfdump {blocks[o].Count} rows, ours {rows.Count}");
                var ours = new Dictionary<string, TopNRow>();
                foreach (var r in rows) ours.Add(NormalizeKey(keyOf(r)!), r);
                for (int i = 0; i < rows.Count; i++)
                {
                    var n = blocks[o][i];
                    Assert.True(OrderValue(n, order) == TopNTable(rows[i], order), $"{what}: rank {i + 1} value nfdump {OrderValue(n, order)}, ours {TopNTable(rows[i], order)} ({rows[i].Key})");
                    Assert.True(ours.TryGetValue(NormalizeKey(n.Val), out var mine), $"{what}: key {n.Val} missing from ours");
                    AssertSameFigures(what + " key " + n.Val, n, mine!);
                    compared++;
                }
            }
        }
        Assert.True(flows.Count == 0 || compared > 0);
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public void RecordStatisticMatchesNfdumpSRecord(string source)
    {
        var input = Input(source);
        var flows = LoadFlows(input);
        foreach (string orderName in Orders)
        {
            var order = Enum.Parse<TopNOrder>(orderName, ignoreCase: true);
            var theirs = ParseFmtRows(NfdumpTool.RunChecked("nfdump", [.. input, "-s", $"record/{orderName}", "-n", "0", "-N", "-q", "-o", AggregateFormat]));
            var rows = Run(flows, new TopNOptions(TopNOptions.ParseProperties(["Conversation"])) { Order = order, Top = 0 });
            string what = $"{source} -s record/{orderName}";
            Assert.True(theirs.Count == rows.Count, $"{what}: nfdump {theirs.Count} rows, ours {rows.Count}");
            var ours = new Dictionary<string, TopNRow>();
            foreach (var r in rows) ours.Add(ConversationKey(r.Protocol!.Value, r.SrcAddr!, r.SrcPort!.Value, r.DstAddr!, r.DstPort!.Value), r);
            for (int i = 0; i < theirs.Count; i++)
            {
                var n = theirs[i];
                Assert.True(n.OrderValue(order) == TopNTable(rows[i], order), $"{what}: rank {i + 1} value nfdump {n.OrderValue(order)}, ours {TopNTable(rows[i], order)}");
                Assert.True(ours.TryGetValue(ConversationKey(n.Protocol, n.SrcAddr, n.SrcPort, n.DstAddr, n.DstPort), out var mine), $"{what}: {n.Line} missing from ours");
                AssertSameAggregate(what, n, mine!);
            }
        }
    }

    public static TheoryData<string, string, string> Aggregations()
    {
        var data = new TheoryData<string, string, string>();
        string[] sources = ["data/nfcapd/slips/test1-malicious.nfdump", "data/nfcapd/chrispassas/nfcapd-large-bz2", "formats/samples/nfpcapd-ipv4v6-none.nfcapd", "pcap:data/pcap/ndpi/1kxun.pcap"];
        (string, string)[] aggregations =
        [
            ("srcip,dstip", "SrcAddr,DstAddr"),
            ("srcip", "SrcAddr"),
            ("dstip,dstport,proto", "DstAddr,DstPort,Protocol"),
            ("srcip4/24,dstip4/16", "SrcNet/24/128,DstNet/16/128"),
            ("srcip6/64", "SrcNet/32/64"),
            ("proto,srcip,dstip,srcport,dstport", "Protocol,SrcAddr,DstAddr,SrcPort,DstPort"),
            ("srcas,dstas,inif,outif", "SrcAs,DstAs,InputInterface,OutputInterface"),
            ("srcvlan,dstvlan,srctos", "SrcVlan,DstVlan,SrcTos"),
        ];
        foreach (string s in sources)
            foreach (var (a, p) in aggregations)
                data.Add(s, a, p);
        return data;
    }

    [Theory]
    [MemberData(nameof(Aggregations))]
    public void AggregationMatchesNfdumpA(string source, string nfdumpAggregation, string properties)
    {
        var input = Input(source);
        var flows = LoadFlows(input);
        var theirs = ParseFmtRows(NfdumpTool.RunChecked("nfdump", [.. input, "-A", nfdumpAggregation, "-n", "0", "-N", "-q", "-o", AggregateFormat]));
        var props = TopNOptions.ParseProperties(properties.Split(','));
        var rows = Run(flows, new TopNOptions(props) { Order = TopNOrder.Bytes, Top = 0 });
        string what = $"{source} -A {nfdumpAggregation}";
        Assert.True(theirs.Count == rows.Count, $"{what}: nfdump {theirs.Count} rows, ours {rows.Count}");
        var ours = new Dictionary<string, TopNRow>();
        foreach (var r in rows) ours.Add(AggregateKey(props, r), r);
        foreach (var n in theirs)
        {
            string key = AggregateKey(props, n);
            Assert.True(ours.TryGetValue(key, out var mine), $"{what}: {key} ({n.Line}) missing from ours");
            AssertSameAggregate(what, n, mine!);
        }
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public void BidirectionalConversationsMatchNfdumpB(string source)
    {
        var input = Input(source);
        var flows = LoadFlows(input);
        var theirs = ParseFmtRows(NfdumpTool.RunChecked("nfdump", [.. input, "-b", "-n", "0", "-N", "-q", "-o", AggregateFormat]));
        var rows = Run(flows, new TopNOptions(TopNOptions.ParseProperties(["Conversation"])) { Bidirectional = true, Top = 0 });
        string what = $"{source} -b";
        Assert.True(theirs.Count == rows.Count, $"{what}: nfdump {theirs.Count} rows, ours {rows.Count}");
        var ours = new Dictionary<string, TopNRow>();
        foreach (var r in rows) ours.Add(ConversationKey(r.Protocol!.Value, r.SrcAddr!, r.SrcPort!.Value, r.DstAddr!, r.DstPort!.Value), r);
        foreach (var n in theirs)
        {
            // The orientation (which end is "source") is the first record's, in nfdump and in ours.
            Assert.True(ours.TryGetValue(ConversationKey(n.Protocol, n.SrcAddr, n.SrcPort, n.DstAddr, n.DstPort), out var mine), $"{what}: {n.Line} missing from ours");
            AssertSameAggregate(what, n, mine!);
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------

    private static readonly Dictionary<string, string> PcapDirs = [];
    private static readonly Lock PcapLock = new();

    /// <summary>nfdump's input arguments for a source: a file (-r) or, for a capture, the nfpcapd output folder (-R).</summary>
    private static string[] Input(string source)
    {
        if (!source.StartsWith("pcap:", StringComparison.Ordinal)) return ["-r", SharedData.Path(source)];
        lock (PcapLock)
        {
            if (!PcapDirs.TryGetValue(source, out string? dir))
            {
                dir = Path.Combine(Path.GetTempPath(), "flowforensics-topn-" + Environment.ProcessId, Path.GetFileNameWithoutExtension(source));
                if (Directory.Exists(dir)) Directory.Delete(dir, true);
                Directory.CreateDirectory(dir);
                NfdumpTool.RunChecked("nfpcapd", ["-r", SharedData.Path(source["pcap:".Length..]), "-w", dir]);
                Assert.NotEmpty(Directory.GetFiles(dir, "nfcapd.*"));
                PcapDirs[source] = dir;
            }
            return ["-R", dir];
        }
    }

    private static List<FlowRecord> LoadFlows(string[] input) =>
        input[0] == "-R" ? NfdumpFlowLoader.LoadDirectory(input[1]) : NfdumpFlowLoader.Load(input[1]);

    private static IReadOnlyList<TopNRow> Run(List<FlowRecord> flows, TopNOptions options)
    {
        var aggregator = new TopNAggregator(options);
        aggregator.AddRange(flows);
        return aggregator.GetRows();
    }

    private static string? Num<T>(T? value) where T : struct, IFormattable => value?.ToString(null, CultureInfo.InvariantCulture);

    private static string NormalizeKey(string key) =>
        key.Contains('.', StringComparison.Ordinal) || key.Contains(':', StringComparison.Ordinal) ? IPAddress.Parse(key).ToString() : key;

    private static long TopNTable(TopNRow r, TopNOrder order) => order switch
    {
        TopNOrder.Flows => r.Flows,
        TopNOrder.Packets => r.Packets,
        TopNOrder.Bytes => r.Bytes,
        TopNOrder.Pps => r.Pps,
        TopNOrder.Bps => r.Bps,
        _ => r.Bpp,
    };

    private sealed record StatRow(DateTime First, DateTime Last, double DurationSeconds, string Val, long Flows, double FlowsPercent,
        long Packets, double PacketsPercent, long Bytes, double BytesPercent, long Pps, long Bps, long Bpp, string Line);

    private static long OrderValue(StatRow n, TopNOrder order) => order switch
    {
        TopNOrder.Flows => n.Flows,
        TopNOrder.Packets => n.Packets,
        TopNOrder.Bytes => n.Bytes,
        TopNOrder.Pps => n.Pps,
        TopNOrder.Bps => n.Bps,
        _ => n.Bpp,
    };

    private static List<List<StatRow>> ParseStatBlocks(string csv)
    {
        var blocks = new List<List<StatRow>>();
        foreach (string raw in csv.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0) continue;
            if (line.StartsWith("ts,", StringComparison.Ordinal)) { blocks.Add([]); continue; }
            string[] f = line.Split(',');
            Assert.True(f.Length == 14, $"unexpected -s csv line '{line}'");
            var ci = CultureInfo.InvariantCulture;
            blocks[^1].Add(new StatRow(
                DateTime.ParseExact(f[0], "yyyy-MM-dd HH:mm:ss", ci, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
                DateTime.ParseExact(f[1], "yyyy-MM-dd HH:mm:ss", ci, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
                double.Parse(f[2], ci), f[4].Trim(), long.Parse(f[5], ci), double.Parse(f[6], ci), long.Parse(f[7], ci), double.Parse(f[8], ci),
                long.Parse(f[9], ci), double.Parse(f[10], ci), long.Parse(f[11], ci), long.Parse(f[12], ci), long.Parse(f[13], ci), line));
        }
        return blocks;
    }

    private static void AssertSameFigures(string what, StatRow n, TopNRow r)
    {
        Assert.True(n.Flows == r.Flows, $"{what}: flows nfdump {n.Flows}, ours {r.Flows}");
        Assert.True(n.Packets == r.Packets, $"{what}: packets nfdump {n.Packets}, ours {r.Packets}");
        Assert.True(n.Bytes == r.Bytes, $"{what}: bytes nfdump {n.Bytes}, ours {r.Bytes}");
        Assert.True(n.Pps == r.Pps && n.Bps == r.Bps && n.Bpp == r.Bpp, $"{what}: pps/bps/bpp nfdump {n.Pps}/{n.Bps}/{n.Bpp}, ours {r.Pps}/{r.Bps}/{r.Bpp}");
        AssertPercent(what + " flows%", n.FlowsPercent, r.FlowsPercent);
        AssertPercent(what + " packets%", n.PacketsPercent, r.PacketsPercent);
        AssertPercent(what + " bytes%", n.BytesPercent, r.BytesPercent);
        Assert.True(n.First == TruncateToSecond(r.FirstSeen), $"{what}: first nfdump {n.First:O}, ours {r.FirstSeen:O}");
        Assert.True(n.Last == TruncateToSecond(r.LastSeen), $"{what}: last nfdump {n.Last:O}, ours {r.LastSeen:O}");
        Assert.True(Math.Round(n.DurationSeconds * 1000) == Math.Round(r.Duration.TotalMilliseconds), $"{what}: duration nfdump {n.DurationSeconds}, ours {r.Duration}");
    }

    /// <summary>nfdump prints percentages with one decimal ("%.1f").</summary>
    private static void AssertPercent(string what, double printed, double ours) =>
        Assert.True(Math.Abs(printed - ours) <= 0.05 + 1e-9, $"{what}: nfdump {printed}, ours {ours}");

    private static DateTime TruncateToSecond(DateTime t) => new(t.Ticks - t.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);

    // ---- fmt: rows of aggregated records -------------------------------------------------------------

    private const string AggregateFormat = "fmt:%ts|%te|%pr|%sa|%sp|%da|%dp|%ipkt|%ibyt|%opkt|%obyt|%fl|%sas|%das|%in|%out|%stos|%svln|%dvln";

    private sealed record FmtRow(DateTime First, DateTime Last, int Protocol, string SrcAddr, int SrcPort, string DstAddr, int DstPort,
        long Packets, long Bytes, long Flows, long SrcAs, long DstAs, long In, long Out, int SrcTos, int SrcVlan, int DstVlan, string Line)
    {
        public long OrderValue(TopNOrder order)
        {
            long ticks = Last.Ticks - First.Ticks;
            return order switch
            {
                TopNOrder.Flows => Flows,
                TopNOrder.Packets => Packets,
                TopNOrder.Bytes => Bytes,
                TopNOrder.Pps => FlowRates.PacketsPerSecond(Packets, ticks),
                TopNOrder.Bps => FlowRates.BitsPerSecond(Bytes, ticks),
                _ => FlowRates.BytesPerPacket(Bytes, Packets),
            };
        }
    }

    private static List<FmtRow> ParseFmtRows(string text)
    {
        var rows = new List<FmtRow>();
        var ci = CultureInfo.InvariantCulture;
        foreach (string raw in text.Split('\n'))
        {
            if (raw.Trim().Length == 0) continue;
            string[] f = raw.Split('|');
            Assert.True(f.Length == 19, $"unexpected fmt line '{raw}'");
            rows.Add(new FmtRow(
                NfdumpFlowLoader.ParseTime(f[0]), NfdumpFlowLoader.ParseTime(f[1]), int.Parse(f[2].Trim(), ci),
                IPAddress.Parse(f[3].Trim()).ToString(), ParsePort(f[4]), IPAddress.Parse(f[5].Trim()).ToString(), ParsePort(f[6]),
                long.Parse(f[7].Trim(), ci) + long.Parse(f[9].Trim(), ci), long.Parse(f[8].Trim(), ci) + long.Parse(f[10].Trim(), ci),
                long.Parse(f[11].Trim(), ci), long.Parse(f[12].Trim(), ci), long.Parse(f[13].Trim(), ci), long.Parse(f[14].Trim(), ci),
                long.Parse(f[15].Trim(), ci), int.Parse(f[16].Trim(), ci), int.Parse(f[17].Trim(), ci), int.Parse(f[18].Trim(), ci), raw));
        }
        return rows;
    }

    private static int ParsePort(string text)
    {
        string t = text.Trim();
        int dot = t.IndexOf('.', StringComparison.Ordinal);
        var ci = CultureInfo.InvariantCulture;
        return dot < 0 ? int.Parse(t, ci) : int.Parse(t.AsSpan(0, dot), ci) * 256 + int.Parse(t.AsSpan(dot + 1), ci);
    }

    private static string ConversationKey(int protocol, string src, int srcPort, string dst, int dstPort) =>
        $"{protocol} {IPAddress.Parse(src)}:{srcPort} {IPAddress.Parse(dst)}:{dstPort}";

    private static void AssertSameAggregate(string what, FmtRow n, TopNRow r)
    {
        Assert.True(n.Flows == r.Flows, $"{what}: {n.Line}: flows ours {r.Flows}");
        Assert.True(n.Packets == r.Packets, $"{what}: {n.Line}: packets ours {r.Packets}");
        Assert.True(n.Bytes == r.Bytes, $"{what}: {n.Line}: bytes ours {r.Bytes}");
        Assert.True(n.First == r.FirstSeen, $"{what}: {n.Line}: first ours {r.FirstSeen:O}");
        Assert.True(n.Last == r.LastSeen, $"{what}: {n.Line}: last ours {r.LastSeen:O}");
    }

    /// <summary>The key columns nfdump prints for the aggregated fields (unaggregated fields print as 0 there and null here).</summary>
    private static string AggregateKey(IReadOnlyList<TopNProperty> props, object row)
    {
        var parts = new List<string>();
        foreach (var p in props)
        {
            parts.Add(row switch
            {
                FmtRow n => p.Field switch
                {
                    TopNField.SrcAddr => n.SrcAddr,
                    TopNField.DstAddr => n.DstAddr,
                    TopNField.SrcPort => n.SrcPort.ToString(CultureInfo.InvariantCulture),
                    TopNField.DstPort => n.DstPort.ToString(CultureInfo.InvariantCulture),
                    TopNField.Protocol => n.Protocol.ToString(CultureInfo.InvariantCulture),
                    TopNField.SrcAs => n.SrcAs.ToString(CultureInfo.InvariantCulture),
                    TopNField.DstAs => n.DstAs.ToString(CultureInfo.InvariantCulture),
                    TopNField.InputInterface => n.In.ToString(CultureInfo.InvariantCulture),
                    TopNField.OutputInterface => n.Out.ToString(CultureInfo.InvariantCulture),
                    TopNField.SrcTos => n.SrcTos.ToString(CultureInfo.InvariantCulture),
                    TopNField.SrcVlan => n.SrcVlan.ToString(CultureInfo.InvariantCulture),
                    TopNField.DstVlan => n.DstVlan.ToString(CultureInfo.InvariantCulture),
                    _ => throw new ArgumentException(p.Name),
                },
                TopNRow r => p.Field switch
                {
                    TopNField.SrcAddr => StripPrefix(r.SrcAddr ?? r.SrcNet),
                    TopNField.DstAddr => StripPrefix(r.DstAddr ?? r.DstNet),
                    TopNField.SrcPort => Num(r.SrcPort),
                    TopNField.DstPort => Num(r.DstPort),
                    TopNField.Protocol => Num(r.Protocol),
                    TopNField.SrcAs => Num(r.SrcAs),
                    TopNField.DstAs => Num(r.DstAs),
                    TopNField.InputInterface => Num(r.InputInterface),
                    TopNField.OutputInterface => Num(r.OutputInterface),
                    TopNField.SrcTos => Num(r.SrcTos),
                    TopNField.SrcVlan => Num(r.SrcVlan),
                    TopNField.DstVlan => Num(r.DstVlan),
                    _ => throw new ArgumentException(p.Name),
                } ?? "null",
                _ => throw new ArgumentException("row"),
            });
        }
        return string.Join(" ", parts);
    }

    private static string StripPrefix(string? address)
    {
        if (address is null) return "null";
        int slash = address.IndexOf('/', StringComparison.Ordinal);
        return IPAddress.Parse(slash < 0 ? address : address[..slash]).ToString();
    }
}
