using Xunit;

namespace FlowForensics.Tests.PesterHost;

/// <summary>The driver's own behaviour, on small specs written to a temp folder.</summary>
public sealed class SpecRunnerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("shim-spec-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_static_check_names_commands_the_hosted_engine_lacks()
    {
        string spec = Write("Uses.Tests.ps1", """
            function Get-Local { 1 }
            Describe 'uses' {
                It 'sorts' { 3, 1 | Sort-Object | Select-Object -First 1 | Should -Be 1 }
                It 'calls its own, core and module commands' { Get-Local | Where-Object { $_ } | ForEach-Object { $_ } | Should -Be 1; Get-Module FlowForensics }
            }
            """);
        Assert.Equal(["Select-Object", "Sort-Object"], SpecRunner.MissingCommands(spec));
    }

    [Fact]
    public void The_static_check_accepts_the_shims_own_commands()
    {
        string spec = Write("Fine.Tests.ps1", """
            BeforeAll { $x = 1 }
            AfterAll { }
            Describe 'd' { Context 'c' { BeforeEach { } AfterEach { } It 'i' { $x | Should -Be 1 } } }
            """);
        Assert.Empty(SpecRunner.MissingCommands(spec));
    }

    [Fact]
    public void A_spec_that_does_not_parse_is_reported()
    {
        string spec = Write("Broken.Tests.ps1", "Describe 'x' { It 'y' { 1 | Should -Be ( }");
        InvalidOperationException e = Assert.Throws<InvalidOperationException>(() => SpecRunner.MissingCommands(spec));
        Assert.Contains("Broken.Tests.ps1 does not parse", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failure_during_discovery_is_a_failed_result()
    {
        string spec = Write("Discovery.Tests.ps1", """
            Describe 'broken body' {
                throw 'thrown while discovering'
                It 'never registered' { }
            }
            """);
        SpecTestResult r = Assert.Single(SpecRunner.Run(spec));
        Assert.True(r.Failed);
        Assert.Equal("Discovery.Tests.ps1 (discovery)", r.Path);
        Assert.Contains("thrown while discovering", r.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Results_come_in_run_order_with_nested_paths()
    {
        string spec = Write("Order.Tests.ps1", """
            Describe 'outer' {
                It 'first' { 1 | Should -Be 1 }
                Context 'inner' { It 'second' { 1 | Should -Be 2 } }
                It 'third' -Skip { }
            }
            """);
        IReadOnlyList<SpecTestResult> results = SpecRunner.Run(spec);
        Assert.Equal(["outer > first", "outer > inner > second", "outer > third"], results.Select(r => r.Path));
        Assert.Equal(["Passed", "Failed", "Skipped"], results.Select(r => r.Result));
        Assert.Contains("(at Order.Tests.ps1:3)", results[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TestDrive_is_removed_after_its_Describe()
    {
        string marker = Path.Combine(_dir, "testdrive.txt");
        string spec = Write("Drive.Tests.ps1", $$"""
            Describe 'drive' {
                It 'records where it is' { [System.IO.File]::WriteAllText('{{marker}}', $TestDrive); $TestDrive | Should -Exist }
            }
            """);
        Assert.True(Assert.Single(SpecRunner.Run(spec)).Passed);
        string drive = File.ReadAllText(marker);
        Assert.StartsWith(Path.GetTempPath(), drive, StringComparison.Ordinal);
        Assert.False(Directory.Exists(drive), $"TestDrive {drive} was left behind");
    }

    [Fact]
    public void The_driver_points_specs_at_the_built_module()
    {
        string spec = Write("Env.Tests.ps1", """
            BeforeAll { Import-Module $env:FLOWFORENSICS_MODULE -Force }
            Describe 'env' {
                It 'imports the module the tests use' {
                    (Get-Module FlowForensics).ModuleBase | Should -Be ([IO.Path]::GetDirectoryName($env:FLOWFORENSICS_MODULE))
                }
            }
            """);
        SpecTestResult r = Assert.Single(SpecRunner.Run(spec));
        Assert.True(r.Passed, r.ToString());
    }

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }
}
