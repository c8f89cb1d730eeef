using System.Diagnostics;
using System.Globalization;
using FlowForensics.Capture;
using FlowForensics.Metering;

namespace FlowForensics.Benchmarks.SideBySide;

/// <summary>
/// Side-by-side runs against nfdump's own tools, in one run on the same input, each as a whole process
/// measured by GNU time (wall time and peak RSS), medians of several rounds after a warm-up.
/// <code>
/// dotnet run -c Release --project tests/FlowForensics.Benchmarks -- sidebyside pcap [--packets 2000000] [--capture FILE] [--rounds 3]
/// dotnet run -c Release --project tests/FlowForensics.Benchmarks -- sidebyside read [--flows 1000000] [--rounds 3]     (ReadComparison)
/// dotnet run -c Release --project tests/FlowForensics.Benchmarks -- sidebyside filter [--flows 1000000] [--rounds 3]   (FilterComparison)
/// dotnet run -c Release --project tests/FlowForensics.Benchmarks -- sidebyside startup [--rounds 5]   (StartupComparison, real pwsh)
/// </code>
/// </summary>
public static class NfdumpComparison
{
    public static int Run(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine("usage: sidebyside pcap [--packets N] [--capture FILE] [--rounds N] | sidebyside meter FILE"
                                    + " | sidebyside read [--flows N] [--rounds N] | sidebyside filter [--flows N] [--rounds N] | sidebyside startup [--rounds N]");
            return 2;
        }
        return args[0] switch
        {
            "pcap" => ComparePcapToFlows(ParseOptions(args[1..])),
            "meter" => MeterOnly(args[1]),
            "read" => ReadComparison.Run(ParseOptions(args[1..])),
            "read-engine" => ReadComparison.EngineCount(args[1]),
            "filter" => FilterComparison.Run(ParseOptions(args[1..])),
            "filter-engine" => FilterComparison.EngineCount(args[1], args[2]),
            "startup" => StartupComparison.Run(ParseOptions(args[1..])),
            _ => Usage(args[0]),
        };
    }

    private static int Usage(string verb)
    {
        Console.Error.WriteLine($"unknown side-by-side job '{verb}'");
        return 2;
    }

    /// <summary>The engine alone, as its own process: every packet read, decoded and metered; prints packets and flows.</summary>
    private static int MeterOnly(string capture)
    {
        var meter = new FlowMeter();
        long flows = 0;
        using (var source = CaptureFileReader.Open(capture))
        {
            foreach (var _ in meter.Read(source)) flows++;
        }
        foreach (var _ in meter.Flush()) flows++;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{meter.DecodeCounts.Total} {flows}"));
        return 0;
    }

    private static int ComparePcapToFlows(Dictionary<string, string> options)
    {
        string work = Path.Combine(Path.GetTempPath(), "flowforensics-bench");
        Directory.CreateDirectory(work);
        long packets = long.Parse(options.GetValueOrDefault("packets", "2000000"), CultureInfo.InvariantCulture);
        int rounds = int.Parse(options.GetValueOrDefault("rounds", "3"), CultureInfo.InvariantCulture);
        string capture = options.TryGetValue("capture", out var c) ? c : Generate(work, packets);
        long captureBytes = new FileInfo(capture).Length;

        string self = typeof(NfdumpComparison).Assembly.Location;
        string nfDir = Path.Combine(work, "nfpcapd-out");

        var jobs = new (string Label, Func<ProcessRun> Run)[]
        {
            ("nfpcapd -r (Debian 1.7.1)", () =>
            {
                if (Directory.Exists(nfDir)) Directory.Delete(nfDir, true);
                Directory.CreateDirectory(nfDir);
                return ProcessRun.Measure("nfpcapd", "nfpcapd", ["-r", capture, "-w", nfDir]);
            }),
            ("FlowForensics engine (FlowMeter)", () => ProcessRun.Measure("engine", "dotnet", [self, "sidebyside", "meter", capture])),
            ("Convert-PcapToFlow cmdlet (fresh pwsh, | Out-Null)", () => ProcessRun.Measure("cmdlet", "dotnet",
                PwshWithModule($"Convert-PcapToFlow -LiteralPath '{capture}' | Out-Null"))),
        };

        Console.WriteLine($"capture: {capture} ({captureBytes / 1e6:F1} MB), {rounds} rounds after a warm-up, medians");
        var results = new List<(string Label, double Wall, long Rss)>();
        foreach (var job in jobs) job.Run();   // warm-up: file cache, JIT of the host
        var samples = jobs.Select(_ => new List<ProcessRun>()).ToArray();
        for (int r = 0; r < rounds; r++)
            for (int j = 0; j < jobs.Length; j++) samples[j].Add(jobs[j].Run());   // interleaved, so drift hits all alike

        string engineOut = samples[1][0].Stdout.Trim();
        long counted = long.Parse(engineOut.Split(' ')[0], CultureInfo.InvariantCulture);
        Console.WriteLine($"packets in capture: {counted:N0}; engine flows: {engineOut.Split(' ')[1]}");
        Console.WriteLine();
        Console.WriteLine("| job | wall s (median) | packets/s | MB/s of capture | peak RSS MiB | vs nfpcapd |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        double baseline = Median(samples[0].Select(s => s.WallSeconds));
        for (int j = 0; j < jobs.Length; j++)
        {
            double wall = Median(samples[j].Select(s => s.WallSeconds));
            long rss = (long)Median(samples[j].Select(s => (double)s.PeakRssKiB));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {jobs[j].Label} | {wall:F2} | {counted / wall / 1e6:F2} M | {captureBytes / wall / 1e6:F0} | {rss / 1024.0:F0} | {baseline / wall:F2}× |"));
        }
        return 0;
    }

    internal static string Generate(string work, long packets)
    {
        string file = Path.Combine(work, $"mix{packets}.pcap");
        if (File.Exists(file)) return file;
        string generator = Path.Combine(RepoRoot(), "..", "shared", "tools", "gen_pcap.py");
        Console.WriteLine($"generating {packets:N0} packets with {generator} (seed 1) ...");
        var psi = new ProcessStartInfo("python3") { UseShellExecute = false };
        foreach (string a in new[] { generator, "-o", file, "--packets", packets.ToString(CultureInfo.InvariantCulture), "--seed", "1" })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException("capture generation failed");
        return file;
    }

    /// <summary>
    /// The arguments for <c>dotnet</c> that run <paramref name="script"/> in the real pwsh pinned in
    /// .config/dotnet-tools.json, with the built module (out/FlowForensics) imported first.
    /// </summary>
    internal static string[] PwshWithModule(string script)
    {
        string root = RepoRoot();
        string module = Path.Combine(root, "out", "FlowForensics", "FlowForensics.psd1");
        if (!File.Exists(module)) throw new FileNotFoundException("Build the module first: dotnet build FlowForensics.sln -c Release", module);
        return [StartupComparison.LocatePwsh(root), "-NoProfile", "-NonInteractive", "-Command", $"Import-Module '{module}'; {script}"];
    }

    internal static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "FlowForensics.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new DirectoryNotFoundException("FlowForensics.sln not found above " + AppContext.BaseDirectory);
    }

    internal static double Median(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    internal static Dictionary<string, string> ParseOptions(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"expected --option, got '{args[i]}'");
            options[args[i][2..]] = args[i + 1];
        }
        return options;
    }
}
