using System.Runtime.CompilerServices;
using FlowForensics.Analysis.Statistics;
using FlowForensics.Flows;

namespace FlowForensics.Analysis.TopN;

/// <summary>Per-key figures, updated in place in the key table.</summary>
internal struct TopNAccumulator
{
    public long Flows;
    public long Packets;
    public long Bytes;
    public long FirstTicks;
    public long LastTicks;

    /// <summary>1-based index into the table's distinct counters; 0 = none yet.</summary>
    public int DistinctSlot;

    /// <summary>The first record of a bidirectional key ran against the key's canonical direction.</summary>
    public bool Reversed;
}

internal interface ITopNTable
{
    int KeyCount { get; }

    /// <summary>The partitions the keys are spread over (1 unless <see cref="TrySplit"/> made more).</summary>
    int Partitions { get; }

    /// <summary>Entries the table holds before it grows (all partitions).</summary>
    long Capacity { get; }

    /// <summary>
    /// Adds the records' keys: all of them (<paramref name="partition"/> below 0), or those that fall in
    /// <paramref name="partition"/>, leaving the others: threads that each take one partition can add the same records
    /// at once, with no lock and no merge.
    /// </summary>
    void Add(ReadOnlySpan<FlowCore> flows, int partition = -1);

    /// <summary>The keys in <paramref name="partition"/>.</summary>
    int PartitionKeyCount(int partition);

    /// <summary>
    /// Spreads the keys over <paramref name="partitions"/> partitions by their hash: true when the table is split so
    /// already, or is empty and now is; false when it holds keys in another split.
    /// </summary>
    bool TrySplit(int partitions);

    /// <summary>Makes room for <paramref name="keys"/> keys at once (instead of growing by doubling), spread over the partitions.</summary>
    void EnsureCapacity(int keys);

    /// <summary>Makes room for <paramref name="keys"/> keys in one partition.</summary>
    void EnsurePartitionCapacity(int partition, int keys);

    List<TopNRow> BuildRows(TopNOrder order, int top, long totalFlows, long totalPackets, long totalBytes);

    /// <summary>Gives the key tables' memory back for later tables (<see cref="TopNHashTable{TKey}.Release"/>); the table is empty afterwards.</summary>
    void Release();
}

