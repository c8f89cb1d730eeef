using FlowForensics.Synthesis;
using Xunit;

namespace FlowForensics.Tests.Synthesis;

/// <summary>The generator streams: its live heap stays flat during a large generation. GC.GetTotalMemory is
/// process-wide, so this runs alone (see <see cref="MemoryMeasurementCollection"/>).</summary>
[Collection(MemoryMeasurementCollection.Name)]
public sealed class ScenarioGeneratorMemoryTests
{
    [Fact]
    public void LiveHeapIsBoundedDuringALargeGeneration()
    {
        var sink = new HeapSamplingSink(100_000);
        var truth = new ScenarioGenerator(ScenarioPresets.HuntBenchmark(600_000, 3)).Generate(sink);
        Assert.True(truth.Packets > 400_000, truth.Packets.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(sink.Samples.Count >= 4);
        long first = sink.Samples[0], max = 0;
        foreach (long s in sink.Samples)
            max = Math.Max(max, s);
        Assert.True(max < first + 32_000_000, $"live heap grew from {first} to {max}");
    }

    private sealed class HeapSamplingSink(int every) : IFrameSink
    {
        private long _n;
        public List<long> Samples { get; } = [];

        public void Write(DateTime timestampUtc, ReadOnlySpan<byte> frame)
        {
            if (++_n % every == 0)
                Samples.Add(GC.GetTotalMemory(forceFullCollection: true));
        }
    }
}
