using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using FlowForensics.Files;
using FlowForensics.Storage.Nfcapd;
using FlowForensics.Tests.Differential;
using FlowForensics.Tests.Hosting;
using Xunit;
using Xunit.Abstractions;

namespace FlowForensics.Tests.Durability;

/// <summary>
/// Issue 18 item 3 with real processes: the module in a child pwsh, Convert-PcapToFlow -OutputDirectory on a capture
/// and Start-FlowCollector fed by a NetFlow v5 sender, killed with SIGTERM, SIGHUP or SIGKILL at a random moment
/// (fixed seeds). After every kill each file, completed or temporary, is read by nfdump -r and by us alike, and
/// recovery completes what a SIGKILL left; after SIGTERM and SIGHUP no temporary file is left and nothing received
/// is lost. Flow i carries source address 10.0.0.0 + i, so a lost flow shows as a gap.
/// Cost: 21 runs of a few seconds each, about two minutes in all.
/// </summary>
public sealed class KillTests : IClassFixture<KillTests.CaptureFixture>, IDisposable
{
    private static readonly DateTime T0 = new(2024, 1, 1, 12, 0, 0, DateTimeKind.Utc);
    private static readonly TimeSpan ExitLimit = TimeSpan.FromSeconds(90);
    private readonly CaptureFixture _capture;
    private readonly ITestOutputHelper _log;
    private readonly string _dir = Directory.CreateTempSubdirectory("ff-kill-").FullName;

