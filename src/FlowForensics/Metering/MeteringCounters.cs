namespace FlowForensics.Metering;

/// <summary>What the flow table saw and did; every bound that was hit is counted here.</summary>
public sealed class MeteringCounters
{
    public long Packets { get; internal set; }
    public long PacketsMetered { get; internal set; }
    public long FlowsCreated { get; internal set; }
    public long FlowsExported { get; internal set; }
    public long ExpiredInactive { get; internal set; }
    public long ExpiredActive { get; internal set; }
    public long EndedByTcp { get; internal set; }
    public long SinglePacketFlows { get; internal set; }

    /// <summary>Flows exported early because the table reached its size bound.</summary>
    public long Evicted { get; internal set; }
    public long FlushedAtEnd { get; internal set; }

    /// <summary>Later fragments joined to their datagram's flow.</summary>
    public long FragmentsJoined { get; internal set; }

    /// <summary>Fragments of datagrams that never completed, metered as they stand (with ports when the first fragment came, port-less otherwise).</summary>
    public long FragmentsOrphaned { get; internal set; }

    /// <summary>Fragment-tracking entries dropped because the fragment table was full (their bytes are still metered, port-less).</summary>
    public long FragmentTableFull { get; internal set; }

    /// <summary>The most flows held at once.</summary>
    public int PeakActiveFlows { get; internal set; }
}
