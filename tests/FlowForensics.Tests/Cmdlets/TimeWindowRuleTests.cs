using System.Management.Automation;
using FlowForensics.Analysis.TopN;
using FlowForensics.Flows;
using FlowForensics.Tests.Hosting;
using Xunit;

namespace FlowForensics.Tests.Cmdlets;

/// <summary>
/// One -Start/-End rule on every cmdlet that takes them, nfdump's -t reading: a flow counts when it lies inside the
/// window (first packet at or after -Start, last at or before -End). The cmdlets are found by their parameters, so a
/// new cmdlet with -Start/-End fails here until it is given its arguments and keeps the rule.
/// </summary>
public sealed class TimeWindowRuleTests : IDisposable
{
    private static readonly DateTime WindowStart = CmdletKit.T0.AddMinutes(10);
    private static readonly DateTime WindowEnd = CmdletKit.T0.AddMinutes(20);

    /// <summary>What each cmdlet needs besides -Path/-Start/-End/-Verbose; $workbook is a scratch .xlsx, $baseline a baseline.</summary>
    private static readonly Dictionary<string, string> ExtraArguments = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Get-FlowRecord"] = "",
        ["Measure-FlowTopN"] = "-Property SrcAddr",
        ["Find-FlowBeacon"] = "",
        ["Find-FlowExfiltration"] = "",
        ["Find-FlowScan"] = "",
        ["Find-FlowLateralMovement"] = "",
        ["New-FlowBaseline"] = "",
        ["Find-FlowAnomaly"] = "-Baseline $baseline",
        ["Export-FlowReport"] = "-Path $workbook -Force",
    };

    private readonly string _dir = Directory.CreateTempSubdirectory("ff-window-").FullName;
    private readonly string _file;

    public TimeWindowRuleTests()
    {
        _file = CmdletKit.Write(Path.Combine(_dir, "nfcapd.202401011200"),
        [
            Flow(1, WindowStart.AddMinutes(1), WindowStart.AddMinutes(2)),                  // inside
            Flow(2, WindowEnd.AddMinutes(-1), WindowEnd.AddMinutes(1)),                     // starts inside, ends after -End
            Flow(3, WindowStart.AddMinutes(-1), WindowStart.AddMinutes(1)),                 // starts before -Start, ends inside
            Flow(4, WindowStart, WindowEnd),                                                // exactly the window: both ends inclusive
        ]);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static FlowRecord Flow(byte host, DateTime start, DateTime end) => new()
    {
        Start = start,
        End = end,
        Protocol = 6,
        SrcPort = 40000,
        DstPort = 443,
        Packets = 10,
        Bytes = 1000,
        SrcAddress = FlowAddress.FromIPv4(0x0A000000u + host),
        DstAddress = FlowAddress.FromIPv4(0xC0A80001u),
    };

    private static List<string> CmdletsWithAWindow(PsSession s) =>
        s.Invoke("Get-Command -Module FlowForensics -CommandType Cmdlet | Where-Object { $_.Parameters.ContainsKey('Start') -and $_.Parameters.ContainsKey('End') } | ForEach-Object Name")
            .Select(o => (string)o.BaseObject).Order(StringComparer.Ordinal).ToList();

    [Fact]
    public void EveryCmdletWithAWindowIsCoveredHere()
    {
        using PsSession s = PsSession.WithModule();
        var found = CmdletsWithAWindow(s);
        Assert.NotEmpty(found);
        Assert.Equal(ExtraArguments.Keys.Order(StringComparer.Ordinal), found);
    }

    [Fact]
    public void EveryCmdletsHelpStatesTheOneRuleInTheSameWords()
    {
        foreach (string parameter in new[] { "Start", "End" })
        {
            var texts = ExtraArguments.Keys
                .Select(c => Help.CmdletHelpMarkdown.Parse(RepoPaths.Path("docs", "cmdlets", c + ".md")).Parameters.Single(p => p.Name == parameter).Description)
                .Distinct(StringComparer.Ordinal).ToList();
            string text = Assert.Single(texts);
            Assert.Contains("nfdump -t", text, StringComparison.Ordinal);
        }
    }

    public static TheoryData<string> Cmdlets() => [.. ExtraArguments.Keys];

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void AFlowStraddlingAnEdgeIsLeftOutAndOneInsideIsKept(string cmdlet)
    {
        using PsSession s = PsSession.WithModule();
        s.SetVariable("workbook", Path.Combine(_dir, "case.xlsx"));
        s.SetVariable("f", _file);
        s.SetVariable("a", WindowStart);
        s.SetVariable("b", WindowEnd);
        if (cmdlet == "Find-FlowAnomaly") s.SetVariable("baseline", s.Invoke("New-FlowBaseline -Path $f").Single().BaseObject);
        string input = cmdlet == "Export-FlowReport" ? "-FlowPath $f" : "-Path $f";
        var output = s.Invoke($"{cmdlet} {input} -Start $a -End $b -Verbose {ExtraArguments[cmdlet]}");
        Assert.Empty(s.Errors);
        // The engine query's count of the flows it handed to the cmdlet: the inside flow and the exact-window flow.
        Assert.Contains(s.Verbose, v => v.Message.Contains("2 flows selected of 4 read (2 outside the window", StringComparison.Ordinal));
        switch (cmdlet)
        {
            case "Get-FlowRecord":
                Assert.Equal(["10.0.0.1", "10.0.0.4"], output.Select(o => ((FlowRecord)o.BaseObject).SrcAddr!.ToString()).Order(StringComparer.Ordinal));
                break;
            case "Measure-FlowTopN":
                Assert.Equal(["10.0.0.1", "10.0.0.4"], output.Select(o => ((TopNRow)o.BaseObject).Key).Order(StringComparer.Ordinal));
                break;
            case "Export-FlowReport":
                Assert.Contains(s.Verbose, v => v.Message.StartsWith("2 flows and 0 other objects", StringComparison.Ordinal));
                break;
        }
    }

    [Theory]
    [InlineData("Measure-FlowTopN -Property SrcAddr")]
    [InlineData("Export-FlowReport -Path $workbook -Force")]
    public void FlowsFromThePipelineFollowTheSameRule(string command)
    {
        using PsSession s = PsSession.WithModule();
        s.SetVariable("workbook", Path.Combine(_dir, "case.xlsx"));
        s.SetVariable("f", _file);
        s.SetVariable("a", WindowStart);
        s.SetVariable("b", WindowEnd);
        var output = s.Invoke($"Get-FlowRecord -Path $f | {command} -Start $a -End $b -Verbose");
        Assert.Empty(s.Errors);
        if (command.StartsWith("Measure", StringComparison.Ordinal))
            Assert.Equal(["10.0.0.1", "10.0.0.4"], output.Select(o => ((TopNRow)o.BaseObject).Key).Order(StringComparer.Ordinal));
        else
            Assert.Contains(s.Verbose, v => v.Message.StartsWith("2 flows and 0 other objects", StringComparison.Ordinal));
    }
}
