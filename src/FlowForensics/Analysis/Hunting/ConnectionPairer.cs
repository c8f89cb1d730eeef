using FlowForensics.Flows;

namespace FlowForensics.Analysis.Hunting;

/// <summary>One connection: an initiator's flow and, when it was seen, the reverse flow's counters.</summary>
public readonly record struct PairedConnection(
    FlowAddress Src, FlowAddress Dst, ushort SrcPort, ushort DstPort, byte Protocol,
    DateTime Start, DateTime End, long BytesOut, long BytesIn, long PacketsOut, long PacketsIn, bool HasReverse);

/// <summary>
/// Turns unidirectional flow records (nfcapd, NetFlow v5/v9, nfpcapd) into connections: a record is held for a short
/// <see cref="PairingWindow"/> (in flow time) until its reverse record (addresses and ports swapped) arrives; the one
/// that started first is the initiator, the other's bytes become <see cref="PairedConnection.BytesIn"/>. A record whose
/// reverse never comes is a one-way connection. Bidirectional records (IPFIX biflows, NSEL) are connections already.
/// Memory is bounded by <see cref="MaxPending"/> held records; past it the oldest is released unpaired and counted.
/// </summary>
public sealed class ConnectionPairer
{
    private readonly Dictionary<PairKey, Pending> _pending = [];
    private readonly Queue<(PairKey Key, long Sequence)> _order = new();
    private readonly Action<PairedConnection> _onConnection;
    private readonly long _windowTicks;
    private DateTime _clock;
    private long _sequence;

    public ConnectionPairer(Action<PairedConnection> onConnection, TimeSpan pairingWindow, int maxPending)
    {
        ArgumentNullException.ThrowIfNull(onConnection);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(pairingWindow, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPending, 1);
        _onConnection = onConnection;
        PairingWindow = pairingWindow;
        _windowTicks = pairingWindow.Ticks;
        MaxPending = maxPending;
    }

    /// <summary>How long (in flow time) a record waits for its reverse.</summary>
    public TimeSpan PairingWindow { get; }

    /// <summary>The bound on records waiting for their reverse.</summary>
    public int MaxPending { get; }

    /// <summary>Connections whose two directions were both seen.</summary>
    public long Paired { get; private set; }

    /// <summary>Records released without a reverse because <see cref="MaxPending"/> was reached (not because the window passed).</summary>
    public long ReleasedEarly { get; private set; }

    /// <summary>Adds one flow record; connections that are complete are handed to the callback.</summary>
    public void Add(FlowRecord flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        if (flow.End > _clock) _clock = flow.End;
        Expire();
        if (flow.OutBytes > 0 || flow.OutPackets > 0)
        {
            _onConnection(new PairedConnection(flow.Src, flow.Dst, flow.SrcPort, flow.DstPort, flow.Protocol, flow.Start, flow.End,
                flow.Bytes, flow.OutBytes, flow.Packets, flow.OutPackets, true));
            return;
        }
        bool icmp = flow.Protocol is IpProtocolNames.Icmp or IpProtocolNames.Icmp6;
        var key = PairKey.Of(flow.Src, icmp ? (ushort)0 : flow.SrcPort, flow.Dst, icmp ? (ushort)0 : flow.DstPort, flow.Protocol);
        var current = new Pending(flow.Src, flow.Dst, flow.SrcPort, flow.DstPort, flow.Protocol, flow.Start, flow.End, flow.Bytes, flow.Packets, 0);
        if (_pending.Remove(key, out var held))
        {
            bool reverse = held.Src == flow.Dst && held.Dst == flow.Src && Math.Abs((held.Start - flow.Start).Ticks) <= _windowTicks;
            if (reverse)
            {
                Paired++;
                var (first, second) = held.Start <= flow.Start ? (held, current) : (current, held);
                _onConnection(new PairedConnection(first.Src, first.Dst, first.SrcPort, first.DstPort, first.Protocol,
                    first.Start, first.End > second.End ? first.End : second.End, first.Bytes, second.Bytes, first.Packets, second.Packets, true));
                return;
            }
            Release(held);
        }
        current = current with { Sequence = ++_sequence };
        _pending[key] = current;
        _order.Enqueue((key, current.Sequence));
    }

    /// <summary>Releases every held record as a one-way connection (the end of the input).</summary>
    public void Flush()
    {
        while (_order.TryDequeue(out var head))
        {
            if (_pending.TryGetValue(head.Key, out var held) && held.Sequence == head.Sequence)
            {
                _pending.Remove(head.Key);
                Release(held);
            }
        }
    }

    private void Expire()
    {
        while (_order.TryPeek(out var head))
        {
            if (!_pending.TryGetValue(head.Key, out var held) || held.Sequence != head.Sequence)
            {
                _order.Dequeue();
                continue;
            }
            bool full = _pending.Count >= MaxPending;
            if (!full && (_clock - held.End).Ticks <= _windowTicks) return;
            if (full) ReleasedEarly++;
            _order.Dequeue();
            _pending.Remove(head.Key);
            Release(held);
        }
    }

    private void Release(in Pending p) =>
        _onConnection(new PairedConnection(p.Src, p.Dst, p.SrcPort, p.DstPort, p.Protocol, p.Start, p.End, p.Bytes, 0, p.Packets, 0, false));

    private readonly record struct Pending(FlowAddress Src, FlowAddress Dst, ushort SrcPort, ushort DstPort, byte Protocol,
        DateTime Start, DateTime End, long Bytes, long Packets, long Sequence);

    /// <summary>The two endpoints in a fixed order, so a record and its reverse share a key.</summary>
    private readonly record struct PairKey(FlowAddress A, ushort PortA, FlowAddress B, ushort PortB, byte Protocol)
    {
        public static PairKey Of(FlowAddress src, ushort srcPort, FlowAddress dst, ushort dstPort, byte protocol)
        {
            int order = src.CompareTo(dst);
            return order < 0 || (order == 0 && srcPort <= dstPort)
                ? new PairKey(src, srcPort, dst, dstPort, protocol)
                : new PairKey(dst, dstPort, src, srcPort, protocol);
        }
    }
}
