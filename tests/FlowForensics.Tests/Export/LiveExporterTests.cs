using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using FlowForensics.Export;
using FlowForensics.Flows;
using FlowForensics.Storage.Nfcapd;
using FlowForensics.Tests.Cmdlets;
using FlowForensics.Tests.Differential;
using FlowForensics.Tests.Hosting;
using Xunit;

namespace FlowForensics.Tests.Export;

/// <summary>
/// Real exporters over loopback: softflowd reading a capture (<c>-r</c>, so its flows and times come from the packets)
/// exports NetFlow v5, v9 and IPFIX, once to our <see cref="FlowCollector"/> and once to nfcapd 1.7.1; nfreplay sends an nfcapd file as v5 and v9 (nfreplay 1.7.1 has no IPFIX).
/// Every record the exporter says it sent is received, and the records equal nfcapd's as a multiset of key fields and
/// counters. Every external process runs with a limit and is killed on it; the test then fails with its output.
/// </summary>
[Collection("nfcapd-loopback")]
public sealed class LiveExporterTests : IDisposable
{
    private const string Softflowd = "/usr/sbin/softflowd";
    private const string Nfreplay = "/usr/bin/nfreplay";
    private const string Nfcapd = "/usr/bin/nfcapd";
    private static readonly TimeSpan ProcessLimit = TimeSpan.FromSeconds(90);

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ff-live-" + Guid.NewGuid().ToString("N"));

    public LiveExporterTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string DemoPcap => RepoPaths.Path("module", "Samples", "demo.pcap");

    [Theory]
    [InlineData("5")]
    [InlineData("9")]
    [InlineData("10")]
    public void Softflowd_reading_a_capture_exports_records_we_receive_all_of_and_equal_to_nfcapds(string version)
    {
        Assert.True(File.Exists(Softflowd), "softflowd is not installed");
        // UDP on a shared machine may lose a datagram at either collector: a run where a collector's count differs from
        // what softflowd says it sent is repeated (three runs at most); the last run must be complete and equal.
        Run run = RunSoftflowd(version);
        for (int attempt = 1; attempt < 3 && !run.Complete; attempt++) run = RunSoftflowd(version);
        Assert.True(run.Sent > 100, $"softflowd sent {run.Sent} records");
        Assert.Equal(run.Sent, run.Ours.Count);
        Assert.Equal(run.Sent, run.Theirs.Count);
        Assert.Equal(0, run.Malformed);
        Assert.Equal(Keys(run.Theirs, isNfcapd: true, withTimes: false), Keys(run.Ours, isNfcapd: false, withTimes: false));

        // Times: softflowd -r stamps flows with the capture's packet times, so ours must lie in the capture's span.
        var (first, last) = CaptureSpan(DemoPcap);
        Assert.All(run.Ours, r => Assert.True(r.Start >= first.AddSeconds(-1) && r.End <= last.AddSeconds(1) && r.Start <= r.End,
            $"{r} ends {r.End:o}, outside the capture's {first:o} .. {last:o}"));
        // nfcapd's agree to ±2 ms (two runs; softflowd -a takes "now" from the packets, so the runs export the same times).
        // nfcapd 1.7.1 swaps First and Last of softflowd's IPFIX records (its First is after its Last): compared in order.
        Assert.Equal(run.Ours.Count, MatchingTimes(run.Ours, run.Theirs, orderTheirs: version == "10"));
    }

    private static (DateTime First, DateTime Last) CaptureSpan(string path)
    {
        using var source = FlowForensics.Capture.CaptureFileReader.Open(path);
        DateTime first = DateTime.MaxValue, last = DateTime.MinValue;
        while (source.TryReadPacket(out var p))
        {
            if (p.Timestamp < first) first = p.Timestamp;
            if (p.Timestamp > last) last = p.Timestamp;
        }
        return (first, last);
    }

