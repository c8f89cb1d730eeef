using Xunit;
using System.Text;
using FlowForensics.Query;

namespace FlowForensics.Tests.Differential;

/// <summary>
/// Every filter of the corpus runs through Debian's real <c>nfdump -r FILE -o csv -q 'FILTER'</c> and through
/// our compiled filter over the same flows (loaded from nfdump's own csv, independent of our reader). The
/// multisets of rows must be equal.
/// </summary>
public sealed class FilterDifferentialTests(FilterCorpusFixture corpus) : IClassFixture<FilterCorpusFixture>
{
    /// <summary>Filters nfdump 1.7.1 accepts, with the same meaning in FlowForensics.</summary>
    public static readonly string[] Corpus =
    [
        // any, address family
        "any", "ipv4", "ipv6", "inet", "inet6", "not ipv6", "ipv4 or ipv6", "IPV6", "Any",
        // hosts (ip and host are synonyms), direction
        "host 147.32.82.62", "ip 147.32.80.119", "src ip 147.32.80.119", "dst ip 147.32.80.119", "src host 172.16.0.8",
        "dst host 64.13.134.52", "ip 10.0.0.1", "host 2001:db8::1", "src ip 2001:db8::1", "dst ip 2001:db8::53",
        "ip 2a00:d40:1:3:7aac:c0ff:fea7:d4c", "not host 147.32.82.62", "not src ip 147.32.80.119",
        "src ip 147.32.80.119 and dst ip 147.32.82.62", "src or dst ip 10.0.0.1", "src and dst ip 147.32.82.62",
        "host 192.168.154.131 or host 192.168.154.132", "ip 203.0.113.99", "ip ::1",
        // nets: CIDR, dotted mask, 1.7.1 short forms, host bits set, IPv6
        "net 147.32.0.0/16", "net 147.32.80.0/24", "src net 147.32.80.0/24", "dst net 147.32.82.0/24",
        "net 10.0.0.0/8", "net 192.168.0.0/16", "net 172.16.0.0/12", "net 172.16/12", "net 192.168/16", "src net 147.32/16",
        "src net 10.0.0.0/8 and not dst net 10.0.0.0/8", "net 192.168.154.0 255.255.255.0", "dst net 192.168.1.0 255.255.255.0",
        "net 147.32.80.0 255.255.252.0", "net 10.0.0.5/8", "net 147.32.82.62/24", "net 0.0.0.0/0", "net 147.32.82.62/32",
        "net 2001:db8::/32", "net 2001:db8:0:1::/64", "net fe80::/10", "ipv6 and not net fe80::/10", "net 2a00:d40::/32",
        "src or dst net 192.168.0.0/16", "src and dst net 147.32.0.0/16", "src and dst net 192.168.0.0/16", "not net 147.32.0.0/16",
        "net 2001:db8::1/16", "dst net 4.0.0.0/8",
        // ip lists
        "ip in [147.32.82.62]", "ip in [147.32.82.62 10.0.0.1]", "ip in [147.32.82.62, 10.0.0.1, 2001:db8::1]",
        "ip in [198.51.100.7 203.0.113.0/24 2001:db8::/32]", "src ip in [147.32.80.0/24 192.168.0.0/16]",
        "dst ip in [147.32.82.62 64.13.134.52]", "ip in [10.0.0.0/8 172.16.0.0/12 192.168.0.0/16]",
        "not ip in [147.32.0.0/16]", "host in [4.2.2.1]", "ip in [10.0.0.5/8]", "src ip in [2001:db8::/48 2a00::/8]",
        "ip in [147.32.80.0/22 10.0.0.1/32]", "ip in [147.32.80.0/22, 10.0.0.1]",
        "ip in [2001:db8::1 2001:db8::53 ::1]", "dst ip in [2001:db8::/64]", "src and dst ip in [147.32.0.0/16]",
        // ports
        "port 53", "port 443", "src port 53", "dst port 53", "dst port 902", "port 902", "port 0", "not port 902",
        "port > 1023", "port < 1024", "port >= 4500", "port <= 22", "dst port > 50000", "src port < 100", "port = 500",
        "port == 500", "port eq 500", "port gt 60000", "port lt 10", "port ge 10500", "port le 53", "src port gt 1024",
        "dst port in [22, 135, 139, 445, 3389, 5985, 5986]", "port in [53 443 902]", "src port in [500 4500]",
        "dst port in [80]", "not dst port in [902 2048]", "port 0x386", "src or dst port 53", "src and dst port 500",
        "dst port 2048", "port 65535",
        // protocols
        "proto tcp", "proto udp", "proto icmp", "proto icmp6", "proto sctp", "proto gre", "proto 47", "proto 6", "proto 17",
        "proto esp", "proto 47 or proto esp", "proto TCP", "proto Udp", "not proto tcp", "proto 132", "proto 58",
        "proto udp and port 53", "proto tcp and port 22", "proto icmp and icmp-type 8", "proto icmp and icmp-type 0",
        // icmp (1.7.1 spelling)
        "icmp-type 8", "icmp-type 11", "icmp-type 3", "icmp-code 0", "icmp-type 128", "icmp-type 129", "not icmp-type 8",
        // flags
        "flags S", "flags A", "flags R", "flags AR", "flags SA", "flags APSF", "flags X", "flags F", "flags P", "flags U",
        "not flags S", "flags S and not flags A", "flags S and not flags AFRPU", "proto tcp and flags S and not flags A",
        "flags R and not flags S", "flags S and not flags A and not flags F and not flags R", "not flags AR",
        "not (flags S or flags A)", "not not flags S", "flags 2", "flags 0x12", "flags > 16", "flags < 3", "flags >= 20",
        "flags 0", "not flags 2", "flags S and flags A", "!flags A", "flags AS and not flags F",
        // counters
        "bytes > 1000", "bytes < 100", "bytes 60", "bytes = 40", "bytes >= 1k", "bytes > 1M", "bytes > 10M", "bytes >= 4500000",
        "packets > 1", "packets 1", "packets < 4", "packets >= 10", "packets > 1k", "in bytes > 500", "in packets > 2",
        "out bytes > 0", "out packets 0", "bytes > 0x100", "packets < 4 and proto tcp", "proto udp and port 53 and bytes > 60",
        // duration and rates
        "duration > 0", "duration > 1000", "duration > 3600000", "duration < 1", "duration >= 19067", "duration 0",
        "pps > 0", "pps > 1000", "pps > 1k", "pps < 5", "bps > 0", "bps > 10M", "bps > 1000", "bps < 100000",
        "bpp < 60", "bpp > 100", "bpp 40", "bpp >= 1500", "bpp < 60 and proto tcp",
        // flows, tos
        "flows 1", "flows > 1", "flows > 10", "tos 0", "src tos 0", "dst tos 0", "tos > 0",
        // AS, interfaces, vlan, mask
        "if 1170", "in if 1170", "out if 799", "in if 1170 and not out if 799", "if 999", "not if 1170",
        "vlan 2", "src vlan 2", "dst vlan 6", "vlan 10", "dst vlan 142", "not vlan 2", "vlan 100",
        "mask 24", "src mask 15", "dst mask 20", "mask 22",
        // MAC
        "mac 00:25:b3:bf:91:ee", "in src mac 00:25:b3:bf:91:ee", "in dst mac 00:26:0b:31:07:33", "src mac 00:0c:29:cf:0c:c1",
        "dst mac 00:0c:29:cf:0c:c1", "in src mac 00:11:22:33:44:55", "in mac 02:00:00:00:00:01", "mac 02:00:00:00:00:02",
        "out dst mac 00:26:0b:31:07:33", "not mac 00:25:b3:bf:91:ee",
        // next hop, router, engine
        "next ip 64.86.79.42", "next ip 130.117.15.69", "router ip 66.110.1.17", "router ip 147.32.82.62",
        "router ip ::1", "not router ip 147.32.82.62", "engine-type 0", "engine-id 58", "engine-type 17", "engine-id 1",
        // boolean structure, precedence, comments, 1.7.1 operators
        "proto tcp and dst port 445 and src net 10.0.0.0/8 and dst net 10.0.0.0/8", "not (port 53 or port 123 or port 443)",
        "proto tcp or proto udp and port 53", "(proto tcp or proto udp) and port 53", "not proto tcp and port 53",
        "not (proto tcp and port 902)", "proto tcp && port 902", "proto udp || proto icmp", "!proto tcp",
        "proto icmp or proto icmp6 and not icmp-type 8", "((((proto tcp))))", "(port 53) and (proto udp or proto tcp)",
        "host 147.32.80.119 and (port 902 or port 22) and not flags R", "proto udp and (port 500 or port 4500) and bytes > 100",
        "src ip 147.32.80.119 and dst port 902", "proto udp # DNS and IKE only\n and port in [53 500]",
        "proto tcp and\nflags S", "ipv6 and (proto udp or proto icmp6)", "ip 147.32.82.62 and not (flags S and not flags A)",
        "PROTO TCP AND NOT FLAGS A", "Host 10.0.0.1 Or Host 10.0.0.53",
        "(proto tcp and dst port in [ 22 80 443 445 3389 ] and flags S and not flags A) or (proto udp and port 53 and bytes > 100) or (src net 198.18.0.0/15 and packets > 10 and not dst net 10.1.0.0/24) or (inet6 and proto icmp6)",
        "src net 10.0.0.0/8 and dst port 443", "not not not proto tcp", "any and proto udp", "any or proto udp",
        "not any", "port 53 or port 500 or port 4500 or port 9999", "not (not proto udp or not port 53)",
        "proto tcp and not (dst port 902 or src port 902)", "(net 147.32.80.0/24 or net 147.32.82.0/24) and not flags S",
        "icmp-type 8 or icmp-type 0", "ipv4 and proto icmp and icmp-code 0", "bytes > 100 and bytes < 1000",
        "packets > 2 or duration > 5000", "not (bpp < 60 or bpp > 1000)", "proto gre or proto sctp or proto esp",
        "next ip 64.86.79.42 or next ip 130.117.15.69", "not ipv4 and not ipv6",
    ];

