namespace FlowForensics.Query;

/// <summary>
/// Splits a filter into tokens the way nfdump's scanner does: case-insensitive words
/// (<c>[A-Za-z0-9_:.\-]+</c>), quoted strings, <c>( ) [ ] , /</c>, comparators, <c>!</c>, <c>&amp;&amp;</c>,
/// <c>||</c>; <c>#</c> starts a comment to the end of the line; newlines are whitespace.
/// </summary>
public static class FilterTokenizer
{
    public static List<FilterToken> Tokenize(string filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (filter.Length > FilterLimits.MaxLength)
            throw new FilterSyntaxException(filter, FilterLimits.MaxLength, filter.Length - FilterLimits.MaxLength,
                $"the filter is {filter.Length} characters long; the limit is {FilterLimits.MaxLength} (FilterLimits.MaxLength)");

        var tokens = new List<FilterToken>(Math.Min(filter.Length / 3 + 2, 1 << 16));
        int i = 0;
        while (i < filter.Length)
        {
            char c = filter[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }
            if (c == '#')
            {
                while (i < filter.Length && filter[i] != '\n') i++;
                continue;
            }
            if (IsWordChar(c))
            {
                int start = i;
                while (i < filter.Length && IsWordChar(filter[i])) i++;
                CheckLength(filter, start, i - start);
                tokens.Add(new FilterToken(FilterTokenKind.Word, start, i - start, filter.Substring(start, i - start)));
                continue;
            }
            switch (c)
            {
                case '(': tokens.Add(new FilterToken(FilterTokenKind.LeftParen, i, 1, "(")); i++; continue;
                case ')': tokens.Add(new FilterToken(FilterTokenKind.RightParen, i, 1, ")")); i++; continue;
                case '[': tokens.Add(new FilterToken(FilterTokenKind.LeftBracket, i, 1, "[")); i++; continue;
                case ']': tokens.Add(new FilterToken(FilterTokenKind.RightBracket, i, 1, "]")); i++; continue;
                case ',': tokens.Add(new FilterToken(FilterTokenKind.Comma, i, 1, ",")); i++; continue;
                case '/': tokens.Add(new FilterToken(FilterTokenKind.Slash, i, 1, "/")); i++; continue;
                case '!': tokens.Add(new FilterToken(FilterTokenKind.Bang, i, 1, "!")); i++; continue;
                case '&':
                    if (Next(filter, i) == '&')
                    {
                        tokens.Add(new FilterToken(FilterTokenKind.AndAnd, i, 2, "&&"));
                        i += 2;
                        continue;
                    }
                    throw new FilterSyntaxException(filter, i, 1, "a single '&' is not an operator; use 'and' (or '&&')");
                case '|':
                    if (Next(filter, i) == '|')
                    {
                        tokens.Add(new FilterToken(FilterTokenKind.OrOr, i, 2, "||"));
                        i += 2;
                        continue;
                    }
                    throw new FilterSyntaxException(filter, i, 1, "a single '|' is not an operator; use 'or' (or '||')");
                case '=':
                    {
                        int len = Next(filter, i) == '=' ? 2 : 1;
                        tokens.Add(new FilterToken(FilterTokenKind.Comparator, i, len, "="));
                        i += len;
                        continue;
                    }
                case '>':
                case '<':
                    {
                        bool orEqual = Next(filter, i) == '=';
                        string op = orEqual ? c + "=" : c.ToString();
                        tokens.Add(new FilterToken(FilterTokenKind.Comparator, i, op.Length, op));
                        i += op.Length;
                        continue;
                    }
                case '\'':
                case '"':
                    {
                        int start = i;
                        int close = filter.IndexOf(c, i + 1);
                        if (close < 0)
                            throw new FilterSyntaxException(filter, start, filter.Length - start, $"unterminated string: missing closing {c}");
                        string content = filter.Substring(start + 1, close - start - 1);
                        CheckLength(filter, start, close - start + 1);
                        if (content.Contains('\n', StringComparison.Ordinal))
                            throw new FilterSyntaxException(filter, start, close - start + 1, "a quoted string cannot span lines");
                        tokens.Add(new FilterToken(FilterTokenKind.QuotedString, start, close - start + 1, content.Trim('/')));
                        i = close + 1;
                        continue;
                    }
                default:
                    // A character outside the BMP is two UTF-16 units: name it whole, not as half a pair ('\uFFFD').
                    int units = char.IsHighSurrogate(c) && i + 1 < filter.Length && char.IsLowSurrogate(filter[i + 1]) ? 2 : 1;
                    string shown = units == 2 ? filter.Substring(i, 2)
                        : char.IsSurrogate(c) || char.IsControl(c) ? $"U+{(int)c:X4}" : c.ToString();
                    throw new FilterSyntaxException(filter, i, units, $"unexpected character '{shown}'");
            }
        }
        tokens.Add(new FilterToken(FilterTokenKind.End, filter.Length, 0, string.Empty));
        return tokens;
    }

    private static char Next(string s, int i) => i + 1 < s.Length ? s[i + 1] : '\0';

    private static void CheckLength(string filter, int start, int length)
    {
        if (length > FilterLimits.MaxTokenLength)
            throw new FilterSyntaxException(filter, start, length,
                $"a word of {length} characters; the limit is {FilterLimits.MaxTokenLength} (FilterLimits.MaxTokenLength)");
    }

    private static bool IsWordChar(char c) =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_' or ':' or '.' or '-';
}
