using System.Buffers;
using System.Runtime.CompilerServices;
using FlowForensics.Analysis.Aggregation;
using FlowForensics.Flows;

namespace FlowForensics.Analysis.TopN;

/// <summary>
/// The top-N key table: keys and their accumulators in one dense array, in the order the keys first came, found through
/// an open-addressing index (linear probing) of 8-byte slots, each the key's 32-bit hash and its entry's position.
/// Built for millions of mostly new keys (conversations): a new key costs one probe of the small index and an append
/// to the dense array, and a probe compares keys only when the hashes are equal. The index stays at most half full.
/// Arrays of up to <see cref="PooledBytes"/> are rented from pools of the table's key type, given back as the table
/// grows past them and by <see cref="Release"/>, so that a console session running one query after another does not
/// allocate a new table chain each time (the 11 MB of a 60,000-key table's growth brought on a full garbage collection
/// every second run in a session, adding up to half to a 0.15 s query); larger arrays come from
/// <see cref="HugePageArrays"/>, and those a released table held are kept for <see cref="SpareFor"/> for the next
/// table that needs arrays of the same size (<see cref="Spares{T}"/>). Not thread-safe (the spares are).
/// </summary>
internal sealed class TopNHashTable<TKey> where TKey : unmanaged, IEquatable<TKey>
{
    internal struct Entry
    {
        public TKey Key;
        public TopNAccumulator Value;
    }

    private const int MinimumEntries = 64;

    /// <summary>A seed drawn per process, so that addresses chosen to collide in one run's table do not in another's.</summary>
    private static readonly ulong s_seed = (ulong)Random.Shared.NextInt64();

    /// <summary>
    /// The largest array kept in the pools (a table of about 100,000 keys of 72 bytes); at most two of each size, so a
    /// session keeps at most some 40 MB per key type between queries.
    /// </summary>
    private const long PooledBytes = 8L << 20;

    private static readonly ArrayPool<Entry> EntryPool = ArrayPool<Entry>.Create(MaxPooled<Entry>(), 2);
    private static readonly ArrayPool<ulong> SlotPool = ArrayPool<ulong>.Create(MaxPooled<ulong>(), 2);

    /// <summary>The most keys a table holds (its index then has 2^30 slots, the largest power of two an array allows).</summary>
    private const int MaxKeys = 1 << 29;

    private ulong[] _slots;   // 0 = empty; else hash (never 0) << 32 | entry position
    private int _shift;       // the slot of a hash is its top bits: hash >> _shift
    private Entry[] _entries;
    private int _count;
    private bool _entriesRented, _slotsRented;

    public TopNHashTable()
    {
        // A pool may hand out a larger array than asked for: the index is sized for the array it gave.
        _entries = NewEntries(MinimumEntries, out _entriesRented);
        _slots = NewSlots(1 << Log2(2L * _entries.Length), out _slotsRented);
        _shift = 32 - Log2(_slots.Length);
    }

    /// <summary>
    /// Gives the table's arrays back to the pools for the next table and leaves this one empty: for a caller done
    /// with it (the rows built), never while its entries are still read.
    /// </summary>
    public void Release()
    {
        if (_entriesRented) EntryPool.Return(_entries);
        else if (_entries.Length > MaxPooled<Entry>()) s_spareEntries.Keep(_entries);
        if (_slotsRented) SlotPool.Return(_slots);
        else if (_slots.Length > MaxPooled<ulong>()) s_spareSlots.Keep(_slots);
        _count = 0;
        _entries = new Entry[MinimumEntries];
        _slots = new ulong[2 * MinimumEntries];
        _entriesRented = _slotsRented = false;
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
        if (typeof(TKey) == typeof(FlowAddress))
        {
            // One multiply-xor round of its own: HashCode.Combine of the three parts and the finaliser below cost a
            // srcip query over 2 M flows about a seventh of its time (0.15 s against 0.13 s).
            ref readonly var a = ref Unsafe.As<TKey, FlowAddress>(ref Unsafe.AsRef(in key));
            ulong x = ((a.High ^ s_seed) * 0x9E37_79B9_7F4A_7C15UL) ^ a.Low ^ ((ulong)a.Version << 56);
            x = (x ^ (x >> 32)) * 0xD6E8_FEB8_6659_FD93UL;
            return (uint)(x >> 32) | 1;
        }
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
        entry.Value = default;   // a rented array holds an earlier table's entries
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
        var bigger = NewEntries(entries, out bool biggerRented);
        Entries.CopyTo(bigger);
        Return(EntryPool, _entries, _entriesRented);
        _entries = bigger;
        _entriesRented = biggerRented;
        int slotCount = 1 << Log2((long)Math.Min(bigger.Length, MaxKeys) * 2);
        if (slotCount == _slots.Length) return;
        var slots = NewSlots(slotCount, out bool slotsRented);
        int shift = 32 - Log2(slotCount);
        foreach (ulong slot in _slots)
            if (slot != 0) slots[FreeSlot(slots, (uint)(slot >> 32), shift)] = slot;
        Return(SlotPool, _slots, _slotsRented);
        _slots = slots;
        _slotsRented = slotsRented;
        _shift = shift;
    }

