using System.Net;
using FlowForensics.Analysis.LateralMovement;
using FlowForensics.Analysis.Scan;
using FlowForensics.Flows;
using FlowForensics.Synthesis;
using FlowForensics.Wire;
using Xunit;
using Xunit.Abstractions;

namespace FlowForensics.Tests.Analysis.Hunting;

/// <summary>
/// Find-FlowScan's and Find-FlowLateralMovement's engines against ground truth: the generator's ScanAndLateral preset
/// (recall and precision, thresholds recorded here and in docs/detections.md), the shipped demo, the labelled
/// attack captures, and the ordinary captures (few findings).
/// </summary>
public sealed class ScanLateralGroundTruthTests(ITestOutputHelper output)
{
    private static readonly Lazy<(List<FlowRecord> Flows, ScenarioTruth Truth)> Planted = new(() => HuntKit.Generate(ScenarioPresets.ScanAndLateral()));

    private static DateTime LearnUntil(ScenarioTruth truth) =>
        truth.StartUtc + (truth.EndUtc - truth.StartUtc) * ScenarioPresets.ScanAndLateralLearnFraction;

    private static string ExpectedShape(string label) =>
        label.Contains("vertical", StringComparison.Ordinal) ? "Vertical"
        : label.Contains("horizontal", StringComparison.Ordinal) ? "Horizontal"
        : label.Contains("block", StringComparison.Ordinal) ? "Block" : "Sweep";

    [Fact]
    public void EveryPlantedScanIsFoundWithItsShapeAndProbe()
    {
        var (flows, truth) = Planted.Value;
        var detector = new ScanDetector();
        foreach (var f in flows) detector.Add(f);
        var findings = detector.GetFindings();
        var planted = truth.Behaviours.Where(static b => b.Kind is BehaviourKind.PortScan or BehaviourKind.PingSweep).ToList();
        int found = 0;
        var matched = new HashSet<ScanFinding>();
        foreach (var b in planted)
        {
            string shape = ExpectedShape(b.Label);
            var hit = findings.FirstOrDefault(f => f.Host == b.Source!.ToString() && f.Kind == shape);
            output.WriteLine($"{b.Label}: {(hit is null ? "MISSED" : $"{hit.Kind} {hit.Probe} targets {hit.Targets} ports {hit.Ports} score {hit.Score}")}");
            if (hit is null) continue;
            found++;
            matched.Add(hit);
            string probe = b.Kind == BehaviourKind.PingSweep ? "ICMP echo" : b.Detail switch
            {
                "Syn" => "SYN", "Connect" => "Connect", "Fin" => "FIN", "Null" => "NULL", "Xmas" => "Xmas", _ => "UDP",
            };
            Assert.Contains(probe, hit.Probe, StringComparison.Ordinal);
            Assert.Equal("T1046", hit.Technique[..5]);
            Assert.InRange(hit.FirstSeen, b.FirstPacket.AddMinutes(-60), b.FirstPacket.AddSeconds(1));
            if (shape == "Vertical") Assert.InRange(hit.Ports, b.Ports.Count * 0.97, b.Ports.Count * 1.03 + 1);
            if (shape is "Horizontal" && b.Ports.Count == 1) Assert.InRange(hit.Targets, b.Destinations.Count * 0.97, b.Destinations.Count * 1.03 + 1);
        }
        // A finding is a true positive when its scanner is a planted scanner (one scanner may show two shapes).
        var scanners = planted.Select(static b => b.Source!.ToString()).ToHashSet();
        int correct = findings.Count(f => scanners.Contains(f.Host));
        double recall = (double)found / planted.Count, precision = (double)correct / findings.Count;
        output.WriteLine($"scans: recall {recall:P1} ({found}/{planted.Count}), precision {precision:P1} ({correct}/{findings.Count})");
        foreach (var f in findings.Where(f => !scanners.Contains(f.Host))) output.WriteLine("false positive: " + f.Reason);
        Assert.Equal(1.0, recall);
        Assert.True(precision >= 0.9, $"precision {precision:P1}");
        // The slow scan stays under the fixed threshold: only the sequential test finds it.
        var slow = findings.Single(f => f.Host == planted.Single(static b => b.Label == "scan-slow-horizontal").Source!.ToString());
        Assert.True(slow.Targets < 25 && slow.SequentialTest, slow.Reason);
    }

