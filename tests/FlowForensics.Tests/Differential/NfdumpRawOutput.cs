using System.Diagnostics;
using System.Globalization;
using System.Net;
using FlowForensics.Flows;
using Xunit;

namespace FlowForensics.Tests.Differential;

/// <summary>
/// nfdump's <c>-o raw</c> output (1.7.1): one block of <c>key = value</c> lines per flow, millisecond times.
/// Parses it and compares every field it prints with a <see cref="FlowRecord"/>; a key the comparer does not
/// know fails the test, so no printed field goes unchecked by accident.
/// </summary>
internal static class NfdumpRawOutput
{
    public static IEnumerable<Dictionary<string, string>> Parse(TextReader reader)
    {
        Dictionary<string, string>? current = null;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            if (line.StartsWith("Flow Record:", StringComparison.Ordinal))
            {
                if (current is not null) yield return current;
                current = new Dictionary<string, string>(StringComparer.Ordinal);
                continue;
            }
            if (current is null || !line.StartsWith("  ", StringComparison.Ordinal)) continue;
            int eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0) continue;
            current[line[..eq].Trim()] = line[(eq + 1)..].Trim();
        }
        if (current is not null) yield return current;
    }

    public static List<Dictionary<string, string>> ParseFile(string path)
    {
        using var r = new StreamReader(path);
        return Parse(r).ToList();
    }

    /// <summary>Streams <c>TZ=UTC nfdump -r FILE -o raw</c> records without holding the whole output.</summary>
    public static IEnumerable<Dictionary<string, string>> RunLive(string file)
    {
        var psi = new ProcessStartInfo(NfdumpTool.Nfdump)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "-r", file, "-o", "raw" }) psi.ArgumentList.Add(a);
        psi.Environment["TZ"] = "UTC";
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        foreach (var rec in Parse(p.StandardOutput)) yield return rec;
        if (!p.WaitForExit(TimeSpan.FromMinutes(5))) { p.Kill(true); throw new TimeoutException("nfdump -o raw"); }
        _ = stderr.Result;
    }

    private static readonly HashSet<string> Ignored = new(StringComparer.Ordinal)
    {
        "RecordCount", "Flags", "Elements", "size",
        "dst tos", // 1.7.1 -o raw prints srcTos here (spec §17); compared through the CSV's dtos instead
    };

    public static void AssertSame(Dictionary<string, string> raw, FlowRecord f, string where)
    {
        foreach (var (key, value) in raw)
        {
            if (Ignored.Contains(key)) continue;
            string first = value.Split(' ', StringSplitOptions.RemoveEmptyEntries) is { Length: > 0 } parts ? parts[0] : "";
            string ctx = $"{where}: field '{key}' = '{value}'";
            switch (key)
            {
                case "first": Assert.True(Ms(f.Start) == ulong.Parse(first, CultureInfo.InvariantCulture), $"{ctx}, got {Ms(f.Start)}"); break;
                case "last": Assert.True(Ms(f.End) == ulong.Parse(first, CultureInfo.InvariantCulture), $"{ctx}, got {Ms(f.End)}"); break;
                case "received at":
                    Assert.True((f.Received is { } rc ? Ms(rc) : 0UL) == ulong.Parse(first, CultureInfo.InvariantCulture), $"{ctx}, got {f.Received:o}");
                    break;
                case "engine type": Eq(ctx, Int(first), f.EngineType); break;
                case "engine ID": Eq(ctx, Int(first), f.EngineId); break;
                case "export sysid": Eq(ctx, Int(first), f.ExporterId); break;
                case "proto": Eq(ctx, Int(first), f.Protocol); break;
                case "tcp flags":
                    // 1.7.1 -o raw prints 0 for non-TCP flows whatever is stored (its -o csv prints the stored flags)
                    Eq(ctx, Convert.ToInt64(first, 16), f.Protocol == 6 ? (long)f.TcpFlags : 0);
                    break;
                case "src port": Eq(ctx, Int(first), f.SrcPort); break;
                case "dst port": Eq(ctx, Int(first), f.DstPort); break;
                case "ICMP":
                    var tc = first.Split('.');
                    Eq(ctx, Int(tc[0]) * 256 + Int(tc[1]), f.DstPort);
                    break;
                case "src tos": Eq(ctx, Int(first), f.SrcTos); break;
                case "in packets": Eq(ctx, Int(first), f.Packets); break;
                case "in bytes": Eq(ctx, Int(first), f.Bytes); break;
                case "out packets": Eq(ctx, Int(first), f.OutPackets); break;
                case "out bytes": Eq(ctx, Int(first), f.OutBytes); break;
                case "aggr flows": Eq(ctx, Int(first), f.Flows); break;
                case "src addr": Assert.True(IPAddress.Parse(first).Equals(f.SrcAddr), $"{ctx}, got {f.SrcAddr}"); break;
                case "dst addr": Assert.True(IPAddress.Parse(first).Equals(f.DstAddr), $"{ctx}, got {f.DstAddr}"); break;
                case "input": Eq(ctx, Int(first), f.InputInterface); break;
                case "output": Eq(ctx, Int(first), f.OutputInterface); break;
                case "src mask": Eq(ctx, Int(first), f.SrcMask); break;
                case "dst mask": Eq(ctx, Int(first), f.DstMask); break;
                case "fwd status": Eq(ctx, Int(first), f.ForwardingStatus); break;
                case "direction": Eq(ctx, Int(first), (byte)f.Direction); break;
                case "biFlow Dir": Eq(ctx, Convert.ToInt64(first, 16), f.BiFlowDirection); break;
                case "end reason": Eq(ctx, Convert.ToInt64(first, 16), f.FlowEndReason); break;
                case "src vlan": Eq(ctx, Int(first), f.SrcVlan); break;
                case "dst vlan": Eq(ctx, Int(first), f.DstVlan); break;
                case "src as": Eq(ctx, Int(first), f.SrcAs); break;
                case "dst as": Eq(ctx, Int(first), f.DstAs); break;
                case "bgp next as": Eq(ctx, Int(first), f.NextAs); break;
                case "bgp prev as": Eq(ctx, Int(first), f.PrevAs); break;
                case "ip exporter": Assert.True(IPAddress.Parse(first).Equals(f.Exporter), $"{ctx}, got {f.Exporter}"); break;
                case "ip next hop": Assert.True(IPAddress.Parse(first).Equals(f.NextHop), $"{ctx}, got {f.NextHop}"); break;
                case "bgp next hop": Assert.True(IPAddress.Parse(first).Equals(f.BgpNextHop), $"{ctx}, got {f.BgpNextHop}"); break;
                case "in src mac": Assert.Equal(first, Mac(f.SrcMacValue)); break;
                case "in dst mac": Assert.Equal(first, Mac(f.DstMacValue)); break;
                case "out src mac": Assert.Equal(first, Mac(f.OutSrcMacValue)); break;
                case "out dst mac": Assert.Equal(first, Mac(f.OutDstMacValue)); break;
                case "tun proto": Eq(ctx, Int(first), f.TunnelProtocol); break;
                case "tun src addr": Assert.True(IPAddress.Parse(first).Equals(f.TunnelSrcAddr), $"{ctx}, got {f.TunnelSrcAddr}"); break;
                case "tun dst addr": Assert.True(IPAddress.Parse(first).Equals(f.TunnelDstAddr), $"{ctx}, got {f.TunnelDstAddr}"); break;
                case "cli latency": Assert.Equal(first, Latency(f.ClientLatency)); break;
                case "srv latency": Assert.Equal(first, Latency(f.ServerLatency)); break;
                case "app latency": Assert.Equal(first, Latency(f.ApplicationLatency)); break;
                default:
                    if (key.StartsWith("MPLS Lbl", StringComparison.Ordinal))
                    {
                        int n = (int)Int(key["MPLS Lbl".Length..].Trim());
                        Assert.True(f.MplsStack is { } st && st.Length >= n, $"{ctx}, no MPLS entry {n}");
                        uint e = f.MplsStack![n - 1];
                        Assert.Equal(first, $"{e >> 4}-{(e >> 1) & 7}-{e & 1}");
                        break;
                    }
                    Assert.Fail($"{where}: nfdump printed '{key}', which the comparison does not know");
                    break;
            }
        }
    }

    public static ulong Ms(DateTime t) => (ulong)((t - DateTime.UnixEpoch).Ticks / TimeSpan.TicksPerMillisecond);

    private static long Int(string s) => long.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture);

    private static void Eq(string ctx, long expected, long actual) =>
        Assert.True(expected == actual, $"{ctx}: expected {expected}, got {actual}");

    private static string Mac(ulong v) =>
        string.Join(':', Enumerable.Range(0, 6).Select(i => ((byte)(v >> (40 - 8 * i))).ToString("x2", CultureInfo.InvariantCulture)));

    private static string Latency(TimeSpan? t) =>
        ((t?.Ticks ?? 0) / 10 / 1000.0).ToString("0.000", CultureInfo.InvariantCulture);
}

/// <summary>nfdump 1.7.1's <c>-o csv</c> rows (48 columns) without the summary lines.</summary>
internal static class NfdumpCsvOutput
{
    public static (string[] Header, List<string[]> Rows) Parse(string text)
    {
        var lines = text.Split('\n');
        string[] header = lines[0].TrimEnd('\r').Split(',');
        var rows = new List<string[]>();
        for (int i = 1; i < lines.Length; i++)
        {
            string l = lines[i].TrimEnd('\r');
            if (l.Length == 0 || l.StartsWith("Summary", StringComparison.Ordinal) || l.StartsWith("No matching", StringComparison.Ordinal)) break;
            rows.Add(l.Split(','));
        }
        return (header, rows);
    }
}
