namespace FlowForensics.Reporting;

/// <summary>
/// Bytes, packets and flows per time bucket for the report's traffic chart: a flow's bytes and packets are spread
/// evenly over its duration (as nfdump's time-sliced statistics do), so a four-minute upload shows as four minutes of
/// traffic, not one spike where it started; flows are counted in the bucket where they start. The bucket starts at one
/// minute and widens (5, 15, 30 minutes, 1, 2, 6, 12 hours, 1 day, 1 week, then doubling) whenever the span from the
/// first to the last bucket would need more than <see cref="MaxBuckets"/> buckets, so memory and the chart's row count
/// stay bounded whatever the evidence spans.
/// </summary>
public sealed class TrafficHistogram
{
    private static readonly long[] WidthMinutes = [1, 5, 15, 30, 60, 120, 360, 720, 1440, 10080];

    private Dictionary<long, Bucket> _buckets = [];
    private long _min = long.MaxValue, _max = long.MinValue;
    private int _widthStep;
    private long _widthTicks = TimeSpan.TicksPerMinute;

    public TrafficHistogram(int maxBuckets = 1440)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBuckets, 2);
        MaxBuckets = maxBuckets;
    }

    /// <summary>The most buckets between the first and the last (empty ones included).</summary>
    public int MaxBuckets { get; }

    /// <summary>The current bucket width.</summary>
    public TimeSpan BucketWidth => TimeSpan.FromTicks(_widthTicks);

    /// <summary>Flows left out of the chart because they have no valid start time (before 1970, such as a damaged record's 0001-01-01).</summary>
    public long Undated { get; private set; }

    /// <summary>One flow at its start (all of it in one bucket).</summary>
    public void Add(DateTime start, long bytes, long packets, long flows) => Add(start, start, bytes, packets, flows);

    /// <summary>
    /// One flow from <paramref name="start"/> to <paramref name="end"/>: bytes and packets shared among the buckets it
    /// spans in proportion to the time it spends in each (whole numbers, the remainder in its last bucket, so the sums
    /// are exact); an end before the start counts as the start.
    /// </summary>
    public void Add(DateTime start, DateTime end, long bytes, long packets, long flows)
    {
        if (start < DateTime.UnixEpoch)
        {
            // No collector time is earlier: charting it would stretch the buckets over two thousand years.
            Undated += flows;
            return;
        }
        long s = start.Ticks, e = Math.Max(end.Ticks, s);
        long first = s / _widthTicks, last = e / _widthTicks;
        long min = Math.Min(_min, first), max = Math.Max(_max, last);
        while (max - min + 1 > MaxBuckets)
        {
            Widen();
            first = s / _widthTicks;
            last = e / _widthTicks;
            min = Math.Min(_min, first);
            max = Math.Max(_max, last);
        }
        _min = min;
        _max = max;
        ref var b = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_buckets, first, out _);
        b.Flows += flows;
        if (first == last)
        {
            b.Bytes += bytes;
            b.Packets += packets;
            return;
        }
        double span = e - s;
        long givenBytes = 0, givenPackets = 0;
        for (long i = first; i < last; i++)
        {
            long from = Math.Max(s, i * _widthTicks), to = (i + 1) * _widthTicks;
            double share = (to - from) / span;
            long shareBytes = (long)(bytes * share), sharePackets = (long)(packets * share);
            ref var slice = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_buckets, i, out _);
            slice.Bytes += shareBytes;
            slice.Packets += sharePackets;
            givenBytes += shareBytes;
            givenPackets += sharePackets;
        }
        ref var tail = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_buckets, last, out _);
        tail.Bytes += bytes - givenBytes;
        tail.Packets += packets - givenPackets;
    }

    /// <summary>Every bucket from the first to the last, empty ones as zeros: (start, bytes, packets, flows).</summary>
    public IEnumerable<(DateTime Start, long Bytes, long Packets, long Flows)> Buckets()
    {
        if (_buckets.Count == 0) yield break;
        for (long i = _min; i <= _max; i++)
        {
            _buckets.TryGetValue(i, out var b);
            yield return (new DateTime(i * _widthTicks, DateTimeKind.Utc), b.Bytes, b.Packets, b.Flows);
        }
    }

    private void Widen()
    {
        long next = _widthStep + 1 < WidthMinutes.Length ? WidthMinutes[_widthStep + 1] * TimeSpan.TicksPerMinute : _widthTicks * 2;
        _widthStep++;
        long factor = next / _widthTicks;
        var merged = new Dictionary<long, Bucket>(_buckets.Count / (int)Math.Min(factor, int.MaxValue) + 1);
        foreach (var (index, b) in _buckets)
        {
            ref var m = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(merged, index / factor, out _);
            m.Bytes += b.Bytes;
            m.Packets += b.Packets;
            m.Flows += b.Flows;
        }
        _buckets = merged;
        if (_min != long.MaxValue)
        {
            _min /= factor;
            _max /= factor;
        }
        _widthTicks = next;
    }

    private struct Bucket
    {
        public long Bytes, Packets, Flows;
    }
}
