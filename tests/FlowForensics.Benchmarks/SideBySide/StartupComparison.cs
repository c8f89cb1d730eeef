using System.Globalization;
using System.Text.Json;

namespace FlowForensics.Benchmarks.SideBySide;

/// <summary>
/// Start-up side by side with nfdump's tools in one run, through the real pwsh pinned in .config/dotnet-tools.json
/// (run as <c>dotnet pwsh.dll</c>, the tool's own path; <c>dotnet pwsh</c> adds the SDK's tool runner, timed alone):
/// <c>Convert-PcapToFlow -OutputDirectory</c> against <c>nfpcapd -r … -w …</c> over the 2 M-packet capture of
/// <c>sidebyside pcap</c>, and <c>Measure-FlowTopN -Property SrcAddr</c> against <c>nfdump -s srcip/bytes</c> over the
/// 2 M flows of <c>sidebyside topn</c>; each for every module layout given, as
/// <list type="bullet">
/// <item>a fresh process: <c>pwsh -NoProfile -Command "Import-Module …; &lt;query&gt;"</c>, timed whole by GNU time,</item>
/// <item>a session: one pwsh imports the module, then runs the query several times, timing each run itself.</item>
/// </list>
/// Also timed whole: <c>pwsh -NoProfile -Command exit</c> and the import alone, which show where a fresh process's time goes.
/// <code>
/// dotnet run -c Release --project tests/FlowForensics.Benchmarks -- sidebyside startup [--rounds 5] [--session-runs 6]
///     [--packets 2000000] [--capture FILE] [--flows 2000000] [--files 4] [--dir DIR] [--module NAME=PATH,NAME=PATH]
///     [--pwsh PATH/pwsh.dll]
/// </code>
/// --pwsh runs another pwsh.dll instead of the tool's (say, one whose assemblies are compiled ahead, as PowerShell's
/// own packages are; the tool's are IL only).
/// The modules: the built one (out/FlowForensics, ReadyToRun for this platform), a copy of it without its platform
/// folders, which the loader runs from bin/il (the module before ReadyToRun code), and any given with --module (a
/// folder or a .psd1, for example a build of another branch).
/// </summary>
internal static class StartupComparison
{
    private sealed record Job(string Label, string Kind, Func<ProcessRun> Run);

    private sealed record Module(string Name, string Manifest);

