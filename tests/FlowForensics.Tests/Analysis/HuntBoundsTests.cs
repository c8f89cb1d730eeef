using System.Net;
using FlowForensics.Analysis.Beacons;
using FlowForensics.Analysis.Exfiltration;
using FlowForensics.Analysis.Hunting;
using FlowForensics.Flows;
using Xunit;

namespace FlowForensics.Tests.Analysis;

/// <summary>The hunts' pairing of uniflow records and their named bounds: each is hit, counted, and does not grow state.</summary>
public sealed class HuntBoundsTests
{
    private static readonly DateTime T0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private static FlowRecord Flow(string src, ushort sport, string dst, ushort dport, double at, long bytes, byte protocol = 6) => new()
    {
        Start = T0.AddSeconds(at), End = T0.AddSeconds(at + 0.5), SrcAddr = IPAddress.Parse(src), DstAddr = IPAddress.Parse(dst),
        SrcPort = sport, DstPort = dport, Protocol = protocol, Packets = 4, Bytes = bytes,
    };

    [Fact]
    public void ARecordAndItsReverseBecomeOneConnectionWhicheverComesFirst()
    {
        var got = new List<PairedConnection>();
        var pairer = new ConnectionPairer(got.Add, TimeSpan.FromSeconds(120), 100);
        pairer.Add(Flow("192.0.2.9", 443, "10.0.0.5", 50000, 0.02, 900));   // the reply is read first
        pairer.Add(Flow("10.0.0.5", 50000, "192.0.2.9", 443, 0.0, 300));
        var c = Assert.Single(got);
        Assert.Equal("10.0.0.5", c.Src.ToString());
        Assert.Equal((300L, 900L, true), (c.BytesOut, c.BytesIn, c.HasReverse));
        Assert.Equal(1, pairer.Paired);
    }

    [Fact]
    public void AOneWayRecordIsReleasedWhenThePairingWindowHasPassed()
    {
        var got = new List<PairedConnection>();
        var pairer = new ConnectionPairer(got.Add, TimeSpan.FromSeconds(120), 100);
        pairer.Add(Flow("10.0.0.5", 50000, "192.0.2.9", 443, 0, 300));
        pairer.Add(Flow("10.0.0.6", 50001, "192.0.2.9", 443, 100, 300));
        Assert.Empty(got);
        pairer.Add(Flow("10.0.0.7", 50002, "192.0.2.9", 443, 200, 300));
        var c = Assert.Single(got);
        Assert.Equal(("10.0.0.5", false, 0L), (c.Src.ToString(), c.HasReverse, c.BytesIn));
        pairer.Flush();
        Assert.Equal(3, got.Count);
    }

    [Fact]
    public void ThePendingBoundReleasesTheOldestAndCountsIt()
    {
        var got = new List<PairedConnection>();
        var pairer = new ConnectionPairer(got.Add, TimeSpan.FromHours(1), 10);
        for (int i = 0; i < 25; i++) pairer.Add(Flow("10.0.0.5", (ushort)(40000 + i), "192.0.2.9", 443, i, 300));
        Assert.Equal(15, got.Count);
        Assert.Equal(15, pairer.ReleasedEarly);
        Assert.Equal(40000, got[0].SrcPort);
    }

    [Fact]
    public void TheGroupBoundEvictsStaleOneConnectionGroupsAndCountsWhatFindsNoRoom()
    {
        var detector = new BeaconDetector(new BeaconOptions { MaxGroups = 50, SingletonTimeToLive = TimeSpan.FromMinutes(30) });
        // 200 one-off destinations in the first 10 minutes: 50 groups held, the rest find no room (nothing stale yet).
        for (int i = 0; i < 200; i++) detector.Add(Flow("10.0.0.5", (ushort)(30000 + i), $"192.0.2.{i % 250 + 1}", (ushort)(1000 + i), i * 3, 300));
        // A beacon that starts an hour later still gets a group: the stale one-off groups make room.
        for (int i = 0; i < 10; i++) detector.Add(Flow("10.0.0.8", (ushort)(50000 + i), "198.51.100.7", 443, 3600 + i * 60, 300));
        Assert.True(detector.GroupCount <= 50);
        Assert.Equal(150, detector.GroupsDropped);
        Assert.True(detector.SingletonsEvicted > 0);
        var hit = Assert.Single(detector.GetFindings());
        Assert.Equal("10.0.0.8", hit.Host);
        Assert.Equal(10, hit.Connections);
    }

    [Fact]
    public void TheHostBoundIsCountedAndOptionsAreValidated()
    {
        var detector = new ExfiltrationDetector(new ExfiltrationOptions { MaxHosts = 3 });
        for (int i = 0; i < 10; i++) detector.Add(Flow($"10.0.0.{i + 1}", 40000, "192.0.2.9", 443, i, 300));
        Assert.Equal(3, detector.HostCount);
        Assert.Equal(7, detector.HostsDropped);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExfiltrationDetector(new ExfiltrationOptions { MinimumScore = 1.5 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BeaconDetector(new BeaconOptions { MinimumConnections = 2 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BeaconDetector(new BeaconOptions { MinimumScore = double.NaN }));
    }
}
