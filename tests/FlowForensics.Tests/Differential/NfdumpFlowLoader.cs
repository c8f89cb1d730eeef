using System.Globalization;
using System.Net;
using FlowForensics.Flows;

namespace FlowForensics.Tests.Differential;

/// <summary>
/// TEST-ONLY: flow records from an nfcapd file through Debian's <c>nfdump -o fmt:...</c>, until our own nfcapd
/// reader lands. A fmt: line is used rather than 1.7.1's <c>-o csv</c> because that csv prints whole seconds,
/// and the rates (pps, bps) need nfdump's milliseconds. ICMP destination ports print as "type.code".
/// </summary>
internal static class NfdumpFlowLoader
{
    private const string Format =
        "fmt:%ts|%te|%sa|%da|%sp|%dp|%pr|%ipkt|%ibyt|%opkt|%obyt|%fl|%sas|%das|%in|%out|%stos|%dtos|%svln|%dvln";

    public static List<FlowRecord> Load(string nfcapdFile) => Parse(nfcapdFile, ["-r", nfcapdFile]);

    /// <summary>Every nfcapd file of a folder, as <c>nfdump -R</c> reads them.</summary>
    public static List<FlowRecord> LoadDirectory(string folder) => Parse(folder, ["-R", folder]);

    private static List<FlowRecord> Parse(string nfcapdFile, string[] input)
    {
        string text = NfdumpTool.RunChecked("nfdump", [.. input, "-q", "-N", "-o", Format]);
        var flows = new List<FlowRecord>();
        foreach (string raw in text.Split('\n'))
        {
            if (raw.Trim().Length == 0) continue;
            string[] f = raw.Split('|');
            if (f.Length != 20) throw new FormatException($"{nfcapdFile}: unexpected nfdump line '{raw}'.");
            var flow = new FlowRecord
            {
                Start = ParseTime(f[0]),
                End = ParseTime(f[1]),
                SrcAddr = IPAddress.Parse(f[2].Trim()),
                DstAddr = IPAddress.Parse(f[3].Trim()),
                SrcPort = ParsePort(f[4]),
                DstPort = ParsePort(f[5]),
                Protocol = byte.Parse(f[6].Trim(), CultureInfo.InvariantCulture),
                Packets = long.Parse(f[7].Trim(), CultureInfo.InvariantCulture),
                Bytes = long.Parse(f[8].Trim(), CultureInfo.InvariantCulture),
                OutPackets = long.Parse(f[9].Trim(), CultureInfo.InvariantCulture),
                OutBytes = long.Parse(f[10].Trim(), CultureInfo.InvariantCulture),
                Flows = long.Parse(f[11].Trim(), CultureInfo.InvariantCulture),
                SrcAs = uint.Parse(f[12].Trim(), CultureInfo.InvariantCulture),
                DstAs = uint.Parse(f[13].Trim(), CultureInfo.InvariantCulture),
                InputInterface = uint.Parse(f[14].Trim(), CultureInfo.InvariantCulture),
                OutputInterface = uint.Parse(f[15].Trim(), CultureInfo.InvariantCulture),
                SrcTos = byte.Parse(f[16].Trim(), CultureInfo.InvariantCulture),
                DstTos = byte.Parse(f[17].Trim(), CultureInfo.InvariantCulture),
                SrcVlan = ushort.Parse(f[18].Trim(), CultureInfo.InvariantCulture),
                DstVlan = ushort.Parse(f[19].Trim(), CultureInfo.InvariantCulture),
            };
            flows.Add(flow);
        }
        return flows;
    }

    public static DateTime ParseTime(string text) =>
        DateTime.ParseExact(text.Trim(), "yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);

    private static ushort ParsePort(string text)
    {
        string t = text.Trim();
        int dot = t.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0) return ushort.Parse(t, CultureInfo.InvariantCulture);
        return (ushort)(byte.Parse(t.AsSpan(0, dot), CultureInfo.InvariantCulture) * 256 + byte.Parse(t.AsSpan(dot + 1), CultureInfo.InvariantCulture));
    }
}
