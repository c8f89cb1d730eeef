using System.Net;
using FlowForensics.Analysis.Beacons;
using FlowForensics.Analysis.Exfiltration;
using FlowForensics.Analysis.Hunting;
using FlowForensics.Analysis.LateralMovement;
using FlowForensics.Analysis.Scan;
using FlowForensics.Flows;
using FlowForensics.Synthesis;
using Xunit;
using Xunit.Abstractions;

namespace FlowForensics.Tests.Analysis.Hunting;

/// <summary>
/// The hunts on exported flows as a NAT'ed branch router sends them (issue 21): the generator's demo and ScanAndLateral
/// scenarios, metered, then turned into what such an exporter records. Every flow keeps only its first packet's TCP
/// flags (a client's S, a server's S+A), and the replies to the inside hosts are addressed to the router's NAT address,
/// so no reply direction of an inside host's outbound traffic is in the data. At the default minimum score: no scan and
/// no DNS tunnel from ordinary traffic; the labelled scan, brute force, lateral movement, beacon and exfiltration are found.
/// </summary>
public sealed class NatExportScenarioTests(ITestOutputHelper output)
{
    private static readonly IPAddress NatAddress = IPAddress.Parse("192.0.2.1");

    private static readonly Lazy<(List<FlowRecord> Flows, ScenarioTruth Truth)> Demo = new(() => NatExport(HuntKit.Generate(ScenarioPresets.Demo())));

    private static readonly Lazy<(List<FlowRecord> Flows, ScenarioTruth Truth)> Lateral =
        new(() => NatExport(HuntKit.Generate(ScenarioPresets.ScanAndLateral(packets: 150_000))));

    /// <summary>What a NAT'ed branch's NetFlow export makes of metered flows.</summary>
    private static (List<FlowRecord>, ScenarioTruth) NatExport((List<FlowRecord> Flows, ScenarioTruth Truth) metered)
    {
        var inside = AddressSet.Private;
        foreach (var f in metered.Flows)
        {
            var flags = f.TcpFlags;
            if (f.Protocol == IpProtocolNames.Tcp)
            {
                // The first packet's flags only: a SYN opens a client's flow, a SYN-ACK a server's; else a mid-stream ACK.
                f.TcpFlags = (flags & TcpFlags.Syn) == 0 ? flags & (TcpFlags.Ack | TcpFlags.Rst)
                    : (flags & TcpFlags.Ack) != 0 && f.SrcPort < f.DstPort ? TcpFlags.Syn | TcpFlags.Ack : TcpFlags.Syn;
            }
            if (!inside.Contains(f.SrcAddress) && inside.Contains(f.DstAddress)) f.DstAddr = NatAddress;
        }
        return metered;
    }

    private static IReadOnlyList<T> Run<T>(IHunt<T> hunt, IEnumerable<FlowRecord> flows) where T : IHuntFinding
    {
        foreach (var f in flows) hunt.Add(f);
        return hunt.GetFindings();
    }

    [Fact]
    public void No_scan_and_no_dns_tunnel_come_from_ordinary_traffic_and_the_labelled_scan_is_found()
    {
        var (flows, _) = Demo.Value;
        var scans = Run(new ScanDetector(), flows);
        foreach (var s in scans) output.WriteLine($"{s.Score} {s.Reason}");
        var scan = Assert.Single(scans);
        Assert.Equal(ScenarioPresets.Scanner.ToString(), scan.Host);
        Assert.True(scan.Score >= HuntOptions.DefaultMinimumScore);
        var exfiltration = Run(new ExfiltrationDetector(), flows);
        foreach (var e in exfiltration) output.WriteLine($"{e.Score} {e.Kind} {e.Reason}");
        // The branch's hosts ask the inside resolver, whose answers stay inside: the labelled tunnel is still found, no other.
        Assert.Equal([ScenarioPresets.TunnelSource.ToString()], exfiltration.Where(static e => e.Kind == "DnsTunnel").Select(static e => e.Host));
    }

