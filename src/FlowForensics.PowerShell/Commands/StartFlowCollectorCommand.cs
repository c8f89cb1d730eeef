using System.Diagnostics;
using System.Management.Automation;
using System.Net;
using System.Net.Sockets;
using System.Text;
using FlowForensics.Export;
using FlowForensics.Files;
using FlowForensics.Flows;
using FlowForensics.PowerShell.Infrastructure;
using FlowForensics.Wire;

namespace FlowForensics.PowerShell.Commands;

/// <summary>What a Start-FlowCollector run received and wrote; written once at the end.</summary>
public sealed class FlowCollectorSummary
{
    public string ListenEndPoint { get; init; } = string.Empty;
    public TimeSpan Elapsed { get; init; }
    public long Datagrams { get; init; }
    public long Records { get; init; }
    /// <summary>Records that passed -Filter and went to the files and/or the pipeline.</summary>
    public long RecordsOutput { get; init; }
    public long Exporters { get; init; }
    public long Templates { get; init; }
    public long Malformed { get; init; }
    /// <summary>Malformed datagrams by reason, e.g. "TooShort=2; BadHeader=1" (empty when none).</summary>
    public string MalformedByReason { get; init; } = string.Empty;
    /// <summary>Malformed datagrams by exporter and reason, e.g. "192.0.2.1 TooShort=2; 192.0.2.9 BadHeader=1" (empty when none).</summary>
    public string MalformedByExporter { get; init; } = string.Empty;
    /// <summary>Records dropped because the queue to the pipeline thread was full.</summary>
    public long QueueDrops { get; init; }
    /// <summary>Datagrams received but dropped because the decode thread did not keep up (its backlog was full).</summary>
    public long BacklogDrops { get; init; }
    /// <summary>Datagrams dropped because their source is not in -AllowedExporter.</summary>
    public long RejectedDatagrams { get; init; }
    /// <summary>Records received but not output because -Count was reached first.</summary>
    public long RecordsBeyondCount { get; init; }
    /// <summary>How many nfcapd files were completed.</summary>
    public int FileCount { get; init; }
    /// <summary>The nfcapd files completed, separated by "; " (a flat value, so Export-Csv keeps it).</summary>
    public string FilesWritten { get; init; } = "";
}

/// <summary>
/// Receives NetFlow v5/v9, IPFIX and sFlow over UDP, writes the records to rotated nfcapd files and/or the pipeline,
/// until Ctrl+C, -Duration or -Count; then completes the files and writes a <see cref="FlowCollectorSummary"/>.
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "FlowCollector", SupportsShouldProcess = true, HelpUri = HelpLinks.CmdletPages + "Start-FlowCollector.md")]
[OutputType(typeof(FlowRecord), typeof(FlowCollectorSummary))]
public sealed class StartFlowCollectorCommand : FlowProducerCmdlet
{
    private static readonly TimeSpan StatusEvery = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan FaultCheckEvery = TimeSpan.FromSeconds(1);

    /// <summary>(exporter, reason) pairs already warned about, so each is told once when it first appears.</summary>
    private readonly HashSet<(string, ExportDecodeStatus)> _faultsWarned = new();
    private long _malformedSeen;

    /// <summary>UDP port (default 2055, as nfcapd); 0 lets the system choose (the port is in the verbose stream and the summary).</summary>
    [Parameter(Position = 0)]
    [ValidateRange(0, 65535)]
    public int Port { get; set; } = 2055;

    /// <summary>Address to listen on; default :: (every interface, IPv4 and IPv6). 127.0.0.1 or ::1 receive from this machine only.</summary>
    [Parameter]
    [ValidateNotNull]
    public IPAddress ListenAddress { get; set; } = IPAddress.IPv6Any;

    /// <summary>Stops after this long.</summary>
    [Parameter]
    [FlowDurationTransformation]
    public TimeSpan? Duration { get; set; }

    /// <summary>Stops after this many records were output (after -Filter).</summary>
    [Parameter]
    [ValidateRange(1, long.MaxValue)]
    public long Count { get; set; }

    /// <summary>Accepts datagrams only from these exporter addresses; others are dropped and counted.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public IPAddress[] AllowedExporter { get; set; } = [];

    /// <summary>Templates are loaded from this file at start when it exists, and saved to it at stop.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? TemplateFile { get; set; }

    /// <summary>Multiply each record's packets and bytes by its SamplingInterval before -Filter, the files and the pipeline (the scaled record's interval becomes 1).</summary>
    [Parameter]
    public SwitchParameter ScaleBySampling { get; set; }

    private Query.CompiledFilter? _filter;
    private FlowFileOutput? _output;
    private FlowCollector? _collector;
    private long _outputCount;

    protected override void BeginProcessing()
    {
        _filter = FlowFilterArgument.Compile(this, Filter);
        if (Duration is { } d && d <= TimeSpan.Zero)
            ThrowTerminatingError(new ErrorRecord(new ArgumentOutOfRangeException(nameof(Duration), d, "-Duration must be positive."),
                ErrorIds.DurationNotPositive, ErrorCategory.InvalidArgument, d));
    }

