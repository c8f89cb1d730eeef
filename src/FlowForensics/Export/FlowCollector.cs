using System.Net;
using System.Net.Sockets;
using FlowForensics.Flows;

namespace FlowForensics.Export;

/// <summary>Settings of a <see cref="FlowCollector"/>.</summary>
public sealed class FlowCollectorOptions
{
    /// <summary>Default bound on records waiting for the consumer; beyond it records are dropped and counted.</summary>
    public const int DefaultQueueCapacity = 262_144;

    /// <summary>Default socket receive buffer asked of the kernel (the kernel may grant less).</summary>
    public const int DefaultReceiveBufferBytes = 8 * 1024 * 1024;

    /// <summary>Default bound on datagrams received and waiting to be decoded; beyond it datagrams are dropped and counted.</summary>
    public const int DefaultDatagramBacklog = 16_384;

    /// <summary>Default bytes of received datagrams waiting to be decoded (one buffer, allocated at <see cref="FlowCollector.Start"/>).</summary>
    public const int DefaultDatagramBacklogBytes = 16 * 1024 * 1024;

    /// <summary>The largest UDP payload received whole; the backlog needs at least this many bytes.</summary>
    public const int MaxDatagramBytes = 65_536;

    /// <summary>UDP port; 0 asks the system for a free one (see <see cref="FlowCollector.LocalEndPoint"/>).</summary>
    public int Port { get; init; } = 2055;

    /// <summary>
    /// Address to listen on. The default, <see cref="IPAddress.IPv6Any"/>, is a dual-mode socket that receives IPv4 and
    /// IPv6 on every interface (as nfcapd does); give 127.0.0.1 or ::1 to receive from this machine only.
    /// </summary>
    public IPAddress ListenAddress { get; init; } = IPAddress.IPv6Any;

    /// <summary>Records held for the consumer at most (<see cref="DefaultQueueCapacity"/>; a reference each is allocated up front).</summary>
    public int QueueCapacity { get; init; } = DefaultQueueCapacity;

    /// <summary>
    /// SO_RCVBUF asked of the kernel (<see cref="DefaultReceiveBufferBytes"/>); Linux grants at most net.core.rmem_max
    /// (and doubles what it grants for its own bookkeeping).
    /// </summary>
    public int ReceiveBufferBytes { get; init; } = DefaultReceiveBufferBytes;

    /// <summary>Datagrams received and not yet decoded, at most (<see cref="DefaultDatagramBacklog"/>).</summary>
    public int DatagramBacklog { get; init; } = DefaultDatagramBacklog;

    /// <summary>Bytes of datagrams received and not yet decoded, at most (<see cref="DefaultDatagramBacklogBytes"/>; at least <see cref="MaxDatagramBytes"/>).</summary>
    public int DatagramBacklogBytes { get; init; } = DefaultDatagramBacklogBytes;

    /// <summary>When not empty, datagrams from any other source address are dropped and counted.</summary>
    public IReadOnlyCollection<IPAddress> AllowedExporters { get; init; } = [];

    /// <summary>
    /// Receive many datagrams per system call where the system has one (Linux <c>recvmmsg</c>; the default); false
    /// receives one per call, as on other systems (tests compare the two).
    /// </summary>
    internal bool BatchReceive { get; init; } = true;
}

/// <summary>
/// A consistent copy of a collector's counters. <see cref="Datagrams"/> are the datagrams decoded; <see cref="Backlog"/>
/// were received and wait to be decoded; <see cref="BacklogDrops"/> were received and dropped because the backlog was full.
/// </summary>
public sealed record FlowCollectorStatus(
    long Datagrams, long Records, long Exporters, long Templates, long QueueDrops, long RejectedDatagrams,
    long Malformed, IReadOnlyDictionary<ExportDecodeStatus, long> MalformedByReason, IReadOnlyList<ExportFault> MalformedByExporter,
    long BacklogDrops, long Backlog)
{
    /// <summary>True when <see cref="Exporters"/> reached <see cref="FlowCollector.MaxSourcesTracked"/> and stopped counting: there were at least that many.</summary>
    public bool ExportersCapped { get; init; }
}