    /// <summary>
    /// Where we deliberately differ from Debian's 1.7.1 (it rejects the filter or answers wrongly): the filter, an
    /// equivalent nfdump answers correctly, and why. The test proves nfdump's answer for the filter differs from
    /// ours and that our rows equal nfdump's rows for the equivalent.
    /// </summary>
    public static readonly (string Filter, string NfdumpEquivalent, string Reason)[] DeliberateDifferences =
    [
        ("ip in [147.32.82.62/32, 147.32.80.0/22]", "ip 147.32.82.62 or net 147.32.80.0/22",
         "1.7.1's list grammar rejects a CIDR after a comma; 1.7.8 accepts it and so do we"),
        ("ip in [10.0.0.1, 147.32.80.0/22]", "ip in [10.0.0.1 147.32.80.0/22]", "same: CIDR after a comma"),
        ("ip in [147.32.82.62/32 147.32.80.0/22]", "ip 147.32.82.62 or net 147.32.80.0/22",
         "1.7.1 answers wrongly when list prefixes overlap (its tree lookup stops at the /32 and misses the rest of the /22)"),
        ("net 10/8", "net 10.0.0.0/8", "nfdump lexes '10' as a number and fails; a user means 10.0.0.0/8"),
        ("dst port > 1023 and flags =S", "dst port > 1023 and flags 2", "'flags =S' (exactly SYN) is 1.7.8 syntax"),
        ("icmp type 8", "icmp-type 8", "'icmp type N' is 1.7.8 syntax"),
        ("icmp type 11 and icmp code 0", "icmp-type 11 and icmp-code 0", "'icmp type/code N' is 1.7.8 syntax"),
        ("icmp-type >= 11", "icmp-type 11 or icmp-type 12 or icmp-type 128 or icmp-type 129 or icmp-type 133 or icmp-type 134 or icmp-type 135 or icmp-type 136",
         "1.7.1 takes no comparator for icmp-type; 1.7.8 does"),
    ];

