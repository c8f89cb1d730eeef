namespace FlowForensics.Synthesis;

/// <summary>
/// Merges every running script's frames in strict timestamp order: a priority queue keyed by (time, arrival order),
/// so ties break deterministically. Only scripts in flight are held, never the capture.
/// </summary>
internal sealed class Scheduler
{
    private readonly PriorityQueue<Activity, Slot> _queue = new(SlotComparer.Instance);
    private readonly Stack<byte[]> _buffers = new();
    private long _order;
    private long _now;

    public Scheduler(ScenarioWorld world) => World = world;

    public ScenarioWorld World { get; }

    /// <summary>Scripts in flight.</summary>
    public int Active => _queue.Count;

    /// <summary>The most scripts ever in flight: what memory is proportional to.</summary>
    public int PeakActive { get; private set; }

    /// <summary>The time (µs from the capture start) of the frame being processed.</summary>
    public long Now => _now;

    public byte[] RentBuffer() => _buffers.Count > 0 ? _buffers.Pop() : new byte[FrameCrafter.MaxFrame];

    public void Start(Activity activity, IEnumerator<long> steps)
    {
        activity.Steps = steps;
        Advance(activity);
    }

    private void Advance(Activity a)
    {
        a.Length = 0;
        a.PendingOut = 0;
        a.PendingIn = 0;
        if (a.Steps!.MoveNext())
        {
            long t = a.Steps.Current;
            if (t < _now)
                throw new InvalidOperationException($"A scenario script went back in time ({t} µs < {_now} µs).");
            _queue.Enqueue(a, new Slot(t, _order++));
            if (_queue.Count > PeakActive)
                PeakActive = _queue.Count;
            return;
        }
        a.Steps.Dispose();
        if (a.ReleaseBuffer() is { } buffer)
            _buffers.Push(buffer);
    }

    /// <summary>Emits every frame before <paramref name="endMicros"/>; returns when the queue is empty or the end is reached.</summary>
    public void Run(IFrameSink sink, long endMicros, DateTime startUtc, ScenarioTruth truth, CancellationToken cancel)
    {
        long emitted = 0;
        while (_queue.TryDequeue(out var a, out var slot))
        {
            if (slot.Time >= endMicros)
                break;
            _now = slot.Time;
            if (a.Length > 0)
            {
                var ts = startUtc.AddTicks(slot.Time * TimeSpan.TicksPerMicrosecond);
                sink.Write(ts, a.FrameBuffer.AsSpan(0, a.Length));
                truth.Packets++;
                truth.FrameBytes += a.Length;
                if (a.Truth is { } bt)
                {
                    bt.Count(ts, a.Length);
                    bt.BytesOut += a.PendingOut;
                    bt.BytesIn += a.PendingIn;
                }
                else
                {
                    truth.BackgroundPackets++;
                }
                if ((++emitted & 0xFFF) == 0)
                    cancel.ThrowIfCancellationRequested();
            }
            Advance(a);
        }
        truth.PeakActiveScripts = PeakActive;
    }

    private readonly record struct Slot(long Time, long Order);

    private sealed class SlotComparer : IComparer<Slot>
    {
        public static readonly SlotComparer Instance = new();

        public int Compare(Slot x, Slot y) => x.Time != y.Time ? x.Time.CompareTo(y.Time) : x.Order.CompareTo(y.Order);
    }
}
