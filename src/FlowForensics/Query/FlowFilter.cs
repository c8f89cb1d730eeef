using FlowForensics.Query.Syntax;

namespace FlowForensics.Query;

/// <summary>
/// The public entry to nfdump's filter language. <c>FlowFilter.Compile("src net 10.0.0.0/8 and dst port 443")</c>
/// once, then <see cref="CompiledFilter.Matches"/> per record. Syntax errors throw
/// <see cref="FilterSyntaxException"/> with the offset of the offending token.
/// </summary>
public static class FlowFilter
{
    /// <summary>Parses and compiles <paramref name="text"/>; null or blank means "match everything".</summary>
    /// <exception cref="FilterSyntaxException">The filter is malformed, exceeds a <see cref="FilterLimits"/> bound or uses an unsupported nfdump feature.</exception>
    public static CompiledFilter Compile(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return CompiledFilter.MatchAll;
        return FilterCompiler.Compile(FilterParser.Parse(text), text);
    }

    /// <summary>Parses <paramref name="text"/> without compiling it (syntax check, tooling).</summary>
    public static FilterNode Parse(string text) => FilterParser.Parse(text);

    /// <summary>Checks a filter; on failure returns false and the error.</summary>
    public static bool TryCompile(string? text, out CompiledFilter? filter, out FilterSyntaxException? error)
    {
        try
        {
            filter = Compile(text);
            error = null;
            return true;
        }
        catch (FilterSyntaxException e)
        {
            filter = null;
            error = e;
            return false;
        }
    }
}
