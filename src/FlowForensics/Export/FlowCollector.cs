using System.Collections.Concurrent;
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

    /// <summary>UDP port; 0 asks the system for a free one (see <see cref="FlowCollector.LocalEndPoint"/>).</summary>
    public int Port { get; init; } = 2055;

    /// <summary>
    /// Address to listen on. The default, <see cref="IPAddress.IPv6Any"/>, is a dual-mode socket that receives IPv4 and
    /// IPv6 on every interface (as nfcapd does); give 127.0.0.1 or ::1 to receive from this machine only.
    /// </summary>
    public IPAddress ListenAddress { get; init; } = IPAddress.IPv6Any;

    /// <summary>Records held for the consumer at most (<see cref="DefaultQueueCapacity"/>).</summary>
    public int QueueCapacity { get; init; } = DefaultQueueCapacity;

    public int ReceiveBufferBytes { get; init; } = DefaultReceiveBufferBytes;

    /// <summary>When not empty, datagrams from any other source address are dropped and counted.</summary>
    public IReadOnlyCollection<IPAddress> AllowedExporters { get; init; } = [];
}

/// <summary>A consistent copy of a collector's counters.</summary>
public sealed record FlowCollectorStatus(
    long Datagrams, long Records, long Exporters, long Templates, long QueueDrops, long RejectedDatagrams,
    long Malformed, IReadOnlyDictionary<ExportDecodeStatus, long> MalformedByReason, IReadOnlyList<ExportFault> MalformedByExporter);

/// <summary>
/// Receives export datagrams (NetFlow v5/v9, IPFIX, sFlow) on a UDP socket on a background thread, decodes them with an
/// <see cref="ExportDecoder"/> and hands the records to one consumer through a bounded queue. When the consumer falls
/// behind, records are dropped and counted in <see cref="FlowCollectorStatus.QueueDrops"/>, never silently.
/// The decoder belongs to the receive thread between <see cref="Start"/> and <see cref="Stop"/>.
/// </summary>
public sealed class FlowCollector : IDisposable
{
    private const int PollMilliseconds = 100;

    private readonly FlowCollectorOptions _options;
    // A lock-free queue bounded by a counter, and an event the consumer waits on: one signal per datagram, not per record
    // (BlockingCollection's semaphore per record cost a third of the receive thread at 400k flows/s).
    private readonly ConcurrentQueue<FlowRecord> _queue = new();
    private readonly ManualResetEventSlim _available = new(false);
    private long _queued;
    private readonly HashSet<FlowAddress> _allowed = new();
    private readonly HashSet<FlowAddress> _sources = new();
    private readonly object _gate = new();
    private Socket? _socket;
    private Thread? _thread;
    private volatile bool _stopping;
    private long _queueDrops;
    private long _rejected;
    private Exception? _fault;

    public FlowCollector(FlowCollectorOptions options, ExportDecoder decoder)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(decoder);
        if (options.Port is < 0 or > 65535) throw new ArgumentOutOfRangeException(nameof(options), options.Port, "Port must be 0..65535.");
        if (options.QueueCapacity < 1) throw new ArgumentOutOfRangeException(nameof(options), options.QueueCapacity, "QueueCapacity must be positive.");
        _options = options;
        Decoder = decoder;
        foreach (var a in options.AllowedExporters) _allowed.Add(Normalize(a));
    }

    /// <summary>The decoder; touch it only before <see cref="Start"/> or after <see cref="Stop"/>.</summary>
    public ExportDecoder Decoder { get; }

    /// <summary>The bound address and port, once started.</summary>
    public IPEndPoint? LocalEndPoint { get; private set; }

    /// <summary>Set when the receive thread is listening (the ready signal).</summary>
    public bool IsListening => _thread is not null && !_stopping;

    /// <summary>An unexpected socket error that ended the receive thread, if any.</summary>
    public Exception? Fault => Volatile.Read(ref _fault);

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
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
        _thread = new Thread(Receive) { IsBackground = true, Name = "FlowCollector " + LocalEndPoint };
        _thread.Start();
    }

    /// <summary>Waits up to <paramref name="timeoutMilliseconds"/> ms for the next record; false when none came or <paramref name="cancel"/> fired.</summary>
    public bool TryTake(out FlowRecord record, int timeoutMilliseconds, CancellationToken cancel)
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
        if (_queue.TryDequeue(out var r))
        {
            Interlocked.Decrement(ref _queued);
            record = r;
            return true;
        }
        record = null!;
        return false;
    }

    /// <summary>Records waiting in the queue.</summary>
    public int Queued => (int)Interlocked.Read(ref _queued);

    /// <summary>Stops receiving and waits for the receive thread; queued records stay available to <see cref="TryTake"/>.</summary>
    public void Stop()
    {
        _stopping = true;
        _thread?.Join();
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
                Interlocked.Read(ref _queueDrops), Interlocked.Read(ref _rejected), c.Malformed, byReason, Decoder.Faults());
        }
    }

    private void Receive()
    {
        var socket = _socket!;
        var buffer = new byte[65536];
        var batch = new List<FlowRecord>(64);
        var any = new IPEndPoint(socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        // The source address is received into one SocketAddress and turned into an exporter only when it changes, so a
        // datagram from the same exporter as the last allocates no EndPoint.
        var from = new SocketAddress(socket.AddressFamily);
        var lastFrom = new byte[from.Size];
        FlowAddress exporter = default;
        bool known = false;
        while (!_stopping)
        {
            int length;
            try
            {
                length = socket.ReceiveFrom(buffer.AsSpan(), SocketFlags.None, from);
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
            }
            if (_allowed.Count > 0 && !_allowed.Contains(exporter))
            {
                Interlocked.Increment(ref _rejected);
                continue;
            }
            batch.Clear();
            lock (_gate)
            {
                _sources.Add(exporter);
                Decoder.Decode(buffer.AsSpan(0, length), exporter, DateTime.UtcNow, batch);
            }
            if (batch.Count == 0) continue;
            foreach (var record in batch)
            {
                if (Interlocked.Increment(ref _queued) > _options.QueueCapacity)
                {
                    Interlocked.Decrement(ref _queued);
                    Interlocked.Increment(ref _queueDrops);
                    continue;
                }
                _queue.Enqueue(record);
            }
            _available.Set();
        }
    }

    private static FlowAddress Normalize(IPAddress address) =>
        FlowAddress.FromIPAddress(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);

    public void Dispose()
    {
        Stop();
        _available.Dispose();
    }
}
