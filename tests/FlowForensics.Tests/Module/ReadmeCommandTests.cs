using System.Text.RegularExpressions;
using FlowForensics.Tests.Hosting;
using Xunit;
using Xunit.Abstractions;

namespace FlowForensics.Tests.Module;

/// <summary>
/// The README opens with two commands that must work on a fresh clone. The build and the test run are what this
/// suite itself stands on; here the pwsh part of the first one runs as written, in the pinned real pwsh, and must
/// show the demo's planted upload port on top. (The tour below it is run by Pester/Readme.Tests.ps1.)
/// </summary>
public sealed partial class ReadmeCommandTests(ITestOutputHelper output)
{
    [Fact]
    public void The_two_commands_restore_pwsh_and_use_it()
    {
        string[] commands = ReadmeCommands();
        Assert.Equal(2, commands.Length);
        Assert.StartsWith("dotnet tool restore && dotnet build ", commands[0], StringComparison.Ordinal);
        Assert.Equal("dotnet tool restore && dotnet pwsh -NoProfile -File ./build.ps1 -Task Test", commands[1]);
        Assert.Contains(File.ReadAllText(RepoPaths.Path(".ci", "run")).Split('\n'), l => l.StartsWith(commands[1], StringComparison.Ordinal));
    }

    [Fact]
    public void The_demo_command_runs_in_real_pwsh_and_ranks_the_planted_upload_first()
    {
        Match m = DemoCommand().Match(ReadmeCommands()[0]);
        Assert.True(m.Success, "The first README command does not end in dotnet pwsh -NoProfile -Command \"...\": " + ReadmeCommands()[0]);

        RealPwsh.Result run = RealPwsh.Run(TimeSpan.FromMinutes(3), "-Command", m.Groups[1].Value);
        output.WriteLine(run.ToString());
        Assert.Equal(0, run.ExitCode);
        Assert.Equal("", run.Error.Trim());
        string[] rows = [.. run.Output.Split('\n').Select(l => l.Trim()).Where(l => Regex.IsMatch(l, @"^\d+\s+\d+\s"))];
        Assert.Equal(10, rows.Length);
        Assert.StartsWith("1 4444 ", Regex.Replace(rows[0], @"\s+", " "), StringComparison.Ordinal);
    }

    /// <summary>The command lines of the README's first sh block, comments left out.</summary>
    private static string[] ReadmeCommands()
    {
        string readme = File.ReadAllText(RepoPaths.Path("README.md"));
        Match block = Regex.Match(readme, @"```sh\r?\n(.*?)```", RegexOptions.Singleline);
        Assert.True(block.Success, "README.md has no sh block of commands.");
        return [.. block.Groups[1].Value.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))];
    }

    [GeneratedRegex("dotnet pwsh -NoProfile -Command \"(.*)\"$")]
    private static partial Regex DemoCommand();
}
