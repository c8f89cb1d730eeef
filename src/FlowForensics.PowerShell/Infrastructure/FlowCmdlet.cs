using System.Management.Automation;
using System.Runtime.InteropServices;

namespace FlowForensics.PowerShell.Infrastructure;

/// <summary>
/// Base of every FlowForensics cmdlet: owns the cancellation token that StopProcessing (Ctrl+C,
/// Select-Object -First upstream) cancels, and frees resources in Dispose, which the engine calls even
/// when EndProcessing is skipped.
/// </summary>
public abstract class FlowCmdlet : PSCmdlet, IDisposable
{
    /// <summary>How long a SIGTERM or SIGHUP waits for the cmdlet to save what it holds before the process ends anyway.</summary>
    internal static readonly TimeSpan SignalSaveTimeout = TimeSpan.FromSeconds(30);

    private readonly CancellationTokenSource _cancel = new();
    private readonly ManualResetEventSlim _finished = new();
    private List<PosixSignalRegistration>? _signals;
    private bool _disposed;

    /// <summary>Cancelled when the pipeline is stopped.</summary>
    protected CancellationToken CancelToken => _cancel.Token;

    protected override void StopProcessing() => _cancel.Cancel();

    /// <summary>Throws PipelineStoppedException when stopped, so loops end at once.</summary>
    protected void ThrowIfStopping()
    {
        if (_cancel.IsCancellationRequested) throw new PipelineStoppedException();
    }

    /// <summary>
    /// Makes SIGTERM and SIGHUP (what systemd, <c>docker stop</c>, <c>kill</c> and a closed terminal send) act like
    /// Ctrl+C for this cmdlet: the token is cancelled, the cmdlet saves what it holds as after Ctrl+C, and only when it
    /// has finished (or after <see cref="SignalSaveTimeout"/>) does the process end as the signal asks. Without this
    /// the runtime ends the process at once and flows held in memory are lost. Unix only; undone in <see cref="Dispose"/>.
    /// </summary>
    private protected void StopOnTerminationSignals()
    {
        if (_signals is not null || OperatingSystem.IsWindows()) return;
        _signals = [];
        foreach (var signal in (ReadOnlySpan<PosixSignal>)[PosixSignal.SIGTERM, PosixSignal.SIGHUP])
        {
            try
            {
                _signals.Add(PosixSignalRegistration.Create(signal, OnTerminationSignal));
            }
            catch (PlatformNotSupportedException)
            {
                // not on this platform: the signal keeps its default action
            }
        }
    }

    private void OnTerminationSignal(PosixSignalContext context)
    {
        try
        {
            _cancel.Cancel();
        }
        catch (ObjectDisposedException)
        {
            return;   // the cmdlet is done: nothing held, the default action ends the process
        }
        // Runs on the runtime's signal thread: waiting here holds the default action (process exit) back until the
        // cmdlet has completed its files on the pipeline thread.
        _finished.Wait(SignalSaveTimeout);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            DisposeResources();
        }
        finally
        {
            if (_signals is not null)
                foreach (var registration in _signals) registration.Dispose();
            _finished.Set();
            _cancel.Dispose();
        }
        GC.SuppressFinalize(this);
    }

    /// <summary>Close files and sockets here; called once, also after Ctrl+C.</summary>
    protected virtual void DisposeResources()
    {
    }
}
