using FlowForensics.Query;
using System.Runtime.ExceptionServices;
using FlowForensics.Analysis.Aggregation;
using FlowForensics.Flows;
using FlowForensics.Storage;
using FlowForensics.Storage.Nfcapd;
using FlowForensics.Wire;

namespace FlowForensics.Analysis.TopN;

/// <summary>
/// nfdump's <c>-s</c> element statistics and <c>-A</c> aggregation in one engine: add records (from the
/// pipeline or straight from a reader), then take the top-N rows. Memory grows with the number of distinct keys
/// only; the top N are chosen with a size-N heap. Not thread-safe: feed it from one thread.
/// </summary>
public sealed class TopNAggregator
{
    private const int CancelCheckInterval = 4096;
    private readonly ITopNTable _table;

    public TopNAggregator(TopNOptions options)
    {
        Validate(options);
        Options = options;
        _table = CreateTable(options);
    }

    public TopNOptions Options { get; }

    /// <summary>Records added.</summary>
    public long RecordCount { get; private set; }

    /// <summary>Flows over all records (a record counts its <see cref="FlowRecord.Flows"/>): the base of FlowsPercent.</summary>
    public long TotalFlows { get; private set; }

    /// <summary>Packets in + out over all records: the base of PacketsPercent.</summary>
    public long TotalPackets { get; private set; }

    /// <summary>Bytes in + out over all records: the base of BytesPercent.</summary>
    public long TotalBytes { get; private set; }

    /// <summary>Distinct keys so far.</summary>
    public int KeyCount => _table.KeyCount;

    public void Add(FlowRecord flow)
    {
        CountTotals(flow);
        _table.Add(flow);
        if (RecordCount == _sizingPoint) SizeForExpectedRecords();
    }

    private void CountTotals(FlowRecord flow)
    {
        RecordCount++;
        TotalFlows += flow.Flows > 0 ? flow.Flows : 1;
        TotalPackets += flow.Packets + flow.OutPackets;
        TotalBytes += flow.Bytes + flow.OutBytes;
    }

    // ---- sizing the table ahead ---------------------------------------------------------------
    // With millions of keys, growing the table by doubling costs about a third of the run (each step allocates and
    // fills a new table). When the number of records to come is known (the files' statistics), the table is sized
    // once, early, from the keys per record seen so far; only when keys come at one per two records or more (records,
    // conversations), and never beyond 8 × the keys seen, so memory still follows the distinct keys. Not with a filter
    // or time window: how many records pass is unknown.
    private const long SizingSample = 65_536;
    private const int MaxKeysAhead = 8;
    private long _expectedRecords;
    private long _sizingPoint = -1;

    /// <summary>
    /// Tells the aggregator about how many records will be added (a hint: more or fewer are fine). With it, a table
    /// that gets about a key per record is sized once early instead of growing step by step.
    /// </summary>
    public void ExpectRecords(long records)
    {
        if (records <= 0) return;
        _expectedRecords = records;
        _sizingPoint = Math.Max(RecordCount + 1, Math.Max(SizingSample, records / MaxKeysAhead));
    }

    private void SizeForExpectedRecords()
    {
        _sizingPoint = -1;
        if (KeysAhead(_table.KeyCount, RecordCount, _expectedRecords) is int keys) _table.EnsureCapacity(keys);
    }

    /// <summary>The keys to make room for, having seen <paramref name="keys"/> in <paramref name="records"/> of <paramref name="expected"/>; null to let the table grow.</summary>
    private static int? KeysAhead(long keys, long records, long expected)
    {
        if (keys * 2 < records || expected <= records) return null;
        long estimate = Math.Min(keys * expected / records + 1024, keys * MaxKeysAhead);
        return (int)Math.Min(estimate, Array.MaxLength / 4);
    }

    /// <summary>The records the files' statistics announce, or 0 when a file has none (1.6 files, files cut short).</summary>
    private static long AnnouncedRecords(IReadOnlyList<string> files)
    {
        long total = 0;
        foreach (string path in files)
        {
            try
            {
                using var reader = NfcapdFileReader.Open(path);
                if (!reader.Info.HasStatistics || reader.Info.AppendixProblem is not null) return 0;
                total += (long)Math.Min(reader.Info.Flows, (ulong)int.MaxValue);
            }
            catch (Exception e) when (e is FlowDataException or IOException or UnauthorizedAccessException)
            {
                // reported when the file is read
            }
        }
        return total;
    }

