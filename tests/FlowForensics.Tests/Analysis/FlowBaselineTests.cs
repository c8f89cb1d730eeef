using System.Net;
using System.Text.Json.Nodes;
using FlowForensics.Analysis.Baselines;
using FlowForensics.Analysis.Hunting;
using FlowForensics.Flows;
using FlowForensics.Storage;
using FlowForensics.Synthesis;
using Xunit;
using Xunit.Abstractions;

namespace FlowForensics.Tests.Analysis;

/// <summary>
/// The baseline engine on the synthetic office of <see cref="BaselineScenario"/>: three ordinary days learned, a fourth
/// compared, with planted surges, new peers and ports, night activity and four floods; recall and precision against
/// the planted truth; the file round trip and its errors; the query API; the bounds.
/// </summary>
public sealed class FlowBaselineTests(ITestOutputHelper output)
{
    /// <summary>
    /// Recorded thresholds: every planted anomaly is found (15 of 15 measured), and precision was 0.82 (31 of 38) when
    /// measured; the seven unexplained findings are all NewPeer, the long tail of browsing the scenario puts in ordinary days.
    /// </summary>
    private const double MinRecall = 1.0;
    private const double MinPrecision = 0.8;

    private static FlowBaseline Learn(BaselineScenario scenario, FlowBaselineOptions? options = null)
    {
        var builder = new FlowBaselineBuilder(options ?? new FlowBaselineOptions());
        foreach (var f in scenario.Baseline()) builder.Add(f);
        return builder.Build();
    }

    private static IReadOnlyList<AnomalyFinding> Compare(FlowBaseline baseline, BaselineScenario scenario, AnomalyDetectorOptions? options = null)
    {
        var detector = new AnomalyDetector(baseline, options ?? new AnomalyDetectorOptions());
        foreach (var f in scenario.Compare()) detector.Add(f);
        return detector.GetFindings();
    }

    /// <summary>A finding is explained by a planted anomaly on the same host (or on a host of the finding's network) in the same hour.</summary>
    private static bool Explains(PlantedAnomaly truth, AnomalyFinding f)
    {
        if (f.Window < truth.Window || f.Window >= truth.Window.AddHours(1)) return false;
        if (f.Scope == "Network")
            return AddressSet.Parse([f.Host]).Contains(IPAddress.Parse(truth.Host));
        return f.Host == truth.Host;
    }

