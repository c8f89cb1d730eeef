using System.Buffers.Binary;
using System.Text;
using FlowForensics.Flows;

namespace FlowForensics.Storage.Nfcapd;

/// <summary>
/// Encodes a <see cref="FlowRecord"/> as a V3 record the way nfcapd/nfpcapd 1.7.1 write them (spec §13.2):
/// EXgenericFlow, EXipv4Flow or EXipv6Flow, then only the elements that carry data, in ID order, all sizes
/// multiples of 4. Not written: TTL (no 1.7.1 element) and the sampling interval (no sampler records).
/// </summary>
internal static class V3RecordWriter
{
    /// <summary>Largest record this writer produces (all elements present, a label of <see cref="MaxLabelBytes"/>).</summary>
    internal const int MaxRecordSize = 1024;
    internal const int MaxLabelBytes = 256;

    /// <summary>Writes the record into <paramref name="d"/> (at least <see cref="MaxRecordSize"/> long) and returns its size.</summary>
    /// <remarks><paramref name="first"/> and <paramref name="last"/> are the flow's start and end in milliseconds (<see cref="NfcapdTime.ToMilliseconds"/>).</remarks>
    internal static int Write(FlowRecord f, ushort exporterSysId, ulong first, ulong last, Span<byte> d)
    {
        if (d.Length < MaxRecordSize) throw new ArgumentException($"At least {MaxRecordSize} bytes.", nameof(d));
        int pos = NfcapdLayout.V3HeaderSize;
        int elements = 0;

        var e = Element(d, ref pos, ref elements, ExtensionElementId.GenericFlow, ExtensionElementId.GenericFlowLength);
        U64(e, 0, first);
        U64(e, 8, last);
        U64(e, 16, f.Received is { } rcv ? NfcapdTime.ToMilliseconds(rcv) : 0);
        U64(e, 24, unchecked((ulong)f.Packets));
        U64(e, 32, unchecked((ulong)f.Bytes));
        U16(e, 40, f.SrcPort);
        U16(e, 42, f.DstPort);
        e[44] = f.Protocol;
        e[45] = (byte)f.TcpFlags;
        e[46] = f.ForwardingStatus;
        e[47] = f.SrcTos;

        if (f.Src.IsIPv6 || f.Dst.IsIPv6)
        {
            e = Element(d, ref pos, ref elements, ExtensionElementId.Ipv6Flow, ExtensionElementId.Ipv6FlowLength);
            V6(e, 0, f.Src);
            V6(e, 16, f.Dst);
        }
        else if (f.Src.IsIPv4 || f.Dst.IsIPv4)
        {
            e = Element(d, ref pos, ref elements, ExtensionElementId.Ipv4Flow, ExtensionElementId.Ipv4FlowLength);
            U32(e, 0, f.Src.IPv4Value);
            U32(e, 4, f.Dst.IPv4Value);
        }

        if (f.InputInterface != 0 || f.OutputInterface != 0 || f.SrcMask != 0 || f.DstMask != 0 || f.DstTos != 0
            || f.Direction != FlowDirection.Unknown || f.BiFlowDirection != 0 || f.FlowEndReason != 0)
        {
            e = Element(d, ref pos, ref elements, ExtensionElementId.FlowMisc, ExtensionElementId.FlowMiscLength);
            U32(e, 0, f.InputInterface);
            U32(e, 4, f.OutputInterface);
            e[8] = f.SrcMask;
            e[9] = f.DstMask;
            e[10] = f.Direction == FlowDirection.Unknown ? (byte)0 : (byte)f.Direction;
            e[11] = f.DstTos;
            e[12] = f.BiFlowDirection;
            e[13] = f.FlowEndReason;
        }
        if (f.Flows != 1 || f.OutPackets != 0 || f.OutBytes != 0)
        {
            e = Element(d, ref pos, ref elements, ExtensionElementId.CntFlow, ExtensionElementId.CntFlowLength);
            U64(e, 0, f.Flows <= 0 ? 1UL : (ulong)f.Flows);
            U64(e, 8, unchecked((ulong)f.OutPackets));
            U64(e, 16, unchecked((ulong)f.OutBytes));
        }
        if (f.SrcVlan != 0 || f.DstVlan != 0)
        {
            e = Element(d, ref pos, ref elements, ExtensionElementId.VLan, ExtensionElementId.VLanLength);
            U32(e, 0, f.SrcVlan);
            U32(e, 4, f.DstVlan);
        }
        if (f.SrcAs != 0 || f.DstAs != 0)
        {
            e = Element(d, ref pos, ref elements, ExtensionElementId.AsRouting, ExtensionElementId.AsRoutingLength);
            U32(e, 0, f.SrcAs);
            U32(e, 4, f.DstAs);
        }
        Address(d, ref pos, ref elements, f.BgpNextHopAddress, ExtensionElementId.BgpNextHopV4, ExtensionElementId.BgpNextHopV6);
        Address(d, ref pos, ref elements, f.NextHopAddress, ExtensionElementId.IpNextHopV4, ExtensionElementId.IpNextHopV6);
        Address(d, ref pos, ref elements, f.ExporterAddress, ExtensionElementId.IpReceivedV4, ExtensionElementId.IpReceivedV6);
        if (f.MplsStack is { Length: > 0 } mpls)
        {
            e = Element(d, ref pos, ref elements, ExtensionElementId.MplsLabel, ExtensionElementId.MplsLabelLength);
            for (int i = 0; i < mpls.Length && i < ExtensionElementId.MplsLabelCount; i++) U32(e, i * 4, mpls[i]);
        }
        if (f.SrcMacValue != 0 || f.DstMacValue != 0 || f.OutSrcMacValue != 0 || f.OutDstMacValue != 0)
        {
            e = Element(d, ref pos, ref elements, ExtensionElementId.MacAddr, ExtensionElementId.MacAddrLength);
            U64(e, 0, f.SrcMacValue);
            U64(e, 8, f.OutDstMacValue);
            U64(e, 16, f.DstMacValue);
            U64(e, 24, f.OutSrcMacValue);
        }
        if (f.NextAs != 0 || f.PrevAs != 0)
        {
            e = Element(d, ref pos, ref elements, ExtensionElementId.AsAdjacent, ExtensionElementId.AsAdjacentLength);
            U32(e, 0, f.NextAs);
            U32(e, 4, f.PrevAs);
        }
        if (f.ClientLatency is not null || f.ServerLatency is not null || f.ApplicationLatency is not null)
        {
            e = Element(d, ref pos, ref elements, ExtensionElementId.Latency, ExtensionElementId.LatencyLength);
            U64(e, 0, Usec(f.ClientLatency));
            U64(e, 8, Usec(f.ServerLatency));
            U64(e, 16, Usec(f.ApplicationLatency));
        }
        if (!string.IsNullOrEmpty(f.Label))
        {
            int n = Math.Min(Encoding.UTF8.GetByteCount(f.Label), MaxLabelBytes);
            int length = NfcapdLayout.ElementHeaderSize + ((n + 1 + 3) & ~3);
            e = Element(d, ref pos, ref elements, ExtensionElementId.Label, length);
            Span<byte> text = stackalloc byte[Encoding.UTF8.GetMaxByteCount(f.Label.Length)];
            int written = Encoding.UTF8.GetBytes(f.Label, text);
            text[..Math.Min(written, n)].CopyTo(e);
        }
        if (!f.TunnelSrc.IsNone || !f.TunnelDst.IsNone)
        {
            if (f.TunnelSrc.IsIPv6 || f.TunnelDst.IsIPv6)
            {
                e = Element(d, ref pos, ref elements, ExtensionElementId.TunIpv6, ExtensionElementId.TunIpv6Length);
                V6(e, 0, f.TunnelSrc);
                V6(e, 16, f.TunnelDst);
                U32(e, 32, f.TunnelProtocol);
            }
            else
            {
                e = Element(d, ref pos, ref elements, ExtensionElementId.TunIpv4, ExtensionElementId.TunIpv4Length);
                U32(e, 0, f.TunnelSrc.IPv4Value);
                U32(e, 4, f.TunnelDst.IPv4Value);
                U32(e, 8, f.TunnelProtocol);
            }
        }
        if (f.ObservationPointId != 0 || f.ObservationDomainId != 0)
        {
            e = Element(d, ref pos, ref elements, ExtensionElementId.Observation, ExtensionElementId.ObservationLength);
            U64(e, 0, f.ObservationPointId);
            U32(e, 8, f.ObservationDomainId);
        }
        if (f.EgressVrf != 0 || f.IngressVrf != 0)
        {
            e = Element(d, ref pos, ref elements, ExtensionElementId.Vrf, ExtensionElementId.VrfLength);
            U32(e, 0, f.EgressVrf);
            U32(e, 4, f.IngressVrf);
        }

        U16(d, 0, NfcapdLayout.V3RecordType);
        U16(d, 2, (ushort)pos);
        U16(d, NfcapdLayout.V3NumElements, (ushort)elements);
        d[NfcapdLayout.V3EngineType] = f.EngineType;
        d[NfcapdLayout.V3EngineId] = f.EngineId;
        U16(d, NfcapdLayout.V3ExporterId, exporterSysId);
        d[NfcapdLayout.V3Flags] = 0; // no sampler records are written, so SAMPLED is never claimed
        d[NfcapdLayout.V3NfVersion] = f.ExportVersion;
        return pos;
    }

