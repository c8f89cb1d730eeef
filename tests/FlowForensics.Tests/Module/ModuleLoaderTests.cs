using System.Text.Json;
using FlowForensics.Tests.Hosting;
using Xunit;

namespace FlowForensics.Tests.Module;

/// <summary>
/// FlowForensics.psm1 in real pwsh (the local tool pinned in .config/dotnet-tools.json): it loads this platform's
/// ReadyToRun set, falls back to the IL set when that folder is absent, and either way the module works as users
/// rely on it (exports, MAML help, format view, ModuleBase-relative samples).
/// </summary>
public sealed class ModuleLoaderTests
{
    private const string Probe = """
        $ErrorActionPreference = 'Stop'
        Import-Module $env:FLOWFORENSICS_PROBE_MODULE
        $m = Get-Module FlowForensics
        $help = Get-Help Measure-FlowTopN -Full
        $demo = Join-Path $m.ModuleBase 'Samples' 'demo.pcap'
        [ordered]@{
            CmdletDll = (Get-Command Measure-FlowTopN).DLL
            EngineDll = [FlowForensics.Flows.FlowRecord].Assembly.Location
            Exported = $m.ExportedCmdlets.Count
            Synopsis = $help.Synopsis
            Examples = @($help.examples.example).Count
            View = ([FlowForensics.Flows.FlowRecord]::new() | Out-String -Width 200)
            Flows = @(Convert-PcapToFlow -LiteralPath $demo).Count
        } | ConvertTo-Json -Compress
        """;

    [Fact]
    public void Real_pwsh_loads_the_ReadyToRun_set_for_this_platform()
    {
        Dictionary<string, JsonElement> result = RunProbe(RepoPaths.ModuleManifest);
        string native = Path.Combine(RepoPaths.ModuleFolder, "bin", RepoPaths.PlatformName);
        Assert.Equal(Path.Combine(native, "FlowForensics.PowerShell.dll"), result["CmdletDll"].GetString());
        Assert.Equal(Path.Combine(native, "FlowForensics.dll"), result["EngineDll"].GetString());
        AssertWorks(result);
    }

    [Fact]
    public void Real_pwsh_falls_back_to_the_IL_set_when_this_platforms_folder_is_absent()
    {
        string copy = Path.Combine(Path.GetTempPath(), "flowforensics-loader-" + Guid.NewGuid().ToString("N"), "FlowForensics");
        try
        {
            CopyFolder(RepoPaths.ModuleFolder, copy);
            foreach (string set in Directory.GetDirectories(Path.Combine(copy, "bin")).Where(d => Path.GetFileName(d) != "il"))
            {
                Directory.Delete(set, recursive: true);
            }

            Dictionary<string, JsonElement> result = RunProbe(Path.Combine(copy, "FlowForensics.psd1"));
            string il = Path.Combine(copy, "bin", "il");
            Assert.Equal(Path.Combine(il, "FlowForensics.PowerShell.dll"), result["CmdletDll"].GetString());
            Assert.Equal(Path.Combine(il, "FlowForensics.dll"), result["EngineDll"].GetString());
            AssertWorks(result);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(copy)!, recursive: true);
        }
    }

    private static void AssertWorks(Dictionary<string, JsonElement> result)
    {
        Assert.Equal(12, result["Exported"].GetInt32());
        // The MAML file's synopsis, not the syntax-only help PowerShell makes up when it finds no help file.
        Assert.StartsWith("Ranks flows by a key", result["Synopsis"].GetString(), StringComparison.Ordinal);
        Assert.True(result["Examples"].GetInt32() >= 2, "Get-Help -Full shows the MAML examples");
        Assert.Contains("Date first seen", result["View"].GetString(), StringComparison.Ordinal);
        Assert.True(result["Flows"].GetInt32() > 0, "Convert-PcapToFlow read the ModuleBase-relative demo capture");
    }

    private static Dictionary<string, JsonElement> RunProbe(string manifest)
    {
        RealPwsh.Result run = RealPwsh.Run(TimeSpan.FromMinutes(2),
            new Dictionary<string, string> { ["FLOWFORENSICS_PROBE_MODULE"] = manifest }, "-Command", Probe);
        Assert.True(run.ExitCode == 0, run.ToString());
        string json = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        return JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (string dir in Directory.GetDirectories(from)) CopyFolder(dir, Path.Combine(to, Path.GetFileName(dir)));
    }
}
