using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace FlowForensics.Tests.Differential;

/// <summary>
/// An external program (softflowd, nfreplay, nfcapd) run by a live test: stdout and stderr are drained asynchronously
/// into buffers (so a chatty program never blocks on a full pipe), every wait has a limit, and on the limit the process
/// tree is killed and the test fails with what the program wrote. Disposing kills a process still running.
/// </summary>
internal sealed class ExporterProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new(), _stderr = new();
    private readonly string _commandLine;

    private ExporterProcess(string program, IReadOnlyList<string> arguments)
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        foreach (string a in arguments) psi.ArgumentList.Add(a);
        psi.Environment["TZ"] = "UTC";
        _commandLine = program + " " + string.Join(' ', arguments);
        _process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_stdout) _stdout.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_stderr) _stderr.AppendLine(e.Data); };
        if (!_process.Start()) throw new InvalidOperationException($"Cannot start {_commandLine}.");
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public static ExporterProcess Start(string program, params string[] arguments) => new(program, arguments);

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public string StdOut { get { lock (_stdout) return _stdout.ToString(); } }

    public string StdErr { get { lock (_stderr) return _stderr.ToString(); } }

    /// <summary>The command line and everything it wrote, for a failure message.</summary>
    public string Describe() => $"{_commandLine}\n--- stdout ---\n{Tail(StdOut)}\n--- stderr ---\n{Tail(StdErr)}";

    /// <summary>
    /// Waits for the exit, calling <paramref name="whileRunning"/> about every 50 ms meanwhile (softflowd -r needs its
    /// control socket poked); on <paramref name="timeout"/> kills the tree and throws with the output. Returns the exit code.
    /// </summary>
    public int WaitForExit(TimeSpan timeout, Action? whileRunning = null)
    {
        var clock = Stopwatch.StartNew();
        while (!_process.WaitForExit(50))
        {
            if (clock.Elapsed > timeout)
            {
                Kill();
                throw new TimeoutException($"Did not finish within {timeout}: {Describe()}");
            }
            whileRunning?.Invoke();
        }
        _process.WaitForExit(); // drains the asynchronous readers
        return _process.ExitCode;
    }

    /// <summary>Sends SIGTERM (a daemon's clean stop: nfcapd closes its file) and waits; kills on timeout and throws.</summary>
    public int Terminate(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", Id.ToString(CultureInfo.InvariantCulture)]);
            kill?.WaitForExit(10_000);
        }
        return WaitForExit(timeout);
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
        }
    }

    private static string Tail(string s) => s.Length <= 4000 ? s : "..." + s[^4000..];

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
