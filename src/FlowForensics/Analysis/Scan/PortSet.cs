namespace FlowForensics.Analysis.Scan;

/// <summary>
/// The distinct ports of one scanner, counted exactly: a small set up to 64 ports, then a 65,536-bit map (8 KiB).
/// Ports are 16-bit, so the map is exact where a cardinality estimate would not be.
/// </summary>
internal sealed class PortSet
{
    private const int SmallLimit = 64;
    private HashSet<ushort>? _small = [];
    private ulong[]? _bits;

    public int Count { get; private set; }

    public void Add(ushort port)
    {
        if (_small is not null)
        {
            if (!_small.Add(port)) return;
            Count++;
            if (_small.Count <= SmallLimit) return;
            _bits = new ulong[1024];
            foreach (ushort p in _small) _bits[p >> 6] |= 1UL << (p & 63);
            _small = null;
            return;
        }
        ref ulong word = ref _bits![port >> 6];
        ulong bit = 1UL << (port & 63);
        if ((word & bit) != 0) return;
        word |= bit;
        Count++;
    }
}
