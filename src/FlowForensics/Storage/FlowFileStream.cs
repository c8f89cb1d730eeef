using System.Runtime.ExceptionServices;
using FlowForensics.Flows;
using FlowForensics.Query;
using FlowForensics.Storage.Nfcapd;
using FlowForensics.Wire;

namespace FlowForensics.Storage;

/// <summary>
/// Streams the flows of nfcapd files, one file after another in the given order, into a callback: the analyses
/// (hunts, baselines) read evidence at engine speed this way, with no pipeline object per flow. A damaged file
/// keeps the flows before the damage and is reported through <c>onFileError</c>; the run goes on with the next file.
/// The files are read and decompressed a few blocks ahead on a thread of their own (<see cref="NfcapdBlockPipeline"/>)
/// while this thread decodes and hands over the flows.
/// </summary>
public static class FlowFileStream
{
    private const int CheckInterval = 4096;

    /// <summary>Calls <paramref name="onFlow"/> for every record of <paramref name="files"/> that <paramref name="selection"/> accepts.</summary>
    /// <param name="files">nfcapd files, read in this order.</param>
    /// <param name="selection">The filter and window each record must pass.</param>
    /// <param name="onFlow">Called for each accepted record, on the calling thread.</param>
    /// <param name="onFileError">Told of each damaged or unreadable file; null rethrows the first.</param>
    /// <param name="onProgress">Told the bytes done so far (of all the files' lengths), after each block.</param>
    /// <param name="cancel">Stops the read between records.</param>
    /// <returns>The number of records accepted.</returns>
    /// <exception cref="OperationCanceledException">When <paramref name="cancel"/> is cancelled; the records before it were delivered.</exception>
    public static long ForEach(IReadOnlyList<string> files, FlowSelection selection, Action<FlowRecord> onFlow,
        Action<FlowDataException>? onFileError = null, Action<long>? onProgress = null, CancellationToken cancel = default) =>
        Run(files, selection, [onFlow ?? throw new ArgumentNullException(nameof(onFlow))], transient: false, onFileError, onProgress, cancel);

    /// <summary>
    /// <see cref="ForEach"/> without an allocation per flow: every record is decoded into one reused
    /// <see cref="FlowRecord"/> (as <see cref="NfcapdFileReader.ReadFlowsInto"/> does). Only for consumers that promise not to
    /// keep the object past the call (they aggregate its values, or keep a <see cref="FlowRecord.Clone"/>): the next
    /// record overwrites it. Same flows, same order, same errors as <see cref="ForEach"/>.
    /// </summary>
    public static long ForEachTransient(IReadOnlyList<string> files, FlowSelection selection, Action<FlowRecord> onFlow,
        Action<FlowDataException>? onFileError = null, Action<long>? onProgress = null, CancellationToken cancel = default) =>
        Run(files, selection, [onFlow ?? throw new ArgumentNullException(nameof(onFlow))], transient: true, onFileError, onProgress, cancel);

    /// <summary>
    /// <see cref="ForEachTransient(IReadOnlyList{string}, FlowSelection, Action{FlowRecord}, Action{FlowDataException}?, Action{long}?, CancellationToken)"/>
    /// for several consumers at once, each on its own thread (the first on the calling thread), each seeing every
    /// accepted record of every file in order in a record of its own: the files are read and decompressed once, ahead,
    /// and each block is decoded by every consumer. The calling thread reports errors and progress. Returns the records
    /// the first consumer accepted (every consumer accepts the same).
    /// </summary>
    internal static long ForEachTransient(IReadOnlyList<string> files, FlowSelection selection, IReadOnlyList<Action<FlowRecord>> consumers,
        Action<FlowDataException>? onFileError, Action<long>? onProgress, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(consumers);
        ArgumentOutOfRangeException.ThrowIfLessThan(consumers.Count, 1);
        return Run(files, selection, consumers, transient: true, onFileError, onProgress, cancel);
    }

