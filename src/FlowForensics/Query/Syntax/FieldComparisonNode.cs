using System.Globalization;
using FlowForensics.Flows;

namespace FlowForensics.Query.Syntax;

/// <summary>
/// A numeric primitive (<c>port</c>, <c>bytes</c>, <c>as</c>, <c>vlan</c>, <c>if</c>, <c>tos</c>, <c>duration</c>, ...):
/// compares one or more catalog fields with a number; several fields combine with
/// <see cref="Combination"/> (src OR dst unless the filter says <c>src and dst</c>).
/// </summary>
public sealed class FieldComparisonNode(string keyword, IReadOnlyList<FlowField> fields, FieldCombination combination,
                                        ComparisonOperator op, ulong value, int offset, int length) : FilterNode(offset, length)
{
    /// <summary>The primitive as written, with its qualifier (e.g. <c>dst port</c>).</summary>
    public string Keyword { get; } = keyword;
    public IReadOnlyList<FlowField> Fields { get; } = fields;
    public FieldCombination Combination { get; } = combination;
    public ComparisonOperator Operator { get; } = op;
    public ulong Value { get; } = value;

    public override string ToString() => Keyword + " " + ComparisonText.Of(Operator) + Value.ToString(CultureInfo.InvariantCulture);
}
