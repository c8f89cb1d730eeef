using System.Globalization;
using FlowForensics.Flows;
using FlowForensics.Storage;
using FlowForensics.Storage.Nfcapd;

namespace FlowForensics.Benchmarks.SideBySide;

/// <summary>
/// Read-and-count side by side with nfdump (issue 3): <c>nfdump -R DIR -q -o csv | wc -l</c> against the engine
/// (<see cref="FlowFileSet"/> over <see cref="NfcapdFileReader"/>, counting records) in its own process, over one
/// deterministic file set written by our <see cref="RotatingNfcapdWriter"/>, uncompressed and LZ4; and the
/// <c>Get-FlowRecord</c> cmdlet through the PowerShell pipeline in a fresh real pwsh, counting with ForEach-Object.
/// <code>
/// dotnet run -c Release --project tests/FlowForensics.Benchmarks -- sidebyside read [--flows 1000000] [--rounds 3]
/// </code>
/// </summary>
internal static class ReadComparison
{
    private const int JobsPerSet = 3;   // nfdump, engine, cmdlet

    internal static readonly DateTime GeneratedStart = new(2024, 3, 1, 8, 0, 0, DateTimeKind.Utc);

    internal static int Run(Dictionary<string, string> options)
    {
        long flows = long.Parse(options.GetValueOrDefault("flows", "1000000"), CultureInfo.InvariantCulture);
        int rounds = int.Parse(options.GetValueOrDefault("rounds", "3"), CultureInfo.InvariantCulture);
        string self = typeof(ReadComparison).Assembly.Location;
        var sets = new (string Name, string Dir)[]
        {
            ("uncompressed", EnsureFileSet(flows, NfcapdCompression.None)),
            ("LZ4", EnsureFileSet(flows, NfcapdCompression.Lz4)),
        };

        var jobs = new List<(string Set, string Label, string Command, Func<ProcessRun> Run)>();
        foreach (var (name, dir) in sets)
        {
            string nf = $"nfdump -R {dir} -q -o csv | wc -l";
            jobs.Add((name, "nfdump -R (Debian 1.7.1) -q -o csv | wc -l", nf,
                () => ProcessRun.Measure("nfdump", "sh", ["-c", nf])));
            jobs.Add((name, "FlowForensics engine (FlowFileSet, count)", $"dotnet FlowForensics.Benchmarks.dll sidebyside read-engine {dir}",
                () => ProcessRun.Measure("engine", "dotnet", [self, "sidebyside", "read-engine", dir])));
            string script = $"$n = 0; Get-FlowRecord -LiteralPath '{dir}' | ForEach-Object {{ $n++ }}; $n";
            jobs.Add((name, "Get-FlowRecord cmdlet (fresh pwsh, | ForEach-Object count)", $"dotnet pwsh -NoProfile -Command \"Import-Module ./out/FlowForensics; {script}\"",
                () => ProcessRun.Measure("cmdlet", "dotnet", NfdumpComparison.PwshWithModule(script))));
        }

        Console.WriteLine($"file sets: {flows:N0} flows each, {rounds} rounds after a warm-up, interleaved, medians");
        foreach (var (name, dir) in sets)
            Console.WriteLine($"  {name}: {dir} ({Directory.GetFiles(dir).Length} files, {DirBytes(dir) / 1e6:F1} MB)");
        var samples = Measure(jobs.ConvertAll(j => j.Run), rounds);
        Console.WriteLine();
        Console.WriteLine("| file set | job | records | wall s (median) | records/s | peak RSS MiB | vs nfdump |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|");
        for (int j = 0; j < jobs.Count; j += JobsPerSet)
        {
            double baseline = NfdumpComparison.Median(samples[j].Select(s => s.WallSeconds));
            for (int k = j; k < j + JobsPerSet; k++) PrintRow(jobs[k].Set, jobs[k].Label, samples[k], baseline);
        }
        Console.WriteLine();
        Console.WriteLine("commands:");
        foreach (var job in jobs) Console.WriteLine($"  [{job.Set}] {job.Command}");
        return CountsAgree(jobs.ConvertAll(j => j.Label), samples, JobsPerSet) ? 0 : 1;
    }

    /// <summary>Warm-up of every job, then <paramref name="rounds"/> interleaved rounds, so drift in machine load hits all alike.</summary>
    internal static List<ProcessRun>[] Measure(IReadOnlyList<Func<ProcessRun>> jobs, int rounds)
    {
        foreach (var job in jobs) job();
        var samples = new List<ProcessRun>[jobs.Count];
        for (int j = 0; j < jobs.Count; j++) samples[j] = new List<ProcessRun>();
        for (int r = 0; r < rounds; r++)
            for (int j = 0; j < jobs.Count; j++) samples[j].Add(jobs[j]());
        return samples;
    }

    internal static long Records(ProcessRun run) => long.Parse(run.Stdout.Trim(), CultureInfo.InvariantCulture);

    internal static void PrintRow(string set, string label, List<ProcessRun> runs, double baselineWall)
    {
        long records = Records(runs[0]);
        double wall = NfdumpComparison.Median(runs.Select(s => s.WallSeconds));
        long rss = (long)NfdumpComparison.Median(runs.Select(s => (double)s.PeakRssKiB));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {set} | {label} | {records:N0} | {wall:F2} | {records / wall / 1e6:F2} M | {rss / 1024.0:F0} | {baselineWall / wall:F2}× |"));
    }