/// <summary>
/// Receives export datagrams (NetFlow v5/v9, IPFIX, sFlow) on a UDP socket and hands the records to one consumer through
/// a bounded queue. Two background threads: the receive thread only reads datagrams into a bounded backlog (one byte
/// buffer used as a ring, with the exporter address and receive time of each; nothing is allocated per datagram), so it
/// keeps the kernel's socket buffer drained; the decode thread decodes them with an <see cref="ExportDecoder"/> and fills
/// the record queue. When the decode thread falls behind, received datagrams are dropped and counted in
/// <see cref="FlowCollectorStatus.BacklogDrops"/>; when the consumer falls behind, records are dropped and counted in
/// <see cref="FlowCollectorStatus.QueueDrops"/>; never silently. The decoder (its templates) belongs to the decode thread
/// between <see cref="Start"/> and <see cref="Stop"/>; <see cref="Stop"/> decodes every datagram already received.
/// A consumer that is done with each record before it takes the next takes them with <see cref="TryTakeBorrowed"/>:
/// the records come back and are decoded into again, so none is allocated per flow once the collector is warm.
/// </summary>
public sealed class FlowCollector : IDisposable
{
    private const int PollMilliseconds = 100;
    /// <summary>
    /// Datagrams decoded under one hold of the status lock and queued together. Few, so the consumer takes records soon
    /// after they are made: a record still queued at a gen-0 collection is promoted (64 paused the process several times
    /// longer than 8 at 1M flows/s on the load benchmark).
    /// </summary>
    private const int DecodeBatch = 8;
    /// <summary>Empty looks, a millisecond apart, before the decode thread sleeps until the receive thread wakes it.</summary>
    private const int IdlePolls = 100;
    /// <summary>
    /// Socket receive buffer (as the kernel reports it) from which the receive thread naps a millisecond after emptying it
    /// instead of waiting in poll for the next datagram: 1 ms of datagrams at several million flows/s is a few hundred KB.
    /// </summary>
    private const int NapBufferBytes = 2 * 1024 * 1024;

    private readonly FlowCollectorOptions _options;
    // The record queue: a ring of QueueCapacity references allocated once, one producer (the decode thread) and one
    // consumer (TryTake), no lock and no interlocked operation per record; and an event the consumer waits on, set once
    // per batch of datagrams. (A ConcurrentQueue grew segments of up to 8 MB on the large object heap, each a step towards
    // a gen-2 collection, and BlockingCollection's semaphore per record cost a third of the receive thread.)
    private readonly FlowRecord?[] _queue;
    private long _queueHead;
    private long _queueTail;
    private readonly ManualResetEventSlim _available = new(false);
    // Records lent by TryTakeBorrowed come back through this ring (one producer: the consumer; one consumer: the decode
    // thread) to the decode thread's spares, which the decoder decodes into again: a collector whose consumer borrows
    // allocates no record per flow once warm. (Each record handed over alive used to be promoted by the collections its
    // allocations caused: at 1M flows/s they paused the process for 0.2-0.8 s of every 2 s.)
    private readonly FlowRecord?[] _returned;
    private long _returnHead;
    private long _returnTail;
    private readonly Stack<FlowRecord> _spares = new();
    // Records the decode thread keeps for reuse at most: as many as the queue holds, so the records a burst made (while
    // the consumer was behind) are decoded into again by the next burst instead of being collected and made again; the
    // memory kept is what the fullest queue held. (65,536 at most let gen-1/gen-2 collections back in above 1.6M flows/s.)
    private FlowRecord? _lent;
    private Func<FlowRecord>? _decoderNewRecord;
    private readonly HashSet<FlowAddress> _allowed = new();
    private readonly HashSet<FlowAddress> _sources = new();

    /// <summary>
    /// Source addresses counted exactly in <see cref="FlowCollectorStatus.Exporters"/>; beyond it the count stops growing
    /// (a flood of spoofed sources costs no memory) and <see cref="FlowCollectorStatus.ExportersCapped"/> says so.
    /// </summary>
    public const int MaxSourcesTracked = 65_536;
    private readonly object _gate = new();

    // Datagrams received and waiting for the decode thread; created at Start.
    private DatagramBacklog _backlog = null!;
    private readonly ManualResetEventSlim _received = new(false);
    private volatile bool _receiveDone;