    protected override void EndProcessing()
    {
        if (!OpenOutput()) return;
        var decoder = new ExportDecoder();
        string? templatePath = TemplateFile is null ? null : GetUnresolvedProviderPathFromPSPath(TemplateFile);
        if (templatePath is not null && File.Exists(templatePath)) LoadTemplates(decoder, templatePath);

        _collector = new FlowCollector(new FlowCollectorOptions
        {
            Port = Port,
            ListenAddress = ListenAddress,
            AllowedExporters = AllowedExporter,
        }, decoder);
        try
        {
            _collector.Start();
        }
        catch (SocketException ex)
        {
            ThrowTerminatingError(new ErrorRecord(ex, ErrorIds.CollectorBindFailed, ErrorCategory.ResourceUnavailable, $"{ListenAddress}:{Port}")
            {
                ErrorDetails = new ErrorDetails($"Cannot listen on UDP {FormatEndPoint(ListenAddress, Port)}: {ex.Message}. Another collector may hold the port; choose another -Port or -ListenAddress."),
            });
        }
        string endPoint = FormatEndPoint(_collector.LocalEndPoint!.Address, _collector.LocalEndPoint.Port);
        WriteVerbose($"Listening on UDP {endPoint}" + (Duration is { } dv ? $" for {dv}" : "") + (Count > 0 ? $", until {Count:N0} records" : "") + ".");

        var clock = Stopwatch.StartNew();
        long beyondCount = 0;
        bool stopped = false;
        try
        {
            TimeSpan nextStatus = StatusEvery, nextFaultCheck = FaultCheckEvery;
            while (!CancelToken.IsCancellationRequested)
            {
                if (Duration is { } limit && clock.Elapsed >= limit) break;
                if (Count > 0 && _outputCount >= Count) break;
                if (_collector.Fault is { } fault)
                    ThrowTerminatingError(new ErrorRecord(fault, ErrorIds.CollectorBindFailed, ErrorCategory.ReadError, endPoint));
                int wait = 200;
                if (Duration is { } l2) wait = (int)Math.Clamp((l2 - clock.Elapsed).TotalMilliseconds, 1, 200);
                if (TakeRecord(out var record, wait, CancelToken))
                {
                    Emit(record, toPipeline: true);
                    // Drain what is already queued without waiting.
                    while ((Count == 0 || _outputCount < Count) && TakeRecord(out record, 0, CancellationToken.None))
                        Emit(record, toPipeline: true);
                }
                if (clock.Elapsed >= nextFaultCheck)
                {
                    nextFaultCheck = clock.Elapsed + FaultCheckEvery;
                    WarnNewFaults(_collector.Status());
                }
                if (clock.Elapsed >= nextStatus)
                {
                    nextStatus = clock.Elapsed + StatusEvery;
                    WriteStatus(_collector.Status());
                }
            }
            stopped = CancelToken.IsCancellationRequested;
        }
        finally
        {
            _collector.Stop();
            // Whatever was received goes to the files (and the pipeline, unless it was stopped) so nothing is lost.
            stopped |= CancelToken.IsCancellationRequested;
            while (TakeRecord(out var record, 0, CancellationToken.None))
            {
                if (Count > 0 && _outputCount >= Count) { beyondCount++; continue; }
                Emit(record, toPipeline: !stopped);
            }
            if (stopped) SaveOnStop(templatePath, decoder);
        }
        if (stopped) throw new PipelineStoppedException();
        var files = CompleteOutput();
        if (templatePath is not null) SaveTemplates(decoder, templatePath);
        var status = _collector.Status();
        WriteStatus(status);
        WarnNewFaults(status);
        if (status.QueueDrops > 0)
            WriteWarning($"{status.QueueDrops:N0} records were dropped because the pipeline did not keep up with the network.");
        if (status.BacklogDrops > 0)
            WriteWarning($"{status.BacklogDrops:N0} datagrams were dropped because decoding did not keep up with the network.");
        if (status.ExportersCapped)
            WriteWarning($"At least {FlowCollector.MaxSourcesTracked:N0} source addresses sent datagrams; Exporters stops counting there (a flood of spoofed sources costs no memory), and the datagrams were still decoded.");
        var reasons = new StringBuilder();
        foreach (var (reason, n) in status.MalformedByReason)
            reasons.Append(reasons.Length == 0 ? "" : "; ").Append(reason).Append('=').Append(n);
        WriteObject(new FlowCollectorSummary
        {
            ListenEndPoint = endPoint,
            Elapsed = clock.Elapsed,
            Datagrams = status.Datagrams,
            Records = status.Records,
            RecordsOutput = _outputCount,
            Exporters = status.Exporters,
            Templates = status.Templates,
            Malformed = status.Malformed,
            MalformedByReason = reasons.ToString(),
            MalformedByExporter = ExportFault.Join(status.MalformedByExporter),
            QueueDrops = status.QueueDrops,
            BacklogDrops = status.BacklogDrops,
            RejectedDatagrams = status.RejectedDatagrams,
            RecordsBeyondCount = beyondCount,
            FileCount = files.Length,
            FilesWritten = string.Join("; ", files),
        });
    }

