using System.Net;
using FlowForensics.Analysis.LateralMovement;
using FlowForensics.Analysis.Scan;
using FlowForensics.Flows;
using Xunit;

namespace FlowForensics.Tests.Analysis.Hunting;

/// <summary>The scan and lateral-movement engines on hand-made flows: the sequential test, windows, bounds, order.</summary>
public sealed class ScanDetectorTests
{
    private static readonly DateTime T0 = new(2025, 3, 1, 12, 0, 0, DateTimeKind.Utc);

    private static FlowRecord Tcp(string src, string dst, ushort dport, TcpFlags flags, DateTime at, ushort sport = 40000, long packets = 1) => new()
    {
        SrcAddr = IPAddress.Parse(src), DstAddr = IPAddress.Parse(dst), Protocol = 6, SrcPort = sport, DstPort = dport,
        TcpFlags = flags, Start = at, End = at, Packets = packets, Bytes = 60 * packets,
    };

    private static readonly TcpFlags Session = TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Psh | TcpFlags.Fin;

    [Fact]
    public void TheSequentialTestFindsASlowScanBelowTheFixedThreshold()
    {
        // Scored below the default minimum: nothing came back to the prober in these flows, so the reply direction may be
        // missing from the data and the low success ratio is no evidence (see NatExportScenarioTests).
        var d = new ScanDetector(new ScanDetectorOptions { MinimumScore = 0 });
        // Eight hosts on port 22, one probe every ten minutes: never more than one host in a 5-minute window.
        for (int i = 0; i < 8; i++)
            d.Add(Tcp("10.0.0.9", $"10.0.1.{i + 1}", 22, TcpFlags.Syn, T0.AddMinutes(10 * i)));
        var f = Assert.Single(d.GetFindings());
        Assert.Equal(("Horizontal", 8L, true, true), (f.Kind, f.Targets, f.SequentialTest, f.ReplyDirectionMissing));
        Assert.Contains("the reply direction is missing", f.Reason, StringComparison.Ordinal);
        Assert.Contains("sequential test", f.Reason, StringComparison.Ordinal);

        // Without the walk's decision (higher minimum), the same probes are not a scan.
        var strict = new ScanDetector(new ScanDetectorOptions { SequentialMinTargets = 9 });
        for (int i = 0; i < 8; i++)
            strict.Add(Tcp("10.0.0.9", $"10.0.1.{i + 1}", 22, TcpFlags.Syn, T0.AddMinutes(10 * i)));
        Assert.Empty(strict.GetFindings());
    }

    [Fact]
    public void ABusyClientWithAFewFailuresIsNotCalledAScanner()
    {
        var d = new ScanDetector();
        int failures = 0;
        for (int i = 0; i < 400; i++)
        {
            // Four good sessions to new servers for every failed attempt, all on port 443.
            if (i % 5 == 4)
            {
                d.Add(Tcp("10.0.0.8", $"10.0.{2 + i / 250}.{i % 250 + 1}", 443, TcpFlags.Syn, T0.AddSeconds(i * 10)));
                failures++;
            }
            else
            {
                d.Add(Tcp("10.0.0.8", $"198.51.{i / 250}.{i % 250 + 1}", 443, Session, T0.AddSeconds(i * 10), packets: 12));
            }
        }
        Assert.Equal(80, failures);
        Assert.Empty(d.GetFindings());
    }

    [Fact]
    public void TheWindowKeepsASpreadOutFanOfPingsFromBeingASweep()
    {
        var spread = new ScanDetector();
        var burst = new ScanDetector();
        for (int i = 0; i < 30; i++)
        {
            var echo = new FlowRecord { SrcAddr = IPAddress.Parse("10.0.0.5"), DstAddr = IPAddress.Parse($"10.0.3.{i + 1}"), Protocol = 1, DstPort = 0x0800, Start = T0.AddMinutes(i), End = T0.AddMinutes(i), Packets = 1, Bytes = 84 };
            spread.Add(echo);
            var fast = echo.Clone();
            fast.Start = fast.End = T0.AddSeconds(i);
            burst.Add(fast);
        }
        Assert.Empty(spread.GetFindings());
        var f = Assert.Single(burst.GetFindings());
        Assert.Equal(("Sweep", "ICMP echo", 30L), (f.Kind, f.Probe, f.Targets));
    }

