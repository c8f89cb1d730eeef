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
/// in time order. Records stream straight from the engine to WriteObject; a stopped pipeline (Ctrl+C,
/// Select-Object -First) unwinds through the enumerator, which closes the open files.
/// </remarks>
[Cmdlet(VerbsCommon.Get, "FlowRecord", DefaultParameterSetName = PathSet, HelpUri = HelpLinks.CmdletPages + "Get-FlowRecord.md")]
[OutputType(typeof(FlowRecord))]
public sealed class GetFlowRecordCommand : FlowCmdlet
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";

    /// <summary>Records between progress updates (the progress helper throttles further, to 4 a second).</summary>
    private const int ProgressEvery = 1024;

    private readonly List<string> _paths = new();
    private readonly HashSet<string> _explicitFiles = new(StringComparer.Ordinal);
    private CompiledFilter? _filter;
    private TimeWindow _window;

    /// <summary>nfcapd files or folders; wildcards allowed.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    /// <summary>nfcapd files or folders, taken literally; binds FileInfo and DirectoryInfo objects from the pipeline.</summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP", "FullName")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = [];

    /// <summary>Read the files of sub-folders too (nfdump -R reads a folder tree).</summary>
    [Parameter]
    public SwitchParameter Recurse { get; set; }

    /// <summary>Only flows that start at or after this time (nfdump -t). UTC unless the value says otherwise.</summary>
    [Parameter]
    [FlowTimeTransformation]
    public DateTime? Start { get; set; }

    /// <summary>Only flows that end at or before this time (nfdump -t). UTC unless the value says otherwise.</summary>
    [Parameter]
    [FlowTimeTransformation]
    public DateTime? End { get; set; }

    /// <summary>An nfdump filter, e.g. 'proto tcp and dst port 443 and not net 10.0.0.0/8'.</summary>
    [Parameter(Position = 1)]
    [ArgumentCompleter(typeof(Completers.FlowFilterCompleter))]
    public string? Filter { get; set; }

    /// <summary>File (default): flows in file order, files in time order, like nfdump -R. Start: one strict timeline by start time across all files (nfdump -O tstart).</summary>
    [Parameter]
    [ValidateSet(OrderFile, OrderStart)]
    public string OrderBy { get; set; } = OrderFile;

    private const string OrderFile = "File";
    private const string OrderStart = "Start";

    protected override void BeginProcessing()
    {
        _filter = FlowFilterArgument.Compile(this, Filter);
        _window = TimeWindowArgument.Create(this, Start, End);
    }

    protected override void ProcessRecord()
    {
        bool literal = ParameterSetName == LiteralPathSet;
        foreach (string path in ProviderPathResolver.Resolve(this, literal ? LiteralPath : Path, literal))
        {
            _paths.Add(path);
            if (File.Exists(path)) _explicitFiles.Add(System.IO.Path.GetFullPath(path));
        }
    }

    protected override void EndProcessing()
    {
        if (_paths.Count == 0) return;
        FlowFileSet set;
        try
        {
            set = new FlowFileSet(_paths, Recurse.IsPresent, _window, _filter);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            WriteError(new ErrorRecord(ex, ErrorIds.FileReadFailed, ErrorCategory.ReadError, ex is FileNotFoundException f ? f.FileName : null));
            return;
        }
        FlowFileErrors.ReportSkipped(this, set, _explicitFiles);
        var files = set.Files;
        WriteVerbose($"{files.Count} flow file(s), {set.TotalBytes:N0} bytes, to read for window {_window}" +
                     (_filter is null ? "" : $" with filter '{_filter.Text}'") + (OrderBy == OrderStart ? ", ordered by start time." : "."));
        if (files.Count == 0) return;

        var progress = new ThrottledProgress(this, 1, "Reading flow files");
        string current = "";
        long read = 0, written = 0, readBefore = 0;
        bool byFile = OrderBy != OrderStart;
        set.FileOpened += path =>
        {
            if (byFile && current.Length > 0) WriteVerbose($"{current}: {read - readBefore:N0} flows in the window.");
            current = path;
            readBefore = read;
            WriteVerbose($"Reading {path}");
        };
        var flows = OrderBy == OrderStart
            ? set.ReadFlowsOrderedByStart(cancel: CancelToken, onFileError: OnFileError)
            : set.ReadFlows(cancel: CancelToken, onFileError: OnFileError);
        var filter = _filter;
        try
        {
            foreach (var flow in flows)
            {
                if (filter is null || filter.Matches(flow))
                {
                    WriteObject(flow);
                    written++;
                }
                if (++read % ProgressEvery == 0)
                    progress.Report($"{System.IO.Path.GetFileName(current)}: {read:N0} flows read, {written:N0} written", set.BytesRead, set.TotalBytes);
            }
        }
        catch (OperationCanceledException)
        {
            ThrowIfStopping();
            throw;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            WriteError(new ErrorRecord(ex, ErrorIds.FileReadFailed, ErrorCategory.ReadError, current));
        }
        progress.Complete();
        if (byFile && current.Length > 0) WriteVerbose($"{current}: {read - readBefore:N0} flows in the window.");
        WriteVerbose($"{read:N0} flows in the window, {written:N0} written" + (filter is null ? "." : " (matched the filter)."));
        if (OrderBy == OrderStart && set.OrderViolations > 0)
            WriteWarning($"{set.OrderViolations:N0} flows were out of start order within their file by more than the reorder buffer of {FlowFileSet.DefaultReorderCapacity:N0} records; they were written late, not dropped.");
    }

    private void OnFileError(FlowDataException ex) => WriteError(FlowFileErrors.Corrupt(ex));
}
