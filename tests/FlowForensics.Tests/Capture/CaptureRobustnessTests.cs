using System.Buffers.Binary;
using System.IO.Compression;
using FlowForensics.Capture;
using FlowForensics.Capture.Decoding;
using FlowForensics.Wire;
using Xunit;

namespace FlowForensics.Tests.Capture;

/// <summary>Damaged input: every truncated prefix, seeded bit flips, and the malformed captures in shared.</summary>
public sealed class CaptureRobustnessTests
{
    [Theory]
    [InlineData("pcap/zeek/communityid-tcp.pcap")]
    [InlineData("pcap/pcapplusplus/nanosecs_big_endian.pcap")]
    [InlineData("pcap/chrissanders/tcp_handshake.pcapng")]
    [InlineData("pcap/zeek/pcapng-multi-interface.pcapng")]
    public void EveryTruncatedPrefixYieldsTheGoodPacketsThenDamageOrACleanEnd(string capture)
    {
        byte[] whole = File.ReadAllBytes(CaptureCorpus.FullPath(capture));
        List<CaptureCorpus.Frame> all;
        using (var full = CaptureCorpus.OpenBytes(whole))
        {
            all = CaptureCorpus.ReadAll(full, out var fullError);
            Assert.Null(fullError);
        }
        bool pcapng = capture.EndsWith(".pcapng", StringComparison.Ordinal);
        // Where each packet's record ends, and every record/block boundary (where a prefix ends cleanly).
        var ends = new List<long>();
        var boundaries = new HashSet<long>();
        if (pcapng)
        {
            bool little = BinaryPrimitives.ReadUInt32LittleEndian(whole.AsSpan(8)) == 0x1A2B3C4D;
            for (long at = 0; at < whole.Length;)
            {
                var span = whole.AsSpan((int)at + 4, 4);
                at += little ? BinaryPrimitives.ReadUInt32LittleEndian(span) : BinaryPrimitives.ReadUInt32BigEndian(span);
                boundaries.Add(at);
            }
            foreach (var f in all)
            {
                var span = whole.AsSpan((int)f.FileOffset + 4, 4);
                ends.Add(f.FileOffset + (little ? BinaryPrimitives.ReadUInt32LittleEndian(span) : BinaryPrimitives.ReadUInt32BigEndian(span)));
            }
        }
        else
        {
            boundaries.Add(PcapFileReader.FileHeaderLength);
            foreach (var f in all) ends.Add(f.FileOffset + PcapFileReader.RecordHeaderLength + f.Data.Length);
            boundaries.UnionWith(ends);
        }
        Assert.Contains((long)whole.Length, boundaries);

        for (int length = 0; length <= whole.Length; length++)
        {
            byte[] prefix = whole[..length];
            ICaptureSource source;
            try
            {
                source = CaptureCorpus.OpenBytes(prefix, "prefix");
            }
            catch (FlowDataException e)
            {
                Assert.True(length < (pcapng ? 4 : PcapFileReader.FileHeaderLength), $"open failed at length {length}: {e.Reason}");
                Assert.Equal(0, e.Offset);
                continue;
            }
            using (source)
            {
                var frames = CaptureCorpus.ReadAll(source, out var error);
                int complete = 0;
                while (complete < ends.Count && ends[complete] <= length) complete++;
                Assert.Equal(complete, frames.Count);
                for (int i = 0; i < complete; i++) Assert.Equal(all[i].Data, frames[i].Data);
                if (boundaries.Contains(length))
                {
                    Assert.Null(error);
                }
                else
                {
                    Assert.True(error is not null, $"prefix of {length} bytes ended without an error");
                    Assert.Equal("prefix", error.DataSource);
                    long lastGoodEnd = complete == 0 ? 0 : ends[complete - 1];
                    Assert.True(error.Offset >= lastGoodEnd && error.Offset < length, $"length {length}: damage reported at {error.Offset}");
                }
            }
        }
    }

