using System.Globalization;
using System.Net;
using FlowForensics.Capture;
using FlowForensics.Capture.Decoding;
using FlowForensics.Flows;
using FlowForensics.Metering;

namespace FlowForensics.Tests.Differential;

/// <summary>One direction's 5-tuple with the IP version, as both nfpcapd and our table key a flow.</summary>
internal readonly record struct TupleKey(byte IPVersion, byte Protocol, string Src, string Dst, ushort SrcPort, ushort DstPort)
{
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"v{IPVersion} p{Protocol} {Src}:{SrcPort} -> {Dst}:{DstPort}");
}

/// <summary>A metered flow reduced to what the differential compares (times in ms since the epoch).</summary>
internal sealed record MeteredFlow(TupleKey Key, long Packets, long Bytes, long StartMs, long EndMs, TcpFlags Flags);

/// <summary>Per 5-tuple: flows, packets, bytes.</summary>
internal readonly record struct TupleSums(int Flows, long Packets, long Bytes);

/// <summary>
/// Runs Debian's nfpcapd 1.7.1 and our <see cref="FlowMeter"/> on the same capture and reduces both to
/// <see cref="MeteredFlow"/>s. nfpcapd's side is read back with <c>nfdump -R DIR -q -N -6 -o fmt:...</c>.
/// </summary>
internal static class MeteringDifferential
{
    // %ts/%te rather than %tsr/%ter: 1.7.1 prints wrong milliseconds in %ter.
    private const string Format = "fmt:%ts|%te|%pr|%sa|%da|%sp|%dp|%pkt|%byt|%flg";

    public static List<MeteredFlow> RunNfpcapd(string capture, string workDir, TimeSpan active, TimeSpan inactive)
    {
        string dir = Path.Combine(workDir, "nfpcapd-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        string timeouts = string.Create(CultureInfo.InvariantCulture, $"{(int)active.TotalSeconds},{(int)inactive.TotalSeconds}");
        NfdumpTool.RunChecked(NfdumpTool.Nfpcapd, ["-r", capture, "-w", dir, "-e", timeouts], TimeSpan.FromMinutes(1));
        var flows = new List<MeteredFlow>();
        if (Directory.GetFiles(dir, "nfcapd.*").Length == 0) return flows;
        string stdout = NfdumpTool.RunChecked(NfdumpTool.Nfdump, ["-R", dir, "-q", "-N", "-6", "-o", Format], TimeSpan.FromMinutes(1));
        foreach (string raw in stdout.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0 || !char.IsAsciiDigit(line[0])) continue;
            flows.Add(ParseFmt(line));
        }
        return flows;
    }

    internal static MeteredFlow ParseFmt(string line)
    {
        string[] c = line.Split('|');
        if (c.Length != 10) throw new FormatException($"expected 10 fields in nfdump fmt output: {line}");
        var src = IPAddress.Parse(c[3].Trim());
        var dst = IPAddress.Parse(c[4].Trim());
        byte proto = byte.Parse(c[2].Trim(), CultureInfo.InvariantCulture);
        var key = new TupleKey(
            src.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? (byte)4 : (byte)6,
            proto, src.ToString(), dst.ToString(), Port(c[5]), Port(c[6]));
        return new MeteredFlow(key,
            long.Parse(c[7].Trim(), CultureInfo.InvariantCulture),
            long.Parse(c[8].Trim(), CultureInfo.InvariantCulture),
            Millis(c[0]), Millis(c[1]), Flags(c[9].Trim()));
    }

    /// <summary>Our engine, the way Convert-PcapToFlow runs it: one file through one meter, then a flush.</summary>
    public static List<MeteredFlow> RunOurs(string capture, FlowTableOptions options, out FlowMeter meter)
    {
        meter = new FlowMeter(options);
        var flows = new List<MeteredFlow>();
        using (var source = CaptureFileReader.Open(capture))
        {
            foreach (var f in meter.Read(source)) flows.Add(Reduce(f));
        }
        foreach (var f in meter.Flush()) flows.Add(Reduce(f));
        return flows;
    }

