using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace FlowForensics.Tests.Hosting;

/// <summary>
/// A fresh PowerShell runspace (CreateDefault2, the hosted engine's commands only) with a capture host
/// and, by default, the module imported from its built layout in out/FlowForensics.
/// Each <see cref="Invoke"/> runs one script in a new pipeline and keeps its streams until the next one.
/// </summary>
internal sealed class PsSession : IDisposable
{
    private readonly Runspace _runspace;
    private PowerShell? _last;

    private PsSession(Runspace runspace, CaptureHost host)
    {
        _runspace = runspace;
        Host = host;
    }

    /// <summary>The capture host: rendered text, width, host-side verbose/warning/progress.</summary>
    public CaptureHost Host { get; }

    /// <summary>What Out-Default and error rendering wrote to the host, as plain text.</summary>
    public string HostText => Host.Capture.Text;

    public Runspace Runspace => _runspace;

    /// <summary>Error records of the last invocation.</summary>
    public IReadOnlyList<ErrorRecord> Errors => [.. Last.Streams.Error];

    public IReadOnlyList<VerboseRecord> Verbose => [.. Last.Streams.Verbose];

    public IReadOnlyList<WarningRecord> Warnings => [.. Last.Streams.Warning];

    public IReadOnlyList<ProgressRecord> Progress => [.. Last.Streams.Progress];

    public IReadOnlyList<InformationRecord> Information => [.. Last.Streams.Information];

    /// <summary>True when the last invocation wrote an error (terminating or not).</summary>
    public bool HadErrors => Last.HadErrors;

    /// <summary>State of the last invocation (Completed, Stopped, Failed...).</summary>
    public PSInvocationState State => Last.InvocationStateInfo.State;

    private PowerShell Last => _last ?? throw new InvalidOperationException("Nothing was invoked yet.");

    /// <summary>A session with the built module imported.</summary>
    public static PsSession WithModule(int width = 160) => Create(RepoPaths.ModuleManifest, width);

    /// <summary>A session without the module (Pester specs import it themselves).</summary>
    public static PsSession Bare(int width = 160) => Create(null, width);

    private static PsSession Create(string? modulePath, int width)
    {
        var iss = InitialSessionState.CreateDefault2();
        if (OperatingSystem.IsWindows())
        {
            iss.ExecutionPolicy = Microsoft.PowerShell.ExecutionPolicy.Bypass;
        }

        if (modulePath is not null)
        {
            iss.ImportPSModule([modulePath]);
        }

        var host = new CaptureHost(width);
        Runspace runspace = RunspaceFactory.CreateRunspace(host, iss);
        runspace.Open();
        var session = new PsSession(runspace, host);
        if (modulePath is not null)
        {
            // ImportPSModule reports failures only as runspace-open errors; make them loud.
            Collection<PSObject> loaded = session.Invoke("Get-Module FlowForensics");
            if (loaded.Count != 1)
            {
                session.Dispose();
                throw new InvalidOperationException($"The module at '{modulePath}' did not import.");
            }
        }

        return session;
    }

    /// <summary>Set a global variable before running scripts.</summary>
    public void SetVariable(string name, object? value) => _runspace.SessionStateProxy.SetVariable(name, value);

    /// <summary>Run a script; returns its output objects. Terminating errors thrown by Invoke propagate.</summary>
    public Collection<PSObject> Invoke(string script)
    {
        PowerShell ps = NewPipeline();
        ps.AddScript(script);
        return ps.Invoke();
    }

    /// <summary>Run a script with named arguments bound to its param() block.</summary>
    public Collection<PSObject> Invoke(string script, IDictionary<string, object?> parameters)
    {
        PowerShell ps = NewPipeline();
        ps.AddScript(script);
        foreach (KeyValuePair<string, object?> p in parameters)
        {
            ps.AddParameter(p.Key, p.Value);
        }

        return ps.Invoke();
    }

    /// <summary>Run a script piped to Out-Default and return only the text it rendered.</summary>
    public string Render(string script)
    {
        Host.Capture.Clear();
        Invoke(script + " | Out-Default");
        return HostText;
    }

    /// <summary>Start a script asynchronously; output objects arrive in <see cref="RunningScript.Output"/>.</summary>
    public RunningScript BeginInvoke(string script)
    {
        PowerShell ps = NewPipeline();
        ps.AddScript(script);
        var output = new PSDataCollection<PSObject>();
        IAsyncResult handle = ps.BeginInvoke<PSObject, PSObject>(null, output);
        return new RunningScript(ps, output, handle);
    }

    private PowerShell NewPipeline()
    {
        _last?.Dispose();
        _last = PowerShell.Create();
        _last.Runspace = _runspace;
        return _last;
    }

    public void Dispose()
    {
        _last?.Dispose();
        _runspace.Dispose();
    }
}

/// <summary>A script started with BeginInvoke; Stop blocks until the pipeline has unwound.</summary>
internal sealed class RunningScript
{
    private readonly IAsyncResult _handle;

    internal RunningScript(PowerShell ps, PSDataCollection<PSObject> output, IAsyncResult handle)
    {
        PowerShell = ps;
        Output = output;
        _handle = handle;
    }

    public PowerShell PowerShell { get; }

    public PSDataCollection<PSObject> Output { get; }

    public PSInvocationState State => PowerShell.InvocationStateInfo.State;

    /// <summary>Wait until at least <paramref name="count"/> objects were written, or the timeout passes.</summary>
    public bool WaitForOutput(int count, TimeSpan timeout)
    {
        DateTime until = DateTime.UtcNow + timeout;
        while (Output.Count < count)
        {
            if (DateTime.UtcNow > until || _handle.IsCompleted && Output.Count < count) return Output.Count >= count;
            Thread.Sleep(5);
        }

        return true;
    }

    /// <summary>Stop the pipeline (the engine calls StopProcessing) and wait for it to unwind.</summary>
    public void Stop() => PowerShell.Stop();

    /// <summary>Wait for the end; returns the output, or throws what the pipeline threw (PipelineStoppedException after Stop).</summary>
    public PSDataCollection<PSObject> End()
    {
        PowerShell.EndInvoke(_handle);
        return Output;
    }
}
