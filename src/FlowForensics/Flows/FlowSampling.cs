namespace FlowForensics.Flows;

/// <summary>Scaling sampled counters up to the traffic they stand for (nfcapd's habit, as a choice of the reader).</summary>
public static class FlowSampling
{
    /// <summary>
    /// For a record with <see cref="FlowRecord.SamplingInterval"/> N &gt; 1: a copy whose Packets, Bytes, OutPackets and
    /// OutBytes are multiplied by N (saturating at <see cref="long.MaxValue"/>) and whose SamplingInterval is 1, since its
    /// figures now stand for the unsampled traffic (so scaling twice changes nothing). Other records are returned as
    /// they are. <paramref name="flow"/> itself is never changed.
    /// </summary>
    public static FlowRecord Scaled(FlowRecord flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        if (flow.SamplingInterval <= 1) return flow;
        var copy = flow.Clone();
        Scale(copy);
        return copy;
    }

    /// <summary>
    /// <see cref="Scaled"/> in place, for a record the caller owns (a reader's fresh record, a collector's record
    /// before it is written): no copy.
    /// </summary>
    public static void Scale(FlowRecord flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        uint n = flow.SamplingInterval;
        if (n <= 1) return;
        flow.Packets = Multiply(flow.Packets, n);
        flow.Bytes = Multiply(flow.Bytes, n);
        flow.OutPackets = Multiply(flow.OutPackets, n);
        flow.OutBytes = Multiply(flow.OutBytes, n);
        flow.SamplingInterval = 1;
    }

    private static long Multiply(long value, uint factor)
    {
        if (value <= 0) return value;
        return value > long.MaxValue / factor ? long.MaxValue : value * factor;
    }
}