    /// <summary>
    /// Decodes what statistics read of each flow (<see cref="FlowCore"/>) straight from the files' bytes, for several
    /// sinks at once, each on its own thread (the first on the calling thread), each seeing every flow that starts in
    /// the window of every file in order; no <see cref="FlowRecord"/> is filled. Only for a selection without a filter
    /// (a filter needs the whole record). The calling thread reports errors and progress, as in
    /// <see cref="ForEachTransient(IReadOnlyList{string}, FlowSelection, IReadOnlyList{Action{FlowRecord}}, Action{FlowDataException}?, Action{long}?, CancellationToken)"/>.
    /// </summary>
    internal static void ForEachCore(IReadOnlyList<string> files, FlowSelection selection, IReadOnlyList<IFlowCoreSink> sinks,
        Action<FlowDataException>? onFileError, Action<long>? onProgress, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(sinks);
        ArgumentOutOfRangeException.ThrowIfLessThan(sinks.Count, 1);
        if (selection.Filter is not null) throw new ArgumentException("A filter needs whole records; use ForEachTransient.", nameof(selection));
        long from = selection.StartFrom?.Ticks ?? long.MinValue, to = selection.StartTo?.Ticks ?? long.MaxValue;
        var consumers = new Func<NfcapdBlockDecoder, NfcapdBlock, NfcapdProblem?>[sinks.Count];
        for (int c = 0; c < sinks.Count; c++)
        {
            var batcher = new FlowCoreBatcher(sinks[c]);   // one per consumer, for every block of every file
            consumers[c] = (decoder, block) =>
            {
                cancel.ThrowIfCancellationRequested();
                return decoder.DecodeCores(block, batcher, from, to);
            };
        }
        Run(files, consumers, onFileError, onProgress, cancel);
    }

    private static long Run(IReadOnlyList<string> files, FlowSelection selection, IReadOnlyList<Action<FlowRecord>> consumers, bool transient,
        Action<FlowDataException>? onFileError, Action<long>? onProgress, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(selection);
        var counts = new long[consumers.Count];
        var decoders = new Func<NfcapdBlockDecoder, NfcapdBlock, NfcapdProblem?>[consumers.Count];
        for (int c = 0; c < consumers.Count; c++) decoders[c] = RecordDecoder(selection, consumers[c], transient, counts, c, cancel);
        Run(files, decoders, onFileError, onProgress, cancel);
        return counts[0];
    }

    /// <summary>
    /// Runs the pipeline over <paramref name="files"/> with one consumer per decoder, the first on this thread (it reports
    /// errors and progress), the others on threads of their own; the first failure stops them all and is thrown.
    /// </summary>
    private static void Run(IReadOnlyList<string> files, IReadOnlyList<Func<NfcapdBlockDecoder, NfcapdBlock, NfcapdProblem?>> decoders,
        Action<FlowDataException>? onFileError, Action<long>? onProgress, CancellationToken cancel)
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
            pipeline.Consume(decoders[0], reports: true, onFileError, onProgress);
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
    /// One consumer's block decoder for records: the selection, a cancellation check every few thousand records, the
    /// count of accepted records in <paramref name="counts"/>[<paramref name="index"/>].
    /// </summary>
    private static Func<NfcapdBlockDecoder, NfcapdBlock, NfcapdProblem?> RecordDecoder(FlowSelection selection, Action<FlowRecord> onFlow,
        bool transient, long[] counts, int index, CancellationToken cancel)
    {
        int untilCheck = CheckInterval;
        bool all = selection.IsAll;
        var reuse = transient ? new FlowRecord() : null;
        void Visit(FlowRecord flow)
        {
            if (all || selection.Accepts(flow))
            {
                onFlow(flow);
                counts[index]++;
            }
            if (--untilCheck == 0)
            {
                untilCheck = CheckInterval;
                cancel.ThrowIfCancellationRequested();
            }
        }
        Action<FlowRecord> visit = Visit;
        return (decoder, block) => decoder.Decode(block, reuse, visit);
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
