using System.Diagnostics;

namespace FlowForensics.Tests.Differential;

/// <summary>Runs Debian's nfdump tools (or any program) with TZ=UTC, capturing stdout and stderr.</summary>
internal static class NfdumpTool
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Runs and returns the result whatever the exit code.</summary>
    public static Result Run(string program, IReadOnlyList<string> arguments, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        psi.Environment["TZ"] = "UTC";
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"Cannot start {program}.");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout ?? DefaultTimeout))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish within {timeout ?? DefaultTimeout}.");
        }
        p.WaitForExit();
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs and throws, with stderr, on a non-zero exit code.</summary>
    public static string RunChecked(string program, IReadOnlyList<string> arguments, TimeSpan? timeout = null)
    {
        var r = Run(program, arguments, timeout);
        if (r.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {r.ExitCode}: {r.StdErr}{r.StdOut}");
        return r.StdOut;
    }
}
