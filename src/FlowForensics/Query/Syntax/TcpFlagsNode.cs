using System.Globalization;
using FlowForensics.Flows;

namespace FlowForensics.Query.Syntax;

/// <summary>How <c>flags</c> tests the TCP flags byte.</summary>
public enum TcpFlagsMatch
{
    /// <summary><c>flags [cmp] N</c>: numeric comparison of the byte.</summary>
    Numeric,
    /// <summary><c>flags SA</c>: all listed flags set. Under <c>not</c> it means "none of them set" (nfdump 1.7.1 and the man page).</summary>
    AllOf,
    /// <summary><c>flags =S</c>: exactly these flags (nfdump 1.7.8).</summary>
    Exactly,
}

/// <summary><c>flags ...</c>; every form implies <c>proto tcp</c>.</summary>
public sealed class TcpFlagsNode(TcpFlagsMatch match, ComparisonOperator op, byte value, int offset, int length) : FilterNode(offset, length)
{
    public TcpFlagsMatch Match { get; } = match;
    public ComparisonOperator Operator { get; } = op;
    public byte Value { get; } = value;

    public override string ToString() => Match switch
    {
        TcpFlagsMatch.Numeric => "flags " + ComparisonText.Of(Operator) + Value.ToString(CultureInfo.InvariantCulture),
        TcpFlagsMatch.Exactly => "flags =" + Letters(Value),
        _ => "flags " + Letters(Value),
    };

    private static string Letters(byte v) => TcpFlagsText.ToNfdump((TcpFlags)v).Replace(".", string.Empty, StringComparison.Ordinal);
}
