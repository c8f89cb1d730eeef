using System.Management.Automation;
using FlowForensics.Analysis.TopN;
using FlowForensics.Flows;
using FlowForensics.PowerShell.Completers;
using FlowForensics.PowerShell.Infrastructure;
using FlowForensics.Query;
using FlowForensics.Storage;
using FlowForensics.Wire;

namespace FlowForensics.PowerShell.Commands;

/// <summary>
/// nfdump's <c>-s</c> statistics (one property) and <c>-A</c> aggregation (several), plus distinct counts per key:
/// <c>Get-FlowRecord ... | Measure-FlowTopN -Property SrcAddr -OrderBy Bytes -Top 10</c>, or straight from nfcapd
/// files with <c>-Path</c> (the engine reads the files itself: no pipeline object per flow).
/// Records are accumulated as they come; the rows are written at the end, best first.
/// </summary>
[Cmdlet(VerbsDiagnostic.Measure, "FlowTopN", DefaultParameterSetName = InputObjectSet)]
[OutputType(typeof(TopNRow))]
public sealed class MeasureFlowTopNCommand : FlowCmdlet
{
    private const string InputObjectSet = "InputObject";
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";

    /// <summary>
    /// Files read at once by -Path/-LiteralPath: half the processors, 1 to 8. Each reader allocates a record per flow,
    /// and on a busy 2-core machine two readers measured slower than one (gen-0 collections stop both), so small
    /// machines read one file at a time; docs/performance.md has the figures.
    /// </summary>
    private static readonly int ReadParallelism = Math.Clamp(Environment.ProcessorCount / 2, 1, 8);

    private readonly List<string> _paths = [];
    private TopNAggregator? _aggregator;
    private TopNSelection _selection = TopNSelection.All;

    /// <summary>Flow records from the pipeline.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    [AllowNull]
    public FlowRecord? InputObject { get; set; }

    /// <summary>nfcapd files or folders to read directly (wildcards allowed).</summary>
    [Parameter(Mandatory = true, ParameterSetName = PathSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    /// <summary>nfcapd files or folders, taken literally; binds FileInfo/DirectoryInfo objects from the pipeline.</summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP", "FullName")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = [];

    /// <summary>Read folders given to -Path/-LiteralPath with their subfolders.</summary>
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = LiteralPathSet)]
    public SwitchParameter Recurse { get; set; }

    /// <summary>The key: one property (nfdump -s) or several (nfdump -A). SrcAddr, DstAddr, Address, SrcNet/N, DstNet/N, Net/N, SrcPort, DstPort, Port, Protocol, SrcAs, DstAs, As, InputInterface, OutputInterface, Interface, SrcTos, DstTos, Tos, SrcVlan, DstVlan, Vlan, Conversation; nfdump's names (srcip, dstport, proto, record ...) work too.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(TopNPropertyCompleter))]
    public string[] Property { get; set; } = [];

    /// <summary>The ranking (nfdump's order): Flows (default), Packets, Bytes, Pps, Bps, Bpp descending; Start, End ascending.</summary>
    [Parameter]
    public TopNOrder OrderBy { get; set; } = TopNOrder.Flows;

    /// <summary>Rows written; 0 = all (nfdump -n).</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int Top { get; set; } = 10;

    /// <summary>A record and its reverse count as one key (nfdump -b).</summary>
    [Parameter]
    public SwitchParameter Bidirectional { get; set; }

    /// <summary>Count distinct values of these fields per key (fan-out): SrcAddr, DstAddr, SrcPort, DstPort, Protocol.</summary>
    [Parameter]
    public TopNDistinctField[] Distinct { get; set; } = [];

    /// <summary>Count only the records this nfdump filter matches (compiled once).</summary>
    [Parameter]
    public string? Filter { get; set; }

    /// <summary>Count only flows that start at or after this time (UTC unless the value says otherwise).</summary>
    [Parameter]
    [FlowTimeTransformation]
    public DateTime? Start { get; set; }

    /// <summary>Count only flows that start at or before this time (UTC unless the value says otherwise).</summary>
    [Parameter]
    [FlowTimeTransformation]
    public DateTime? End { get; set; }

