using FlowForensics.Flows;

namespace FlowForensics.Analysis.Baselines;

/// <summary>The volume of one host or network in one interval, both directions (a struct accumulator: no allocation per flow).</summary>
internal struct IntervalCounters
{
    public long BytesOut, BytesIn, PacketsOut, PacketsIn, FlowsOut, FlowsIn;

    /// <summary>Adds a flow seen from its source end (<paramref name="isSource"/>) or its destination end.</summary>
    public void Add(FlowRecord flow, bool isSource)
    {
        if (isSource)
        {
            BytesOut += flow.Bytes;
            PacketsOut += flow.Packets;
            BytesIn += flow.OutBytes;
            PacketsIn += flow.OutPackets;
            FlowsOut += flow.Flows;
        }
        else
        {
            BytesIn += flow.Bytes;
            PacketsIn += flow.Packets;
            BytesOut += flow.OutBytes;
            PacketsOut += flow.OutPackets;
            FlowsIn += flow.Flows;
        }
    }

    public readonly long Get(BaselineMetric metric) => metric switch
    {
        BaselineMetric.BytesOut => BytesOut,
        BaselineMetric.BytesIn => BytesIn,
        BaselineMetric.PacketsOut => PacketsOut,
        BaselineMetric.PacketsIn => PacketsIn,
        BaselineMetric.FlowsOut => FlowsOut,
        _ => FlowsIn,
    };
}

/// <summary>The volumes a baseline profiles per interval.</summary>
public enum BaselineMetric
{
    BytesOut,
    BytesIn,
    PacketsOut,
    PacketsIn,
    FlowsOut,
    FlowsIn,
}
