namespace FlowForensics.Query.Syntax;

/// <summary><c>any</c>, or the empty filter: always true.</summary>
public sealed class AnyNode(int offset, int length) : FilterNode(offset, length)
{
    public override string ToString() => "any";
}
