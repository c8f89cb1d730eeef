using FlowForensics.Query;
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
        _pending = new FlowCoreBatcher(new TableSink(this));
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
    public int KeyCount => Flushed().KeyCount;

    // Records added one at a time (from the pipeline, or read with a filter) are counted at once and go into the table
    // a batch at a time, as records read without a filter do; anything that reads the table puts them in first.
    private readonly FlowCoreBatcher _pending;

    /// <summary>Where the pending records go: into the table, already counted.</summary>
    private sealed class TableSink(TopNAggregator aggregator) : IFlowCoreSink
    {
        public void Add(ReadOnlySpan<FlowCore> flows) => aggregator.AddToTable(flows);
    }

    public void Add(FlowRecord flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        Add(FlowCore.From(flow));
    }

    private void Add(in FlowCore flow)
    {
        CountTotals(new ReadOnlySpan<FlowCore>(in flow));
        _pending.Add(flow);
    }

    /// <summary>The table with the pending records in it.</summary>
    private ITopNTable Flushed()
    {
        _pending.Flush();
        return _table;
    }

    /// <summary>Adds a batch of records, counted and all.</summary>
    private void Add(ReadOnlySpan<FlowCore> flows)
    {
        CountTotals(flows);
        AddToTable(flows);
    }

    private void AddToTable(ReadOnlySpan<FlowCore> flows)
    {
        _table.Add(flows);
        if (_sizingPoint > 0 && RecordCount >= _sizingPoint) SizeForExpectedRecords();
    }

    private void CountTotals(ReadOnlySpan<FlowCore> flows)
    {
        long total = 0, packets = 0, bytes = 0;
        foreach (ref readonly var flow in flows)
        {
            total += flow.Flows;
            packets += flow.Packets;
            bytes += flow.Bytes;
        }
        RecordCount += flows.Length;
        TotalFlows += total;
        TotalPackets += packets;
        TotalBytes += bytes;
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
    /// The threads <see cref="AddFiles"/> is given by Measure-FlowTopN: one per processor core, counted as two logical
    /// processors each, at most 4. Each thread decodes every block, so a thread pays only where it gets a core of its
    /// own: on a machine of two logical processors (a cloud VM's two vCPUs are usually one core's two hyper-threads) a
    /// second thread made `-s srcip` over 2 M flows slower (0.32–0.45 s against 0.19–0.23 s) and the 10 M-key jobs no
    /// faster. The files are read ahead on a thread of their own either way.
    /// </summary>
    public static int DefaultParallelism => Math.Clamp(Environment.ProcessorCount / 2, 1, 4);

    /// <summary>
    /// Reads nfcapd files straight into the aggregator on up to <paramref name="parallelism"/> threads, with the rows of
    /// reading the files one after another (a bidirectional key keeps the orientation of its first record in file order).
    /// The files are read ahead on a thread of their own. With several threads the keys are split by hash over them, each
    /// decoding every block; with one thread, or when the table already holds keys
    /// in another split, everything is counted on this thread. Without a filter only what the statistics read is decoded
    /// (<see cref="FlowCore"/>); a filter needs whole records. A damaged or unreadable file is reported through
    /// <paramref name="onFileError"/> with the flows before the damage counted; <paramref name="onFileError"/> and
    /// <paramref name="onProgress"/> (bytes read) run on the calling thread. Returns the records accepted.
    /// </summary>
    public long AddFiles(IReadOnlyList<string> files, FlowSelection selection, int parallelism,
        Action<FlowDataException>? onFileError = null, Action<long>? onProgress = null, CancellationToken cancel = default) =>
        AddQuery(new FlowQuery(files, selection, FlowQueryCallbacks.Create(onFileError, onProgress)), parallelism, cancel);

    /// <summary>
    /// <see cref="AddFiles"/> over a <see cref="FlowQuery"/>: its files, its selection, its observer (told of damaged files
    /// and bytes read on the calling thread). Returns the records accepted.
    /// </summary>
    public long AddQuery(FlowQuery query, int parallelism, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(parallelism, 1);
        var files = query.Files;
        var selection = query.Selection;
        if (files.Count == 0) return 0;
        Flushed();   // records added before come first
        if (selection.IsAll) ExpectRecords(AnnouncedRecords(files));   // with a filter or window, how many pass is unknown
        long before = RecordCount;
        // Several threads: the table is split into partitions by key hash, and each thread decodes every block of every
        // file and adds only its partition's keys. The files are read once, ahead of all of them; only the decoding is
        // repeated on each thread. Nothing is merged: per-file tables merged in file order, the way this worked before,
        // cost as much again as building them when the keys are many (10 M flows of random sources: 5.7 s and 2.6 GB
        // against 2.6 s and 0.8 GB split) and gained little when they are few. Each key lives in one partition, whose
        // thread sees the records in file order, so the rows are those of reading the files in order. The calling
        // thread takes partition 0, counts the totals and reports errors and progress.
        bool split = parallelism > 1 && _table.TrySplit(parallelism);   // the pending records went in above
        var adders = split ? Enumerable.Range(0, parallelism).Select(p => new Adder(this, p)).ToArray() : [new Adder(this, -1)];
        Read(query, adders, cancel);
        if (split) _sizingPoint = -1;   // each partition sized itself
        return RecordCount - before;
    }

    /// <summary>Reads the query into the adders, each on its own thread (the first on this one).</summary>
    private static void Read(FlowQuery query, Adder[] adders, CancellationToken cancel)
    {
        if (query.Selection.IsWindowOnly)
        {
            query.ForEachCore(adders, cancel);
            return;
        }
        var consumers = new Action<FlowRecord>[adders.Length];
        var batchers = new FlowCoreBatcher[adders.Length];
        for (int i = 0; i < adders.Length; i++)
        {
            var batcher = batchers[i] = new FlowCoreBatcher(adders[i]);
            consumers[i] = flow => batcher.Add(FlowCore.From(flow));
        }
        query.ForEachReused(consumers, cancel);
        foreach (var batcher in batchers) batcher.Flush();   // the threads are done: each partition's last records
    }

    /// <summary>
    /// What one reading thread does with the flows it is given: adds their keys, all of them (partition −1, which also
    /// counts the totals and sizes the table ahead as the aggregator's own adding does) or those of one partition, sizing
    /// that partition ahead; partition 0 counts the totals. Flows come a batch at a time (those read with a filter
    /// gathered by a <see cref="FlowCoreBatcher"/>).
    /// </summary>
    private sealed class Adder(TopNAggregator aggregator, int partition) : IFlowCoreSink
    {
        private readonly ITopNTable _table = aggregator._table;
        private readonly int _partitions = aggregator._table.Partitions;
        private readonly long _sizingPoint = aggregator._sizingPoint > 0 ? aggregator._sizingPoint : -1;
        private readonly long _expected = aggregator._expectedRecords;
        private long _seen;

        public void Add(ReadOnlySpan<FlowCore> flows)
        {
            if (partition < 0)
            {
                aggregator.Add(flows);
                return;
            }
            if (partition == 0) aggregator.CountTotals(flows);
            _table.Add(flows, partition);
            long before = _seen;
            _seen += flows.Length;
            // The partition's keys times the partitions estimate all keys, as the aggregator's sizing sees them.
            if (before < _sizingPoint && _seen >= _sizingPoint
                && KeysAhead((long)_table.PartitionKeyCount(partition) * _partitions, _seen, _expected) is int keys)
                _table.EnsurePartitionCapacity(partition, keys / _partitions + 1024);
        }
    }

    /// <summary>
    /// Gives the key table's memory back to be reused by the next aggregator (a console session runs query after query)
    /// and empties this one: call it once the rows are taken, never before.
    /// </summary>
    public void ReleaseMemory()
    {
        _pending.Clear();
        _table.Release();
        RecordCount = TotalFlows = TotalPackets = TotalBytes = 0;
    }

    /// <summary>The top rows, best first, ranked 1..N; ties ranked by the key ascending.</summary>
    public IReadOnlyList<TopNRow> GetRows() =>
        Flushed().BuildRows(Options.Order, Options.Top, TotalFlows, TotalPackets, TotalBytes);

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