    /// <summary>Adds every record of a stream (a file reader, a filtered sequence), checking for cancellation every few thousand.</summary>
    public void AddRange(IEnumerable<FlowRecord> flows, CancellationToken cancel = default)
    {
        int untilCheck = CancelCheckInterval;
        foreach (var flow in flows)
        {
            Add(flow);
            if (--untilCheck == 0)
            {
                cancel.ThrowIfCancellationRequested();
                untilCheck = CancelCheckInterval;
            }
        }
        cancel.ThrowIfCancellationRequested();
    }

    /// <summary>
    /// Adds the records of a stream that <paramref name="selection"/> accepts; returns how many were accepted.
    /// Checks for cancellation every few thousand records.
    /// </summary>
    public long AddRange(IEnumerable<FlowRecord> flows, FlowSelection selection, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(selection);
        if (selection.IsAll)
        {
            long before = RecordCount;
            AddRange(flows, cancel);
            return RecordCount - before;
        }
        long accepted = 0;
        int untilCheck = CancelCheckInterval;
        foreach (var flow in flows)
        {
            if (selection.Accepts(flow))
            {
                Add(flow);
                accepted++;
            }
            if (--untilCheck == 0)
            {
                cancel.ThrowIfCancellationRequested();
                untilCheck = CancelCheckInterval;
            }
        }
        cancel.ThrowIfCancellationRequested();
        return accepted;
    }

    /// <summary>
    /// The threads <see cref="AddFiles"/> is given by Measure-FlowTopN: one per processor, at most 4 (each thread decodes
    /// every file, so more threads save less table work than they add decoding).
    /// </summary>
    public static int DefaultParallelism => Math.Clamp(Environment.ProcessorCount, 1, 4);

    /// <summary>
    /// Reads nfcapd files straight into the aggregator on up to <paramref name="parallelism"/> threads, with the rows of
    /// reading the files one after another (a bidirectional key keeps the orientation of its first record in file order):
    /// the keys are split by hash over the threads, each reading every file (see <see cref="AddFilesPartitioned"/>); with
    /// one thread, or when the table already holds keys in another split, the files are read in order on this thread.
    /// A damaged or unreadable file is reported through <paramref name="onFileError"/> with the flows before the damage
    /// counted; <paramref name="onFileError"/> and <paramref name="onProgress"/> (bytes read) run on the calling thread.
    /// Returns the records accepted.
    /// </summary>
    public long AddFiles(IReadOnlyList<string> files, FlowSelection selection, int parallelism,
        Action<FlowDataException>? onFileError = null, Action<long>? onProgress = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(selection);
        ArgumentOutOfRangeException.ThrowIfLessThan(parallelism, 1);
        int count = files.Count;
        if (count == 0) return 0;
        if (selection.IsAll) ExpectRecords(AnnouncedRecords(files));   // with a filter or window, how many pass is unknown
        if (parallelism > 1 && _table.TrySplit(parallelism))
            return AddFilesPartitioned(files, selection, parallelism, onFileError, onProgress, cancel);
        return AddFilesInOrder(files, selection, onFileError, onProgress, cancel);
    }

    /// <summary>
    /// <see cref="AddFiles"/> on several threads: the table is split into <paramref name="partitions"/> partitions by key
    /// hash, and each thread reads every file and adds only its partition's keys. Decoding is repeated on each thread
    /// (0.05 s per million flows), and nothing is merged: per-file tables merged in file order, the way this worked
    /// before, cost as much again as building them when the keys are many (10 M flows of random sources: 5.7 s and
    /// 2.6 GB against 2.6 s and 0.8 GB split) and gained little when they are few. Each key lives in one partition, whose
    /// thread sees the records in file order, so the rows are those of reading the files in order. The calling thread
    /// takes partition 0, counts the totals and reports errors and progress; the other threads must see the same records,
    /// or the files changed while being read, which is an error.
    /// </summary>
    private long AddFilesPartitioned(IReadOnlyList<string> files, FlowSelection selection, int partitions,
        Action<FlowDataException>? onFileError, Action<long>? onProgress, CancellationToken cancel)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var helpers = new Task<long>[partitions - 1];
        for (int p = 1; p < partitions; p++)
        {
            int partition = p;
            helpers[p - 1] = Task.Factory.StartNew(
                () => FlowFileStream.ForEachTransient(files, selection, PartitionAdder(partition, counts: false), static _ => { }, null, stop.Token),
                stop.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }
        long accepted;
        try
        {
            accepted = FlowFileStream.ForEachTransient(files, selection, PartitionAdder(0, counts: true), onFileError, onProgress, stop.Token);
        }
        catch
        {
            stop.Cancel();
            try
            {
                Task.WaitAll(helpers);
            }
            catch (AggregateException)
            {
                // the first failure is the one reported
            }
            throw;
        }
        try
        {
            Task.WaitAll(helpers);
        }
        catch (AggregateException e)
        {
            ExceptionDispatchInfo.Throw(e.InnerException!);
        }
        foreach (var helper in helpers)
        {
            if (helper.Result != accepted)
                throw new FlowDataException(files[^1], 0,
                    $"the {files.Count} files read at once changed while they were read (from {files[0]}): one pass accepted {accepted:N0} records, another {helper.Result:N0}.");
        }
        _sizingPoint = -1;
        return accepted;
    }

