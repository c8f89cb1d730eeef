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
/// </summary>
public static class FlowFileStream
{
    private const int CheckInterval = 4096;

    /// <summary>Calls <paramref name="onFlow"/> for every record of <paramref name="files"/> that <paramref name="selection"/> accepts.</summary>
    /// <param name="files">nfcapd files, read in this order.</param>
    /// <param name="selection">The filter and window each record must pass.</param>
    /// <param name="onFlow">Called for each accepted record, on the calling thread.</param>
    /// <param name="onFileError">Told of each damaged or unreadable file; null rethrows the first.</param>
    /// <param name="onProgress">Told the bytes done so far (of all the files' lengths), every few thousand records.</param>
    /// <param name="cancel">Stops the read between records.</param>
    /// <returns>The number of records accepted.</returns>
    /// <exception cref="OperationCanceledException">When <paramref name="cancel"/> is cancelled; the records before it were delivered.</exception>
    public static long ForEach(IReadOnlyList<string> files, FlowSelection selection, Action<FlowRecord> onFlow,
        Action<FlowDataException>? onFileError = null, Action<long>? onProgress = null, CancellationToken cancel = default) =>
        Run(files, selection, onFlow, transient: false, onFileError, onProgress, cancel);

    /// <summary>
    /// <see cref="ForEach"/> without an allocation per flow: every record is decoded into one reused
    /// <see cref="FlowRecord"/> (<see cref="NfcapdFileReader.ReadFlowsInto"/>). Only for consumers that promise not to
    /// keep the object past the call (they aggregate its values, or keep a <see cref="FlowRecord.Clone"/>): the next
    /// record overwrites it. Same flows, same order, same errors as <see cref="ForEach"/>.
    /// </summary>
    public static long ForEachTransient(IReadOnlyList<string> files, FlowSelection selection, Action<FlowRecord> onFlow,
        Action<FlowDataException>? onFileError = null, Action<long>? onProgress = null, CancellationToken cancel = default) =>
        Run(files, selection, onFlow, transient: true, onFileError, onProgress, cancel);

    private static long Run(IReadOnlyList<string> files, FlowSelection selection, Action<FlowRecord> onFlow, bool transient,
        Action<FlowDataException>? onFileError, Action<long>? onProgress, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(selection);
        ArgumentNullException.ThrowIfNull(onFlow);
        long accepted = 0, bytesDone = 0;
        FlowRecord? reused = null;
        foreach (string path in files)
        {
            cancel.ThrowIfCancellationRequested();
            FlowDataException? error = null;
            long length = 0;
            try
            {
                length = new FileInfo(path).Length;
                using var reader = NfcapdFileReader.Open(path);
                int untilCheck = CheckInterval;
                long done = bytesDone;
                void Visit(FlowRecord flow)
                {
                    if (selection.Accepts(flow))
                    {
                        onFlow(flow);
                        accepted++;
                    }
                    if (--untilCheck == 0)
                    {
                        untilCheck = CheckInterval;
                        cancel.ThrowIfCancellationRequested();
                        onProgress?.Invoke(done + reader.Position);
                    }
                }
                reader.ForEachFlow(transient ? reused ??= new FlowRecord() : null, Visit, cancel);
            }
            catch (FlowDataException e)
            {
                error = e;   // the flows before the damage were delivered
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                error = new FlowDataException(path, 0, e.Message, e);
            }
            bytesDone += length;
            if (error is not null)
            {
                if (onFileError is null) ExceptionDispatchInfo.Throw(error);
                onFileError(error);
            }
            onProgress?.Invoke(bytesDone);
        }
        return accepted;
    }
}
