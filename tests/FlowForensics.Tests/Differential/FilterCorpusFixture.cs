namespace FlowForensics.Tests.Differential;

/// <summary>
/// Builds one nfcapd file for the filter differential: captures metered by Debian's real <c>nfpcapd</c>
/// (fat records: MACs, VLANs), plus shared nfcapd files that carry AS numbers, interfaces, next hops and
/// exporters, merged with <c>nfdump -w</c>. Then reads it back with <c>nfdump -o csv</c> into records.
/// </summary>
public sealed class FilterCorpusFixture : IDisposable
{
    private static readonly string[] Captures =
    [
        "data/pcap/ndpi/http_ipv6.pcap",
        "data/pcap/ndpi/sctp.cap",
        "data/pcap/ndpi/gre.pcapng",
        "data/pcap/ndpi/ipsec_isakmp_esp.pcap",
        "data/pcap/suricata-verify/eve-flow-vlan.pcap",
        "data/pcap/chrissanders/icmp_traceroute.pcapng",
        "data/malicious/ndpi/synscan.pcap",
        "data/malicious/ndpi/dns-exf.pcap",
        "data/malicious/ndpi/icmp-tunnel.pcap",
        "data/malicious/slips/malicious-ssh-bruteforce.pcap",
        "data/pcap/tcpdump/802.1ad_QinQ.pcap",
    ];

    private static readonly string[] FlowFiles =
    [
        "data/nfcapd/chrispassas/nfcapd-small-lzo",
        "data/nfcapd/slips/test1-malicious.nfdump",
        "formats/samples/nfcapd-softflowd-v9-none.nfcapd",
        "formats/samples/nfpcapd-ipv4v6-none.nfcapd",
        "formats/samples/extra/nfcapd-softflowd-ipfix-bz2.nfcapd",
        "formats/samples/extra/nfcapd-softflowd-v5-lzo.nfcapd",
        "formats/samples/extra/nfcapd-softflowd-v9-ipv6exporter-none.nfcapd",
        "formats/samples/extra/nfpcapd-fat-none.nfcapd",
    ];

    public FilterCorpusFixture()
    {
        WorkDir = Directory.CreateTempSubdirectory("ff-filter-corpus-").FullName;
        string all = Path.Combine(WorkDir, "all");
        Directory.CreateDirectory(all);
        int n = 0;
        foreach (var capture in Captures)
        {
            string dir = Path.Combine(WorkDir, "cap" + n++);
            Directory.CreateDirectory(dir);
            NfdumpTool.RunChecked("nfpcapd", ["-r", SharedData.Path(capture.Split('/')), "-w", dir, "-o", "fat"]);
            var produced = Directory.GetFiles(dir, "nfcapd.*");
            if (produced.Length == 0) throw new InvalidOperationException($"nfpcapd wrote no flow file for {capture}.");
            foreach (var f in produced) File.Copy(f, Path.Combine(all, $"f{n:D3}-{Path.GetFileName(f)}"));
        }
        foreach (var file in FlowFiles)
            File.Copy(SharedData.Path(file.Split('/')), Path.Combine(all, $"g{n++:D3}"));

        FlowFile = Path.Combine(WorkDir, "merged.nfcapd");
        NfdumpTool.RunChecked("nfdump", ["-R", all, "-w", FlowFile]);
        var stdout = NfdumpTool.RunChecked("nfdump", ["-r", FlowFile, "-o", "csv", "-q"]);
        Lines = NfdumpCsvFlows.RecordLines(stdout);
        Records = Lines.ConvertAll(NfdumpCsvFlows.Parse);
    }

    public string WorkDir { get; }

    /// <summary>The merged nfcapd file both sides read.</summary>
    public string FlowFile { get; }

    /// <summary>nfdump's csv row of each record, in file order.</summary>
    public List<string> Lines { get; }

    public List<Flows.FlowRecord> Records { get; }

    public void Dispose()
    {
        try { Directory.Delete(WorkDir, recursive: true); }
        catch (IOException) { }
    }
}