    public static int Run(Dictionary<string, string> options)
    {
        string work = Path.Combine(Path.GetTempPath(), "flowforensics-bench");
        Directory.CreateDirectory(work);
        int rounds = int.Parse(options.GetValueOrDefault("rounds", "5"), CultureInfo.InvariantCulture);
        int sessionRuns = int.Parse(options.GetValueOrDefault("session-runs", "6"), CultureInfo.InvariantCulture);
        long packets = long.Parse(options.GetValueOrDefault("packets", "2000000"), CultureInfo.InvariantCulture);
        long flows = long.Parse(options.GetValueOrDefault("flows", "2000000"), CultureInfo.InvariantCulture);
        int files = int.Parse(options.GetValueOrDefault("files", "4"), CultureInfo.InvariantCulture);
        string capture = options.TryGetValue("capture", out var c) ? c : NfdumpComparison.Generate(work, packets);
        string flowDir = options.TryGetValue("dir", out var d) ? d : TopNComparison.Generate(Path.Combine(work, $"topn-{flows}"), flows, files, seed: 1);
        string root = NfdumpComparison.RepoRoot();
        string pwsh = options.TryGetValue("pwsh", out var p) ? Path.GetFullPath(p) : LocatePwsh(root);
        Module[] modules = [.. DefaultModules(root, work), .. options.TryGetValue("module", out var m) ? ParseModules(m) : []];

        var jobs = new List<Job>
        {
            new("pwsh -NoProfile -Command exit", "start-up", () => Pwsh("exit", pwsh, "exit")),
            new("dotnet pwsh -NoProfile -Command exit (SDK tool runner)", "start-up",
                () => ProcessRun.Measure("dotnet pwsh", "dotnet", ["pwsh", "-NoProfile", "-Command", "exit"], workingDirectory: root)),
        };
        foreach (Module module in modules)
        {
            jobs.Add(new($"pwsh: Import-Module ({module.Name})", "start-up", () => Pwsh("import", pwsh, $"Import-Module '{module.Manifest}'")));
        }

        string nfOut = Path.Combine(work, "startup-nfpcapd");
        jobs.Add(new("nfpcapd -r CAPTURE -w DIR", "pcap", () =>
        {
            Recreate(nfOut);
            return ProcessRun.Measure("nfpcapd", "nfpcapd", ["-r", capture, "-w", nfOut]);
        }));
        foreach (Module module in modules)
        {
            string outDir = Path.Combine(work, "startup-convert-" + module.Name.Replace(' ', '-'));
            jobs.Add(new($"pwsh: Import-Module; Convert-PcapToFlow -OutputDirectory ({module.Name})", "pcap", () =>
            {
                Recreate(outDir);
                return Pwsh("convert", pwsh, $"Import-Module '{module.Manifest}'; {Timed($"Convert-PcapToFlow -LiteralPath '{capture}' -OutputDirectory '{outDir}'")}");
            }));
        }

        jobs.Add(new("nfdump -R DIR -s srcip/bytes -n 10", "topn",
            () => ProcessRun.Measure("nfdump", "nfdump", ["-R", flowDir, "-s", "srcip/bytes", "-n", "10", "-N", "-q"])));
        foreach (Module module in modules)
        {
            jobs.Add(new($"pwsh: Import-Module; Measure-FlowTopN -Property SrcAddr ({module.Name})", "topn",
                () => Pwsh("topn", pwsh, $"Import-Module '{module.Manifest}'; {Timed(TopN(flowDir))}")));
        }

        Console.WriteLine($"pwsh: dotnet {pwsh}");
        Console.WriteLine($"capture: {capture} ({new FileInfo(capture).Length / 1e6:F1} MB); flows: {flowDir}");
        foreach (Module module in modules) Console.WriteLine($"module '{module.Name}': {module.Manifest}");
        Console.WriteLine($"{rounds} rounds after a warm-up, interleaved, medians; then {rounds} sessions per query and module, {sessionRuns} queries each");
        Console.WriteLine($"load average at the start: {LoadAverage()}");

        foreach (var job in jobs) job.Run();   // warm-up: page cache, pwsh's own files
        var samples = jobs.Select(_ => new List<ProcessRun>()).ToArray();
        for (int r = 0; r < rounds; r++)
            for (int j = 0; j < jobs.Count; j++) samples[j].Add(jobs[j].Run());   // interleaved, so drift hits all alike

        Console.WriteLine();
        Console.WriteLine("Whole processes (GNU time); 'query in it' is the query's own time inside the fresh process (Stopwatch):");
        Console.WriteLine();
        Console.WriteLine("| kind | job | wall s (median) | min–max s | query in it s | CPU s (median) | peak RSS MiB | vs nfdump's tool, wall / CPU |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|");
        var theirs = new Dictionary<string, double>();
        var theirCpu = new Dictionary<string, double>();
        for (int j = 0; j < jobs.Count; j++)
        {
            double wall = NfdumpComparison.Median(samples[j].Select(s => s.WallSeconds));
            double cpu = NfdumpComparison.Median(samples[j].Select(s => s.CpuSeconds));
            if (jobs[j].Label.StartsWith("nf", StringComparison.Ordinal))
            {
                theirs[jobs[j].Kind] = wall;
                theirCpu[jobs[j].Kind] = cpu;
            }

            string inside = jobs[j].Label.Contains("; ", StringComparison.Ordinal)
                ? NfdumpComparison.Median(samples[j].Select(s => QuerySeconds(s.Stdout))).ToString("F2", CultureInfo.InvariantCulture)
                : "";
            string ratio = theirs.TryGetValue(jobs[j].Kind, out double t)
                ? string.Create(CultureInfo.InvariantCulture, $"{t / wall:F2}× / {theirCpu[jobs[j].Kind] / cpu:F2}×")
                : "";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {jobs[j].Kind} | {jobs[j].Label} | {wall:F2} | {samples[j].Min(s => s.WallSeconds):F2}–{samples[j].Max(s => s.WallSeconds):F2} | {inside} | {cpu:F2} | {NfdumpComparison.Median(samples[j].Select(s => (double)s.PeakRssKiB)) / 1024:F0} | {ratio} |"));
        }

        Console.WriteLine();
        Console.WriteLine($"Sessions: one pwsh per session imports the module, then runs the query {sessionRuns} times (Stopwatch each); " +
                          "first = median over the sessions of each session's first query, later = median of all later queries:");
        Console.WriteLine();
        Console.WriteLine("| query | module | Import-Module s | first s (CPU s) | later s (min–max) (CPU s) | vs nfdump's tool, first / later | by CPU, first / later |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|");
        string sessionOut = Path.Combine(work, "startup-session");
        foreach (var (kind, query) in new[]
                 {
                     ("pcap", $"Convert-PcapToFlow -LiteralPath '{capture}' -OutputDirectory '{sessionOut}'"),
                     ("topn", TopN(flowDir)),
                 })
        {
            foreach (Module module in modules)
            {
                var imports = new List<double>();
                var firsts = new List<double>();
                var laters = new List<double>();
                var firstCpus = new List<double>();
                var laterCpus = new List<double>();
                for (int r = 0; r < rounds; r++)
                {
                    // The output folder is emptied before each run, outside the timed part, as nfpcapd's is.
                    string script =
                        $"$clock = [System.Diagnostics.Stopwatch]::StartNew(); Import-Module '{module.Manifest}'; 'import ' + {Seconds("$clock")}; " +
                        $"foreach ($i in 1..{sessionRuns}) {{ " +
                        $"if ([System.IO.Directory]::Exists('{sessionOut}')) {{ [System.IO.Directory]::Delete('{sessionOut}', $true) }}; [void][System.IO.Directory]::CreateDirectory('{sessionOut}'); " +
                        "$process = [System.Diagnostics.Process]::GetCurrentProcess(); $cpu = $process.TotalProcessorTime; " +
                        $"$clock = [System.Diagnostics.Stopwatch]::StartNew(); $null = {query}; $clock.Stop(); $process.Refresh(); " +
                        $"'query ' + {Seconds("$clock")} + ' ' + ($process.TotalProcessorTime - $cpu).TotalSeconds.ToString([cultureinfo]::InvariantCulture) }}";
                    string[] lines = Pwsh("session", pwsh, script).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
                    imports.Add(Value(lines.Single(l => l.StartsWith("import ", StringComparison.Ordinal))));
                    string[][] runs = [.. lines.Where(l => l.StartsWith("query ", StringComparison.Ordinal)).Select(l => l.Split(' '))];
                    firsts.Add(Number(runs[0][1]));
                    firstCpus.Add(Number(runs[0][2]));
                    laters.AddRange(runs.Skip(1).Select(r => Number(r[1])));
                    laterCpus.AddRange(runs.Skip(1).Select(r => Number(r[2])));
                }

                double first = NfdumpComparison.Median(firsts), later = NfdumpComparison.Median(laters);
                double firstCpu = NfdumpComparison.Median(firstCpus), laterCpu = NfdumpComparison.Median(laterCpus);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {kind} | {module.Name} | {NfdumpComparison.Median(imports):F2} | {first:F2} ({firstCpu:F2}) | {later:F2} ({laters.Min():F2}–{laters.Max():F2}) ({laterCpu:F2}) | {theirs[kind] / first:F2}× / {theirs[kind] / later:F2}× | {theirCpu[kind] / firstCpu:F2}× / {theirCpu[kind] / laterCpu:F2}× |"));
            }
        }

        Console.WriteLine();
        Console.WriteLine($"load average at the end: {LoadAverage()}");
        Console.WriteLine("output of the last round (nfdump's tools, then ours):");
        for (int j = 0; j < jobs.Count; j++)
        {
            string firstLine = samples[j][^1].Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "";
            Console.WriteLine($"  {jobs[j].Label}: {firstLine.Trim()}");
        }

        Console.WriteLine($"  nfpcapd files: {Directory.GetFiles(nfOut).Length}; ours: " +
                          string.Join(", ", modules.Select(mod => Directory.GetFiles(Path.Combine(work, "startup-convert-" + mod.Name.Replace(' ', '-'))).Length)));
        return 0;
    }

