using System.Management.Automation;
using System.Management.Automation.Language;
using FlowForensics.Query;

namespace FlowForensics.PowerShell.Infrastructure;

/// <summary>
/// -Filter in nfdump's language, compiled once (in BeginProcessing) for any cmdlet that reads flows. A syntax
/// error is a terminating error with id <see cref="ErrorIds.FilterSyntax"/>, category ParserError and the filter
/// text as target. Its exception is a <see cref="ParseException"/> whose <see cref="ParseError"/> carries the fault
/// as a <see cref="ScriptExtent"/> in the filter's text, in a "file" named <c>-Filter</c>; the record's
/// <see cref="InvocationInfo"/> points at that extent, so pwsh draws the fault itself: ConciseView as
/// <c>-Filter:1</c> and a <c>Line |</c> block with <c>~</c> under the bad token (it shows that block only for a
/// position in a named file), NormalView as <c>At -Filter:1 char:N</c>. The message names the column and carries no
/// caret of its own (ConciseView joins a message's lines, which would leave a caret under nothing).
/// </summary>
internal static class FlowFilterArgument
{
    /// <summary>The file name of a filter error's position: pwsh prints it where it prints a script's path.</summary>
    public const string FilterFile = "-Filter";

    /// <summary>The compiled filter; null when <paramref name="text"/> is null or blank (no filtering).</summary>
    public static CompiledFilter? Compile(PSCmdlet cmdlet, string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        try
        {
            var filter = FlowFilter.Compile(text);
            return filter.IsTriviallyTrue ? null : filter;
        }
        catch (FilterSyntaxException e)
        {
            ThrowAtFault(cmdlet, e);
            return null;
        }
    }

    /// <summary>
    /// Throws the FilterSyntax record with its position at the fault. ThrowTerminatingError gives the record the
    /// cmdlet's InvocationInfo, whose position is the whole command; a DisplayScriptPosition set on it is the
    /// position that InvocationInfo reports, so it is set to the fault for the throw and put back afterwards.
    /// </summary>
    private static void ThrowAtFault(PSCmdlet cmdlet, FilterSyntaxException e)
    {
        ErrorRecord record = ToErrorRecord(e);
        InvocationInfo invocation = cmdlet.MyInvocation;
        IScriptExtent? saved = invocation.DisplayScriptPosition;
        invocation.DisplayScriptPosition = ((ParseException)record.Exception).Errors[0].Extent;
        try
        {
            cmdlet.ThrowTerminatingError(record);
        }
        finally
        {
            invocation.DisplayScriptPosition = saved;
        }
    }

    /// <summary>The ErrorRecord for a filter syntax error: FilterSyntax, ParserError, the filter as target, the position in its ParseException.</summary>
    public static ErrorRecord ToErrorRecord(FilterSyntaxException e)
    {
        // The line of the error, cut to a window around it: PowerShell renders the extent's line with carets, and a
        // rejected 10 MB one-line filter must not cost a copy of itself per rendering (the message has the true column).
        int offset = Math.Clamp(e.Offset, 0, e.Filter.Length);
        int lineStart = offset == 0 ? 0 : e.Filter.LastIndexOf('\n', offset - 1) + 1;
        int lineEnd = e.Filter.IndexOf('\n', offset);
        if (lineEnd < 0) lineEnd = e.Filter.Length;
        if (lineEnd > lineStart && e.Filter[lineEnd - 1] == '\r') lineEnd--;
        int from = Math.Max(lineStart, offset - FilterSyntaxException.CaretWindow / 3);
        int until = Math.Min(lineEnd, from + FilterSyntaxException.CaretWindow);
        string line = e.Filter.Substring(from, Math.Max(0, until - from));
        int startColumn = Math.Clamp(offset - from + 1, 1, line.Length + 1);
        int endColumn = Math.Clamp(startColumn + Math.Max(e.Length, 1), startColumn, line.Length + 1);
        var at = new ScriptPosition(FilterFile, e.Line, startColumn, line);
        var to = new ScriptPosition(FilterFile, e.Line, endColumn, line);
        var parse = new ParseException([new ParseError(new ScriptExtent(at, to), ErrorIds.FilterSyntax, e.Message)]);
        return new ErrorRecord(parse, ErrorIds.FilterSyntax, ErrorCategory.ParserError, e.Filter)
        {
            ErrorDetails = new ErrorDetails(e.Message)
            {
                RecommendedAction = "Correct the filter at the marked column; the language is nfdump's (see Get-Help about_FlowFilter).",
            },
        };
    }
}
