using System.Diagnostics;
using System.Globalization;
using System.Net;
using FlowForensics.Analysis.LateralMovement;
using FlowForensics.Analysis.Scan;
using FlowForensics.Flows;
using FlowForensics.Storage;
using FlowForensics.Storage.Nfcapd;

namespace FlowForensics.Benchmarks.Analysis;

/// <summary>
/// Find-FlowScan's and Find-FlowLateralMovement's engines over nfcapd files of many flows (default 10 million), each hunt
/// in its own process run so the peak memory is its own:
/// <c>dotnet run -c Release -- hunts generate DIR [FLOWS]</c>, then <c>hunts scan DIR</c> and <c>hunts lateral DIR</c>.
/// Prints the flows read, the findings, the wall time and the peak resident set (VmHWM).
/// </summary>
internal static class ScanLateralRun
{
    public static int Run(string[] args)
    {
        if (args.Length < 2) return Usage();
        string dir = args[1];
        switch (args[0])
        {
            case "generate":
                Generate(dir, args.Length > 2 ? long.Parse(args[2], CultureInfo.InvariantCulture) : 10_000_000);
                return 0;
            case "scan":
            {
                var sw = Stopwatch.StartNew();
                var detector = new ScanDetector();
                foreach (var flow in new FlowFileSet([dir]).ReadFlows()) detector.Add(flow);
                var findings = detector.GetFindings();
                Report("scan", sw.Elapsed, detector.FlowCount, findings.Count, $"dropped {detector.EntriesDropped:N0}, untracked {detector.ProbesNotTracked:N0}");
                foreach (var f in findings.Take(12)) Console.WriteLine("  " + f.Reason);
                return 0;
            }
            case "lateral":
            {
                var sw = Stopwatch.StartNew();
                var start = new DateTime(2024, 7, 11, 9, 0, 0, DateTimeKind.Utc);
                var detector = new LateralMovementDetector(new LateralMovementOptions { LearnUntil = start.AddMinutes(30) });
                foreach (var flow in new FlowFileSet([dir]).ReadFlows()) detector.Add(flow);
                var findings = detector.GetFindings();
                Report("lateral", sw.Elapsed, detector.FlowCount, findings.Count, $"learned edges {detector.LearnedEdgeCount:N0}");
                foreach (var f in findings.Where(static f => f.Score >= 0.5).Take(12)) Console.WriteLine("  " + f.Reason);
                return 0;
            }
            default:
                return Usage();
        }
    }

    private static int Usage()
    {
        Console.Error.WriteLine("usage: hunts generate DIR [FLOWS] | hunts scan DIR | hunts lateral DIR");
        return 2;
    }

