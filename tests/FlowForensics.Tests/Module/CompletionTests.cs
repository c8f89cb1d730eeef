using System.Management.Automation;
using FlowForensics.Query;
using FlowForensics.Tests.Hosting;
using Xunit;

namespace FlowForensics.Tests.Module;

/// <summary>Tab completion through the hosted engine's TabExpansion2, as a user pressing Tab gets it.</summary>
public sealed class CompletionTests
{
    private static List<string> Complete(PsSession s, string input)
    {
        s.SetVariable("inputText", input);
        var result = (CommandCompletion)s.Invoke("TabExpansion2 -inputScript $inputText -cursorColumn $inputText.Length")[0].BaseObject;
        return result.CompletionMatches.Select(m => m.CompletionText).ToList();
    }

    [Theory]
    [InlineData("Measure-FlowTopN -Property Src", "SrcAddr")]
    [InlineData("Measure-FlowTopN -Property Conv", "Conversation")]
    [InlineData("Get-FlowRecord -Path x -OrderBy St", "Start")]
    [InlineData("Get-FlowRecord -Path x -OrderBy F", "File")]
    [InlineData("Measure-FlowTopN -Property SrcAddr -OrderBy By", "Bytes")]
    public void Property_and_order_names_complete(string input, string expected)
    {
        using var s = PsSession.WithModule();
        Assert.Contains(expected, Complete(s, input));
    }

    [Theory]
    [InlineData("Get-FlowRecord -Path x -Filter 'proto tcp and ds", "'proto tcp and dst'")]
    [InlineData("Get-FlowRecord -Path x -Filter 'pro", "'proto'")]
    [InlineData("Get-FlowRecord -Path x -Filter \"not (src ho", "\"not (src host\"")]
    [InlineData("Measure-FlowTopN SrcAddr -Path x -Filter 'proto ud", "'proto udp'")]
    [InlineData("Convert-PcapToFlow -Path x -Filter 'fla", "'flags'")]
    [InlineData("Export-FlowReport -Path x.xlsx -Filter 'bytes > 100 and pa", "'bytes > 100 and packets'")]
    public void Filter_keywords_complete_keeping_the_words_before(string input, string expected)
    {
        using var s = PsSession.WithModule();
        Assert.Contains(expected, Complete(s, input));
    }

    [Theory]
    [InlineData("Get-FlowRecord -Path x -Filter 'src", "'src host'|'src ip'|'src net'|'src port'", "'src src'|'src and'|'src any'")]
    [InlineData("Get-FlowRecord -Path x -Filter 'src ", "'src host'|'src ip'|'src net'|'src port'", "'src src'|'src and'|'src any'|'src dst'")]
    [InlineData("Get-FlowRecord -Path x -Filter 'proto ", "'proto tcp'|'proto udp'|'proto icmp6'", "'proto and'|'proto src'|'proto proto'")]
    [InlineData("Get-FlowRecord -Path x -Filter 'proto tcp ", "'proto tcp and'|'proto tcp or'", "'proto tcp src'|'proto tcp port'|'proto tcp tcp'")]
    [InlineData("Get-FlowRecord -Path x -Filter 'dst port 443 and not ", "'dst port 443 and not src'|'dst port 443 and not proto'", "'dst port 443 and not and'")]
    public void Filter_completion_offers_what_may_follow_the_words_before(string input, string offered, string notOffered)
    {
        using var s = PsSession.WithModule();
        var completions = Complete(s, input);
        foreach (string c in offered.Split('|')) Assert.Contains(c, completions);
        foreach (string c in notOffered.Split('|')) Assert.DoesNotContain(c, completions);
    }

    [Fact]
    public void A_whole_keyword_is_offered_first_then_with_what_may_follow()
    {
        using var s = PsSession.WithModule();
        var completions = Complete(s, "Get-FlowRecord -Path x -Filter 'dst");
        Assert.Equal("'dst'", completions[0]);
        Assert.All(completions.Skip(1), c => Assert.StartsWith("'dst ", c, StringComparison.Ordinal));
        Assert.Contains("'dst port'", completions);
        Assert.Equal(["'src'"], Complete(s, "Get-FlowRecord -Path x -Filter 'sr"));
    }

    [Fact]
    public void A_filter_word_that_is_no_keyword_completes_to_nothing()
    {
        using var s = PsSession.WithModule();
        Assert.DoesNotContain(Complete(s, "Get-FlowRecord -Path x -Filter 'proto tcp and zzq"), c => c.StartsWith("'proto", StringComparison.Ordinal));
    }

    public static TheoryData<string> VocabularyWords()
    {
        var data = new TheoryData<string>();
        foreach (var (word, _) in FilterVocabulary.Words) data.Add(word);
        return data;
    }

    /// <summary>Completion offers only words the parser knows: each is parsed in a minimal filter.</summary>
    [Theory]
    [MemberData(nameof(VocabularyWords))]
    public void Every_completed_filter_word_is_one_the_parser_knows(string word)
    {
        string[] protocols = ["tcp", "udp", "icmp6", "gre", "esp", "sctp"];
        if (protocols.Contains(word))
        {
            FilterParser.Parse($"proto {word}");
            return;
        }
        if (word is "and" or "or")
        {
            FilterParser.Parse($"any {word} any");
            return;
        }
        try
        {
            FilterParser.Parse(word);
        }
        catch (FilterSyntaxException e)
        {
            Assert.DoesNotContain("unknown filter keyword", e.Message, StringComparison.Ordinal);
        }
    }
}
