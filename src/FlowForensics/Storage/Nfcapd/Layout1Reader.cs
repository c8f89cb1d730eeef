using FlowForensics.Flows;
using FlowForensics.Wire;

namespace FlowForensics.Storage.Nfcapd;

/// <summary>
/// nfdump 1.6 records (spec §14): extension maps (type 2) and common records (type 10), mapped to the same
/// <see cref="FlowRecord"/> fields as the V3 elements they correspond to.
/// </summary>
internal static class Layout1Reader
{
    // common record flags; 0x08/0x10/0x20 (IPv6 next hop, BGP next hop, exporter) are implied by the extension ids
    private const byte FlagIpv6 = 0x01, FlagPackets64 = 0x02, FlagBytes64 = 0x04, FlagSampled = 0x80;
    private const int MapId = 4, MapExtensionSize = 6, MapIds = 8;

    /// <summary>Size in bytes of each optional 1.6 extension id (§14 table); -1 = unknown id.</summary>
    private static ReadOnlySpan<sbyte> ExtensionSizes =>
    [
        -1, -1, -1, -1, 4, 8, 4, 8, 4, 4, 16, 4, 16, 4, 4, 8, 4, 8, 4, 8, 16, 16, 40, 4, 16, 4, 8, 8,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 20, 4, 8, 32, 24, 24, 72, 0, 24, 12, 0, 8,
    ];

    /// <summary>
    /// Reads a 1.6 extension map into <paramref name="tables"/>. A map listing more than
    /// <see cref="NfcapdLimits.MaxExtensionMapIds"/> ids is corrupt: every flow record using it walks the whole list,
    /// so an unbounded map (32,000 ids in a 20 KB file) cost seconds of CPU per block.
    /// </summary>
    internal static RecordOutcome ReadExtensionMap(ReadOnlySpan<byte> record, NfcapdTables tables, out string? problem)
    {
        problem = null;
        if (record.Length < MapIds) return RecordOutcome.NotAFlow;
        ushort mapId = V3RecordReader.U16(record, MapId);
        int count = 0;
        for (int at = MapIds; at + 2 <= record.Length && V3RecordReader.U16(record, at) != 0; at += 2)
        {
            if (++count > NfcapdLimits.MaxExtensionMapIds)
            {
                problem = $"1.6 extension map {mapId} lists more than {NfcapdLimits.MaxExtensionMapIds} extension ids (nfdump 1.6 knows 49)";
                return RecordOutcome.Corrupt;
            }
        }
        var ids = new ushort[count];
        for (int i = 0; i < count; i++) ids[i] = V3RecordReader.U16(record, MapIds + 2 * i);
        tables.AddExtensionMap(mapId, ids);
        return RecordOutcome.NotAFlow;
    }

    /// <summary>Decodes a 1.6 flow record into <paramref name="f"/>, which must be fresh or <see cref="FlowRecord.Reset"/>.</summary>
    internal static RecordOutcome Decode(ReadOnlySpan<byte> record, NfcapdTables tables, FlowRecord f, out string? problem)
    {
        problem = null;
        if (record.Length < NfcapdLayout.V1CommonFixedSize)
        {
            problem = $"1.6 flow record of {record.Length} bytes is shorter than its 32-byte fixed part";
            return RecordOutcome.Corrupt;
        }
        byte flags = record[4];
        ushort mapId = V3RecordReader.U16(record, 6);
        f.ExportVersion = record[5];
        f.Start = NfcapdTime.FromMilliseconds(V3RecordReader.U32(record, 12) * 1000UL + V3RecordReader.U16(record, 8));
        f.End = NfcapdTime.FromMilliseconds(V3RecordReader.U32(record, 16) * 1000UL + V3RecordReader.U16(record, 10));
        f.ForwardingStatus = record[20];
        f.TcpFlags = (TcpFlags)record[21];
        f.Protocol = record[22];
        f.SrcTos = record[23];
        f.SrcPort = V3RecordReader.U16(record, 24);
        f.DstPort = V3RecordReader.U16(record, 26);
        f.ExporterId = V3RecordReader.U16(record, 28);
        f.BiFlowDirection = record[30];
        f.FlowEndReason = record[31];
        // nfdump 1.7 converts every 1.6 record to V3 with an EXflowMisc element, so direction reads 0 when absent
        f.Direction = FlowDirection.Ingress;
        var r = new WireReader(record[NfcapdLayout.V1CommonFixedSize..]);
        ReadOnlySpan<byte> s;
        if ((flags & FlagIpv6) != 0)
        {
            if (!r.TrySlice(32, out s)) return Truncated(out problem, "addresses");
            f.Src = V3RecordReader.V6(s, 0);
            f.Dst = V3RecordReader.V6(s, 16);
        }
        else
        {
            if (!r.TrySlice(8, out s)) return Truncated(out problem, "addresses");
            f.Src = FlowAddress.FromIPv4(V3RecordReader.U32(s, 0));
            f.Dst = FlowAddress.FromIPv4(V3RecordReader.U32(s, 4));
        }
        if (!ReadCounter(ref r, (flags & FlagPackets64) != 0, out ulong packets)) return Truncated(out problem, "packets");
        if (!ReadCounter(ref r, (flags & FlagBytes64) != 0, out ulong bytes)) return Truncated(out problem, "bytes");
        f.Packets = (long)packets;
        f.Bytes = (long)bytes;

        if (tables.ExtensionMaps.TryGetValue(mapId, out var ids))
        {
            foreach (ushort id in ids)
            {
                int size = id < ExtensionSizes.Length ? ExtensionSizes[id] : -1;
                if (size < 0)
                {
                    problem = $"1.6 extension map {mapId} lists unknown extension {id}";
                    return RecordOutcome.Corrupt;
                }
                if (!r.TrySlice(size, out s)) return Truncated(out problem, $"extension {id}");
                Apply(f, id, s);
            }
        }
        else
        {
            problem = $"1.6 flow record uses extension map {mapId}, which the file never defined";
            return RecordOutcome.Corrupt;
        }
        V3RecordReader.Complete(f, (flags & FlagSampled) != 0 ? NfcapdLayout.V3FlagSampled : (byte)0, long.MinValue, 0, tables);
        return RecordOutcome.Flow;
    }