    private static void Report(string hunt, TimeSpan elapsed, long flows, int findings, string extra)
    {
        long peakKiB = 0;
        foreach (string line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                peakKiB = long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{hunt}: {flows:N0} flows in {elapsed.TotalSeconds:F1} s ({flows / elapsed.TotalSeconds / 1e6:F2} M flows/s), {findings:N0} findings, peak RSS {peakKiB / 1024:N0} MiB; {extra}"));
    }

    /// <summary>
    /// One hour in 12 nfcapd files: 20,000 inside hosts talking to 200,000 outside ones (TCP sessions each way, DNS,
    /// pings, failed connections), inside SMB/RPC to servers and an admin's sessions, plus a vertical and a horizontal
    /// scan, a sweep and a three-hop chain in the last half hour.
    /// </summary>
    private static void Generate(string dir, long flows)
    {
        Directory.CreateDirectory(dir);
        var random = new Random(8);
        var start = new DateTime(2024, 7, 11, 9, 0, 0, DateTimeKind.Utc);
        const int Files = 12;
        long perFile = flows / Files;
        var sw = Stopwatch.StartNew();
        static FlowAddress Inside(int i) => FlowAddress.FromIPv4(0x0A000000u + 256 + (uint)i);
        static FlowAddress Outside(int i) => FlowAddress.FromIPv4(0xC6120000u + (uint)i);
        var fileServer = FlowAddress.FromIPv4(0x0A000006u);
        var dc = FlowAddress.FromIPv4(0x0A000005u);
        var admin = FlowAddress.FromIPv4(0x0A000007u);
        for (int f = 0; f < Files; f++)
        {
            DateTime slot = start.AddMinutes(5 * f);
            using var writer = NfcapdFileWriter.Create(Path.Combine(dir, FormattableString.Invariant($"nfcapd.{slot:yyyyMMddHHmm}")));
            void Write(DateTime at, FlowAddress src, FlowAddress dst, byte protocol, ushort sport, ushort dport, TcpFlags flags, long packets, long bytes) =>
                writer.Accept(new FlowRecord
                {
                    Start = at, End = at.AddMilliseconds(packets * 3), SrcAddr = src.ToIPAddress(), DstAddr = dst.ToIPAddress(),
                    Protocol = protocol, SrcPort = sport, DstPort = dport, TcpFlags = flags, Packets = packets, Bytes = bytes,
                });
            for (long i = 0; i < perFile; i += 2)
            {
                var at = slot.AddMilliseconds(random.Next(300_000));
                double u = random.NextDouble();
                var client = Inside((int)(u * u * 20_000));
                ushort eph = (ushort)random.Next(32_768, 61_000);
                int pick = random.Next(1000);
                if (pick < 600)
                {
                    var server = Outside(random.Next(200_000));
                    ushort port = random.Next(4) == 0 ? (ushort)80 : (ushort)443;
                    long p = 4 + random.Next(60);
                    Write(at, client, server, 6, eph, port, TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Psh | TcpFlags.Fin, p, p * 300);
                    Write(at, server, client, 6, port, eph, TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Psh | TcpFlags.Fin, p, p * 900);
                }
                else if (pick < 850)
                {
                    var resolver = FlowAddress.FromIPv4(0x0A000002u);
                    Write(at, client, resolver, 17, eph, 53, TcpFlags.None, 1, 70);
                    Write(at, resolver, client, 17, 53, eph, TcpFlags.None, 1, 140);
                }
                else if (pick < 900)
                {
                    var target = random.Next(2) == 0 ? Outside(random.Next(200_000)) : Inside(random.Next(20_000));
                    Write(at, client, target, 1, 0, 0x0800, TcpFlags.None, 1, 84);
                    Write(at, target, client, 1, 0, 0, TcpFlags.None, 1, 84);
                }
                else if (pick < 930)
                {
                    var target = Inside(random.Next(20_000));
                    ushort port = (ushort)(8000 + random.Next(100));
                    Write(at, client, target, 6, eph, port, TcpFlags.Syn, 1, 60);
                    Write(at, target, client, 6, port, eph, TcpFlags.Rst | TcpFlags.Ack, 1, 40);
                }
                else if (pick < 995)
                {
                    bool smb = random.Next(3) > 0;
                    var server = smb ? fileServer : dc;
                    ushort port = smb ? (ushort)445 : (ushort)135;
                    Write(at, client, server, 6, eph, port, TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Psh | TcpFlags.Fin, 20, 8000);
                    Write(at, server, client, 6, port, eph, TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Psh | TcpFlags.Fin, 20, 30000);
                }
                else
                {
                    ushort port = random.Next(2) == 0 ? (ushort)3389 : (ushort)5985;
                    Write(at, admin, client, 6, eph, port, TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Psh | TcpFlags.Fin, 200, 40000);
                    Write(at, client, admin, 6, port, eph, TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Psh | TcpFlags.Fin, 200, 400000);
                }
            }
            if (f == 8)
            {
                var scanner = Inside(19_990);
                var victim = Inside(100);
                for (int p = 1; p <= 1024; p++)
                    Write(slot.AddMilliseconds(20 * p), scanner, victim, 6, 45000, (ushort)p, TcpFlags.Syn, 1, 60);
                for (int h = 0; h < 2000; h++)
                    Write(slot.AddMinutes(1).AddMilliseconds(10 * h), scanner, Inside(h), 6, 45001, 445, TcpFlags.Syn, 1, 60);
                for (int h = 0; h < 500; h++)
                    Write(slot.AddMinutes(2).AddMilliseconds(50 * h), Inside(19_991), Inside(5000 + h), 1, 0, 0x0800, TcpFlags.None, 1, 84);
                var hops = new[] { Inside(19_992), Inside(19_993), Inside(19_994), Inside(19_995) };
                ushort[] ports = [445, 3389, 5985];
                for (int h = 0; h < 3; h++)
                    Write(slot.AddMinutes(3 + h), hops[h], hops[h + 1], 6, 50000, ports[h], TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Psh | TcpFlags.Fin, 300, 400_000);
            }
            writer.Complete();
        }
        Console.WriteLine($"generated {flows:N0} flows in {Files} files under {dir} in {sw.Elapsed.TotalSeconds:F0} s");
    }
}
