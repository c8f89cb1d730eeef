using System.Globalization;
using System.Management.Automation;
using FlowForensics.Flows;
using FlowForensics.Storage;
using FlowForensics.Storage.Nfcapd;
using FlowForensics.Tests.Differential;
using FlowForensics.Tests.Hosting;

namespace FlowForensics.Tests.Cmdlets;

/// <summary>Shared pieces of the cmdlet tests: running the real cmdlets, nfdump's view of the same files, synthetic flow sets.</summary>
internal static class CmdletKit
{
    public static readonly DateTime T0 = new(2024, 1, 1, 12, 0, 0, DateTimeKind.Utc);

    /// <summary>Runs <paramref name="script"/> with the given variables set; returns the FlowRecords it wrote.</summary>
    public static List<FlowRecord> Run(PsSession s, string script, params (string Name, object? Value)[] variables)
    {
        foreach (var (name, value) in variables) s.SetVariable(name, value);
        var output = s.Invoke(script);
        var flows = new List<FlowRecord>(output.Count);
        foreach (PSObject o in output) flows.Add((FlowRecord)o.BaseObject);
        return flows;
    }

    /// <summary>The fields nfdump 1.7.1's csv prints, in one comparable line (times to the second, duration to the ms).</summary>
    public static string Key(FlowRecord f) => string.Join('|',
        f.Start.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
        ((long)Math.Round((f.End - f.Start).TotalMilliseconds)).ToString(CultureInfo.InvariantCulture),
        f.SrcAddr, f.DstAddr, f.SrcPort, f.DstPort, f.Protocol, (int)f.TcpFlags,
        f.Packets, f.Bytes, f.OutPackets, f.OutBytes, f.InputInterface, f.OutputInterface,
        f.SrcAs, f.DstAs, f.SrcTos, f.DstTos, f.SrcMask, f.DstMask, f.SrcVlan, f.DstVlan);

    /// <summary>nfdump's decoding (<c>-o csv -q</c>, TZ=UTC) as <see cref="Key"/> lines; <paramref name="input"/> is e.g. ["-r", file] or ["-R", dir].</summary>
    public static List<string> NfdumpKeys(string[] input, params string[] more)
    {
        var r = NfdumpTool.Run(NfdumpTool.Nfdump, [.. input, "-q", "-o", "csv", .. more]);
        if (r.ExitCode != 0 && !r.StdOut.Contains("No matching flows", StringComparison.Ordinal) && r.StdOut.Length > 0)
            throw new InvalidOperationException($"nfdump {string.Join(' ', input)} {string.Join(' ', more)}: exit {r.ExitCode}: {r.StdErr}");
        return KeysOfCsv(r.StdOut);
    }

    public static List<string> KeysOfCsv(string csv)
    {
        var keys = new List<string>();
        foreach (string line in NfdumpCsvFlows.RecordLines(csv)) keys.Add(Key(NfdumpCsvFlows.Parse(line)));
        return keys;
    }

    public static List<string> Keys(IEnumerable<FlowRecord> flows) => flows.Select(Key).ToList();

    /// <summary>n TCP/UDP flows spread over <paramref name="span"/> from <paramref name="from"/>, in a shuffled order (as collectors write them).</summary>
    public static List<FlowRecord> RandomFlows(int n, int seed, DateTime from, TimeSpan span, uint srcBase = 0x0A000000u)
    {
        var rng = new Random(seed);
        var list = new List<FlowRecord>(n);
        for (int i = 0; i < n; i++)
        {
            var start = from.AddMilliseconds(rng.NextInt64(0, (long)span.TotalMilliseconds));
            bool tcp = rng.Next(4) != 0;
            list.Add(new FlowRecord
            {
                Start = start,
                End = start.AddMilliseconds(rng.Next(0, 90_000)),
                Protocol = tcp ? (byte)6 : (byte)17,
                TcpFlags = tcp ? (TcpFlags)rng.Next(1, 64) : 0,
                SrcPort = (ushort)rng.Next(1024, 65536),
                DstPort = (ushort)(rng.Next(3) switch { 0 => 443, 1 => 53, _ => rng.Next(1, 1024) }),
                Packets = 1 + rng.Next(0, 50),
                Bytes = 40 + rng.Next(0, 100_000),
                SrcAddress = FlowAddress.FromIPv4(srcBase + (uint)rng.Next(0, 256)),
                DstAddress = FlowAddress.FromIPv4(0xC0A80000u + (uint)rng.Next(0, 512)),
            });
        }
        return list;
    }

    /// <summary>Writes flows to one file with our writer.</summary>
    public static string Write(string path, IEnumerable<FlowRecord> flows, NfcapdCompression compression = NfcapdCompression.Lz4, string ident = "test")
    {
        using var w = NfcapdFileWriter.Create(path, compression, ident);
        foreach (var f in flows) w.Accept(f);
        w.Complete();
        return path;
    }

    /// <summary>Writes flows into nfcapd.YYYYMMDDhhmm files of <paramref name="every"/>.</summary>
    public static IReadOnlyList<string> WriteRotated(string dir, IEnumerable<FlowRecord> flows, TimeSpan every, NfcapdCompression compression = NfcapdCompression.Lz4)
    {
        using var w = new RotatingNfcapdWriter(dir, every, compression, "rot");
        foreach (var f in flows) w.Accept(f);
        w.Complete();
        return w.FilesWritten.ToList();
    }

    /// <summary><c>nfdump -r FILE -I</c> as key/value pairs.</summary>
    public static Dictionary<string, string> NfdumpInfo(string file, string option = "-I")
    {
        var r = NfdumpTool.Run(NfdumpTool.Nfdump, option == "-I" ? ["-r", file, "-I"] : ["-v", file]);
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in r.StdOut.Split('\n'))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0) continue;
            d.TryAdd(line[..colon].Trim(), line[(colon + 1)..].Trim());
        }
        return d;
    }

    /// <summary>nfdump -t's time format.</summary>
    public static string NfdumpTime(DateTime t) => t.ToString("yyyy/MM/dd.HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>Open file descriptors of this process that point at <paramref name="path"/> (Linux /proc).</summary>
    public static int OpenHandles(string path)
    {
        int n = 0;
        foreach (string fd in Directory.GetFiles("/proc/self/fd"))
        {
            try
            {
                if (new FileInfo(fd).LinkTarget == path) n++;
            }
            catch (IOException)
            {
                // the descriptor closed while we looked
            }
        }
        return n;
    }

}
