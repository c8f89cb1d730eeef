using System.Management.Automation;
using FlowForensics.Flows;
using FlowForensics.PowerShell.Infrastructure;
using FlowForensics.Query;
using FlowForensics.Storage;
using FlowForensics.Wire;

namespace FlowForensics.PowerShell.Commands;

/// <summary>
/// Reads nfdump flow files (nfcapd, layouts 1 and 2, every compression): files, folders, wildcards, -Recurse;
/// files are selected by the time in their names and their stat records, flows by -Start/-End (nfdump -t) and
/// -Filter (nfdump's language), in time order across files, or as one strict timeline with -OrderBy Start
/// (nfdump -O tstart).
/// </summary>
/// <remarks>
/// Paths are collected in ProcessRecord and read in EndProcessing, so files piped in one by one are still read
/// in time order. Records stream from the engine's <see cref="FlowQuery"/> (read-ahead pipeline: a thread reads and
/// decompresses while this one decodes and writes) straight to WriteObject; a stopped pipeline (Ctrl+C,
/// Select-Object -First) unwinds through the query, which stops the read-ahead thread and closes the files.
/// </remarks>
[Cmdlet(VerbsCommon.Get, "FlowRecord", DefaultParameterSetName = PathSet, HelpUri = HelpLinks.CmdletPages + "Get-FlowRecord.md")]
[OutputType(typeof(FlowRecord))]
public sealed class GetFlowRecordCommand : FlowInputCmdlet
{
    private FlowSelection _selection = FlowSelection.All;

    /// <summary>nfcapd files or folders; wildcards allowed.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public override string[] Path { get => base.Path; set => base.Path = value; }

    /// <summary>An nfdump filter, e.g. 'proto tcp and dst port 443 and not net 10.0.0.0/8'.</summary>
    [Parameter(Position = 1)]
    [ArgumentCompleter(typeof(Completers.FlowFilterCompleter))]
    public override string? Filter { get => base.Filter; set => base.Filter = value; }

    /// <summary>File (default): flows in file order, files in time order, like nfdump -R. Start: one strict timeline by start time across all files (nfdump -O tstart).</summary>
    [Parameter]
    [ValidateSet(OrderFile, OrderStart)]
    public string OrderBy { get; set; } = OrderFile;

    private const string OrderFile = "File";
    private const string OrderStart = "Start";

    protected override void BeginProcessing() => _selection = CreateSelection();

    protected override void ProcessRecord() => CollectPaths();

    protected override void EndProcessing() =>
        RunQuery(Paths, Recurse.IsPresent, _selection, "Reading flow files", "written", OrderBy == OrderStart ? ReadOrderedByStart : ReadInFileOrder);

    /// <summary>Files in time order, flows in file order: the query's read-ahead path, a fresh record per flow.</summary>
    private long ReadInFileOrder(FlowQuery query) => query.ForEach(WriteObject, CancelToken);

    /// <summary>
    /// One timeline by start time (nfdump -O tstart): the file set's k-way merge behind a reorder buffer per open file,
    /// then the same selection; records displaced by more than the buffer are written late and warned about.
    /// </summary>
    private long ReadOrderedByStart(FlowQuery query)
    {
        var set = query.FileSet!;
        var observer = query.Observer!;
        set.FileOpened += path => WriteVerbose($"Reading {path}");   // files overlap in time: no count per file
        var flows = set.ReadFlowsOrderedByStart(new TimeWindow(null, null), CancelToken, observer.FileDamaged);
        long selected = FlowQuery.ForEachSelected(WithProgress(flows, set, observer), _selection, WriteObject, query.Counts);
        if (set.OrderViolations > 0)
            WriteWarning($"{set.OrderViolations:N0} flows were out of start order within their file by more than the reorder buffer of {FlowFileSet.DefaultReorderCapacity:N0} records; they were written late, not dropped.");
        return selected;
    }

    private static IEnumerable<FlowRecord> WithProgress(IEnumerable<FlowRecord> flows, FlowFileSet set, IFlowQueryObserver observer)
    {
        long n = 0;
        foreach (var flow in flows)
        {
            yield return flow;
            if (++n % ProgressEvery == 0) observer.BytesRead(set.BytesRead, set.TotalBytes);
        }
    }

    /// <summary>Records between progress updates of the ordered read (the progress helper throttles further, to 4 a second).</summary>
    private const int ProgressEvery = 1024;
}
