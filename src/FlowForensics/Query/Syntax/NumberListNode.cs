using FlowForensics.Flows;

namespace FlowForensics.Query.Syntax;

/// <summary><c>[src|dst] port in [ ... ]</c>, <c>[src|dst] as in [ ... ]</c>: a field equal to any listed number.</summary>
public sealed class NumberListNode(string keyword, IReadOnlyList<FlowField> fields, FieldCombination combination,
                                   IReadOnlyList<ulong> values, int offset, int length) : FilterNode(offset, length)
{
    public string Keyword { get; } = keyword;
    public IReadOnlyList<FlowField> Fields { get; } = fields;
    public FieldCombination Combination { get; } = combination;
    public IReadOnlyList<ulong> Values { get; } = values;

    public override string ToString() => Keyword + " in [" + string.Join(' ', Values) + "]";
}
