using FlowForensics.Query;
using FlowForensics.Query.Syntax;
using Xunit;

namespace FlowForensics.Tests.Query;

public sealed class FilterParserTests
{
    private static string P(string filter) => FlowFilter.Parse(filter).ToString()!;

    [Theory]
    [InlineData("not beats and", "proto tcp or proto udp and port 53", "(proto 6 or (proto 17 and port 53))")]
    [InlineData("parentheses group", "(proto tcp or proto udp) and port 53", "((proto 6 or proto 17) and port 53)")]
    [InlineData("not binds tightest", "not proto tcp and port 53", "(not proto 6 and port 53)")]
    [InlineData("not of a group", "not (proto tcp and port 53)", "not (proto 6 and port 53)")]
    [InlineData("bang", "!proto tcp", "not proto 6")]
    [InlineData("1.7.1 operators", "proto tcp && port 1 || port 2", "((proto 6 and port 1) or port 2)")]
    [InlineData("chains stay flat", "port 1 and port 2 and port 3", "(port 1 and port 2 and port 3)")]
    [InlineData("or chains stay flat", "port 1 or port 2 or port 3", "(port 1 or port 2 or port 3)")]
    [InlineData("case-insensitive keywords", "PROTO Tcp AND NOT Port 53", "(proto 6 and not port 53)")]
    [InlineData("comment to end of line", "proto udp # dns\nand port 53", "(proto 17 and port 53)")]
    [InlineData("newlines are whitespace", "proto\nudp\r\nand\tport 53", "(proto 17 and port 53)")]
    [InlineData("redundant parentheses", "((((any))))", "any")]
    [InlineData("double not", "not not any", "not not any")]
    public void PrecedenceAndGrouping(string why, string filter, string expected) =>
        Assert.True(expected == P(filter), $"{why}: '{filter}' parsed as {P(filter)}");

    [Theory]
    [InlineData("10k", 10_000UL)]
    [InlineData("10K", 10_000UL)]
    [InlineData("10M", 10_000_000UL)]
    [InlineData("3g", 3_000_000_000UL)]
    [InlineData("2T", 2_000_000_000_000UL)]
    [InlineData("0x1F", 31UL)]
    [InlineData("0XfF", 255UL)]
    [InlineData("18446744073709551615", ulong.MaxValue)]
    public void NumbersTakeDecimalSuffixesAndHex(string text, ulong expected)
    {
        var node = Assert.IsType<FieldComparisonNode>(FlowFilter.Parse("bytes > " + text));
        Assert.Equal(expected, node.Value);
        Assert.Equal(ComparisonOperator.Greater, node.Operator);
    }

    [Theory]
    [InlineData("port 53", ComparisonOperator.Equal)]
    [InlineData("port = 53", ComparisonOperator.Equal)]
    [InlineData("port == 53", ComparisonOperator.Equal)]
    [InlineData("port eq 53", ComparisonOperator.Equal)]
    [InlineData("port > 53", ComparisonOperator.Greater)]
    [InlineData("port gt 53", ComparisonOperator.Greater)]
    [InlineData("port < 53", ComparisonOperator.Less)]
    [InlineData("port lt 53", ComparisonOperator.Less)]
    [InlineData("port >= 53", ComparisonOperator.GreaterOrEqual)]
    [InlineData("port ge 53", ComparisonOperator.GreaterOrEqual)]
    [InlineData("port <= 53", ComparisonOperator.LessOrEqual)]
    [InlineData("port le 53", ComparisonOperator.LessOrEqual)]
    public void Comparators(string filter, ComparisonOperator op)
    {
        var node = Assert.IsType<FieldComparisonNode>(FlowFilter.Parse(filter));
        Assert.Equal(op, node.Operator);
        Assert.Equal(53UL, node.Value);
    }

    [Theory]
    [InlineData("net 172.16/12", "net 172.16.0.0/12")]
    [InlineData("net 192.168/16", "net 192.168.0.0/16")]
    [InlineData("net 10/8", "net 10.0.0.0/8")]
    [InlineData("net 10.0.0.5/8", "net 10.0.0.0/8")]
    [InlineData("net 2001:db8::1/32", "net 2001:db8::/32")]
    [InlineData("net 10.1.2.3 255.255.0.0", "net 10.1.0.0/16")]
    [InlineData("net 10.0.0.0 255.0.255.0", "net 10.0.0.0 255.0.255.0")]
    [InlineData("ip in [10.0.0.5/8 2001:db8::/32, 1.2.3.4]", "ip in [10.0.0.0/8 2001:db8::/32 1.2.3.4]")]
    [InlineData("src or dst net 10.0.0.0/8", "net 10.0.0.0/8")]
    [InlineData("src and dst net 10.0.0.0/8", "src and dst net 10.0.0.0/8")]
    [InlineData("host 'fe80::1'", "ip fe80::1")]
    public void PrefixesAreNormalised(string filter, string expected) => Assert.Equal(expected, P(filter));

    [Fact]
    public void NodesCarryTheirPosition()
    {
        var and = Assert.IsType<AndNode>(FlowFilter.Parse("proto tcp and  dst port 443"));
        Assert.Equal(0, and.Operands[0].Offset);
        Assert.Equal(9, and.Operands[0].Length);
        Assert.Equal(15, and.Operands[1].Offset);
        Assert.Equal(12, and.Operands[1].Length);
    }

    [Fact]
    public void EmptyAndCommentOnlyFiltersMatchEverything()
    {
        Assert.IsType<AnyNode>(FlowFilter.Parse(""));
        Assert.IsType<AnyNode>(FlowFilter.Parse("  # nothing but a comment\n"));
        Assert.True(FlowFilter.Compile(null).IsTriviallyTrue);
        Assert.True(FlowFilter.Compile("   ").IsTriviallyTrue);
        Assert.True(FlowFilter.Compile("any").IsTriviallyTrue);
        Assert.True(FlowFilter.Compile("any or port 5").IsTriviallyTrue);
        Assert.False(FlowFilter.Compile("port 5").IsTriviallyTrue);
        Assert.True(FlowFilter.Compile("not any").IsTriviallyFalse);
    }

    [Fact]
    public void TokenizerSplitsLikeNfdumpsScanner()
    {
        var tokens = FilterTokenizer.Tokenize("ip in [10.0.0.0/8,'x']&&!(a>=1)||b");
        string kinds = string.Join(' ', tokens.Select(t => t.Kind));
        Assert.Equal("Word Word LeftBracket Word Slash Word Comma QuotedString RightBracket AndAnd Bang LeftParen Word Comparator Word RightParen OrOr Word End", kinds);
        Assert.Equal("x", tokens[7].Text);
        Assert.Equal(">=", tokens[13].Text);
        Assert.Equal(22, tokens[9].Offset);
        Assert.Equal(24, tokens[10].Offset);
    }
}
