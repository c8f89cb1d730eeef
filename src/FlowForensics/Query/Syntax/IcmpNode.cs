using System.Globalization;

namespace FlowForensics.Query.Syntax;

/// <summary><c>icmp-type N</c>, <c>icmp-code N</c> (and 1.7.8's <c>icmp type N</c>); implies ICMP or ICMPv6.</summary>
public sealed class IcmpNode(bool isCode, ComparisonOperator op, byte value, int offset, int length) : FilterNode(offset, length)
{
    /// <summary>False for the type, true for the code.</summary>
    public bool IsCode { get; } = isCode;
    public ComparisonOperator Operator { get; } = op;
    public byte Value { get; } = value;

    public override string ToString() => (IsCode ? "icmp-code " : "icmp-type ") + ComparisonText.Of(Operator) + Value.ToString(CultureInfo.InvariantCulture);
}
