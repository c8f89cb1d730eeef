using System.Diagnostics;

namespace FlowForensics.Tests.Differential;

/// <summary>Runs Debian's nfdump tools (or any program) with TZ=UTC, captures output, enforces a timeout.</summary>
internal static class NfdumpTool
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    public static string Nfdump => "/usr/bin/nfdump";
    public static string Nfpcapd => "/usr/bin/nfpcapd";

    /// <summary>Runs and throws (with stderr) on a non-zero exit.</summary>
    public static string Run(string program, params string[] arguments) => Run(program, TimeSpan.FromMinutes(5), arguments).StdOut;

    public static Result Run(string program, TimeSpan timeout, params string[] arguments)
    {
        var r = RunUnchecked(program, timeout, arguments);
        if (r.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited {r.ExitCode}: {r.StdErr}");
        return r;
    }

    public static Result RunUnchecked(string program, TimeSpan timeout, params string[] arguments)
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        psi.Environment["TZ"] = "UTC";
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {program}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish within {timeout}");
        }
        p.WaitForExit();
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }
}
