using System.Globalization;
using FlowForensics.Flows;
using FlowForensics.Storage.Nfcapd;
using FlowForensics.Wire;
using Xunit;

namespace FlowForensics.Tests.Differential;

/// <summary>
/// Our reader and writer against Debian's nfdump/nfpcapd 1.7.1, run live: real archives without a golden
/// decoding, files nfpcapd writes from pcaps, and files we write (read back by nfdump field by field).
/// </summary>
public sealed class NfcapdDifferentialTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ff-nfcapd-diff-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("chrispassas/nfcapd-small-lzo", 10)]
    [InlineData("chrispassas/nfcapd-large-bz2", 100000)]
    [InlineData("chrispassas/nfcapd-empty", 0)]
    [InlineData("slips/test1-malicious.nfdump", 4593)]
    public void RealArchiveReadsLikeNfdumpRaw(string file, int expectedFlows)
    {
        string path = SharedData.Path("data", "nfcapd", file);
        using var reader = NfcapdFileReader.Open(path);
        using var ours = reader.ReadFlows().GetEnumerator();
        int n = 0;
        foreach (var raw in NfdumpRawOutput.RunLive(path))
        {
            Assert.True(ours.MoveNext(), $"{file}: nfdump printed more than {n} flows");
            NfdumpRawOutput.AssertSame(raw, ours.Current, $"{file} flow {++n}");
        }
        Assert.False(ours.MoveNext(), $"{file}: we read more flows than nfdump's {n}");
        Assert.Equal(expectedFlows, n);
    }

    [Fact]
    public void CorruptArchiveYieldsItsGoodFlowsThenNamesFileBlockAndOffset()
    {
        string path = SharedData.Path("data", "nfcapd", "chrispassas", "nfcapd-corrupt");
        int nfdumpFlows = NfdumpRawOutput.RunLive(path).Count();
        var good = new List<FlowRecord>();
        using var reader = NfcapdFileReader.Open(path);
        var ex = Assert.Throws<FlowDataException>(() => { foreach (var f in reader.ReadFlows()) good.Add(f); });
        Assert.Equal(nfdumpFlows, good.Count); // nfdump -v: "Error in block: 1, record: 1: record size 0" (1-based)
        Assert.Equal(path, ex.DataSource);
        Assert.Equal(276, ex.Offset); // the first block's header, right after the 1.6 header + stat
        Assert.StartsWith("block 0: record 0", ex.Reason, StringComparison.Ordinal);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, bool> Pcaps() => new()
    {
        { "ndpi/4in4tunnel.pcap", true },
        { "ndpi/6in4tunnel.pcap", true },
        { "akvorado/mpls-ipv4.pcap", true },
        { "ndpi/1kxun.pcap", true },
        { "ndpi/1kxun.pcap", false },
        { "akvorado/ipv4-ipv6.pcap", false },
    };

    [Theory]
    [MemberData(nameof(Pcaps))]
    public void WhatNfpcapdWritesReadsLikeNfdumpRaw(string pcap, bool fat)
    {
        string outDir = Path.Combine(_dir, "np");
        Directory.CreateDirectory(outDir);
        var args = new List<string> { "-r", SharedData.Path("data", "pcap", pcap), "-w", outDir };
        if (fat) args.AddRange(["-o", "fat"]);
        NfdumpTool.RunChecked(NfdumpTool.Nfpcapd, args, TimeSpan.FromMinutes(2));
        var files = Directory.GetFiles(outDir, "nfcapd.*");
        Assert.NotEmpty(files);
        int total = 0;
        foreach (var file in files)
        {
            var expected = NfdumpRawOutput.RunLive(file).ToList();
            using var reader = NfcapdFileReader.Open(file);
            var flows = reader.ReadFlows().ToList();
            Assert.Equal(expected.Count, flows.Count);
            for (int i = 0; i < flows.Count; i++)
                NfdumpRawOutput.AssertSame(expected[i], flows[i], $"{pcap} {Path.GetFileName(file)} flow {i + 1}");
            total += flows.Count;
        }
        Assert.True(total > 0, "nfpcapd wrote no flows at all");
    }

    /// <summary>Flows with every field the writer stores, from the golden samples plus generated ones.</summary>
    internal static List<FlowRecord> RichFlows()
    {
        var flows = new List<FlowRecord>();
        foreach (var s in new[] { "nfpcapd-ipv4v6-none.nfcapd", "nfcapd-softflowd-v9-none.nfcapd", "extra/nfpcapd-fat-none.nfcapd",
                     "synthetic/writer-rich-none.nfcapd", "extra/nfcapd-softflowd-v9-ipv6exporter-none.nfcapd" })
        {
            using var r = NfcapdFileReader.Open(SharedData.Path("formats", "samples", s));
            flows.AddRange(r.ReadFlows());
        }
        var rng = new Random(20240101);
        var t0 = new DateTime(2024, 1, 1, 12, 0, 0, DateTimeKind.Utc);
        for (int i = 0; i < 300; i++)
        {
            bool v6 = i % 3 == 0;
            var f = new FlowRecord
            {
                Start = t0.AddMilliseconds(rng.Next(0, 3_600_000)),
                Protocol = (byte)(i % 4 switch { 0 => 6, 1 => 17, 2 => 1, _ => 47 }),
                SrcPort = (ushort)rng.Next(1, 65536),
                DstPort = (ushort)rng.Next(1, 65536),
                TcpFlags = (TcpFlags)rng.Next(0, 256),
                Packets = rng.Next(1, 100000),
                Bytes = rng.NextInt64(40, 1L << 40),
                SrcTos = (byte)rng.Next(0, 256),
                ForwardingStatus = (byte)rng.Next(0, 4),
                EngineType = (byte)rng.Next(0, 3),
                EngineId = (byte)rng.Next(0, 3),
                ExportVersion = 9,
                Received = t0.AddHours(2).AddMilliseconds(i),
            };
            f.End = f.Start.AddMilliseconds(rng.Next(0, 600_000));
            f.SrcAddress = v6 ? FlowAddress.FromIPv6(0x20010DB8_00000000UL | (uint)i, (ulong)rng.NextInt64()) : FlowAddress.FromIPv4((uint)rng.NextInt64(1, uint.MaxValue));
            f.DstAddress = v6 ? FlowAddress.FromIPv6(0x20010DB8_FFFF0000UL, (ulong)i + 1) : FlowAddress.FromIPv4(0x0A000000u | (uint)i);
            if (i % 2 == 0) { f.InputInterface = (uint)rng.Next(); f.OutputInterface = (uint)rng.Next(); f.SrcMask = 24; f.DstMask = 16; f.Direction = FlowDirection.Egress; f.DstTos = 8; }
            if (i % 5 == 0) { f.OutPackets = rng.Next(1, 1000); f.OutBytes = rng.Next(1, 1_000_000); f.Flows = rng.Next(1, 10); }
            if (i % 7 == 0) { f.SrcVlan = (ushort)rng.Next(1, 4095); f.DstVlan = (ushort)rng.Next(1, 4095); }
            if (i % 4 == 1) { f.SrcAs = (uint)rng.Next(); f.DstAs = (uint)rng.Next(); f.NextAs = 65001; f.PrevAs = 65002; }
            if (i % 6 == 0) { f.NextHop = System.Net.IPAddress.Parse(v6 ? "2001:db8::fe" : "192.0.2.254"); f.BgpNextHop = System.Net.IPAddress.Parse(v6 ? "2001:db8::fd" : "192.0.2.253"); }
            if (i % 8 == 0) f.Exporter = System.Net.IPAddress.Parse(i % 16 == 0 ? "198.51.100.7" : "2001:db8::7");
            if (i % 9 == 0) f.MplsStack = [(uint)(rng.Next(16, 1 << 20) << 4) | 0x5, (uint)(rng.Next(16, 1 << 20) << 4) | 0x1];
            if (i % 10 == 0) { f.SrcMacValue = 0x020000000001UL + (ulong)i; f.DstMacValue = 0x020000000002UL; f.OutSrcMacValue = 0x0A0000000003UL; f.OutDstMacValue = 0x0A0000000004UL; }
            if (i % 11 == 0) { f.ClientLatency = TimeSpan.FromTicks(rng.Next(0, 1_000_000) * 10L); f.ServerLatency = TimeSpan.FromTicks(rng.Next(0, 1_000_000) * 10L); f.ApplicationLatency = TimeSpan.FromTicks(rng.Next(0, 100) * 10L); }
            if (i % 13 == 0) { f.TunnelSrcAddr = System.Net.IPAddress.Parse("203.0.113.1"); f.TunnelDstAddr = System.Net.IPAddress.Parse("203.0.113.2"); f.TunnelProtocol = 4; }
            flows.Add(f);
        }
        return flows;
    }

    public static TheoryData<NfcapdCompression> NfdumpReadableCompressions() =>
        new() { NfcapdCompression.None, NfcapdCompression.Lz4, NfcapdCompression.Lzo, NfcapdCompression.Bzip2 };

    [Theory]
    [MemberData(nameof(NfdumpReadableCompressions))]
    public void NfdumpReadsWhatWeWriteWithTheSameFlowsAndTotals(NfcapdCompression compression)
    {
        var flows = RichFlows();
        string path = Path.Combine(_dir, "nfcapd.202401011200");
        using (var w = NfcapdFileWriter.Create(path, compression, ident: "roundtrip"))
        {
            foreach (var f in flows) w.Accept(f);
            w.Complete();
        }
        Assert.Empty(Directory.GetFiles(_dir, "*.current.*"));

        // our reader gives them back field by field (exporter sysids are the writer's own)
        List<FlowRecord> back;
        using (var reader = NfcapdFileReader.Open(path))
        {
            back = reader.ReadFlows().ToList();
            Assert.Equal(compression, reader.Info.Compression);
        }
        Assert.Equal(flows.Count, back.Count);
        for (int i = 0; i < flows.Count; i++)
            FlowAssert.Same(flows[i], back[i], $"{compression} flow {i + 1}", "ExporterId", "SamplingInterval");
        Assert.Equal(4, back.Where(f => f.ExporterId != 0).Select(f => f.ExporterId).Distinct().Count());

        // structure: nfdump -v checks block types, record sizes and the appendix offset
        string verify = NfdumpTool.RunChecked(NfdumpTool.Nfdump, ["-v", path]);
        Assert.DoesNotContain("Error", verify, StringComparison.OrdinalIgnoreCase);
        Assert.Contains($"Records       : {flows.Count + 4 + 2}", verify, StringComparison.Ordinal); // + 4 exporter records + ident and stat

        // content: nfdump's raw reading equals what we wrote, every printed field
        var raw = NfdumpRawOutput.RunLive(path).ToList();
        Assert.Equal(flows.Count, raw.Count);
        for (int i = 0; i < flows.Count; i++)
            NfdumpRawOutput.AssertSame(raw[i], back[i], $"{compression} flow {i + 1}");

        // nfdump -I: the stat record's totals
        var info = ParseInfo(NfdumpTool.RunChecked(NfdumpTool.Nfdump, ["-r", path, "-I"]));
        Assert.Equal("roundtrip", info["Ident"]);
        Assert.Equal(flows.Sum(f => f.Flows).ToString(CultureInfo.InvariantCulture), info["Flows"]);
        Assert.Equal(flows.Sum(f => f.Packets + f.OutPackets).ToString(CultureInfo.InvariantCulture), info["Packets"]);
        Assert.Equal(flows.Sum(f => f.Bytes + f.OutBytes).ToString(CultureInfo.InvariantCulture), info["Bytes"]);
        Assert.Equal(flows.Where(f => f.Protocol == 6).Sum(f => f.Flows).ToString(CultureInfo.InvariantCulture), info["Flows_tcp"]);
        Assert.Equal(flows.Where(f => f.Protocol is 1 or 58).Sum(f => f.Bytes + f.OutBytes).ToString(CultureInfo.InvariantCulture), info["Bytes_icmp"]);
        Assert.Equal(flows.Where(f => f.Protocol is not (1 or 6 or 17 or 58)).Sum(f => f.Packets + f.OutPackets).ToString(CultureInfo.InvariantCulture), info["Packets_other"]);
        var first = flows.Min(f => f.Start);
        var last = flows.Max(f => f.End);
        Assert.Equal(new DateTimeOffset(first).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), info["First"]);
        Assert.Equal(first.Millisecond.ToString(CultureInfo.InvariantCulture), info["msec_first"]);
        Assert.Equal(new DateTimeOffset(last).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), info["Last"]);
        Assert.Equal(last.Millisecond.ToString(CultureInfo.InvariantCulture), info["msec_last"]);
    }

    [Fact]
    public void ZstdRoundTripsThroughOurReaderLikeTheUncompressedFile()
    {
        var flows = RichFlows();
        string plain = Path.Combine(_dir, "plain"), zstd = Path.Combine(_dir, "zstd");
        foreach (var (path, c) in new[] { (plain, NfcapdCompression.None), (zstd, NfcapdCompression.Zstd) })
        {
            using var w = NfcapdFileWriter.Create(path, c);
            foreach (var f in flows) w.Accept(f);
            w.Complete();
        }
        Assert.True(new FileInfo(zstd).Length < new FileInfo(plain).Length / 2);
        using var a = NfcapdFileReader.Open(plain);
        using var b = NfcapdFileReader.Open(zstd);
        Assert.Equal(NfcapdCompression.Zstd, b.Info.Compression);
        var fa = a.ReadFlows().ToList();
        var fb = b.ReadFlows().ToList();
        Assert.Equal(flows.Count, fb.Count);
        for (int i = 0; i < fa.Count; i++) FlowAssert.Same(fa[i], fb[i], $"zstd flow {i + 1}");
        Assert.Equal(a.Info.Flows, b.Info.Flows);
        Assert.Equal(a.Info.Bytes, b.Info.Bytes);
    }

    [Fact]
    public void MultiBlockLz4FileReadsInNfdump()
    {
        // 30,000 IPv6 flows = 3 MB of records: the writer must split into blocks of at most 1 MiB
        string path = Path.Combine(_dir, "multi");
        var t0 = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        using (var w = NfcapdFileWriter.Create(path, NfcapdCompression.Lz4))
        {
            for (int i = 0; i < 30_000; i++)
                w.Accept(new FlowRecord { Start = t0.AddMilliseconds(i), End = t0.AddMilliseconds(i + 5), Protocol = 17, SrcPort = 53, DstPort = (ushort)i,
                    Packets = 1, Bytes = 100 + i, SrcAddress = FlowAddress.FromIPv6(0x20010DB800000000UL, (ulong)i), DstAddress = FlowAddress.FromIPv6(0x20010DB800000001UL, 1) });
            w.Complete();
        }
        using var reader = NfcapdFileReader.Open(path);
        Assert.Equal(3, reader.Info.BlockCount);
        string verify = NfdumpTool.RunChecked(NfdumpTool.Nfdump, ["-v", path]);
        Assert.Contains("Records       : 30002", verify, StringComparison.Ordinal);
        var csv = NfdumpTool.RunChecked(NfdumpTool.Nfdump, ["-r", path, "-q", "-o", "csv"]);
        var (_, rows) = NfdumpCsvOutput.Parse("h\n" + csv);
        Assert.Equal(30_000, rows.Count);
        Assert.Equal(reader.ReadFlows().Sum(f => f.Bytes), rows.Sum(r => long.Parse(r[12], CultureInfo.InvariantCulture)));
    }

    private static Dictionary<string, string> ParseInfo(string text)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            int c = line.IndexOf(':', StringComparison.Ordinal);
            if (c > 0) d[line[..c].Trim()] = line[(c + 1)..].Trim();
        }
        return d;
    }
}
