namespace FlowForensics.Query;

/// <summary>Hard bounds on a filter, so a hostile or runaway filter fails with a clear error instead of
/// exhausting the stack or memory.</summary>
public static class FilterLimits
{
    /// <summary>Most nested parentheses and <c>not</c>s; deeper filters are rejected.</summary>
    public const int MaxDepth = 256;

    /// <summary>Longest filter text in characters (1 MiB).</summary>
    public const int MaxLength = 1 << 20;

    /// <summary>Most entries in one <c>in [ ... ]</c> list.</summary>
    public const int MaxListEntries = 100_000;

    /// <summary>Longest single word or quoted string (nfdump's own limit is 256 bytes).</summary>
    public const int MaxTokenLength = 256;
}
