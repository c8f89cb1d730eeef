using System.Management.Automation;
using FlowForensics.Flows;
using FlowForensics.Query;
using FlowForensics.Storage;
using FlowForensics.Wire;

namespace FlowForensics.PowerShell.Infrastructure;

/// <summary>
/// Base of every cmdlet that analyses flows (Measure-FlowTopN, the hunts, the baselines): it takes the flows from the
/// pipeline (<c>-InputObject</c>) or reads nfcapd files itself (<c>-Path</c>/<c>-LiteralPath</c>, <c>-Recurse</c>) at engine
/// speed with no pipeline object per flow, and selects them with <c>-Filter</c>, <c>-Start</c> and <c>-End</c>.
/// A derived cmdlet receives each selected flow in <see cref="AddFlow"/> and writes its results in <see cref="EndAnalysis"/>.
/// </summary>
public abstract class FlowAnalysisCmdlet : FlowCmdlet
{
    protected const string InputObjectSet = "InputObject";
    protected const string PathSet = "Path";
    protected const string LiteralPathSet = "LiteralPath";

    private readonly List<string> _paths = [];

    /// <summary>Flow records from the pipeline (Get-FlowRecord, Convert-PcapToFlow, Start-FlowCollector -PassThru).</summary>
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

    /// <summary>Analyse only the records this nfdump filter matches (compiled once).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(Completers.FlowFilterCompleter))]
    public string? Filter { get; set; }

    /// <summary>Analyse only flows that start at or after this time (UTC unless the value says otherwise).</summary>
    [Parameter]
    [FlowTimeTransformation]
    public DateTime? Start { get; set; }

    /// <summary>Analyse only flows that start at or before this time (UTC unless the value says otherwise).</summary>
    [Parameter]
    [FlowTimeTransformation]
    public DateTime? End { get; set; }

    /// <summary>
    /// Count each flow's packets and bytes multiplied by its SamplingInterval (a copy is scaled: the caller's record is
    /// never changed). The filter then sees the scaled figures. Files are read one at a time when scaling.
    /// </summary>
    [Parameter]
    public SwitchParameter ScaleBySampling { get; set; }

    /// <summary>The filter and the window, built in BeginProcessing.</summary>
    protected FlowSelection Selection { get; private set; } = FlowSelection.All;

    /// <summary>The activity shown by Write-Progress while files are read.</summary>
    protected virtual string ProgressActivity => "Reading flows";

    /// <summary>Validate the cmdlet's own parameters and build its engine state; runs before the selection is built.</summary>
    protected abstract void BeginAnalysis();

    /// <summary>One selected flow (from the pipeline or from the files).</summary>
    protected abstract void AddFlow(FlowRecord flow);

    /// <summary>Write the results; every flow has been added.</summary>
    protected abstract void EndAnalysis();

    /// <summary>Reads the files into <see cref="AddFlow"/>; a cmdlet with a faster engine path (parallel files) overrides it.</summary>
    /// <returns>The flows accepted.</returns>
    protected virtual long ReadFiles(IReadOnlyList<string> files, Action<FlowDataException> onFileError, Action<long> onProgress) =>
        FlowFileStream.ForEach(files, Selection, AddFlow, onFileError, onProgress, CancelToken);

    protected override void BeginProcessing()
    {
        BeginAnalysis();
        Selection = FlowFilterArgument.CreateSelection(this, Filter, Start, End);
    }

    protected override void ProcessRecord()
    {
        ThrowIfStopping();
        switch (ParameterSetName)
        {
            case InputObjectSet:
                if (InputObject is null) break;
                var flow = ScaleBySampling ? FlowSampling.Scaled(InputObject) : InputObject;
                if (Selection.Accepts(flow)) AddFlow(flow);
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
        if (ParameterSetName != InputObjectSet) ReadAllFiles();
        EndAnalysis();
    }

    /// <summary>Streams every flow of the files straight into the analysis: no pipeline object per flow.</summary>
    private void ReadAllFiles()
    {
        if (_paths.Count == 0) return;
        FlowFileSet set;
        try
        {
            set = new FlowFileSet(_paths, Recurse.IsPresent, Selection.FileWindow, Selection.Filter);
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
        var progress = new ThrottledProgress(this, 1, ProgressActivity);
        long total = set.TotalBytes;
        long accepted;
        try
        {
            void Progress(long done) => progress.Report($"{done:N0} of {total:N0} bytes read", done, total);
            accepted = ScaleBySampling ? ReadFilesScaled(set.Files, Progress) : ReadFiles(set.Files, OnFileError, Progress);
        }
        catch (OperationCanceledException) when (CancelToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        progress.Complete();
        WriteVerbose($"Read {set.Files.Count:N0} nfcapd files ({total:N0} bytes): {accepted:N0} flows selected.");
    }

    /// <summary>
    /// -ScaleBySampling: the time window is applied while reading (it does not depend on the counters), the filter after
    /// scaling, so a filter such as 'bytes > 1M' sees what the analysis counts.
    /// </summary>
    private long ReadFilesScaled(IReadOnlyList<string> files, Action<long> onProgress)
    {
        var window = new FlowSelection(null, Selection.StartFrom, Selection.StartTo);
        var filter = Selection.Filter;
        long accepted = 0;
        FlowFileStream.ForEach(files, window, flow =>
        {
            FlowSampling.Scale(flow);   // ForEach gives a fresh record per flow: no copy needed
            if (filter is not null && !filter.Matches(flow)) return;
            accepted++;
            AddFlow(flow);
        }, OnFileError, onProgress, CancelToken);
        return accepted;
    }

    private void OnFileError(FlowDataException e) =>
        WriteError(new ErrorRecord(e, ErrorIds.FlowFileCorrupt, ErrorCategory.InvalidData, e.DataSource)
        {
            ErrorDetails = new ErrorDetails($"{e.DataSource}: {e.Reason} at byte {e.Offset}; the flows before it were analysed."),
        });
}
