using System.Globalization;
using FlowForensics.Query;
using FlowForensics.Storage;
using FlowForensics.Storage.Nfcapd;

namespace FlowForensics.Benchmarks.SideBySide;

/// <summary>
/// Filters side by side with nfdump (issue 4): <c>nfdump -R DIR -q -o csv 'FILTER' | wc -l</c> against the engine
/// (<see cref="FlowFilter.Compile"/> then <see cref="CompiledFilter.Matches"/> over <see cref="FlowFileSet"/>) in its
/// own process, a simple and a complex filter over the read benchmark's deterministic LZ4 and uncompressed file sets.
/// The matched counts of each pair must agree.
/// <code>
/// dotnet run -c Release --project tests/FlowForensics.Benchmarks -- sidebyside filter [--flows 1000000] [--rounds 3]
/// </code>
/// </summary>
internal static class FilterComparison
{
    internal const string SimpleFilter = "src net 10.0.0.0/8";

    internal const string ComplexFilter =
        "(proto tcp and dst port in [80 443 8080] and bytes > 1k) or (proto udp and not dst port 53 and packets > 10) or flags S and not flags A";

    internal static int Run(Dictionary<string, string> options)
    {
        long flows = long.Parse(options.GetValueOrDefault("flows", "1000000"), CultureInfo.InvariantCulture);
        int rounds = int.Parse(options.GetValueOrDefault("rounds", "3"), CultureInfo.InvariantCulture);
        string self = typeof(FilterComparison).Assembly.Location;
        var sets = new (string Name, string Dir)[]
        {
            ("uncompressed", ReadComparison.EnsureFileSet(flows, NfcapdCompression.None)),
            ("LZ4", ReadComparison.EnsureFileSet(flows, NfcapdCompression.Lz4)),
        };
        var filters = new (string Name, string Text)[] { ("simple", SimpleFilter), ("complex", ComplexFilter) };

        var jobs = new List<(string Set, string Label, string Command, Func<ProcessRun> Run)>();
        foreach (var (setName, dir) in sets)
        {
            foreach (var (filterName, text) in filters)
            {
                string nf = $"nfdump -R {dir} -q -o csv '{text}' | wc -l";
                jobs.Add(($"{setName}, {filterName}", "nfdump -R (Debian 1.7.1) -q -o csv 'FILTER' | wc -l", nf,
                    () => ProcessRun.Measure("nfdump", "sh", ["-c", nf])));
                jobs.Add(($"{setName}, {filterName}", "FlowForensics engine (Compile + Matches)",
                    $"dotnet FlowForensics.Benchmarks.dll sidebyside filter-engine {dir} '{text}'",
                    () => ProcessRun.Measure("engine", "dotnet", [self, "sidebyside", "filter-engine", dir, text])));
            }
        }

        Console.WriteLine($"file sets: {flows:N0} flows each, {rounds} rounds after a warm-up, interleaved, medians");
        Console.WriteLine($"simple filter:  {SimpleFilter}");
        Console.WriteLine($"complex filter: {ComplexFilter}");
        var samples = ReadComparison.Measure(jobs.ConvertAll(j => j.Run), rounds);
        Console.WriteLine();
        Console.WriteLine("records/s counts every record read (the whole set), not only the matches.");
        Console.WriteLine();
        Console.WriteLine("| file set, filter | job | matched | wall s (median) | records read/s | peak RSS MiB | vs nfdump |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|");
        for (int j = 0; j < jobs.Count; j += 2)
        {
            double baseline = NfdumpComparison.Median(samples[j].Select(s => s.WallSeconds));
            for (int k = j; k < j + 2; k++)
            {
                var runs = samples[k];
                double wall = NfdumpComparison.Median(runs.Select(s => s.WallSeconds));
                long rss = (long)NfdumpComparison.Median(runs.Select(s => (double)s.PeakRssKiB));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {jobs[k].Set} | {jobs[k].Label} | {ReadComparison.Records(runs[0]):N0} | {wall:F2} | {flows / wall / 1e6:F2} M | {rss / 1024.0:F0} | {baseline / wall:F2}× |"));
            }
        }
        Console.WriteLine();
        Console.WriteLine("commands:");
        foreach (var job in jobs) Console.WriteLine($"  [{job.Set}] {job.Command}");
        return ReadComparison.CountsAgree(jobs.ConvertAll(j => j.Label), samples, groupSize: 2) ? 0 : 1;
    }

    /// <summary>The engine alone, as its own process: the filter compiled once, every record of the folder tested, matches counted.</summary>
    internal static int EngineCount(string dir, string filterText)
    {
        var filter = FlowFilter.Compile(filterText);
        var set = new FlowFileSet([dir]);
        long matched = 0;
        foreach (var flow in set.ReadFlows())
            if (filter.Matches(flow)) matched++;
        Console.WriteLine(matched.ToString(CultureInfo.InvariantCulture));
        return 0;
    }
}