    [Fact]
    public void UdpScansAreSeenThroughPortUnreachables()
    {
        var d = new ScanDetector();
        for (int p = 0; p < 40; p++)
        {
            var at = T0.AddSeconds(p);
            d.Add(new FlowRecord { SrcAddr = IPAddress.Parse("10.0.0.4"), DstAddr = IPAddress.Parse("10.0.0.30"), Protocol = 17, SrcPort = 50000, DstPort = (ushort)(2000 + p), Start = at, End = at, Packets = 1, Bytes = 28 });
            d.Add(new FlowRecord { SrcAddr = IPAddress.Parse("10.0.0.30"), DstAddr = IPAddress.Parse("10.0.0.4"), Protocol = 1, DstPort = 0x0303, Start = at, End = at, Packets = 1, Bytes = 56 });
        }
        var f = Assert.Single(d.GetFindings());
        Assert.Equal(("Vertical", "UDP", 40L, "2000-2039", 40L, 0.0), (f.Kind, f.Probe, f.Ports, f.PortRange, f.Rejected, f.SuccessRatio));
    }

    [Fact]
    public void TheOrderOfTheFlowsDoesNotChangeTheFindings()
    {
        var flows = new List<FlowRecord>();
        var random = new Random(3);
        for (int p = 1; p <= 300; p++) flows.Add(Tcp("10.0.0.2", "10.0.0.3", (ushort)p, p % 3 == 0 ? TcpFlags.Fin : TcpFlags.Syn, T0.AddMilliseconds(p * 100)));
        for (int h = 1; h <= 60; h++) flows.Add(Tcp("10.0.0.7", $"10.1.0.{h}", 445, TcpFlags.Syn, T0.AddMilliseconds(h * 300)));
        for (int i = 0; i < 500; i++) flows.Add(Tcp($"10.2.0.{random.Next(1, 200)}", "203.0.113.9", 443, Session, T0.AddSeconds(random.Next(60)), packets: 9));
        string Run(IEnumerable<FlowRecord> input)
        {
            var d = new ScanDetector();
            foreach (var f in input) d.Add(f);
            return string.Join("\n", d.GetFindings().Select(static f => $"{f.Host} {f.Kind} {f.Probe} {f.Targets} {f.Ports} {f.Flows} {f.Score} {f.FirstSeen:O}"));
        }
        string ordered = Run(flows);
        Assert.Equal(2, ordered.Split('\n').Length);
        Assert.Equal(ordered, Run(flows.OrderBy(_ => random.Next())));
    }

    [Fact]
    public void MemoryStaysWithinTheBoundsAndTheDropIsCounted()
    {
        var d = new ScanDetector(new ScanDetectorOptions { MaxSources = 100, MaxEntries = 200 });
        // 5,000 sources, each one failed connection: far more than the tables hold.
        for (int i = 0; i < 5_000; i++)
            d.Add(Tcp($"10.{i / 250 % 250}.{i % 250}.1", "10.200.0.1", 8080, TcpFlags.Syn, T0.AddSeconds(i)));
        // Then a real scan: it must still be found.
        for (int p = 1; p <= 100; p++)
            d.Add(Tcp("10.250.0.9", "10.200.0.2", (ushort)p, TcpFlags.Syn, T0.AddHours(2).AddMilliseconds(p * 10)));
        Assert.True(d.EntriesDropped > 0);
        var f = Assert.Single(d.GetFindings());
        Assert.Equal(("10.250.0.9", 100L), (f.Host, f.Ports));
    }

