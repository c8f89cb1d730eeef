using FlowForensics.Capture;
using FlowForensics.Capture.Decoding;
using Xunit;

namespace FlowForensics.Tests.Capture.Decoding;

/// <summary>The hot path allocates nothing per packet: reading frames and decoding them cost a fixed amount, whatever the count.</summary>
public sealed class DecoderAllocationTests
{
    [Theory]
    [InlineData("zeek/echo-connections.pcap")]
    [InlineData("chrissanders/http_ip4and6.pcapng")]
    [InlineData("ndpi/1kxun.pcap")]
    public void Decoding_every_frame_of_a_capture_allocates_nothing(string capture)
    {
        var frames = new List<(LinkType Link, byte[] Data)>();
        using (var source = CaptureFileReader.Open(SharedData.Path("data", "pcap", capture)))
        {
            while (source.TryReadPacket(out var p)) frames.Add((p.LinkType, p.Data.ToArray()));
        }
        Assert.True(frames.Count > 10, $"{frames.Count} frames");

        int decoded = 0;
        PacketDecoder.Decode(frames[0].Link, frames[0].Data, out _);   // first call: static initialisation, JIT
        long before = GC.GetAllocatedBytesForCurrentThread();
        foreach (var (link, data) in frames)
        {
            if (PacketDecoder.Decode(link, data, out _) == DecodeOutcome.Decoded) decoded++;
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(decoded > frames.Count / 2, $"{decoded} of {frames.Count} decoded");
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Reading_a_capture_allocates_a_fixed_amount_not_per_packet()
    {
        byte[] file = File.ReadAllBytes(SharedData.Path("data", "pcap", "zeek", "echo-connections.pcap"));
        long Read(int limit)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            int n = 0;
            using var source = CaptureFileReader.Open(new MemoryStream(file, writable: false), "echo-connections.pcap");
            while (n < limit && source.TryReadPacket(out var p))
            {
                if (PacketDecoder.Decode(p.LinkType, p.Data, out _) == DecodeOutcome.Decoded) n++;
            }
            Assert.Equal(limit, n);
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Read(1_000);   // warm-up
        long small = Read(1_000), large = Read(80_000);
        // 79,000 more packets may not cost more than a few bytes each on average (they cost none; this leaves room for buffer growth).
        Assert.True(large - small < 79_000, $"1,000 packets: {small} bytes; 80,000 packets: {large} bytes");
    }
}
