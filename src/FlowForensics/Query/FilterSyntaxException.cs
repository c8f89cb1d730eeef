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
    /// <remarks>A long line is cut to <see cref="CaretWindow"/> characters around the problem (marked with "…"), so a
    /// rejected 10 MB filter costs a short string, not a copy of itself and a caret line as long.</remarks>
    public string ToCaretString()
    {
        int offset = Math.Clamp(Offset, 0, Filter.Length);
        int lineStart = offset == 0 ? 0 : Filter.LastIndexOf('\n', offset - 1) + 1;
        int lineEnd = Filter.IndexOf('\n', offset);
        if (lineEnd < 0) lineEnd = Filter.Length;
        if (lineEnd > lineStart && Filter[lineEnd - 1] == '\r') lineEnd--;
        int from = Math.Max(lineStart, offset - CaretWindow / 3);
        int to = Math.Min(lineEnd, from + CaretWindow);
        if (from > lineStart && char.IsLowSurrogate(Filter[from])) from++;
        if (to < lineEnd && to > from && char.IsHighSurrogate(Filter[to - 1])) to--;
        string prefix = from > lineStart ? "…" : "", suffix = to < lineEnd ? "…" : "";
        string text = Filter.Substring(from, Math.Max(0, to - from));
        int column = prefix.Length + Math.Max(0, offset - from);
        var sb = new StringBuilder(2 * (text.Length + 4));
        sb.Append(prefix).Append(text).Append(suffix).Append('\n');
        for (int i = 0; i < column; i++)
        {
            int at = i - prefix.Length;
            sb.Append(at >= 0 && at < text.Length && text[at] == '\t' ? '\t' : ' ');
        }
        int carets = Math.Max(1, Math.Min(Length, Math.Max(1, text.Length - (column - prefix.Length))));
        sb.Append('^', carets);
        return sb.ToString();
    }

    /// <summary>Most characters of the filter line <see cref="ToCaretString"/> shows.</summary>
    public const int CaretWindow = 160;

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
