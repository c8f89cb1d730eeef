using System.Net;
using FlowForensics.Flows;

namespace FlowForensics.Reporting;

/// <summary>
/// What each source host did in each hour, for the report's timeline: flows, packets, bytes, first start and last
/// end, how many destinations and destination ports it reached, and the ports that carried most of its bytes (the
/// lower port of each TCP/UDP flow, its service side). The timeline lists the busiest hosts of every
/// hour (by bytes) beside the findings, so it reads as a summary of the case rather than a flow dump.
/// </summary>
/// <remarks>
/// Bounded: at most <see cref="MaxHostHours"/> (host, hour) entries are kept; flows of further hosts count in their
/// hour's "other hosts" entry. Distinct destinations and ports are counted exactly up to <see cref="MaxDistinct"/>,
/// then shown as "N+".
/// </remarks>
public sealed class HostActivity
{
    /// <summary>(host, hour) entries kept at most.</summary>
    public const int MaxHostHours = 200_000;

    /// <summary>Distinct destinations or ports counted exactly per entry; more are shown as this number and "+".</summary>
    public const int MaxDistinct = 256;

    private readonly Dictionary<(long Hour, IPAddress? Host), Entry> _entries = [];

    /// <summary>Adds one flow to its source's hour (the hour of its start).</summary>
    public void Add(FlowRecord flow, long packets, long bytes)
    {
        long hour = flow.Start.Ticks / TimeSpan.TicksPerHour;
        IPAddress? host = flow.SrcAddr;
        if (!_entries.TryGetValue((hour, host), out var e))
        {
            if (_entries.Count >= MaxHostHours) host = null;   // the hour's other hosts
            if (!_entries.TryGetValue((hour, host), out e))
            {
                e = new Entry { First = flow.Start, Last = flow.End };
                _entries.Add((hour, host), e);
            }
        }
        e.Flows += flow.Flows;
        e.Packets += packets;
        e.Bytes += bytes;
        if (flow.Start < e.First) e.First = flow.Start;
        if (flow.End > e.Last) e.Last = flow.End;
        if (flow.DstAddr is { } dst && e.Destinations.Count < MaxDistinct) e.Destinations.Add(dst);
        else if (flow.DstAddr is { } d2 && !e.Destinations.Contains(d2)) e.MoreDestinations = true;
        if (e.Ports.Count < MaxDistinct) e.Ports.Add(flow.DstPort);
        else if (!e.Ports.Contains(flow.DstPort)) e.MorePorts = true;
        // the service side of a TCP or UDP flow is its lower port (a reply from port 445 goes to an ephemeral port)
        ushort service = Math.Min(flow.SrcPort, flow.DstPort);
        if (flow.Protocol is 6 or 17 && (e.PortBytes.Count < MaxDistinct || e.PortBytes.ContainsKey(service)))
            e.PortBytes[service] = e.PortBytes.GetValueOrDefault(service) + bytes;
    }

    /// <summary>
    /// The busiest <paramref name="perHour"/> hosts of each hour by bytes, as timeline rows (the columns of
    /// <see cref="FlowReport.TimelineColumns"/>), with a count of the hosts left out of each hour.
    /// </summary>
    public IEnumerable<object?[]> Rows(int perHour)
    {
        if (perHour == 0) yield break;   // the timeline lists findings only
        foreach (var hour in _entries.GroupBy(static kv => kv.Key.Hour).OrderBy(static g => g.Key))
        {
            var ranked = hour.Where(static kv => kv.Key.Host is not null).OrderByDescending(static kv => kv.Value.Bytes).ThenBy(static kv => kv.Value.First).ToList();
            int hosts = ranked.Count;
            var listed = new HashSet<IPAddress>(ranked.Take(perHour).Select(static kv => kv.Key.Host!));
            for (int i = 0; i < Math.Min(perHour, ranked.Count); i++)
            {
                var (key, e) = (ranked[i].Key, ranked[i].Value);
                string top = e.PortBytes.Count == 0 ? "" :
                    "; most bytes on port " + string.Join(", ", e.PortBytes.OrderByDescending(static p => p.Value).Take(3).Select(static p => p.Key.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                yield return
                [
                    e.First, e.Last >= e.First ? e.Last - e.First : null, "Activity", key.Host!.ToString(),
                    Count(e.Destinations.Count, e.MoreDestinations) + " destinations", null, e.Flows, e.Bytes,
                    $"rank {i + 1} of {hosts:N0} sources in the hour from {new DateTime(key.Hour * TimeSpan.TicksPerHour, DateTimeKind.Utc):yyyy-MM-dd HH}:00 by bytes; " +
                    $"{Count(e.Ports.Count, e.MorePorts)} destination ports{top}",
                    e.Last, null, e.Packets,
                ];
            }
            long otherFlows = 0, otherPackets = 0, otherBytes = 0;
            int others = 0;
            DateTime? first = null, last = null;
            foreach (var kv in hour)
            {
                if (kv.Key.Host is { } h && listed.Contains(h)) continue;
                others += kv.Key.Host is null ? 0 : 1;
                otherFlows += kv.Value.Flows;
                otherPackets += kv.Value.Packets;
                otherBytes += kv.Value.Bytes;
                if (first is null || kv.Value.First < first) first = kv.Value.First;
                if (last is null || kv.Value.Last > last) last = kv.Value.Last;
            }
            if (otherFlows == 0) continue;
            bool overflow = hour.Any(static kv => kv.Key.Host is null);
            yield return
            [
                first, last >= first ? last - first : null, "Activity", overflow ? "other hosts" : $"{others:N0} other hosts",
                null, null, otherFlows, otherBytes,
                overflow ? $"sources beyond the {perHour} busiest of the hour, and hosts past the report's bound of {MaxHostHours:N0} host-hours"
                         : $"the hour's other {others:N0} sources, together",
                last, null, otherPackets,
            ];
        }
    }

    private static string Count(int n, bool more) => more ? $"{n:N0}+" : n.ToString("N0", System.Globalization.CultureInfo.InvariantCulture);

    private sealed class Entry
    {
        public long Flows, Packets, Bytes;
        public DateTime First, Last;
        public readonly HashSet<IPAddress> Destinations = [];
        public readonly HashSet<ushort> Ports = [];
        public readonly Dictionary<ushort, long> PortBytes = [];
        public bool MoreDestinations, MorePorts;
    }
}
