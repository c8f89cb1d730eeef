using Xunit;
using Xunit.Abstractions;

namespace FlowForensics.Tests.PesterHost;

/// <summary>Each Pester/*.Tests.ps1 file is one test case, run through the shim in a fresh runspace.</summary>
public sealed class PesterSpecTests(ITestOutputHelper output)
{
    public static TheoryData<string> SpecFiles()
    {
        var data = new TheoryData<string>();
        foreach (string name in SpecRunner.NormalSpecFileNames())
        {
            data.Add(name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SpecFiles))]
    public void Spec_passes(string specFileName)
    {
        string path = Path.Combine(RepoPaths.SpecFolder, specFileName);
        IReadOnlyList<string> missing = SpecRunner.MissingCommands(path);
        Assert.True(missing.Count == 0,
            $"{specFileName} uses commands the hosted engine lacks: {string.Join(", ", missing)}. " +
            "Use the language or .NET instead (see docs in /work/shared/notes/powershell-hosting.md: Join-Path -> [IO.Path]::Combine, Test-Path -> [IO.File]::Exists ...).");

        IReadOnlyList<SpecTestResult> results = SpecRunner.Run(path);
        foreach (SpecTestResult r in results)
        {
            output.WriteLine(r.ToString());
        }

        Assert.True(results.Count > 0, $"{specFileName} has no It.");
        SpecTestResult[] failed = [.. results.Where(r => r.Failed)];
        Assert.True(failed.Length == 0,
            $"{failed.Length} of {results.Count} tests in {specFileName} failed:{Environment.NewLine}" +
            string.Join(Environment.NewLine, failed.Select(f => f.ToString())));
        Assert.Contains(results, r => r.Passed);
    }

    [Fact]
    public void There_are_specs_besides_the_self_check() =>
        Assert.Contains("Shim.Tests.ps1", SpecRunner.NormalSpecFileNames());
}
