using System.Management.Automation;
using System.Management.Automation.Language;
using FlowForensics.Query;

namespace FlowForensics.PowerShell.Infrastructure;

/// <summary>
/// -Filter in nfdump's language, compiled once (in BeginProcessing) for any cmdlet that reads flows. A syntax
/// error is a terminating error with id <see cref="ErrorIds.FilterSyntax"/>, category ParserError and the filter
/// text as target; its message shows the filter with a caret under the column, and its exception is a
/// <see cref="ParseException"/> whose <see cref="ParseError"/> carries the column as a <see cref="ScriptExtent"/>.
/// </summary>
internal static class FlowFilterArgument
{
    /// <summary>The compiled filter; null when <paramref name="text"/> is null or blank (no filtering).</summary>
    public static CompiledFilter? Compile(Cmdlet cmdlet, string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        try
        {
            var filter = FlowFilter.Compile(text);
            return filter.IsTriviallyTrue ? null : filter;
        }
        catch (FilterSyntaxException e)
        {
            cmdlet.ThrowTerminatingError(ToErrorRecord(e));
            return null;
        }
    }

    /// <summary>
    /// -Filter, -Start and -End as one <see cref="FlowSelection"/>: the filter compiled once, the window on the flow's
    /// start; a syntax error or an end before the start is a terminating error (FilterSyntax, TimeWindowInvalid).
    /// </summary>
    public static FlowSelection CreateSelection(Cmdlet cmdlet, string? filterText, DateTime? start, DateTime? end)
    {
        CompiledFilter? filter = Compile(cmdlet, filterText);
        try
        {
            return new FlowSelection(filter, start, end);
        }
        catch (ArgumentException e)
        {
            cmdlet.ThrowTerminatingError(new ErrorRecord(e, ErrorIds.TimeWindowInvalid, ErrorCategory.InvalidArgument, $"{start:o} .. {end:o}"));
            return FlowSelection.All;
        }
    }

    /// <summary>The ErrorRecord for a filter syntax error: FilterSyntax, ParserError, the filter as target, the caret in the message.</summary>
    public static ErrorRecord ToErrorRecord(FilterSyntaxException e)
    {
        string[] lines = e.Filter.Split('\n');
        string line = e.Line - 1 < lines.Length ? lines[e.Line - 1].TrimEnd('\r') : string.Empty;
        int startColumn = Math.Clamp(e.Column, 1, line.Length + 1);
        int endColumn = Math.Clamp(startColumn + Math.Max(e.Length, 1), startColumn, line.Length + 1);
        var at = new ScriptPosition("", e.Line, startColumn, line);
        var to = new ScriptPosition("", e.Line, endColumn, line);
        var parse = new ParseException([new ParseError(new ScriptExtent(at, to), ErrorIds.FilterSyntax, e.Message)]);
        return new ErrorRecord(parse, ErrorIds.FilterSyntax, ErrorCategory.ParserError, e.Filter)
        {
            ErrorDetails = new ErrorDetails($"{e.Message}{Environment.NewLine}{e.ToCaretString()}")
            {
                RecommendedAction = "Correct the filter at the marked column; the language is nfdump's (see Get-Help about_FlowFilter).",
            },
        };
    }
}