    /// <summary>
    /// An entry array of at least <paramref name="length"/> (a pool or the spares may give a longer one, the spares at
    /// most twice as long): rented when it is small enough to pool. Its old contents are never read: entries are written
    /// as keys are added.
    /// </summary>
    private static Entry[] NewEntries(int length, out bool rented)
    {
        rented = length <= MaxPooled<Entry>();
        if (rented) return EntryPool.Rent(length);
        return s_spareEntries.Take(length, 2L * length) ?? HugePageArrays.Allocate<Entry>(length);
    }

    /// <summary>A zeroed slot array of exactly <paramref name="length"/> (a power of two): rented when it is small enough to pool.</summary>
    private static ulong[] NewSlots(int length, out bool rented)
    {
        rented = length <= MaxPooled<ulong>();
        var slots = rented ? SlotPool.Rent(length) : s_spareSlots.Take(length, length);
        if (slots is null || slots.Length != length)
        {
            // none kept, or not a size the pool keeps: the index's length must be exactly the power of two
            if (rented && slots is not null) SlotPool.Return(slots);
            rented = false;
            return HugePageArrays.Allocate<ulong>(length);
        }
        Array.Clear(slots);
        return slots;
    }

    /// <summary>How long the arrays of a released table too large to pool are kept for the next table.</summary>
    internal static TimeSpan SpareFor { get; set; } = TimeSpan.FromSeconds(60);   // settable for tests

    private static readonly Spares<Entry> s_spareEntries = new();
    private static readonly Spares<ulong> s_spareSlots = new();

    /// <summary>
    /// The large arrays (over <see cref="PooledBytes"/>) of tables released in the last <see cref="SpareFor"/>, at most
    /// <see cref="MaxKept"/> of them, for the next tables. In a console session the next query then writes into memory
    /// that is already the process's: a new array of hundreds of megabytes is memory the system must find, zero and map
    /// page by page on first touch, which on this project's machine cost up to 0.7 s of a 2-million-key query (three
    /// times its counting). A minute after the last release they are dropped, so an idle session gives the memory back.
    /// </summary>
    internal sealed class Spares<T>
    {
        internal const int MaxKept = 4;   // one per counting thread's partition

        private readonly List<T[]> _kept = [];
        private readonly Timer _drop;

        public Spares() => _drop = new Timer(static s => ((Spares<T>)s!).Clear(), this, Timeout.Infinite, Timeout.Infinite);

        /// <summary>Arrays held now.</summary>
        internal int Count
        {
            get { lock (_kept) return _kept.Count; }
        }

        public void Keep(T[] array)
        {
            lock (_kept)
            {
                if (_kept.Count == MaxKept) _kept.RemoveAt(0);
                _kept.Add(array);
                _drop.Change(SpareFor, Timeout.InfiniteTimeSpan);
            }
        }

        /// <summary>The smallest kept array of <paramref name="min"/> to <paramref name="max"/> elements, no longer kept; null when none fits.</summary>
        public T[]? Take(long min, long max)
        {
            lock (_kept)
            {
                int best = -1;
                for (int i = 0; i < _kept.Count; i++)
                    if (_kept[i].Length >= min && _kept[i].Length <= max && (best < 0 || _kept[i].Length < _kept[best].Length))
                        best = i;
                if (best < 0) return null;
                var array = _kept[best];
                _kept.RemoveAt(best);
                return array;
            }
        }

        public void Clear()
        {
            lock (_kept) _kept.Clear();
        }
    }

    /// <summary>The spare arrays kept now, entries and index (for tests).</summary>
    internal static (int Entries, int Slots) SpareCount => (s_spareEntries.Count, s_spareSlots.Count);

    /// <summary>Drops the spare arrays now (for tests).</summary>
    internal static void DropSpares()
    {
        s_spareEntries.Clear();
        s_spareSlots.Clear();
    }

    private static void Return<T>(ArrayPool<T> pool, T[] array, bool rented)
    {
        if (rented) pool.Return(array);
    }

    private static int MaxPooled<T>() => (int)(PooledBytes / Unsafe.SizeOf<T>());

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
