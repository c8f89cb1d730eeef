using System.Management.Automation;
using FlowForensics.Flows;
using FlowForensics.Storage;
using FlowForensics.Storage.Nfcapd;

namespace FlowForensics.PowerShell.Infrastructure;

/// <summary>
/// -OutputDirectory for the cmdlets that produce flows (Convert-PcapToFlow, Start-FlowCollector): rotated nfcapd
/// files, one per -RotateEvery slot, each written under a temporary name and renamed when complete. Write failures
/// become terminating errors (OutputExists naming the file and -Force, OutputWriteFailed); after a stop,
/// <see cref="SaveOnStop"/> completes the files without touching the stopped pipeline.
/// </summary>
internal sealed class FlowFileOutput : IDisposable
{
    private readonly PSCmdlet _cmdlet;
    private readonly string _directory;
    private RotatingNfcapdWriter? _writer;

    private FlowFileOutput(PSCmdlet cmdlet, string directory, RotatingNfcapdWriter writer)
    {
        _cmdlet = cmdlet;
        _directory = directory;
        _writer = writer;
    }

    /// <summary>
    /// Opens the output when <paramref name="outputDirectory"/> is given and ShouldProcess agrees; null otherwise
    /// (<paramref name="declined"/> tells -WhatIf or a No apart from no -OutputDirectory, which warns about
    /// -PassThru/-Force/-RotateEvery/-Compression given without it).
    /// </summary>
    public static FlowFileOutput? Open(PSCmdlet cmdlet, string? outputDirectory, TimeSpan rotateEvery, NfcapdCompression compression,
        bool force, bool passThru, string action, out bool declined)
    {
        declined = false;
        if (outputDirectory is null)
        {
            var bound = cmdlet.MyInvocation.BoundParameters;
            if (passThru || force || bound.ContainsKey("RotateEvery") || bound.ContainsKey("Compression"))
                cmdlet.WriteWarning("-PassThru, -Force, -RotateEvery and -Compression apply only with -OutputDirectory.");
            return null;
        }
        if (rotateEvery < TimeSpan.FromMinutes(1) || rotateEvery > TimeSpan.FromDays(1) || TimeSpan.FromDays(1).Ticks % rotateEvery.Ticks != 0)
            cmdlet.ThrowTerminatingError(new ErrorRecord(new ArgumentOutOfRangeException(nameof(rotateEvery), rotateEvery,
                "-RotateEvery must be between one minute and one day and divide a day evenly (like nfcapd -t), e.g. 00:05:00 or 01:00:00."),
                ErrorIds.RotateEveryInvalid, ErrorCategory.InvalidArgument, rotateEvery));
        string directory = cmdlet.GetUnresolvedProviderPathFromPSPath(outputDirectory);
        if (!cmdlet.ShouldProcess(directory, $"{action} ({compression}, one per {rotateEvery})"))
        {
            declined = true;
            return null;
        }
        try
        {
            // Files a killed run left under temporary names are completed first (their blocks are readable; see NfcapdRecovery).
            foreach (var recovered in NfcapdRecovery.RecoverFolder(directory))
                cmdlet.WriteWarning($"Recovery: {recovered.TempPath}, left by a process that was killed: {recovered.Outcome}.");
            return new FlowFileOutput(cmdlet, directory, new RotatingNfcapdWriter(directory, rotateEvery, compression, ident: "FlowForensics", overwrite: force));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            cmdlet.ThrowTerminatingError(new ErrorRecord(ex, ErrorIds.OutputWriteFailed, ErrorCategory.WriteError, directory));
            throw;   // not reached: ThrowTerminatingError always throws
        }
    }

    /// <summary>One flow into its slot's file.</summary>
    public void Accept(FlowRecord flow)
    {
        var writer = _writer ?? throw new ObjectDisposedException(nameof(FlowFileOutput));
        try
        {
            writer.Accept(flow);
        }
        catch (OutputFileExistsException ex)
        {
            _cmdlet.ThrowTerminatingError(new ErrorRecord(ex, ErrorIds.OutputExists, ErrorCategory.ResourceExists, ex.Path)
            {
                ErrorDetails = new ErrorDetails($"{ex.Path} exists. Use -Force to overwrite it, or another -OutputDirectory."),
            });
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            ThrowWriteFailed(ex);
        }
    }

    /// <summary>
    /// A write failed (a full disk, a vanished folder): the open files are completed with the blocks already in them
    /// (no temporary file is left), and the cmdlet stops with OutputWriteFailed saying what was kept and lost. It
    /// stops rather than receive on: every later write would fail too, and a stopped collector is what monitoring
    /// (systemd, docker) sees and restarts once there is room, where one that only counts losses loses them quietly.
    /// </summary>
    private void ThrowWriteFailed(Exception ex)
    {
        var writer = _writer;
        long lost = writer?.Salvage() ?? 0;
        var kept = writer?.FilesWritten ?? [];
        Dispose();
        _cmdlet.ThrowTerminatingError(new ErrorRecord(ex, ErrorIds.OutputWriteFailed, ErrorCategory.WriteError, _directory)
        {
            ErrorDetails = new ErrorDetails($"Writing to {_directory} failed: {ex.Message} The blocks already written were kept " +
                $"({kept.Count} file(s) completed: {string.Join(", ", kept.Select(Path.GetFileName))}); {lost:N0} flow(s) not yet written were lost."),
        });
    }

    /// <summary>Completes every open file, says which were written (-Verbose), and returns them.</summary>
    public string[] Complete()
    {
        var writer = _writer ?? throw new ObjectDisposedException(nameof(FlowFileOutput));
        try
        {
            writer.Complete();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            ThrowWriteFailed(ex);
        }
        var files = new string[writer.FilesWritten.Count];
        for (int i = 0; i < files.Length; i++)
        {
            files[i] = writer.FilesWritten[i];
            _cmdlet.WriteVerbose($"Wrote {files[i]}");
        }
        if (writer.LateFlows > 0)
            _cmdlet.WriteVerbose($"{writer.LateFlows:N0} flows started in a slot whose file was already closed; they went into the next open file.");
        Dispose();
        return files;
    }

    /// <summary>
    /// After Ctrl+C or a terminating error: <paramref name="remaining"/> (flows still held) go into the files and the
    /// files are completed, so nothing read is lost. Nothing is written to the pipeline; a write failure here is
    /// swallowed, because the stop or the original error is what the user sees.
    /// </summary>
    public void SaveOnStop(IEnumerable<FlowRecord> remaining)
    {
        var writer = _writer;
        if (writer is null) return;
        try
        {
            foreach (var flow in remaining) writer.Accept(flow);
            writer.Complete();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // the blocks already written are kept; nothing temporary is left
            writer.Salvage();
        }
        finally
        {
            Dispose();
        }
    }

    public void Dispose()
    {
        _writer?.Dispose();
        _writer = null;
    }
}