    /// <summary>
    /// Jobs come in groups of <paramref name="groupSize"/> over the same input, nfdump first: every run of every job in
    /// a group must print the same record count.
    /// </summary>
    internal static bool CountsAgree(List<string> labels, List<ProcessRun>[] samples, int groupSize)
    {
        bool ok = true;
        for (int j = 0; j + groupSize - 1 < samples.Length; j += groupSize)
        {
            long reference = Records(samples[j][0]);
            for (int k = j; k < j + groupSize; k++)
            {
                foreach (var run in samples[k])
                {
                    if (Records(run) == reference) continue;
                    Console.WriteLine($"COUNT MISMATCH: {labels[j]} {reference:N0} vs {labels[k]} {Records(run):N0}");
                    ok = false;
                }
            }
        }
        Console.WriteLine(ok ? "counts agree: every job over the same input printed the same record count in every run" : "COUNTS DISAGREE (see above)");
        return ok;
    }

    /// <summary>The engine alone, as its own process: every file of the folder read, every record counted.</summary>
    internal static int EngineCount(string dir)
    {
        var set = new FlowFileSet([dir]);
        long count = 0;
        foreach (var _ in set.ReadFlows()) count++;
        Console.WriteLine(count.ToString(CultureInfo.InvariantCulture));
        return 0;
    }

    private static long DirBytes(string dir)
    {
        long total = 0;
        foreach (var f in Directory.GetFiles(dir)) total += new FileInfo(f).Length;
        return total;
    }

    /// <summary>
    /// The deterministic file set of <paramref name="flows"/> flows for <paramref name="compression"/>, written once
    /// (a marker file records completion) under the temp folder: 5-minute nfcapd files over one hour.
    /// </summary>
    internal static string EnsureFileSet(long flows, NfcapdCompression compression)
    {
        string dir = Path.Combine(Path.GetTempPath(), "flowforensics-bench", $"flows{flows}-{compression.ToString().ToLowerInvariant()}");
        string marker = dir + ".complete";
        if (File.Exists(marker) && Directory.Exists(dir)) return dir;
        if (Directory.Exists(dir)) Directory.Delete(dir, true);
        Console.WriteLine($"writing {flows:N0} generated flows (seed 7) to {dir} ...");
        using (var writer = new RotatingNfcapdWriter(dir, TimeSpan.FromMinutes(5), compression, "bench"))
        {
            foreach (var flow in GenerateFlows(flows, seed: 7)) writer.Accept(flow);
            writer.Complete();
        }
        File.WriteAllText(marker, flows.ToString(CultureInfo.InvariantCulture));
        return dir;
    }

    /// <summary>
    /// A seeded mix resembling an enterprise edge over one hour, in start order: ~60% TCP, ~30% UDP, ~10% ICMP;
    /// half the sources in 10/8; web, DNS and other service ports; TCP flag sets from SYN-only scans to full
    /// sessions; packet counts skewed small; 5% IPv6.
    /// </summary>
    internal static IEnumerable<FlowRecord> GenerateFlows(long count, int seed)
    {
        var rng = new Random(seed);
        ushort[] services = [80, 443, 8080, 53, 22, 123, 25, 3389];
        TcpFlags[] flagSets =
        [
            TcpFlags.Syn,
            TcpFlags.Syn | TcpFlags.Ack,
            TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Psh | TcpFlags.Fin,
            TcpFlags.Ack | TcpFlags.Psh,
            TcpFlags.Rst,
            TcpFlags.Syn | TcpFlags.Rst,
            TcpFlags.Ack | TcpFlags.Fin,
        ];
        double stepMs = 3_600_000.0 / Math.Max(1, count);
        for (long i = 0; i < count; i++)
        {
            var start = GeneratedStart.AddMilliseconds(Math.Floor(i * stepMs));
            int roll = rng.Next(100);
            byte proto = roll < 60 ? (byte)6 : roll < 90 ? (byte)17 : (byte)1;
            long packets = rng.Next(4) == 0 ? rng.Next(1, 5000) : rng.Next(1, 12);
            var flow = new FlowRecord
            {
                Start = start,
                End = start.AddMilliseconds(rng.Next(0, 60_000)),
                Protocol = proto,
                Packets = packets,
                Bytes = packets * rng.Next(40, 1500),
            };
            bool v6 = rng.Next(20) == 0;
            if (v6)
            {
                flow.SrcAddress = FlowAddress.FromIPv6(0x20010db800000000UL | (uint)rng.Next(0x10000), (ulong)rng.NextInt64());
                flow.DstAddress = FlowAddress.FromIPv6(0x2001067c00000000UL, (ulong)rng.Next(0x10000));
            }
            else
            {
                uint src = rng.Next(2) == 0 ? 0x0A000000u | (uint)rng.Next(0x1000000) : 0xC0A80000u | (uint)rng.Next(0x10000);
                if (rng.Next(5) == 0) src = (uint)rng.Next(0x0B000000, 0x7F000000);
                flow.SrcAddress = FlowAddress.FromIPv4(src);
                flow.DstAddress = FlowAddress.FromIPv4(0xC6336400u | (uint)rng.Next(256));
            }
            if (proto == 1)
            {
                flow.DstPort = (ushort)(rng.Next(3) switch { 0 => 0x0800, 1 => 0x0000, _ => 0x0303 });
            }
            else
            {
                flow.SrcPort = (ushort)rng.Next(1024, 65536);
                flow.DstPort = rng.Next(5) == 0 ? (ushort)rng.Next(1, 65536) : services[rng.Next(services.Length)];
            }
            if (proto == 6) flow.TcpFlags = flagSets[rng.Next(flagSets.Length)];
            yield return flow;
        }
    }
}
