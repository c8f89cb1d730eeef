namespace FlowForensics.Query.Syntax;

/// <summary>A node of a parsed filter. <see cref="Offset"/>/<see cref="Length"/> locate it in the filter text;
/// <see cref="object.ToString"/> prints it back in canonical, fully parenthesised nfdump syntax.</summary>
public abstract class FilterNode
{
    protected FilterNode(int offset, int length)
    {
        Offset = offset;
        Length = length;
    }

    /// <summary>0-based character offset of the construct in the filter text.</summary>
    public int Offset { get; }

    /// <summary>Characters the construct spans.</summary>
    public int Length { get; }
}

/// <summary>How a number is compared: nfdump's <c>= &gt; &lt; &gt;= &lt;=</c> (and <c>eq gt lt ge le</c>).</summary>
public enum ComparisonOperator
{
    Equal,
    Greater,
    Less,
    GreaterOrEqual,
    LessOrEqual,
}

internal static class ComparisonText
{
    public static string Of(ComparisonOperator op) => op switch
    {
        ComparisonOperator.Greater => "> ",
        ComparisonOperator.Less => "< ",
        ComparisonOperator.GreaterOrEqual => ">= ",
        ComparisonOperator.LessOrEqual => "<= ",
        _ => string.Empty,
    };
}

/// <summary>Which ends of a flow a multi-field primitive tests.</summary>
public enum FieldCombination
{
    /// <summary>True when any of the fields matches (nfdump's direction-less meaning: src OR dst).</summary>
    Any,
    /// <summary>True when every field matches (<c>src and dst ...</c>).</summary>
    All,
}
