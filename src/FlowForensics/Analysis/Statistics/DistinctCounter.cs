namespace FlowForensics.Analysis.Statistics;

/// <summary>
/// Counts distinct values: exactly, in a set, up to <see cref="ExactLimit"/> values; past that the set is
/// folded into a <see cref="HyperLogLog"/> (≈ 1.6 % standard error, 4 KiB) and <see cref="IsExact"/> turns
/// false. Memory per counter is therefore bounded by the limit, never by the input.
/// </summary>
public sealed class DistinctCounter
{
    private HashSet<UInt128>? _exact = [];
    private HyperLogLog? _estimate;

    public DistinctCounter(int exactLimit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(exactLimit, 1);
        ExactLimit = exactLimit;
    }

    /// <summary>How many values are kept exactly before switching to the estimate.</summary>
    public int ExactLimit { get; }

    /// <summary>True while the count is exact (at most <see cref="ExactLimit"/> values seen).</summary>
    public bool IsExact => _exact is not null;

    public long Count => _exact is not null ? _exact.Count : _estimate!.Estimate();

    /// <summary>Adds every value <paramref name="other"/> has seen (union); the result is exact only when both were and the union fits.</summary>
    public void Merge(DistinctCounter other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other._exact is not null)
        {
            foreach (var v in other._exact) Add(v);
            return;
        }
        if (_exact is not null)
        {
            _estimate = new HyperLogLog();
            foreach (var v in _exact) _estimate.Add(v);
            _exact = null;
        }
        _estimate!.Merge(other._estimate!);
    }

    public void Add(UInt128 value)
    {
        if (_exact is not null)
        {
            if (_exact.Count < ExactLimit || _exact.Contains(value))
            {
                _exact.Add(value);
                return;
            }
            _estimate = new HyperLogLog();
            foreach (var v in _exact) _estimate.Add(v);
            _exact = null;
        }
        _estimate!.Add(value);
    }
}