    [Fact]
    public void PlantedLateralMovementIsFoundAgainstTheLearningPeriod()
    {
        var (flows, truth) = Planted.Value;
        var detector = new LateralMovementDetector(new LateralMovementOptions { LearnUntil = LearnUntil(truth), MinimumScore = 0 });   // the admin's sessions score 0.2
        foreach (var f in flows) detector.Add(f);
        var findings = detector.GetFindings();
        foreach (var f in findings) output.WriteLine($"{f.Kind} {f.Score} {f.Reason}");
        var planted = truth.Behaviours.Where(static b => b.Kind == BehaviourKind.LateralMovement).ToList();
        var alarms = findings.Where(static f => f.Score >= 0.5).ToList();
        int found = 0;
        foreach (var b in planted)
        {
            string source = b.Source!.ToString();
            LateralMovementFinding? hit = b.Label switch
            {
                "lateral-chain" or "lateral-chain-short" => alarms.FirstOrDefault(f => f.Kind == "Chain" &&
                    f.Chain == string.Join(" -> ", b.Sources.Select(static a => a.ToString()))),
                "lateral-fan-out" => alarms.FirstOrDefault(f => f.Kind == "FanOut" && f.Host == source && f.Destinations == b.Destinations.Count),
                _ => alarms.FirstOrDefault(f => f.Kind == "BruteForce" && f.Host == source && f.Flows >= b.Sessions),
            };
            output.WriteLine($"{b.Label}: {(hit is null ? "MISSED" : hit.Reason)}");
            if (hit is not null) found++;
        }
        var actors = planted.SelectMany(static b => b.Sources.Take(b.Sources.Count - 1)).Select(static a => a.ToString()).ToHashSet();
        int correct = alarms.Count(f => actors.Contains(f.Host));
        double recall = (double)found / planted.Count, precision = (double)correct / alarms.Count;
        output.WriteLine($"lateral: recall {recall:P1} ({found}/{planted.Count}), precision {precision:P1} ({correct}/{alarms.Count} with score >= 0.5)");
        Assert.Equal(1.0, recall);
        Assert.Equal(1.0, precision);
        var chain = alarms.First(static f => f.Kind == "Chain" && f.Hops == 3);
        Assert.Equal("T1021.002, T1021.001, T1021.006", chain.Technique);
        // The IT admin workstation's new sessions are listed, below the alarm score, as an administrator's.
        Assert.Contains(findings, f => f.Host == ScenarioNetwork.AdminWorkstation.ToString() && f.Score < 0.5);
    }

    [Fact]
    public void AKnownGraphPluggedInThroughIKnownEdgesHidesWhatItContains()
    {
        var (flows, truth) = Planted.Value;
        var chain = truth.Behaviours.Single(static b => b.Label == "lateral-chain-short");
        var known = new EdgeList([(chain.Sources[0], chain.Sources[1], chain.Ports[0])]);
        var detector = new LateralMovementDetector(new LateralMovementOptions { LearnUntil = LearnUntil(truth), KnownEdges = known });
        foreach (var f in flows) detector.Add(f);
        var findings = detector.GetFindings();
        Assert.DoesNotContain(findings, f => f.Chain.StartsWith(chain.Sources[0].ToString() + " ", StringComparison.Ordinal));
        // The second hop alone is left: a new edge, no longer a chain.
        Assert.Contains(findings, f => f.Kind == "NewEdge" && f.Host == chain.Sources[1].ToString() && f.DstAddr == chain.Sources[2].ToString());
        Assert.True(known.Queries > 0);
    }