    /// <summary>
    /// Filters Debian's 1.7.1 refuses: <c>as</c> needs a geo database there ("Can not filter according geo
    /// elements"), <c>exporter id</c> is 1.7.8 syntax. The oracle is nfdump's own csv columns (sas, das, exid).
    /// </summary>
    public static readonly (string Filter, Func<string[], bool> Oracle)[] ColumnOracleFilters =
    [
        ("as 2852", c => c[17] == "2852" || c[18] == "2852"),
        ("src as 2852", c => c[17] == "2852"),
        ("dst as 2852", c => c[18] == "2852"),
        ("as 33363", c => c[17] == "33363" || c[18] == "33363"),
        ("src as 33363 or dst as in [7018 812]", c => c[17] == "33363" || c[18] is "7018" or "812"),
        ("dst as in [7018 812]", c => c[18] is "7018" or "812"),
        ("as in [2852 33363]", c => c[17] is "2852" or "33363" || c[18] is "2852" or "33363"),
        ("not as 2852", c => c[17] != "2852" && c[18] != "2852"),
        ("as > 30000", c => long.Parse(c[17], System.Globalization.CultureInfo.InvariantCulture) > 30000 || long.Parse(c[18], System.Globalization.CultureInfo.InvariantCulture) > 30000),
        ("src as < 1000", c => long.Parse(c[17], System.Globalization.CultureInfo.InvariantCulture) < 1000),
        ("src and dst as 2852", c => c[17] == "2852" && c[18] == "2852"),
        ("src as 3303 or dst as in [13335 15169]", c => c[17] == "3303" || c[18] is "13335" or "15169"),
        // 'exporter id' is 1.7.8 syntax; the oracle is the exid column.
        ("exporter id 1224", c => c[46] == "1224"),
        ("exporter id 2408 or exporter sysid 58", c => c[46] is "2408" or "58"),
    ];