    private static string TopN(string dir) => $"Measure-FlowTopN -LiteralPath '{dir}' -Property SrcAddr -OrderBy Bytes -Top 10";

    /// <summary>The query, its first row (or count of objects) and its own seconds on the last line.</summary>
    private static string Timed(string query) =>
        $"$clock = [System.Diagnostics.Stopwatch]::StartNew(); $rows = @({query}); $clock.Stop(); " +
        "if ($rows.Count -gt 0 -and $rows[0].PSObject.Properties['Key']) { '{0} {1}' -f $rows[0].Key, $rows[0].Bytes } else { \"$($rows.Count) objects\" }; " +
        $"'query ' + {Seconds("$clock")}";

    private static string Seconds(string clock) => $"{clock}.Elapsed.TotalSeconds.ToString([cultureinfo]::InvariantCulture)";

    private static double QuerySeconds(string stdout) =>
        Value(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last(l => l.StartsWith("query ", StringComparison.Ordinal)));

    private static double Number(string text) => double.Parse(text, CultureInfo.InvariantCulture);

    private static double Value(string line) => double.Parse(line[(line.IndexOf(' ', StringComparison.Ordinal) + 1)..].Trim(), CultureInfo.InvariantCulture);

    private static ProcessRun Pwsh(string label, string pwsh, string command) =>
        ProcessRun.Measure(label, "dotnet", [pwsh, "-NoProfile", "-NonInteractive", "-Command", command]);

