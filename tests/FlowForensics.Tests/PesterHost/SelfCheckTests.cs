using System.Management.Automation.Language;
using Xunit;
using Xunit.Abstractions;

namespace FlowForensics.Tests.PesterHost;

/// <summary>The shim must be able to fail: every It of Pester/SelfCheck.Failing.Tests.ps1 must be reported failed.</summary>
public sealed class SelfCheckTests(ITestOutputHelper output)
{
    // 46 It commands in the file; one of them has two test cases; one failing AfterAll adds its own failure.
    private const int ExpectedFailures = 48;

    [Fact]
    public void Every_test_of_the_self_check_spec_fails_for_the_intended_reason()
    {
        IReadOnlyList<SpecTestResult> results = SpecRunner.Run(SpecRunner.SelfCheckPath);
        foreach (SpecTestResult r in results)
        {
            output.WriteLine(r.ToString());
        }

        SpecTestResult[] notFailed = [.. results.Where(r => !r.Failed)];
        Assert.True(notFailed.Length == 0, "The shim did not fail: " + string.Join("; ", notFailed.Select(r => r.ToString())));
        Assert.Equal(ExpectedFailures, results.Count);

        // A failure for the wrong reason (a typo, a binding error in Should) would prove nothing.
        SpecTestResult[] wrongReason =
        [
            .. results.Where(r => !r.ErrorId.StartsWith("PesterAssertionFailed", StringComparison.Ordinal) && !r.Message.Contains("SelfCheck deliberate failure", StringComparison.Ordinal)),
        ];
        Assert.True(wrongReason.Length == 0, "Failed for an unintended reason: " + string.Join(Environment.NewLine, wrongReason.Select(r => r.ToString())));

        // Each assertion failure names the spec line of its Should, not the shim.
        Assert.All(results.Where(r => r.ErrorId.StartsWith("PesterAssertionFailed", StringComparison.Ordinal)), r => Assert.Contains("(at SelfCheck.Failing.Tests.ps1:", r.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void The_expected_count_matches_the_Its_in_the_file()
    {
        ScriptBlockAst ast = Parser.ParseFile(SpecRunner.SelfCheckPath, out _, out ParseError[] errors);
        Assert.Empty(errors);
        int its = ast.FindAll(a => a is CommandAst c && c.GetCommandName() == "It", searchNestedScriptBlocks: true).Count();
        Assert.Equal(ExpectedFailures - 2, its);
    }

    [Fact]
    public void A_failing_BeforeAll_fails_every_test_below_it()
    {
        IReadOnlyList<SpecTestResult> results = SpecRunner.Run(SpecRunner.SelfCheckPath);
        SpecTestResult[] below = [.. results.Where(r => r.Path.StartsWith("Setup failures propagate > a failing BeforeAll >", StringComparison.Ordinal))];
        Assert.Equal(3, below.Length);
        Assert.All(below, r => Assert.Contains("BeforeAll failed: SelfCheck deliberate failure in BeforeAll", r.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void A_failing_AfterAll_is_reported_as_its_own_failure()
    {
        IReadOnlyList<SpecTestResult> results = SpecRunner.Run(SpecRunner.SelfCheckPath);
        SpecTestResult afterAll = Assert.Single(results, r => r.Path.EndsWith("> AfterAll", StringComparison.Ordinal));
        Assert.Equal("Setup failures propagate > a failing AfterAll > AfterAll", afterAll.Path);
        Assert.True(afterAll.Failed);
        Assert.Contains("SelfCheck deliberate failure in AfterAll", afterAll.Message, StringComparison.Ordinal);
    }
}
