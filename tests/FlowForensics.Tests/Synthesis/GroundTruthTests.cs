using System.Net;
using FlowForensics.Synthesis;
using Xunit;

namespace FlowForensics.Tests.Synthesis;

/// <summary>Each behaviour's truth entry describes exactly what is in the frames.</summary>
public sealed class GroundTruthTests
{
    private static Generated G => Scenarios.AllKindsScenario;

    private static void AssertBeaconSchedule(BehaviourTruth truth, List<DateTime> starts)
    {
        Assert.Equal(truth.Sessions, starts.Count);
        Assert.Equal(truth.SessionStarts, starts);
        double period = truth.Period!.Value.TotalSeconds, jitter = truth.Jitter!.Value;
        int skipped = 0;
        for (int i = 1; i < starts.Count; i++)
        {
            double interval = (starts[i] - starts[i - 1]).TotalSeconds;
            int k = (int)Math.Round(interval / period);
            Assert.True(k >= 1, $"interval {interval}");
            Assert.True(Math.Abs(interval - k * period) <= k * jitter * period + 1e-6, $"interval {interval} s is outside {k} × {period} s ± {jitter:P0}");
            skipped += k - 1;
        }
        // Missed beats before the first sent beat cannot show as a gap; every other miss shows as one skipped period.
        Assert.InRange(truth.MissedBeats - skipped, 0, 3);
    }

