using FlowForensics.Query;
using System.Globalization;
using System.Net;
using FlowForensics.Analysis.TopN;
using FlowForensics.Flows;
using FlowForensics.Storage;
using FlowForensics.Storage.Nfcapd;

namespace FlowForensics.Benchmarks.SideBySide;

/// <summary>
/// Measure-FlowTopN against nfdump over the same nfcapd files in one run: <c>-s srcip/bytes</c>,
/// <c>-s record/bytes</c> and <c>-A srcip,dstip</c> (top 10 by bytes), each as a whole process timed by GNU time
/// (<see cref="ProcessRun"/>), medians of several interleaved rounds after a warm-up.
/// <code>
/// dotnet run -c Release --project tests/FlowForensics.Benchmarks -- sidebyside topn [--flows 2000000] [--files 4] [--dir DIR] [--rounds 3]
/// </code>
/// Without --dir, a seeded generator writes --flows records into --files nfcapd files (LZ4, as nfcapd writes by default).
/// The engine alone: <c>-- sidebyside topn-engine DIR PROPERTIES</c>, where PROPERTIES "-" only reads the files
/// (a fresh record per flow), "=" reads them into one reused record and "~" reads them through the read-ahead pipeline
/// into one reused record; environment: TOPN_PARALLELISM (threads, each
/// with its share of the keys; 0 = one stream through FlowFileSet), TOPN_REPEAT=N (N more in-process runs, wall and CPU seconds each on
/// stderr), TOPN_FULL_KEYS=1 (the 80-byte key instead of the compact one).
/// </summary>
internal static class TopNComparison
{
    private sealed record Job(string Label, string Kind, Func<ProcessRun> Run);

    /// <summary>The issue's three statistics: nfdump's arguments, ours, and the row label.</summary>
    private static readonly (string[] Nfdump, string Properties, string Kind)[] Statistics =
    [
        (["-s", "srcip/bytes", "-n", "10"], "SrcAddr", "-s srcip/bytes"),
        (["-s", "record/bytes", "-n", "10"], "Conversation", "-s record/bytes"),
        (["-A", "srcip,dstip", "-O", "bytes", "-n", "10"], "SrcAddr,DstAddr", "-A srcip,dstip"),
    ];

