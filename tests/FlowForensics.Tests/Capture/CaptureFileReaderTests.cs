using Xunit;
using System.Buffers.Binary;
using System.IO.Compression;
using FlowForensics.Capture;
using FlowForensics.Synthesis;
using FlowForensics.Wire;

namespace FlowForensics.Tests.Capture;

public sealed class CaptureFileReaderTests
{
    /// <summary>Files whose timestamps tcpdump 4.99 itself cannot print (the files exist to test exactly that); checked by their own tests below.</summary>
    private static readonly HashSet<string> TcpdumpTimeOverflow = new(StringComparer.Ordinal)
    {
        "pcap/tcpdump/time_2106_overflow.pcapng", // tcpdump prints 0.000000000
    };

    public static TheoryData<string> Captures() => CaptureCorpus.AllCapturesData();

    [Theory]
    [MemberData(nameof(Captures))]
    public void PacketCountEqualsManifest(string capture)
    {
        using var source = CaptureFileReader.Open(CaptureCorpus.FullPath(capture));
        var frames = CaptureCorpus.ReadAll(source, out var error);
        Assert.Null(error);
        Assert.Equal(CaptureCorpus.ManifestPacketCount(capture), frames.Count);
        Assert.Equal(source.Length, source.Position);
        long previous = -1;
        foreach (var f in frames)
        {
            Assert.True(f.FileOffset > previous, "file offsets increase");
            Assert.True(f.Data.Length <= CaptureLimits.MaxPacketLength);
            previous = f.FileOffset;
        }
    }

    public static TheoryData<string> TcpdumpComparableCaptures()
    {
        var data = new TheoryData<string>();
        foreach (string c in CaptureCorpus.AllCaptures())
            if (!TcpdumpTimeOverflow.Contains(c)) data.Add(c);
        return data;
    }

    [Theory]
    [MemberData(nameof(TcpdumpComparableCaptures))]
    public void TimestampsMatchTcpdump(string capture)
    {
        string path = CaptureCorpus.FullPath(capture);
        var frames = CaptureCorpus.ReadAll(path);
        var tcpdump = TcpdumpRunner.ReadTimestamps(path);
        if (tcpdump.ExitCode == 0)
            Assert.Equal(frames.Count, tcpdump.NanosecondTimestamps.Count);
        else
            Assert.True(tcpdump.NanosecondTimestamps.Count <= frames.Count, tcpdump.StandardError);
        int compared = 0;
        for (int i = 0; i < tcpdump.NanosecondTimestamps.Count; i++)
        {
            if (tcpdump.NanosecondTimestamps[i] == TcpdumpRunner.UnconvertibleTime) continue;
            compared++;
            long expectedTicks = DateTime.UnixEpoch.Ticks + tcpdump.NanosecondTimestamps[i] / 100;
            Assert.True(expectedTicks == frames[i].Timestamp.Ticks,
                $"packet {i + 1}: tcpdump {tcpdump.NanosecondTimestamps[i]} ns, ours {frames[i].Timestamp:O}");
            Assert.Equal(DateTimeKind.Utc, frames[i].Timestamp.Kind);
        }
        Assert.True(compared > 0 || tcpdump.ExitCode != 0 || frames.Count == 0 || capture.Contains("2038", StringComparison.Ordinal));
    }

    [Fact]
    public void Year2038And2106TimestampsAreRead()
    {
        var y2038 = CaptureCorpus.ReadAll(CaptureCorpus.FullPath("pcap/tcpdump/time_2038_overflow.pcap"));
        Assert.Equal(DateTime.UnixEpoch.AddSeconds(0x80000000u), y2038[0].Timestamp);
        // pcapng, µs resolution: timestamp high word 1,000,000, low word 0.
        var y2106 = CaptureCorpus.ReadAll(CaptureCorpus.FullPath("pcap/tcpdump/time_2106_overflow.pcapng"));
        Assert.Equal(DateTime.UnixEpoch.AddTicks((long)(1_000_000UL << 32) * 10), y2106[0].Timestamp);
    }

