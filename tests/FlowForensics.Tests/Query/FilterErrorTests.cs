using System.Diagnostics;
using System.Text;
using FlowForensics.Query;
using Xunit;

namespace FlowForensics.Tests.Query;

public sealed class FilterErrorTests
{
    private static FilterSyntaxException Fail(string filter) =>
        Assert.Throws<FilterSyntaxException>(() => FlowFilter.Compile(filter));

    [Theory]
    [InlineData("unbalanced (", "(proto tcp and port 53", 0, "missing ')'")]
    [InlineData("unbalanced )", "proto tcp)", 9, "unbalanced ')'")]
    [InlineData("empty parens", "()", 1, "empty parentheses")]
    [InlineData("bad IPv4", "host 10.0.0.256", 5, "not a valid IPv4 address")]
    [InlineData("short IPv4 host", "host 10.1", 5, "not a valid IPv4 address")]
    [InlineData("bad IPv6", "host 2001:db8:::1", 5, "not a valid IPv6 address")]
    [InlineData("host name", "host evil.example", 5, "does not resolve host names")]
    [InlineData("host with prefix", "dst ip 10.0.0.1/24", 15, "for a prefix write 'dst net")]
    [InlineData("net without mask", "net 10.0.0.0 and port 5", 13, "expected '/length' or a dotted mask")]
    [InlineData("prefix too long", "net 10.0.0.0/33", 13, "out of range")]
    [InlineData("IPv6 prefix too long", "net 2001:db8::/129", 15, "out of range")]
    [InlineData("port out of range", "port 99999", 5, "out of range")]
    [InlineData("port negative", "port -1", 5, "expected a port number")]
    [InlineData("port in list out of range", "port in [22 70000]", 12, "out of range")]
    [InlineData("proto out of range", "proto 256", 6, "out of range")]
    [InlineData("unknown proto", "proto bogus", 6, "unknown protocol")]
    [InlineData("flags out of range", "flags 256", 6, "out of range")]
    [InlineData("bad flag letter", "flags SZ", 6, "'Z' is not a TCP flag letter")]
    [InlineData("flags letters with comparator", "flags > SA", 8, "take no comparator")]
    [InlineData("tos out of range", "tos 300", 4, "out of range")]
    [InlineData("icmp-type out of range", "icmp-type 256", 10, "out of range")]
    [InlineData("number overflow", "bytes > 99999999999999999999", 8, "too large")]
    [InlineData("suffix overflow", "bytes > 99999999999T", 8, "too large")]
    [InlineData("unknown keyword", "prot tcp", 0, "unknown filter keyword 'prot'")]
    [InlineData("trailing garbage", "proto tcp tcp", 10, "expected 'and', 'or' or the end")]
    [InlineData("dangling and", "proto tcp and", 13, "unexpected end of filter")]
    [InlineData("dangling not", "not", 3, "unexpected end of filter")]
    [InlineData("empty list", "ip in []", 7, "empty list")]
    [InlineData("unterminated list", "port in [22 23", 8, "missing ']'")]
    [InlineData("list without bracket", "port in 22", 8, "expected '['")]
    [InlineData("unterminated string", "host '10.0.0.1", 5, "unterminated string")]
    [InlineData("bad character", "port 53 ; rm", 8, "unexpected character ';'")]
    [InlineData("single ampersand", "port 1 & port 2", 7, "single '&'")]
    [InlineData("bad qualifier", "in port 5", 0, "'port' takes only")]
    [InlineData("bad MAC", "mac 00:11:22:33:44", 4, "expected a MAC address")]
    [InlineData("bad time", "first seen > 2024-13-45", 13, "is not a time")]
    [InlineData("icmp needs type or code", "icmp 8", 5, "expected 'type' or 'code'")]
    [InlineData("comma first in list", "port in [,22]", 9, "expected a list entry before ','")]
    [InlineData("mask out of range", "mask 200", 5, "out of range")]
    [InlineData("vlan out of range", "vlan 70000", 5, "out of range")]
    [InlineData("engine out of range", "engine-id 256", 10, "out of range")]
    public void MalformedFiltersNameTheColumn(string why, string filter, int offset, string fragment)
    {
        var e = Fail(filter);
        Assert.True(offset == e.Offset, $"{why}: offset {e.Offset}, expected {offset}: {e.Message}");
        Assert.Contains(fragment, e.Message, StringComparison.Ordinal);
        Assert.StartsWith($"Filter error at column {offset + 1}:", e.Message, StringComparison.Ordinal);
        Assert.Equal(filter, e.Filter);
    }

