namespace FlowForensics.Query.Syntax;

/// <summary><c>not x</c> or <c>!x</c>.</summary>
public sealed class NotNode(FilterNode operand, int offset, int length) : FilterNode(offset, length)
{
    public FilterNode Operand { get; } = operand;

    public override string ToString() => "not " + Operand;
}
