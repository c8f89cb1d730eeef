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

    [Fact]
    public void ATableAfterAReleasedOneStartsFromNothing()
    {
        // The released table's arrays go back to the pools; the next tables rent them with the old entries and index
        // still in them, and must count as if they were new.
        for (int round = 0; round < 4; round++)
        {
            var random = new Random(round);
            var table = new TopNHashTable<long>();
            var expected = new Dictionary<long, long>();
            int distinct = round % 2 == 0 ? 90_000 : 700;   // the pooled sizes, or only the smallest
            for (int i = 0; i < 3 * distinct; i++)
            {
                long key = random.NextInt64(distinct) * (round + 1);
                ref var acc = ref table.GetOrAdd(key, TopNHashTable<long>.Hash(key), out bool exists);
                Assert.Equal(expected.ContainsKey(key), exists);
                acc.Flows++;
                acc.Bytes += i;
                expected[key] = expected.GetValueOrDefault(key) + i;
            }
            Assert.Equal(expected.Count, table.Count);
            foreach (var e in table.Entries.ToArray())
            {
                Assert.Equal(expected[e.Key], e.Value.Bytes);
                Assert.InRange(e.Value.Flows, 1, 3 * distinct);
            }
            table.Release();
            Assert.Equal(0, table.Count);
            Assert.False(table.GetOrAdd(12345, TopNHashTable<long>.Hash(12345), out _).Flows != 0, "a released table is empty");
        }
    }

    [Fact]
    public async Task ATableWhoseFirstArrayCameLargerFromThePoolStillGrowsItsIndex()
    {
        // The pool hands out an array from a larger bucket when the asked-for bucket is empty. A table that sized its
        // index for the length it asked for, not the one it got, filled its index and looped for ever.
        var work = Task.Run(() =>
        {
            var grown = new TopNHashTable<long>();
            for (long k = 0; k < 2_000; k++) grown.GetOrAdd(k, TopNHashTable<long>.Hash(k), out _);   // returns 64..1024 arrays
            var tables = Enumerable.Range(0, 6).Select(_ => new TopNHashTable<long>()).ToList();    // empties the smallest bucket
            Assert.Contains(tables, t => t.Capacity > 64);   // some came from a larger bucket
            foreach (var table in tables)
            {
                for (long k = 0; k < 5_000; k++) table.GetOrAdd(k, TopNHashTable<long>.Hash(k), out _).Flows++;
                Assert.Equal(5_000, table.Count);
            }
            grown.Release();
            foreach (var table in tables) table.Release();
        });
        var finished = await Task.WhenAny(work, Task.Delay(TimeSpan.FromSeconds(30)));
        Assert.True(finished == work, "a table's index filled up (endless probe)");
        await work;
    }

    [Fact]
    public async Task ALargeReleasedTablesArraysServeTheNextTableAndAreDroppedAfterAWhile()
    {
        // 600,000 keys of 8 bytes: entry and index arrays of 16 MiB and more, too large to pool, kept as spares.
        TopNHashTable<long>.DropSpares();
        var before = TopNHashTable<long>.SpareFor;
        try
        {
            for (int round = 0; round < 3; round++)
            {
                Assert.Equal(round == 0 ? (0, 0) : (1, 1), TopNHashTable<long>.SpareCount);
                var table = new TopNHashTable<long>();
                table.EnsureCapacity(600_000);
                Assert.Equal((0, 0), TopNHashTable<long>.SpareCount);   // taken (round 0: none to take)
                var expected = new Dictionary<long, long>();
                var random = new Random(round);
                for (int i = 0; i < 1_200_000; i++)
                {
                    long key = random.NextInt64(600_000) * (round + 2);   // other keys each round
                    ref var acc = ref table.GetOrAdd(key, TopNHashTable<long>.Hash(key), out bool exists);
                    Assert.Equal(expected.ContainsKey(key), exists);
                    acc.Bytes += i;
                    expected[key] = expected.GetValueOrDefault(key) + i;
                }
                Assert.Equal(expected.Count, table.Count);
                foreach (var e in table.Entries.ToArray()) Assert.Equal(expected[e.Key], e.Value.Bytes);
                table.Release();
                Assert.Equal((1, 1), TopNHashTable<long>.SpareCount);
            }

            // Dropped once no table took them for SpareFor.
            TopNHashTable<long>.SpareFor = TimeSpan.FromMilliseconds(100);
            var last = new TopNHashTable<long>();
            last.EnsureCapacity(600_000);
            last.Release();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (TopNHashTable<long>.SpareCount != (0, 0) && clock.Elapsed < TimeSpan.FromSeconds(20)) await Task.Delay(50);
            Assert.Equal((0, 0), TopNHashTable<long>.SpareCount);
        }
        finally
        {
            TopNHashTable<long>.SpareFor = before;
            TopNHashTable<long>.DropSpares();
        }
    }

    [Fact]
    public void AddressHashesSpreadOverTheIndex()
    {
        // Addresses get a hash of their own (not HashCode.Combine): a /16 of consecutive IPv4 addresses, and IPv6
        // addresses that differ in one byte, must spread over an index's top bits like random numbers would.
        var v4 = Enumerable.Range(0, 65_536).Select(i => FlowForensics.Flows.FlowAddress.FromIPv4(0x0A0A0000u + (uint)i));
        var v6 = Enumerable.Range(0, 65_536).Select(i => FlowForensics.Flows.FlowAddress.FromIPv6(0x2001_0DB8_0000_0000UL | ((ulong)i << 16), (ulong)i));
        foreach (var (name, keys) in new[] { ("IPv4", v4), ("IPv6", v6) })
        {
            var hashes = keys.Select(k => TopNHashTable<FlowForensics.Flows.FlowAddress>.Hash(k)).ToList();
            // 65,536 random 31-bit values (the lowest bit is always set) share one about once; dozens would be a weak hash.
            Assert.InRange(hashes.Distinct().Count(), hashes.Count - 16, hashes.Count);
            // 65,536 keys into 2^17 slots by their top 17 bits: random hashes leave about 39 % of slots used by one key.
            var perSlot = hashes.GroupBy(h => h >> 15).Select(g => g.Count()).ToList();
            Assert.True(perSlot.Count > 45_000, $"{name}: only {perSlot.Count} of 131,072 slots used");
            Assert.True(perSlot.Max() <= 12, $"{name}: {perSlot.Max()} keys in one slot");
        }
        // An IPv4 address and its IPv4-mapped IPv6 twin are different keys with different hashes.
        var mapped = FlowForensics.Flows.FlowAddress.FromIPv6(0, 0x0000_FFFF_0A0A_0001UL);
        Assert.NotEqual(TopNHashTable<FlowForensics.Flows.FlowAddress>.Hash(FlowForensics.Flows.FlowAddress.FromIPv4(0x0A0A0001)),
            TopNHashTable<FlowForensics.Flows.FlowAddress>.Hash(mapped));
    }
}