    [Fact]
    public void TcpBeaconSessionsStartOnScheduleWithinJitter()
    {
        var t = G.Truth("tcp-beacon");
        var src = t.Source!;
        var starts = new List<DateTime>();
        long packets = 0, up = 0, down = 0;
        foreach (var d in G.Decoded)
        {
            if (!d.Between(src, Scenarios.TcpBeaconServer))
                continue;
            packets++;
            if (d.IsSyn && d.Src.Equals(src) && d.DstPort == 443)
                starts.Add(d.Time);
            if (d.Src.Equals(src)) up += d.PayloadLength; else down += d.PayloadLength;
        }
        AssertBeaconSchedule(t, starts);
        Assert.Equal(0, t.MissedBeats);
        Assert.Equal(t.Packets, packets);
        Assert.Equal(t.BytesOut, up);
        Assert.Equal(t.BytesIn, down);
        Assert.True(t.LastPacket < G.Options.StartUtc + TimeSpan.FromMinutes(15) + TimeSpan.FromSeconds(5));
        Assert.True(t.Sessions >= 18, t.Sessions.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void UdpBeaconWithMissedBeatsSkipsWholePeriods()
    {
        var t = G.Truth("udp-beacon");
        var starts = new List<DateTime>();
        foreach (var d in G.Decoded)
            if (d.IsUdp && d.Src.Equals(t.Source) && d.Dst.Equals(Scenarios.UdpBeaconServer) && d.DstPort == 53535)
                starts.Add(d.Time);
        AssertBeaconSchedule(t, starts);
        Assert.True(t.MissedBeats > 0, "with p = 0.3 over ~40 beats some beats are missed");
    }

    [Fact]
    public void ChunkedExfiltrationUploadsExactlyTheConfiguredBytes()
    {
        var t = G.Truth("chunked");
        long up = 0, packets = 0;
        var starts = new List<DateTime>();
        foreach (var d in G.Decoded)
        {
            if (!d.Between(t.Source!, Scenarios.ExfilServer))
                continue;
            packets++;
            Assert.True(d.SrcPort == 8443 || d.DstPort == 8443);
            if (d.Src.Equals(t.Source))
                up += d.PayloadLength;
            else
                Assert.Equal(0, d.PayloadLength);
            if (d.IsSyn)
                starts.Add(d.Time);
        }
        Assert.Equal(2_000_003, up);
        Assert.Equal(up, t.BytesOut);
        Assert.Equal(5, starts.Count);
        Assert.Equal(t.SessionStarts, starts);
        Assert.Equal(t.Packets, packets);
        Assert.True(t.LastPacket <= G.Options.StartUtc + TimeSpan.FromMinutes(12));
    }

    [Fact]
    public void DnsTunnelQueriesCarryEncodedNamesUnderTheDomain()
    {
        var t = G.Truth("tunnel");
        int queries = 0, answers = 0;
        for (int i = 0; i < G.Frames.Count; i++)
        {
            var d = G.Decoded[i];
            if (!d.IsUdp || (d.DstPort != 53 && d.SrcPort != 53))
                continue;
            string name = FrameInspector.DnsQuestionName(G.Frames[i].Frame.AsSpan(d.PayloadOffset, d.PayloadLength), out ushort qtype, out _);
            if (!name.EndsWith("." + t.Domain, StringComparison.Ordinal))
                continue;
            Assert.Equal(10, qtype);   // NULL
            int encoded = name.Length - t.Domain!.Length - 6 - (name.Length - t.Domain.Length - 6) / 64;
            Assert.InRange(encoded, 20, 140);
            if (d.Src.Equals(t.Source) && d.Dst.Equals(ScenarioNetwork.Resolver))
                queries++;
            if (d.Dst.Equals(t.Source) && d.Src.Equals(ScenarioNetwork.Resolver))
                answers++;
        }
        Assert.Equal(t.Sessions, queries);
        Assert.Equal(queries, answers);
        // about 40 a minute for 8 minutes
        Assert.InRange(queries, 240, 400);
    }

    [Fact]
    public void IcmpExfiltrationEchoesCarryLargePayloads()
    {
        var t = G.Truth("icmp");
        int requests = 0, replies = 0;
        long bytes = 0;
        foreach (var d in G.Decoded)
        {
            if (d.Protocol != 1 || !d.Between(t.Source!, Scenarios.IcmpServer))
                continue;
            Assert.InRange(d.PayloadLength, 300, 1000);
            if (d.IcmpType == 8) { requests++; bytes += d.PayloadLength; }
            if (d.IcmpType == 0) replies++;
        }
        Assert.Equal(t.Sessions, requests);
        Assert.Equal(requests, replies);
        Assert.Equal(t.BytesOut, bytes);
    }

    [Fact]
    public void HorizontalScanTouchesExactlyTheTruthTargetsAndOnlyLiveHostsAnswer()
    {
        var t = G.Truth("horizontal");
        var probed = new HashSet<IPAddress>();
        var answered = new HashSet<IPAddress>();
        var open = new HashSet<string>();
        foreach (var d in G.Decoded)
        {
            if (d.IsSyn && d.Src.Equals(t.Source) && d.DstPort == 445 && d.SrcPort >= 40000 && d.SrcPort < 60000 && d.Seq != 0
                && (d.Flags == 0x02) && d.PayloadLength == 0 && d.Ack == 0 && IsScanWindow(d, t))
                Assert.True(probed.Add(d.Dst), "probed twice: " + d.Dst);
            if (d.Dst.Equals(t.Source) && d.SrcPort == 445 && IsScanWindow(d, t) && (d.IsSynAck || d.IsRst))
            {
                answered.Add(d.Src);
                if (d.IsSynAck)
                    open.Add(d.Src + ":445");
            }
        }
        Assert.Equal(t.Destinations.ToHashSet(), probed);
        Assert.Equal(t.RespondingHosts.ToHashSet(), answered);
        Assert.Equal(t.OpenServices.ToHashSet(), open);
        Assert.Contains(ScenarioNetwork.FileServer, answered);
        Assert.DoesNotContain(Scenarios.Ip("10.20.0.1"), answered);
        Assert.Equal(60, t.Sessions);
    }

    private static bool IsScanWindow(Decoded d, BehaviourTruth t) => d.Time >= t.FirstPacket && d.Time <= t.LastPacket;

    public static TheoryData<ScanType> ScanTypes => new() { ScanType.Syn, ScanType.Connect, ScanType.Fin, ScanType.Null, ScanType.Xmas, ScanType.Udp };

    [Theory]
    [MemberData(nameof(ScanTypes))]
    public void VerticalScanAnswersFollowTheScanType(ScanType type)
    {
        var scanner = Scenarios.Ip("10.20.0.21");
        var live = Scenarios.Ip("10.20.0.22");
        var dead = Scenarios.Ip("10.20.0.250");
        // 300 ports with all five open ones among them (443 lies above 1..299, so it is probed explicitly).
        ushort[] ports = [.. ScenarioPresets.Range(1, 299), 443];
        var g = Scenarios.Run(new ScenarioOptions
        {
            Seed = 11,
            Duration = TimeSpan.FromMinutes(2),
            InternalHosts = 10,
            BackgroundSessionsPerSecond = 0,
            Behaviours = [new PortScanBehaviour { Scanner = scanner, Targets = [live, dead], Ports = ports, Type = type, ProbesPerSecond = 400, OpenPorts = [22, 80, 135, 139, 443] }],
        });
        var t = g.Truth.Behaviours[0];
        var probes = new HashSet<(IPAddress, ushort)>();
        var openSeen = new HashSet<string>();
        int closedAnswers = 0;
        foreach (var d in g.Decoded)
        {
            if (!d.Src.Equals(scanner) && !d.Dst.Equals(scanner))
                continue;    // NTP/update chatter of other hosts
            Assert.False(d.Src.Equals(dead), "a host that does not exist answered");
            bool fromScanner = d.Src.Equals(scanner);
            if (fromScanner)
            {
                bool isProbe = type switch
                {
                    ScanType.Syn or ScanType.Connect => d.IsTcp && d.Flags == 0x02,
                    ScanType.Fin => d.IsTcp && d.Flags == 0x01,
                    ScanType.Null => d.IsTcp && d.Flags == 0x00,
                    ScanType.Xmas => d.IsTcp && d.Flags == 0x29,
                    _ => d.IsUdp,
                };
                if (isProbe)
                    Assert.True(probes.Add((d.Dst, d.DstPort)), $"duplicate probe {d.Dst}:{d.DstPort}");
                continue;
            }
            if (d.IsSynAck || (d.IsUdp && type == ScanType.Udp))
                openSeen.Add(d.Src + ":" + d.SrcPort);
            else if (d.IsRst || (d.Protocol == 1 && d.IcmpType == 3 && d.IcmpCode == 3))
                closedAnswers++;
        }
        Assert.Equal(600, probes.Count);
        Assert.Equal(t.Sessions, probes.Count);
        Assert.Equal(new[] { live, dead }, t.Destinations);
        Assert.Equal(300, t.Ports.Count);
        Assert.Equal(new[] { live }, t.RespondingHosts);
        var expectedOpen = new HashSet<string> { "10.20.0.22:22", "10.20.0.22:80", "10.20.0.22:135", "10.20.0.22:139", "10.20.0.22:443" };
        Assert.Equal(expectedOpen, t.OpenServices.ToHashSet());
        bool openAnswer = type is ScanType.Syn or ScanType.Connect or ScanType.Udp;
        Assert.Equal(openAnswer ? expectedOpen : [], openSeen);
        Assert.Equal(300 - 5, closedAnswers);
    }

    [Fact]
    public void PingSweepRepliesComeOnlyFromLiveHosts()
    {
        var t = G.Truth("sweep");
        var requested = new List<IPAddress>();
        var replied = new HashSet<IPAddress>();
        foreach (var d in G.Decoded)
        {
            if (d.Protocol != 1 || d.Time < t.FirstPacket || d.Time > t.LastPacket)
                continue;
            if (d.IcmpType == 8 && d.Src.Equals(t.Source))
                requested.Add(d.Dst);
            if (d.IcmpType == 0 && d.Dst.Equals(t.Source))
                replied.Add(d.Src);
        }
        Assert.Equal(t.Destinations, requested);
        Assert.Equal(40, requested.Count);
        Assert.Equal(t.RespondingHosts.ToHashSet(), replied);
        Assert.Equal(20, replied.Count);   // 10.20.1.20 .. 10.20.1.39 are the segment's workstations
    }

    [Fact]
    public void LateralChainHopsFollowEachOtherInsideTheWindow()
    {
        var t = G.Truth("chain");
        var hops = ((LateralMovementBehaviour)G.Options.Behaviours[7]).Hops;
        var starts = new List<DateTime>();
        long smbUp = 0;
        foreach (var hop in hops)
        {
            int syns = 0;
            foreach (var d in G.Decoded)
            {
                if (d.Time < t.FirstPacket)
                    continue;
                if (d.IsSyn && d.Src.Equals(hop.From) && d.Dst.Equals(hop.To) && d.DstPort == hop.Port && d.Time <= t.LastPacket
                    && t.SessionStarts.Contains(d.Time))
                {
                    syns++;
                    starts.Add(d.Time);
                }
                if (hop.Port == 445 && d.IsTcp && d.Src.Equals(hop.From) && d.Dst.Equals(hop.To) && d.DstPort == 445 && t.SessionStarts.Contains(starts[^1]))
                    smbUp += d.PayloadLength;
            }
            Assert.Equal(1, syns);
        }
        Assert.Equal(t.SessionStarts, starts);
        for (int i = 1; i < starts.Count; i++)
            Assert.True(starts[i] > starts[i - 1]);
        Assert.True(t.LastPacket - t.FirstPacket <= TimeSpan.FromMinutes(6) + TimeSpan.FromMinutes(3));
        Assert.Equal(new[] { hops[0].From, hops[0].To, hops[1].To, hops[2].To }, t.Sources);
        Assert.True(smbUp >= 300_000, $"the SMB hop drops a tool: {smbUp} bytes up");
    }

    [Fact]
    public void VolumeSurgeComesFromTheTruthSourcesToTheTarget()
    {
        var t = G.Truth("surge");
        var sources = t.Sources.ToHashSet();
        int flows = 0;
        var seen = new HashSet<IPAddress>();
        foreach (var d in G.Decoded)
        {
            if (d.IsUdp && d.Dst.Equals(Scenarios.SurgeTarget) && d.DstPort == 80)
            {
                Assert.Contains(d.Src, sources);
                Assert.Equal(200, d.PayloadLength);
                seen.Add(d.Src);
                flows++;
            }
        }
        Assert.Equal(t.Sessions, flows);
        Assert.Equal(50, sources.Count);
        Assert.InRange(flows, 600, 1000);   // 40 a second for 20 s
        Assert.True(seen.Count > 40);
    }
}