    /// <summary>Records of <paramref name="ours"/> whose start and end equal a record of <paramref name="theirs"/> with the same key, within 2 ms.</summary>
    private static int MatchingTimes(List<FlowRecord> ours, List<FlowRecord> theirs, bool orderTheirs)
    {
        (string Key, long A, long B) Norm(FlowRecord r, bool isNfcapd)
        {
            long a = (long)(r.Start - DateTime.UnixEpoch).TotalMilliseconds, b = (long)(r.End - DateTime.UnixEpoch).TotalMilliseconds;
            if (isNfcapd && orderTheirs && a > b) (a, b) = (b, a);
            return (Line(r, withTimes: false, isNfcapd), a, b);
        }
        var mine = ours.Select(r => Norm(r, false)).OrderBy(x => x.Key, StringComparer.Ordinal).ThenBy(x => x.A).ToList();
        var other = theirs.Select(r => Norm(r, true)).OrderBy(x => x.Key, StringComparer.Ordinal).ThenBy(x => x.A).ToList();
        int matching = 0;
        for (int i = 0; i < mine.Count && i < other.Count; i++)
            if (mine[i].Key == other[i].Key && Math.Abs(mine[i].A - other[i].A) <= 2 && Math.Abs(mine[i].B - other[i].B) <= 2) matching++;
        return matching;
    }

    [Theory]
    [InlineData("5")]
    [InlineData("9")]
    public void Nfreplay_of_an_nfcapd_file_is_received_whole_and_equals_nfcapd(string version)
    {
        Assert.True(File.Exists(Nfreplay), "nfreplay is not installed");
        // A file of our writer (v3 records, as nfcapd 1.7 writes them): 1500 IPv4 TCP/UDP flows over 10 minutes.
        var source = CmdletKit.RandomFlows(1500, seed: 6, CmdletKit.T0, TimeSpan.FromMinutes(10));
        foreach (var f in source) f.End = f.Start.AddMilliseconds((f.End - f.Start).TotalMilliseconds % 60_000);
        string file = CmdletKit.Write(Path.Combine(_dir, "source.nfcapd"), source);

        // nfreplay sends to one destination: the same file is replayed twice, once to each collector.
        List<FlowRecord> ours = [], theirs = [];
        long malformed = 0;
        for (int attempt = 0; attempt < 3 && (attempt == 0 || ours.Count != source.Count || theirs.Count != source.Count); attempt++)
        {
            (ours, malformed) = Collect(port => ReplayTo(file, port, version));
            theirs = CollectWithNfcapd(port => ReplayTo(file, port, version));
        }
        Assert.Equal(source.Count, ours.Count);
        Assert.Equal(source.Count, theirs.Count);
        Assert.Equal(0, malformed);
        Assert.Equal(Keys(theirs, isNfcapd: true), Keys(ours, isNfcapd: false));
        // And what arrived is what the file holds (times to the second: v5/v9 carry milliseconds of uptime).
        Assert.Equal(SourceKeys(source), SourceKeys(ours));
    }

    private sealed record Run(long Sent, List<FlowRecord> Ours, List<FlowRecord> Theirs, long Malformed)
    {
        public bool Complete => Ours.Count == Sent && Theirs.Count == Sent;
    }

    /// <summary>
    /// softflowd 1.1.0 keeps only the last of several <c>-n</c> destinations, so the same capture is exported twice, once to
    /// each collector: reading a capture, softflowd's flows and their times come from the packets, so both runs send the same.
    /// </summary>
    private Run RunSoftflowd(string version)
    {
        long sent = 0;
        long malformed = 0;
        List<FlowRecord> ours = [];
        (ours, malformed) = Collect(port => sent = ExportWithSoftflowd(port, version));
        long sentAgain = 0;
        var theirs = CollectWithNfcapd(port => sentAgain = ExportWithSoftflowd(port, version));
        Assert.Equal(sent, sentAgain);
        return new Run(sent, ours, theirs, malformed);
    }

