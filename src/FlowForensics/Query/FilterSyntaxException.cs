using System.Text;

namespace FlowForensics.Query;

/// <summary>
/// A filter that cannot be parsed or compiled. <see cref="Offset"/>/<see cref="Length"/> locate the bad part
/// (0-based characters); the message says what was expected and where.
/// </summary>
public sealed class FilterSyntaxException : FormatException
{
    public FilterSyntaxException(string filter, int offset, int length, string message)
        : base(Compose(filter, offset, message))
    {
        Filter = filter;
        Offset = offset;
        Length = Math.Max(length, 0);
        Reason = message;
    }

    /// <summary>The whole filter text.</summary>
    public string Filter { get; }

    /// <summary>0-based character offset of the problem.</summary>
    public int Offset { get; }

    /// <summary>Characters the problem spans (0 at the end of the filter).</summary>
    public int Length { get; }

    /// <summary>The message without the position.</summary>
    public string Reason { get; }

    /// <summary>1-based line of <see cref="Offset"/>.</summary>
    public int Line => LineAndColumn(Filter, Offset).Line;

    /// <summary>1-based column of <see cref="Offset"/> within its line.</summary>
    public int Column => LineAndColumn(Filter, Offset).Column;

    /// <summary>The offending line of the filter with a caret line under the problem, e.g.
    /// <code>
    /// port 99999
    ///      ^^^^^
    /// </code></summary>
    public string ToCaretString()
    {
        var (line, column) = LineAndColumn(Filter, Offset);
        string[] lines = Filter.Split('\n');
        string text = line - 1 < lines.Length ? lines[line - 1].TrimEnd('\r') : string.Empty;
        var sb = new StringBuilder(text.Length * 2 + 4);
        sb.Append(text).Append('\n');
        for (int i = 0; i < column - 1; i++) sb.Append(i < text.Length && text[i] == '\t' ? '\t' : ' ');
        int carets = Math.Max(1, Math.Min(Length, Math.Max(1, text.Length - (column - 1))));
        sb.Append('^', carets);
        return sb.ToString();
    }

    private static (int Line, int Column) LineAndColumn(string filter, int offset)
    {
        int line = 1, lineStart = 0;
        int end = Math.Min(offset, filter.Length);
        for (int i = 0; i < end; i++)
        {
            if (filter[i] == '\n')
            {
                line++;
                lineStart = i + 1;
            }
        }
        return (line, offset - lineStart + 1);
    }

    private static string Compose(string filter, int offset, string message)
    {
        var (line, column) = LineAndColumn(filter, offset);
        return line == 1
            ? $"Filter error at column {column}: {message}"
            : $"Filter error at line {line}, column {column}: {message}";
    }
}
