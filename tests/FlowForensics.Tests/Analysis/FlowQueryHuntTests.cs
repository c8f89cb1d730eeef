using System.Globalization;
using System.Management.Automation;
using FlowForensics.Analysis.Beacons;
using FlowForensics.Analysis.Hunting;
using FlowForensics.Flows;
using FlowForensics.Query;
using FlowForensics.Storage;
using FlowForensics.Tests.Cmdlets;
using FlowForensics.Tests.Hosting;
using Xunit;

namespace FlowForensics.Tests.Analysis;

/// <summary>
/// A .NET program runs a hunt through the engine's <see cref="FlowQuery"/> (files, filter, exclusion, sampling scaling,
/// no cmdlet) and gets exactly what Find-FlowBeacon gets with the same -Path, -Filter, -Exclude and -ScaleBySampling.
/// Our nfcapd writer stores no sampler, so scaling is proved on sampled records (the query's record source against
/// the cmdlet's pipeline input) as well as on files.
/// </summary>
public sealed class FlowQueryHuntTests : IDisposable
{
    private const string Filter = "not proto icmp and bytes > 400";
    private readonly string _dir = Directory.CreateTempSubdirectory("ff-query-hunt-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Every public property of every finding, in order: the comparison does not depend on the finding's shape.</summary>
    private static List<string> Describe(IEnumerable<object> findings) =>
    [
        .. findings.Select(f => string.Join('|', f.GetType().GetProperties()
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .Select(p => $"{p.Name}={Convert.ToString(p.GetValue(f), CultureInfo.InvariantCulture)}"))),
    ];

    private static List<string> Cmdlet(string script, params (string Name, object Value)[] variables)
    {
        using PsSession s = PsSession.WithModule();
        foreach (var (name, value) in variables) s.SetVariable(name, value);
        var output = s.Invoke(script);
        Assert.Empty(s.Errors);
        return Describe(output.Select(o => o.BaseObject));
    }

    /// <summary>The hunt's selection as the cmdlet builds it: filter, scaling, the allowlist.</summary>
    private static FlowSelection Selection(string exclude, bool scale = true) =>
        new(FlowFilter.Compile(Filter), start: null, end: null, scaleBySampling: scale, exclude: FlowExclusion.Parse([exclude]).Excludes);

    /// <summary>The HuntTruth flows, each marked as sampled 1 in 4 (copies: the shared kit's records stay as they are).</summary>
    private static List<FlowRecord> SampledFlows() =>
    [
        .. BeaconExfiltrationKit.HuntTruth.Flows.Select(f =>
        {
            var copy = f.Clone();
            copy.SamplingInterval = 4;
            return copy;
        }),
    ];

    /// <summary>The destination of one planted beacon, found with nothing excluded: -Exclude then has something to remove.</summary>
    private static string OneBeaconServer(IEnumerable<FlowRecord> flows)
    {
        var detector = new BeaconDetector();
        FlowQuery.ForEachSelected(flows, Selection("192.0.2.255"), detector.Add);
        var findings = detector.GetFindings();
        Assert.True(findings.Count >= 2, $"{findings.Count} beacons found: the scenario should give several");
        return findings[0].DstAddr;
    }

    [Fact]
    public void TheEngineQueryOverFilesGivesWhatFindFlowBeaconGives()
    {
        CmdletKit.WriteRotated(_dir, BeaconExfiltrationKit.HuntTruth.Flows, TimeSpan.FromHours(1));
        string exclude = OneBeaconServer(BeaconExfiltrationKit.HuntTruth.Flows);

        var detector = new BeaconDetector();
        var observed = new List<string>();
        var query = FlowQuery.Open([_dir], recurse: false, Selection(exclude), new Observer(observed));
        long selected = query.ForEach(detector.Add);
        var engine = Describe(detector.GetFindings());

        Assert.True(query.Files.Count > 1, "several files");
        Assert.Equal(query.Files, observed);   // the observer was told of each file, in order
        Assert.True(query.Counts.Excluded > 0 && query.Counts.Filtered > 0, "the filter and the exclusion both left flows out");
        Assert.Equal(selected, query.Counts.Selected);
        Assert.NotEmpty(engine);
        Assert.DoesNotContain(engine, f => f.Contains($"DstAddr={exclude}|", StringComparison.Ordinal));
        Assert.Equal(engine, Cmdlet("Find-FlowBeacon -Path $d -Filter $f -Exclude $x -ScaleBySampling", ("d", _dir), ("f", Filter), ("x", exclude)));
    }

    [Fact]
    public void TheEngineQueryOverSampledRecordsGivesWhatFindFlowBeaconGives()
    {
        var flows = SampledFlows();
        string exclude = OneBeaconServer(flows);

        var detector = new BeaconDetector();
        var counts = new FlowQueryCounts();
        FlowQuery.ForEachSelected(flows, Selection(exclude), detector.Add, counts);
        var engine = Describe(detector.GetFindings());
        Assert.NotEmpty(engine);
        Assert.All(flows, f => Assert.Equal(4u, f.SamplingInterval));   // the caller's records are not changed

        // Scaling comes before the filter: without it, 'bytes > 400' leaves out more flows.
        var unscaled = new FlowQueryCounts();
        FlowQuery.ForEachSelected(flows, Selection(exclude, scale: false), static _ => { }, unscaled);
        Assert.True(unscaled.Filtered > counts.Filtered, $"scaled {counts.Filtered} filtered, unscaled {unscaled.Filtered}");

        Assert.Equal(engine, Cmdlet("$flows | Find-FlowBeacon -Filter $f -Exclude $x -ScaleBySampling", ("flows", flows), ("f", Filter), ("x", exclude)));
    }

    private sealed class Observer(List<string> opened) : IFlowQueryObserver
    {
        public void FileOpened(string path) => opened.Add(path);

        public void FileDamaged(Wire.FlowDataException error) => throw error;
    }
}
