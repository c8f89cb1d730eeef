using FlowForensics.Flows;

namespace FlowForensics.Metering;

/// <summary>
/// One active flow inside <see cref="FlowTable"/>: a struct in a pooled array, linked into the table's
/// least-recently-seen list by index, so a packet that updates a flow allocates nothing.
/// </summary>
internal struct FlowEntry
{
    public FlowKey Key;
    public long FirstTicks;
    public long LastTicks;
    public long Packets;
    public long Bytes;
    public TcpFlags Flags;
    public byte Tos;
    public byte MinTtl;
    public byte MaxTtl;
    public ushort Vlan;
    public ulong SrcMac;
    public ulong DstMac;
    public uint MplsTop;
    public FlowAddress TunnelSrc;
    public FlowAddress TunnelDst;
    public byte TunnelProtocol;

    /// <summary>A FIN or RST was seen: the flow is exported at the next sweep.</summary>
    public bool Closing;

    // Bookkeeping: the least-recently-seen list and reuse of the slot.
    public int Prev;
    public int Next;
    public int Generation;
    public bool InUse;
}
