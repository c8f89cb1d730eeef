using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace FlowForensics.Tests.Capture;

/// <summary>Runs the real tcpdump (installed at /usr/bin) to read a capture's packet timestamps.</summary>
internal static partial class TcpdumpRunner
{
    public sealed record Result(int ExitCode, List<long> NanosecondTimestamps, string StandardError);

    /// <summary>Stands for a packet whose time tcpdump could not print ("[Error converting time]").</summary>
    public const long UnconvertibleTime = long.MinValue;

    /// <summary>Packet timestamps (ns since the epoch) of every packet tcpdump prints with <c>-tt --nano</c>.</summary>
    public static Result ReadTimestamps(string path)
    {
        var psi = new ProcessStartInfo("tcpdump")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in new[] { "-r", path, "-nn", "-tt", "--nano", "-q" }) psi.ArgumentList.Add(a);
        psi.Environment["TZ"] = "UTC";
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start tcpdump");
        var stderr = process.StandardError.ReadToEndAsync();
        var stamps = new List<long>();
        string? line;
        while ((line = process.StandardOutput.ReadLine()) is not null)
        {
            var m = PacketLine().Match(line);
            if (line.StartsWith("[Error converting time] ", StringComparison.Ordinal))
                stamps.Add(UnconvertibleTime);
            else if (m.Success)
                stamps.Add(long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) * 1_000_000_000
                    + long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
        }
        if (!process.WaitForExit(60_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"tcpdump did not finish reading {path} in 60 s");
        }
        return new Result(process.ExitCode, stamps, stderr.GetAwaiter().GetResult());
    }

    [GeneratedRegex(@"^(\d{1,12})\.(\d{9}) ")]
    private static partial Regex PacketLine();
}