    /// <summary>What one partition's thread does with each record (sizing its own partition ahead, as Add does the table).</summary>
    private Action<FlowRecord> PartitionAdder(int partition, bool counts)
    {
        int partitions = _table.Partitions;
        long seen = 0;
        long sizingPoint = _sizingPoint > 0 ? _sizingPoint : -1;
        long expected = _expectedRecords;
        return flow =>
        {
            if (counts) CountTotals(flow);
            _table.AddToPartition(flow, partition);
            // The partition's keys times the partitions estimate all keys, as Add's sizing sees them.
            if (++seen == sizingPoint && KeysAhead((long)_table.PartitionKeyCount(partition) * partitions, seen, expected) is int keys)
                _table.EnsurePartitionCapacity(partition, keys / partitions + 1024);
        };
    }

    /// <summary>
    /// One file after another, straight into this table (no partial tables, no merge). <see cref="Add"/> keeps no
    /// record, so the files are decoded into one reused record (no allocation per flow).
    /// </summary>
    private long AddFilesInOrder(IReadOnlyList<string> files, FlowSelection selection, Action<FlowDataException>? onFileError,
        Action<long>? onProgress, CancellationToken cancel) =>
        FlowFileStream.ForEachTransient(files, selection, Add, onFileError, onProgress, cancel);

    /// <summary>The top rows, best first, ranked 1..N; ties ranked by the key ascending.</summary>
    public IReadOnlyList<TopNRow> GetRows() =>
        _table.BuildRows(Options.Order, Options.Top, TotalFlows, TotalPackets, TotalBytes);

    private static ITopNTable CreateTable(TopNOptions o)
    {
        int limit = o.Limits.MaxExactDistinct;
        var p = o.Properties;
        if (p.Count == 1 && p[0].Kind != TopNPropertyKind.Conversation)
        {
            if (p[0].Field is TopNField.SrcAddr or TopNField.DstAddr)
                return new TopNTable<FlowAddress, AddressKeySource>(new AddressKeySource(p[0]), o.Distinct, limit);
            return new TopNTable<ulong, NumberKeySource>(new NumberKeySource(p[0]), o.Distinct, limit);
        }
        var source = new AggregationKeySource(p, o.Bidirectional);
        if (source.FitsCompactKey && o.CompactKeys)
            return new TopNTable<CompactAggregationKey, CompactAggregationKeySource>(new CompactAggregationKeySource(source), o.Distinct, limit);
        return new TopNTable<AggregationKey, AggregationKeySource>(source, o.Distinct, limit);
    }

    private static void Validate(TopNOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        if (o.Properties.Count == 0) throw new ArgumentException("At least one property is needed.", nameof(o));
        if (o.Top < 0) throw new ArgumentException($"Top must be 0 (all) or more, not {o.Top}.", nameof(o));
        if (o.Limits.MaxExactDistinct < 1) throw new ArgumentException("MaxExactDistinct must be at least 1.", nameof(o));
        var seen = new HashSet<TopNField>();
        foreach (var p in o.Properties)
        {
            if (o.Properties.Count > 1 && p.Kind != TopNPropertyKind.Single)
                throw new ArgumentException($"'{p}' counts both ends of a record (or the whole conversation) and must be used alone, not with other properties.", nameof(o));
            if (!seen.Add(p.Field))
                throw new ArgumentException($"'{p}' repeats a field already in the key.", nameof(o));
        }
        if (!o.Bidirectional) return;
        if (o.Properties.Count == 1 && o.Properties[0].Kind != TopNPropertyKind.Conversation)
            throw new ArgumentException($"Bidirectional needs a key with both ends (Conversation, or pairs such as SrcAddr,DstAddr); '{o.Properties[0]}' has one.", nameof(o));
        bool anyPair = o.Properties.Count == 1;
        foreach (var p in o.Properties)
        {
            var other = TopNProperty.OtherEnd(p.Field);
            if (other == p.Field) continue;
            if (!seen.Contains(other))
                throw new ArgumentException($"Bidirectional needs both ends of each field: '{p}' is in the key without its other end ({other}).", nameof(o));
            anyPair = true;
        }
        if (!anyPair) throw new ArgumentException("Bidirectional needs a key with both ends, such as SrcAddr,DstAddr.", nameof(o));
    }
}