    [Fact]
    public void FindsThePlantedAnomaliesWithRecordedRecallAndPrecision()
    {
        var scenario = new BaselineScenario(new BaselineScenarioOptions());
        var baseline = Learn(scenario);
        var findings = Compare(baseline, scenario);

        int found = 0;
        foreach (var truth in scenario.Truth)
        {
            bool hit = findings.Any(f => f.Kind == truth.Type && f.Host == truth.Host && f.Window == truth.Window);
            output.WriteLine($"{(hit ? "found " : "MISSED")} {truth.Type,-12} {truth.Host,-10} {truth.Window:HH:mm} {truth.What}");
            if (hit) found++;
        }
        int explained = findings.Count(f => scenario.Truth.Any(t => Explains(t, f)));
        foreach (var f in findings.Where(f => !scenario.Truth.Any(t => Explains(t, f))))
            output.WriteLine($"unexplained: {f.Kind} {f.Host} {f.Window:HH:mm}: {f.Reason}");
        double recall = (double)found / scenario.Truth.Count;
        double precision = (double)explained / findings.Count;
        output.WriteLine($"recall {recall:0.00} ({found}/{scenario.Truth.Count}), precision {precision:0.00} ({explained}/{findings.Count})");
        Assert.Equal(15, scenario.Truth.Count);
        Assert.True(recall >= MinRecall, $"recall {recall:0.00}");
        Assert.True(precision >= MinPrecision, $"precision {precision:0.00}");
        Assert.All(findings.Where(f => !scenario.Truth.Any(t => Explains(t, f))), f => Assert.Equal(AnomalyTypes.NewPeer, f.Kind));

        // Each flood names its technique and its sources; the surges their metric.
        var syn = findings.Single(f => f.Kind == AnomalyTypes.SynFlood);
        Assert.Equal("T1499.001", syn.Technique);
        Assert.Equal(20_000, syn.Observed);
        Assert.Equal(1024, syn.Sources);
        Assert.Equal("80/tcp", syn.Ports);
        Assert.Equal("T1498.001", findings.Single(f => f.Kind == AnomalyTypes.UdpFlood).Technique);
        Assert.Equal(41, findings.Single(f => f.Kind == AnomalyTypes.UdpFlood).Sources); // 40 flooders and the file server's backup
        var surge = findings.First(f => f.Kind == AnomalyTypes.VolumeSurge && f.Host == BaselineScenario.Workstation(0));
        Assert.Contains(surge.Metric, (string[])["BytesOut", "PacketsOut"]);
        Assert.True(surge.Bytes >= 300_000_000 && surge.Deviation > 100, surge.Reason);
        Assert.Contains("sent 30", surge.Reason, StringComparison.Ordinal);
        Assert.Contains("MADs above its baseline median", surge.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void OrdinaryDaysComparedWithTheirBaselineGiveFewFindings()
    {
        var scenario = new BaselineScenario(new BaselineScenarioOptions { Plant = false, Seed = 3 });
        var findings = Compare(Learn(scenario), scenario);
        foreach (var f in findings) output.WriteLine($"{f.Kind} {f.Host} {f.Window:HH:mm}: {f.Reason}");
        // Measured: 16 findings, 14 NewPeer (the long tail: one unknown peer per 50 workstation-hours) and 2 VolumeSurge
        // (the ordinary 50 MB download, one per 200 workstation-hours, 14 times a workstation's usual hour). Nothing else.
        Assert.All(findings, f => Assert.True(
            f.Kind == AnomalyTypes.NewPeer && f.Bytes < 100_000 || f.Kind == AnomalyTypes.VolumeSurge && f.Metric is "BytesIn" or "PacketsIn",
            f.Reason));
        Assert.True(findings.Count <= 16, $"{findings.Count} findings");
    }

    [Fact]
    public void TheQueryApiAnswersFromTheProfiles()
    {
        var scenario = new BaselineScenario(new BaselineScenarioOptions());
        var baseline = Learn(scenario);
        var ws = IPAddress.Parse(BaselineScenario.Workstation(0));
        var files = IPAddress.Parse(BaselineScenario.FileServer);
        Assert.True(baseline.IsKnownHost(ws));
        Assert.True(baseline.IsKnownPeer(ws, files));
        Assert.True(baseline.IsKnownPeer(files, ws));
        Assert.False(baseline.IsKnownPeer(ws, IPAddress.Parse("192.0.2.99")));
        Assert.True(baseline.IsKnownPort(ws, 445, 6));
        Assert.True(baseline.IsKnownPort(files, 445, 6));
        Assert.True(baseline.IsKnownPort(ws, 53, 17));
        Assert.False(baseline.IsKnownPort(ws, 53, 6));
        Assert.False(baseline.IsKnownPort(ws, 4444, 6));
        Assert.True(baseline.IsUsualHour(ws, 10));
        Assert.False(baseline.IsUsualHour(ws, 3));
        Assert.True(baseline.IsUsualHour(files, 3));
        Assert.False(baseline.IsUsualHour(IPAddress.Parse("10.9.9.9"), 10));
        Assert.Equal(24, baseline.HoursCovered.Count(static h => h == 3));
        var profile = baseline.GetHost(ws)!;
        Assert.True(profile.PeersComplete);
        Assert.InRange(profile.ActiveHours.Sum(), 20, 30);
        Assert.Equal(0, profile.ActiveHours[3]);
        Assert.True(profile.BytesOut.Median > 0 && profile.BytesOut.Mad > 0 && profile.BytesOut.P95 >= profile.BytesOut.Median);
        Assert.Contains(baseline.Networks, n => n.Address == "10.1.1.0/24" && n.Hosts == 40);
    }

    [Fact]
    public void VolumeStatisticsAreMedianMadP95AndMax()
    {
        var s = VolumeStatistics.Of([10, 1, 3, 2, 1000, 4, 5]);
        Assert.Equal(4, s.Median);
        Assert.Equal(2, s.Mad);
        Assert.Equal(1000, s.P95);
        Assert.Equal(1000, s.Max);
        Assert.Equal(7, s.Samples);
        Assert.Equal(2.5, VolumeStatistics.Of([1, 2, 3, 4]).Median);
        Assert.Equal(VolumeStatistics.Empty, VolumeStatistics.Of([]));
    }

    [Fact]
    public void SavingWithoutOverwriteKeepsAFileThatAppearedMeanwhile()
    {
        // New-FlowBaseline checked -Force and then saved with overwrite always on, so a file that appeared while the
        // baseline was learned was replaced. Without overwrite the save must refuse at the rename and keep it.
        var baseline = Learn(new BaselineScenario(new BaselineScenarioOptions { Workstations = 4 }));
        string dir = Directory.CreateTempSubdirectory("ff-baseline-race-").FullName;
        try
        {
            string path = Path.Combine(dir, "baseline.json");
            File.WriteAllText(path, "someone else's file");
            var e = Assert.Throws<OutputFileExistsException>(() => FlowBaselineFile.Save(baseline, path, overwrite: false));
            Assert.Equal(path, e.Path);
            Assert.Equal("someone else's file", File.ReadAllText(path));
            Assert.Equal([path], Directory.GetFiles(dir));   // no temporary file left behind

            FlowBaselineFile.Save(baseline, path, overwrite: true);
            Assert.Equal(baseline.Hosts.Count, FlowBaselineFile.Load(path).Hosts.Count);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void TheFileRoundTripsAndAnswersAlike()
    {
        var scenario = new BaselineScenario(new BaselineScenarioOptions { Workstations = 12 });
        var baseline = Learn(scenario);
        string path = Path.Combine(Path.GetTempPath(), $"ff-baseline-{Guid.NewGuid():N}.json");
        try
        {
            FlowBaselineFile.Save(baseline, path);
            var loaded = FlowBaselineFile.Load(path);
            string again = path + ".2";
            FlowBaselineFile.Save(loaded, again);
            Assert.Equal(File.ReadAllText(path), File.ReadAllText(again));
            File.Delete(again);
            Assert.Equal(baseline.Hosts.Count, loaded.Hosts.Count);
            Assert.Equal(DateTimeKind.Utc, loaded.PeriodStart.Kind);
            Assert.Equal(baseline.PeriodStart, loaded.PeriodStart);
            var ws = IPAddress.Parse(BaselineScenario.Workstation(1));
            Assert.Equal(baseline.IsKnownPort(ws, 445, 6), loaded.IsKnownPort(ws, 445, 6));
            Assert.True(loaded.IsKnownPeer(ws, IPAddress.Parse(BaselineScenario.DnsServer)));
            Assert.Equal(baseline.GetHost(ws)!.BytesIn, loaded.GetHost(ws)!.BytesIn);
            var a = Compare(baseline, scenario);
            var b = Compare(loaded, scenario);
            Assert.Equal(a.Select(f => f.Reason), b.Select(f => f.Reason));
            Assert.DoesNotContain(Directory.GetFiles(Path.GetDirectoryName(path)!, Path.GetFileName(path) + ".tmp*"), static _ => true);
            Assert.DoesNotContain(Directory.GetFiles(Path.GetDirectoryName(path)!, Path.GetFileNameWithoutExtension(path) + ".current.*"), static _ => true);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ASaveThatFailsMidwayLeavesNoTemporaryFileAndThePreviousBaseline()
    {
        string dir = Directory.CreateTempSubdirectory("ff-baseline-atomic-").FullName;
        try
        {
            string path = Path.Combine(dir, "baseline.json");
            File.WriteAllText(path, "previous");
            var baseline = new FlowBaseline();
            for (int i = 0; i < 2_000; i++) baseline.Hosts.Add(new BaselineProfile { Address = $"10.0.{i / 256}.{i % 256}" });
            // System.Text.Json refuses NaN: the write fails after the first hosts have gone to the file.
            baseline.Hosts.Add(new BaselineProfile { Address = "10.9.9.9", BytesOut = new VolumeStatistics(double.NaN, 0, 0, 0, 1) });
            Assert.ThrowsAny<ArgumentException>(() => FlowBaselineFile.Save(baseline, path));
            Assert.Equal("previous", File.ReadAllText(path));
            Assert.Equal([path], Directory.GetFiles(dir));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("truncated JSON", "cut", "not valid JSON")]
    [InlineData("a newer format version", "version", "format version 2 is not supported")]
    [InlineData("another JSON document", "other", "not a FlowForensics baseline")]
    [InlineData("a host address that is not one", "address", "Hosts[0].Address 'not-an-ip' is not an IP address")]
    [InlineData("hours with 23 entries", "hours", "HoursCovered must have 24 entries")]
    [InlineData("a field of the wrong type", "type", "a field has the wrong type")]
    public void BadFilesAreRefusedNamingTheFile(string why, string damage, string expected)
    {
        var scenario = new BaselineScenario(new BaselineScenarioOptions { Workstations = 3, BaselineDays = 1 });
        string path = Path.Combine(Path.GetTempPath(), $"ff-bad-baseline-{Guid.NewGuid():N}.json");
        try
        {
            FlowBaselineFile.Save(Learn(scenario), path);
            string text = File.ReadAllText(path);
            var json = JsonNode.Parse(text)!.AsObject();
            switch (damage)
            {
                case "cut": text = text[..(text.Length / 2)]; break;
                case "version": json["FormatVersion"] = 2; text = json.ToJsonString(); break;
                case "other": text = "{\"name\": \"something else\"}"; break;
                case "address": json["Hosts"]![0]!["Address"] = "not-an-ip"; text = json.ToJsonString(); break;
                case "hours": json["HoursCovered"] = new JsonArray([.. Enumerable.Range(0, 23).Select(static _ => (JsonNode?)JsonValue.Create(1))]); text = json.ToJsonString(); break;
                default: json["FlowCount"] = "many"; text = json.ToJsonString(); break;
            }
            File.WriteAllText(path, text);
            var e = Assert.Throws<FlowBaselineFormatException>(() => FlowBaselineFile.Load(path));
            Assert.Equal(path, e.File);
            Assert.StartsWith(path + ": ", e.Message, StringComparison.Ordinal);
            Assert.Contains(expected, e.Message, StringComparison.Ordinal);
            output.WriteLine($"{why}: {e.Message}");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void TheBoundsHoldAndAreCounted()
    {
        var scenario = new BaselineScenario(new BaselineScenarioOptions { Workstations = 30, BaselineDays = 1 });
        var limits = new BaselineLimits { MaxHosts = 10, MaxPeersPerHost = 2, MaxPortsPerHost = 2, TrackedPerHost = 4, MaxCells = 100 };
        var baseline = Learn(scenario, new FlowBaselineOptions { Limits = limits });
        Assert.Equal(10, baseline.Hosts.Count);
        Assert.True(baseline.HostsDropped > 0);
        Assert.True(baseline.IntervalsDropped > 0);
        Assert.All(baseline.Hosts, h => Assert.True(h.Peers.Count <= 2 && h.Ports.Count <= 2 && h.PeersSeen <= 4));
        Assert.Contains(baseline.Hosts, h => !h.PeersComplete);

        var detector = new AnomalyDetector(baseline, new AnomalyDetectorOptions { Limits = limits with { MaxNewPerHost = 3 } });
        foreach (var f in scenario.Compare()) detector.Add(f);
        var findings = detector.GetFindings();
        Assert.True(detector.HostsDropped > 0, "hosts dropped");
        Assert.True(detector.CellsDropped > 0, "cells dropped");
        Assert.All(findings, f => Assert.True(f.PeerCount <= 1024));
    }

    [Fact]
    public void SettingsOutOfRangeAreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new FlowBaselineBuilder(new FlowBaselineOptions { Interval = TimeSpan.FromMilliseconds(500) }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FlowBaselineBuilder(new FlowBaselineOptions { Interval = TimeSpan.FromDays(2) }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FlowBaselineBuilder(new FlowBaselineOptions { NetworkPrefixLengthV4 = 33 }));
        var empty = new FlowBaselineBuilder(new FlowBaselineOptions()).Build();
        Assert.Throws<ArgumentOutOfRangeException>(() => new AnomalyDetector(empty, new AnomalyDetectorOptions { Threshold = 0 }));
        Assert.Throws<ArgumentException>(() => new AnomalyDetector(empty, new AnomalyDetectorOptions { Types = ["Nonsense"] }));
    }

    [Fact]
    public void TypesSelectTheFindingsAndExcludedFlowsAreNotCounted()
    {
        var scenario = new BaselineScenario(new BaselineScenarioOptions { Workstations = 20 });
        var baseline = Learn(scenario);
        var floods = Compare(baseline, scenario, new AnomalyDetectorOptions { Types = ["synflood", "UdpFlood"] });
        Assert.Equal(["SynFlood", "UdpFlood"], floods.Select(f => f.Kind).OrderBy(static t => t, StringComparer.Ordinal));

        var exclusion = FlowExclusion.Parse([BaselineScenario.WebServer]);
        var detector = new AnomalyDetector(baseline, new AnomalyDetectorOptions());
        foreach (var f in scenario.Compare()) if (!exclusion.Excludes(f)) detector.Add(f);
        Assert.DoesNotContain(detector.GetFindings(), f => f.Host == BaselineScenario.WebServer);
    }
}