    public static int Run(Dictionary<string, string> options)
    {
        string work = Path.Combine(Path.GetTempPath(), "flowforensics-bench");
        long flows = long.Parse(options.GetValueOrDefault("flows", "2000000"), CultureInfo.InvariantCulture);
        int files = int.Parse(options.GetValueOrDefault("files", "4"), CultureInfo.InvariantCulture);
        int rounds = int.Parse(options.GetValueOrDefault("rounds", "3"), CultureInfo.InvariantCulture);
        string dir = options.TryGetValue("dir", out var d) ? d : Generate(Path.Combine(work, $"topn-{flows}"), flows, files, seed: 1);
        var set = new FlowFileSet([dir]);
        long bytes = set.TotalBytes;

        string self = typeof(TopNComparison).Assembly.Location;
        int sessionRuns = Math.Max(rounds + 1, 6);
        var jobs = new List<Job>();
        var sessions = new List<Job>();
        foreach (var (nfdumpArgs, properties, kind) in Statistics)
        {
            jobs.Add(new Job($"nfdump -R {string.Join(' ', nfdumpArgs)}", kind,
                () => ProcessRun.Measure("nfdump", "nfdump", ["-R", dir, .. nfdumpArgs, "-N", "-q"])));
            jobs.Add(new Job($"engine (TopNAggregator.AddFiles) {properties}", kind,
                () => ProcessRun.Measure("engine", "dotnet", [self, "sidebyside", "topn-engine", dir, properties])));
            {
                jobs.Add(new Job($"Measure-FlowTopN -Path -Property {properties} (fresh pwsh)", kind,
                    () => ProcessRun.Measure("cmdlet", "dotnet", NfdumpComparison.PwshWithModule(
                        $"Measure-FlowTopN -LiteralPath '{dir}' -Property {properties} -OrderBy Bytes -Top 10 | ForEach-Object {{ '{{0}} {{1}}' -f $_.Key, $_.Bytes }}"))));
                // The analyst's case: the query typed into a console that is already open. One session runs it
                // sessionRuns times and times each run itself; the first run includes compiling the engine's code, and
                // tiered compilation needs a run or two more to finish, so the later runs are at least five.
                sessions.Add(new Job($"Measure-FlowTopN -Path -Property {properties}", kind,
                    () => ProcessRun.Measure("session", "dotnet", NfdumpComparison.PwshWithModule(
                        $"foreach ($i in 1..{sessionRuns}) {{ $clock = [System.Diagnostics.Stopwatch]::StartNew(); " +
                        $"$rows = @(Measure-FlowTopN -LiteralPath '{dir}' -Property {properties} -OrderBy Bytes -Top 10); " +
                        "$clock.Stop(); '{0} {1} {2}' -f $clock.Elapsed.TotalSeconds.ToString([cultureinfo]::InvariantCulture), $rows[0].Bytes, $rows[0].Key }"))));
            }
        }

        Console.WriteLine($"files: {dir} ({set.Files.Count} nfcapd files, {bytes / 1e6:F1} MB), {rounds} rounds after a warm-up, medians");
        foreach (var job in jobs) job.Run();   // warm-up: file cache, JIT
        var samples = jobs.Select(_ => new List<ProcessRun>()).ToArray();
        for (int r = 0; r < rounds; r++)
            for (int j = 0; j < jobs.Count; j++) samples[j].Add(jobs[j].Run());   // interleaved, so drift hits all alike

        long counted = long.Parse(samples[1][0].Stdout.Split('\n')[0].Trim(), CultureInfo.InvariantCulture);
        Console.WriteLine($"flows in the files: {counted:N0}");
        Console.WriteLine();
        Console.WriteLine("| statistic | job | wall s (median) | flows/s | peak RSS MiB | vs nfdump |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|");
        double baseline = 0;
        for (int j = 0; j < jobs.Count; j++)
        {
            double wall = Median(samples[j].Select(s => s.WallSeconds));
            long rss = (long)Median(samples[j].Select(s => (double)s.PeakRssKiB));
            if (jobs[j].Label.StartsWith("nfdump", StringComparison.Ordinal)) baseline = wall;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {jobs[j].Kind} | {jobs[j].Label} | {wall:F2} | {counted / wall / 1e6:F2} M | {rss / 1024.0:F0} | {baseline / wall:F2}× |"));
        }
        if (sessions.Count > 0)
        {
            // After the whole-process rounds, so these runs do not disturb them; nfdump's figure is its median above.
            Console.WriteLine();
            Console.WriteLine($"Measure-FlowTopN in a running session (real pwsh, module imported; {sessionRuns} runs in one session, timed inside it):");
            Console.WriteLine();
            Console.WriteLine("| statistic | job | first run s | later runs s (median) | flows/s (later) | vs nfdump (first) | vs nfdump (later) |");
            Console.WriteLine("|---|---|---:|---:|---:|---:|---:|");
            foreach (var session in sessions)
            {
                var lines = session.Run().Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
                double[] seconds = lines.Select(l => double.Parse(l.Split(' ')[0], CultureInfo.InvariantCulture)).ToArray();
                int nf = jobs.FindIndex(j => j.Kind == session.Kind && j.Label.StartsWith("nfdump", StringComparison.Ordinal));
                double theirs = Median(samples[nf].Select(r => r.WallSeconds));
                double later = Median(seconds.Skip(1));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {session.Kind} | {session.Label} | {seconds[0]:F2} | {later:F2} | {counted / later / 1e6:F2} M | {theirs / seconds[0]:F2}× | {theirs / later:F2}× |"));
                Console.WriteLine($"  top row: {string.Join(' ', lines[0].Split(' ').Skip(1))}");
            }
        }

        Console.WriteLine();
        Console.WriteLine("top row of each job (nfdump's first line, then ours):");
        for (int j = 0; j < jobs.Count; j++)
        {
            string[] lines = samples[j][0].Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            string first = jobs[j].Label.StartsWith("engine", StringComparison.Ordinal) ? (lines.Length > 1 ? lines[1] : "") : (lines.Length > 0 ? lines[0] : "");
            Console.WriteLine($"  {jobs[j].Label}: {first.Trim()}");
        }
        return 0;
    }

