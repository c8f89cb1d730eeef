using FlowForensics.Flows;
using FlowForensics.Query;
using FlowForensics.Wire;

namespace FlowForensics.Storage;

/// <summary>
/// What happened while a <see cref="FlowQuery"/> chose and read its files. Every method has a default (nothing, or for
/// <see cref="FileDamaged"/> the throw), so an observer implements only what it reports. The calls come on the thread that called the query's read method.
/// </summary>
public interface IFlowQueryObserver
{
    /// <summary>A candidate file was passed over (<paramref name="reason"/> says why); <paramref name="notFlowFile"/> when it is not nfcapd at all.</summary>
    void FileSkipped(string path, string reason, bool notFlowFile)
    {
    }

    /// <summary>The first block of <paramref name="path"/> reached the consumer.</summary>
    void FileOpened(string path)
    {
    }

    /// <summary>
    /// A file is damaged or unreadable at the exception's offset; its flows before the damage were delivered and, when this
    /// returns, the query goes on with the next file. Not overridden, the damage is thrown, as without an observer: an
    /// observer never drops it unseen.
    /// </summary>
    void FileDamaged(FlowDataException error) => System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);

    /// <summary>Bytes read so far of <paramref name="total"/> (all the files' lengths), after each block.</summary>
    void BytesRead(long done, long total)
    {
    }
}

/// <summary>How many flows each step of a <see cref="FlowSelection"/> kept or left out, as one consumer saw them.</summary>
public sealed class FlowQueryCounts
{
    /// <summary>Flows delivered to the consumer.</summary>
    public long Selected { get; internal set; }

    public long OutsideWindow { get; internal set; }

    public long Filtered { get; internal set; }

    public long Excluded { get; internal set; }

    /// <summary>Every flow read.</summary>
    public long Read => Selected + OutsideWindow + Filtered + Excluded;

    internal void Count(FlowSelectionOutcome outcome)
    {
        switch (outcome)
        {
            case FlowSelectionOutcome.Selected: Selected++; break;
            case FlowSelectionOutcome.OutsideWindow: OutsideWindow++; break;
            case FlowSelectionOutcome.Filtered: Filtered++; break;
            default: Excluded++; break;
        }
    }
}

/// <summary>
/// The engine's one way to read evidence and pick the flows: a source (nfcapd files and folders, or records already in
/// memory), one <see cref="FlowSelection"/> (window, scaling, filter, exclusion, in that order) and one
/// <see cref="IFlowQueryObserver"/> for what happened. Files are chosen by <see cref="FlowFileSet"/> (magic, name time,
/// stat record against the window and the filter), then read through the read-ahead pipeline
/// (<see cref="Nfcapd.NfcapdBlockPipeline"/>: a thread reads and decompresses a few blocks ahead while the calling thread
/// decodes), which delivers each selected flow as the consumer asks: a fresh record per flow
/// (<see cref="ForEach(Action{FlowRecord}, CancellationToken)"/>: the consumer may keep it), one reused record (<see cref="ForEachReused(Action{FlowRecord}, CancellationToken)"/>: aggregations) or
/// compact <see cref="FlowCore"/>s (statistics, window-only selections). A damaged file keeps the flows before the
/// damage and is told to the observer (without one, the first damage is thrown).
/// </summary>
/// <example>
/// A hunt as Find-FlowBeacon -Path evidence -Filter 'proto tcp' -Exclude 10.0.0.53 -ScaleBySampling runs it:
/// <code>
/// var exclusion = FlowExclusion.Parse(["10.0.0.53"]);
/// var selection = new FlowSelection(FlowFilter.Compile("proto tcp"), start: null, end: null, scaleBySampling: true, exclude: exclusion.Excludes);
/// var detector = new BeaconDetector(new BeaconOptions());
/// FlowQuery.Open(["evidence"], recurse: false, selection).ForEach(detector.Add);
/// var findings = detector.GetFindings();
/// </code>
/// </example>
public sealed class FlowQuery
{
    /// <param name="files">nfcapd files, read in this order (already chosen: use <see cref="Open"/> to choose them from paths and folders).</param>
    /// <param name="selection">The flows to keep; null = every flow.</param>
    /// <param name="observer">Told what happened; null throws the first damaged file's <see cref="FlowDataException"/>.</param>
    public FlowQuery(IReadOnlyList<string> files, FlowSelection? selection = null, IFlowQueryObserver? observer = null)
    {
        ArgumentNullException.ThrowIfNull(files);
        Files = files;
        Selection = selection ?? FlowSelection.All;
        Observer = observer;
    }

    /// <summary>
    /// Chooses the files of <paramref name="paths"/> (files and folders, <paramref name="recurse"/> for subfolders) for the
    /// selection's window and filter (<see cref="FlowFileSet"/>), tells the observer each file passed over and why, and
    /// returns the query over the rest, in time order.
    /// </summary>
    /// <exception cref="FileNotFoundException">A path is neither a file nor a folder.</exception>
    /// <exception cref="IOException">A folder or file could not be listed or opened.</exception>
    public static FlowQuery Open(IEnumerable<string> paths, bool recurse, FlowSelection? selection = null, IFlowQueryObserver? observer = null)
    {
        selection ??= FlowSelection.All;
        var set = new FlowFileSet(paths, recurse, selection.Window, selection.Filter);
        if (observer is not null)
        {
            foreach (var skipped in set.Skipped) observer.FileSkipped(skipped.Path, skipped.Reason, set.NotFlowFiles.Contains(skipped.Path));
        }
        return new FlowQuery(set.Files, selection, observer) { FileSet = set };
    }

