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
        uint n = flow.SamplingInterval;
        if (n <= 1) return flow;
        var copy = flow.Clone();
        copy.Packets = Multiply(flow.Packets, n);
        copy.Bytes = Multiply(flow.Bytes, n);
        copy.OutPackets = Multiply(flow.OutPackets, n);
        copy.OutBytes = Multiply(flow.OutBytes, n);
        copy.SamplingInterval = 1;
        return copy;
    }

    private static long Multiply(long value, uint factor)
    {
        if (value <= 0) return value;
        return value > long.MaxValue / factor ? long.MaxValue : value * factor;
    }
}
