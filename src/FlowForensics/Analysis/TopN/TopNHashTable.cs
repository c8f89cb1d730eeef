using System.Runtime.CompilerServices;
using FlowForensics.Analysis.Aggregation;

namespace FlowForensics.Analysis.TopN;

/// <summary>
/// The top-N key table: keys and their accumulators in one dense array, in the order the keys first came, found through
/// an open-addressing index (linear probing) of 8-byte slots, each the key's 32-bit hash and its entry's position.
/// Built for millions of mostly new keys (conversations): a new key costs one probe of the small index and an append
/// to the dense array, and a probe compares keys only when the hashes are equal. The index stays at most half full.
/// Large arrays come from <see cref="HugePageArrays"/>. Not thread-safe.
/// </summary>
internal sealed class TopNHashTable<TKey> where TKey : unmanaged, IEquatable<TKey>
{
    internal struct Entry
    {
        public TKey Key;
        public TopNAccumulator Value;
    }

    private const int MinimumEntries = 64;

    /// <summary>The most keys a table holds (its index then has 2^30 slots, the largest power of two an array allows).</summary>
    private const int MaxKeys = 1 << 29;

    private ulong[] _slots;   // 0 = empty; else hash (never 0) << 32 | entry position
    private int _shift;       // the slot of a hash is its top bits: hash >> _shift
    private Entry[] _entries;
    private int _count;

    public TopNHashTable()
    {
        _entries = new Entry[MinimumEntries];
        _slots = new ulong[2 * MinimumEntries];
        _shift = 32 - Log2(_slots.Length);
    }

    public int Count => _count;

    /// <summary>Entries the table holds before it grows.</summary>
    public int Capacity => _entries.Length;

    /// <summary>The keys and accumulators, in the order the keys first came.</summary>
    public Span<Entry> Entries => _entries.AsSpan(0, _count);

    /// <summary>
    /// The hash every table (and the partition choice) uses: the key's own hash, mixed (MurmurHash3's finaliser), so
    /// keys with weak hashes such as port numbers spread over the index; never 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Hash(in TKey key)
    {
        uint h = (uint)key.GetHashCode();
        h ^= h >> 16;
        h *= 0x85EB_CA6Bu;
        h ^= h >> 13;
        h *= 0xC2B2_AE35u;
        h ^= h >> 16;
        return h | 1;
    }

    /// <summary>The key's accumulator, added zeroed when the key is new (<paramref name="exists"/> false).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref TopNAccumulator GetOrAdd(in TKey key, uint hash, out bool exists)
    {
        var slots = _slots;
        int mask = slots.Length - 1;
        int i = (int)(hash >> _shift);
        while (true)
        {
            ulong slot = slots[i];
            if (slot == 0) break;
            if ((uint)(slot >> 32) == hash)
            {
                ref var entry = ref _entries[(int)(uint)slot];
                if (entry.Key.Equals(key))
                {
                    exists = true;
                    return ref entry.Value;
                }
            }
            i = (i + 1) & mask;
        }
        exists = false;
        return ref Append(key, hash, i);
    }

    /// <summary>
    /// The index slot a lookup of <paramref name="hash"/> starts at, read now: a batch reads the slots of all its keys
    /// first, so their cache misses overlap, and then finds each key in memory already fetched.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong PeekSlot(uint hash) => _slots[(int)(hash >> _shift)];

    /// <summary>The entry position a peeked slot points at when its hash is <paramref name="hash"/>; -1 otherwise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int PositionOf(ulong slot, uint hash) => slot != 0 && (uint)(slot >> 32) == hash ? (int)(uint)slot : -1;

    /// <summary>The first word of the accumulator at <paramref name="position"/>, read now (see <see cref="PeekSlot"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long PeekEntry(int position) => _entries[position].Value.Flows;

    /// <summary>
    /// The accumulator at <paramref name="position"/> when that entry's key is <paramref name="key"/> (a peeked slot's
    /// guess, still right after the table grew: entries keep their positions); otherwise a null reference.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref TopNAccumulator At(int position, in TKey key)
    {
        ref var entry = ref _entries[position];
        if (entry.Key.Equals(key)) return ref entry.Value;
        return ref Unsafe.NullRef<TopNAccumulator>();
    }

    private ref TopNAccumulator Append(in TKey key, uint hash, int slot)
    {
        // The index has at least twice the entries' room, so a full entry array is the only reason to grow.
        if (_count == _entries.Length)
        {
            Resize((int)Math.Min(2L * _entries.Length, MaxKeys));
            slot = FreeSlot(_slots, hash, _shift);
        }
        _slots[slot] = ((ulong)hash << 32) | (uint)_count;
        ref var entry = ref _entries[_count++];
        entry.Key = key;
        return ref entry.Value;
    }

    /// <summary>Makes room for <paramref name="keys"/> keys at once (at most the table's limit); growing by need doubles.</summary>
    public void EnsureCapacity(int keys)
    {
        if (keys > _entries.Length) Resize(Math.Min(keys, MaxKeys));
    }

    private void Resize(int entries)
    {
        if (entries > MaxKeys || entries <= _count)
            throw new InvalidOperationException($"More than {MaxKeys:N0} distinct keys: too many for one table.");
        var bigger = HugePageArrays.Allocate<Entry>(entries);
        Entries.CopyTo(bigger);
        _entries = bigger;
        int slotCount = 1 << Log2((long)entries * 2);
        if (slotCount == _slots.Length) return;
        var slots = HugePageArrays.Allocate<ulong>(slotCount);
        int shift = 32 - Log2(slotCount);
        foreach (ulong slot in _slots)
            if (slot != 0) slots[FreeSlot(slots, (uint)(slot >> 32), shift)] = slot;
        _slots = slots;
        _shift = shift;
    }

    private static int FreeSlot(ulong[] slots, uint hash, int shift)
    {
        int mask = slots.Length - 1;
        int i = (int)(hash >> shift);
        while (slots[i] != 0) i = (i + 1) & mask;
        return i;
    }

    /// <summary>log2 of the power of two at or above <paramref name="value"/>.</summary>
    private static int Log2(long value)
    {
        int bits = 0;
        while ((1L << bits) < value) bits++;
        return bits;
    }
}