    public static TheoryData<string, int> BitFlipCases()
    {
        var data = new TheoryData<string, int>();
        foreach (string c in new[]
        {
            "pcap/zeek/communityid-tcp.pcap", "pcap/pcapplusplus/pcapng-example.pcapng", "pcap/zeek/pcapng-multi-interface.pcapng",
            "pcap/zeek/pppoe-over-qinq.pcap", "pcap/tcpdump/various_gre.pcap", "pcap/zeek/mixed-vlan-mpls.pcap",
            "pcap/pcapplusplus/sll2.pcap", "pcap/ndpi/6in4tunnel.pcap", "pcap/zeek/ipv6-hbh-routing0.pcap",
        })
        {
            for (int seed = 1; seed <= 3; seed++) data.Add(c, seed);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(BitFlipCases))]
    public void BitFlipsNeverThrowAnythingButFlowDataException(string capture, int seed)
    {
        byte[] whole = File.ReadAllBytes(CaptureCorpus.FullPath(capture));
        var random = new Random(seed * 7919 + whole.Length);
        for (int round = 0; round < 150; round++)
        {
            byte[] damaged = (byte[])whole.Clone();
            int flips = random.Next(1, 9);
            for (int i = 0; i < flips; i++)
                damaged[random.Next(damaged.Length)] ^= (byte)(1 << random.Next(8));
            ReadAndDecodeEverything(damaged, whole.Length);
            ReadAndDecodeEverything(Gzip(damaged), whole.Length);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void BitFlipsInCompressedDataNeverThrowAnythingButFlowDataException(int seed)
    {
        byte[] gz = Gzip(File.ReadAllBytes(CaptureCorpus.FullPath("pcap/chrissanders/http_ip4and6.pcapng")));
        var random = new Random(seed);
        for (int round = 0; round < 200; round++)
        {
            byte[] damaged = (byte[])gz.Clone();
            damaged[random.Next(10, damaged.Length)] ^= (byte)(1 << random.Next(8));
            ReadAndDecodeEverything(damaged, 1 << 20);
        }
    }

    [Theory]
    [InlineData("pcap/pcapplusplus/too_many_interfaces.pcapng")]
    [InlineData("pcap/pcapplusplus/many_interfaces-1.pcapng")]
    [InlineData("pcap/tcpdump/gre-heapoverflow-1.pcap")]
    [InlineData("pcap/tcpdump/heap-overflow-1.pcap")]
    [InlineData("pcap/tcpdump/ipv6hdr-heapoverflow.pcap")]
    [InlineData("pcap/tcpdump/mpls-label-heapoverflow.pcap")]
    [InlineData("pcap/tcpdump/tcp_header_heapoverflow.pcap")]
    [InlineData("pcap/tcpdump/udp-length-heapoverflow.pcap")]
    [InlineData("pcap/ndpi/badpackets.pcap")]
    [InlineData("pcap/ndpi/fuzz-2006-06-26-2594.pcap")]
    [InlineData("pcap/ndpi/ip_fragmented_garbage.pcap")]
    [InlineData("pcap/zeek/trunc-ip4-trunc.pcap")]
    [InlineData("pcap/zeek/trunc-ip6-trunc.pcap")]
    [InlineData("pcap/zeek/trunc-ip6-ext-trunc.pcap")]
    [InlineData("pcap/zeek/trunc-trunc-hdr.pcap")]
    [InlineData("pcap/zeek/ip-bogus-header-len.pcap")]
    [InlineData("pcap/akvorado/mpls-invalid-nibble.pcap")]
    public void MalformedSharedCapturesReadAndDecodeWithoutExceptions(string capture)
    {
        using var source = CaptureFileReader.Open(CaptureCorpus.FullPath(capture));
        var counters = new DecodeCounters();
        long packets = 0;
        while (source.TryReadPacket(out var p))
        {
            packets++;
            var outcome = PacketDecoder.Decode(p.LinkType, p.Data, out var d, counters);
            if (outcome == DecodeOutcome.Decoded)
            {
                Assert.True(d.IPVersion is 4 or 6);
                Assert.True(d.IpLength > 0);
            }
        }
        Assert.Equal(CaptureCorpus.ManifestPacketCount(capture), packets);
        Assert.Equal(packets, counters.Total);
    }

    [Theory]
    [InlineData("pcap/zeek/trunc-ip4-trunc.pcap", DecodeOutcome.Truncated)]
    [InlineData("pcap/zeek/trunc-ip6-trunc.pcap", DecodeOutcome.Truncated)]
    [InlineData("pcap/zeek/trunc-ip6-ext-trunc.pcap", DecodeOutcome.Truncated)]
    [InlineData("pcap/zeek/ip-bogus-header-len.pcap", DecodeOutcome.Malformed)]
    [InlineData("pcap/akvorado/mpls-invalid-nibble.pcap", DecodeOutcome.Malformed)]
    public void DamagedPacketsAreReportedNotDecoded(string capture, DecodeOutcome expected)
    {
        var frames = CaptureCorpus.ReadAll(CaptureCorpus.FullPath(capture));
        Assert.Equal(expected, PacketDecoder.Decode(frames[0].LinkType, frames[0].Data, out _));
    }

    private static void ReadAndDecodeEverything(byte[] bytes, int bound)
    {
        try
        {
            using var source = CaptureCorpus.OpenBytes(bytes, "damaged");
            long packets = 0;
            while (source.TryReadPacket(out var p))
            {
                PacketDecoder.Decode(p.LinkType, p.Data, out _);
                Assert.True(++packets <= bound, "more packets than bytes: the reader is not advancing");
            }
        }
        catch (FlowDataException e)
        {
            Assert.Equal("damaged", e.DataSource);
            Assert.True(e.Offset >= 0);
        }
    }

    private static byte[] Gzip(byte[] data)
    {
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(data);
        return ms.ToArray();
    }
}
