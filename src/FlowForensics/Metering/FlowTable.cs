using System.Runtime.InteropServices;
using FlowForensics.Capture.Decoding;
using FlowForensics.Flows;

namespace FlowForensics.Metering;

/// <summary>
/// Packets to flows, with nfpcapd's rules (see docs/metering.md): the key is IP version + 5-tuple in one
/// direction; bytes are IP bytes; ICMP, ICMPv6 and DNS packets are flows of their own; active and inactive
/// timeouts are checked on a sweep of packet time. A TCP FIN or RST marks the flow closing: the rest of the
/// closing handshake joins it and it is exported at the next sweep; a new SYN on the same 5-tuple starts a
/// new flow at once.
/// The table is bounded: when <see cref="FlowTableOptions.MaxActiveFlows"/> flows are held, the least
/// recently seen one is exported early and counted. A packet that updates a flow allocates nothing.
/// Exported flows queue up in <see cref="TryTakeExported"/> in the order they ended.
/// </summary>
public sealed class FlowTable
{
    private const int None = -1;
    private const ushort DnsPort = 53;

    private readonly FlowTableOptions _options;
    private readonly Dictionary<FlowKey, int> _index;
    private readonly Queue<(int Slot, int Generation)> _byFirstSeen = new();
    private readonly Queue<(int Slot, int Generation)> _closing = new();
    private readonly Queue<FlowRecord> _exported = new();
    private readonly FragmentTracker _fragments;
    private FlowEntry[] _entries;
    private int _freeHead = None;
    private int _used;          // slots ever handed out
    private int _lruHead = None; // least recently seen
    private int _lruTail = None; // most recently seen
    private long _clock;
    private long _lastSweep = long.MinValue;

    public FlowTable(FlowTableOptions? options = null)
    {
        _options = options ?? new FlowTableOptions();
        _options.Validate();
        int initial = Math.Min(_options.MaxActiveFlows, 4096);
        _entries = new FlowEntry[initial];
        _index = new Dictionary<FlowKey, int>(initial);
        _fragments = new FragmentTracker(_options, Counters);
    }

    public MeteringCounters Counters { get; } = new();

    /// <summary>Flows held now.</summary>
    public int ActiveFlows => _index.Count;

    /// <summary>The latest packet time seen (UTC ticks); the table's clock.</summary>
    public DateTime Clock => new(_clock, DateTimeKind.Utc);

    /// <summary>Meters one decoded IP packet captured at <paramref name="timestamp"/> (UTC).</summary>
    public void Add(DateTime timestamp, in DecodedPacket packet)
    {
        long ticks = timestamp.Ticks;
        if (ticks > _clock) _clock = ticks;
        if (_lastSweep == long.MinValue) _lastSweep = _clock;
        Counters.Packets++;

        if (packet.IsFragment)
        {
            if (_fragments.Add(ticks, packet, out var datagram))
                Meter(datagram.Ticks, datagram.First, datagram.IpLength, withPorts: true);
            // Over its bound, the tracker gives up its oldest datagram at once (metered as it stands).
            while (_fragments.Count > _options.MaxFragmentedDatagrams && _fragments.TryExpire(_clock, all: false, out var oldest))
                Meter(oldest.Ticks, oldest.First, oldest.IpLength, oldest.HasPorts);
        }
        else
        {
            Meter(ticks, packet, packet.IpLength, withPorts: true);
        }

        if (_clock - _lastSweep >= _options.SweepInterval.Ticks)
        {
            _lastSweep = _clock;
            Sweep(_clock);
        }
    }

    /// <summary>Exports every flow still held (end of input or a stop), oldest first.</summary>
    public void FlushAll()
    {
        while (_fragments.TryExpire(_clock, all: true, out var datagram))
            Meter(datagram.Ticks, datagram.First, datagram.IpLength, datagram.HasPorts);

        if (_index.Count == 0) return;
        var slots = new List<int>(_index.Count);
        foreach (int slot in _index.Values) slots.Add(slot);
        slots.Sort((a, b) => _entries[a].FirstTicks != _entries[b].FirstTicks
            ? _entries[a].FirstTicks.CompareTo(_entries[b].FirstTicks)
            : a.CompareTo(b));
        foreach (int slot in slots)
        {
            Counters.FlushedAtEnd++;
            Export(slot);
        }
    }