    private static void Apply(FlowRecord f, ushort id, ReadOnlySpan<byte> s)
    {
        switch (id)
        {
            case 4: f.InputInterface = V3RecordReader.U16(s, 0); f.OutputInterface = V3RecordReader.U16(s, 2); break;
            case 5: f.InputInterface = V3RecordReader.U32(s, 0); f.OutputInterface = V3RecordReader.U32(s, 4); break;
            case 6: f.SrcAs = V3RecordReader.U16(s, 0); f.DstAs = V3RecordReader.U16(s, 2); break;
            case 7: f.SrcAs = V3RecordReader.U32(s, 0); f.DstAs = V3RecordReader.U32(s, 4); break;
            case 8: f.DstTos = s[0]; f.Direction = (FlowDirection)s[1]; f.SrcMask = s[2]; f.DstMask = s[3]; break;
            case 9: f.NextHopAddress = FlowAddress.FromIPv4(V3RecordReader.U32(s, 0)); break;
            case 10: f.NextHopAddress = V3RecordReader.V6(s, 0); break;
            case 11: f.BgpNextHopAddress = FlowAddress.FromIPv4(V3RecordReader.U32(s, 0)); break;
            case 12: f.BgpNextHopAddress = V3RecordReader.V6(s, 0); break;
            case 13: f.SrcVlan = V3RecordReader.U16(s, 0); f.DstVlan = V3RecordReader.U16(s, 2); break;
            case 14: f.OutPackets = V3RecordReader.U32(s, 0); break;
            case 15: f.OutPackets = (long)V3RecordReader.U64(s, 0); break;
            case 16: f.OutBytes = V3RecordReader.U32(s, 0); break;
            case 17: f.OutBytes = (long)V3RecordReader.U64(s, 0); break;
            case 18: f.Flows = Math.Max(1L, V3RecordReader.U32(s, 0)); break;
            case 19: f.Flows = Math.Max(1L, (long)V3RecordReader.U64(s, 0)); break;
            case 20: f.SrcMacValue = V3RecordReader.U64(s, 0) & 0xFFFF_FFFF_FFFFUL; f.OutDstMacValue = V3RecordReader.U64(s, 8) & 0xFFFF_FFFF_FFFFUL; break;
            case 21: f.DstMacValue = V3RecordReader.U64(s, 0) & 0xFFFF_FFFF_FFFFUL; f.OutSrcMacValue = V3RecordReader.U64(s, 8) & 0xFFFF_FFFF_FFFFUL; break;
            case 22: f.MplsStack = V3RecordReader.ReadMpls(s); break;
            case 23: f.ExporterAddress = FlowAddress.FromIPv4(V3RecordReader.U32(s, 0)); break;
            case 24: f.ExporterAddress = V3RecordReader.V6(s, 0); break;
            case 25: f.EngineType = s[2]; f.EngineId = s[3]; break;
            case 26: f.NextAs = V3RecordReader.U32(s, 0); f.PrevAs = V3RecordReader.U32(s, 4); break;
            case 27:
                ulong received = V3RecordReader.U64(s, 0);
                f.Received = received == 0 ? null : NfcapdTime.FromMilliseconds(received);
                break;
            case 45:
                f.ClientLatency = TimeSpan.FromTicks((long)Math.Min(V3RecordReader.U64(s, 0), 1UL << 50) * 10);
                f.ServerLatency = TimeSpan.FromTicks((long)Math.Min(V3RecordReader.U64(s, 8), 1UL << 50) * 10);
                f.ApplicationLatency = TimeSpan.FromTicks((long)Math.Min(V3RecordReader.U64(s, 16), 1UL << 50) * 10);
                break;
            case 46: f.EgressVrf = V3RecordReader.U32(s, 4); f.IngressVrf = V3RecordReader.U32(s, 8); break;
            default: break; // NSEL/NEL ids and reserved ids: skipped by their size
        }
    }

    private static bool ReadCounter(ref WireReader r, bool wide, out ulong value)
    {
        if (wide)
        {
            if (r.TryReadUInt64LittleEndian(out value)) return true;
            return false;
        }
        bool ok = r.TryReadUInt32LittleEndian(out uint v);
        value = v;
        return ok;
    }

    private static RecordOutcome Truncated(out string? problem, string what)
    {
        problem = $"1.6 flow record ends inside its {what}";
        return RecordOutcome.Corrupt;
    }
}