    /// <summary>The files read, in order.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>The choice of files when the query was made by <see cref="Open"/> (what was skipped and why, total bytes); else null.</summary>
    public FlowFileSet? FileSet { get; private init; }

    public FlowSelection Selection { get; }

    public IFlowQueryObserver? Observer { get; }

    /// <summary>What the selection did in the last read (of the first consumer, when there were several).</summary>
    public FlowQueryCounts Counts { get; private set; } = new();

    /// <summary>The files' lengths together (a file that is gone counts 0; reading it reports it).</summary>
    public long TotalBytes => FileSet?.TotalBytes ?? Files.Sum(static f => new FileInfo(f) is { Exists: true } info ? info.Length : 0);

    /// <summary>Calls <paramref name="onFlow"/> on this thread with each selected flow, a fresh record each (the consumer may keep it).</summary>
    /// <returns>The flows delivered.</returns>
    /// <exception cref="OperationCanceledException">When <paramref name="cancel"/> is cancelled; the flows before it were delivered.</exception>
    public long ForEach(Action<FlowRecord> onFlow, CancellationToken cancel = default) =>
        Read([onFlow ?? throw new ArgumentNullException(nameof(onFlow))], reuse: false, cancel);

    /// <summary>
    /// <see cref="ForEach(Action{FlowRecord}, CancellationToken)"/> without an allocation per flow: every flow is decoded into one reused record, which the next
    /// flow overwrites. Only for consumers that do not keep the object past the call (they aggregate its values or keep a
    /// <see cref="FlowRecord.Clone"/>). Same flows, order and errors as <see cref="ForEach(Action{FlowRecord}, CancellationToken)"/>.
    /// </summary>
    public long ForEachReused(Action<FlowRecord> onFlow, CancellationToken cancel = default) =>
        Read([onFlow ?? throw new ArgumentNullException(nameof(onFlow))], reuse: true, cancel);

    /// <summary>
    /// <see cref="ForEachReused(Action{FlowRecord}, CancellationToken)"/> for several consumers, each on its own thread
    /// (the first on this one, which also tells the observer), each seeing every selected flow in order in a record of its
    /// own; the files are read and decompressed once. Returns the flows the first consumer was given (all are given the same).
    /// </summary>
    internal long ForEachReused(IReadOnlyList<Action<FlowRecord>> consumers, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(consumers);
        ArgumentOutOfRangeException.ThrowIfLessThan(consumers.Count, 1);
        return Read(consumers, reuse: true, cancel);
    }

    /// <summary>
    /// Decodes only what statistics read of each flow (<see cref="FlowCore"/>) for several sinks, each on its own thread
    /// (the first on this one), each seeing every flow inside the window in order. Only for a selection that is a window
    /// alone (<see cref="FlowSelection.IsWindowOnly"/>): a filter, scaling or an exclusion needs whole records.
    /// </summary>
    internal void ForEachCore(IReadOnlyList<IFlowCoreSink> sinks, CancellationToken cancel)
    {
        if (!Selection.IsWindowOnly) throw new InvalidOperationException("A filter, scaling or exclusion needs whole records; use ForEachReused.");
        var counts = Counts = new FlowQueryCounts();
        FlowFileStream.RunCores(Files, Selection, sinks, counts, Reporter(), cancel);
    }

    /// <summary>Records already in memory (the pipeline's): the selection applied in its order to each, without changing the caller's records.</summary>
    /// <returns>The flows delivered.</returns>
    public static long ForEachSelected(IEnumerable<FlowRecord> records, FlowSelection selection, Action<FlowRecord> onFlow, FlowQueryCounts? counts = null)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(selection);
        ArgumentNullException.ThrowIfNull(onFlow);
        long selected = 0;
        foreach (var record in records)
        {
            var flow = record;
            var outcome = selection.Apply(ref flow, owned: false);
            counts?.Count(outcome);
            if (outcome != FlowSelectionOutcome.Selected) continue;
            onFlow(flow);
            selected++;
        }
        return selected;
    }

    private long Read(IReadOnlyList<Action<FlowRecord>> consumers, bool reuse, CancellationToken cancel)
    {
        var counts = new FlowQueryCounts[consumers.Count];
        for (int i = 0; i < counts.Length; i++) counts[i] = new FlowQueryCounts();
        Counts = counts[0];
        FlowFileStream.RunRecords(Files, Selection, consumers, reuse, counts, Reporter(), cancel);
        return counts[0].Selected;
    }

    private FlowFileStream.Reporter Reporter()
    {
        var observer = Observer;
        if (observer is null) return new FlowFileStream.Reporter(null, null, null);
        long total = TotalBytes;
        return new FlowFileStream.Reporter(observer.FileDamaged, done => observer.BytesRead(done, total), observer.FileOpened);
    }
}

/// <summary>An observer made of callbacks (the older delegate-based engine API): a null <c>onFileError</c> throws the damage.</summary>
internal sealed class FlowQueryCallbacks(Action<FlowDataException>? onFileError, Action<long>? onProgress) : IFlowQueryObserver
{
    /// <summary>Null when both callbacks are null (the query then throws the first damage itself).</summary>
    public static IFlowQueryObserver? Create(Action<FlowDataException>? onFileError, Action<long>? onProgress) =>
        onFileError is null && onProgress is null ? null : new FlowQueryCallbacks(onFileError, onProgress);

    public void FileDamaged(FlowDataException error)
    {
        if (onFileError is null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        onFileError(error);
    }

    public void BytesRead(long done, long total) => onProgress?.Invoke(done);
}
