using System.Diagnostics;
using System.Text.RegularExpressions;
using FlowForensics.Synthesis;
using Xunit;

namespace FlowForensics.Tests.Synthesis;

/// <summary>The real tcpdump (installed here and in CI) must read generated captures cleanly.</summary>
public sealed partial class TcpdumpTests
{
    [GeneratedRegex(@"\.53: \d+\+ [A-Z0-9]+\? ")]
    private static partial Regex DnsQueryLineRegex();

    private static readonly Regex DnsQueryLine = DnsQueryLineRegex();

    private static (string Stdout, string Stderr, int Exit) Tcpdump(string path)
    {
        var psi = new ProcessStartInfo("tcpdump", ["-nn", "-r", path])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.Environment["TZ"] = "UTC";
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("tcpdump did not start");
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(120_000))
        {
            p.Kill();
            throw new TimeoutException("tcpdump timed out");
        }
        return (stdout, stderr.Result, p.ExitCode);
    }

    private static string Write(ScenarioOptions options, int snap, out ScenarioTruth truth)
    {
        string path = Path.Combine(Path.GetTempPath(), $"ff-synth-{Guid.NewGuid():N}.pcap");
        using (var fs = File.Create(path))
            truth = new ScenarioGenerator(options).WritePcap(fs, snap);
        return path;
    }

    [Theory]
    [InlineData("demo", ScenarioPresets.DemoSnapLength)]
    [InlineData("all-kinds", 65535)]
    public void TcpdumpReadsEveryPacketWithoutErrors(string scenario, int snap)
    {
        var options = scenario == "demo" ? ScenarioPresets.Demo(1) : Scenarios.AllKinds(7);
        string path = Write(options, snap, out var truth);
        try
        {
            var (stdout, stderr, exit) = Tcpdump(path);
            Assert.Equal(0, exit);
            Assert.Equal($"reading from file {path}, link-type EN10MB (Ethernet), snapshot length {snap}", stderr.Trim());
            string[] lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(truth.Packets, lines.Length);
            int syn = 0, dns = 0, icmp = 0;
            foreach (string line in lines)
            {
                Assert.DoesNotContain("[|", line);       // nothing the decoder wanted was cut or malformed
                Assert.DoesNotContain("bad ", line);
                Assert.True(line.Contains(" IP ", StringComparison.Ordinal) || line.Contains(" IP6 ", StringComparison.Ordinal), line);
                if (line.Contains("Flags [S]", StringComparison.Ordinal))
                    syn++;
                // A query tcpdump decoded as DNS ("> host.53: 1234+ A? name."); a TCP probe of port 53 is not one.
                if (DnsQueryLine.IsMatch(line))
                    dns++;
                if (line.Contains(" ICMP", StringComparison.Ordinal))
                    icmp++;
            }
            // tcpdump's decoding agrees with ours on what each frame is.
            var g = scenario == "demo" ? Scenarios.Demo : Scenarios.AllKindsScenario;
            int mySyn = 0, myDnsQueries = 0, myIcmp = 0;
            foreach (var d in g.Decoded)
            {
                if (d.IsTcp && (d.Flags & 0x3F) == 0x02) mySyn++;
                if (d.IsUdp && d.DstPort == 53) myDnsQueries++;
                if (d.Protocol is 1 or 58) myIcmp++;
            }
            Assert.Equal(mySyn, syn);
            Assert.Equal(myDnsQueries, dns);
            Assert.Equal(myIcmp, icmp);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
