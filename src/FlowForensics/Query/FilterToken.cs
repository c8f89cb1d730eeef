namespace FlowForensics.Query;

/// <summary>What a <see cref="FilterToken"/> is.</summary>
public enum FilterTokenKind
{
    /// <summary>An unquoted word: keyword, number, address, flag letters (<c>[A-Za-z0-9_:.\-]+</c>).</summary>
    Word,
    /// <summary>A quoted string; <see cref="FilterToken.Text"/> is the content without quotes.</summary>
    QuotedString,
    LeftParen,
    RightParen,
    LeftBracket,
    RightBracket,
    Comma,
    Slash,
    /// <summary><c>!</c></summary>
    Bang,
    /// <summary><c>&amp;&amp;</c> (nfdump 1.7.1)</summary>
    AndAnd,
    /// <summary><c>||</c> (nfdump 1.7.1)</summary>
    OrOr,
    /// <summary><c>=</c>, <c>==</c>, <c>&gt;</c>, <c>&lt;</c>, <c>&gt;=</c>, <c>&lt;=</c></summary>
    Comparator,
    End,
}

/// <summary>One token of a filter, with its place in the filter text (0-based character offset).</summary>
public readonly struct FilterToken
{
    public FilterToken(FilterTokenKind kind, int offset, int length, string text)
    {
        Kind = kind;
        Offset = offset;
        Length = length;
        Text = text;
    }

    public FilterTokenKind Kind { get; }

    /// <summary>0-based character offset in the filter text.</summary>
    public int Offset { get; }

    /// <summary>Characters the token spans in the filter text (quotes included).</summary>
    public int Length { get; }

    public string Text { get; }

    public bool IsWord => Kind == FilterTokenKind.Word;

    /// <summary>True for an unquoted word equal to <paramref name="keyword"/>, ignoring case.</summary>
    public bool Is(string keyword) => Kind == FilterTokenKind.Word && string.Equals(Text, keyword, StringComparison.OrdinalIgnoreCase);

    public override string ToString() => Kind == FilterTokenKind.End ? "end of filter" : $"'{Text}'";
}
