using FlowForensics.Analysis.Aggregation;
using FlowForensics.Analysis.TopN;
using Xunit;

namespace FlowForensics.Tests.Analysis;

/// <summary>The top-N key table against a Dictionary, including keys whose hashes all collide.</summary>
public sealed class TopNHashTableTests
{
    /// <summary>A key whose hash is only its lowest bits, so thousands of keys share one hash.</summary>
    private readonly record struct CollidingKey(long Value)
    {
        public override int GetHashCode() => (int)(Value & 3);
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(1_000, false)]
    [InlineData(300_000, false)]
    [InlineData(300_000, true)]
    public void CountsEveryKeyAsADictionaryDoes(int distinct, bool sizedAhead)
    {
        var random = new Random(distinct);
        var table = new TopNHashTable<long>();
        if (sizedAhead) table.EnsureCapacity(distinct);
        var expected = new Dictionary<long, long>();
        var order = new List<long>();
        for (int i = 0; i < 3 * distinct; i++)
        {
            long key = random.NextInt64(distinct) * 7_919;   // multiples of a prime: a weak pattern for a weak hash
            ref var acc = ref table.GetOrAdd(key, TopNHashTable<long>.Hash(key), out bool exists);
            Assert.Equal(expected.ContainsKey(key), exists);
            if (!exists) order.Add(key);
            acc.Bytes += i;
            expected[key] = expected.GetValueOrDefault(key) + i;
        }
        Assert.Equal(expected.Count, table.Count);
        Assert.Equal(order, table.Entries.ToArray().Select(e => e.Key));   // entries in the order keys first came
        foreach (var e in table.Entries.ToArray()) Assert.Equal(expected[e.Key], e.Value.Bytes);
    }

    [Fact]
    public void KeysWithOneHashStayApart()
    {
        var table = new TopNHashTable<CollidingKey>();
        for (int round = 0; round < 2; round++)
        {
            for (long v = 0; v < 5_000; v++)
            {
                var key = new CollidingKey(v);
                ref var acc = ref table.GetOrAdd(key, TopNHashTable<CollidingKey>.Hash(key), out bool exists);
                Assert.Equal(round == 1, exists);
                acc.Flows++;
            }
        }
        Assert.Equal(5_000, table.Count);
        Assert.All(table.Entries.ToArray(), e => Assert.Equal(2, e.Value.Flows));
    }

    [Fact]
    public void SizingAheadKeepsWhatIsThere()
    {
        var table = new TopNHashTable<long>();
        for (long k = 0; k < 1_000; k++) table.GetOrAdd(k, TopNHashTable<long>.Hash(k), out _).Packets = k;
        table.EnsureCapacity(2_000_000);
        Assert.True(table.Capacity >= 2_000_000);
        for (long k = 0; k < 1_000; k++)
        {
            Assert.Equal(k, table.GetOrAdd(k, TopNHashTable<long>.Hash(k), out bool exists).Packets);
            Assert.True(exists);
        }
        Assert.Equal(1_000, table.Count);
    }

    [Fact]
    public void LargeArraysComeZeroedEvenFromReusedMemory()
    {
        // 64 MiB: well above the size from which the arrays are pinned and advised as huge pages.
        for (int round = 0; round < 3; round++)
        {
            var array = HugePageArrays.Allocate<long>(8 << 20);
            Assert.Equal(8 << 20, array.Length);
            Assert.True(Array.TrueForAll(array, v => v == 0), $"round {round}: not zeroed");
            Array.Fill(array, -1L);
            array = null;
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        Assert.Empty(HugePageArrays.Allocate<long>(0));
        Assert.Equal(3, HugePageArrays.Allocate<long>(3).Length);
    }
}