    private static string FormatEndPoint(IPAddress address, int port) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]:{port}" : $"{address}:{port}";

    private void WriteStatus(FlowCollectorStatus s) =>
        WriteVerbose($"{s.Records:N0} records from {s.Datagrams:N0} datagrams of {s.Exporters:N0} exporters; {s.Templates:N0} templates; "
            + $"{s.Malformed:N0} malformed, {s.QueueDrops:N0} dropped (queue full), {s.BacklogDrops:N0} datagrams dropped (decoding behind), "
            + $"{s.RejectedDatagrams:N0} rejected (not allowed)."
            + (s.Malformed > 0 ? " Malformed by exporter: " + ExportFault.Join(s.MalformedByExporter) + "." : ""));

    /// <summary>A warning the first time an exporter sends a malformed datagram for a reason (counts go on in the summary).</summary>
    private void WarnNewFaults(FlowCollectorStatus s)
    {
        if (s.Malformed == _malformedSeen) return;
        _malformedSeen = s.Malformed;
        foreach (var fault in s.MalformedByExporter)
        {
            if (_faultsWarned.Count >= 1000 || !_faultsWarned.Add((fault.Exporter.ToString(), fault.Reason))) continue;
            WriteWarning($"Malformed export datagram from {fault.Exporter}: {fault.Reason} ({ReasonText(fault.Reason)}); it was counted and the collector goes on.");
        }
    }

    private static string ReasonText(ExportDecodeStatus reason) => reason switch
    {
        ExportDecodeStatus.TooShort => "shorter than its protocol's header",
        ExportDecodeStatus.UnsupportedVersion => "the version field names no NetFlow/IPFIX/sFlow version",
        ExportDecodeStatus.BadHeader => "an impossible header field",
        ExportDecodeStatus.Truncated => "its records do not fit in the datagram",
        ExportDecodeStatus.BadSetLength => "a flowset/set length below 4 or beyond the datagram",
        ExportDecodeStatus.BadTemplate => "a template that cannot be parsed",
        ExportDecodeStatus.BadSetId => "a reserved set id",
        ExportDecodeStatus.BadSample => "a malformed sFlow sample",
        ExportDecodeStatus.LimitReached => "a template, field, held-data, exporter or per-address domain bound was hit",
        _ => reason.ToString(),
    };

    private void LoadTemplates(ExportDecoder decoder, string path)
    {
        try
        {
            using var stream = FileInspector.OpenRead(path);
            int n = decoder.LoadTemplates(stream, path);
            WriteVerbose($"Loaded {n:N0} templates from {path}.");
        }
        catch (Exception ex) when (ex is FlowDataException or IOException or UnauthorizedAccessException)
        {
            WriteError(new ErrorRecord(ex, ErrorIds.TemplateFileInvalid, ErrorCategory.InvalidData, path));
        }
    }

    private void SaveTemplates(ExportDecoder decoder, string path)
    {
        try
        {
            decoder.SaveTemplates(path);
            WriteVerbose($"Saved {decoder.TemplateCount:N0} templates to {path}.");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            WriteError(new ErrorRecord(ex, ErrorIds.OutputWriteFailed, ErrorCategory.WriteError, path));
        }
    }

    /// <summary>After Ctrl+C: files completed and templates saved without writing to the stopped pipeline.</summary>
    private void SaveOnStop(string? templatePath, ExportDecoder decoder)
    {
        _output?.SaveOnStop([]);
        _output = null;
        try
        {
            if (templatePath is not null) decoder.SaveTemplates(templatePath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The stop is what the user sees.
        }
    }

    private bool OpenOutput()
    {
        _output = OpenFlowFileOutput("Write received flows to nfcapd files", out bool declined);
        return !declined;
    }

    /// <summary>
    /// The next record. Written only to files (no -PassThru), each record is done with before the next is taken, so it is
    /// borrowed and the collector decodes into it again (no allocation per flow); otherwise the record is the caller's.
    /// </summary>
    private bool TakeRecord(out FlowRecord record, int timeoutMilliseconds, CancellationToken cancel) =>
        _output is not null && !PassThru
            ? _collector!.TryTakeBorrowed(out record, timeoutMilliseconds, cancel)
            : _collector!.TryTake(out record, timeoutMilliseconds, cancel);

    private void Emit(FlowRecord flow, bool toPipeline)
    {
        if (ScaleBySampling) FlowSampling.Scale(flow);   // the record is the caller's, or borrowed and reset before reuse
        if (_filter is not null && !_filter.Matches(flow)) return;
        _outputCount++;
        if (_output is not null)
        {
            _output.Accept(flow);
            if (!PassThru) return;
        }
        if (toPipeline) WriteObject(flow);
    }

    private string[] CompleteOutput()
    {
        if (_output is null) return [];
        var files = _output.Complete();
        _output = null;
        return files;
    }

    protected override void DisposeResources()
    {
        _collector?.Dispose();
        _output?.Dispose();
    }
}