    [Fact]
    public void The_labelled_beacon_exfiltration_and_lateral_movement_are_found_with_the_times_of_their_evidence()
    {
        var (flows, _) = Demo.Value;
        var beacon = Assert.Single(Run(new BeaconDetector(), flows), b => b.Host == ScenarioPresets.BeaconSource.ToString());
        Assert.Equal(ScenarioPresets.BeaconServer.ToString(), beacon.DstAddr);

        var upload = Assert.Single(Run(new ExfiltrationDetector(), flows), e => e.Host == ScenarioPresets.ExfiltrationSource.ToString());
        output.WriteLine(upload.Reason);
        var evidence = flows.Where(f => f.SrcAddress.Equals(FlowAddress.FromIPAddress(ScenarioPresets.ExfiltrationSource)) && f.DstPort == 4444).ToList();
        Assert.Equal(evidence.Min(static f => f.Start), upload.FirstSeen);
        Assert.Equal(evidence.Max(static f => f.End), upload.LastSeen);
        Assert.True(upload.LastSeen - upload.FirstSeen > TimeSpan.FromMinutes(3), $"{upload.FirstSeen:O} .. {upload.LastSeen:O}");

        var lateral = Run(new LateralMovementDetector(new LateralMovementOptions { InternalNetwork = AddressSet.Private }), flows);
        foreach (var l in lateral) output.WriteLine($"{l.Score} {l.Kind} {l.Reason}");
        Assert.Contains(lateral, l => l.Kind == "Chain" && l.Chain.Contains(ScenarioPresets.ChainStart.ToString(), StringComparison.Ordinal));
    }

    [Fact]
    public void Labelled_brute_force_and_lateral_movement_are_found_without_reply_directions()
    {
        var (flows, truth) = Lateral.Value;
        var learnUntil = truth.StartUtc + (truth.EndUtc - truth.StartUtc) * ScenarioPresets.ScanAndLateralLearnFraction;
        var findings = Run(new LateralMovementDetector(new LateralMovementOptions { LearnUntil = learnUntil }), flows);
        foreach (var f in findings) output.WriteLine($"{f.Score} {f.Kind} {f.Reason}");
        var brute = truth.Behaviours.Single(static b => b.Label == "ssh-brute-force");
        Assert.Contains(findings, f => f.Kind == "BruteForce" && f.Host == brute.Source!.ToString());
        foreach (var chain in truth.Behaviours.Where(static b => b.Label.StartsWith("lateral-chain", StringComparison.Ordinal)))
            Assert.Contains(findings, f => f.Kind == "Chain" && f.Chain == string.Join(" -> ", chain.Sources.Select(static a => a.ToString())));
        Assert.All(findings, f => Assert.True(f.Score >= HuntOptions.DefaultMinimumScore));

        // The scans still stand out, each from a planted scanner; nothing else is called a scan.
        var scanners = truth.Behaviours.Where(static b => b.Kind is BehaviourKind.PortScan or BehaviourKind.PingSweep).Select(static b => b.Source!.ToString()).ToHashSet();
        var scans = Run(new ScanDetector(), flows);
        foreach (var s in scans) output.WriteLine($"{s.Score} {s.Reason}");
        Assert.NotEmpty(scans);
        Assert.All(scans, s => Assert.Contains(s.Host, scanners));
    }

    [Fact]
    public void A_busy_dns_client_whose_answers_are_missing_from_the_data_is_no_tunnel()
    {
        // The MikroTik case: one host sends DNS to an outside resolver at a sustained rate, and the answers go to the
        // NAT address. With the answers in the data, the same queries are a (volume and rate) DNS tunnel finding.
        var t0 = new DateTime(2026, 1, 15, 9, 0, 0, DateTimeKind.Utc);
        FlowRecord Udp(string src, ushort sport, string dst, ushort dport, DateTime at, long bytes) => new()
        {
            SrcAddr = IPAddress.Parse(src), DstAddr = IPAddress.Parse(dst), Protocol = IpProtocolNames.Udp, SrcPort = sport, DstPort = dport,
            Start = at, End = at.AddMilliseconds(20), Packets = 1, Bytes = bytes,
        };
        var queries = new List<FlowRecord>();
        var answers = new List<FlowRecord>();
        for (int i = 0; i < 600; i++)
        {
            var at = t0.AddSeconds(i);
            queries.Add(Udp("10.0.0.10", (ushort)(40000 + i), "8.8.8.8", 53, at, 80));
            answers.Add(Udp("8.8.8.8", 53, "10.0.0.10", (ushort)(40000 + i), at.AddMilliseconds(15), 120));
        }
        for (int peer = 11; peer <= 13; peer++)
            for (int i = 0; i < 10; i++) queries.Add(Udp($"10.0.0.{peer}", (ushort)(50000 + i), "8.8.8.8", 53, t0.AddSeconds(60 * i), 80));
        var nat = Run(new ExfiltrationDetector(), queries);
        Assert.DoesNotContain(nat, static e => e.Kind == "DnsTunnel");
        var seen = Run(new ExfiltrationDetector(), queries.Concat(answers).OrderBy(static f => f.Start));
        var tunnel = Assert.Single(seen, static e => e.Kind == "DnsTunnel");
        output.WriteLine(tunnel.Reason);
        Assert.Equal("10.0.0.10", tunnel.Host);
    }
}