    public static MeteredFlow Reduce(FlowRecord f)
    {
        var key = new TupleKey(f.IPVersion, f.Protocol, f.SrcAddr!.ToString(), f.DstAddr!.ToString(), f.SrcPort, f.DstPort);
        return new MeteredFlow(key, f.Packets, f.Bytes, ToMs(f.Start), ToMs(f.End), f.TcpFlags);
    }

    public static Dictionary<TupleKey, TupleSums> Sum(IEnumerable<MeteredFlow> flows)
    {
        var sums = new Dictionary<TupleKey, TupleSums>();
        foreach (var f in flows)
        {
            sums.TryGetValue(f.Key, out var s);
            sums[f.Key] = new TupleSums(s.Flows + 1, s.Packets + f.Packets, s.Bytes + f.Bytes);
        }
        return sums;
    }

    /// <summary>
    /// Facts read from the capture by decoding each packet on its own (no flow table): what nfpcapd 1.7.1
    /// sees of IPv6 packets with extension headers, and what our meter makes of fragmented datagrams.
    /// Fragments are grouped per (version, src, dst, id, and for IPv4 protocol) over the whole capture.
    /// </summary>
    public static CaptureFacts ReadFacts(string capture)
    {
        var facts = new CaptureFacts();
        var datagrams = new Dictionary<(byte, string, string, uint, byte), ModelDatagram>();
        var order = new List<ModelDatagram>();
        using (var source = CaptureFileReader.Open(capture))
        {
            while (TryDecodeNext(source, out var outcome, out var p, out var time))
            {
                if (outcome != DecodeOutcome.Decoded) continue;
                facts.PacketTimesMs.Add(ToMs(time));
                string src = p.Src.ToIPAddress()!.ToString(), dst = p.Dst.ToIPAddress()!.ToString();
                bool extensionHeaders = p.IPVersion == 6 && p.IpHeaderLength > 40;
                if (extensionHeaders)
                {
                    facts.IPv6ExtensionHeaderPackets.TryGetValue((src, dst), out var s);
                    facts.IPv6ExtensionHeaderPackets[(src, dst)] = new TupleSums(0, s.Packets + 1, s.Bytes + p.IpLength);
                    if (!p.IsFragment)
                        facts.OursFromIPv6ExtensionHeaders.Add((KeyOf(p, src, dst, withPorts: true), p.IpLength));
                }
                if (!p.IsFragment) continue;
                var id = (p.IPVersion, src, dst, p.FragmentId, p.IPVersion == 6 ? (byte)0 : p.Protocol);   // RFC 8200: no protocol for IPv6
                if (!datagrams.TryGetValue(id, out var d) || d.Complete)
                {
                    d = new ModelDatagram { Version = p.IPVersion, Key = KeyOf(p, src, dst, withPorts: false), Header = p.IpHeaderLength };
                    datagrams[id] = d;
                    order.Add(d);
                }
                int payload = p.IpLength - p.IpHeaderLength;
                for (int b = p.FragmentOffset; b < p.FragmentOffset + payload && b < d.Covered.Length; b++) d.Covered[b] = true;
                if (!p.MoreFragments) d.Total = p.FragmentOffset + payload;
                if (p.FragmentOffset == 0)
                {
                    d.HasFirst = true;
                    d.Key = KeyOf(p, src, dst, withPorts: true);
                    d.Header = p.IpHeaderLength;
                }
                // Once complete, a later fragment with the same id (a duplicate) starts a datagram of its own.
                d.Complete = d.HasFirst && d.Total > 0 && Array.IndexOf(d.Covered, false) >= d.Total;
            }
        }
        facts.PacketTimesMs.Sort();
        foreach (var d in order)
        {
            int covered = 0;
            foreach (bool c in d.Covered) if (c) covered++;
            bool complete = d.Complete;
            int header = d.Version == 6 ? d.Header - 8 : d.Header;
            long bytes = header + (complete ? d.Total : covered);
            if (d.Version == 6) facts.OursFromIPv6ExtensionHeaders.Add((d.Key, bytes));
            else if (!complete) facts.IncompleteIPv4Datagrams.Add((d.Key, bytes));
            else if (d.Key.Protocol == IpProtocolNames.Icmp) facts.CompleteIcmpDatagrams++;
        }
        return facts;
    }

