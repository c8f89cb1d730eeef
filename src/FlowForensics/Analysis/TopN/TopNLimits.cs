namespace FlowForensics.Analysis.TopN;

/// <summary>
/// Hard bounds of a top-N run. Keys themselves are not capped (memory grows with distinct keys, as nfdump's);
/// what is capped is the per-key distinct set.
/// </summary>
/// <param name="MaxExactDistinct">Distinct values kept exactly per key and field (default 65,536, about 2 MiB at most per key and field); past it the count becomes a HyperLogLog estimate and the row says so in DistinctIsExact.</param>
public sealed record TopNLimits(int MaxExactDistinct = TopNLimits.DefaultMaxExactDistinct)
{
    public const int DefaultMaxExactDistinct = 65_536;
}
