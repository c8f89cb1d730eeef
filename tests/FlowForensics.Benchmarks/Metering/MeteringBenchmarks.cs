using BenchmarkDotNet.Attributes;
using FlowForensics.Capture;
using FlowForensics.Capture.Decoding;
using FlowForensics.Metering;

namespace FlowForensics.Benchmarks.Metering;

/// <summary>
/// The packet hot path in memory (no disk): reading, decoding, and metering a real capture
/// (zeek's echo-connections.pcap, 82,582 packets). The decode benchmark must show zero allocated bytes per packet.
/// <c>dotnet run -c Release --project tests/FlowForensics.Benchmarks -- --filter '*Metering*'</c>
/// </summary>
[MemoryDiagnoser]
public class MeteringBenchmarks
{
    private byte[] _capture = [];

    [GlobalSetup]
    public void Setup()
    {
        string root = SideBySide.NfdumpComparison.RepoRoot();
        _capture = File.ReadAllBytes(Path.Combine(root, "..", "shared", "data", "pcap", "zeek", "echo-connections.pcap"));
    }

    [Benchmark(Description = "read + decode (packets)")]
    public long ReadAndDecode()
    {
        long decoded = 0;
        using var source = CaptureFileReader.Open(new MemoryStream(_capture, writable: false), "echo-connections.pcap");
        while (source.TryReadPacket(out var packet))
        {
            if (PacketDecoder.Decode(packet.LinkType, packet.Data, out _) == DecodeOutcome.Decoded) decoded++;
        }
        return decoded;
    }

    [Benchmark(Description = "read + decode + meter (flows)")]
    public long Meter()
    {
        var meter = new FlowMeter();
        long flows = 0;
        using var source = CaptureFileReader.Open(new MemoryStream(_capture, writable: false), "echo-connections.pcap");
        foreach (var _ in meter.Read(source)) flows++;
        foreach (var _ in meter.Flush()) flows++;
        return flows;
    }
}