    /// <summary>
    /// The engine alone, as its own process, the way Measure-FlowTopN -Path runs it (files read in parallel, merged in
    /// file order); prints the flow count and the top rows. The property "-" only reads the files, one after another.
    /// </summary>
    public static int EngineOnly(string dir, string properties)
    {
        // TOPN_REPEAT=N runs the work N more times in this process and prints each run's wall and CPU seconds to
        // stderr: the engine's cost without process start-up and JIT, and CPU time that other load on the machine
        // does not inflate as much as wall time.
        int repeat = int.TryParse(Environment.GetEnvironmentVariable("TOPN_REPEAT"), CultureInfo.InvariantCulture, out int n) ? n : 0;
        int code = EngineOnce(dir, properties, Console.Out);
        for (int i = 0; i < repeat; i++)
        {
            var process = System.Diagnostics.Process.GetCurrentProcess();
            var cpu = process.TotalProcessorTime;
            long allocated = GC.GetTotalAllocatedBytes(precise: false);
            int collections = GC.CollectionCount(0);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            EngineOnce(dir, properties, TextWriter.Null);
            process.Refresh();
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{properties}: run {i + 1}: wall {clock.Elapsed.TotalSeconds:F2} s, cpu {(process.TotalProcessorTime - cpu).TotalSeconds:F2} s, " +
                $"allocated {(GC.GetTotalAllocatedBytes(precise: false) - allocated) / 1e6:F1} MB, {GC.CollectionCount(0) - collections} collections"));
        }
        return code;
    }

    private static int EngineOnce(string dir, string properties, TextWriter output)
    {
        var Console = output;
        if (properties == "-")
        {
            // The reader alone: what reading the files costs before any counting.
            long n = 0;
            foreach (var _ in new FlowFileSet([dir]).ReadFlows()) n++;
            Console.WriteLine(n.ToString(CultureInfo.InvariantCulture));
            return 0;
        }
        if (properties == "=")
        {
            // The reader's engine path alone: every flow decoded into one reused record.
            long n = 0;
            var reused = new FlowRecord();
            foreach (string file in new FlowFileSet([dir]).Files)
            {
                using var reader = NfcapdFileReader.Open(file);
                n += reader.ReadFlowsInto(reused, static _ => { });
            }
            Console.WriteLine(n.ToString(CultureInfo.InvariantCulture));
            return 0;
        }
        if (properties == "~")
        {
            // The engine's read path alone: read and decompressed ahead on another thread, decoded into one reused record.
            long n = FlowFileStream.ForEachTransient(new FlowFileSet([dir]).Files, FlowSelection.All, static _ => { });
            Console.WriteLine(n.ToString(CultureInfo.InvariantCulture));
            return 0;
        }
        // TOPN_FULL_KEYS=1: the 80-byte AggregationKey for every multi-field key (the compact 40-byte key's baseline).
        var aggregator = new TopNAggregator(new TopNOptions(TopNOptions.ParseProperties(properties.Split(',')))
        {
            Order = TopNOrder.Bytes,
            Top = 10,
            CompactKeys = Environment.GetEnvironmentVariable("TOPN_FULL_KEYS") != "1",
        });
        var set = new FlowFileSet([dir]);
        // TOPN_PARALLELISM=0 reads the files one after another through FlowFileSet instead (for comparison).
        int parallelism = int.TryParse(Environment.GetEnvironmentVariable("TOPN_PARALLELISM"), CultureInfo.InvariantCulture, out int p)
            ? p : TopNAggregator.DefaultParallelism;   // what Measure-FlowTopN uses
        if (parallelism == 0) aggregator.AddRange(set.ReadFlows());
        else aggregator.AddFiles(set.Files, FlowSelection.All, parallelism);
        Console.WriteLine(aggregator.RecordCount.ToString(CultureInfo.InvariantCulture));
        foreach (var row in aggregator.GetRows())
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{row.Key} {row.Bytes}"));
        aggregator.ReleaseMemory();   // as Measure-FlowTopN does once its rows are built
        return 0;
    }

    /// <summary>
    /// Writes <paramref name="flows"/> seeded records into <paramref name="files"/> nfcapd files over one hour: sources
    /// from 60,000 hosts with a heavy head (a few talk a lot), destinations from 200,000, common services plus
    /// ephemeral ports, TCP/UDP/ICMP, 1..2,000 packets of 40..1,500 bytes. Kept when it already exists.
    /// </summary>
    internal static string Generate(string dir, long flows, int files, int seed)
    {
        if (Directory.Exists(dir) && Directory.GetFiles(dir, "nfcapd.*").Length == files) return dir;
        if (Directory.Exists(dir)) Directory.Delete(dir, true);
        Directory.CreateDirectory(dir);
        Console.WriteLine($"generating {flows:N0} flows in {files} nfcapd files (seed {seed}) ...");
        var random = new Random(seed);
        ushort[] services = [80, 443, 53, 22, 25, 123, 445, 3389, 8080, 993];
        var start = new DateTime(2024, 7, 11, 9, 0, 0, DateTimeKind.Utc);
        long perFile = (flows + files - 1) / files;
        long written = 0;
        for (int f = 0; f < files && written < flows; f++)
        {
            DateTime slot = start.AddMinutes(5 * f);
            using var writer = NfcapdFileWriter.Create(Path.Combine(dir, FormattableString.Invariant($"nfcapd.{slot:yyyyMMddHHmm}")));
            for (long i = 0; i < perFile && written < flows; i++, written++)
            {
                // Squaring a uniform value gives a heavy head: low host numbers are drawn far more often.
                double u = random.NextDouble();
                uint src = 0x0A000000u + (uint)(u * u * 60_000);
                uint dst = 0xC0A80000u + (uint)random.Next(200_000);
                int pick = random.Next(100);
                byte protocol = pick < 70 ? (byte)6 : pick < 95 ? (byte)17 : (byte)1;
                long packets = 1 + (long)(Math.Pow(random.NextDouble(), 3) * 2_000);
                var begin = slot.AddMilliseconds(random.Next(300_000));
                writer.Accept(new FlowRecord
                {
                    Start = begin,
                    End = begin.AddMilliseconds(random.Next(60_000)),
                    SrcAddr = new IPAddress(BitConverter.IsLittleEndian ? System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(src) : src),
                    DstAddr = new IPAddress(BitConverter.IsLittleEndian ? System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(dst) : dst),
                    Protocol = protocol,
                    SrcPort = protocol == 1 ? (ushort)0 : (ushort)random.Next(32_768, 61_000),
                    DstPort = protocol == 1 ? (ushort)0x0800 : services[random.Next(services.Length)],
                    Packets = packets,
                    Bytes = packets * random.Next(40, 1_501),
                });
            }
            writer.Complete();
        }
        return dir;
    }

    public static Dictionary<string, string> ParseOptions(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"expected --option, got '{args[i]}'");
            options[args[i][2..]] = args[i + 1];
        }
        return options;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
