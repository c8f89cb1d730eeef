using FlowForensics.Tests.Hosting;
using Xunit;

namespace FlowForensics.Tests.Cmdlets;

/// <summary>The default table views of the hunts' findings render the demo's findings within 120 columns.</summary>
public sealed class HuntFindingViewTests
{
    private const string Flows = "$flows = Convert-PcapToFlow -Path \"$((Get-Module FlowForensics).ModuleBase)/Samples/demo.pcap\"\n";

    [Fact]
    public void BeaconFindingsRenderAsATableWithinOneHundredTwentyColumns()
    {
        using PsSession s = PsSession.WithModule(width: 120);
        string text = s.Render(Flows + "$flows | Find-FlowBeacon");
        Assert.False(s.HadErrors, string.Join("; ", s.Errors));
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines, static l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^Score\s+Source\s+Destination\s+Conns\s+Period\s+Jitter\s+Missed\s+Out/In per conn\s+T/S/C/H\s*$"));
        string row = Assert.Single(lines, static l => l.Contains("203.0.113.50:443/TCP", StringComparison.Ordinal));
        Assert.Matches(@"^\s*0\.\d\d\s+10\.20\.1\.23\s+203\.0\.113\.50:443/TCP\s+1[12]\s+5\d(\.\d)? s\s+\d+%\s+0\s+\d+/\d+\s+\S+\s*$", row.TrimEnd('\r'));
        Assert.All(lines, static l => Assert.True(l.TrimEnd('\r').Length <= 120, $"wider than 120: '{l}'"));
    }

    [Fact]
    public void ExfiltrationFindingsRenderAsATableWithinOneHundredTwentyColumns()
    {
        using PsSession s = PsSession.WithModule(width: 120);
        string text = s.Render(Flows + "$flows | Find-FlowExfiltration");
        Assert.False(s.HadErrors, string.Join("; ", s.Errors));
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines, static l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^Score\s+Kind\s+ATT&CK\s+Host\s+Peers\s+BytesOut\s+BytesIn\s+Ratio\s+Flows\s*$"));
        Assert.Single(lines, static l => l.Contains("UnusualPort T1048", StringComparison.Ordinal) && l.Contains("198.51.100.200:4444/TCP", StringComparison.Ordinal));
        Assert.Single(lines, static l => l.Contains("DnsTunnel   T1071.004", StringComparison.Ordinal) && l.Contains("10.20.1.29", StringComparison.Ordinal));
        Assert.All(lines, static l => Assert.True(l.TrimEnd('\r').Length <= 120, $"wider than 120: '{l}'"));
    }
}
