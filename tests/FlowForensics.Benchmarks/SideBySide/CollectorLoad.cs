using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using FlowForensics.Export;
using FlowForensics.Flows;
using FlowForensics.Storage.Nfcapd;

namespace FlowForensics.Benchmarks.SideBySide;

/// <summary>
/// Collector load, side by side (<c>dotnet run -c Release -- sidebyside collector [seconds-per-step] [rates...]</c>):
/// NetFlow v5 datagrams (30 distinct flows each) are sent at a paced rate to our <see cref="FlowCollector"/> (records
/// borrowed and written to an nfcapd file by a consumer thread, as Start-FlowCollector -OutputDirectory does) and to nfcapd 1.7.1,
/// both on loopback with the same 4 MB socket receive buffer, in the same run. The sender is a separate process
/// (<c>sidebyside collector-send</c>, so neither collector's pauses pause it) with two threads, one per collector, each
/// sending the same datagram sequence on the same schedule (bursts at most 1 ms apart, no busy wait). After each step
/// both are stopped and the records each wrote are counted; the kernel's drop counter of each socket is read from
/// /proc/net/udp. The figure is the highest step with zero loss whose send rate was reached (95 %) for both.
/// </summary>
internal static class CollectorLoad
{
    private const string Nfcapd = "/usr/bin/nfcapd";
    private const int FlowsPerDatagram = 30;
    private const int SocketBufferBytes = 4 << 20;

    public static int Run(string[] args)
    {
        double seconds = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 2;
        int[] rates = args.Length > 1 ? args[1..].Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToArray()
            : [200_000, 400_000, 600_000, 800_000, 1_000_000, 1_200_000, 1_600_000, 2_000_000, 2_400_000, 3_200_000, 4_000_000];
        Console.WriteLine($"{Environment.ProcessorCount} cores; {seconds:0.#} s per step; NetFlow v5, {FlowsPerDatagram} flows per datagram; "
            + $"SO_RCVBUF {SocketBufferBytes:N0} asked by both (net.core.rmem_max {Sysctl("net/core/rmem_max")}); load average {File.ReadAllText("/proc/loadavg").Trim()}");
        Console.WriteLine("rate (flows/s) | sent | send rate reached (ours / nfcapd) | ours received | ours lost (kernel, backlog, queue) | nfcapd received | nfcapd lost (kernel)");
        int bestOurs = 0, bestTheirs = 0;
        // Also the stricter figure: the highest step below which no step lost anything (a step the sender did not
        // reach neither counts nor breaks the run).
        int sustainedOurs = 0, sustainedTheirs = 0;
        bool oursClean = true, theirsClean = true;
        foreach (int rate in rates)
        {
            var r = Step(rate, seconds);
            Console.WriteLine($"{rate,14:N0} | {r.Sent:N0} | {r.AchievedOurs:N0} / {r.AchievedTheirs:N0} | {r.Ours:N0} | {r.Sent - r.Ours:N0} "
                + $"({r.OurKernelDrops:N0} datagrams, {r.BacklogDrops:N0} datagrams, {r.QueueDrops:N0} records) | {r.Theirs:N0} | {r.Sent - r.Theirs:N0} ({r.TheirKernelDrops:N0} datagrams)");
            bool reached = r.AchievedOurs >= rate * 0.95 && r.AchievedTheirs >= rate * 0.95;
            if (r.Ours == r.Sent && reached) bestOurs = Math.Max(bestOurs, rate);
            if (r.Theirs == r.Sent && reached) bestTheirs = Math.Max(bestTheirs, rate);
            if (!reached) continue;
            oursClean &= r.Ours == r.Sent;
            theirsClean &= r.Theirs == r.Sent;
            if (oursClean) sustainedOurs = rate;
            if (theirsClean) sustainedTheirs = rate;
        }
        Console.WriteLine($"highest zero-loss step: ours {bestOurs:N0} flows/s, nfcapd {bestTheirs:N0} flows/s; load average {File.ReadAllText("/proc/loadavg").Trim()}");
        Console.WriteLine($"zero loss at every step up to: ours {sustainedOurs:N0} flows/s, nfcapd {sustainedTheirs:N0} flows/s");
        return 0;
    }

    private sealed record StepResult(long Sent, long Ours, long Theirs, double AchievedOurs, double AchievedTheirs,
        long QueueDrops, long BacklogDrops, long OurKernelDrops, long TheirKernelDrops);

