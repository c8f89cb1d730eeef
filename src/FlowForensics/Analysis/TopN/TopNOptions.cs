namespace FlowForensics.Analysis.TopN;

/// <summary>
/// What a <see cref="TopNAggregator"/> computes. One property is nfdump's <c>-s</c>; several are <c>-A</c>.
/// </summary>
public sealed class TopNOptions
{
    public TopNOptions(IReadOnlyList<TopNProperty> properties)
    {
        Properties = properties;
    }

    /// <summary>The key: one or more properties (see <see cref="TopNProperty"/>).</summary>
    public IReadOnlyList<TopNProperty> Properties { get; }

    /// <summary>The ranking; nfdump's default is flows.</summary>
    public TopNOrder Order { get; init; } = TopNOrder.Flows;

    /// <summary>Rows returned; 0 = all (nfdump <c>-n 0</c>).</summary>
    public int Top { get; init; } = 10;

    /// <summary>
    /// Count a record and its reverse as one key (nfdump <c>-b</c>). For <c>Conversation</c> only TCP and UDP pair,
    /// as nfdump; for a multi-property key every protocol pairs. The key needs both ends (each Src/Dst property with its partner).
    /// </summary>
    public bool Bidirectional { get; init; }

    /// <summary>Fields whose distinct values are counted per key (fan-out).</summary>
    public IReadOnlyList<TopNDistinctField> Distinct { get; init; } = [];

    public TopNLimits Limits { get; init; } = new();

    /// <summary>
    /// Keys of addresses, ports, protocol and ToS only are held in 40 bytes instead of 80 (same rows). False (tests and
    /// the benchmark only) keeps the full key, to compare.
    /// </summary>
    internal bool CompactKeys { get; init; } = true;

    /// <summary>Parses property names; throws <see cref="ArgumentException"/> naming the first bad one.</summary>
    public static IReadOnlyList<TopNProperty> ParseProperties(IEnumerable<string> names)
    {
        var list = new List<TopNProperty>();
        foreach (string name in names)
        {
            if (!TopNProperty.TryParse(name, out var p, out string? error)) throw new ArgumentException(error, nameof(names));
            list.Add(p!);
        }
        return list;
    }
}
