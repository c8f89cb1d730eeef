using System.Text;
using FlowForensics.Flows;
using FlowForensics.Metering;
using Xunit;
using Xunit.Abstractions;

namespace FlowForensics.Tests.Differential;

/// <summary>
/// Our metering against Debian's real <c>nfpcapd -r FILE -w DIR -e active,inactive</c> (read back with nfdump) on
/// real captures. Per direction 5-tuple (IP version, protocol, addresses, ports) the packet and byte sums must be
/// equal, and the flow counts equal, once every documented difference (docs/metering.md, "Where we differ from
/// nfpcapd") has been accounted for by a check of its own:
/// <list type="number">
/// <item>TCP FIN/RST: run again with <see cref="FlowTableOptions.TcpFinRstEndsFlow"/> off (1.7.1's rule), flow counts
/// must be equal on every key; with it on, every extra flow must follow one of ours that carried FIN or RST.</item>
/// <item>IPv6 extension headers: 1.7.1 keys such packets by the first extension header (0, 43, 44, 60), port-less,
/// without reassembly. Its sums per address pair must equal the packets decoded from the capture; what those packets
/// add to our flows (computed from the capture, not from the meter) is taken out before the comparison.</item>
/// <item>Incomplete IPv4 fragment sets: 1.7.1 drops them, we meter what arrived; taken out of ours likewise.</item>
/// <item>Reassembled ICMP: 1.7.1 reports bytes of the ICMP header as the source port; we report 0. The count of such
/// flows is bounded by the complete fragmented ICMP datagrams in the capture.</item>
/// <item>IP-in-IP and GRE outer headers: 1.7.1 writes an extra record with 0 packets and 0 bytes; they must all be
/// tunnel protocols.</item>
/// </list>
/// </summary>
public sealed class MeteringDifferentialTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("ff-meter-diff-").FullName;
    private readonly ITestOutputHelper _output;

    public MeteringDifferentialTests(ITestOutputHelper output) => _output = output;

    public void Dispose()
    {
        try { Directory.Delete(_work, recursive: true); }
        catch (IOException) { }
    }

    /// <summary>The captures (under data/), chosen for variety and speed.</summary>
    public static TheoryData<string> Captures() => new()
    {
        "pcap/chrissanders/http_espn.pcapng",          // Ethernet, pcapng, HTTP with DNS
        "pcap/chrissanders/dns_tcp.pcapng",            // DNS over TCP (not one flow per packet)
        "pcap/chrissanders/icmp_traceroute.pcapng",    // ICMP: one flow per packet
        "pcap/chrissanders/ip_frag_source.pcapng",     // fragmented ICMP echo (1.7.1's source port)
        "pcap/chrissanders/ipv6_fragments.pcapng",     // IPv6 fragments (1.7.1 keys them as protocol 44)
        "pcap/chrissanders/tcp_teardown.pcapng",       // FIN handshake
        "pcap/ndpi/1kxun.pcap",                        // ~300 flows, FIN/RST then reuse of the 5-tuple
        "pcap/ndpi/http_ipv6.pcap",                    // IPv6 TCP
        "pcap/ndpi/6in4tunnel.pcap",                   // IPv6 in IPv4 (1.7.1's empty outer records)
        "pcap/ndpi/dns_fragmented.pcap",               // DNS per packet; IPv4 and IPv6 fragmented answers
        "pcap/ndpi/anyconnect-vpn.pcap",               // IPv6 hop-by-hop (MLD), DTLS, TLS
        "pcap/pcapplusplus/sll.pcap",                  // Linux cooked capture (SLL)
        "pcap/pcapplusplus/VlanPackets.pcap",          // 802.1Q
        "pcap/pcapplusplus/ip4_fragments.pcap",        // IPv4 fragments, some never complete
        "pcap/pcapplusplus/raw_ip.pcap",               // raw IP link type
        "pcap/pcapplusplus/four_ipv6_http_streams.pcap",
        "pcap/pcapplusplus/nanosecs_big_endian.pcap",  // nanosecond, big-endian pcap
        "pcap/zeek/ipv4-fragmented-4.pcap",            // IPv4 fragments, out of order
        "pcap/zeek/ipv4-fragmented-syn.pcap",          // fragmented SYN
        "pcap/zeek/ipv6-fragmented-dns.pcap",          // IPv6 fragmented DNS, one datagram incomplete
        "pcap/zeek/ipv6-http-atomic-frag.pcap",        // IPv6 atomic fragments, routing and destination options
        "pcap/zeek/icmp_dot1q.pcap",                   // ICMP in 802.1Q
        "pcap/zeek/communityid-icmp6.pcap",            // ICMPv6
        "pcap/zeek/q-in-q.pcap",                       // QinQ
        "pcap/zeek/pppoe-over-qinq.pcap",              // PPPoE inside QinQ
        "malicious/ndpi/dns-tunnel-iodine.pcap",       // 434 DNS packets
        "malicious/ndpi/synscan.pcap",                 // 2,000 half-open probes and RSTs
        "malicious/slips/test-cc-capture-1.pcap",      // C2 beaconing: ~600 TCP connections, each ended by FIN
    };

    [Theory]
    [MemberData(nameof(Captures))]
    public void SumsAndFlowCountsMatchNfpcapd(string capture) =>
        Compare(capture, TimeSpan.FromSeconds(300), TimeSpan.FromSeconds(60), exactTimeouts: true);

    /// <summary>
    /// Short timeouts, set on both sides: the sums stay equal and every flow boundary matches, except boundaries
    /// within one expiry sweep of a timeout (1.7.1 sweeps about every 12 s of whole-second packet time, we every
    /// 10 s): such a boundary may exist on one side only, and each one is checked: the side that has it cut no
    /// earlier than the timeout, the side without it had not yet swept (counting packet time, which only packets move).
    /// </summary>
    [Theory]
    [InlineData("pcap/ndpi/netflix.pcap", 60, 15)]                        // 123 flows at 300,60; 150 here
    [InlineData("malicious/chrissanders/ratinfected.pcapng", 20, 5)]    // 18 flows at 300,60; 28 here
    [InlineData("pcap/zeek/pppoe-over-qinq.pcap", 20, 5)]
    [InlineData("pcap/ndpi/1kxun.pcap", 30, 10)]
    public void SumsAndFlowCountsMatchNfpcapdWithShortTimeouts(string capture, int active, int inactive) =>
        Compare(capture, TimeSpan.FromSeconds(active), TimeSpan.FromSeconds(inactive), exactTimeouts: false);

    /// <summary>How much packet time may pass after a timeout falls due before a sweep surely runs: one 1.7.1 sweep (12 s) plus a second of whole-second rounding.</summary>
    private const long SweepSlackMs = 13_000;

    private void Compare(string capture, TimeSpan active, TimeSpan inactive, bool exactTimeouts)
    {
        string path = SharedData.Path("data", capture);
        var theirs = MeteringDifferential.RunNfpcapd(path, _work, active, inactive);
        var options = new FlowTableOptions { ActiveTimeout = active, InactiveTimeout = inactive };
        var ours = MeteringDifferential.RunOurs(path, options, out var meter);
        var oursLike171 = MeteringDifferential.RunOurs(path, options with { TcpFinRstEndsFlow = false }, out _);
        var facts = MeteringDifferential.ReadFacts(path);
        var problems = new StringBuilder();
        int timeoutOnlyBoundaries = 0;

        Assert.True(meter.DecodeCounts.Decoded > 0, $"{capture}: no packet decoded");
        Assert.NotEmpty(theirs);

        // Rule: 1.7.1's empty outer records for tunnels.
        var kept = new List<MeteredFlow>(theirs.Count);
        foreach (var f in theirs)
        {
            if (f.Packets != 0) { kept.Add(f); continue; }
            if (f.Key.Protocol is not (4 or 41 or 47) || f.Bytes != 0)
                problems.AppendLine($"nfpcapd record with 0 packets that is not a tunnel's outer header: {f}");
        }

        // Rule: 1.7.1's source port on reassembled ICMP.
        int icmpSourcePorts = 0;
        for (int i = 0; i < kept.Count; i++)
        {
            var k = kept[i].Key;
            if (k.Protocol is 1 or 58 && k.SrcPort != 0)
            {
                icmpSourcePorts++;
                kept[i] = kept[i] with { Key = k with { SrcPort = 0 } };
            }
        }
        if (icmpSourcePorts > facts.CompleteIcmpDatagrams)
            problems.AppendLine($"{icmpSourcePorts} ICMP flows with a source port, but only {facts.CompleteIcmpDatagrams} reassembled ICMP datagrams");

        // Rule: 1.7.1 keys IPv6 packets with extension headers by the first one, port-less, no reassembly.
        var extension = new Dictionary<(string, string), TupleSums>();
        var nf = new List<MeteredFlow>(kept.Count);
        foreach (var f in kept)
        {
            if (f.Key.IPVersion == 6 && f.Key.Protocol is 0 or 43 or 44 or 60)
            {
                extension.TryGetValue((f.Key.Src, f.Key.Dst), out var s);
                extension[(f.Key.Src, f.Key.Dst)] = new TupleSums(0, s.Packets + f.Packets, s.Bytes + f.Bytes);
            }
            else
            {
                nf.Add(f);
            }
        }
        foreach (var pair in extension.Keys.Union(facts.IPv6ExtensionHeaderPackets.Keys))
        {
            extension.TryGetValue(pair, out var a);
            facts.IPv6ExtensionHeaderPackets.TryGetValue(pair, out var b);
            if (a != b) problems.AppendLine($"IPv6 extension-header packets {pair}: nfpcapd {a}, decoded from the capture {b}");
        }

        // Take out of ours what those packets and the incomplete IPv4 datagrams added.
        var theirSums = MeteringDifferential.Sum(nf);
        var ourSums = MeteringDifferential.Sum(ours);
        var touched = new HashSet<TupleKey>();
        foreach (var (key, bytes) in facts.OursFromIPv6ExtensionHeaders.Concat(facts.IncompleteIPv4Datagrams))
        {
            touched.Add(key);
            ourSums.TryGetValue(key, out var s);
            ourSums[key] = new TupleSums(s.Flows, s.Packets - 1, s.Bytes - bytes);
        }

        // Packets and bytes per direction 5-tuple.
        int keysCompared = 0;
        foreach (var key in theirSums.Keys.Union(ourSums.Keys))
        {
            theirSums.TryGetValue(key, out var t);
            ourSums.TryGetValue(key, out var o);
            if (t.Packets == 0 && o.Packets == 0 && o.Bytes == 0) continue;
            keysCompared++;
            if (t.Packets != o.Packets || t.Bytes != o.Bytes)
                problems.AppendLine($"{key}: nfpcapd {t.Packets} packets {t.Bytes} bytes, ours {o.Packets} packets {o.Bytes} bytes");
        }

        // Flow counts, 1.7.1's TCP rule: equal on every key the other rules leave alone (with short timeouts:
        // every boundary matches, or lies within one sweep of a timeout on the side that has it).
        var like171 = MeteringDifferential.Sum(oursLike171);
        if (exactTimeouts)
        {
            foreach (var (key, t) in theirSums)
            {
                if (touched.Contains(key)) continue;
                like171.TryGetValue(key, out var o);
                if (o.Flows != t.Flows) problems.AppendLine($"{key}: nfpcapd {t.Flows} flows, ours with 1.7.1's TCP rule {o.Flows}");
            }
        }
        else
        {
            var ourBoundaries = Boundaries(oursLike171);
            var theirBoundaries = Boundaries(nf);
            foreach (var (side, mine, other) in new[] { ("ours", ourBoundaries, theirBoundaries), ("nfpcapd", theirBoundaries, ourBoundaries) })
            {
                foreach (var (key, list) in mine)
                {
                    if (touched.Contains(key)) continue;
                    other.TryGetValue(key, out var theirs2);
                    foreach (var b in list)
                    {
                        if (theirs2 is not null && theirs2.Exists(x => x.NextStartMs == b.NextStartMs)) continue;
                        long gap = b.NextStartMs - b.PrevEndMs, age = b.NextStartMs - b.PrevStartMs;
                        // Inactive: idle past the timeout (less a second of whole-second rounding), and the side
                        // without the boundary had not yet had a sweep by the time the next packet came.
                        long inactiveDue = b.PrevEndMs + (long)inactive.TotalMilliseconds;
                        bool nearInactive = b.NextStartMs > inactiveDue - 1000
                            && b.NextStartMs <= facts.FirstPacketAtOrAfter(inactiveDue + SweepSlackMs);
                        // Active: cut at a sweep once the flow was old enough, and that sweep came in time (a sweep
                        // runs only on a packet, so gaps in the capture delay it).
                        long activeDue = b.PrevStartMs + (long)active.TotalMilliseconds;
                        bool nearActive = b.NextStartMs > activeDue - 1000
                            && b.PrevEndMs <= facts.FirstPacketAtOrAfter(activeDue + SweepSlackMs);
                        if (nearInactive || nearActive) timeoutOnlyBoundaries++;
                        else problems.AppendLine($"{key}: a boundary only {side} have at {b.NextStartMs} ms (gap {gap} ms, age {age} ms) is not near a timeout");
                    }
                }
            }
        }

        // Flow counts, our TCP rule: each extra flow follows one of ours that carried FIN or RST.
        int splitByFinRst = 0;
        foreach (var group in ours.GroupBy(f => f.Key))
        {
            like171.TryGetValue(group.Key, out var o);
            int extra = group.Count() - o.Flows;
            if (extra == 0) continue;
            var byStart = group.OrderBy(f => f.StartMs).ToList();
            int explained = 0;
            for (int i = 1; i < byStart.Count; i++)
                if ((byStart[i - 1].Flags & (TcpFlags.Fin | TcpFlags.Rst)) != 0) explained++;
            if (group.Key.Protocol != 6 || extra < 0 || extra > explained)
                problems.AppendLine($"{group.Key}: {group.Count()} flows, {o.Flows} with 1.7.1's TCP rule, {explained} follow a FIN or RST");
            splitByFinRst += extra;
        }
        Assert.Equal(oursLike171.Count + splitByFinRst, ours.Count);

        Assert.True(problems.Length == 0,
            $"{capture}: {keysCompared} keys compared, {problems.ToString().Split('\n').Length - 1} unexplained differences:\n{problems}");
        Assert.True(keysCompared > 0, $"{capture}: nothing compared");
        _output.WriteLine($"{capture}: nfpcapd {theirs.Count} flows, ours {ours.Count} ({oursLike171.Count} with 1.7.1's TCP rule); "
            + $"{keysCompared} keys; rule 1 split {splitByFinRst}, rule 2 {facts.IPv6ExtensionHeaderPackets.Count} address pairs, "
            + $"rule 3 {facts.IncompleteIPv4Datagrams.Count} datagrams, rule 4 {icmpSourcePorts} flows, rule 5 {theirs.Count - kept.Count} records, "
            + $"rule 6 {timeoutOnlyBoundaries} boundaries");
    }

    [Fact]
    public void ReadsNfdumpFmtRows()
    {
        // Rows as nfdump 1.7.1 prints them with -q -N -6 and this test's format (padded columns).
        var icmp = MeteringDifferential.ParseFmt(
            "2014-09-03 03:02:18.201|2014-09-03 03:02:18.201|58   |  fe80::20c:29ff:fe1f:a755|  2001:db8:1:2::1003|     0| 135.0|       1|      72|........");
        Assert.Equal(new TupleKey(6, 58, "fe80::20c:29ff:fe1f:a755", "2001:db8:1:2::1003", 0, 135 * 256), icmp.Key);
        Assert.Equal((1L, 72L), (icmp.Packets, icmp.Bytes));
        var tcp = MeteringDifferential.ParseFmt(
            "2016-08-02 02:19:36.017|2016-08-02 02:20:03.029|6    |    192.168.5.41|  239.255.255.250| 55312|  1900|       6|     912|...AP.SF");
        Assert.Equal(new TupleKey(4, 6, "192.168.5.41", "239.255.255.250", 55312, 1900), tcp.Key);
        Assert.Equal(TcpFlags.Ack | TcpFlags.Psh | TcpFlags.Syn | TcpFlags.Fin, tcp.Flags);
        Assert.Equal(27_012, tcp.EndMs - tcp.StartMs);
        Assert.Equal(new DateTime(2016, 8, 2, 2, 19, 36, 17, DateTimeKind.Utc), DateTime.UnixEpoch.AddMilliseconds(tcp.StartMs));
    }

    private readonly record struct Boundary(long PrevStartMs, long PrevEndMs, long NextStartMs);

    /// <summary>Per key, where one flow ends and the next begins.</summary>
    private static Dictionary<TupleKey, List<Boundary>> Boundaries(List<MeteredFlow> flows)
    {
        var result = new Dictionary<TupleKey, List<Boundary>>();
        foreach (var group in flows.GroupBy(f => f.Key))
        {
            var byStart = group.OrderBy(f => f.StartMs).ToList();
            var list = new List<Boundary>();
            for (int i = 1; i < byStart.Count; i++)
                list.Add(new Boundary(byStart[i - 1].StartMs, byStart[i - 1].EndMs, byStart[i].StartMs));
            result[group.Key] = list;
        }
        return result;
    }
}
