using System.Diagnostics;

namespace FlowForensics.Tests.Differential;

/// <summary>Runs Debian's nfdump tools (nfdump, nfpcapd) with TZ=UTC; throws with stderr on a non-zero exit.</summary>
internal static class NfdumpTool
{
    public static string Run(string program, IEnumerable<string> arguments, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in arguments) psi.ArgumentList.Add(a);
        psi.Environment["TZ"] = "UTC";
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {program}.");
        var stderrTask = process.StandardError.ReadToEndAsync();
        var stdoutTask = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit((int)(timeout ?? TimeSpan.FromMinutes(2)).TotalMilliseconds))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', psi.ArgumentList)} did not finish in time.");
        }
        process.WaitForExit();
        string stdout = stdoutTask.GetAwaiter().GetResult();
        string stderr = stderrTask.GetAwaiter().GetResult();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', psi.ArgumentList)} exited {process.ExitCode}: {Truncate(stderr)}");
        return stdout;
    }

    private static string Truncate(string s) => s.Length <= 2000 ? s : s[..2000] + "...";
}
