using System.Globalization;
using System.Net;
using FlowForensics.Flows;

namespace FlowForensics.Tests.Differential;

/// <summary>
/// Test-only loader: turns nfdump 1.7.1's <c>-o csv -q</c> rows into <see cref="FlowRecord"/>s, independent of
/// our own nfcapd reader. Each record keeps its CSV line so results can be compared row for row.
/// Columns: ts,te,td,sa,da,sp,dp,pr,flg,fwd,stos,ipkt,ibyt,opkt,obyt,in,out,sas,das,smk,dmk,dtos,dir,nh,nhb,
/// svln,dvln,ismc,odmc,idmc,osmc,mpls1..mpls10,cl,sl,al,ra,eng,exid,tr.
/// </summary>
internal static class NfdumpCsvFlows
{
    public const int ColumnCount = 48;

    /// <summary>The record rows of nfdump csv output (drops "No matching flows", blank and summary lines).</summary>
    public static List<string> RecordLines(string stdout)
    {
        var lines = new List<string>();
        foreach (var raw in stdout.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            if (line.Length > 0 && char.IsAsciiDigit(line[0]) && line.Split(',').Length == ColumnCount) lines.Add(line);
        }
        return lines;
    }

    public static FlowRecord Parse(string line)
    {
        string[] c = line.Split(',');
        if (c.Length != ColumnCount) throw new FormatException($"expected {ColumnCount} columns: {line}");
        var start = DateTime.SpecifyKind(DateTime.ParseExact(c[0], "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), DateTimeKind.Utc);
        long durationMs = (long)Math.Round(decimal.Parse(c[2], CultureInfo.InvariantCulture) * 1000m);
        var f = new FlowRecord
        {
            Start = start,
            End = start.AddMilliseconds(durationMs),
            SrcAddr = IPAddress.Parse(c[3]),
            DstAddr = IPAddress.Parse(c[4]),
            SrcPort = ushort.Parse(c[5], CultureInfo.InvariantCulture),
            DstPort = ushort.Parse(c[6], CultureInfo.InvariantCulture),
            Protocol = Protocol(c[7]),
            TcpFlags = Flags(c[8]),
            ForwardingStatus = byte.Parse(c[9], CultureInfo.InvariantCulture),
            SrcTos = byte.Parse(c[10], CultureInfo.InvariantCulture),
            Packets = long.Parse(c[11], CultureInfo.InvariantCulture),
            Bytes = long.Parse(c[12], CultureInfo.InvariantCulture),
            OutPackets = long.Parse(c[13], CultureInfo.InvariantCulture),
            OutBytes = long.Parse(c[14], CultureInfo.InvariantCulture),
            InputInterface = uint.Parse(c[15], CultureInfo.InvariantCulture),
            OutputInterface = uint.Parse(c[16], CultureInfo.InvariantCulture),
            SrcAs = uint.Parse(c[17], CultureInfo.InvariantCulture),
            DstAs = uint.Parse(c[18], CultureInfo.InvariantCulture),
            SrcMask = byte.Parse(c[19], CultureInfo.InvariantCulture),
            DstMask = byte.Parse(c[20], CultureInfo.InvariantCulture),
            DstTos = byte.Parse(c[21], CultureInfo.InvariantCulture),
            Direction = (FlowDirection)byte.Parse(c[22], CultureInfo.InvariantCulture),
            NextHop = OptionalAddress(c[23]),
            BgpNextHop = OptionalAddress(c[24]),
            SrcVlan = ushort.Parse(c[25], CultureInfo.InvariantCulture),
            DstVlan = ushort.Parse(c[26], CultureInfo.InvariantCulture),
            SrcMacValue = Mac(c[27]),
            OutDstMacValue = Mac(c[28]),
            DstMacValue = Mac(c[29]),
            OutSrcMacValue = Mac(c[30]),
            Exporter = OptionalAddress(c[44]),
            ExporterId = ushort.Parse(c[46], CultureInfo.InvariantCulture),
        };
        string[] eng = c[45].Split('/');
        f.EngineType = byte.Parse(eng[0], CultureInfo.InvariantCulture);
        f.EngineId = byte.Parse(eng[1], CultureInfo.InvariantCulture);
        return f;
    }

    private static IPAddress? OptionalAddress(string text)
    {
        var a = IPAddress.Parse(text.Trim());
        return a.Equals(IPAddress.Any) || a.Equals(IPAddress.IPv6Any) ? null : a;
    }

    private static byte Protocol(string name)
    {
        if (IpProtocolNames.TryParse(name.Trim(), out byte p)) return p;
        throw new FormatException($"unknown protocol name in nfdump csv: '{name}'");
    }

    private static TcpFlags Flags(string text)
    {
        const string letters = "CEUAPRSF";
        int v = 0;
        for (int i = 0; i < 8; i++)
            if (text[i] == letters[i]) v |= 0x80 >> i;
        return (TcpFlags)v;
    }

    private static ulong Mac(string text)
    {
        ulong v = 0;
        foreach (var part in text.Split(':')) v = (v << 8) | byte.Parse(part, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        return v;
    }
}
