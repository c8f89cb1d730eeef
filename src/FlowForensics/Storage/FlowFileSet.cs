using FlowForensics.Files;
using FlowForensics.Flows;
using FlowForensics.Storage.Nfcapd;
using FlowForensics.Wire;

namespace FlowForensics.Storage;

/// <summary>
/// A set of nfcapd files taken from paths and folders: files are recognised by their magic (not only by name),
/// selected for a <see cref="TimeWindow"/> by the time in their names and then by their stat record's first/last
/// seen, and ordered by time.
/// </summary>
/// <remarks>
/// Name times are slot starts in the collector's zone (nfcapd defaults to local time), so the name test keeps a
/// slack of <see cref="NameTimeSlack"/> and the exact test is the stat record's window. Temporary files of writers
/// (<c>*.current.*</c>: our own <see cref="AtomicFile"/> names and nfcapd's <c>nfcapd.current.&lt;pid&gt;</c>) found in
/// folders are skipped, with the reason in <see cref="Skipped"/>; a file named explicitly is read whatever its name.
/// </remarks>
public sealed class FlowFileSet
{
    /// <summary>Slack applied to name times when selecting files (time zones up to ±14 h plus the rotation interval).</summary>
    public static readonly TimeSpan NameTimeSlack = TimeSpan.FromDays(1);

    /// <summary>Default per-file reorder buffer of <see cref="ReadFlowsOrderedByStart"/>, in records.</summary>
    public const int DefaultReorderCapacity = 100_000;

    private readonly List<Entry> _entries = new();
    private readonly Query.CompiledFilter? _pushDownFilter;

    private sealed record Entry(string Path, DateTime? NameTime, DateTime? FirstSeen, DateTime? LastSeen, long Length);