    private Socket? _socket;
    private Thread? _thread;
    private Thread? _decodeThread;
    private volatile bool _stopping;
    private long _queueDrops;
    private long _backlogDrops;
    private long _rejected;
    private Exception? _fault;

    public FlowCollector(FlowCollectorOptions options, ExportDecoder decoder)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(decoder);
        if (options.Port is < 0 or > 65535) throw new ArgumentOutOfRangeException(nameof(options), options.Port, "Port must be 0..65535.");
        if (options.QueueCapacity < 1) throw new ArgumentOutOfRangeException(nameof(options), options.QueueCapacity, "QueueCapacity must be positive.");
        if (options.DatagramBacklog < 1) throw new ArgumentOutOfRangeException(nameof(options), options.DatagramBacklog, "DatagramBacklog must be positive.");
        if (options.DatagramBacklogBytes < FlowCollectorOptions.MaxDatagramBytes)
            throw new ArgumentOutOfRangeException(nameof(options), options.DatagramBacklogBytes, $"DatagramBacklogBytes must be at least {FlowCollectorOptions.MaxDatagramBytes}.");
        _options = options;
        Decoder = decoder;
        _queue = new FlowRecord?[options.QueueCapacity];
        _returned = new FlowRecord?[options.QueueCapacity];
        foreach (var a in options.AllowedExporters) _allowed.Add(Normalize(a));
    }

    /// <summary>The decoder; touch it only before <see cref="Start"/> or after <see cref="Stop"/>.</summary>
    public ExportDecoder Decoder { get; }

    /// <summary>The bound address and port, once started.</summary>
    public IPEndPoint? LocalEndPoint { get; private set; }

    /// <summary>True while the receive thread receives many datagrams per call (Linux <c>recvmmsg</c>); false when it receives one per call.</summary>
    /// <remarks>Set by the receive thread; a test reads it.</remarks>
    internal bool ReceivesInBatches
    {
        get => _receivesInBatches;
        private set => _receivesInBatches = value;
    }

    private volatile bool _receivesInBatches;

    /// <summary>Set when the receive thread is listening (the ready signal).</summary>
    public bool IsListening => _thread is not null && !_stopping;

    /// <summary>An unexpected socket error that ended the receive thread, if any.</summary>
    public Exception? Fault => Volatile.Read(ref _fault);

    /// <summary>Test hook: when set, the decode thread waits on it before each batch (to stall the decode side).</summary>
    internal ManualResetEventSlim? DecodeGate { get; set; }

    /// <summary>Binds the socket (throws <see cref="SocketException"/> when the address/port cannot be bound) and starts receiving.</summary>
    public void Start()
    {
        if (_thread is not null) throw new InvalidOperationException("The collector was already started.");
        var address = _options.ListenAddress;
        var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (address.AddressFamily == AddressFamily.InterNetworkV6 && address.Equals(IPAddress.IPv6Any)) socket.DualMode = true;
            socket.ExclusiveAddressUse = true;
            try { socket.ReceiveBufferSize = _options.ReceiveBufferBytes; } catch (SocketException) { /* the kernel's default stays */ }
            socket.ReceiveTimeout = PollMilliseconds;
            socket.Bind(new IPEndPoint(address, _options.Port));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        _socket = socket;
        _decoderNewRecord = Decoder.NewRecord;
        Decoder.NewRecord = NewRecord;
        _backlog = new DatagramBacklog(_options.DatagramBacklog, _options.DatagramBacklogBytes, FlowCollectorOptions.MaxDatagramBytes);
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
        _decodeThread = new Thread(DecodeLoop) { IsBackground = true, Name = "FlowCollector decode " + LocalEndPoint };
        _decodeThread.Start();
        _thread = new Thread(Receive) { IsBackground = true, Name = "FlowCollector " + LocalEndPoint };
        _thread.Start();
    }

    /// <summary>
    /// Waits up to <paramref name="timeoutMilliseconds"/> ms for the next record; false when none came or <paramref name="cancel"/>
    /// fired. One consumer: call it from one thread at a time.
    /// </summary>
    public bool TryTake(out FlowRecord record, int timeoutMilliseconds, CancellationToken cancel)
    {
        ReturnLent();
        return Take(out record, timeoutMilliseconds, cancel);
    }

    /// <summary>
    /// As <see cref="TryTake"/>, but the record is lent: it is valid only until the next call of <see cref="TryTake"/> or
    /// <see cref="TryTakeBorrowed"/>, after which the collector decodes another flow into it. For a consumer that is done
    /// with each record before it takes the next (one that writes it to a file, not one that keeps it): the collector then
    /// allocates no record per flow.
    /// </summary>
    public bool TryTakeBorrowed(out FlowRecord record, int timeoutMilliseconds, CancellationToken cancel)
    {
        ReturnLent();
        if (!Take(out record, timeoutMilliseconds, cancel)) return false;
        _lent = record;
        return true;
    }

    /// <summary>Gives the record lent by the last <see cref="TryTakeBorrowed"/> back to the decode thread (the consumer's side).</summary>
    private void ReturnLent()
    {
        var lent = _lent;
        if (lent is null) return;
        _lent = null;
        long head = _returnHead;
        if (head - Volatile.Read(ref _returnTail) >= _returned.Length) return; // full: left to the garbage collector
        _returned[head % _returned.Length] = lent;
        Volatile.Write(ref _returnHead, head + 1);
    }

    private bool Take(out FlowRecord record, int timeoutMilliseconds, CancellationToken cancel)
    {
        if (TryDequeue(out record)) return true;
        if (timeoutMilliseconds == 0) return false;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            while (!cancel.IsCancellationRequested)
            {
                // Reset, then look again, then wait: a record queued after the look sets the event after the reset.
                _available.Reset();
                if (TryDequeue(out record)) return true;
                int left = timeoutMilliseconds < 0 ? -1 : timeoutMilliseconds - (int)clock.ElapsedMilliseconds;
                if (timeoutMilliseconds >= 0 && left <= 0) break;
                _available.Wait(left, cancel);
            }
        }
        catch (OperationCanceledException)
        {
        }
        return TryDequeue(out record);
    }

    private bool TryDequeue(out FlowRecord record)
    {
        long tail = _queueTail;
        if (tail == Volatile.Read(ref _queueHead))
        {
            record = null!;
            return false;
        }
        ref var slot = ref _queue[tail % _queue.Length];
        record = slot!;
        slot = null;
        Volatile.Write(ref _queueTail, tail + 1);
        return true;
    }

    /// <summary>Records waiting in the queue.</summary>
    public int Queued => (int)(Volatile.Read(ref _queueHead) - Volatile.Read(ref _queueTail));

    /// <summary>Datagrams received and waiting to be decoded.</summary>
    public int Backlog => _backlog?.Count ?? 0;

    /// <summary>
    /// Stops receiving, decodes every datagram already received and waits for both threads; queued records stay available
    /// to <see cref="TryTake"/>.
    /// </summary>
    public void Stop()
    {
        _stopping = true;
        _thread?.Join();
        _decodeThread?.Join();
        if (_decoderNewRecord is not null) Decoder.NewRecord = _decoderNewRecord;
        _socket?.Dispose();
        _socket = null;
    }

    public FlowCollectorStatus Status()
    {
        lock (_gate)
        {
            var c = Decoder.Counters;
            var byReason = new Dictionary<ExportDecodeStatus, long>();
            foreach (var s in Enum.GetValues<ExportDecodeStatus>())
                if (s != ExportDecodeStatus.Decoded && c[s] > 0) byReason[s] = c[s];
            return new FlowCollectorStatus(c.Datagrams, c.Records, _sources.Count, Decoder.TemplateCount,
                Interlocked.Read(ref _queueDrops), Interlocked.Read(ref _rejected), c.Malformed, byReason, Decoder.Faults(),
                Interlocked.Read(ref _backlogDrops), Backlog) { ExportersCapped = _sources.Count >= MaxSourcesTracked };
        }
    }

    /// <summary>The receive thread: datagrams into the backlog, nothing else (no decoding, no lock, no allocation once the exporter is known).</summary>
    private void Receive()
    {
        try
        {
            ReceiveLoop();
        }
        finally
        {
            _receiveDone = true;
            _received.Set();
        }
    }

    private void ReceiveLoop()
    {
        var batches = _options.BatchReceive ? DatagramBatchReceiver.TryCreate(_socket!, FlowCollectorOptions.MaxDatagramBytes) : null;
        if (batches is not null && ReceiveBatches(batches)) return;
        ReceivesInBatches = false;
        ReceiveOneByOne();
    }

    /// <summary>
    /// Receives with <c>recvmmsg</c>, many datagrams per call, copying each into the backlog. True when it ended because the
    /// collector stops; false when a call failed (no recvmmsg, or a socket error), so the caller goes on one by one.
    /// </summary>
    private bool ReceiveBatches(DatagramBatchReceiver batches)
    {
        var backlog = _backlog;
        // With a large socket buffer, a receive that emptied it is followed by a millisecond's nap, so each call takes a
        // batch (waiting in poll woke the thread for almost every datagram: poll was the thread's largest cost); after
        // IdlePolls empty looks, or with a small buffer, it waits in poll.
        bool nap = _socket!.ReceiveBufferSize >= NapBufferBytes;
        int idle = IdlePolls;
        var lastName = new byte[128];
        int lastNameLength = -1;
        FlowAddress exporter = default;
        bool admitted = false;   // the last sender is readable and allowed: decided when the sender changes, not per datagram
        ReceivesInBatches = true;
        while (!_stopping)
        {
            int n = batches.Receive();
            // A failed call (no recvmmsg, or a socket error) leaves the rest to the one-by-one path, which reports errors.
            if (n < 0) return _stopping;
            if (n == 0)
            {
                if (nap && idle < IdlePolls)
                {
                    idle++;
                    Thread.Sleep(1);
                }
                else batches.Wait(PollMilliseconds * 1000);
                continue;
            }
            idle = 0;
            var received = DateTime.UtcNow;
            bool published = false;
            for (int i = 0; i < n; i++)
            {
                var name = batches.SenderName(i);
                if (name.Length != lastNameLength || !name.SequenceEqual(lastName.AsSpan(0, lastNameLength)))
                {
                    admitted = DatagramBatchReceiver.TryReadSender(name, out exporter) && IsAllowed(exporter);
                    name.CopyTo(lastName);
                    lastNameLength = name.Length;
                }
                batches.Rearm(i);
                if (!admitted)
                {
                    Interlocked.Increment(ref _rejected);
                    continue;
                }
                if (!backlog.TryReserve(out var target))
                {
                    Interlocked.Increment(ref _backlogDrops);
                    continue;
                }
                var datagram = batches.Datagram(i);
                datagram.CopyTo(target);
                backlog.Publish(datagram.Length, exporter, received);
                published = true;
            }
            if (published && !_received.IsSet) _received.Set();
            if (nap && n < DatagramBatchReceiver.Batch) Thread.Sleep(1);
        }
        return true;
    }

    /// <summary>Receives with <see cref="Socket.ReceiveFrom(Span{byte}, SocketFlags, SocketAddress)"/>, one datagram per call (where <c>recvmmsg</c> is not used).</summary>
    private void ReceiveOneByOne()
    {
        var socket = _socket!;
        var backlog = _backlog;
        // Where a datagram goes when the backlog is full: it is read (so the kernel's buffer drains) and counted as dropped.
        byte[]? overflow = null;
        var any = new IPEndPoint(socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        // The source address is received into one SocketAddress and turned into an exporter only when it changes, so a
        // datagram from the same exporter as the last allocates no EndPoint.
        var from = new SocketAddress(socket.AddressFamily);
        var lastFrom = new byte[from.Size];
        FlowAddress exporter = default;
        bool known = false, admitted = false;
        while (!_stopping)
        {
            bool room = backlog.TryReserve(out var target);
            if (!room) target = overflow ??= new byte[FlowCollectorOptions.MaxDatagramBytes];
            int length;
            try
            {
                length = socket.ReceiveFrom(target, SocketFlags.None, from);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock or SocketError.Interrupted
                                             or SocketError.ConnectionReset or SocketError.MessageSize)
            {
                continue;
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                if (!_stopping) Volatile.Write(ref _fault, e);
                return;
            }
            var fromBytes = from.Buffer.Span[..from.Size];
            if (!known || !fromBytes.SequenceEqual(lastFrom.AsSpan(0, fromBytes.Length)))
            {
                exporter = Normalize(((IPEndPoint)any.Create(from)).Address);
                if (lastFrom.Length < fromBytes.Length) lastFrom = new byte[fromBytes.Length];
                fromBytes.CopyTo(lastFrom);
                known = true;
                admitted = IsAllowed(exporter);
            }
            if (!admitted)
            {
                Interlocked.Increment(ref _rejected);
                continue;
            }
            if (!room)
            {
                Interlocked.Increment(ref _backlogDrops);
                continue;
            }
            backlog.Publish(length, exporter, DateTime.UtcNow);
            if (!_received.IsSet) _received.Set();
        }
    }

    /// <summary>The decode thread: decodes the backlog in order until the receive thread has ended and the backlog is empty.</summary>
    private void DecodeLoop()
    {
        var backlog = _backlog;
        var batch = new List<FlowRecord>(DecodeBatch * 30);
        FlowAddress lastSource = default;
        bool anySource = false;
        int idle = IdlePolls;
        while (true)
        {
            long tail = backlog.Tail;
            long head = backlog.Head;
            if (tail == head)
            {
                if (_receiveDone)
                {
                    if (backlog.Head == tail) return;
                    continue;
                }
                // While datagrams keep coming, look again every millisecond: a batch per wake-up and no signal per
                // datagram (a wake-up per datagram cost more than decoding it). After IdlePolls empty looks, sleep on
                // the event, which the receive thread sets once.
                if (idle < IdlePolls)
                {
                    idle++;
                    Thread.Sleep(1);
                    continue;
                }
                _received.Reset();
                if (backlog.Head == tail && !_receiveDone) _received.Wait(PollMilliseconds);
                continue;
            }
            idle = 0;
            DecodeGate?.Wait();
            TakeReturned();
            long end = Math.Min(head, tail + DecodeBatch);
            lock (_gate)
            {
                for (; tail < end; tail++)
                {
                    ref readonly var slot = ref backlog.Slot(tail);
                    if (!anySource || !slot.Exporter.Equals(lastSource))
                    {
                        if (_sources.Count < MaxSourcesTracked) _sources.Add(slot.Exporter);
                        lastSource = slot.Exporter;
                        anySource = true;
                    }
                    Decoder.Decode(backlog.Bytes(slot), slot.Exporter, slot.Received, batch);
                }
            }
            // The records are copies: the datagrams' bytes can be received over now.
            backlog.Release(tail);
            if (batch.Count == 0) continue;
            Enqueue(batch);
            batch.Clear();
        }
    }

    /// <summary>The decoder's source of records on the decode thread: a spare one put back as new, or a new one.</summary>
    private FlowRecord NewRecord()
    {
        if (!_spares.TryPop(out var record)) return new FlowRecord();
        record.Reset();
        return record;
    }

    /// <summary>Moves the records the consumer gave back into the spares (the decode thread's side).</summary>
    private void TakeReturned()
    {
        long tail = _returnTail;
        long head = Volatile.Read(ref _returnHead);
        if (tail == head) return;
        for (; tail < head; tail++)
        {
            ref var slot = ref _returned[tail % _returned.Length];
            if (_spares.Count < _queue.Length) _spares.Push(slot!);
            slot = null;
        }
        Volatile.Write(ref _returnTail, tail);
    }

    /// <summary>Queues the records, dropping (and counting) those beyond the queue's capacity.</summary>
    private void Enqueue(List<FlowRecord> records)
    {
        long head = _queueHead;
        long room = _queue.Length - (head - Volatile.Read(ref _queueTail));
        int keep = (int)Math.Min(room, records.Count);
        for (int i = 0; i < keep; i++) _queue[(head + i) % _queue.Length] = records[i];
        if (keep < records.Count)
        {
            Interlocked.Add(ref _queueDrops, records.Count - keep);
            for (int i = keep; i < records.Count && _spares.Count < _queue.Length; i++) _spares.Push(records[i]);
        }
        if (keep == 0) return;
        Volatile.Write(ref _queueHead, head + keep);
        _available.Set();
    }

    private bool IsAllowed(FlowAddress exporter) => _allowed.Count == 0 || _allowed.Contains(exporter);

    private static FlowAddress Normalize(IPAddress address) =>
        FlowAddress.FromIPAddress(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);

    public void Dispose()
    {
        Stop();
        _available.Dispose();
        _received.Dispose();
    }
}
