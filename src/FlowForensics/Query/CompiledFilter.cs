using FlowForensics.Flows;
using FlowForensics.Query.Syntax;

namespace FlowForensics.Query;

/// <summary>
/// A filter compiled once, applied per record with <see cref="Matches"/> (thread-safe, no allocation).
/// Make one with <see cref="FlowFilter.Compile"/>.
/// </summary>
public sealed class CompiledFilter
{
    private readonly FlowPredicate _root;

    internal CompiledFilter(string text, FilterNode syntax, FlowPredicate root)
    {
        Text = text;
        Syntax = syntax;
        _root = root;
    }

    /// <summary>A filter that passes every record (the empty filter).</summary>
    public static CompiledFilter MatchAll { get; } = new(string.Empty, new AnyNode(0, 0), TruePredicate.Instance);

    /// <summary>The filter as the user wrote it.</summary>
    public string Text { get; }

    /// <summary>The parsed filter.</summary>
    public FilterNode Syntax { get; }

    /// <summary>True when the filter passes every record (empty, <c>any</c>, or folds to true), so readers can skip it.</summary>
    public bool IsTriviallyTrue => _root is TruePredicate;

    /// <summary>True when the filter can match no record at all (e.g. <c>not any</c>).</summary>
    public bool IsTriviallyFalse => _root is FalsePredicate;

    /// <summary>True when <paramref name="flow"/> passes the filter.</summary>
    public bool Matches(FlowRecord flow) => _root.Matches(flow);

    public override string ToString() => Text;
}
