using System.Globalization;

namespace FlowForensics.Query.Syntax;

/// <summary><c>first seen &gt;= 2024-07-11T09:15</c>, <c>last seen &lt; ...</c> (nfdump 1.7.8). Times are UTC.</summary>
public sealed class TimeNode(bool isLast, ComparisonOperator op, DateTime utc, int offset, int length) : FilterNode(offset, length)
{
    /// <summary>False for <c>first seen</c> (flow start), true for <c>last seen</c> (flow end).</summary>
    public bool IsLast { get; } = isLast;
    public ComparisonOperator Operator { get; } = op;
    public DateTime Utc { get; } = utc;

    public override string ToString() => (IsLast ? "last seen " : "first seen ") + ComparisonText.Of(Operator) + Utc.ToString("yyyy-MM-ddTHH:mm:ss.fff", CultureInfo.InvariantCulture);
}
