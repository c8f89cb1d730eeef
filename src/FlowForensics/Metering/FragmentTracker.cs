using FlowForensics.Capture.Decoding;
using FlowForensics.Flows;

namespace FlowForensics.Metering;

/// <summary>
/// Accounts fragmented datagrams the way nfpcapd's reassembly does (one packet, the reassembled IP length,
/// ports from the first fragment) without copying payloads: it tracks only which byte ranges arrived.
/// Unlike nfpcapd, a datagram that never completes is not dropped: when it times out, the table fills or the
/// input ends, what arrived is metered (with its ports if the first fragment came, port-less otherwise).
/// </summary>
internal sealed class FragmentTracker
{
    private readonly Dictionary<FragmentKey, Datagram> _pending = new();
    private readonly Queue<(FragmentKey Key, int Generation)> _byArrival = new();
    private readonly FlowTableOptions _options;
    private readonly MeteringCounters _counters;
    private int _generation;

    public FragmentTracker(FlowTableOptions options, MeteringCounters counters)
    {
        _options = options;
        _counters = counters;
    }

    public int Count => _pending.Count;

    /// <summary>
    /// Takes one fragment. Returns true with the datagram to meter when this fragment completed it.
    /// </summary>
    public bool Add(long ticks, in DecodedPacket fragment, out CompletedDatagram completed)
    {
        var key = new FragmentKey(fragment.Src, fragment.Dst, fragment.FragmentId, fragment.Protocol);
        if (!_pending.TryGetValue(key, out var datagram))
        {
            datagram = new Datagram { Generation = ++_generation, FirstSeenTicks = ticks };
            _byArrival.Enqueue((key, datagram.Generation));
        }

        int payload = Math.Max(0, fragment.IpLength - fragment.IpHeaderLength);
        datagram.PayloadSeen += payload;
        datagram.Fragments++;
        datagram.LastTicks = ticks;
        if (!fragment.MoreFragments)
            datagram.TotalPayload = fragment.FragmentOffset + payload;
        if (fragment.IsFirstFragment)
        {
            datagram.First = fragment;
            datagram.HasFirst = true;
        }
        else if (!datagram.HasFirst && datagram.Fragments == 1)
        {
            datagram.First = fragment;   // a stand-in for addresses and protocol until the first arrives
        }

        if (datagram.HasFirst && datagram.TotalPayload > 0 && datagram.PayloadSeen >= datagram.TotalPayload)
        {
            _pending.Remove(key);
            _counters.FragmentsJoined += datagram.Fragments - 1;
            completed = new CompletedDatagram(datagram.First, datagram.First.IpHeaderLength + datagram.TotalPayload, ticks, true);
            return true;
        }

        _pending[key] = datagram;
        completed = default;
        return false;
    }

    /// <summary>
    /// Gives back datagrams that waited longer than the fragment timeout (or, with <paramref name="all"/>,
    /// every one; or the oldest while the tracker is over its bound), to be metered as they stand.
    /// </summary>
    public bool TryExpire(long nowTicks, bool all, out CompletedDatagram expired)
    {
        long timeout = _options.FragmentTimeout.Ticks;
        while (_byArrival.TryPeek(out var head))
        {
            if (!_pending.TryGetValue(head.Key, out var datagram) || datagram.Generation != head.Generation)
            {
                _byArrival.Dequeue();   // completed earlier
                continue;
            }
            bool over = _pending.Count > _options.MaxFragmentedDatagrams;
            if (!all && !over && nowTicks - datagram.LastTicks <= timeout) break;
            _byArrival.Dequeue();
            _pending.Remove(head.Key);
            if (over) _counters.FragmentTableFull++;
            _counters.FragmentsOrphaned += datagram.Fragments;
            int length = datagram.First.IpHeaderLength + datagram.PayloadSeen;
            expired = new CompletedDatagram(datagram.First, length, datagram.LastTicks, datagram.HasFirst);
            return true;
        }
        expired = default;
        return false;
    }

    private struct Datagram
    {
        public DecodedPacket First;
        public bool HasFirst;
        public int PayloadSeen;
        public int TotalPayload;
        public int Fragments;
        public long FirstSeenTicks;
        public long LastTicks;
        public int Generation;
    }

    private readonly record struct FragmentKey(FlowAddress Src, FlowAddress Dst, uint Id, byte Protocol);
}

/// <summary>A fragmented datagram ready to be metered as one packet.</summary>
internal readonly struct CompletedDatagram
{
    public CompletedDatagram(in DecodedPacket first, int ipLength, long ticks, bool hasPorts)
    {
        First = first;
        IpLength = ipLength;
        Ticks = ticks;
        HasPorts = hasPorts;
    }

    public DecodedPacket First { get; }
    public int IpLength { get; }
    public long Ticks { get; }
    public bool HasPorts { get; }
}
