using System.Runtime.ExceptionServices;
using FlowForensics.Flows;
using FlowForensics.Query;
using FlowForensics.Storage.Nfcapd;
using FlowForensics.Wire;

namespace FlowForensics.Storage;

/// <summary>
/// The reader path behind <see cref="FlowQuery"/>: the files are read and decompressed a few blocks ahead on a thread of
/// their own (<see cref="NfcapdBlockPipeline"/>) while each consumer decodes every block and applies the selection. A
/// damaged file keeps the flows before the damage and is reported; the run goes on with the next file. The two public
/// methods are the older delegate-based front of the same path (<see cref="FlowQuery"/> is the one to use).
/// </summary>
public static class FlowFileStream
{
    private const int CheckInterval = 4096;

    /// <summary>Where the reporting consumer tells what happened (each may be null; a null <see cref="OnFileError"/> rethrows).</summary>
    internal readonly record struct Reporter(Action<FlowDataException>? OnFileError, Action<long>? OnProgress, Action<string>? OnFileOpened);

    /// <summary>Calls <paramref name="onFlow"/> for every record of <paramref name="files"/> that <paramref name="selection"/> selects, a fresh record each.</summary>
    /// <param name="files">nfcapd files, read in this order.</param>
    /// <param name="selection">The window, scaling, filter and exclusion each record must pass (<see cref="FlowSelection.Apply"/>).</param>
    /// <param name="onFlow">Called for each selected record, on the calling thread.</param>
    /// <param name="onFileError">Told of each damaged or unreadable file; null rethrows the first.</param>
    /// <param name="onProgress">Told the bytes done so far (of all the files' lengths), after each block.</param>
    /// <param name="cancel">Stops the read between records.</param>
    /// <returns>The number of records selected.</returns>
    /// <exception cref="OperationCanceledException">When <paramref name="cancel"/> is cancelled; the records before it were delivered.</exception>
    public static long ForEach(IReadOnlyList<string> files, FlowSelection selection, Action<FlowRecord> onFlow,
        Action<FlowDataException>? onFileError = null, Action<long>? onProgress = null, CancellationToken cancel = default) =>
        Records(files, selection, onFlow, reuse: false, onFileError, onProgress, cancel);

    /// <summary>
    /// <see cref="ForEach"/> into one reused <see cref="FlowRecord"/>, for consumers that do not keep the object past the
    /// call: the next record overwrites it. Same flows, same order, same errors as <see cref="ForEach"/>.
    /// </summary>
    public static long ForEachTransient(IReadOnlyList<string> files, FlowSelection selection, Action<FlowRecord> onFlow,
        Action<FlowDataException>? onFileError = null, Action<long>? onProgress = null, CancellationToken cancel = default) =>
        Records(files, selection, onFlow, reuse: true, onFileError, onProgress, cancel);

    private static long Records(IReadOnlyList<string> files, FlowSelection selection, Action<FlowRecord> onFlow, bool reuse,
        Action<FlowDataException>? onFileError, Action<long>? onProgress, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(onFlow);
        var counts = new FlowQueryCounts();
        RunRecords(files, selection, [onFlow], reuse, [counts], new Reporter(onFileError, onProgress, null), cancel);
        return counts.Selected;
    }

    /// <summary>
    /// Records for one or more consumers, each on its own thread (the first on the calling thread, which reports), each
    /// seeing every selected record of every file in order, in a fresh record per flow or in one reused record of its own;
    /// <paramref name="counts"/>[i] counts what consumer i's selection did.
    /// </summary>
    internal static void RunRecords(IReadOnlyList<string> files, FlowSelection selection, IReadOnlyList<Action<FlowRecord>> consumers, bool reuse,
        FlowQueryCounts[] counts, Reporter reporter, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(selection);
        var decoders = new Func<NfcapdBlockDecoder, NfcapdBlock, NfcapdProblem?>[consumers.Count];
        for (int c = 0; c < consumers.Count; c++) decoders[c] = RecordDecoder(selection, consumers[c], reuse, counts[c], cancel);
        Run(files, decoders, reporter, cancel);
    }