    [Fact]
    public void InconsistentSettingsAreRefusedByName()
    {
        var e = Assert.Throws<ArgumentException>(() => new ScanDetector(new ScanDetectorOptions { ScannerSuccess = 0.9 }));
        Assert.Equal("ScannerSuccess", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => new LateralMovementDetector(new LateralMovementOptions { ChainWindow = TimeSpan.Zero }));
        Assert.Equal("ChainWindow", e.ParamName);
    }

    [Fact]
    public void LateralMovementFollowsChainsInTimeOrderOnly()
    {
        var d = new LateralMovementDetector(new LateralMovementOptions { MinimumScore = 0 });   // new edges score 0.4
        // B -> C before A -> B: not a chain.
        d.Add(Tcp("10.0.0.2", "10.0.0.3", 5985, Session, T0, 50000, 30));
        d.Add(Tcp("10.0.0.1", "10.0.0.2", 445, Session, T0.AddMinutes(5), 50001, 30));
        // D -> E then E -> F two hours later: outside the window.
        d.Add(Tcp("10.0.0.4", "10.0.0.5", 3389, Session, T0, 50002, 30));
        d.Add(Tcp("10.0.0.5", "10.0.0.6", 22, Session, T0.AddHours(2), 50003, 30));
        // G -> H then H -> I a minute later: a chain.
        d.Add(Tcp("10.0.0.7", "10.0.0.8", 135, Session, T0, 50004, 30));
        d.Add(Tcp("10.0.0.8", "10.0.0.9", 5986, Session, T0.AddMinutes(1), 50005, 30));
        var findings = d.GetFindings();
        var chain = Assert.Single(findings, static f => f.Kind == "Chain");
        Assert.Equal(("10.0.0.7 -> 10.0.0.8 -> 10.0.0.9", "T1021.003, T1047, T1021.006"), (chain.Chain, chain.Technique));
        Assert.Equal(4, findings.Count(static f => f.Kind == "NewEdge"));
    }

    [Fact]
    public void LearnedEdgesAndSharedServicesAreNotNew()
    {
        var d = new LateralMovementDetector(new LateralMovementOptions { LearnUntil = T0.AddHours(1), ServerThreshold = 5 });
        d.Add(Tcp("10.0.0.1", "10.0.0.2", 3389, Session, T0, 50000, 30));            // learned
        d.Add(Tcp("10.0.0.1", "10.0.0.2", 3389, Session, T0.AddHours(2), 50001, 30)); // known: not new
        for (int i = 10; i < 20; i++)                                                 // ten clients of one file server
            d.Add(Tcp($"10.0.0.{i}", "10.0.0.200", 445, Session, T0.AddHours(2), 50002, 30));
        d.Add(Tcp("10.0.0.1", "10.0.0.3", 3389, Session, T0.AddHours(2), 50003, 30)); // new
        d.Add(Tcp("10.0.0.1", "10.0.0.4", 3389, TcpFlags.Syn, T0.AddHours(2)));       // a failed attempt: not movement
        d.Add(Tcp("10.0.0.1", "192.0.2.4", 3389, Session, T0.AddHours(2), 50004, 30)); // outside: not lateral
        var f = Assert.Single(d.GetFindings());
        Assert.Equal(("NewEdge", "10.0.0.1", "10.0.0.3", 0.5), (f.Kind, f.Host, f.DstAddr, f.Score));
        Assert.Equal(1, d.LearnedEdgeCount);
    }

    [Fact]
    public void TheEdgeTableIsBounded()
    {
        var d = new LateralMovementDetector(new LateralMovementOptions { MaxEdges = 16 });
        for (int i = 0; i < 100; i++) d.Add(Tcp("10.0.0.1", $"10.0.1.{i}", 22, Session, T0.AddSeconds(i), 50000, 30));
        Assert.Equal(84, d.EdgesNotTracked);
        var f = Assert.Single(d.GetFindings());
        Assert.Equal(("FanOut", 16), (f.Kind, f.Destinations));
    }
}
