using System.Management.Automation;
using FlowForensics.Capture;
using FlowForensics.Capture.Live;
using FlowForensics.Export;
using FlowForensics.Flows;
using FlowForensics.Metering;
using FlowForensics.PowerShell.Completers;
using FlowForensics.PowerShell.Infrastructure;
using FlowForensics.Wire;

namespace FlowForensics.PowerShell.Commands;

/// <summary>
/// Meters packets from capture files (pcap, pcapng, gzip-compressed) or a live interface into flow records,
/// with nfpcapd's rules, and writes each flow to the pipeline as it ends.
/// </summary>
[Cmdlet(VerbsData.Convert, "PcapToFlow", DefaultParameterSetName = PathSet, SupportsShouldProcess = true, HelpUri = HelpLinks.CmdletPages + "Convert-PcapToFlow.md")]
[OutputType(typeof(FlowRecord))]
public sealed class ConvertPcapToFlowCommand : FlowProducerCmdlet
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";
    private const string InterfaceSet = "Interface";

    private readonly List<string> _files = new();

    /// <summary>Capture files; wildcards allowed.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    /// <summary>Capture files, taken literally (no wildcards); binds FileInfo objects from the pipeline.</summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP", "FullName")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = [];

    /// <summary>Captures live from this interface (libpcap/Npcap name, e.g. eth0, lo, \Device\NPF_{...}).</summary>
    [Parameter(Mandatory = true, ParameterSetName = InterfaceSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(CaptureInterfaceCompleter))]
    public string Interface { get; set; } = string.Empty;

    /// <summary>A BPF capture filter (tcpdump syntax) applied in the kernel, e.g. 'not port 22'.</summary>
    [Parameter(ParameterSetName = InterfaceSet)]
    public string? CaptureFilter { get; set; }

    /// <summary>Stops the live capture after this long.</summary>
    [Parameter(ParameterSetName = InterfaceSet)]
    [FlowDurationTransformation]
    public TimeSpan? Duration { get; set; }

    /// <summary>Stops the live capture after this many packets.</summary>
    [Parameter(ParameterSetName = InterfaceSet)]
    [ValidateRange(1, long.MaxValue)]
    public long PacketCount { get; set; }

    /// <summary>Bytes kept of each live packet (nfpcapd's default 1522 is ample: only headers are read).</summary>
    [Parameter(ParameterSetName = InterfaceSet)]
    [ValidateRange(64, 262144)]
    public int SnapLength { get; set; } = 1522;

    /// <summary>Seconds after its first packet at which a long flow is exported and a new one begins (nfpcapd -e, default 300).</summary>
    [Parameter]
    [ValidateRange(1, 604800)]
    public int ActiveTimeout { get; set; } = 300;

    /// <summary>Seconds without packets after which a flow is exported (nfpcapd -e, default 60).</summary>
    [Parameter]
    [ValidateRange(1, 604800)]
    public int InactiveTimeout { get; set; } = 60;

    /// <summary>The most flows held at once; when full the least recently seen flow is exported early (counted and warned).</summary>
    [Parameter]
    [ValidateRange(1, 100_000_000)]
    public int MaxActiveFlows { get; set; } = 1_000_000;

    /// <summary>
    /// Decodes the NetFlow v5/v9, IPFIX and sFlow datagrams inside the captures (like nfcapd -f) instead of metering the
    /// packets: Auto (every protocol, recognised by the version field) or a list such as NetFlowV9,Ipfix.
    /// </summary>
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = LiteralPathSet)]
    public ExportProtocols ExportProtocol { get; set; } = ExportProtocols.Auto;

    /// <summary>With -ExportProtocol: only datagrams to these UDP destination ports are export traffic (any port when omitted).</summary>
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = LiteralPathSet)]
    [ValidateRange(0, 65535)]
    [ValidateNotNullOrEmpty]
    public int[] ExportPort { get; set; } = [];

    /// <summary>With -ExportProtocol: multiply packets and bytes by each record's SamplingInterval (the scaled record's interval becomes 1).</summary>
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = LiteralPathSet)]
    public SwitchParameter ScaleBySampling { get; set; }

    private FlowFileOutput? _output;
    private Query.CompiledFilter? _filter;

    private bool DecodesExport => MyInvocation.BoundParameters.ContainsKey(nameof(ExportProtocol)) || MyInvocation.BoundParameters.ContainsKey(nameof(ExportPort));

    protected override void BeginProcessing()
    {
        _filter = FlowFilterArgument.Compile(this, Filter);
        if (DecodesExport && (ExportProtocol & ExportProtocols.Auto) == ExportProtocols.None)
            ThrowTerminatingError(new ErrorRecord(new ArgumentException("-ExportProtocol must name at least one protocol (Auto, NetFlowV5, NetFlowV9, Ipfix, SflowV5)."),
                ErrorIds.ExportProtocolInvalid, ErrorCategory.InvalidArgument, ExportProtocol));
        if (ScaleBySampling && !DecodesExport)
            ThrowTerminatingError(new ErrorRecord(new ArgumentException("-ScaleBySampling applies to export records: use it with -ExportProtocol (packets metered from a capture are not sampled)."),
                ErrorIds.ExportProtocolInvalid, ErrorCategory.InvalidArgument, nameof(ScaleBySampling)));
    }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == InterfaceSet) return;
        bool literal = ParameterSetName == LiteralPathSet;
        foreach (string file in ProviderPathResolver.Resolve(this, literal ? LiteralPath : Path, literal))
        {
            if (Directory.Exists(file))
            {
                WriteError(new ErrorRecord(new ArgumentException($"'{file}' is a directory; give capture files (wildcards work)."),
                    ErrorIds.CaptureUnsupported, ErrorCategory.InvalidArgument, file));
                continue;
            }
            _files.Add(file);
        }
    }

    protected override void EndProcessing()
    {
        if (DecodesExport)
        {
            DecodeExportFiles();
            return;
        }
        var options = new FlowTableOptions
        {
            ActiveTimeout = TimeSpan.FromSeconds(ActiveTimeout),
            InactiveTimeout = TimeSpan.FromSeconds(InactiveTimeout),
            MaxActiveFlows = MaxActiveFlows,
        };
        var meter = new FlowMeter(options);
        if (!OpenOutput()) return;
        bool done = false;
        try
        {
            if (ParameterSetName == InterfaceSet)
                CaptureLive(meter);
            else
                ReadFiles(meter);
            foreach (var flow in meter.Flush())
                Emit(flow);
            CompleteOutput();
            done = true;
        }
        finally
        {
            if (!done) SaveWhatWasCollected(meter);
        }
        Summarize(meter);
    }

    /// <summary>Starts the nfcapd output, if asked for; false when -WhatIf (or a No) leaves nothing to do.</summary>
    private bool OpenOutput()
    {
        _output = OpenFlowFileOutput("Write flows to nfcapd files", out bool declined);
        return !declined || PassThru;
    }

    /// <summary>A flow to the nfcapd files and/or the pipeline.</summary>
    private void Emit(FlowRecord flow)
    {
        if (_filter is not null && !_filter.Matches(flow)) return;
        if (_output is not null)
        {
            _output.Accept(flow);
            if (!PassThru) return;
        }
        WriteObject(flow);
    }

    private void CompleteOutput()
    {
        _output?.Complete();
        _output = null;
    }

    /// <summary>After Ctrl+C or a terminating error: the flows still in the table go to the files (see <see cref="FlowFileOutput.SaveOnStop"/>).</summary>
    private void SaveWhatWasCollected(FlowMeter meter)
    {
        _output?.SaveOnStop(Matching(meter.Flush()));
        _output = null;
    }

    private IEnumerable<FlowRecord> Matching(IEnumerable<FlowRecord> flows)
    {
        foreach (var flow in flows)
        {
            if (_filter is null || _filter.Matches(flow)) yield return flow;
        }
    }

    protected override void DisposeResources() => _output?.Dispose();

    private void CaptureLive(FlowMeter meter)
    {
        if (Duration is { } d && d <= TimeSpan.Zero)
            ThrowTerminatingError(new ErrorRecord(new ArgumentOutOfRangeException(nameof(Duration), d, "-Duration must be positive."),
                ErrorIds.DurationNotPositive, ErrorCategory.InvalidArgument, d));
        using var until = CancellationTokenSource.CreateLinkedTokenSource(CancelToken);
        if (Duration is { } duration) until.CancelAfter(duration);
        ICaptureSource source;
        try
        {
            source = LiveCaptureSource.Open(Interface, CaptureFilter, SnapLength, cancel: until.Token);
        }
        catch (CaptureDeviceException ex)
        {
            ThrowTerminatingError(new ErrorRecord(ex, ErrorIds.LiveCaptureFailed, ErrorCategory.OpenError, Interface)
            {
                ErrorDetails = new ErrorDetails(ex.Message + " " + AvailableInterfaces()),
            });
            return;
        }
        if (PacketCount > 0) source = new PacketLimitSource(source, PacketCount);
        WriteVerbose($"Capturing on {Interface}" + (string.IsNullOrWhiteSpace(CaptureFilter) ? "" : $" with filter '{CaptureFilter}'")
            + (Duration is { } dv ? $" for {dv}" : "") + (PacketCount > 0 ? $", at most {PacketCount:N0} packets" : "") + ".");
        var progress = new ThrottledProgress(this, 1, $"Capturing on {Interface}");
        using (source)
        {
            void Tick() => progress.Report($"{meter.Table.Counters.Packets:N0} packets, {meter.Table.Counters.FlowsExported:N0} flows", -1, -1);
            foreach (var flow in meter.Read(source, until.Token, Tick))
                Emit(flow);
        }
        progress.Complete();
        ThrowIfStopping();
    }

    private static string AvailableInterfaces()
    {
        try
        {
            var names = new List<string>();
            foreach (var (name, _) in LiveCaptureSource.ListInterfaces()) names.Add(name);
            return names.Count == 0 ? "libpcap lists no interfaces (capturing usually needs root or CAP_NET_RAW)." : "Interfaces: " + string.Join(", ", names) + ".";
        }
        catch (CaptureDeviceException)
        {
            return string.Empty;
        }
    }

    private void ReadFiles(FlowMeter meter) =>
        ReadCaptureFiles("Converting captures to flows",
            (source, tick) => meter.Read(source, CancelToken, tick),
            () => $"{meter.Table.Counters.Packets:N0} packets, {meter.Table.Counters.FlowsExported:N0} flows",
            () => meter.Table.Counters.FlowsExported,
            ended => $"{ended:N0} flows ended while reading; {meter.Table.ActiveFlows:N0} still active.");

    /// <summary>
    /// Every capture file, in the order of its first packet, through <paramref name="read"/> (the meter, or the export
    /// decoder), each flow emitted as it comes; progress reports bytes of the total with <paramref name="status"/>, a bad
    /// file is a non-terminating error naming it, and the others are still read.
    /// </summary>
    private void ReadCaptureFiles(string activity, Func<ICaptureSource, Action, IEnumerable<FlowRecord>> read,
        Func<string> status, Func<long> produced, Func<long, string> fileSummary)
    {
        var progress = new ThrottledProgress(this, 1, activity);
        var ordered = OrderByFirstPacket(_files);
        long total = 0;
        foreach (var (_, _, length) in ordered) total += length;
        long doneBefore = 0;

        foreach (var (file, _, length) in ordered)
        {
            ThrowIfStopping();
            WriteVerbose($"Reading {file}");
            long before = produced();
            ICaptureSource? source = null;
            try
            {
                source = CaptureFileReader.Open(file);
                var open = source;
                string name = System.IO.Path.GetFileName(file);
                void Tick() => progress.Report($"{name}: {status()}", doneBefore + open.Position, total);
                foreach (var flow in read(source, Tick))
                    Emit(flow);
            }
            catch (FlowDataException ex)
            {
                WriteError(new ErrorRecord(ex, ex.Offset == 0 ? ErrorIds.CaptureUnsupported : ErrorIds.CaptureCorrupt, ErrorCategory.InvalidData, file)
                { ErrorDetails = new ErrorDetails(ex.Message) });
            }
            catch (IOException ex)
            {
                WriteError(new ErrorRecord(ex, ErrorIds.FileReadFailed, ErrorCategory.ReadError, file));
            }
            catch (UnauthorizedAccessException ex)
            {
                WriteError(new ErrorRecord(ex, ErrorIds.FileReadFailed, ErrorCategory.PermissionDenied, file));
            }
            finally
            {
                source?.Dispose();
            }
            ThrowIfStopping();
            doneBefore += length;
            WriteVerbose($"{file}: {fileSummary(produced() - before)}");
        }

        progress.Complete();
    }

    private void Summarize(FlowMeter meter)
    {
        var c = meter.Table.Counters;
        var d = meter.DecodeCounts;
        WriteVerbose($"Packets {d.Total:N0}: {d.Decoded:N0} IP, {d.NotIp:N0} not IP, {d.Truncated:N0} truncated, {d.Malformed:N0} malformed, {d.UnsupportedLinkType:N0} on unsupported link types.");
        WriteVerbose($"Flows {c.FlowsExported:N0}: {c.EndedByTcp:N0} ended by FIN/RST, {c.SinglePacketFlows:N0} single-packet (ICMP/DNS), {c.ExpiredInactive:N0} inactive, {c.ExpiredActive:N0} active timeout, {c.FlushedAtEnd:N0} at end of input, {c.Evicted:N0} evicted; peak {c.PeakActiveFlows:N0} active.");
        if (c.Evicted > 0)
            WriteWarning($"The flow table reached -MaxActiveFlows {MaxActiveFlows:N0}: {c.Evicted:N0} flows were exported early and may be split. Raise -MaxActiveFlows for this evidence.");
        if (c.FragmentsOrphaned > 0)
            WriteVerbose($"{c.FragmentsOrphaned:N0} fragments belonged to datagrams that never completed; they were metered as they stood.");
        // Packets that hold traffic but gave no flow are said, not only under -Verbose (a capture of an unsupported link
        // type used to give 0 flows and no word). Frames without IP (ARP, LLDP) are normal and only counted.
        long lost = d.UnsupportedLinkType + d.Truncated + d.Malformed;
        if (lost > 0)
            WriteWarning($"{lost:N0} of {d.Total:N0} packets were not metered: {d.UnsupportedLinkType:N0} on a link type the decoder does not read, "
                + $"{d.Truncated:N0} cut inside a header (snap length), {d.Malformed:N0} malformed; {d.NotIp:N0} more carried no IP.");
    }

    /// <summary>The decoder makes a fresh record per flow, so it is scaled in place (no copy).</summary>
    private static FlowRecord ScaledInPlace(FlowRecord flow)
    {
        FlowSampling.Scale(flow);
        return flow;
    }

    /// <summary>-ExportProtocol: the export datagrams of every file through one decoder (templates carry over from file to file).</summary>
    private void DecodeExportFiles()
    {
        if (!OpenOutput()) return;
        var decoder = new ExportDecoder();
        var reader = new CaptureExportReader(decoder, ExportProtocol, ExportPort);
        bool done = false;
        try
        {
            ReadCaptureFiles("Decoding export datagrams in captures",
                (source, tick) => ScaleBySampling ? reader.Read(source, CancelToken, tick).Select(ScaledInPlace) : reader.Read(source, CancelToken, tick),
                () => $"{reader.Counters.ExportDatagrams:N0} datagrams, {decoder.Counters.Records:N0} records",
                () => decoder.Counters.Records,
                records => $"{records:N0} records.");
            CompleteOutput();
            done = true;
        }
        finally
        {
            if (!done)
            {
                _output?.SaveOnStop([]);
                _output = null;
            }
        }
        var c = reader.Counters;
        var d = decoder.Counters;
        WriteVerbose($"Packets {c.Packets:N0}: {c.ExportDatagrams:N0} export datagrams ({c.CutBySnapLength:N0} cut by the snap length), {c.NotExport:N0} other UDP, {c.Fragments:N0} UDP fragments, {c.NotUdp:N0} not UDP.");
        WriteVerbose($"{d.Records:N0} flow records ({d.RecordsFromHeldSets:N0} from data held until its template came), {d.OptionsRecords:N0} options records, {d.CounterSamples:N0} sFlow counter samples; {decoder.ExporterCount:N0} exporter states, {decoder.TemplateCount:N0} templates; {decoder.PendingSetCount:N0} data sets still wait for a template.");
        if (d.Malformed > 0)
            WriteWarning($"{d.Malformed:N0} malformed export datagrams (exporter reason=count): {ExportFault.Join(decoder.Faults())}"
                + (decoder.UntrackedFaults > 0 ? $"; {decoder.UntrackedFaults:N0} more from further exporters." : "."));
        if (decoder.PendingSetCount > 0)
            WriteWarning($"{decoder.PendingSetCount:N0} data sets never met their template in these captures and were not decoded (give the capture holding the templates too).");
    }

    /// <summary>Several captures are read in the order of their first packet, so flows continue across files.</summary>
    private List<(string File, DateTime First, long Length)> OrderByFirstPacket(List<string> files)
    {
        var list = new List<(string, DateTime, long)>(files.Count);
        foreach (string file in files)
        {
            DateTime first = DateTime.MaxValue;
            long length = 0;
            try
            {
                length = new FileInfo(file).Length;
                using var source = CaptureFileReader.Open(file);
                if (source.TryReadPacket(out var packet)) first = packet.Timestamp;
            }
            catch (Exception ex) when (ex is FlowDataException or IOException or UnauthorizedAccessException)
            {
                // Reported with its file and offset when the file is read in turn.
            }
            list.Add((file, first, length));
        }
        list.Sort((a, b) => a.Item2 != b.Item2 ? a.Item2.CompareTo(b.Item2) : string.CompareOrdinal(a.Item1, b.Item1));
        return list;
    }
}
