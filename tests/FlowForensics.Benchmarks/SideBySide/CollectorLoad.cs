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
/// one sender replays NetFlow v5 datagrams (30 distinct flows each) at a paced rate to our <see cref="FlowCollector"/>
/// (records written to an nfcapd file by a consumer thread, as Start-FlowCollector -OutputDirectory does) and to nfcapd
/// 1.7.1, both on loopback, in the same run: every datagram goes to both. After each step both are stopped and the records
/// each wrote are counted. The figure is the highest step with zero loss for each collector.
/// </summary>
internal static class CollectorLoad
{
    private const string Nfcapd = "/usr/bin/nfcapd";
    private const int FlowsPerDatagram = 30;

    public static int Run(string[] args)
    {
        double seconds = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 2;
        int[] rates = args.Length > 1 ? args[1..].Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToArray()
            : [25_000, 50_000, 100_000, 200_000, 300_000, 400_000, 600_000, 800_000];
        Console.WriteLine($"{Environment.ProcessorCount} cores; {seconds:0.#} s per step; NetFlow v5, {FlowsPerDatagram} flows per datagram; socket buffers 4 MB");
        Console.WriteLine("rate (flows/s) | sent | ours received | ours lost | nfcapd received | nfcapd lost | achieved send rate");
        int bestOurs = 0, bestTheirs = 0;
        foreach (int rate in rates)
        {
            var (sent, ours, theirs, achieved, queueDrops) = Step(rate, seconds);
            Console.WriteLine($"{rate,14:N0} | {sent:N0} | {ours:N0} | {sent - ours:N0} ({queueDrops:N0} queue, {sent - ours - queueDrops:N0} socket) | {theirs:N0} | {sent - theirs:N0} | {achieved:N0}");
            if (ours == sent && achieved >= rate * 0.95) bestOurs = Math.Max(bestOurs, rate);
            if (theirs == sent && achieved >= rate * 0.95) bestTheirs = Math.Max(bestTheirs, rate);
        }
        Console.WriteLine($"highest zero-loss step: ours {bestOurs:N0} flows/s, nfcapd {bestTheirs:N0} flows/s");
        return 0;
    }

    private static (long Sent, long Ours, long Theirs, double Achieved, long QueueDrops) Step(int rate, double seconds)
    {
        string dir = Path.Combine(Path.GetTempPath(), "ff-load-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            int theirPort = FreePort();
            var psi = new ProcessStartInfo(Nfcapd, ["-p", theirPort.ToString(CultureInfo.InvariantCulture), "-b", "127.0.0.1", "-w", dir,
                "-t", "3600", "-B", "4194304"]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            using var nfcapd = Process.Start(psi)!;
            nfcapd.OutputDataReceived += (_, _) => { };
            nfcapd.ErrorDataReceived += (_, _) => { };
            nfcapd.BeginOutputReadLine();
            nfcapd.BeginErrorReadLine();
            WaitForBind(theirPort);

            using var collector = new FlowCollector(new FlowCollectorOptions { Port = 0, ListenAddress = IPAddress.Loopback, ReceiveBufferBytes = 4 << 20 }, new ExportDecoder());
            collector.Start();
            string ourFile = Path.Combine(dir, "ours.nfcapd");
            long written = 0;
            using var stop = new CancellationTokenSource();
            var consumer = new Thread(() =>
            {
                using var writer = NfcapdFileWriter.Create(ourFile, NfcapdCompression.None);
                while (!stop.IsCancellationRequested || collector.Queued > 0)
                    if (collector.TryTake(out var r, 50, CancellationToken.None)) { writer.Accept(r); written++; }
                writer.Complete();
            }) { IsBackground = true };
            consumer.Start();

            var (sent, achieved) = Send(rate, seconds, collector.LocalEndPoint!.Port, theirPort);
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
            return (sent, written, theirs, achieved, collector.Status().QueueDrops);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Sends v5 datagrams to both ports at <paramref name="rate"/> flows/s for <paramref name="seconds"/>; returns flows sent and the rate achieved.</summary>
    private static (long Sent, double Achieved) Send(int rate, double seconds, int ours, int theirs)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.SendBufferSize = 4 << 20;
        var a = new IPEndPoint(IPAddress.Loopback, ours);
        var b = new IPEndPoint(IPAddress.Loopback, theirs);
        long datagrams = (long)(rate * seconds / FlowsPerDatagram);
        var buffer = new byte[24 + 48 * FlowsPerDatagram];
        var clock = Stopwatch.StartNew();
        double perDatagram = (double)Stopwatch.Frequency * FlowsPerDatagram / rate;
        for (long i = 0; i < datagrams; i++)
        {
            long due = (long)(i * perDatagram);
            while (clock.ElapsedTicks < due) { if (due - clock.ElapsedTicks > Stopwatch.Frequency / 2000) Thread.Sleep(0); }
            Fill(buffer, i);
            socket.SendTo(buffer, a);
            socket.SendTo(buffer, b);
        }
        double elapsed = clock.Elapsed.TotalSeconds;
        return (datagrams * FlowsPerDatagram, datagrams * FlowsPerDatagram / elapsed);
    }

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