    /// <summary>Exporter info record, old address encoding (spec §9.1), which 1.7.1 … 1.7.8 all read.</summary>
    internal static int WriteExporterInfo(FlowAddress address, uint version, ushort sysId, Span<byte> d)
    {
        d[..NfcapdLayout.ExporterInfoSize].Clear();
        U16(d, 0, NfcapdLayout.ExporterInfoRecordType);
        U16(d, 2, NfcapdLayout.ExporterInfoSize);
        U32(d, NfcapdLayout.ExporterVersion, version);
        if (address.IsIPv6)
        {
            V6(d, NfcapdLayout.ExporterIp, address);
            U16(d, NfcapdLayout.ExporterFamily, NfcapdLayout.AfInet6);
        }
        else
        {
            U32(d, NfcapdLayout.ExporterIpV4, address.IPv4Value);
            U16(d, NfcapdLayout.ExporterFamily, NfcapdLayout.AfInet);
        }
        U16(d, NfcapdLayout.ExporterSysId, sysId);
        return NfcapdLayout.ExporterInfoSize;
    }

    private static Span<byte> Element(Span<byte> d, ref int pos, ref int elements, ushort id, int length)
    {
        var whole = d.Slice(pos, length);
        whole.Clear();
        U16(whole, 0, id);
        U16(whole, 2, (ushort)length);
        pos += length;
        elements++;
        return whole[NfcapdLayout.ElementHeaderSize..];
    }