    private static TupleKey KeyOf(in DecodedPacket p, string src, string dst, bool withPorts) =>
        new(p.IPVersion, p.Protocol, src, dst, withPorts ? p.SrcPort : (ushort)0, withPorts ? p.DstPort : (ushort)0);

    private sealed class ModelDatagram
    {
        public byte Version;
        public TupleKey Key;
        public int Header;
        public int Total;
        public bool HasFirst;
        public bool Complete;
        public bool[] Covered = new bool[65536 + 65536];
    }

    // Not an iterator: the captured packet is a ref struct.
    private static bool TryDecodeNext(ICaptureSource source, out DecodeOutcome outcome, out DecodedPacket packet, out DateTime time)
    {
        if (!source.TryReadPacket(out var captured))
        {
            outcome = default;
            packet = default;
            time = default;
            return false;
        }
        time = captured.Timestamp;
        outcome = PacketDecoder.Decode(captured.LinkType, captured.Data, out packet);
        return true;
    }

    private static long ToMs(DateTime t) => (t.Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMillisecond;

    private static long Millis(string text)
    {
        // "2014-09-03 03:02:18.201" in UTC (nfdump runs with TZ=UTC).
        var t = DateTime.ParseExact(text.Trim(), "yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
        return ToMs(t);
    }

    private static ushort Port(string text)
    {
        string t = text.Trim();
        int dot = t.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0) return ushort.Parse(t, CultureInfo.InvariantCulture);
        // ICMP: "type.code" (nfdump prints the dst port of ICMP flows this way).
        return (ushort)((int.Parse(t[..dot], CultureInfo.InvariantCulture) << 8) | int.Parse(t[(dot + 1)..], CultureInfo.InvariantCulture));
    }

    private static TcpFlags Flags(string text)
    {
        const string letters = "CEUAPRSF";
        int v = 0;
        for (int i = 0; i < 8 && i < text.Length; i++)
            if (text[i] == letters[i]) v |= 0x80 >> i;
        return (TcpFlags)v;
    }
}

/// <summary>What a capture holds that the documented differences between nfpcapd 1.7.1 and us depend on.</summary>
internal sealed class CaptureFacts
{
    /// <summary>IPv6 packets with extension headers, per (src, dst): nfpcapd 1.7.1 keys them by the first extension header, port-less.</summary>
    public Dictionary<(string Src, string Dst), TupleSums> IPv6ExtensionHeaderPackets { get; } = [];

    /// <summary>What those packets add to our flows: one packet per unfragmented packet, one per (reassembled) IPv6 datagram.</summary>
    public List<(TupleKey Key, long Bytes)> OursFromIPv6ExtensionHeaders { get; } = [];

    /// <summary>IPv4 datagrams whose fragments never completed: nfpcapd drops them, we meter what arrived.</summary>
    public List<(TupleKey Key, long Bytes)> IncompleteIPv4Datagrams { get; } = [];

    /// <summary>Reassembled (complete) fragmented ICMP datagrams.</summary>
    public int CompleteIcmpDatagrams { get; set; }

    /// <summary>The time of every decoded packet (ms since the epoch), sorted: when packet time moved, so when a sweep could run.</summary>
    public List<long> PacketTimesMs { get; } = [];

    /// <summary>The first packet time at or after <paramref name="ms"/>; long.MaxValue when the capture ends before.</summary>
    public long FirstPacketAtOrAfter(long ms)
    {
        int i = PacketTimesMs.BinarySearch(ms);
        if (i < 0) i = ~i;
        else while (i > 0 && PacketTimesMs[i - 1] == ms) i--;
        return i < PacketTimesMs.Count ? PacketTimesMs[i] : long.MaxValue;
    }
}