    /// <summary>Takes the next exported flow, in the order flows ended.</summary>
    public bool TryTakeExported(out FlowRecord flow) => _exported.TryDequeue(out flow!);

    /// <summary>Flows exported and not yet taken.</summary>
    public int ExportedCount => _exported.Count;

    private void Meter(long ticks, in DecodedPacket p, int ipLength, bool withPorts)
    {
        Counters.PacketsMetered++;
        ushort srcPort = withPorts ? p.SrcPort : (ushort)0;
        ushort dstPort = withPorts ? p.DstPort : (ushort)0;
        var key = new FlowKey(p.Src, p.Dst, srcPort, dstPort, p.Protocol);

        bool singlePacket = p.Protocol is IpProtocolNames.Icmp or IpProtocolNames.Icmp6
            || (_options.DnsPacketPerFlow && p.Protocol == IpProtocolNames.Udp && withPorts && (srcPort == DnsPort || dstPort == DnsPort));

        if (_index.TryGetValue(key, out int open))
        {
            ref var current = ref _entries[open];
            // A new connection on the 5-tuple of one that is closing: the old flow ends here.
            if (current.Closing && (p.TcpFlags & (TcpFlags.Syn | TcpFlags.Ack)) == TcpFlags.Syn)
                Export(open);
        }

        ref int slotRef = ref CollectionsMarshal.GetValueRefOrAddDefault(_index, key, out bool exists);
        int slot;
        if (exists)
        {
            slot = slotRef;
            ref var e = ref _entries[slot];
            e.LastTicks = Math.Max(e.LastTicks, ticks);
            if (ticks < e.FirstTicks) e.FirstTicks = ticks;
            e.Packets++;
            e.Bytes += ipLength;
            e.Flags |= p.TcpFlags;
            if (p.Ttl < e.MinTtl) e.MinTtl = p.Ttl;
            if (p.Ttl > e.MaxTtl) e.MaxTtl = p.Ttl;
            Touch(slot);
        }
        else
        {
            slot = Allocate();
            slotRef = slot;
            ref var e = ref _entries[slot];
            int generation = e.Generation + 1;
            e = new FlowEntry
            {
                Key = key,
                FirstTicks = ticks,
                LastTicks = ticks,
                Packets = 1,
                Bytes = ipLength,
                Flags = p.TcpFlags,
                Tos = p.Tos,
                MinTtl = p.Ttl,
                MaxTtl = p.Ttl,
                Vlan = p.Vlan,
                SrcMac = p.SrcMac,
                DstMac = p.DstMac,
                MplsTop = p.MplsTopEntry,
                TunnelSrc = p.TunnelSrc,
                TunnelDst = p.TunnelDst,
                TunnelProtocol = p.TunnelProtocol,
                Generation = generation,
                InUse = true,
                Prev = None,
                Next = None,
            };
            Append(slot);
            _byFirstSeen.Enqueue((slot, generation));
            Counters.FlowsCreated++;
        }

        if (singlePacket)
        {
            Counters.SinglePacketFlows++;
            Export(slot);
        }
        else if (p.Protocol == IpProtocolNames.Tcp && (p.TcpFlags & (TcpFlags.Fin | TcpFlags.Rst)) != 0 && !_entries[slot].Closing
            && _options.TcpFinRstEndsFlow)
        {
            _entries[slot].Closing = true;
            _closing.Enqueue((slot, _entries[slot].Generation));
        }

        if (_index.Count > _options.MaxActiveFlows)
        {
            Counters.Evicted++;
            Export(_lruHead);
        }
        // After any eviction, so the peak never reads above the bound (the table holds one more only transiently).
        if (_index.Count > Counters.PeakActiveFlows) Counters.PeakActiveFlows = _index.Count;
    }

