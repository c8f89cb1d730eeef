using System.Management.Automation;
using System.Management.Automation.Language;
using FlowForensics.Query;

namespace FlowForensics.PowerShell.Infrastructure;

/// <summary>
/// A -Filter argument in nfdump's filter language, compiled once before the first record. A syntax error is a
/// terminating error (id <see cref="ErrorIds.FilterSyntax"/>, category ParserError, the filter text as target)
/// whose message names the column and shows the filter with a caret under the problem; the exception is a
/// <see cref="ParseException"/> whose <see cref="ParseError"/> carries the extent, so hosts can draw it too.
/// </summary>
internal static class FlowFilterArgument
{
    /// <summary>Compiles <paramref name="text"/>; null or blank matches every record.</summary>
    public static CompiledFilter Compile(Cmdlet cmdlet, string? text)
    {
        try
        {
            return FlowFilter.Compile(text);
        }
        catch (FilterSyntaxException e)
        {
            cmdlet.ThrowTerminatingError(ToErrorRecord(e));
            throw; // not reached: ThrowTerminatingError always throws
        }
    }

    /// <summary>The terminating error for a filter that does not parse.</summary>
    public static ErrorRecord ToErrorRecord(FilterSyntaxException e)
    {
        string[] lines = e.Filter.Split('\n');
        int line = Math.Clamp(e.Line, 1, lines.Length);
        string lineText = lines[line - 1].TrimEnd('\r');
        int column = Math.Clamp(e.Column, 1, lineText.Length + 1);
        int endColumn = Math.Clamp(column + Math.Max(e.Length, 1), column, lineText.Length + 1);
        var from = new ScriptPosition("-Filter", line, column, lineText);
        var to = new ScriptPosition("-Filter", line, endColumn, lineText);
        var parseError = new ParseError(new ScriptExtent(from, to), ErrorIds.FilterSyntax, e.Reason);
        var exception = new ParseException([parseError]);
        return new ErrorRecord(exception, ErrorIds.FilterSyntax, ErrorCategory.ParserError, e.Filter)
        {
            ErrorDetails = new ErrorDetails($"{e.Message}{Environment.NewLine}{e.ToCaretString()}"),
        };
    }
}