    /// <summary>Runs softflowd over the demo capture to 127.0.0.1:<paramref name="port"/>; returns the records it says it exported.</summary>
    private long ExportWithSoftflowd(int port, string version)
    {
        string control = Path.Combine(_dir, "softflowd-" + Guid.NewGuid().ToString("N")[..8] + ".ctl");
        using var softflowd = ExporterProcess.Start(Softflowd, "-d", "-a", "-r", DemoPcap, "-v", version, "-n", "127.0.0.1:" + Port(port),
            "-c", control, "-p", Path.Combine(_dir, "softflowd.pid"));
        // softflowd 1.1.0 with -r blocks in accept() on its control socket before each batch of packets: a harmless
        // "statistics" request lets it go on (softflowctl would do the same), until it reaches EOF and exits.
        int exit = softflowd.WaitForExit(ProcessLimit, () => Poke(control));
        Assert.True(exit == 0, softflowd.Describe());
        var sent = Regex.Match(softflowd.StdOut + softflowd.StdErr, @"Flows exported: \d+ \((\d+) records\)");
        Assert.True(sent.Success, softflowd.Describe());
        return long.Parse(sent.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static void Poke(string control)
    {
        if (!File.Exists(control)) return;
        try
        {
            using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            s.ReceiveTimeout = 2000;
            s.SendTimeout = 2000;
            s.Connect(new UnixDomainSocketEndPoint(control));
            s.Send("statistics\n"u8);
            s.Shutdown(SocketShutdown.Send);
            var buffer = new byte[4096];
            while (s.Receive(buffer) > 0) { }
        }
        catch (SocketException)
        {
            // softflowd is between batches or exiting: the next poke will do.
        }
    }

    private void ReplayTo(string file, int port, string version)
    {
        using var p = ExporterProcess.Start(Nfreplay, "-r", file, "-H", "127.0.0.1", "-p", Port(port), "-v", version, "-d", "200");
        int exit = p.WaitForExit(ProcessLimit);
        Assert.True(exit == 0, p.Describe());
    }

    private static (List<FlowRecord>, long) Collect(Action<int> send)
    {
        using var collector = StartCollector();
        send(collector.LocalEndPoint!.Port);
        var records = Drain(collector, out long malformed);
        return (records, malformed);
    }

    private List<FlowRecord> CollectWithNfcapd(Action<int> send)
    {
        string dir = NewDir("nfcapd");
        int port = FreePort();
        using var nfcapd = ExporterProcess.Start(Nfcapd, "-p", Port(port), "-b", "127.0.0.1", "-w", dir, "-t", "3600", "-B", "4000000");
        WaitForBind(port, nfcapd);
        send(port);
        Thread.Sleep(1000); // let nfcapd drain its socket before it is told to stop
        nfcapd.Terminate(TimeSpan.FromSeconds(30));
        return ReadFiles(dir, nfcapd);
    }

    private static FlowCollector StartCollector()
    {
        var c = new FlowCollector(new FlowCollectorOptions { Port = 0, ListenAddress = IPAddress.Loopback }, new ExportDecoder());
        c.Start();
        return c;
    }

    /// <summary>Waits until no datagram arrived for a second (the exporter has finished), stops, and takes every record.</summary>
    private static List<FlowRecord> Drain(FlowCollector c, out long malformed)
    {
        long last = -1;
        var quiet = Stopwatch.StartNew();
        var limit = Stopwatch.StartNew();
        while (limit.Elapsed < TimeSpan.FromSeconds(30))
        {
            long now = c.Status().Datagrams;
            if (now != last) { last = now; quiet.Restart(); }
            else if (quiet.Elapsed > TimeSpan.FromSeconds(1)) break;
            Thread.Sleep(50);
        }
        c.Stop();
        var status = c.Status();
        Assert.Equal(0, status.QueueDrops);
        malformed = status.Malformed;
        var records = new List<FlowRecord>();
        while (c.TryTake(out var r, 0, CancellationToken.None)) records.Add(r);
        return records;
    }

    private static List<FlowRecord> ReadFiles(string dir, ExporterProcess nfcapd)
    {
        var records = new List<FlowRecord>();
        var files = Directory.GetFiles(dir, "nfcapd.*");
        Assert.True(files.Length > 0, "nfcapd wrote no file: " + nfcapd.Describe());
        foreach (string file in files)
        {
            if (file.EndsWith(".current", StringComparison.Ordinal)) continue;
            using var reader = NfcapdFileReader.Open(file);
            records.AddRange(reader.ReadFlows());
        }
        return records;
    }

    private string NewDir(string name)
    {
        string d = Path.Combine(_dir, name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(d);
        return d;
    }

    private static int FreePort()
    {
        using var probe = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.Client.LocalEndPoint!).Port;
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    /// <summary>nfcapd binds a moment after it starts: wait until the kernel lists the port in /proc/net/udp.</summary>
    private static void WaitForBind(int port, ExporterProcess p)
    {
        string local = ":" + port.ToString("X4", CultureInfo.InvariantCulture) + " ";
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            foreach (string line in File.ReadLines("/proc/net/udp"))
                if (line.Contains(local, StringComparison.Ordinal)) return;
            Assert.False(p.HasExited, "nfcapd exited before binding: " + p.Describe());
            Thread.Sleep(25);
        }
        throw new TimeoutException("nfcapd did not bind: " + p.Describe());
    }

    /// <summary>
    /// One sorted line per record: times to the ms (when asked), addresses, ports, protocol, flags, ToS, counters,
    /// interfaces, AS, masks, next hop. nfcapd 1.7.1 stores no v5 masks; an all-zero next hop is "none".
    /// </summary>
    private static string Keys(List<FlowRecord> records, bool isNfcapd, bool withTimes = true)
    {
        var lines = new List<string>(records.Count);
        foreach (var r in records) lines.Add(Line(r, withTimes, isNfcapd));
        lines.Sort(StringComparer.Ordinal);
        var sb = new StringBuilder();
        foreach (var l in lines) sb.Append(l).Append('\n');
        return sb.ToString();
    }

    private static string Line(FlowRecord r, bool withTimes, bool isNfcapd)
    {
        bool v5 = !isNfcapd && r.ExportVersion == 5;
        // nfcapd 1.7.1 writes the ICMPv6 type/code of softflowd's v9 records as 0 (ICMPv4's are kept).
        int dstPort = !isNfcapd && r.ExportVersion == 9 && r.Protocol == 58 ? 0 : r.DstPort;
        string masks = v5 ? "m0/0" : $"m{r.SrcMask}/{r.DstMask}";
        string nh = r.NextHop is { } a && !a.Equals(IPAddress.Any) && !a.Equals(IPAddress.IPv6Any) ? a.ToString() : "";
        string times = withTimes ? string.Create(CultureInfo.InvariantCulture, $"{r.Start:yyyy-MM-dd HH:mm:ss.fff} {r.End:HH:mm:ss.fff} ") : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"{times}{r.SrcAddr} {r.DstAddr} {r.SrcPort} {dstPort} p{r.Protocol} f{(byte)r.TcpFlags} tos{r.SrcTos} " +
            $"pk{r.Packets} by{r.Bytes} in{r.InputInterface} out{r.OutputInterface} as{r.SrcAs}/{r.DstAs} {masks} nh{nh}");
    }

    private static string SourceKeys(List<FlowRecord> records)
    {
        var lines = new List<string>(records.Count);
        foreach (var r in records)
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"{r.Start:yyyy-MM-dd HH:mm:ss} {r.SrcAddr} {r.DstAddr} {r.SrcPort} {r.DstPort} p{r.Protocol} f{(byte)r.TcpFlags} pk{r.Packets} by{r.Bytes}"));
        lines.Sort(StringComparer.Ordinal);
        return string.Join('\n', lines);
    }
}
