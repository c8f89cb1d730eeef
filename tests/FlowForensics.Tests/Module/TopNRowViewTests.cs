using FlowForensics.Tests.Hosting;
using Xunit;

namespace FlowForensics.Tests.Module;

/// <summary>Measure-FlowTopN's rows render through the shipped table views: nfdump's columns, and the distinct counts with -Distinct.</summary>
public sealed class TopNRowViewTests
{
    private static string Sample => SharedData.Path("data", "nfcapd", "slips", "test1-malicious.nfdump");

    [Fact]
    public void Rows_with_Distinct_show_the_counts_in_the_table()
    {
        using PsSession s = PsSession.WithModule(width: 120);
        string text = s.Render($"Measure-FlowTopN -LiteralPath '{Sample}' -Property SrcAddr -Distinct DstAddr, DstPort -Top 3");
        Assert.False(s.HadErrors, string.Join("; ", s.Errors));
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string header = Assert.Single(lines, l => l.StartsWith("Rank", StringComparison.Ordinal));
        Assert.Matches(@"^Rank\s+Key\s+Flows\(%\)\s+Packets\(%\)\s+Bytes\(%\)\s+Distinct\b", header);
        var rows = lines.Where(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\s*[123]\s+\d+\.\d+\.\d+\.\d+\s")).ToList();
        Assert.Equal(3, rows.Count);

        // The counts in the table are the rows' own.
        var values = s.Invoke($"Measure-FlowTopN -LiteralPath '{Sample}' -Property SrcAddr -Distinct DstAddr, DstPort -Top 3 | ForEach-Object {{ \"DstAddr $($_.DistinctDstAddr), DstPort $($_.DistinctDstPort)\" }}");
        Assert.Equal(3, values.Count);
        for (int i = 0; i < 3; i++) Assert.Contains(values[i].ToString(), rows[i], StringComparison.Ordinal);
        Assert.All(lines, l => Assert.True(l.Length <= 120, $"line wider than 120: '{l}'"));
    }

    [Fact]
    public void Rows_without_Distinct_keep_the_nfdump_columns_with_the_key_first()
    {
        using PsSession s = PsSession.WithModule(width: 160);
        string text = s.Render($"Measure-FlowTopN -LiteralPath '{Sample}' -Property SrcAddr -Top 3");
        Assert.False(s.HadErrors, string.Join("; ", s.Errors));
        string header = Assert.Single(text.Split('\n'), l => l.Contains("Date first seen", StringComparison.Ordinal));
        Assert.Matches(@"^Rank\s+Key\s+Flows\(%\)\s+Packets\(%\)\s+Bytes\(%\)\s+Date first seen\s+Duration\s+pps\s+bps\s+bpp\s*$", header);
        Assert.DoesNotContain("Distinct", text, StringComparison.Ordinal);
    }

    [Fact]
    public void At_120_columns_a_conversation_is_whole_with_its_counts_and_times()
    {
        using PsSession s = PsSession.WithModule(width: 120);
        string text = s.Render($"Measure-FlowTopN -LiteralPath '{Sample}' -Property Conversation -Bidirectional -OrderBy Bytes -Top 3");
        Assert.False(s.HadErrors, string.Join("; ", s.Errors));
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^Rank\s+Key\s+Flows\s+Packets\s+Bytes\s+Date first seen\s+Duration\s*$", Assert.Single(lines, l => l.StartsWith("Rank", StringComparison.Ordinal)));
        Assert.All(lines, l => Assert.True(l.Length <= 120, $"line wider than 120: '{l}'"));
        var rows = s.Invoke($"Measure-FlowTopN -LiteralPath '{Sample}' -Property Conversation -Bidirectional -OrderBy Bytes -Top 3 | ForEach-Object {{ \"$($_.Key)|$($_.FirstSeen.ToString('yyyy-MM-dd HH:mm:ss.fff'))\" }}");
        Assert.Equal(3, rows.Count);
        foreach (var row in rows.Select(r => r.ToString().Split('|')))
            Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\s*\d+ " + System.Text.RegularExpressions.Regex.Escape(row[0]) + @"\s+\d+\s+\d+\s+\d+\s+" + System.Text.RegularExpressions.Regex.Escape(row[1]) + @"\s+\d\d:\d\d:\d\d\.\d{3}\s*$"));
    }
}