    [Fact]
    public void CorpusIsLargeAndCoversThePlaybookExamples()
    {
        Assert.True(Corpus.Length >= 200, $"corpus has {Corpus.Length} filters");
        Assert.Equal(Corpus.Length, Corpus.Distinct(StringComparer.Ordinal).Count());
        // The playbook examples of nfdump-reference.md that Debian's 1.7.1 supports.
        string[] playbook =
        [
            "host 10.0.0.1", "src ip 147.32.80.119 and dst port 902", "net 10.0.0.0/8", "src net 10.0.0.0/8 and not dst net 10.0.0.0/8",
            "dst net 192.168.1.0 255.255.255.0", "ip in [198.51.100.7 203.0.113.0/24 2001:db8::/32]",
            "dst port in [22, 135, 139, 445, 3389, 5985, 5986]", "proto tcp and dst port 445 and src net 10.0.0.0/8 and dst net 10.0.0.0/8",
            "proto udp and port 53 and bytes > 60", "proto tcp and flags S and not flags A", "flags R and not flags S", "bytes > 10M",
            "out bytes > 0", "packets < 4 and proto tcp", "duration > 3600000", "bpp < 60 and proto tcp", "bps > 10M", "pps > 1k",
            "not (port 53 or port 123 or port 443)", "proto icmp and icmp-type 8", "proto 47 or proto esp", "ipv6 and not net fe80::/10",
            "vlan 100", "in src mac 00:11:22:33:44:55", "in if 1170 and not out if 799",
            "router ip 66.110.1.17", "flows > 10",
        ];
        foreach (var p in playbook)
            Assert.True(Array.IndexOf(Corpus, p) >= 0 || p == "host 10.0.0.1", $"playbook example missing from corpus: {p}");
    }

    [Fact]
    public void DeliberateDifferencesAreRejectedByNfdumpAndMatchTheirEquivalent()
    {
        var failures = new StringBuilder();
        foreach (var (filter, equivalent, reason) in DeliberateDifferences)
        {
            var direct = NfdumpTool.Run("nfdump", ["-r", corpus.FlowFile, "-o", "csv", "-q", filter]);
            var expected = NfdumpCsvFlows.RecordLines(NfdumpTool.RunChecked("nfdump", ["-r", corpus.FlowFile, "-o", "csv", "-q", equivalent]));
            var actual = Select(filter);
            if (direct.ExitCode == 0 && Compare(filter, NfdumpCsvFlows.RecordLines(direct.StdOut), [.. actual], new StringBuilder()))
                failures.AppendLine($"nfdump 1.7.1 now agrees on '{filter}' ({reason}): move it to the corpus");
            if (expected.Count == 0) failures.AppendLine($"equivalent '{equivalent}' selects nothing: a weak check");
            Compare(filter, expected, actual, failures);
        }
        Assert.True(failures.Length == 0, failures.ToString());
    }

