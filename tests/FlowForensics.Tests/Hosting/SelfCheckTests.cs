using System.Management.Automation.Language;
using System.Text.RegularExpressions;
using Xunit;
using Xunit.Abstractions;

namespace FlowForensics.Tests.Hosting;

/// <summary>
/// A failing spec must fail the test run: Pester/SelfCheck.Failing.Tests.ps1, whose every test fails on purpose, is
/// run by build.ps1 under real Pester in real pwsh exactly as the README's test command runs the specs, and the run
/// must count every test failed, none passed, and exit 1.
/// </summary>
public sealed class SelfCheckTests(ITestOutputHelper output)
{
    private static readonly string SelfCheckPath = RepoPaths.Path("Pester", "SelfCheck.Failing.Tests.ps1");

    [Fact]
    public void Every_test_of_the_self_check_spec_fails_and_the_run_fails()
    {
        RealPwsh.Result run = RealPwsh.Run(TimeSpan.FromMinutes(5), "-File", RepoPaths.Path("build.ps1"), "-Task", "Spec", "-SpecPath", SelfCheckPath);
        output.WriteLine(run.ToString());

        Assert.Equal(1, run.ExitCode);
        string[] lines = run.Output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        Match closing = Regex.Match(lines[^1], @"^(\d+) passed, (\d+) failed, (\d+) skipped$");
        Assert.True(closing.Success, "The run does not end with the closing line CI reads: " + lines[^1]);
        Assert.Equal(0, int.Parse(closing.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(ExpectedTests(), int.Parse(closing.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));

        // Each failure is the deliberate one, not a typo or a binding error in Should: Pester names each failing
        // Should's line, and the setup failures name themselves.
        Assert.Contains("Expected 2, but got 1.", run.Output, StringComparison.Ordinal);
        Assert.Contains("SelfCheck deliberate failure in BeforeAll", run.Output, StringComparison.Ordinal);
        Assert.Contains("SelfCheck deliberate failure in AfterEach", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("CommandNotFoundException", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("ParameterBindingException", run.Output, StringComparison.Ordinal);
    }

    /// <summary>The tests in the self-check file: one per It, one per test case of an It with -TestCases.</summary>
    private static int ExpectedTests()
    {
        ScriptBlockAst ast = Parser.ParseFile(SelfCheckPath, out _, out ParseError[] errors);
        Assert.Empty(errors);
        int tests = 0;
        foreach (CommandAst it in ast.FindAll(a => a is CommandAst c && c.GetCommandName() == "It", searchNestedScriptBlocks: true).Cast<CommandAst>())
        {
            int at = it.CommandElements.ToList().FindIndex(e => e is CommandParameterAst { ParameterName: "TestCases" });
            tests += at < 0 ? 1 : it.CommandElements[at + 1].FindAll(a => a is HashtableAst, searchNestedScriptBlocks: false).Count();
        }

        return tests;
    }
}