    private static StepResult Step(int rate, double seconds)
    {
        string dir = Path.Combine(Path.GetTempPath(), "ff-load-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            int theirPort = FreePort();
            var psi = new ProcessStartInfo(Nfcapd, ["-p", theirPort.ToString(CultureInfo.InvariantCulture), "-b", "127.0.0.1", "-w", dir,
                "-t", "3600", "-B", SocketBufferBytes.ToString(CultureInfo.InvariantCulture)]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            using var nfcapd = Process.Start(psi)!;
            nfcapd.OutputDataReceived += (_, _) => { };
            nfcapd.ErrorDataReceived += (_, _) => { };
            nfcapd.BeginOutputReadLine();
            nfcapd.BeginErrorReadLine();
            WaitForBind(theirPort);

            var cpuBefore = ThreadCpu(Environment.ProcessId);
            var pauseBefore = GC.GetTotalPauseDuration();
            int[] gcBefore = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
            using var collector = new FlowCollector(new FlowCollectorOptions { Port = 0, ListenAddress = IPAddress.Loopback, ReceiveBufferBytes = SocketBufferBytes }, new ExportDecoder());
            collector.Start();
            int ourPort = collector.LocalEndPoint!.Port;
            string ourFile = Path.Combine(dir, "ours.nfcapd");
            long written = 0;
            using var stop = new CancellationTokenSource();
            var consumer = new Thread(() =>
            {
                using var writer = NfcapdFileWriter.Create(ourFile, NfcapdCompression.None);
                while (!stop.IsCancellationRequested || collector.Queued > 0)
                    if (collector.TryTakeBorrowed(out var r, 50, CancellationToken.None)) { writer.Accept(r); written++; }
                writer.Complete();
            }) { IsBackground = true };
            consumer.Start();

            var (sent, achievedOurs, achievedTheirs) = SendFromAnotherProcess(rate, seconds, ourPort, theirPort);
            // Both drain their sockets: at least 1.5 s, and ours until no datagram came for 0.5 s (what the kernel buffered
            // is not lost; only what it dropped is).
            Thread.Sleep(1500);
            var idle = Stopwatch.StartNew();
            long seen = collector.Status().Datagrams;
            for (var limit = Stopwatch.StartNew(); limit.Elapsed < TimeSpan.FromSeconds(20) && idle.ElapsedMilliseconds < 500; Thread.Sleep(20))
            {
                long now = collector.Status().Datagrams;
                if (now != seen) { seen = now; idle.Restart(); }
            }
            long ourKernelDrops = KernelDrops(ourPort), theirKernelDrops = KernelDrops(theirPort);
            var cpuOurs = ThreadCpu(Environment.ProcessId);
            var cpuTheirs = ThreadCpu(nfcapd.Id);
            Console.WriteLine("    CPU seconds, ours: " + string.Join(", ", cpuOurs.Where(t => t.Value - cpuBefore.GetValueOrDefault(t.Key) >= 0.01)
                .OrderByDescending(t => t.Value - cpuBefore.GetValueOrDefault(t.Key))
                .Select(t => $"{t.Key.Name} {t.Value - cpuBefore.GetValueOrDefault(t.Key):0.00}"))
                + $"; GCs {GC.CollectionCount(0) - gcBefore[0]}/{GC.CollectionCount(1) - gcBefore[1]}/{GC.CollectionCount(2) - gcBefore[2]} (gen 0/1/2), paused {(GC.GetTotalPauseDuration() - pauseBefore).TotalMilliseconds:0} ms"
                + "; nfcapd: " + string.Join(", ", cpuTheirs.Where(t => t.Value >= 0.01).Select(t => $"{t.Key.Name} {t.Value:0.00}")));
            collector.Stop();
            stop.Cancel();
            consumer.Join();
            using (var kill = Process.Start("kill", ["-TERM", nfcapd.Id.ToString(CultureInfo.InvariantCulture)])) kill!.WaitForExit();
            if (!nfcapd.WaitForExit(30_000)) { nfcapd.Kill(); throw new TimeoutException("nfcapd did not stop"); }
            long theirs = 0;
            foreach (string f in Directory.GetFiles(dir, "nfcapd.*"))
            {
                using var reader = NfcapdFileReader.Open(f);
                foreach (var _ in reader.ReadFlows()) theirs++;
            }
            var status = collector.Status();
            return new StepResult(sent, written, theirs, achievedOurs, achievedTheirs, status.QueueDrops, status.BacklogDrops, ourKernelDrops, theirKernelDrops);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Runs <c>sidebyside collector-send</c> in a new process of this program and reads its result line.</summary>
    private static (long Sent, double AchievedOurs, double AchievedTheirs) SendFromAnotherProcess(int rate, double seconds, int ours, int theirs)
    {
        string self = Environment.ProcessPath!;
        var args = new List<string>();
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") args.Add(typeof(CollectorLoad).Assembly.Location);
        args.AddRange(["sidebyside", "collector-send", rate.ToString(CultureInfo.InvariantCulture), seconds.ToString(CultureInfo.InvariantCulture),
            ours.ToString(CultureInfo.InvariantCulture), theirs.ToString(CultureInfo.InvariantCulture)]);
        var psi = new ProcessStartInfo(self, args) { RedirectStandardOutput = true, UseShellExecute = false };
        using var sender = Process.Start(psi)!;
        string output = sender.StandardOutput.ReadToEnd();
        sender.WaitForExit();
        var fields = output.Trim().Split(' ');
        if (sender.ExitCode != 0 || fields.Length != 3) throw new InvalidOperationException($"the sender failed ({sender.ExitCode}): {output}");
        return (long.Parse(fields[0], CultureInfo.InvariantCulture), double.Parse(fields[1], CultureInfo.InvariantCulture), double.Parse(fields[2], CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// The sender process (<c>sidebyside collector-send RATE SECONDS PORT-A PORT-B</c>): two threads, one per port, send the
    /// same v5 datagrams on the same schedule from a common start; prints "flows-sent rate-reached-A rate-reached-B".
    /// </summary>
    public static int SendMain(string[] args)
    {
        int rate = int.Parse(args[0], CultureInfo.InvariantCulture);
        double seconds = double.Parse(args[1], CultureInfo.InvariantCulture);
        int[] ports = [int.Parse(args[2], CultureInfo.InvariantCulture), int.Parse(args[3], CultureInfo.InvariantCulture)];
        long datagrams = (long)(rate * seconds / FlowsPerDatagram);
        var achieved = new double[2];
        var clock = Stopwatch.StartNew();
        var threads = new Thread[2];
        for (int t = 0; t < 2; t++)
        {
            int which = t;
            threads[t] = new Thread(() => achieved[which] = Send(rate, datagrams, ports[which], clock)) { Name = "sender " + ports[which] };
            threads[t].Start();
        }
        foreach (var t in threads) t.Join();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{datagrams * FlowsPerDatagram} {achieved[0]:0} {achieved[1]:0}"));
        return 0;
    }

    /// <summary>Sends <paramref name="datagrams"/> v5 datagrams to 127.0.0.1:<paramref name="port"/> at <paramref name="rate"/> flows/s; returns the rate reached.</summary>
    private static double Send(int rate, long datagrams, int port, Stopwatch clock)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.SendBufferSize = SocketBufferBytes;
        socket.Connect(new IPEndPoint(IPAddress.Loopback, port));
        var buffer = new byte[24 + 48 * FlowsPerDatagram];
        double perDatagram = (double)Stopwatch.Frequency * FlowsPerDatagram / rate;
        long start = clock.ElapsedTicks;
        for (long i = 0; i < datagrams; i++)
        {
            // Ahead of the schedule: sleep (about a millisecond), then send everything that fell due meanwhile.
            while (clock.ElapsedTicks - start < (long)(i * perDatagram)) Thread.Sleep(1);
            Fill(buffer, i);
            socket.Send(buffer);
        }
        double elapsed = (double)(clock.ElapsedTicks - start) / Stopwatch.Frequency;
        return datagrams * FlowsPerDatagram / elapsed;
    }

    /// <summary>
    /// The collector's CPU per flow without the network (<c>sidebyside collector-cpu [datagrams]</c>): v5 datagrams decoded
    /// by an <see cref="ExportDecoder"/> alone, then decoded and written to an uncompressed nfcapd file as the benchmark's
    /// consumer does, on one thread; prints flows per second of each.
    /// </summary>
    public static int CpuMain(string[] args)
    {
        int n = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100_000;
        var buffer = new byte[24 + 48 * FlowsPerDatagram];
        var exporter = FlowAddress.FromIPv4(0x7F000001);
        var records = new List<FlowRecord>(FlowsPerDatagram);
        for (int round = 0; round < 3; round++)
        {
            var decoder = new ExportDecoder();
            long gc0 = GC.CollectionCount(0);
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < n; i++)
            {
                Fill(buffer, i);
                records.Clear();
                decoder.Decode(buffer, exporter, DateTime.UtcNow, records);
            }
            double decodeOnly = (double)n * FlowsPerDatagram / clock.Elapsed.TotalSeconds;
            long gcDecode = GC.CollectionCount(0) - gc0;
            string file = Path.Combine(Path.GetTempPath(), "ff-cpu-" + Guid.NewGuid().ToString("N"));
            gc0 = GC.CollectionCount(0);
            clock.Restart();
            using (var writer = NfcapdFileWriter.Create(file, NfcapdCompression.None))
            {
                for (int i = 0; i < n; i++)
                {
                    Fill(buffer, i);
                    records.Clear();
                    decoder.Decode(buffer, exporter, DateTime.UtcNow, records);
                    foreach (var r in records) writer.Accept(r);
                }
                writer.Complete();
            }
            double withWrite = (double)n * FlowsPerDatagram / clock.Elapsed.TotalSeconds;
            long gcWrite = GC.CollectionCount(0) - gc0;
            File.Delete(file);
            // The writer alone: the records of one datagram written n times (no decoding in the loop).
            clock.Restart();
            using (var writer = NfcapdFileWriter.Create(file, NfcapdCompression.None))
            {
                for (int i = 0; i < n; i++)
                    foreach (var r in records) writer.Accept(r);
                writer.Complete();
            }
            double writeOnly = (double)n * FlowsPerDatagram / clock.Elapsed.TotalSeconds;
            File.Delete(file);
            Console.WriteLine($"decode {decodeOnly:N0} flows/s ({gcDecode} gen-0 GCs); decode + write {withWrite:N0} flows/s ({gcWrite} gen-0 GCs); write alone {writeOnly:N0} flows/s ({1e9 / writeOnly:N0} ns per record)");
        }
        return 0;
    }

    /// <summary>The kernel's count of datagrams dropped on the loopback UDP socket bound to <paramref name="port"/> (0 when not found).</summary>
    private static long KernelDrops(int port)
    {
        string local = ":" + port.ToString("X4", CultureInfo.InvariantCulture) + " ";
        foreach (string line in File.ReadLines("/proc/net/udp"))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length > 12 && (f[1] + " ").EndsWith(local, StringComparison.Ordinal)) return long.Parse(f[^1], CultureInfo.InvariantCulture);
        }
        return 0;
    }

    /// <summary>CPU seconds (user + system) of each thread of process <paramref name="pid"/>, by (thread id, name).</summary>
    private static Dictionary<(int Id, string Name), double> ThreadCpu(int pid)
    {
        var result = new Dictionary<(int, string), double>();
        try
        {
            foreach (string task in Directory.GetDirectories($"/proc/{pid}/task"))
            {
                string stat = File.ReadAllText(Path.Combine(task, "stat"));
                int open = stat.IndexOf('('), close = stat.LastIndexOf(')');
                var f = stat[(close + 2)..].Split(' ');
                double seconds = (long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture)) / 100.0;
                result[(int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture), stat[(open + 1)..close])] = seconds;
            }
        }
        catch (IOException)
        {
            // The process or a thread ended meanwhile.
        }
        return result;
    }

