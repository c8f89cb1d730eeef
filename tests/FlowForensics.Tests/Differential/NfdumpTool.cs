using System.Diagnostics;

namespace FlowForensics.Tests.Differential;

/// <summary>Runs Debian's nfdump tools (or any program) with TZ=UTC, capturing stdout and stderr, within a timeout.</summary>
internal static class NfdumpTool
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    public const string Nfdump = "/usr/bin/nfdump";
    public const string Nfpcapd = "/usr/bin/nfpcapd";

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(2);

    /// <summary>Runs and returns the result whatever the exit code.</summary>
    public static Result Run(string program, IEnumerable<string> arguments, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in arguments) psi.ArgumentList.Add(a);
        psi.Environment["TZ"] = "UTC";
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"Cannot start {program}.");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        TimeSpan limit = timeout ?? DefaultTimeout;
        if (!p.WaitForExit(limit))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', psi.ArgumentList)} did not finish within {limit}.");
        }
        p.WaitForExit();
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs and throws, with stderr, on a non-zero exit code; returns stdout.</summary>
    public static string RunChecked(string program, IEnumerable<string> arguments, TimeSpan? timeout = null)
    {
        var r = Run(program, arguments, timeout);
        if (r.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {r.ExitCode}: {Truncate(r.StdErr + r.StdOut)}");
        return r.StdOut;
    }

    private static string Truncate(string s) => s.Length <= 2000 ? s : s[..2000] + "...";
}