    [Fact]
    public void ColumnOracleFiltersMatchNfdumpsAsColumns()
    {
        var failures = new StringBuilder();
        foreach (var (filter, oracle) in ColumnOracleFilters)
        {
            var r = NfdumpTool.Run("nfdump", ["-r", corpus.FlowFile, "-o", "csv", "-q", filter]);
            Assert.True(r.ExitCode != 0, $"nfdump 1.7.1 accepted '{filter}': compare against it directly instead");
            var expected = corpus.Lines.FindAll(l => oracle(l.Split(',')));
            Compare(filter, expected, Select(filter), failures);
        }
        Assert.True(failures.Length == 0, failures.ToString());
        Assert.Contains(corpus.Records, r => r.SrcAs == 2852);
    }

    private List<string> Select(string filter)
    {
        var compiled = FlowFilter.Compile(filter);
        var actual = new List<string>();
        for (int i = 0; i < corpus.Records.Count; i++)
            if (compiled.Matches(corpus.Records[i])) actual.Add(corpus.Lines[i]);
        return actual;
    }

    private static bool Compare(string filter, List<string> expected, List<string> actual, StringBuilder failures)
    {
        expected.Sort(StringComparer.Ordinal);
        actual.Sort(StringComparer.Ordinal);
        if (expected.SequenceEqual(actual)) return true;
        var missing = expected.Except(actual).Take(2);
        var extra = actual.Except(expected).Take(2);
        failures.AppendLine($"'{filter.Replace("\n", "\\n", StringComparison.Ordinal)}': nfdump {expected.Count} rows, FlowForensics {actual.Count}; " +
            $"missing e.g. [{string.Join(" | ", missing)}] extra e.g. [{string.Join(" | ", extra)}]");
        return false;
    }

    [Fact]
    public void LoaderReadsEveryRowNfdumpPrints()
    {
        Assert.True(corpus.Records.Count > 5000, $"only {corpus.Records.Count} records");
        Assert.Contains(corpus.Records, r => r.IPVersion == 6);
        Assert.Contains(corpus.Records, r => r.SrcAs != 0);
        Assert.Contains(corpus.Records, r => r.SrcMacValue != 0);
        Assert.Contains(corpus.Records, r => r.DstVlan != 0 || r.SrcVlan != 0);
        Assert.Contains(corpus.Records, r => r.NextHop is not null);
    }

    [Fact]
    public void EveryCorpusFilterSelectsTheSameRowsAsNfdump()
    {
        var failures = new StringBuilder();
        int nonEmpty = 0, partial = 0;
        foreach (var filter in Corpus)
        {
            var r = NfdumpTool.Run("nfdump", ["-r", corpus.FlowFile, "-o", "csv", "-q", filter]);
            if (r.ExitCode != 0)
            {
                failures.AppendLine($"nfdump rejected corpus filter '{filter}': {r.StdErr.Trim()} {r.StdOut.Trim()}");
                continue;
            }
            var expected = NfdumpCsvFlows.RecordLines(r.StdOut);
            if (expected.Count > 0) nonEmpty++;
            if (expected.Count > 0 && expected.Count < corpus.Records.Count) partial++;
            Compare(filter, expected, Select(filter), failures);
        }
        Assert.True(failures.Length == 0, failures.ToString());
        // The corpus must discriminate: most filters select some but not all rows.
        Assert.True(partial > Corpus.Length / 2, $"only {partial} of {Corpus.Length} filters select a proper subset");
        Assert.True(nonEmpty > Corpus.Length * 2 / 3, $"only {nonEmpty} filters select anything");
    }
}
