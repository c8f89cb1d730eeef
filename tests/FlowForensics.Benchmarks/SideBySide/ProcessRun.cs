using System.Diagnostics;
using System.Globalization;

namespace FlowForensics.Benchmarks.SideBySide;

/// <summary>One whole-process run measured by GNU time: wall seconds, peak resident memory and CPU seconds (user + system).</summary>
internal sealed record ProcessRun(string Label, double WallSeconds, long PeakRssKiB, string Stdout, double CpuSeconds = 0)
{
    /// <summary>Runs <paramref name="fileName"/> under <c>/usr/bin/time -f "%e %M %U %S"</c> and fails loudly on a non-zero exit.</summary>
    public static ProcessRun Measure(string label, string fileName, IEnumerable<string> arguments, string? stdoutFile = null, string? workingDirectory = null)
    {
        string timeFile = Path.GetTempFileName();
        var psi = new ProcessStartInfo("/usr/bin/time")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? string.Empty,
        };
        psi.ArgumentList.Add("-o");
        psi.ArgumentList.Add(timeFile);
        psi.ArgumentList.Add("-f");
        psi.ArgumentList.Add("%e %M %U %S");
        psi.ArgumentList.Add(fileName);
        foreach (string a in arguments) psi.ArgumentList.Add(a);
        psi.Environment["TZ"] = "UTC";
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {fileName}");
        var stderrTask = p.StandardError.ReadToEndAsync();
        string stdout;
        if (stdoutFile is null)
        {
            stdout = p.StandardOutput.ReadToEnd();
        }
        else
        {
            using (var f = File.Create(stdoutFile)) p.StandardOutput.BaseStream.CopyTo(f);
            stdout = string.Empty;
        }
        p.WaitForExit();
        string stderr = stderrTask.Result;
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{label}: {fileName} exited {p.ExitCode}: {stderr}");
        string[] parts = File.ReadAllText(timeFile).Trim().Split('\n')[^1].Split(' ');
        File.Delete(timeFile);
        return new ProcessRun(label,
            double.Parse(parts[0], CultureInfo.InvariantCulture),
            long.Parse(parts[1], CultureInfo.InvariantCulture),
            stdout,
            double.Parse(parts[2], CultureInfo.InvariantCulture) + double.Parse(parts[3], CultureInfo.InvariantCulture));
    }
}
