using System.Diagnostics;
using FlowForensics.Tests.PesterHost;
using Xunit;

namespace FlowForensics.Tests.Module;

/// <summary>The console host (src/FlowForensics.Host) run as a process, as a user without pwsh runs it.</summary>
public sealed class HostTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public void Help_prints_usage()
    {
        HostRun r = RunHost(["-Help"]);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("-Command", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("-File", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("FLOWFORENSICS_MODULE", r.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Command_renders_module_types_through_their_format_view()
    {
        const string script = """
            $r = [FlowForensics.Flows.FlowRecord]::new()
            $r.SrcAddr = [System.Net.IPAddress]::Parse('10.9.8.7'); $r.SrcPort = 5353
            $r.DstAddr = [System.Net.IPAddress]::Parse('10.1.2.3'); $r.DstPort = 53
            $r.Protocol = 17; $r.Bytes = 777
            $r
            'bytes=' + $r.byt
            """;
        HostRun r = RunHost(["-Command", script]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(string.Empty, r.Stderr);
        Assert.DoesNotContain("\u001b", r.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^Date first seen\s+Duration\s+Proto\s+Src IP Addr:Port\s+Dst IP Addr:Port\s+Flags\s+Packets\s+Bytes\s+Flows\s*$", r.Stdout);
        Assert.Matches(@"(?m)\s10\.9\.8\.7:5353 -> 10\.1\.2\.3:53\s.*\s777\s+1\s*$", r.Stdout);
        Assert.Contains("bytes=777", r.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Redirected_output_is_160_columns_wide()
    {
        HostRun r = RunHost(["-Command", "$Host.UI.RawUI.BufferSize.Width"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("160", r.Stdout.Trim());
    }

    [Fact]
    public void An_error_goes_to_stderr_like_pwsh_and_exits_1()
    {
        HostRun r = RunHost(["-Command", "'before'; Get-NoSuchThing; 'after'"]);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("Get-NoSuchThing: The term 'Get-NoSuchThing' is not recognized", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Get-NoSuchThing", r.Stdout, StringComparison.Ordinal);
        Assert.Equal(["before", "after"], Lines(r.Stdout));
    }

    [Fact]
    public void A_terminating_throw_exits_1()
    {
        HostRun r = RunHost(["-Command", "throw 'deliberate host failure'"]);
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.True(r.Stderr.Contains("deliberate host failure", StringComparison.Ordinal), r.ToString());
    }

    [Fact]
    public void A_script_on_stdin_runs_and_its_exit_code_is_kept()
    {
        const string script = """
            $total = 0
            foreach ($n in 1..4) { $total += $n }
            "total=$total"
            exit 7
            """;
        HostRun r = RunHost([], stdin: script);
        Assert.Equal(7, r.ExitCode);
        Assert.Equal(["total=10"], Lines(r.Stdout));
    }

    [Fact]
    public void File_runs_a_script_with_named_and_positional_arguments()
    {
        string dir = Directory.CreateTempSubdirectory("ffhost-").FullName;
        try
        {
            string path = Path.Combine(dir, "greet.ps1");
            File.WriteAllText(path, """
                param([string] $Name, [int] $Count = 1, [string] $Tail)
                foreach ($i in 1..$Count) { "hello $Name $i" }
                "tail=$Tail"
                "module=$((Get-Module FlowForensics).Name)"
                """);
            HostRun r = RunHost(["-File", path, "-Name", "flows", "-Count", "2", "it's positional"]);
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Equal(["hello flows 1", "hello flows 2", "tail=it's positional", "module=FlowForensics"], Lines(r.Stdout));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_missing_module_is_reported_with_where_it_looked()
    {
        string missing = Path.Combine(Path.GetTempPath(), "no-such-folder-" + Guid.NewGuid().ToString("N"), "FlowForensics.psd1");
        HostRun r = RunHost(["-Command", "1"], module: missing);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("was not found", r.Stderr, StringComparison.Ordinal);
        Assert.Contains(missing, r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_option_is_rejected()
    {
        HostRun r = RunHost(["-Bogus"]);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("Unknown option '-Bogus'", r.Stderr, StringComparison.Ordinal);
    }

    private static string[] Lines(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    internal static string HostDll
    {
        get
        {
            // The same configuration as this test assembly (bin/<Configuration>/net10.0/).
            string configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
            string path = RepoPaths.Path("src", "FlowForensics.Host", "bin", configuration, "net10.0", "FlowForensics.Host.dll");
            Assert.True(File.Exists(path), $"The host is not built at {path}; the test project's ProjectReference should have built it.");
            return path;
        }
    }

    private static HostRun RunHost(string[] args, string? stdin = null, string? module = null)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(HostDll);
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["FLOWFORENSICS_MODULE"] = module ?? RepoPaths.ModuleManifest;
        using Process p = Process.Start(psi)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            p.StandardInput.Write(stdin);
        }

        p.StandardInput.Close();
        if (!p.WaitForExit(s_timeout))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"The host did not finish in {s_timeout}: {string.Join(' ', args)}");
        }

        return new HostRun(p.ExitCode, stdout.Result.Replace("\r\n", "\n", StringComparison.Ordinal), stderr.Result.Replace("\r\n", "\n", StringComparison.Ordinal));
    }

    private sealed record HostRun(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
    }
}