    private static void Recreate(string dir)
    {
        if (Directory.Exists(dir)) Directory.Delete(dir, true);
        Directory.CreateDirectory(dir);
    }

    private static Module[] ParseModules(string text) =>
    [
        .. text.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(pair =>
        {
            int eq = pair.IndexOf('=', StringComparison.Ordinal);
            string path = Path.GetFullPath(pair[(eq + 1)..]);
            return new Module(pair[..eq], Directory.Exists(path) ? Path.Combine(path, "FlowForensics.psd1") : path);
        }),
    ];

    /// <summary>The built module, and a copy without its platform folders (so the loader takes bin/il).</summary>
    private static Module[] DefaultModules(string root, string work)
    {
        string built = Path.Combine(root, "out", "FlowForensics");
        if (!File.Exists(Path.Combine(built, "FlowForensics.psd1")))
            throw new FileNotFoundException("Build the module first: dotnet build FlowForensics.sln -c Release");
        string il = Path.Combine(work, "module-il", "FlowForensics");
        if (Directory.Exists(il)) Directory.Delete(il, true);
        CopyFolder(built, il);
        foreach (string set in Directory.GetDirectories(Path.Combine(il, "bin")).Where(s => Path.GetFileName(s) != "il"))
            Directory.Delete(set, true);
        return [new("ReadyToRun", Path.Combine(built, "FlowForensics.psd1")), new("IL only", Path.Combine(il, "FlowForensics.psd1"))];
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (string dir in Directory.GetDirectories(from)) CopyFolder(dir, Path.Combine(to, Path.GetFileName(dir)));
    }

    /// <summary>The real pwsh of the local tool in .config/dotnet-tools.json (restored by 'dotnet tool restore').</summary>
    internal static string LocatePwsh(string root)
    {
        using JsonDocument manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, ".config", "dotnet-tools.json")));
        string version = manifest.RootElement.GetProperty("tools").GetProperty("powershell").GetProperty("version").GetString()!;
        string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p
            ? p
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string dll = Path.Combine(packages, "powershell", version, "tools", "net10.0", "any", OperatingSystem.IsWindows() ? "win" : "unix", "pwsh.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"pwsh {version} is not restored: run 'dotnet tool restore' in {root}", dll);
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