    [Theory]
    [InlineData("pcap/pcapplusplus/nanosecs.pcap", false)]
    [InlineData("pcap/pcapplusplus/nanosecs_big_endian.pcap", true)]
    public void NanosecondFilesKeepSubMicrosecondTime(string capture, bool bigEndian)
    {
        using var source = (PcapFileReader)CaptureFileReader.Open(CaptureCorpus.FullPath(capture));
        Assert.True(source.IsNanosecond);
        Assert.Equal(bigEndian, source.IsBigEndian);
        var frames = CaptureCorpus.ReadAll(source, out var error);
        Assert.Null(error);
        Assert.Contains(frames, f => f.Timestamp.Ticks % 10 != 0);
    }

    [Fact]
    public void BigEndianMicrosecondFileIsRead()
    {
        using var source = (PcapFileReader)CaptureFileReader.Open(CaptureCorpus.FullPath("pcap/pcapplusplus/microsecs_big_endian.pcap"));
        Assert.True(source.IsBigEndian);
        Assert.False(source.IsNanosecond);
        Assert.Equal(13, CaptureCorpus.ReadAll(source, out _).Count);
    }

    [Theory]
    [InlineData("pcap/zeek/communityid-tcp.pcap")]
    [InlineData("pcap/pcapplusplus/sll.pcap")]
    [InlineData("pcap/chrissanders/http_espn.pcapng")]
    [InlineData("pcap/pcapplusplus/pcapng-example.pcapng")]
    public void GzipCompressedCaptureReadsLikeThePlainOne(string capture)
    {
        string path = CaptureCorpus.FullPath(capture);
        var plain = CaptureCorpus.ReadAll(path);
        string gz = Path.Combine(Path.GetTempPath(), $"ff-capture-{Guid.NewGuid():N}.gz");
        try
        {
            using (var input = File.OpenRead(path))
            using (var output = new GZipStream(File.Create(gz), CompressionLevel.Optimal))
                input.CopyTo(output);
            using var source = CaptureFileReader.Open(gz);
            Assert.Equal(new FileInfo(gz).Length, source.Length);
            var unzipped = CaptureCorpus.ReadAll(source, out var error);
            Assert.Null(error);
            AssertSameFrames(plain, unzipped, compareOffsets: true, tickTolerance: 0);
            Assert.Equal(source.Length, source.Position);
        }
        finally
        {
            File.Delete(gz);
        }
    }

    [Theory]
    [InlineData("pcap/zeek/communityid-tcp.pcap", false, (byte)9, 0L)]
    [InlineData("pcap/pcapplusplus/example.pcap", true, (byte)6, 0L)]
    [InlineData("pcap/pcapplusplus/nanosecs.pcap", true, (byte)9, 0L)]
    [InlineData("pcap/zeek/linux_dlt_sll2.pcap", false, (byte)0x9E, 0L)] // 2^-30 s units
    [InlineData("pcap/ndpi/rdp.pcap", false, (byte)3, 3600L)]           // ms units, 1 h offset
    public void PcapAndPcapNgVersionsOfTheSameTrafficReadAlike(string capture, bool bigEndian, byte tsResolution, long tsOffset)
    {
        var plain = CaptureCorpus.ReadAll(CaptureCorpus.FullPath(capture));
        var ng = new PcapNgBuilder().Section(bigEndian).Interface(LinkType.Ppp).Interface(plain[0].LinkType, 0, tsResolution, tsOffset);
        ng.Block(0x0BAD, new byte[40]); // an unknown block type, skipped
        foreach (var f in plain)
            ng.Enhanced(1, ToUnits(f.Timestamp.AddSeconds(-tsOffset), tsResolution), f.Data, f.OriginalLength);
        using var source = CaptureCorpus.OpenBytes(ng.ToArray());
        Assert.IsType<PcapNgFileReader>(source);
        var read = CaptureCorpus.ReadAll(source, out var error);
        Assert.Null(error);
        // 2^-n and coarser units cannot hold every 100 ns tick; ms units hold whole ms.
        long tolerance = tsResolution switch { 3 => TimeSpan.TicksPerMillisecond, 0x9E => 1, _ => 0 };
        AssertSameFrames(plain, read, compareOffsets: false, tickTolerance: tolerance);
        Assert.All(read, f => Assert.Equal(1, f.InterfaceId));
    }