    [Fact]
    public void TheDemoShowsItsScanAndItsChain()
    {
        var flows = HuntKit.Meter(HuntKit.Sample("demo.pcap"));
        var scan = new ScanDetector();
        foreach (var f in flows) scan.Add(f);
        var finding = Assert.Single(scan.GetFindings());
        Assert.Equal(("10.20.0.31", "Vertical", "SYN", 1024L, "1-1024", 1L, "10.20.0.22"),
            (finding.Host, finding.Kind, finding.Probe, finding.Ports, finding.PortRange, finding.Targets, finding.TargetSample));

        // The admin workstation (10.20.0.7) is the demo's ordinary administration: allowlisted, the chain stands alone.
        var lateral = new LateralMovementDetector();
        var allow = FlowForensics.Analysis.Hunting.FlowExclusion.Parse(["10.20.0.7"]);
        foreach (var f in flows) if (!allow.Excludes(f)) lateral.Add(f);
        var findings = lateral.GetFindings();
        var chain = findings[0];
        Assert.Equal(("Chain", "10.20.1.21 -> 10.20.0.22 -> 10.20.0.6", "445, 5985", "T1021.002, T1021.006"),
            (chain.Kind, chain.Chain, chain.Ports, chain.Technique));
        Assert.Single(findings, static f => f.Score >= 0.5);
    }

    [Theory]
    [InlineData("ndpi/synscan.pcap", "172.16.0.8", "Vertical", "SYN", 1000)]
    [InlineData("ndpi/tcp_scan.pcapng", "192.168.1.178", "Vertical", "SYN,Connect,FIN,NULL,Xmas", 7)]
    [InlineData("slips/test12-icmp-portscan.pcap", "192.168.1.109", "Sweep", "ICMP echo", 0)]
    public void LabelledScansAreFound(string capture, string scanner, string type, string probe, long ports)
    {
        var detector = new ScanDetector();
        foreach (var f in HuntKit.Meter(HuntKit.Malicious(capture))) detector.Add(f);
        var finding = Assert.Single(detector.GetFindings());
        output.WriteLine(finding.Reason);
        Assert.Equal((scanner, type, probe, ports), (finding.Host, finding.Kind, finding.Probe, finding.Ports));
    }

    [Theory]
    [InlineData("pcap-attack/LM_WMI_ProcessCallCreate.pcapng", "172.16.66.1", "172.16.66.36", "135, 445", "RemoteExecution", 0.6, "T1021.003, T1047, T1021.002, T1569.002")]
    [InlineData("pcap-attack/LM_smbexec_smb_dcerpc_svcctl_epm.pcapng", "172.16.66.1", "172.16.66.36", "135, 445", "RemoteExecution", 0.6, "T1021.003, T1047, T1021.002, T1569.002")]
    [InlineData("pcap-attack/LM_rdp_sharprdp.pcapng", "192.168.56.1", "192.168.56.101", "3389", "NewEdge", 0.4, "T1021.001")]
    [InlineData("pcap-attack/Discovery_impacket_rpcdump.pcapng", "10.0.2.15", "10.0.2.16", "135", "NewEdge", 0.4, "T1021.003, T1047")]
    public void LabelledLateralMovementIsFound(string capture, string source, string destination, string ports, string kind, double score, string technique)
    {
        // PsExec-like remote execution (RPC and SMB to one host) is an alarm at the default minimum score (0.5); a single
        // RDP session or an RPC query, without a baseline, is a new edge below it (RDP sessions like this one are ordinary
        // in ../shared/data/pcap).
        var detector = new LateralMovementDetector(new LateralMovementOptions { MinimumScore = 0 });
        foreach (var f in HuntKit.Meter(HuntKit.Malicious(capture))) detector.Add(f);
        var findings = detector.GetFindings();
        var finding = findings.First(f => f.Host == source);
        output.WriteLine(finding.Reason);
        Assert.Equal((kind, destination, ports, technique, score), (finding.Kind, finding.DstAddr, finding.Ports, finding.Technique, finding.Score));
    }

