using FlowForensics.Flows;
using FlowForensics.Storage;
using FlowForensics.Storage.Nfcapd;
using Xunit;

namespace FlowForensics.Tests.Storage;

/// <summary>Reading a large file set streams: retained managed memory does not grow with the number of flows read.
/// GC.GetTotalMemory is process-wide, so this runs alone (see <see cref="MemoryMeasurementCollection"/>).</summary>
[Collection(MemoryMeasurementCollection.Name)]
public sealed class FlowFileSetMemoryTests : IDisposable
{
    private const int FlowCount = 300_000;

    /// <summary>Bound on retained managed memory growth while reading; 300k retained FlowRecords would need well over 50 MB.</summary>
    private const long RetainedGrowthBound = 16L << 20;

    private static readonly DateTime T0 = new(2024, 6, 1, 0, 0, 0, DateTimeKind.Utc);
    private readonly string _dir = Directory.CreateTempSubdirectory("ff-memory-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void ReadingA300kFlowSetKeepsRetainedManagedMemoryBounded()
    {
        var rng = new Random(11);
        using (var w = new RotatingNfcapdWriter(_dir, TimeSpan.FromMinutes(5), NfcapdCompression.Lz4, "memory"))
        {
            for (int i = 0; i < FlowCount; i++)
            {
                var start = T0.AddMilliseconds(i * 12L);   // one hour in start order
                w.Accept(new FlowRecord
                {
                    Start = start,
                    End = start.AddMilliseconds(rng.Next(0, 30_000)),
                    Protocol = rng.Next(3) == 0 ? (byte)17 : (byte)6,
                    SrcPort = (ushort)rng.Next(1024, 65536),
                    DstPort = 443,
                    Packets = rng.Next(1, 100),
                    Bytes = rng.Next(40, 100_000),
                    SrcAddress = FlowAddress.FromIPv4((uint)rng.Next()),
                    DstAddress = FlowAddress.FromIPv4(0xC0000201u),
                });
            }
            w.Complete();
        }
        var set = new FlowFileSet([_dir]);
        Assert.Equal(12, set.Files.Count);

        long baseline = GC.GetTotalMemory(forceFullCollection: true);
        long peakGrowth = 0, count = 0, bytes = 0;
        foreach (var flow in set.ReadFlows())
        {
            count++;
            bytes += flow.Bytes;
            if (count % 50_000 == 0)
                peakGrowth = Math.Max(peakGrowth, GC.GetTotalMemory(forceFullCollection: true) - baseline);
        }

        Assert.Equal(FlowCount, count);
        Assert.True(bytes > 0);
        Assert.True(peakGrowth < RetainedGrowthBound,
            $"retained managed memory grew by {peakGrowth / 1048576.0:F1} MiB while reading {FlowCount} flows (bound {RetainedGrowthBound >> 20} MiB)");
    }
}

