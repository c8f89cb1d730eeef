using System.Management.Automation;

namespace FlowForensics.PowerShell.Infrastructure;

/// <summary>
/// Base of every FlowForensics cmdlet: owns the cancellation token that StopProcessing (Ctrl+C,
/// Select-Object -First upstream) cancels, and frees resources in Dispose, which the engine calls even
/// when EndProcessing is skipped.
/// </summary>
public abstract class FlowCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _cancel = new();
    private bool _disposed;

    /// <summary>Cancelled when the pipeline is stopped.</summary>
    protected CancellationToken CancelToken => _cancel.Token;

    protected override void StopProcessing() => _cancel.Cancel();

    /// <summary>Throws PipelineStoppedException when stopped, so loops end at once.</summary>
    protected void ThrowIfStopping()
    {
        if (_cancel.IsCancellationRequested) throw new PipelineStoppedException();
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        DisposeResources();
        _cancel.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Close files and sockets here; called once, also after Ctrl+C.</summary>
    protected virtual void DisposeResources()
    {
    }
}
