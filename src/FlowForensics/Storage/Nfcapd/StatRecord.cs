using FlowForensics.Flows;

namespace FlowForensics.Storage.Nfcapd;

/// <summary>The 144-byte stat record (spec §11): reading it into <see cref="NfcapdFileInfo"/> and accumulating it while writing.</summary>
internal sealed class StatRecord
{
    private const ulong NoFlowSentinel = 0x7FFF_FFFF_FFFF_FFFFUL;

    internal ulong Flows, Bytes, Packets;
    internal ulong FlowsTcp, FlowsUdp, FlowsIcmp, FlowsOther;
    internal ulong BytesTcp, BytesUdp, BytesIcmp, BytesOther;
    internal ulong PacketsTcp, PacketsUdp, PacketsIcmp, PacketsOther;
    internal ulong FirstSeen = NoFlowSentinel, LastSeen;
    internal ulong SequenceFailures;

    /// <summary>Adds one flow as nfdump -w does (§11): bucket by protocol, in + out counters, min first / max last.</summary>
    /// <remarks><paramref name="first"/> and <paramref name="last"/> are the flow's start and end in milliseconds (<see cref="NfcapdTime.ToMilliseconds"/>), computed once for the record and the stat.</remarks>
    internal void Add(FlowRecord flow, ulong first, ulong last)
    {
        ulong flows = flow.Flows <= 0 ? 1UL : (ulong)flow.Flows;
        ulong packets = unchecked((ulong)flow.Packets + (ulong)flow.OutPackets);
        ulong bytes = unchecked((ulong)flow.Bytes + (ulong)flow.OutBytes);
        Flows += flows; Packets += packets; Bytes += bytes;
        switch (flow.Protocol)
        {
            case 6: FlowsTcp += flows; PacketsTcp += packets; BytesTcp += bytes; break;
            case 17: FlowsUdp += flows; PacketsUdp += packets; BytesUdp += bytes; break;
            case 1 or 58: FlowsIcmp += flows; PacketsIcmp += packets; BytesIcmp += bytes; break;
            default: FlowsOther += flows; PacketsOther += packets; BytesOther += bytes; break;
        }
        if (first < FirstSeen) FirstSeen = first;
        if (last > LastSeen) LastSeen = last;
    }

    internal void Write(Span<byte> d)
    {
        ulong[] values =
        [
            Flows, Bytes, Packets, FlowsTcp, FlowsUdp, FlowsIcmp, FlowsOther, BytesTcp, BytesUdp, BytesIcmp, BytesOther,
            PacketsTcp, PacketsUdp, PacketsIcmp, PacketsOther, Flows == 0 ? 0 : FirstSeen, LastSeen, SequenceFailures,
        ];
        for (int i = 0; i < values.Length; i++)
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(d[(i * 8)..], values[i]);
    }

    /// <summary>The 15 counters shared by the 1.7 stat record and the 1.6 stat V1.</summary>
    internal static void FillTotals(NfcapdFileInfo info, ReadOnlySpan<byte> s)
    {
        info.Flows = V3RecordReader.U64(s, NfcapdLayout.StatNumFlows);
        info.Bytes = V3RecordReader.U64(s, NfcapdLayout.StatNumBytes);
        info.Packets = V3RecordReader.U64(s, NfcapdLayout.StatNumPackets);
        info.FlowsTcp = V3RecordReader.U64(s, NfcapdLayout.StatFlowsTcp);
        info.FlowsUdp = V3RecordReader.U64(s, NfcapdLayout.StatFlowsUdp);
        info.FlowsIcmp = V3RecordReader.U64(s, NfcapdLayout.StatFlowsIcmp);
        info.FlowsOther = V3RecordReader.U64(s, NfcapdLayout.StatFlowsOther);
        info.BytesTcp = V3RecordReader.U64(s, NfcapdLayout.StatBytesTcp);
        info.BytesUdp = V3RecordReader.U64(s, NfcapdLayout.StatBytesUdp);
        info.BytesIcmp = V3RecordReader.U64(s, NfcapdLayout.StatBytesIcmp);
        info.BytesOther = V3RecordReader.U64(s, NfcapdLayout.StatBytesOther);
        info.PacketsTcp = V3RecordReader.U64(s, NfcapdLayout.StatPacketsTcp);
        info.PacketsUdp = V3RecordReader.U64(s, NfcapdLayout.StatPacketsUdp);
        info.PacketsIcmp = V3RecordReader.U64(s, NfcapdLayout.StatPacketsIcmp);
        info.PacketsOther = V3RecordReader.U64(s, NfcapdLayout.StatPacketsOther);
    }

    internal static void Fill(NfcapdFileInfo info, ReadOnlySpan<byte> s)
    {
        FillTotals(info, s);
        ulong first = V3RecordReader.U64(s, NfcapdLayout.StatFirstSeen);
        ulong last = V3RecordReader.U64(s, NfcapdLayout.StatLastSeen);
        info.FirstSeen = first is 0 or NoFlowSentinel ? null : NfcapdTime.FromMilliseconds(first);
        info.LastSeen = last is 0 or NoFlowSentinel ? null : NfcapdTime.FromMilliseconds(last);
        info.SequenceFailures = V3RecordReader.U64(s, NfcapdLayout.StatSequenceFailure);
        info.HasStatistics = true;
    }
}