    /// <summary>
    /// What statistics read of each flow (<see cref="FlowCore"/>), decoded straight from the files' bytes, for several sinks
    /// at once, each on its own thread (the first on the calling thread, which reports), each seeing every flow inside the
    /// window of every file in order; no <see cref="FlowRecord"/> is filled. Only for a window-only selection. The first
    /// consumer counts what the window kept and left out in <paramref name="counts"/>.
    /// </summary>
    internal static void RunCores(IReadOnlyList<string> files, FlowSelection selection, IReadOnlyList<IFlowCoreSink> sinks,
        FlowQueryCounts? counts, Reporter reporter, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(sinks);
        ArgumentOutOfRangeException.ThrowIfLessThan(sinks.Count, 1);
        if (!selection.IsWindowOnly) throw new ArgumentException("A filter, scaling or exclusion needs whole records.", nameof(selection));
        long from = selection.Start?.Ticks ?? long.MinValue, to = selection.End?.Ticks ?? long.MaxValue;
        var consumers = new Func<NfcapdBlockDecoder, NfcapdBlock, NfcapdProblem?>[sinks.Count];
        for (int c = 0; c < sinks.Count; c++)
        {
            var batcher = new FlowCoreBatcher(sinks[c]);   // one per consumer, for every block of every file
            var mine = c == 0 ? counts : null;             // the first consumer counts for all
            consumers[c] = (decoder, block) =>
            {
                cancel.ThrowIfCancellationRequested();
                return decoder.DecodeCores(block, batcher, from, to, mine);
            };
        }
        Run(files, consumers, reporter, cancel);
    }

    /// <summary>
    /// Runs the pipeline over <paramref name="files"/> with one consumer per decoder, the first on this thread (it reports
    /// errors and progress), the others on threads of their own; the first failure stops them all and is thrown.
    /// </summary>
    private static void Run(IReadOnlyList<string> files, IReadOnlyList<Func<NfcapdBlockDecoder, NfcapdBlock, NfcapdProblem?>> decoders,
        Reporter reporter, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(files);
        cancel.ThrowIfCancellationRequested();
        if (files.Count == 0) return;
        using var pipeline = new NfcapdBlockPipeline(files, decoders.Count, cancel);
        var helpers = new Task[decoders.Count - 1];
        for (int c = 1; c < decoders.Count; c++)
        {
            var decode = decoders[c];
            helpers[c - 1] = Task.Factory.StartNew(() =>
                {
                    try
                    {
                        pipeline.Consume(decode, reports: false, null, null);
                    }
                    catch
                    {
                        pipeline.Stop();   // wakes the reporting consumer, which then reports this failure
                        throw;
                    }
                },
                CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }
        try
        {
            pipeline.Consume(decoders[0], reports: true, reporter.OnFileError, reporter.OnProgress, reporter.OnFileOpened);
        }
        catch (Exception mine)
        {
            pipeline.Stop();
            var theirs = Faults(helpers);
            // Stopped because another consumer failed: its error is the one to report.
            if (mine is OperationCanceledException && !cancel.IsCancellationRequested && theirs is not null) ExceptionDispatchInfo.Throw(theirs);
            throw;
        }
        if (Faults(helpers) is { } fault) ExceptionDispatchInfo.Throw(fault);
    }

    /// <summary>
    /// One consumer's block decoder for records: the selection in its order, a cancellation check every few thousand
    /// records, the outcomes counted in <paramref name="counts"/>. Records decoded here are the reader's own (fresh, or
    /// the one reused record), so scaling changes them in place.
    /// </summary>
    private static Func<NfcapdBlockDecoder, NfcapdBlock, NfcapdProblem?> RecordDecoder(FlowSelection selection, Action<FlowRecord> onFlow,
        bool reuse, FlowQueryCounts counts, CancellationToken cancel)
    {
        int untilCheck = CheckInterval;
        bool all = selection.IsAll;
        var reused = reuse ? new FlowRecord() : null;
        void Visit(FlowRecord flow)
        {
            var outcome = all ? FlowSelectionOutcome.Selected : selection.Apply(ref flow, owned: true);
            counts.Count(outcome);
            if (outcome == FlowSelectionOutcome.Selected) onFlow(flow);
            if (--untilCheck == 0)
            {
                untilCheck = CheckInterval;
                cancel.ThrowIfCancellationRequested();
            }
        }
        Action<FlowRecord> visit = Visit;
        return (decoder, block) => decoder.Decode(block, reused, visit);
    }

    /// <summary>Waits for the other consumers; the first failure that is not the stop itself, if any.</summary>
    private static Exception? Faults(Task[] helpers)
    {
        try
        {
            Task.WaitAll(helpers);
            return null;
        }
        catch (AggregateException e)
        {
            return e.InnerExceptions.FirstOrDefault(x => x is not OperationCanceledException) ?? e.InnerExceptions[0];
        }
    }
}
