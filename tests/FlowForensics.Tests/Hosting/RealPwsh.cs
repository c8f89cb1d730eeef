using System.Diagnostics;
using System.Text;

namespace FlowForensics.Tests.Hosting;

/// <summary>
/// Real pwsh, the PowerShell tool pinned in .config/dotnet-tools.json (<c>dotnet tool restore</c> installs it), run
/// as a child process from the repository root, the way the README and CI run it.
/// </summary>
internal static class RealPwsh
{
    /// <summary>What a pwsh run printed and how it ended.</summary>
    internal sealed record Result(int ExitCode, string Output, string Error)
    {
        public override string ToString() => $"exit code {ExitCode}{Environment.NewLine}{Output}{Environment.NewLine}{Error}";
    }

    /// <summary>Runs <c>dotnet pwsh -NoProfile -NonInteractive</c> with the arguments; kills it after the timeout.</summary>
    public static Result Run(TimeSpan timeout, params string[] arguments) => Run(timeout, new Dictionary<string, string>(), arguments);

    /// <summary>The same, with variables added to the child's environment.</summary>
    public static Result Run(TimeSpan timeout, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = RepoPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (string a in (string[])["pwsh", "-NoProfile", "-NonInteractive", .. arguments])
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["NO_COLOR"] = "1";   // plain text to assert on
        psi.Environment["FLOWFORENSICS_MODULE"] = RepoPaths.ModuleManifest;
        foreach ((string name, string value) in environment)
        {
            psi.Environment[name] = value;
        }
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("dotnet did not start.");
        process.StandardInput.Close();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet pwsh {string.Join(' ', arguments)} did not end within {timeout}.");
        }

        var result = new Result(process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
        if (result.ExitCode != 0 && result.Error.Contains("dotnet tool restore", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("Real pwsh is not installed: run 'dotnet tool restore' in the repository first." + Environment.NewLine + result);
        }

        return result;
    }
}