    private void Sweep(long now)
    {
        while (_fragments.TryExpire(now, all: false, out var datagram))
            Meter(datagram.Ticks, datagram.First, datagram.IpLength, datagram.HasPorts);

        while (_closing.TryDequeue(out var closing))
        {
            ref var c = ref _entries[closing.Slot];
            if (!c.InUse || c.Generation != closing.Generation) continue;
            Counters.EndedByTcp++;
            Export(closing.Slot);
        }

        long inactive = _options.InactiveTimeout.Ticks;
        while (_lruHead != None && now - _entries[_lruHead].LastTicks > inactive)
        {
            Counters.ExpiredInactive++;
            Export(_lruHead);
        }

        long active = _options.ActiveTimeout.Ticks;
        while (_byFirstSeen.TryPeek(out var head))
        {
            ref var e = ref _entries[head.Slot];
            if (!e.InUse || e.Generation != head.Generation)
            {
                _byFirstSeen.Dequeue();   // that flow already ended
                continue;
            }
            if (now - e.FirstTicks <= active) break;
            _byFirstSeen.Dequeue();
            Counters.ExpiredActive++;
            Export(head.Slot);
        }
    }

    private void Export(int slot)
    {
        ref var e = ref _entries[slot];
        var k = e.Key;
        var flow = new FlowRecord
        {
            Start = new DateTime(e.FirstTicks, DateTimeKind.Utc),
            End = new DateTime(e.LastTicks, DateTimeKind.Utc),
            SrcAddress = k.Src,
            DstAddress = k.Dst,
            SrcPort = k.SrcPort,
            DstPort = k.DstPort,
            Protocol = k.Protocol,
            TcpFlags = k.Protocol == IpProtocolNames.Tcp ? e.Flags : TcpFlags.None,
            Packets = e.Packets,
            Bytes = e.Bytes,
            SrcTos = e.Tos,
            MinTtl = e.MinTtl,
            MaxTtl = e.MaxTtl,
            SrcVlan = e.Vlan,
            SrcMacValue = e.SrcMac,
            DstMacValue = e.DstMac,
            MplsStack = e.MplsTop != 0 ? [e.MplsTop >> 8] : null,   // wire entry without its TTL byte
            TunnelSrc = e.TunnelSrc,
            TunnelDst = e.TunnelDst,
            TunnelProtocol = e.TunnelProtocol,
            ExportVersion = 0x41,   // nfdump's mark for flows metered from packets ("PCAP")
        };
        _exported.Enqueue(flow);
        Counters.FlowsExported++;

        _index.Remove(k);
        Unlink(slot);
        e.InUse = false;
        e.Next = _freeHead;
        _freeHead = slot;
    }

    private int Allocate()
    {
        if (_freeHead != None)
        {
            int slot = _freeHead;
            _freeHead = _entries[slot].Next;
            return slot;
        }
        if (_used == _entries.Length)
        {
            // One past the bound is needed transiently: the new flow is inserted, then the oldest evicted.
            int grown = (int)Math.Min((long)_entries.Length * 2, (long)_options.MaxActiveFlows + 1);
            Array.Resize(ref _entries, Math.Max(grown, _used + 1));
        }
        return _used++;
    }

    private void Append(int slot)
    {
        ref var e = ref _entries[slot];
        e.Prev = _lruTail;
        e.Next = None;
        if (_lruTail != None) _entries[_lruTail].Next = slot;
        else _lruHead = slot;
        _lruTail = slot;
    }

    private void Unlink(int slot)
    {
        ref var e = ref _entries[slot];
        if (e.Prev != None) _entries[e.Prev].Next = e.Next;
        else _lruHead = e.Next;
        if (e.Next != None) _entries[e.Next].Prev = e.Prev;
        else _lruTail = e.Prev;
        e.Prev = e.Next = None;
    }

    private void Touch(int slot)
    {
        if (slot == _lruTail) return;
        Unlink(slot);
        Append(slot);
    }
}