    private static void Address(Span<byte> d, ref int pos, ref int elements, FlowAddress a, ushort v4Id, ushort v6Id)
    {
        if (a.IsIPv4)
            U32(Element(d, ref pos, ref elements, v4Id, ExtensionElementId.NextHopV4Length), 0, a.IPv4Value);
        else if (a.IsIPv6)
            V6(Element(d, ref pos, ref elements, v6Id, ExtensionElementId.NextHopV6Length), 0, a);
    }

    private static ulong Usec(TimeSpan? t) => t is { } v && v.Ticks > 0 ? (ulong)(v.Ticks / 10) : 0;

    private static void U16(Span<byte> s, int at, ushort v) => BinaryPrimitives.WriteUInt16LittleEndian(s[at..], v);
    private static void U32(Span<byte> s, int at, uint v) => BinaryPrimitives.WriteUInt32LittleEndian(s[at..], v);
    private static void U64(Span<byte> s, int at, ulong v) => BinaryPrimitives.WriteUInt64LittleEndian(s[at..], v);

    private static void V6(Span<byte> s, int at, FlowAddress a)
    {
        if (a.IsIPv4)
        {
            // an IPv4 address in an IPv6 pair (mixed families): IPv4-mapped
            U64(s, at, 0);
            U64(s, at + 8, 0x0000_FFFF_0000_0000UL | a.IPv4Value);
            return;
        }
        U64(s, at, a.High);
        U64(s, at + 8, a.Low);
    }
}
