using System.Management.Automation;
using FlowForensics.Flows;
using FlowForensics.Query;
using FlowForensics.Storage;

namespace FlowForensics.PowerShell.Infrastructure;

/// <summary>
/// Base of every cmdlet that selects flows with <c>-Filter</c>, <c>-Start</c> and <c>-End</c> (declared here once, so
/// their meaning and help are the same everywhere) and reads nfcapd files through the engine's <see cref="FlowQuery"/>.
/// <see cref="RunQuery"/> is the one place where the query's observer events become ErrorRecords, -Verbose lines and
/// progress. <see cref="FlowInputCmdlet"/> adds the <c>-Path</c>/<c>-LiteralPath</c>/<c>-Recurse</c> block.
/// </summary>
public abstract class FlowSelectionCmdlet : FlowCmdlet
{
    /// <summary>Keep only the flows this nfdump filter matches (compiled once; see Get-Help about_FlowFilter).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(Completers.FlowFilterCompleter))]
    public virtual string? Filter { get; set; }

    /// <summary>
    /// Keep only flows inside the window, as nfdump -t reads it: the flow's first packet at or after -Start and its last
    /// packet at or before -End (both inclusive), so a flow that straddles either edge is left out. The same on every
    /// cmdlet. UTC unless the value says otherwise (ISO 8601, nfdump's 2024/01/02.10:00:00, or a DateTime).
    /// </summary>
    [Parameter]
    [FlowTimeTransformation]
    public DateTime? Start { get; set; }

    /// <summary>
    /// Keep only flows inside the window, as nfdump -t reads it: the flow's last packet at or before -End and its first
    /// packet at or after -Start (both inclusive), so a flow that straddles either edge is left out. The same on every
    /// cmdlet. UTC unless the value says otherwise (ISO 8601, nfdump's 2024/01/02.10:00:00, or a DateTime).
    /// </summary>
    [Parameter]
    [FlowTimeTransformation]
    public DateTime? End { get; set; }

    /// <summary>
    /// -Filter, -Start and -End as one engine selection (plus the cmdlet's scaling and exclusion): the filter compiled
    /// once, an end before the start a terminating error (FilterSyntax, TimeWindowInvalid).
    /// </summary>
    protected FlowSelection CreateSelection(bool scaleBySampling = false, Func<FlowRecord, bool>? exclude = null)
    {
        CompiledFilter? filter = FlowFilterArgument.Compile(this, Filter);
        var window = TimeWindowArgument.Create(this, Start, End);
        return new FlowSelection(filter, window, scaleBySampling, exclude);
    }

    /// <summary>
    /// Chooses the files of <paramref name="paths"/> for <paramref name="selection"/> and runs <paramref name="read"/>
    /// over the query. What the query observes is written here: a named file that is not nfcapd is a FlowFileUnsupported
    /// error and other files passed over are -Verbose lines; a damaged file is a FlowFileCorrupt error (the flows before
    /// the damage <paramref name="delivered"/>); bytes read are progress under <paramref name="activity"/>; an unreadable
    /// path a FileReadFailed error. A stop becomes <see cref="PipelineStoppedException"/>.
    /// </summary>
    /// <param name="prepare">Given the chosen query before it is read; returns the query to read (the report hashes the
    /// files first and drops the unreadable ones), or null to read nothing.</param>
    /// <returns>The query that was read, or null when the files could not be chosen.</returns>
    /// <summary>Inputs <see cref="RunQuery"/> reported as failed: files that could not be listed, opened or read, named files that are not nfcapd, damage.</summary>
    protected int InputFailures { get; private set; }

    protected FlowQuery? RunQuery(IReadOnlyList<string> paths, bool recurse, FlowSelection selection, string activity, string? delivered,
        Func<FlowQuery, long> read, Func<FlowQuery, FlowQuery?>? prepare = null)
    {
        if (paths.Count == 0) return null;
        var explicitFiles = new HashSet<string>(paths.Where(File.Exists).Select(System.IO.Path.GetFullPath), StringComparer.Ordinal);
        var progress = new ThrottledProgress(this, 1, activity);
        var observer = new Observer(this, explicitFiles, progress, delivered);
        FlowQuery query;
        try
        {
            query = FlowQuery.Open(paths, recurse, selection, observer);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            InputFailures++;
            WriteError(new ErrorRecord(ex, ErrorIds.FileReadFailed, ErrorCategory.ReadError, ex is FileNotFoundException f ? f.FileName : string.Join(", ", paths)));
            return null;
        }
        if (prepare is not null)
        {
            if (prepare(query) is not { } prepared) return null;
            query = prepared;
        }
        observer.Query = query;
        long total = query.TotalBytes;
        WriteVerbose($"{query.Files.Count:N0} flow file(s), {total:N0} bytes, to read for window {selection.Window}" +
                     (selection.Filter is null ? "" : $" with filter '{selection.Filter.Text}'") + ".");
        long selected;
        try
        {
            selected = read(query);
        }
        catch (OperationCanceledException) when (CancelToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            InputFailures++;
            WriteError(new ErrorRecord(ex, ErrorIds.FileReadFailed, ErrorCategory.ReadError, observer.Current));
            return query;
        }
        observer.EndFile();
        progress.Complete();
        var counts = query.Counts;
        WriteVerbose($"Read {query.Files.Count:N0} nfcapd files ({total:N0} bytes): {selected:N0} flows selected" +
                     (counts.Read > 0 ? $" of {counts.Read:N0} read ({counts.OutsideWindow:N0} outside the window, {counts.Filtered:N0} not matching the filter, {counts.Excluded:N0} excluded)." : "."));
        return query;
    }

    /// <summary>The query's observer: every event becomes an ErrorRecord, a -Verbose line or progress, on the pipeline thread.</summary>
    private sealed class Observer(FlowSelectionCmdlet cmdlet, HashSet<string> explicitFiles, ThrottledProgress progress, string? delivered)
        : IFlowQueryObserver
    {
        private long _selectedBefore;

        public FlowQuery? Query { get; set; }

        public string Current { get; private set; } = "";

        public void FileSkipped(string path, string reason, bool notFlowFile)
        {
            if (notFlowFile && explicitFiles.Contains(path))
            {
                cmdlet.InputFailures++;
                cmdlet.WriteError(FlowFileErrors.NotAFlowFile(path));
            }
            else cmdlet.WriteVerbose($"Skipped {path}: {reason}.");
        }

        public void FileOpened(string path)
        {
            EndFile();
            Current = path;
            _selectedBefore = Query?.Counts.Selected ?? 0;
            cmdlet.WriteVerbose($"Reading {path}");
        }

        public void FileDamaged(Wire.FlowDataException error)
        {
            cmdlet.InputFailures++;
            cmdlet.WriteError(FlowFileErrors.Corrupt(error, delivered));
        }

        public void BytesRead(long done, long total) =>
            progress.Report($"{done:N0} of {total:N0} bytes read, {Query?.Counts.Read ?? 0:N0} flows read", done, total);

        /// <summary>The -Verbose line of the file just read: its flows selected.</summary>
        public void EndFile()
        {
            if (Current.Length == 0 || Query is null) return;
            cmdlet.WriteVerbose($"{Current}: {Query.Counts.Selected - _selectedBefore:N0} flows selected.");
            Current = "";
        }
    }
}
