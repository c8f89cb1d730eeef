using System.Management.Automation;
using FlowForensics.Storage.Nfcapd;

namespace FlowForensics.PowerShell.Infrastructure;

/// <summary>
/// A cmdlet that produces flows (Convert-PcapToFlow, Start-FlowCollector): the -OutputDirectory parameters that write
/// them to rotated nfcapd files (see <see cref="FlowFileOutput"/>), -PassThru, -Force and -Filter, declared once.
/// </summary>
public abstract class FlowProducerCmdlet : FlowCmdlet
{
    /// <summary>Writes the flows to nfcapd files in this directory (nfcapd.YYYYMMDDhhmm, one per -RotateEvery slot, by flow start) instead of the pipeline.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? OutputDirectory { get; set; }

    /// <summary>The time slot of each nfcapd file, by flow start (nfcapd -t; default 5 minutes).</summary>
    [Parameter]
    [FlowDurationTransformation]
    public TimeSpan RotateEvery { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Block compression of the nfcapd files (default LZ4, as nfcapd -z=lz4).</summary>
    [Parameter]
    public NfcapdCompression Compression { get; set; } = NfcapdCompression.Lz4;

    /// <summary>With -OutputDirectory, also writes the flows to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>With -OutputDirectory, replaces nfcapd files that exist.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Only flows matching this nfdump filter are output (to the pipeline and to -OutputDirectory).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(Completers.FlowFilterCompleter))]
    public string? Filter { get; set; }

    /// <summary>The nfcapd output for -OutputDirectory, or null (see <see cref="FlowFileOutput.Open"/>).</summary>
    /// <remarks>From here on SIGTERM and SIGHUP stop the cmdlet like Ctrl+C (see <see cref="FlowCmdlet.StopOnTerminationSignals"/>).</remarks>
    private protected FlowFileOutput? OpenFlowFileOutput(string action, out bool declined)
    {
        StopOnTerminationSignals();
        return FlowFileOutput.Open(this, OutputDirectory, RotateEvery, Compression, Force, PassThru, action, out declined);
    }
}
