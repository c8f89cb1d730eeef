namespace FlowForensics.Query.Syntax;

/// <summary><c>a or b or ...</c> (also <c>||</c>); a flat list so long chains never nest deeply.</summary>
public sealed class OrNode(IReadOnlyList<FilterNode> operands, int offset, int length) : FilterNode(offset, length)
{
    public IReadOnlyList<FilterNode> Operands { get; } = operands;

    public override string ToString() => "(" + string.Join(" or ", Operands) + ")";
}