    public KillTests(CaptureFixture capture, ITestOutputHelper log)
    {
        _capture = capture;
        _log = log;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A capture of <see cref="Packets"/> UDP packets, one flow each, 1 ms apart (over 13 minutes: three 5-minute slots).</summary>
    public sealed class CaptureFixture : IDisposable
    {
        public const int Packets = 800_000;

        public CaptureFixture()
        {
            Path = System.IO.Path.Combine(Directory.CreateTempSubdirectory("ff-kill-capture-").FullName, "flows.pcap");
            using var file = new FileStream(Path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
            Span<byte> global = stackalloc byte[24];
            BinaryPrimitives.WriteUInt32LittleEndian(global, 0xA1B2C3D4);
            BinaryPrimitives.WriteUInt16LittleEndian(global[4..], 2);
            BinaryPrimitives.WriteUInt16LittleEndian(global[6..], 4);
            BinaryPrimitives.WriteUInt32LittleEndian(global[16..], 65535);
            BinaryPrimitives.WriteUInt32LittleEndian(global[20..], 1);   // Ethernet
            file.Write(global);
            var packet = new byte[16 + 14 + 20 + 8 + 8];
            long seconds0 = (long)(T0 - DateTime.UnixEpoch).TotalSeconds;
            for (int i = 0; i < Packets; i++)
            {
                var p = packet.AsSpan();
                p.Clear();
                BinaryPrimitives.WriteUInt32LittleEndian(p, (uint)(seconds0 + i / 1000));
                BinaryPrimitives.WriteUInt32LittleEndian(p[4..], (uint)(i % 1000 * 1000));
                BinaryPrimitives.WriteUInt32LittleEndian(p[8..], 50);
                BinaryPrimitives.WriteUInt32LittleEndian(p[12..], 50);
                var eth = p[16..];
                eth[0] = 2; eth[6] = 2; eth[11] = 1;
                BinaryPrimitives.WriteUInt16BigEndian(eth[12..], 0x0800);
                var ip = eth[14..];
                ip[0] = 0x45;
                BinaryPrimitives.WriteUInt16BigEndian(ip[2..], 36);
                ip[8] = 64;
                ip[9] = 17;
                BinaryPrimitives.WriteUInt32BigEndian(ip[12..], 0x0A000000u + (uint)i);
                BinaryPrimitives.WriteUInt32BigEndian(ip[16..], 0xC0000201u);
                uint sum = 0;
                for (int k = 0; k < 20; k += 2) sum += BinaryPrimitives.ReadUInt16BigEndian(ip[k..]);
                while (sum > 0xFFFF) sum = (sum & 0xFFFF) + (sum >> 16);
                BinaryPrimitives.WriteUInt16BigEndian(ip[10..], (ushort)~sum);
                var udp = ip[20..];
                BinaryPrimitives.WriteUInt16BigEndian(udp, 40000);
                BinaryPrimitives.WriteUInt16BigEndian(udp[2..], 53);
                BinaryPrimitives.WriteUInt16BigEndian(udp[4..], 16);
                file.Write(packet);
            }
        }

        public string Path { get; }

        public void Dispose() => Directory.Delete(System.IO.Path.GetDirectoryName(Path)!, recursive: true);
    }

    /// <summary>A child <c>dotnet pwsh</c> with the module imported, running <paramref name="command"/>; its output is kept.</summary>
    private sealed class Child : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();

        public Child(string command)
        {
            var psi = new ProcessStartInfo("dotnet")
            {
                WorkingDirectory = RepoPaths.Root,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (string a in (string[])["pwsh", "-NoProfile", "-NonInteractive", "-Command", $"Import-Module $env:FLOWFORENSICS_MODULE; {command}"])
                psi.ArgumentList.Add(a);
            psi.Environment["NO_COLOR"] = "1";
            psi.Environment["FLOWFORENSICS_MODULE"] = RepoPaths.ModuleManifest;
            _process = new Process { StartInfo = psi };
            _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
            _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
            _process.Start();
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public int Id => _process.Id;

        public string Output
        {
            get { lock (_output) return _output.ToString(); }
        }

        /// <summary>
        /// Signals pwsh itself: <c>dotnet pwsh</c> runs it two processes down (the dotnet muxer, the tool's shim, then
        /// pwsh.dll), and a signal to the muxer does not reach it.
        /// </summary>
        public void Signal(string signal)
        {
            int target = Id;
            for (int depth = 0; depth < 4; depth++)
            {
                string children = Path.Combine("/proc", target.ToString(System.Globalization.CultureInfo.InvariantCulture), "task",
                    target.ToString(System.Globalization.CultureInfo.InvariantCulture), "children");
                string text = File.Exists(children) ? File.ReadAllText(children).Trim() : "";
                if (text.Length == 0) break;
                target = int.Parse(text.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            }
            NfdumpTool.Run("kill", ["-s", signal, target.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }

        public bool WaitFor(string text, TimeSpan limit)
        {
            var watch = Stopwatch.StartNew();
            while (watch.Elapsed < limit)
            {
                if (Output.Contains(text, StringComparison.Ordinal)) return true;
                if (_process.HasExited) return false;
                Thread.Sleep(20);
            }
            return false;
        }

        public void WaitForExit()
        {
            Assert.True(_process.WaitForExit(ExitLimit), $"pwsh did not end within {ExitLimit} of the signal:\n{Output}");
            _process.WaitForExit();
        }

        public bool HasExited => _process.HasExited;

        public void Dispose()
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.Dispose();
        }
    }

    /// <summary>
    /// Reads every nfcapd file in <paramref name="folder"/> (temporary ones too) with nfdump -r and with our reader,
    /// asserts they agree file by file, and returns the flow indexes (source address - 10.0.0.0) read.
    /// </summary>
    private static List<long> ReadBack(string folder)
    {
        var indexes = new List<long>();
        foreach (string file in Directory.GetFiles(folder))
        {
            var ours = new List<long>();
            using (var reader = NfcapdFileReader.Open(file))
                foreach (var f in reader.ReadFlows()) ours.Add(BinaryPrimitives.ReadUInt32BigEndian(f.SrcAddr!.GetAddressBytes()) - 0x0A000000L);
            string text = NfdumpTool.RunChecked(NfdumpTool.Nfdump, ["-r", file, "-q", "-o", "fmt:%sa"]);
            var nfdump = new List<long>();
            foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (line == "No matching flows" && ours.Count == 0) continue;   // nfdump's word for a file with no block yet
                Assert.True(IPAddress.TryParse(line, out var address), $"nfdump -r {file} printed '{line}' among its flows");
                nfdump.Add(BinaryPrimitives.ReadUInt32BigEndian(address!.GetAddressBytes()) - 0x0A000000L);
            }
            Assert.Equal(ours.Order(), nfdump.Order());
            indexes.AddRange(ours);
        }
        Assert.Equal(indexes.Count, indexes.Distinct().Count());
        return indexes;
    }

    private static string[] Temporary(string folder) =>
        [.. Directory.GetFiles(folder).Where(static f => AtomicFile.IsTemporaryName(Path.GetFileName(f)))];

    private static void AssertPrefix(List<long> indexes, string context)
    {
        indexes.Sort();
        for (int i = 0; i < indexes.Count; i++)
            Assert.True(indexes[i] == i, $"flow {i} is missing ({indexes.Count} flows read back): {context}");
    }

    [Theory]
    [InlineData("TERM", 4, 181)]
    [InlineData("HUP", 4, 182)]
    [InlineData("KILL", 4, 183)]
    public void ConvertPcapToFlowKilledAtARandomMoment(string signal, int runs, int seed)
    {
        var random = new Random(seed);
        for (int run = 0; run < runs; run++)
        {
            string output = Path.Combine(_dir, $"{signal}-{run}");
            using var child = new Child($"Convert-PcapToFlow -Path '{_capture.Path}' -OutputDirectory '{output}' -Verbose 4>&1 | Out-Host");
            Thread.Sleep(random.Next(1500, 9000));   // pwsh starts in 2 to 3 s; the conversion takes about 8 more
            bool finished = child.HasExited;
            child.Signal(signal);
            child.WaitForExit();
            _log.WriteLine($"run {run}: {signal} ({(finished ? "after the end" : "while converting")})\n{child.Output}");
            if (!Directory.Exists(output)) continue;
            var indexes = ReadBack(output);
            if (signal == "KILL")
            {
                // What SIGKILL left is completed by the next run's recovery, and reads the same.
                var recovered = NfcapdRecovery.RecoverFolder(output);
                Assert.Empty(Temporary(output));
                Assert.Equal(indexes.Order(), ReadBack(output).Order());
                _log.WriteLine(string.Join('\n', recovered));
            }
            else
            {
                Assert.Empty(Temporary(output));
                AssertPrefix(indexes, child.Output);
            }
        }
    }

    [Theory]
    [InlineData("TERM", 3, 281)]
    [InlineData("HUP", 3, 282)]
    [InlineData("KILL", 3, 283)]
    public void StartFlowCollectorKilledWhileReceiving(string signal, int runs, int seed)
    {
        var random = new Random(seed);
        for (int run = 0; run < runs; run++)
        {
            string output = Path.Combine(_dir, $"collector-{signal}-{run}");
            int port = FreeUdpPort();
            using var child = new Child($"Start-FlowCollector -Port {port} -ListenAddress 127.0.0.1 -OutputDirectory '{output}' -Verbose 4>&1 | Out-Host");
            Assert.True(child.WaitFor("Listening on UDP", TimeSpan.FromSeconds(60)), $"the collector never listened:\n{child.Output}");
            int datagrams = 1000 + random.Next(0, 2000);
            int killAt = signal == "KILL" ? random.Next(0, datagrams) : datagrams;
            long sent = SendV5(port, datagrams, killAt, () => child.Signal(signal), signal == "KILL" ? TimeSpan.Zero : TimeSpan.FromSeconds(1));
            child.WaitForExit();
            _log.WriteLine($"run {run}: {signal} after {sent} flows\n{child.Output}");
            var indexes = ReadBack(output);
            if (signal == "KILL")
            {
                Assert.True(indexes.Count <= sent);
                NfcapdRecovery.RecoverFolder(output);
                Assert.Empty(Temporary(output));
                Assert.Equal(indexes.Order(), ReadBack(output).Order());
            }
            else
            {
                // Every flow sent (and received: loopback, paced) before SIGTERM/SIGHUP is in a completed file.
                Assert.Empty(Temporary(output));
                Assert.Equal(sent, indexes.Count);
                AssertPrefix(indexes, child.Output);
            }
        }
    }

    private static int FreeUdpPort()
    {
        using var probe = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.Client.LocalEndPoint!).Port;
    }

    /// <summary>Sends <paramref name="datagrams"/> NetFlow v5 datagrams of 30 flows, paced; signals before datagram <paramref name="signalAt"/> (or after a pause at the end).</summary>
    private static long SendV5(int port, int datagrams, int signalAt, Action signal, TimeSpan pauseBeforeSignal)
    {
        using var udp = new UdpClient();
        udp.Connect(IPAddress.Loopback, port);
        var d = new byte[24 + 30 * 48];
        long flows = 0;
        uint unixSecs = (uint)(T0 - DateTime.UnixEpoch).TotalSeconds;
        for (int n = 0; n < datagrams; n++)
        {
            if (n == signalAt)
            {
                signal();
                return flows;
            }
            var s = d.AsSpan();
            s.Clear();
            BinaryPrimitives.WriteUInt16BigEndian(s, 5);
            BinaryPrimitives.WriteUInt16BigEndian(s[2..], 30);
            BinaryPrimitives.WriteUInt32BigEndian(s[4..], 600_000);
            BinaryPrimitives.WriteUInt32BigEndian(s[8..], unixSecs + (uint)(n / 10));
            BinaryPrimitives.WriteUInt32BigEndian(s[16..], (uint)flows);
            for (int r = 0; r < 30; r++)
            {
                var rec = s[(24 + r * 48)..];
                BinaryPrimitives.WriteUInt32BigEndian(rec, 0x0A000000u + (uint)(flows + r));
                BinaryPrimitives.WriteUInt32BigEndian(rec[4..], 0xC0000201u);
                BinaryPrimitives.WriteUInt32BigEndian(rec[16..], 1);
                BinaryPrimitives.WriteUInt32BigEndian(rec[20..], 64);
                BinaryPrimitives.WriteUInt32BigEndian(rec[24..], 599_000);
                BinaryPrimitives.WriteUInt32BigEndian(rec[28..], 599_500);
                BinaryPrimitives.WriteUInt16BigEndian(rec[32..], 40000);
                BinaryPrimitives.WriteUInt16BigEndian(rec[34..], 53);
                rec[38] = 17;
            }
            udp.Send(d, d.Length);
            flows += 30;
            if (n % 20 == 19) Thread.Sleep(2);   // about 10,000 datagrams a second at most: no loss on loopback
        }
        Thread.Sleep(pauseBeforeSignal);
        signal();
        return flows;
    }
}