    protected override void BeginProcessing()
    {
        var properties = new List<TopNProperty>(Property.Length);
        foreach (string name in Property)
        {
            if (!TopNProperty.TryParse(name, out var p, out string? error))
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentException(error), ErrorIds.TopNPropertyInvalid, ErrorCategory.InvalidArgument, name));
                return;
            }
            properties.Add(p!);
        }
        var options = new TopNOptions(properties)
        {
            Order = OrderBy,
            Top = Top,
            Bidirectional = Bidirectional.IsPresent,
            Distinct = Distinct,
        };
        try
        {
            _aggregator = new TopNAggregator(options);
        }
        catch (ArgumentException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, ErrorIds.TopNPropertyInvalid, ErrorCategory.InvalidArgument, string.Join(",", Property)));
        }

        CompiledFilter? filter = FlowFilterArgument.Compile(this, Filter);
        try
        {
            _selection = new TopNSelection(filter, Start, End);
        }
        catch (ArgumentException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, ErrorIds.TimeWindowInvalid, ErrorCategory.InvalidArgument, $"{Start:o} .. {End:o}"));
        }
    }

    protected override void ProcessRecord()
    {
        ThrowIfStopping();
        switch (ParameterSetName)
        {
            case InputObjectSet:
                if (InputObject is not null && _selection.Accepts(InputObject)) _aggregator!.Add(InputObject);
                break;
            case PathSet:
                _paths.AddRange(ProviderPathResolver.Resolve(this, Path, literal: false));
                break;
            default:
                _paths.AddRange(ProviderPathResolver.Resolve(this, LiteralPath, literal: true));
                break;
        }
    }

    protected override void EndProcessing()
    {
        var aggregator = _aggregator!;
        if (ParameterSetName != InputObjectSet) ReadFiles(aggregator);
        WriteVerbose($"{aggregator.RecordCount:N0} flows counted, {aggregator.KeyCount:N0} distinct keys.");
        foreach (var row in aggregator.GetRows())
        {
            ThrowIfStopping();
            WriteObject(row);
        }
    }

    /// <summary>Streams every flow of the files straight into the aggregator: no pipeline object per flow.</summary>
    private void ReadFiles(TopNAggregator aggregator)
    {
        if (_paths.Count == 0) return;
        FlowFileSet set;
        try
        {
            set = new FlowFileSet(_paths, Recurse.IsPresent, _selection.FileWindow, _selection.Filter);
        }
        catch (IOException e)
        {
            WriteError(new ErrorRecord(e, ErrorIds.FileReadFailed, ErrorCategory.ReadError, string.Join(", ", _paths)));
            return;
        }
        foreach (string notFlows in set.NotFlowFiles)
        {
            WriteError(new ErrorRecord(new InvalidDataException($"'{notFlows}' is not an nfcapd flow file."),
                ErrorIds.FlowFileUnsupported, ErrorCategory.InvalidData, notFlows));
        }
        var progress = new ThrottledProgress(this, 1, "Measuring top N");
        long total = set.TotalBytes;
        long before = aggregator.RecordCount;
        try
        {
            // Files are read several at a time by the engine (no pipeline object per flow) and merged in file order;
            // errors and progress come back on this thread. The window already chose the files; the selection
            // applies it to each flow.
            aggregator.AddFiles(set.Files, _selection, ReadParallelism, OnFileError,
                done => progress.Report($"{done:N0} of {total:N0} bytes read, {aggregator.KeyCount:N0} keys", done, total), CancelToken);
        }
        catch (OperationCanceledException) when (CancelToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        progress.Complete();
        WriteVerbose($"Read {set.Files.Count:N0} nfcapd files ({total:N0} bytes): {aggregator.RecordCount - before:N0} flows counted.");
    }

    private void OnFileError(FlowDataException e) =>
        WriteError(new ErrorRecord(e, ErrorIds.FlowFileCorrupt, ErrorCategory.InvalidData, e.DataSource)
        {
            ErrorDetails = new ErrorDetails($"{e.DataSource}: {e.Reason} at byte {e.Offset}; the flows before it were counted."),
        });
}