    /// <param name="paths">Files and folders.</param>
    /// <param name="recurse">Whether folders are searched below their top level.</param>
    /// <param name="window">Files whose name time or stat record lies outside it are skipped; records are not filtered here.</param>
    /// <param name="filter">When given, files whose stat record proves no flow can match it are skipped too (push-down; see <see cref="FlowFilePushDown"/>). Records are not filtered here.</param>
    public FlowFileSet(IEnumerable<string> paths, bool recurse = false, TimeWindow? window = null, Query.CompiledFilter? filter = null)
    {
        ArgumentNullException.ThrowIfNull(paths);
        Window = window ?? default;
        _pushDownFilter = filter;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in paths)
        {
            string full = Path.GetFullPath(p);
            switch (FileInspector.GetKind(full))
            {
                case FileKind.Directory:
                    // Regular files only, no folder links followed, no folder entered twice (FolderWalk).
                    foreach (var f in FolderWalk.Files(full, recurse, (path, why) => Skipped.Add(new SkippedFlowFile(path, why))))
                        Consider(f, seen, explicitly: false);
                    break;
                case FileKind.Regular:
                    Consider(full, seen, explicitly: true);
                    break;
                case FileKind.Missing:
                    throw new FileNotFoundException($"'{full}' is neither a file nor a folder.", full);
                case var other:
                    // Never opened: a FIFO blocks in open() until a writer comes, a device may never end.
                    NotFlowFiles.Add(full);
                    Skipped.Add(new SkippedFlowFile(full, $"{FileInspector.Describe(other)}, not a regular file; only regular files are read"));
                    break;
            }
        }
        _entries.Sort(static (a, b) =>
        {
            int c = Nullable.Compare(a.NameTime ?? a.FirstSeen, b.NameTime ?? b.FirstSeen);
            return c != 0 ? c : string.CompareOrdinal(a.Path, b.Path);
        });
    }

    /// <summary>The window the files were selected for (unbounded when none was given).</summary>
    public TimeWindow Window { get; }

    /// <summary>The selected files, ordered by time.</summary>
    public IReadOnlyList<string> Files => _entries.ConvertAll(static e => e.Path);

    /// <summary>Files given or found that are not nfcapd files (by magic).</summary>
    public List<string> NotFlowFiles { get; } = new();

    /// <summary>Raised (on the enumerating thread) with a file's path when a read opens it.</summary>
    public event Action<string>? FileOpened;

    /// <summary>Every file given or found that was not selected, with the reason (not nfcapd, a writer's temporary file, outside the window by name or by stat record).</summary>
    public List<SkippedFlowFile> Skipped { get; } = new();

    /// <summary>Total size of the selected files (for progress).</summary>
    public long TotalBytes
    {
        get
        {
            long total = 0;
            foreach (var e in _entries) total += e.Length;
            return total;
        }
    }

    /// <summary>Bytes read so far by the current enumeration (finished files plus the position in the open ones).</summary>
    public long BytesRead => _bytesDone + _bytesOpen();

    private long _bytesDone;
    private Func<long> _bytesOpen = static () => 0;

    /// <summary>Records that left <see cref="ReadFlowsOrderedByStart"/> earlier than a record already emitted (the reorder buffer was too small, or a stat record lied).</summary>
    public long OrderViolations { get; private set; }

    private void Consider(string path, HashSet<string> seen, bool explicitly)
    {
        if (!seen.Add(path)) return;
        string name = Path.GetFileName(path);
        if (!explicitly && AtomicFile.TryGetTargetName(name, out string target))
        {
            Skipped.Add(new SkippedFlowFile(path, $"a FlowForensics writer's temporary file (*{AtomicFile.Marker}*), renamed to {target} when complete"));
            return;
        }
        if (!explicitly && name.Contains(AtomicFile.Marker, StringComparison.Ordinal))
        {
            Skipped.Add(new SkippedFlowFile(path, "a running collector's temporary file (*.current.*)"));
            return;
        }
        // One open per file: the header is read at once, and only a file that will not open as nfcapd is looked at
        // again, to tell a file of another kind (left out) from a damaged nfcapd file (kept, so that reading it reports
        // the damage where the caller handles errors).
        NfcapdFileReader? reader = null;
        try
        {
            reader = NfcapdFileReader.Open(path);
        }
        catch (Exception e) when (e is FlowDataException or IOException)
        {
            if (!NfcapdFileReader.IsNfcapdFile(path))
            {
                NotFlowFiles.Add(path);
                Skipped.Add(new SkippedFlowFile(path, "not an nfcapd file (no nfcapd magic and layout 1 or 2)"));
                return;
            }
            if (e is not FlowDataException) throw;
        }
        using (reader)
        {
            DateTime? nameTime = FileRotation.TryParseFileName(name, out var t) ? t : null;
            if (nameTime is { } nt && Window.End is { } wEnd && nt - NameTimeSlack > wEnd)
            {
                Skipped.Add(new SkippedFlowFile(path, $"its name time {nt:o} is more than {NameTimeSlack.TotalHours:0} h after the window end {wEnd:o}"));
                return;
            }
            if (nameTime is { } nt2 && Window.Start is { } wStart && nt2 + NameTimeSlack < wStart)
            {
                Skipped.Add(new SkippedFlowFile(path, $"its name time {nt2:o} is more than {NameTimeSlack.TotalHours:0} h before the window start {wStart:o}"));
                return;
            }
            DateTime? first = null, last = null;
            if (reader is not null)
            {
                if (FlowFilePushDown.CanSkip(reader.Info, Window, _pushDownFilter, out string? reason))
                {
                    Skipped.Add(new SkippedFlowFile(path, reason!));
                    return;
                }
                if (reader.Info.HasStatistics && reader.Info.FirstSeen is { } f && reader.Info.LastSeen is { } l && reader.Info.Flows > 0)
                {
                    first = f;
                    last = l;
                }
            }
            _entries.Add(new Entry(path, nameTime, first, last, reader?.Length ?? new FileInfo(path).Length));
        }
    }

    /// <summary>
    /// Streams the flows of every file in file order, keeping those inside <paramref name="window"/> (default: the
    /// set's window). A corrupt file raises <see cref="FlowDataException"/> after its good flows; with
    /// <paramref name="onFileError"/> the error is reported there and the next file is read instead.
    /// </summary>
    public IEnumerable<FlowRecord> ReadFlows(TimeWindow? window = null, CancellationToken cancel = default, Action<FlowDataException>? onFileError = null)
    {
        var w = window ?? Window;
        _bytesDone = 0;
        foreach (var entry in _entries)
        {
            cancel.ThrowIfCancellationRequested();
            NfcapdFileReader? reader = null;
            try
            {
                if (!TryOpen(entry.Path, onFileError, out reader)) continue;
                FileOpened?.Invoke(entry.Path);
                var r = reader!;
                _bytesOpen = () => r.Position;
                using var e = reader!.ReadFlows(cancel).GetEnumerator();
                while (true)
                {
                    FlowRecord flow;
                    try
                    {
                        if (!e.MoveNext()) break;
                        flow = e.Current;
                    }
                    catch (FlowDataException ex) when (onFileError is not null)
                    {
                        onFileError(ex);
                        break;
                    }
                    if (w.IsUnbounded || w.Contains(flow)) yield return flow;
                }
            }
            finally
            {
                reader?.Dispose();
                _bytesOpen = static () => 0;
                _bytesDone += entry.Length;
            }
        }
    }

    private static bool TryOpen(string path, Action<FlowDataException>? onFileError, out NfcapdFileReader? reader)
    {
        try
        {
            reader = NfcapdFileReader.Open(path);
            return true;
        }
        catch (FlowDataException ex) when (onFileError is not null)
        {
            onFileError(ex);
            reader = null;
            return false;
        }
    }

    /// <summary>
    /// Streams the flows of all files as one timeline ordered by <see cref="FlowRecord.Start"/> (ties by file order).
    /// </summary>
    /// <remarks>
    /// Within a file, records are only roughly ordered (collectors write flows when they end), so each file passes
    /// through a reorder buffer: a min-heap of at most <paramref name="reorderCapacity"/> records per open file,
    /// which releases its earliest record once full. Across files a k-way merge takes the earliest head. A file is
    /// opened only when the merge reaches its stat record's first-seen time, so memory is bounded by the files whose
    /// time ranges overlap, not by the number of files. The order is exact when no record is displaced within its
    /// file by more than the buffer (and stat records are truthful); otherwise the record is still delivered and
    /// counted in <see cref="OrderViolations"/>.
    /// </remarks>
    public IEnumerable<FlowRecord> ReadFlowsOrderedByStart(TimeWindow? window = null, CancellationToken cancel = default,
        Action<FlowDataException>? onFileError = null, int reorderCapacity = DefaultReorderCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(reorderCapacity, 1);
        var w = window ?? Window;
        OrderViolations = 0;
        _bytesDone = 0;
        var pending = new List<(Entry Entry, int Seq)>(_entries.Count);
        for (int i = 0; i < _entries.Count; i++) pending.Add((_entries[i], i));
        pending.Sort(static (a, b) =>
        {
            int c = Nullable.Compare(a.Entry.FirstSeen, b.Entry.FirstSeen);
            return c != 0 ? c : a.Seq.CompareTo(b.Seq);
        });
        var heap = new PriorityQueue<OrderedSource, (long Ticks, int Seq)>();
        var open = new List<OrderedSource>();
        _bytesOpen = () =>
        {
            long sum = 0;
            foreach (var s in open) sum += s.Position;
            return sum;
        };
        int next = 0;
        long lastTicks = long.MinValue;
        try
        {
            while (true)
            {
                cancel.ThrowIfCancellationRequested();
                while (next < pending.Count &&
                       (heap.Count == 0 || pending[next].Entry.FirstSeen is not { } fs || fs.Ticks <= PeekTicks(heap)))
                {
                    var (entry, seq) = pending[next++];
                    if (!TryOpen(entry.Path, onFileError, out var reader)) { _bytesDone += entry.Length; continue; }
                    FileOpened?.Invoke(entry.Path);
                    var source = new OrderedSource(reader!, entry.Length, seq, reorderCapacity, onFileError, cancel);
                    open.Add(source);
                    if (source.Fill()) heap.Enqueue(source, (source.HeadTicks, seq));
                    else Close(source, open);
                }
                if (heap.Count == 0) break;
                var src = heap.Dequeue();
                var flow = src.Take();
                if (flow.Start.Ticks < lastTicks) OrderViolations++;
                else lastTicks = flow.Start.Ticks;
                if (src.Fill()) heap.Enqueue(src, (src.HeadTicks, src.Seq));
                else Close(src, open);
                if (w.IsUnbounded || w.Contains(flow)) yield return flow;
            }
        }
        finally
        {
            foreach (var s in open) s.Dispose();
            _bytesOpen = static () => 0;
        }
    }

    private void Close(OrderedSource source, List<OrderedSource> open)
    {
        _bytesDone += source.Length;
        open.Remove(source);
        source.Dispose();
    }

    private static long PeekTicks(PriorityQueue<OrderedSource, (long Ticks, int Seq)> heap) =>
        heap.TryPeek(out _, out var priority) ? priority.Ticks : long.MaxValue;

    /// <summary>One file behind its reorder buffer.</summary>
    private sealed class OrderedSource : IDisposable
    {
        private readonly NfcapdFileReader _reader;
        private readonly IEnumerator<FlowRecord> _flows;
        private readonly PriorityQueue<FlowRecord, (long Ticks, long Seq)> _buffer = new();
        private readonly int _capacity;
        private readonly Action<FlowDataException>? _onError;
        private bool _exhausted;
        private long _arrival;

        internal OrderedSource(NfcapdFileReader reader, long length, int seq, int capacity, Action<FlowDataException>? onError, CancellationToken cancel)
        {
            _reader = reader;
            _flows = reader.ReadFlows(cancel).GetEnumerator();
            Length = length;
            Seq = seq;
            _capacity = capacity;
            _onError = onError;
        }

        internal long Length { get; }
        internal int Seq { get; }
        internal long Position => _reader.Position;
        internal long HeadTicks => _buffer.TryPeek(out _, out var p) ? p.Ticks : long.MaxValue;

        /// <summary>Tops the buffer up to its capacity; false when it is empty and the file is done.</summary>
        internal bool Fill()
        {
            while (!_exhausted && _buffer.Count < _capacity)
            {
                try
                {
                    if (!_flows.MoveNext()) { _exhausted = true; break; }
                }
                catch (FlowDataException ex) when (_onError is not null)
                {
                    _onError(ex);
                    _exhausted = true;
                    break;
                }
                var f = _flows.Current;
                _buffer.Enqueue(f, (f.Start.Ticks, _arrival++));
            }
            return _buffer.Count > 0;
        }

        internal FlowRecord Take() => _buffer.Dequeue();

        public void Dispose()
        {
            _flows.Dispose();
            _reader.Dispose();
        }
    }
}

/// <summary>A file a <see cref="FlowFileSet"/> was given or found but did not select, and why.</summary>
public sealed record SkippedFlowFile(string Path, string Reason);
