using FlowForensics.Capture.Decoding;
using FlowForensics.Flows;

namespace FlowForensics.Metering;

/// <summary>
/// Accounts fragmented datagrams the way nfpcapd's reassembly does (one packet, the reassembled IP length,
/// ports from the first fragment) without copying payloads: it tracks only which byte ranges arrived, so a
/// duplicated or overlapping fragment is counted once and cannot make a datagram with a hole look complete.
/// The reassembled length is the IP header of the first fragment plus the payload; for IPv6 the 8-byte
/// fragment header is not part of the reassembled packet (RFC 8200 §4.5) and is not counted.
/// Unlike nfpcapd, a datagram that never completes is not dropped: when it times out, the table fills or the
/// input ends, what arrived is metered (with its ports if the first fragment came, port-less otherwise).
/// The ranges of one datagram are bounded by IP itself (offsets below 65,536 in 8-byte units).
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
        // IPv4 identifies a datagram by source, destination, id and protocol (RFC 791); IPv6 by source, destination
        // and id (RFC 8200): its later fragments name the header after the fragment header, not the transport.
        byte protocol = fragment.IPVersion == 6 ? (byte)0 : fragment.Protocol;
        var key = new FragmentKey(fragment.Src, fragment.Dst, fragment.FragmentId, protocol);
        if (!_pending.TryGetValue(key, out var datagram))
        {
            datagram = new Datagram { Generation = ++_generation, FirstSeenTicks = ticks };
            _byArrival.Enqueue((key, datagram.Generation));
        }

        int payload = Math.Max(0, fragment.IpLength - fragment.IpHeaderLength);
        datagram.Ranges ??= new List<(int Start, int End)>(4);
        datagram.PayloadSeen += Cover(datagram.Ranges, fragment.FragmentOffset, fragment.FragmentOffset + payload);
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

        if (datagram.HasFirst && datagram.TotalPayload > 0 && datagram.Ranges[0].Start == 0 && datagram.Ranges[0].End >= datagram.TotalPayload)
        {
            _pending.Remove(key);
            _counters.FragmentsJoined += datagram.Fragments - 1;
            completed = new CompletedDatagram(datagram.First, HeaderLength(datagram.First) + datagram.TotalPayload, ticks, true);
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
            int length = HeaderLength(datagram.First) + datagram.PayloadSeen;
            expired = new CompletedDatagram(datagram.First, length, datagram.LastTicks, datagram.HasFirst);
            return true;
        }
        expired = default;
        return false;
    }

    /// <summary>The reassembled packet's header: the first fragment's, without the IPv6 fragment header.</summary>
    private static int HeaderLength(in DecodedPacket first) =>
        first.IPVersion == 6 ? Math.Max(0, first.IpHeaderLength - Ipv6FragmentHeader) : first.IpHeaderLength;

    /// <summary>Adds [start, end) to the sorted, disjoint <paramref name="ranges"/>; returns how many bytes were new.</summary>
    internal static int Cover(List<(int Start, int End)> ranges, int start, int end)
    {
        if (end <= start) return 0;
        int i = 0;
        while (i < ranges.Count && ranges[i].End < start) i++;
        int added = end - start;
        int mergedStart = start, mergedEnd = end;
        while (i < ranges.Count && ranges[i].Start <= end)
        {
            var r = ranges[i];
            int overlap = Math.Min(r.End, end) - Math.Max(r.Start, start);
            if (overlap > 0) added -= overlap;
            mergedStart = Math.Min(mergedStart, r.Start);
            mergedEnd = Math.Max(mergedEnd, r.End);
            ranges.RemoveAt(i);
        }
        ranges.Insert(i, (mergedStart, mergedEnd));
        return added;
    }

    private const int Ipv6FragmentHeader = 8;

    private struct Datagram
    {
        public List<(int Start, int End)>? Ranges;
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