    [Fact]
    public void SimplePacketBlockUsesInterfaceZeroAndThePreviousTime()
    {
        var t = new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc);
        byte[] a = [1, 2, 3, 4, 5], b = [9, 9, 9, 9, 9, 9, 9, 9, 9, 9];
        var ng = new PcapNgBuilder().Section().Interface(LinkType.Raw, snapLength: 8).Interface(LinkType.Ethernet)
            .Simple(a) // before any timestamped packet: the epoch
            .Enhanced(1, ToUnits(t, 6), a)
            .Simple(b, originalLength: 10) // cut to interface 0's snap length of 8
            .Obsolete(1, ToUnits(t.AddSeconds(1), 6), a);
        using var source = CaptureCorpus.OpenBytes(ng.ToArray());
        var frames = CaptureCorpus.ReadAll(source, out var error);
        Assert.Null(error);
        Assert.Equal(4, frames.Count);
        Assert.Equal(DateTime.UnixEpoch, frames[0].Timestamp);
        Assert.Equal(LinkType.Raw, frames[0].LinkType);
        Assert.Equal(LinkType.Ethernet, frames[1].LinkType);
        Assert.Equal(t, frames[2].Timestamp);
        Assert.Equal(0, frames[2].InterfaceId);
        Assert.Equal(8, frames[2].Data.Length);
        Assert.Equal(10, frames[2].OriginalLength);
        Assert.Equal(t.AddSeconds(1), frames[3].Timestamp);
    }

    [Fact]
    public void NewSectionResetsInterfacesAndByteOrder()
    {
        var t = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var first = new PcapNgBuilder().Section(bigEndian: false).Interface(LinkType.Ethernet).Interface(LinkType.Ethernet)
            .Enhanced(1, ToUnits(t, 6), new byte[20]);
        var second = new PcapNgBuilder().Section(bigEndian: true).Interface(LinkType.Raw, 0, 9)
            .Enhanced(0, ToUnits(t.AddSeconds(2), 9), new byte[21]);
        long damagedAt = first.Length + second.Length;
        second.Enhanced(1, ToUnits(t, 9), new byte[4]); // interface 1 existed only in the first section
        byte[] file = [.. first.ToArray(), .. second.ToArray()];
        using var source = (PcapNgFileReader)CaptureCorpus.OpenBytes(file);
        var frames = CaptureCorpus.ReadAll(source, out var error);
        Assert.Equal(2, frames.Count);
        Assert.Equal(LinkType.Ethernet, frames[0].LinkType);
        Assert.Equal(LinkType.Raw, frames[1].LinkType);
        Assert.Equal(21, frames[1].Data.Length);
        Assert.Equal(t.AddSeconds(2), frames[1].Timestamp);
        Assert.Equal(2, source.SectionCount);
        Assert.Equal(1, source.InterfaceCount);
        Assert.NotNull(error);
        Assert.Equal(damagedAt, error.Offset);
        Assert.Contains("interface 1", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void LargeUnknownBlockIsSkippedWithoutBeingHeld()
    {
        var ng = new PcapNgBuilder().Section().Interface(LinkType.Raw);
        ng.Block(0x40000BAD, new byte[CaptureLimits.MaxBufferedBlockLength + 4096]);
        ng.Enhanced(0, 1, new byte[3]);
        using var source = CaptureCorpus.OpenBytes(ng.ToArray());
        var frames = CaptureCorpus.ReadAll(source, out var error);
        Assert.Null(error);
        Assert.Single(frames);
    }

    [Fact]
    public void PcapNgBlockOverTheBlockLimitIsDamage()
    {
        var ng = new PcapNgBuilder().Section().Interface(LinkType.Raw).Enhanced(0, 1, new byte[3]);
        long at = ng.Length;
        var head = new byte[12];
        BinaryPrimitives.WriteUInt32LittleEndian(head, 0x0BAD);
        BinaryPrimitives.WriteUInt32LittleEndian(head.AsSpan(4), CaptureLimits.MaxBlockLength + 4);
        ng.Raw(head);
        using var source = CaptureCorpus.OpenBytes(ng.ToArray());
        var frames = CaptureCorpus.ReadAll(source, out var error);
        Assert.Single(frames);
        Assert.NotNull(error);
        Assert.Equal(at, error.Offset);
        Assert.Contains("limit", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void PcapNgPacketOverThePacketLimitIsDamage()
    {
        var ng = new PcapNgBuilder().Section().Interface(LinkType.Raw).Enhanced(0, 1, new byte[3]);
        long at = ng.Length;
        ng.Enhanced(0, 1, new byte[CaptureLimits.MaxPacketLength + 4]);
        using var source = CaptureCorpus.OpenBytes(ng.ToArray());
        var frames = CaptureCorpus.ReadAll(source, out var error);
        Assert.Single(frames);
        Assert.NotNull(error);
        Assert.Equal(at, error.Offset);
    }

    [Theory]
    [InlineData("length not a multiple of 4", 30u, 30u)]
    [InlineData("length below 12", 8u, 8u)]
    [InlineData("trailing length differs", 32u, 36u)]
    public void PcapNgBlockFramingErrorsAreDamage(string why, uint length, uint trailer)
    {
        var ng = new PcapNgBuilder().Section().Interface(LinkType.Raw);
        long at = ng.Length;
        var block = new byte[Math.Max(12, (int)length)];
        BinaryPrimitives.WriteUInt32LittleEndian(block, 0x0BAD);
        BinaryPrimitives.WriteUInt32LittleEndian(block.AsSpan(4), length);
        BinaryPrimitives.WriteUInt32LittleEndian(block.AsSpan(block.Length - 4), trailer);
        ng.Raw(block).Enhanced(0, 1, new byte[3]);
        using var source = CaptureCorpus.OpenBytes(ng.ToArray());
        var frames = CaptureCorpus.ReadAll(source, out var error);
        Assert.True(error is not null, why);
        Assert.Empty(frames);
        Assert.Equal(at, error.Offset);
    }

    [Fact]
    public void InterfacesOverTheLimitAreDamage()
    {
        var ng = new PcapNgBuilder().Section();
        for (int i = 0; i < CaptureLimits.MaxInterfaces; i++) ng.Block(1, new byte[8]);
        ng.Enhanced(CaptureLimits.MaxInterfaces - 1, 5, new byte[2]);
        long at = ng.Length;
        ng.Block(1, new byte[8]);
        using var source = CaptureCorpus.OpenBytes(ng.ToArray());
        var frames = CaptureCorpus.ReadAll(source, out var error);
        Assert.Single(frames);
        Assert.NotNull(error);
        Assert.Equal(at, error.Offset);
        Assert.Contains("interfaces", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void PcapRecordOverThePacketLimitIsDamageAfterTheGoodPackets()
    {
        var ms = new MemoryStream();
        using (var w = new PcapFileWriter(ms, LinkType.Raw, 65535, false, leaveOpen: true))
        {
            w.Write(DateTime.UnixEpoch.AddSeconds(10), new byte[60]);
            w.Write(DateTime.UnixEpoch.AddSeconds(11), new byte[70]);
        }
        long at = ms.Length;
        var header = new byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), CaptureLimits.MaxPacketLength + 1);
        ms.Write(header);
        ms.Write(new byte[CaptureLimits.MaxPacketLength + 1]);
        using var source = CaptureCorpus.OpenBytes(ms.ToArray(), "big.pcap");
        var frames = CaptureCorpus.ReadAll(source, out var error);
        Assert.Equal(2, frames.Count);
        Assert.NotNull(error);
        Assert.Equal("big.pcap", error.DataSource);
        Assert.Equal(at, error.Offset);
        Assert.Contains("limit", error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("text file", "68656c6c6f20776f726c640a")]
    [InlineData("zip file", "504b0304140000000800")]
    [InlineData("three bytes", "d4c3b2")]
    [InlineData("empty", "")]
    [InlineData("pcap magic but header cut", "d4c3b2a1020004000000")]
    [InlineData("pcapng with bad byte-order magic", "0a0d0d0a1c0000001111111101000000ffffffffffffffff1c000000")]
    public void NotACaptureIsAFlowDataException(string why, string hex)
    {
        var e = Assert.Throws<FlowDataException>(() =>
        {
            using var source = CaptureCorpus.OpenBytes(Convert.FromHexString(hex), "evidence.bin");
            CaptureCorpus.ReadAll(source, out var error);
            if (error is not null) throw error;
        });
        Assert.Equal("evidence.bin", e.DataSource);
        Assert.Equal(0, e.Offset);
        Assert.False(string.IsNullOrEmpty(e.Reason), why);
    }

    [Fact]
    public void TextFileSaysWhatItIsNot()
    {
        var e = Assert.Throws<FlowDataException>(() => CaptureCorpus.OpenBytes("hello world\n"u8.ToArray()));
        Assert.Contains("not a pcap, pcapng or gzip file", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void GzipOfSomethingElseAndCorruptGzipAreFlowDataExceptions()
    {
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) gz.Write("just some text, not a capture"u8);
        var e = Assert.Throws<FlowDataException>(() => CaptureCorpus.OpenBytes(ms.ToArray()));
        Assert.Contains("after gzip decompression", e.Reason, StringComparison.Ordinal);

        byte[] corrupt = [0x1F, 0x8B, 0x08, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];
        Assert.Throws<FlowDataException>(() => CaptureCorpus.OpenBytes(corrupt));
    }

    [Fact]
    public void PositionTracksBytesConsumed()
    {
        string path = CaptureCorpus.FullPath("pcap/zeek/communityid-tcp.pcap");
        using var source = CaptureFileReader.Open(path);
        Assert.Equal(new FileInfo(path).Length, source.Length);
        Assert.Equal(24, source.Position);
        Assert.True(source.TryReadPacket(out var first));
        Assert.Equal(24, first.FileOffset);
        Assert.Equal(24 + 16 + first.Data.Length, source.Position);
        Assert.Equal(path, source.Name);
    }

    private static ulong ToUnits(DateTime t, byte resolution)
    {
        ulong ticks = (ulong)(t.Ticks - DateTime.UnixEpoch.Ticks);
        int exp = resolution & 0x7F;
        if ((resolution & 0x80) != 0) return (ulong)(((UInt128)ticks << exp) / 10_000_000);
        return exp >= 7 ? ticks * (ulong)Math.Pow(10, exp - 7) : ticks / (ulong)Math.Pow(10, 7 - exp);
    }

    private static void AssertSameFrames(List<CaptureCorpus.Frame> expected, List<CaptureCorpus.Frame> actual, bool compareOffsets, long tickTolerance)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Data, actual[i].Data);
            Assert.Equal(expected[i].LinkType, actual[i].LinkType);
            Assert.Equal(expected[i].OriginalLength, actual[i].OriginalLength);
            long diff = Math.Abs(expected[i].Timestamp.Ticks - actual[i].Timestamp.Ticks);
            Assert.True(diff <= tickTolerance, $"packet {i}: {expected[i].Timestamp:O} vs {actual[i].Timestamp:O}");
            if (compareOffsets) Assert.Equal(expected[i].FileOffset, actual[i].FileOffset);
        }
    }
}
