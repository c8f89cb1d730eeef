using System.Runtime.InteropServices;
using FlowForensics.Analysis.Statistics;
using FlowForensics.Flows;

namespace FlowForensics.Analysis.TopN;

/// <summary>Per-key figures, updated in place in the dictionary.</summary>
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

    void Add(FlowRecord flow);

    /// <summary>Makes room for <paramref name="keys"/> keys at once (instead of growing by doubling).</summary>
    void EnsureCapacity(int keys);

    List<TopNRow> BuildRows(TopNOrder order, int top, long totalFlows, long totalPackets, long totalBytes);

    /// <summary>Adds another table of the same key type, as if its records had been added after this table's.</summary>
    void MergeFrom(ITopNTable other);
}

internal sealed class TopNTable<TKey, TSource> : ITopNTable
    where TKey : struct, IEquatable<TKey>
    where TSource : struct, ITopNKeySource<TKey>
{
    private readonly Dictionary<TKey, TopNAccumulator> _byKey = new(1024);
    private readonly TSource _source;
    private readonly TopNDistinctField[] _distinct;
    private readonly int _exactLimit;
    private readonly List<DistinctCounter[]> _distinctCounters = [];

    public TopNTable(TSource source, IReadOnlyList<TopNDistinctField> distinct, int exactLimit)
    {
        _source = source;
        _distinct = [.. distinct];
        _exactLimit = exactLimit;
    }

    public int KeyCount => _byKey.Count;

    public void EnsureCapacity(int keys) => _byKey.EnsureCapacity(keys);

    public void Add(FlowRecord flow)
    {
        TKey key = _source.First(flow, out bool reversed);
        Accumulate(key, flow, reversed);
        if (_source.BothEnds) Accumulate(_source.Second(flow), flow, false);
    }

    private void Accumulate(TKey key, FlowRecord flow, bool reversed)
    {
        ref var acc = ref CollectionsMarshal.GetValueRefOrAddDefault(_byKey, key, out bool exists);
        long start = flow.Start.Ticks, end = flow.End.Ticks;
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
        acc.Flows += flow.Flows > 0 ? flow.Flows : 1;
        acc.Packets += flow.Packets + flow.OutPackets;
        acc.Bytes += flow.Bytes + flow.OutBytes;
        if (_distinct.Length != 0) AddDistinct(ref acc, flow);
    }

    public void MergeFrom(ITopNTable other)
    {
        var from = (TopNTable<TKey, TSource>)other;
        foreach (var pair in from._byKey)
        {
            var theirs = pair.Value;
            ref var acc = ref CollectionsMarshal.GetValueRefOrAddDefault(_byKey, pair.Key, out bool exists);
            if (!exists)
            {
                acc.FirstTicks = theirs.FirstTicks;
                acc.LastTicks = theirs.LastTicks;
                acc.Reversed = theirs.Reversed;   // a new key takes the orientation of its first record, as in Add
            }
            else
            {
                if (theirs.FirstTicks < acc.FirstTicks) acc.FirstTicks = theirs.FirstTicks;
                if (theirs.LastTicks > acc.LastTicks) acc.LastTicks = theirs.LastTicks;
            }
            acc.Flows += theirs.Flows;
            acc.Packets += theirs.Packets;
            acc.Bytes += theirs.Bytes;
            if (theirs.DistinctSlot == 0) continue;
            var counters = from._distinctCounters[theirs.DistinctSlot - 1];
            if (acc.DistinctSlot == 0)
            {
                _distinctCounters.Add(counters);   // the other table is discarded after a merge: take its counters over
                acc.DistinctSlot = _distinctCounters.Count;
            }
            else
            {
                var mine = _distinctCounters[acc.DistinctSlot - 1];
                for (int i = 0; i < mine.Length; i++) mine[i].Merge(counters[i]);
            }
        }
    }

    private void AddDistinct(ref TopNAccumulator acc, FlowRecord flow)
    {
        if (acc.DistinctSlot == 0)
        {
            var counters = new DistinctCounter[_distinct.Length];
            for (int i = 0; i < counters.Length; i++) counters[i] = new DistinctCounter(_exactLimit);
            _distinctCounters.Add(counters);
            acc.DistinctSlot = _distinctCounters.Count;
        }
        var set = _distinctCounters[acc.DistinctSlot - 1];
        for (int i = 0; i < _distinct.Length; i++) set[i].Add(DistinctValue(flow, _distinct[i]));
    }

    private static UInt128 DistinctValue(FlowRecord flow, TopNDistinctField field) => field switch
    {
        TopNDistinctField.SrcAddr => new UInt128(flow.SrcAddress.High, flow.SrcAddress.Low),
        TopNDistinctField.DstAddr => new UInt128(flow.DstAddress.High, flow.DstAddress.Low),
        TopNDistinctField.SrcPort => flow.SrcPort,
        TopNDistinctField.DstPort => flow.DstPort,
        _ => flow.Protocol,
    };

    public List<TopNRow> BuildRows(TopNOrder order, int top, long totalFlows, long totalPackets, long totalBytes)
    {
        var comparer = new EntryComparer(_source, order is TopNOrder.Start or TopNOrder.End);
        Entry[] ranked;
        if (top > 0 && top < _byKey.Count)
        {
            var heap = new TopNHeap<Entry>(top, comparer);
            foreach (var pair in _byKey) heap.Offer(new Entry(pair.Key, pair.Value, OrderValue(pair.Value, order)));
            ranked = heap.ToSortedArray();
        }
        else
        {
            ranked = new Entry[_byKey.Count];
            int i = 0;
            foreach (var pair in _byKey) ranked[i++] = new Entry(pair.Key, pair.Value, OrderValue(pair.Value, order));
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
            if (_distinct.Length != 0) DescribeDistinct(acc, row);
            rows.Add(row);
        }
        return rows;
    }

    private void DescribeDistinct(in TopNAccumulator acc, TopNRow row)
    {
        var set = _distinctCounters[acc.DistinctSlot - 1];
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

    internal readonly record struct Entry(TKey Key, TopNAccumulator Accumulator, long Value);

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
