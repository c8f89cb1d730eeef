using System.Diagnostics;
using System.Globalization;
using FlowForensics.Analysis.Baselines;
using FlowForensics.Query;
using FlowForensics.Storage;
using FlowForensics.Storage.Nfcapd;
using FlowForensics.Synthesis;

namespace FlowForensics.Benchmarks.SideBySide;

/// <summary>
/// New-FlowBaseline and Find-FlowAnomaly's engine over nfcapd files (<c>dotnet run -c Release -- sidebyside baseline DIR [SCALE]</c>):
/// writes the <see cref="BaselineScenario"/> office (400 workstations, six ordinary days, one compared day with the planted
/// anomalies; SCALE 16 gives about 10 million flows) as hourly nfcapd files under DIR/baseline and DIR/compare (kept
/// when present), then times learning from the first and comparing the second, as the cmdlets do with -Path, and
/// reports the peak working set and the managed heap each phase leaves.
/// </summary>
public static class BaselineBenchmark
{
    public static int Run(string dir, int scale)
    {
        var scenario = new BaselineScenario(new BaselineScenarioOptions { Workstations = 400, BaselineDays = 6, CompareDays = 1, FlowScale = scale, Seed = 11 });
        string learnDir = Path.Combine(dir, "baseline"), compareDir = Path.Combine(dir, "compare");
        long learnFlows = Write(learnDir, scenario.Baseline());
        long compareFlows = Write(compareDir, scenario.Compare());
        Console.WriteLine($"flows: {learnFlows:N0} learned from, {compareFlows:N0} compared ({learnFlows + compareFlows:N0} in all)");

        var clock = Stopwatch.StartNew();
        var builder = new FlowBaselineBuilder(new FlowBaselineOptions());
        var learnSet = new FlowFileSet([learnDir]);
        long learned = FlowFileStream.ForEach(learnSet.Files, FlowSelection.All, builder.Add);
        var baseline = builder.Build();
        double learnSeconds = clock.Elapsed.TotalSeconds;
        long heapLearn = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(builder);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"New-FlowBaseline engine: {learned:N0} flows in {learnSeconds:0.0} s ({learned / learnSeconds / 1e6:0.00} M flows/s), {baseline.Hosts.Count:N0} hosts, managed heap {heapLearn / 1e6:0} MB with the builder alive"));

        string file = Path.Combine(dir, "base.json");
        clock.Restart();
        FlowBaselineFile.Save(baseline, file);
        var loaded = FlowBaselineFile.Load(file);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"baseline file: {new FileInfo(file).Length / 1e3:0} kB, saved and loaded in {clock.Elapsed.TotalSeconds:0.00} s"));

        clock.Restart();
        var detector = new AnomalyDetector(loaded, new AnomalyDetectorOptions());
        var compareSet = new FlowFileSet([compareDir]);
        long compared = FlowFileStream.ForEach(compareSet.Files, FlowSelection.All, detector.Add);
        var findings = detector.GetFindings();
        double compareSeconds = clock.Elapsed.TotalSeconds;
        long heapCompare = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(detector);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Find-FlowAnomaly engine: {compared:N0} flows in {compareSeconds:0.0} s ({compared / compareSeconds / 1e6:0.00} M flows/s), {findings.Count} findings, managed heap {heapCompare / 1e6:0} MB with the detector alive"));
        int found = scenario.Truth.Count(t => findings.Any(f => f.Kind == t.Type && f.Host == t.Host && f.Window == t.Window));
        Console.WriteLine($"planted anomalies found: {found} of {scenario.Truth.Count}");
        foreach (var t in scenario.Truth.Where(t => !findings.Any(f => f.Kind == t.Type && f.Host == t.Host && f.Window == t.Window)))
            Console.WriteLine($"  missed: {t.Type} {t.Host} {t.Window:HH:mm} ({t.What}); findings for the host: {string.Join("; ", findings.Where(f => f.Host == t.Host).Select(f => f.Reason))}");
        Console.WriteLine($"peak working set: {Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:0} MB");
        return found == scenario.Truth.Count ? 0 : 1;
    }

    /// <summary>Writes the flows as hourly nfcapd files (nfcapd.YYYYMMDDhh00); a folder that has files is kept as it is.</summary>
    private static long Write(string dir, IEnumerable<Flows.FlowRecord> flows)
    {
        if (Directory.Exists(dir) && Directory.GetFiles(dir, "nfcapd.*").Length > 0)
        {
            long n = 0;
            foreach (string f in Directory.GetFiles(dir, "nfcapd.*"))
            {
                using var reader = NfcapdFileReader.Open(f);
                n += (long)reader.Info.Flows;
            }
            return n;
        }
        Directory.CreateDirectory(dir);
        NfcapdFileWriter? writer = null;
        DateTime hour = default;
        long written = 0;
        try
        {
            foreach (var flow in flows)
            {
                var h = new DateTime(flow.Start.Year, flow.Start.Month, flow.Start.Day, flow.Start.Hour, 0, 0, DateTimeKind.Utc);
                if (writer is null || h != hour)
                {
                    writer?.Complete();
                    writer?.Dispose();
                    hour = h;
                    writer = NfcapdFileWriter.Create(Path.Combine(dir, FormattableString.Invariant($"nfcapd.{h:yyyyMMddHHmm}")));
                }
                writer.Accept(flow);
                written++;
            }
            writer?.Complete();
        }
        finally
        {
            writer?.Dispose();
        }
        return written;
    }
}