internal sealed class TopNTable<TKey, TSource> : ITopNTable
    where TKey : unmanaged, IEquatable<TKey>
    where TSource : struct, ITopNKeySource<TKey>
{
    /// <summary>
    /// One partition's keys, the distinct counters its accumulators point at, and the keys of the records being added,
    /// staged. Records are added in batches: the keys of a batch are taken first, then the batch goes into the table in
    /// a tight loop, where the processor overlaps the cache misses of many keys instead of waiting for each key's miss
    /// between one record and the next (it made 60,000 busy source keys twice as fast). A batch is the records of one
    /// <see cref="Add"/> call, which leaves nothing staged behind it.
    /// </summary>
    private sealed class Partition
    {
        public readonly TopNHashTable<TKey> Table = new();
        public readonly List<DistinctCounter[]> DistinctCounters = [];
        public readonly Staged[] Batch = new Staged[BatchSize];
        public int Staged;
        public long Touched;
    }

    /// <summary>A key to add: its hash, its guessed entry, and the record (in the batch) its figures come from.</summary>
    private struct Staged
    {
        public TKey Key;
        public uint Hash;
        public int Position;   // the entry the key's first index slot points at, or -1
        public int Flow;
        public bool Reversed;
    }

    private const int BatchSize = 512;

    private Partition[] _partitions = [new()];
    private readonly TSource _source;
    private readonly TopNDistinctField[] _distinct;
    private readonly int _exactLimit;

    public TopNTable(TSource source, IReadOnlyList<TopNDistinctField> distinct, int exactLimit)
    {
        _source = source;
        _distinct = [.. distinct];
        _exactLimit = exactLimit;
    }

    public int KeyCount
    {
        get
        {
            int keys = 0;
            foreach (var p in _partitions) keys += p.Table.Count;
            return keys;
        }
    }

    public int Partitions => _partitions.Length;

    public void Release()
    {
        foreach (var p in _partitions)
        {
            p.Table.Release();
            p.DistinctCounters.Clear();
        }
    }

    public long Capacity => _partitions.Sum(p => (long)p.Table.Capacity);

    public int PartitionKeyCount(int partition) => _partitions[partition].Table.Count;

    public bool TrySplit(int partitions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        if (partitions == _partitions.Length) return true;
        if (KeyCount != 0) return false;
        _partitions = new Partition[partitions];
        for (int i = 0; i < partitions; i++) _partitions[i] = new Partition();
        return true;
    }

    public void EnsureCapacity(int keys)
    {
        int each = _partitions.Length == 1 ? keys : (int)Math.Min(keys / _partitions.Length * 21L / 20 + 1024, keys);
        foreach (var p in _partitions) p.Table.EnsureCapacity(each);
    }

    public void EnsurePartitionCapacity(int partition, int keys) => _partitions[partition].Table.EnsureCapacity(keys);

    /// <summary>The partition of a hash: its bits above the lowest (which <see cref="TopNHashTable{TKey}.Hash"/> sets).</summary>
    private int PartitionOf(uint hash) => _partitions.Length == 1 ? 0 : (int)((hash >> 1) % (uint)_partitions.Length);

    public void Add(ReadOnlySpan<FlowCore> flows, int partition = -1)
    {
        if (_distinct.Length != 0)
        {
            // The distinct counters need the whole record: one by one.
            foreach (ref readonly var flow in flows) AddWithDistinct(flow, partition);
            return;
        }
        bool both = _source.BothEnds;
        if (_partitions.Length == 1 && !both)
        {
            AddOneKeyEach(flows);
            return;
        }
        for (int i = 0; i < flows.Length; i++)
        {
            ref readonly var flow = ref flows[i];
            Stage(_source.First(flow, out bool reversed), reversed, i, partition, flows);
            if (both) Stage(_source.Second(flow), false, i, partition, flows);
        }
        if (partition >= 0)
        {
            // Only this partition: the others belong to other threads.
            if (_partitions[partition].Staged != 0) Flush(_partitions[partition], flows);
            return;
        }
        foreach (var p in _partitions)
            if (p.Staged != 0) Flush(p, flows);
    }

    /// <summary>The common case, one partition and one key per record, with nothing checked per record that need not be.</summary>
    private void AddOneKeyEach(ReadOnlySpan<FlowCore> flows)
    {
        var partition = _partitions[0];
        var batch = partition.Batch;
        for (int start = 0; start < flows.Length; start += BatchSize)
        {
            var part = flows.Slice(start, Math.Min(BatchSize, flows.Length - start));
            for (int i = 0; i < part.Length; i++)
            {
                ref var staged = ref batch[i];
                staged.Key = _source.First(part[i], out staged.Reversed);
                staged.Hash = TopNHashTable<TKey>.Hash(staged.Key);
                staged.Flow = i;
            }
            partition.Staged = part.Length;
            Flush(partition, part);
        }
    }

    /// <summary>Stages a key for its partition, when that is <paramref name="only"/> (or <paramref name="only"/> is below 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Stage(in TKey key, bool reversed, int flow, int only, ReadOnlySpan<FlowCore> flows)
    {
        uint hash = TopNHashTable<TKey>.Hash(key);
        int index = PartitionOf(hash);
        if (only >= 0 && index != only) return;
        var partition = _partitions[index];
        ref var staged = ref partition.Batch[partition.Staged];
        staged.Key = key;
        staged.Hash = hash;
        staged.Flow = flow;
        staged.Reversed = reversed;
        if (++partition.Staged == BatchSize) Flush(partition, flows);
    }

    private void AddWithDistinct(in FlowCore flow, int only)
    {
        AddWithDistinct(_source.First(flow, out bool reversed), reversed, flow, only);
        if (_source.BothEnds) AddWithDistinct(_source.Second(flow), false, flow, only);
    }

    private void AddWithDistinct(in TKey key, bool reversed, in FlowCore flow, int only)
    {
        uint hash = TopNHashTable<TKey>.Hash(key);
        int index = PartitionOf(hash);
        if (only >= 0 && index != only) return;
        var partition = _partitions[index];
        ref var acc = ref partition.Table.GetOrAdd(key, hash, out bool exists);
        Accumulate(ref acc, exists, reversed, flow);
        AddDistinct(partition, ref acc, flow);
    }

    /// <summary>
    /// Puts the staged keys into the table in three passes, so that their cache misses overlap instead of coming one
    /// after another: read each key's first index slot, then the entry each slot points at, then add each record's
    /// figures, which now mostly finds its key in memory already fetched (keys not found so, or new, take the full lookup).
    /// </summary>
    private static void Flush(Partition partition, ReadOnlySpan<FlowCore> flows)
    {
        var table = partition.Table;
        var batch = partition.Batch.AsSpan(0, partition.Staged);
        partition.Staged = 0;
        foreach (ref var s in batch)
            s.Position = TopNHashTable<TKey>.PositionOf(table.PeekSlot(s.Hash), s.Hash);
        long touched = 0;
        foreach (ref var s in batch)
            if (s.Position >= 0) touched += table.PeekEntry(s.Position);
        partition.Touched = touched;   // kept, so the reads are not left out
        foreach (ref var s in batch)
        {
            ref readonly var flow = ref flows[s.Flow];
            if (s.Position >= 0)
            {
                ref var found = ref table.At(s.Position, s.Key);
                if (!Unsafe.IsNullRef(ref found))
                {
                    Accumulate(ref found, exists: true, s.Reversed, flow);
                    continue;
                }
            }
            ref var acc = ref table.GetOrAdd(s.Key, s.Hash, out bool exists);
            Accumulate(ref acc, exists, s.Reversed, flow);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate(ref TopNAccumulator acc, bool exists, bool reversed, in FlowCore flow)
    {
        long start = flow.StartTicks, end = flow.EndTicks;
        if (!exists)
        {
            acc.FirstTicks = start;
            acc.LastTicks = end;
            acc.Reversed = reversed;
        }
        else
        {
            if (start < acc.FirstTicks) acc.FirstTicks = start;
            if (end > acc.LastTicks) acc.LastTicks = end;
        }
        acc.Flows += flow.Flows;
        acc.Packets += flow.Packets;
        acc.Bytes += flow.Bytes;
    }

    private void AddDistinct(Partition partition, ref TopNAccumulator acc, in FlowCore flow)
    {
        var all = partition.DistinctCounters;
        if (acc.DistinctSlot == 0)
        {
            var counters = new DistinctCounter[_distinct.Length];
            for (int i = 0; i < counters.Length; i++) counters[i] = new DistinctCounter(_exactLimit);
            all.Add(counters);
            acc.DistinctSlot = all.Count;
        }
        var set = all[acc.DistinctSlot - 1];
        for (int i = 0; i < _distinct.Length; i++) set[i].Add(DistinctValue(flow, _distinct[i]));
    }

    private static UInt128 DistinctValue(in FlowCore flow, TopNDistinctField field) => field switch
    {
        TopNDistinctField.SrcAddr => new UInt128(flow.Src.High, flow.Src.Low),
        TopNDistinctField.DstAddr => new UInt128(flow.Dst.High, flow.Dst.Low),
        TopNDistinctField.SrcPort => flow.SrcPort,
        TopNDistinctField.DstPort => flow.DstPort,
        _ => flow.Protocol,
    };

    public List<TopNRow> BuildRows(TopNOrder order, int top, long totalFlows, long totalPackets, long totalBytes)
    {
        var comparer = new EntryComparer(_source, order is TopNOrder.Start or TopNOrder.End);
        Entry[] ranked;
        int keys = KeyCount;   // flushes every batch
        if (top > 0 && top < keys)
        {
            var heap = new TopNHeap<Entry>(top, comparer);
            for (int p = 0; p < _partitions.Length; p++)
                foreach (ref var e in _partitions[p].Table.Entries) heap.Offer(new Entry(e.Key, e.Value, OrderValue(e.Value, order), p));
            ranked = heap.ToSortedArray();
        }
        else
        {
            ranked = new Entry[keys];
            int i = 0;
            for (int p = 0; p < _partitions.Length; p++)
                foreach (ref var e in _partitions[p].Table.Entries) ranked[i++] = new Entry(e.Key, e.Value, OrderValue(e.Value, order), p);
            Array.Sort(ranked, (a, b) => comparer.Compare(b, a));
        }

        var rows = new List<TopNRow>(ranked.Length);
        for (int i = 0; i < ranked.Length; i++)
        {
            ref readonly var e = ref ranked[i];
            var acc = e.Accumulator;
            long duration = acc.LastTicks - acc.FirstTicks;
            var row = new TopNRow
            {
                Rank = i + 1,
                Flows = acc.Flows,
                FlowsPercent = FlowRates.Percent(acc.Flows, totalFlows),
                Packets = acc.Packets,
                PacketsPercent = FlowRates.Percent(acc.Packets, totalPackets),
                Bytes = acc.Bytes,
                BytesPercent = FlowRates.Percent(acc.Bytes, totalBytes),
                Pps = FlowRates.PacketsPerSecond(acc.Packets, duration),
                Bps = FlowRates.BitsPerSecond(acc.Bytes, duration),
                Bpp = FlowRates.BytesPerPacket(acc.Bytes, acc.Packets),
                FirstSeen = new DateTime(acc.FirstTicks, DateTimeKind.Utc),
                LastSeen = new DateTime(acc.LastTicks, DateTimeKind.Utc),
                Duration = TimeSpan.FromTicks(Math.Max(duration, 0)),
            };
            _source.Describe(e.Key, acc.Reversed, row);
            if (_distinct.Length != 0) DescribeDistinct(_partitions[e.Partition].DistinctCounters[acc.DistinctSlot - 1], row);
            rows.Add(row);
        }
        return rows;
    }

    private void DescribeDistinct(DistinctCounter[] set, TopNRow row)
    {
        bool exact = true;
        for (int i = 0; i < _distinct.Length; i++)
        {
            long count = set[i].Count;
            exact &= set[i].IsExact;
            switch (_distinct[i])
            {
                case TopNDistinctField.SrcAddr: row.DistinctSrcAddr = count; break;
                case TopNDistinctField.DstAddr: row.DistinctDstAddr = count; break;
                case TopNDistinctField.SrcPort: row.DistinctSrcPort = count; break;
                case TopNDistinctField.DstPort: row.DistinctDstPort = count; break;
                default: row.DistinctProtocol = count; break;
            }
        }
        row.DistinctIsExact = exact;
    }

    internal static long OrderValue(in TopNAccumulator acc, TopNOrder order)
    {
        long duration = acc.LastTicks - acc.FirstTicks;
        return order switch
        {
            TopNOrder.Flows => acc.Flows,
            TopNOrder.Packets => acc.Packets,
            TopNOrder.Bytes => acc.Bytes,
            TopNOrder.Pps => FlowRates.PacketsPerSecond(acc.Packets, duration),
            TopNOrder.Bps => FlowRates.BitsPerSecond(acc.Bytes, duration),
            TopNOrder.Bpp => FlowRates.BytesPerPacket(acc.Bytes, acc.Packets),
            TopNOrder.Start => acc.FirstTicks,
            _ => acc.LastTicks,
        };
    }

    internal readonly record struct Entry(TKey Key, TopNAccumulator Accumulator, long Value, int Partition);

    /// <summary>
    /// "Better" = larger value (smaller for Start/End); equal values rank by the key ascending
    /// (addresses numerically, IPv4 before IPv6; then ports, protocol ...), so ties are deterministic.
    /// </summary>
    private sealed class EntryComparer(TSource source, bool ascending) : IComparer<Entry>
    {
        public int Compare(Entry a, Entry b)
        {
            int c = a.Value.CompareTo(b.Value);
            if (c != 0) return ascending ? -c : c;
            return -source.Compare(a.Key, b.Key);
        }
    }
}
