using System.Diagnostics;
using System.Management.Automation;
using FlowForensics.Tests.Hosting;
using Xunit;

namespace FlowForensics.Tests.Module;

/// <summary>The harness itself: streams, errors, rendering and stopping, shown with the language alone.</summary>
public sealed class PsSessionTests
{
    private const string StreamsFunction = """
        function Test-Streams {
            [CmdletBinding()]
            param([int] $Count = 2)
            for ($i = 1; $i -le $Count; $i++) {
                $PSCmdlet.WriteVerbose("verbose $i")
                $PSCmdlet.WriteProgress([System.Management.Automation.ProgressRecord]::new(1, 'Working', "item $i"))
                $i
            }
            $PSCmdlet.WriteWarning('careful')
            $e = [System.Management.Automation.ErrorRecord]::new([System.IO.FileNotFoundException]::new('no such file'), 'Test.NotFound', 'ObjectNotFound', 'x.pcap')
            $PSCmdlet.WriteError($e)
            'after the error'
        }
        """;

    [Fact]
    public void Streams_and_non_terminating_errors_are_kept_per_invocation()
    {
        using PsSession s = PsSession.Bare();
        PSObject[] output = [.. s.Invoke(StreamsFunction + "\nTest-Streams -Count 3 -Verbose")];

        Assert.Equal([1, 2, 3, "after the error"], output.Select(o => o.BaseObject));
        Assert.Equal(["verbose 1", "verbose 2", "verbose 3"], s.Verbose.Select(v => v.Message));
        Assert.Equal("careful", Assert.Single(s.Warnings).Message);
        Assert.Equal(3, s.Progress.Count);
        ErrorRecord error = Assert.Single(s.Errors);
        Assert.Equal("Test.NotFound,Test-Streams", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Equal("x.pcap", error.TargetObject);
        Assert.True(s.HadErrors);

        // The next invocation starts clean.
        s.Invoke("1 + 1");
        Assert.Empty(s.Errors);
        Assert.Empty(s.Verbose);
        Assert.False(s.HadErrors);
    }

    [Fact]
    public void Verbose_is_off_unless_asked_for()
    {
        using PsSession s = PsSession.Bare();
        s.Invoke(StreamsFunction + "\nTest-Streams -Count 2");
        Assert.Empty(s.Verbose);
        Assert.Empty(s.Host.Capture.VerboseLines);
    }

    [Fact]
    public void Out_Default_renders_plain_text_at_the_host_width()
    {
        using PsSession s = PsSession.Bare(width: 120);
        string text = s.Render("[pscustomobject]@{ Name = 'alpha'; Bytes = 1234 }, [pscustomobject]@{ Name = 'beta'; Bytes = 5 }");
        Assert.DoesNotContain("\u001b", text, StringComparison.Ordinal);
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^Name\s+Bytes$", lines[0].TrimEnd());
        Assert.Matches(@"^alpha\s+1234$", lines[2].TrimEnd());
        Assert.Matches(@"^beta\s+5$", lines[3].TrimEnd());
        Assert.Equal(120, s.Host.Capture.Width);
    }

    [Fact]
    public void Errors_written_with_Out_Default_are_rendered_as_error_lines()
    {
        using PsSession s = PsSession.Bare();
        s.Invoke(StreamsFunction + "\nTest-Streams -Count 1 2>&1 | Out-Default");
        Assert.Contains(s.Host.Capture.ErrorLines, l => l.Contains("no such file", StringComparison.Ordinal));
    }

    [Fact]
    public void A_statement_terminating_error_in_a_script_lands_in_the_error_stream()
    {
        using PsSession s = PsSession.Bare();
        PSObject[] output = [.. s.Invoke("Get-Module -Name $null; 'went on'")];
        Assert.Equal("went on", Assert.Single(output).BaseObject);
        Assert.StartsWith("ParameterArgumentValidationError", Assert.Single(s.Errors).FullyQualifiedErrorId, StringComparison.Ordinal);
    }

    [Fact]
    public void Stop_ends_a_running_pipeline_and_the_runspace_stays_usable()
    {
        using PsSession s = PsSession.Bare();
        RunningScript run = s.BeginInvoke("$i = 0; try { while ($true) { $i++; $i; [System.Threading.Thread]::Sleep(10) } } finally { $global:cleanedUp = $true }");
        Assert.True(run.WaitForOutput(3, TimeSpan.FromSeconds(30)), "the script produced no output");

        var watch = Stopwatch.StartNew();
        run.Stop();
        watch.Stop();

        Assert.Equal(PSInvocationState.Stopped, run.State);
        Assert.Throws<PipelineStoppedException>(() => run.End());
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"Stop took {watch.Elapsed}");
        Assert.Equal(true, s.Invoke("$global:cleanedUp")[0].BaseObject);
        Assert.Equal(2, s.Invoke("1 + 1")[0].BaseObject);
    }

    [Fact]
    public void A_fresh_session_is_cheap_after_the_first()
    {
        using (PsSession.WithModule())
        {
        }

        var watch = Stopwatch.StartNew();
        const int Sessions = 5;
        for (int i = 0; i < Sessions; i++)
        {
            using PsSession s = PsSession.WithModule();
            Assert.Equal(3, s.Invoke("1 + 2")[0].BaseObject);
        }

        // Generous bound for a shared 2-core machine; measured about 30-60 ms each when idle.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(Sessions * 1.5), $"{Sessions} sessions took {watch.Elapsed}");
    }

    [Fact]
    public void The_hosted_engine_lacks_the_utility_cmdlets()
    {
        // The premise of the shim and of the static command check: if this changes, revisit both.
        using PsSession s = PsSession.Bare();
        PSObject[] names = [.. s.Invoke("(Get-Command Sort-Object, Where-Object, ForEach-Object, Export-Csv -ErrorAction SilentlyContinue).Name")];
        Assert.Equal(["Where-Object", "ForEach-Object"], names.Select(n => (string)n.BaseObject).Order(StringComparer.Ordinal).Reverse());
    }
}