    private static string Sysctl(string name) =>
        File.Exists("/proc/sys/" + name) ? File.ReadAllText("/proc/sys/" + name).Trim() : "unknown";

    /// <summary>A v5 datagram of 30 flows, distinct per (datagram, record).</summary>
    private static void Fill(byte[] d, long sequence)
    {
        uint now = (uint)DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        BinaryPrimitives.WriteUInt16BigEndian(d, 5);
        BinaryPrimitives.WriteUInt16BigEndian(d.AsSpan(2), FlowsPerDatagram);
        BinaryPrimitives.WriteUInt32BigEndian(d.AsSpan(4), 3_600_000);
        BinaryPrimitives.WriteUInt32BigEndian(d.AsSpan(8), now);
        BinaryPrimitives.WriteUInt32BigEndian(d.AsSpan(12), 0);
        BinaryPrimitives.WriteUInt32BigEndian(d.AsSpan(16), (uint)(sequence * FlowsPerDatagram));
        d[20] = d[21] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(d.AsSpan(22), 0);
        for (int i = 0; i < FlowsPerDatagram; i++)
        {
            var r = d.AsSpan(24 + 48 * i, 48);
            r.Clear();
            uint n = (uint)(sequence * FlowsPerDatagram + i);
            BinaryPrimitives.WriteUInt32BigEndian(r, 0x0A000000 | (n & 0xFFFFFF));
            BinaryPrimitives.WriteUInt32BigEndian(r[4..], 0xC6120000 | (n >> 8 & 0xFFFF));
            BinaryPrimitives.WriteUInt32BigEndian(r[16..], 1 + (n & 7));
            BinaryPrimitives.WriteUInt32BigEndian(r[20..], 40 + (n & 1023));
            BinaryPrimitives.WriteUInt32BigEndian(r[24..], 3_590_000);
            BinaryPrimitives.WriteUInt32BigEndian(r[28..], 3_599_000);
            BinaryPrimitives.WriteUInt16BigEndian(r[32..], (ushort)(1024 + (n % 60000)));
            BinaryPrimitives.WriteUInt16BigEndian(r[34..], 443);
            r[37] = 0x1B;
            r[38] = 6;
        }
    }

    private static int FreePort()
    {
        using var probe = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.Client.LocalEndPoint!).Port;
    }

    private static void WaitForBind(int port)
    {
        string local = ":" + port.ToString("X4", CultureInfo.InvariantCulture) + " ";
        for (int i = 0; i < 800; i++)
        {
            foreach (string line in File.ReadLines("/proc/net/udp"))
                if (line.Contains(local, StringComparison.Ordinal)) return;
            Thread.Sleep(25);
        }
        throw new TimeoutException("nfcapd did not bind");
    }
}
