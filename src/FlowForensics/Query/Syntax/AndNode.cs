namespace FlowForensics.Query.Syntax;

/// <summary><c>a and b and ...</c> (also <c>&amp;&amp;</c>); a flat list so long chains never nest deeply.</summary>
public sealed class AndNode(IReadOnlyList<FilterNode> operands, int offset, int length) : FilterNode(offset, length)
{
    public IReadOnlyList<FilterNode> Operands { get; } = operands;

    public override string ToString() => "(" + string.Join(" and ", Operands) + ")";
}