    [Fact]
    public void TheLabelledSshBruteForceIsFound()
    {
        // nmap ssh-brute from 147.32.80.40 against SSH on 147.32.80.37:902 (a university network, not RFC 1918).
        var detector = new LateralMovementDetector(new LateralMovementOptions
        {
            InternalNetwork = FlowForensics.Analysis.Hunting.AddressSet.Parse(["147.32.0.0/16"]),
            Ports = [22, 902],
        });
        foreach (var f in HuntKit.Meter(HuntKit.Malicious("slips/malicious-ssh-bruteforce.pcap"))) detector.Add(f);
        var finding = Assert.Single(detector.GetFindings());
        output.WriteLine(finding.Reason);
        Assert.Equal(("BruteForce", "147.32.80.40", "147.32.80.37", "902"), (finding.Kind, finding.Host, finding.DstAddr, finding.Ports));
        Assert.True(finding.Flows >= 20);
    }

    /// <summary>The ordinary captures (217 files: nDPI, Zeek, tcpdump, Suricata, PcapPlusPlus, Akvorado, chrissanders test traffic) give few findings.</summary>
    [Fact]
    public void OrdinaryCapturesGiveFewFindings()
    {
        int files = 0, scans = 0, lateral = 0, newEdges = 0;
        foreach (string path in SharedData.Files("data/pcap", "*", SearchOption.AllDirectories))
        {
            if (!path.EndsWith(".pcap", StringComparison.Ordinal) && !path.EndsWith(".pcapng", StringComparison.Ordinal) && !path.EndsWith(".cap", StringComparison.Ordinal))
                continue;
            var scan = new ScanDetector();
            var lat = new LateralMovementDetector();
            try
            {
                foreach (var f in HuntKit.Meter(path))
                {
                    scan.Add(f);
                    lat.Add(f);
                }
            }
            catch (FlowDataException)
            {
                // A deliberately broken capture (tcpdump's fuzz cases): the flows before the damage were analysed.
            }
            files++;
            foreach (var f in scan.GetFindings())
            {
                scans++;
                output.WriteLine($"{Path.GetFileName(path)}: scan {f.Reason}");
            }
            foreach (var f in lat.GetFindings())
            {
                if (f.Score >= 0.5) lateral++;
                else newEdges++;
                output.WriteLine($"{Path.GetFileName(path)}: lateral {f.Score} {f.Reason}");
            }
        }
        output.WriteLine($"{files} captures: {scans} scan findings, {lateral} lateral-movement findings with score >= 0.5, {newEdges} below it");
        Assert.True(files > 150, $"{files} captures");
        Assert.InRange(scans, 0, RecordedOrdinaryScans);
        Assert.InRange(lateral, 0, RecordedOrdinaryLateral);
        Assert.InRange(newEdges, 0, RecordedOrdinaryNewEdges);
    }

    // Measured: 0 scans, 0 lateral alarms, 6 new edges below the alarm score (rdp, smb, ssh sample sessions with no baseline).
    private const int RecordedOrdinaryScans = 0;
    private const int RecordedOrdinaryLateral = 0;
    private const int RecordedOrdinaryNewEdges = 6;

    private sealed class EdgeList(IEnumerable<(IPAddress Source, IPAddress Destination, ushort Port)> edges) : IKnownEdges
    {
        private readonly HashSet<(FlowAddress, FlowAddress, ushort)> _edges =
            edges.Select(static e => (FlowAddress.FromIPAddress(e.Source), FlowAddress.FromIPAddress(e.Destination), e.Port)).ToHashSet();

        public int Queries { get; private set; }

        public bool Contains(FlowAddress source, FlowAddress destination, ushort port)
        {
            Queries++;
            return _edges.Contains((source, destination, port));
        }
    }
}