    [Theory]
    [InlineData("payload content 'GET'", 0, "payload")]
    [InlineData("src geo RU or dst geo IN", 4, "geo")]
    [InlineData("ip tor", 3, "tor")]
    [InlineData("proto tcp and src nat ip 1.2.3.4", 18, "nat")]
    [InlineData("tun ip 1.2.3.4", 0, "tun")]
    [InlineData("asa event deny", 0, "asa")]
    [InlineData("ident fw01", 0, "ident")]
    [InlineData("mpls label1 100", 0, "mpls")]
    [InlineData("xip 1.2.3.4", 0, "xip")]
    [InlineData("client latency > 10", 0, "client")]
    [InlineData("ttl equal", 4, "equal")]
    [InlineData("count > 10", 0, "count")]
    public void ValidButUnsupportedNfdumpKeywordsSaySo(string filter, int offset, string keyword)
    {
        var e = Fail(filter);
        Assert.Equal(offset, e.Offset);
        Assert.Contains($"'{keyword}' is valid nfdump syntax but is not supported by FlowForensics", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CaretStringPointsUnderTheProblem()
    {
        var e = Fail("proto tcp and port 99999");
        Assert.Equal("proto tcp and port 99999\n                   ^^^^^", e.ToCaretString());
        Assert.Equal(19, e.Offset);
        Assert.Equal(5, e.Length);
        Assert.Equal(1, e.Line);
        Assert.Equal(20, e.Column);
    }

    [Fact]
    public void ErrorsOnLaterLinesNameLineAndColumn()
    {
        var e = Fail("proto tcp # first\nand port 70000");
        Assert.Equal(2, e.Line);
        Assert.Equal(10, e.Column);
        Assert.StartsWith("Filter error at line 2, column 10:", e.Message, StringComparison.Ordinal);
        Assert.Equal("and port 70000\n         ^^^^^", e.ToCaretString());
    }

    [Fact]
    public void TenThousandNestedParenthesesGiveADepthErrorNotAStackOverflow()
    {
        string filter = new string('(', 10_000) + "any" + new string(')', 10_000);
        var e = Fail(filter);
        Assert.Equal(FilterLimits.MaxDepth, e.Offset);
        Assert.Contains("FilterLimits.MaxDepth", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TenThousandNotsGiveADepthError()
    {
        var e = Fail(string.Concat(Enumerable.Repeat("not ", 10_000)) + "any");
        Assert.Equal(FilterLimits.MaxDepth * 4, e.Offset);
        Assert.Contains("FilterLimits.MaxDepth", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NestingUpToTheLimitIsAccepted()
    {
        string filter = new string('(', FilterLimits.MaxDepth) + "port 5" + new string(')', FilterLimits.MaxDepth);
        var f = FlowFilter.Compile(filter);
        Assert.True(f.Matches(new Flows.FlowRecord { SrcPort = 5 }));
        Fail(new string('(', FilterLimits.MaxDepth + 1) + "port 5" + new string(')', FilterLimits.MaxDepth + 1));
    }

    [Fact]
    public void LongFlatChainsDoNotRecurse()
    {
        string filter = string.Join(" or ", Enumerable.Range(0, 50_000).Select(i => $"port {i % 65536}"));
        var f = FlowFilter.Compile(filter);
        Assert.True(f.Matches(new Flows.FlowRecord { DstPort = 49_999 }));
        Assert.False(f.Matches(new Flows.FlowRecord { DstPort = 50_000, SrcPort = 65_000 }));
    }

    [Fact]
    public void FilterOverTheLengthLimitIsRejected()
    {
        string filter = "any " + new string(' ', FilterLimits.MaxLength);
        var e = Fail(filter);
        Assert.Equal(FilterLimits.MaxLength, e.Offset);
        Assert.Contains("FilterLimits.MaxLength", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NearlyOneMegabyteAddressListParsesQuickly()
    {
        var sb = new StringBuilder("ip in [");
        int n = 0;
        while (sb.Length < FilterLimits.MaxLength - 64 && n < FilterLimits.MaxListEntries)
        {
            sb.Append("10.").Append((n >> 16) & 255).Append('.').Append((n >> 8) & 255).Append('.').Append(n & 255).Append(' ');
            n++;
        }
        sb.Append(']');
        var watch = Stopwatch.StartNew();
        var f = FlowFilter.Compile(sb.ToString());
        watch.Stop();
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"{sb.Length} chars took {watch.Elapsed}");
        Assert.True(f.Matches(new Flows.FlowRecord { DstAddr = System.Net.IPAddress.Parse("10.0.0.7"), SrcAddr = System.Net.IPAddress.Parse("1.1.1.1") }));
        Assert.False(f.Matches(new Flows.FlowRecord { DstAddr = System.Net.IPAddress.Parse("11.0.0.7"), SrcAddr = System.Net.IPAddress.Parse("1.1.1.1") }));
    }

    [Fact]
    public void ListsOverTheEntryLimitAreRejected()
    {
        string filter = "port in [" + string.Join(' ', Enumerable.Range(0, FilterLimits.MaxListEntries + 1).Select(i => (i % 10).ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]";
        var e = Fail(filter);
        Assert.Contains("FilterLimits.MaxListEntries", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OverlongWordsAreRejected()
    {
        var e = Fail("host " + new string('1', FilterLimits.MaxTokenLength + 1));
        Assert.Equal(5, e.Offset);
        Assert.Contains("FilterLimits.MaxTokenLength", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryCompileReportsInsteadOfThrowing()
    {
        Assert.False(FlowFilter.TryCompile("port", out var f, out var e));
        Assert.Null(f);
        Assert.NotNull(e);
        Assert.True(FlowFilter.TryCompile("port 1", out f, out e));
        Assert.NotNull(f);
        Assert.Null(e);
    }
}
