using System.Runtime.CompilerServices;
using System.Buffers.Binary;
using System.Text;
using FlowForensics.Flows;
using FlowForensics.Wire;

namespace FlowForensics.Storage.Nfcapd;

/// <summary>Outcome of decoding one record inside a block.</summary>
internal enum RecordOutcome : byte
{
    Flow,
    NotAFlow,
    Corrupt,
}

/// <summary>
/// Walks the elements of a V3 record (spec §7), checking every length against the record before anything is read:
/// <see cref="Next"/> gives each element's type, length and body in turn, and stops at the end or at the first element
/// that does not fit (<see cref="Problem"/> then says why).
/// </summary>
internal ref struct V3Elements
{
    private readonly ReadOnlySpan<byte> _record;
    private readonly int _count;
    private int _index;
    private int _position;

    private V3Elements(ReadOnlySpan<byte> record, int count)
    {
        _record = record;
        _count = count;
        _position = NfcapdLayout.V3HeaderSize;
    }

    /// <summary>Why the walk stopped early; null when every element fit.</summary>
    public string? Problem { get; private set; }

    /// <summary>Checks the record header; false (with the problem) when the record cannot be walked.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryOpen(ReadOnlySpan<byte> record, out V3Elements elements, out string? problem)
    {
        elements = default;
        problem = null;
        if (record.Length < NfcapdLayout.V3HeaderSize)
        {
            problem = $"V3 record of {record.Length} bytes is shorter than its 12-byte header";
            return false;
        }
        int count = BinaryPrimitives.ReadUInt16LittleEndian(record[NfcapdLayout.V3NumElements..]);
        if (count == 0)
        {
            // nfdump 1.7.1 rejects such a record; read on, it would be an all-zero flow dated 0001-01-01.
            problem = "V3 record has no elements (nfdump rejects it as corrupt)";
            return false;
        }
        if (count > NfcapdLimits.MaxElementsPerRecord)
        {
            problem = $"V3 record claims {count} elements (limit {NfcapdLimits.MaxElementsPerRecord})";
            return false;
        }
        elements = new V3Elements(record, count);
        return true;
    }

    /// <summary>The next element: its type, its length field (header included) and its body.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Next(out ushort type, out int length, out ReadOnlySpan<byte> body)
    {
        body = default;
        type = 0;
        length = 0;
        if (_index == _count) return false;
        int at = _position;
        if (_record.Length - at < NfcapdLayout.ElementHeaderSize)
        {
            Problem = $"element {_index} header runs past the record end (record offset {at})";
            return false;
        }
        type = BinaryPrimitives.ReadUInt16LittleEndian(_record[at..]);
        length = BinaryPrimitives.ReadUInt16LittleEndian(_record[(at + 2)..]);
        if (length < NfcapdLayout.ElementHeaderSize || length > _record.Length - at)
        {
            Problem = $"element {_index} (id {type}) has length {length}, outside the record (record offset {at})";
            return false;
        }
        body = _record.Slice(at + NfcapdLayout.ElementHeaderSize, length - NfcapdLayout.ElementHeaderSize);
        _position = at + length;
        _index++;
        return true;
    }
}

/// <summary>
/// Decodes V3 flow records (spec §7/§8) and the non-flow records that give them context (§9). Elements may
/// come in any order; unknown or unmapped ones are skipped by their length; a shorter-than-known fixed element
/// is ignored; lengths are checked against the record before any read.
/// </summary>
internal static class V3RecordReader
{
    /// <summary>Decodes a V3 flow record into <paramref name="f"/>, which must be fresh or <see cref="FlowRecord.Reset"/>.</summary>
    // Per-record code, compiled optimised at once: a run of a few seconds otherwise spends much of itself in the
    // unoptimised tiers before tiering promotes it (docs/performance.md, Measure-FlowTopN).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static RecordOutcome Decode(ReadOnlySpan<byte> record, NfcapdTables tables, FlowRecord f, out string? problem)
    {
        if (!V3Elements.TryOpen(record, out var elements, out problem)) return RecordOutcome.Corrupt;
        f.EngineType = record[NfcapdLayout.V3EngineType];
        f.EngineId = record[NfcapdLayout.V3EngineId];
        f.ExporterId = BinaryPrimitives.ReadUInt16LittleEndian(record[NfcapdLayout.V3ExporterId..]);
        f.ExportVersion = record[NfcapdLayout.V3NfVersion];
        byte flags = record[NfcapdLayout.V3Flags];
        long selectorId = long.MinValue;
        ushort selectorSysId = 0;

        while (elements.Next(out ushort type, out int length, out var e))
        {
            switch (type)
            {
                case ExtensionElementId.GenericFlow when e.Length >= 48:
                    f.Start = NfcapdTime.FromMilliseconds(U64(e, 0));
                    f.End = NfcapdTime.FromMilliseconds(U64(e, 8));
                    ulong received = U64(e, 16);
                    f.Received = received == 0 ? null : NfcapdTime.FromMilliseconds(received);
                    f.Packets = (long)U64(e, 24);
                    f.Bytes = (long)U64(e, 32);
                    f.SrcPort = U16(e, 40);
                    f.DstPort = U16(e, 42);
                    f.Protocol = e[44];
                    f.TcpFlags = (TcpFlags)e[45];
                    f.ForwardingStatus = e[46];
                    f.SrcTos = e[47];
                    break;
                case ExtensionElementId.Ipv4Flow when e.Length >= 8:
                    f.Src = FlowAddress.FromIPv4(U32(e, 0));
                    f.Dst = FlowAddress.FromIPv4(U32(e, 4));
                    break;
                case ExtensionElementId.Ipv6Flow when e.Length >= 32:
                    f.Src = V6(e, 0);
                    f.Dst = V6(e, 16);
                    break;
                case ExtensionElementId.FlowMisc when e.Length >= 14:
                    f.InputInterface = U32(e, 0);
                    f.OutputInterface = U32(e, 4);
                    f.SrcMask = e[8];
                    f.DstMask = e[9];
                    f.Direction = (FlowDirection)e[10];
                    f.DstTos = e[11];
                    f.BiFlowDirection = e[12];
                    f.FlowEndReason = e[13];
                    break;
                case ExtensionElementId.CntFlow when e.Length >= 24:
                    ulong flows = U64(e, 0);
                    f.Flows = flows == 0 ? 1 : (long)flows;
                    f.OutPackets = (long)U64(e, 8);
                    f.OutBytes = (long)U64(e, 16);
                    break;
                case ExtensionElementId.VLan when e.Length >= 8:
                    f.SrcVlan = (ushort)U32(e, 0);
                    f.DstVlan = (ushort)U32(e, 4);
                    break;
                case ExtensionElementId.AsRouting when e.Length >= 8:
                    f.SrcAs = U32(e, 0);
                    f.DstAs = U32(e, 4);
                    break;
                case ExtensionElementId.BgpNextHopV4 when e.Length >= 4:
                    f.BgpNextHopAddress = FlowAddress.FromIPv4(U32(e, 0));
                    break;
                case ExtensionElementId.BgpNextHopV6 when e.Length >= 16:
                    f.BgpNextHopAddress = V6(e, 0);
                    break;
                case ExtensionElementId.IpNextHopV4 when e.Length >= 4:
                    f.NextHopAddress = FlowAddress.FromIPv4(U32(e, 0));
                    break;
                case ExtensionElementId.IpNextHopV6 when e.Length >= 16:
                    f.NextHopAddress = V6(e, 0);
                    break;
                case ExtensionElementId.IpReceivedV4 when e.Length >= 4:
                    f.ExporterAddress = FlowAddress.FromIPv4(U32(e, 0));
                    break;
                case ExtensionElementId.IpReceivedV6 when e.Length >= 16:
                    f.ExporterAddress = V6(e, 0);
                    break;
                case ExtensionElementId.MplsLabel when e.Length >= 40:
                    f.MplsStack = ReadMpls(e);
                    break;
                case ExtensionElementId.MacAddr when e.Length >= 32:
                    f.SrcMacValue = U64(e, 0) & MacMask;
                    f.OutDstMacValue = U64(e, 8) & MacMask;
                    f.DstMacValue = U64(e, 16) & MacMask;
                    f.OutSrcMacValue = U64(e, 24) & MacMask;
                    break;
                case ExtensionElementId.AsAdjacent when e.Length >= 8:
                    f.NextAs = U32(e, 0);
                    f.PrevAs = U32(e, 4);
                    break;
                case ExtensionElementId.Latency when e.Length >= 24:
                    f.ClientLatency = Microseconds(U64(e, 0));
                    f.ServerLatency = Microseconds(U64(e, 8));
                    f.ApplicationLatency = Microseconds(U64(e, 16));
                    break;
                case ExtensionElementId.SamplerInfo when length == ExtensionElementId.SamplerInfoLength171:
                    uint interval = U32(e, 4);
                    if (interval > 0) f.SamplingInterval = interval;
                    break;
                case ExtensionElementId.SamplerInfo when e.Length >= 10:
                    selectorId = (long)U64(e, 0);
                    selectorSysId = U16(e, 8);
                    break;
                case ExtensionElementId.Label when e.Length > 0:
                    int nul = e.IndexOf((byte)0);
                    f.Label = Encoding.UTF8.GetString(nul < 0 ? e : e[..nul]);
                    break;
                case ExtensionElementId.TunIpv4 when e.Length >= 12:
                    f.TunnelSrc = FlowAddress.FromIPv4(U32(e, 0));
                    f.TunnelDst = FlowAddress.FromIPv4(U32(e, 4));
                    f.TunnelProtocol = (byte)U32(e, 8);
                    break;
                case ExtensionElementId.TunIpv6 when e.Length >= 36:
                    f.TunnelSrc = V6(e, 0);
                    f.TunnelDst = V6(e, 16);
                    f.TunnelProtocol = (byte)U32(e, 32);
                    break;
                case ExtensionElementId.Observation when e.Length >= 12:
                    f.ObservationPointId = U64(e, 0);
                    f.ObservationDomainId = U32(e, 8);
                    break;
                case ExtensionElementId.Vrf when e.Length >= 8:
                    f.EgressVrf = U32(e, 0);
                    f.IngressVrf = U32(e, 4);
                    break;
                case ExtensionElementId.IpInfo when e.Length >= 4:
                    f.MinTtl = e[2];
                    f.MaxTtl = e[3];
                    break;
                default:
                    break; // unknown, unmapped (NSEL/NEL, payload, pfinfo, layer2 ...) or too short: skipped by length
            }
        }
        if (elements.Problem is { } bad)
        {
            problem = bad;
            return RecordOutcome.Corrupt;
        }

        Complete(f, flags, selectorId, selectorSysId, tables);
        return RecordOutcome.Flow;
    }

    /// <summary>
    /// Decodes what statistics read of a V3 flow record (<see cref="FlowCore"/>): the same values as <see cref="Decode"/>
    /// gives a <see cref="FlowRecord"/>, and the same verdict and problem on a corrupt record, but only the elements that
    /// hold them are read and nothing else is filled in.
    /// </summary>
    // Left to tiered compilation on purpose, like the top-N table's add path: compiled at once
    // (AggressiveOptimization) it went without the profile-guided inlining of tier 1, and warm runs of Measure-FlowTopN
    // took a third longer (docs/performance.md).
    internal static RecordOutcome DecodeCore(ReadOnlySpan<byte> record, ref FlowCore c, out string? problem)
    {
        if (!V3Elements.TryOpen(record, out var elements, out problem)) return RecordOutcome.Corrupt;
        c = default;
        long flows = 1, packets = 0, bytes = 0, outPackets = 0, outBytes = 0;
        while (elements.Next(out ushort type, out _, out var e))
        {
            switch (type)
            {
                case ExtensionElementId.GenericFlow when e.Length >= 48:
                    c.StartTicks = NfcapdTime.TicksFromMilliseconds(U64(e, 0));
                    c.EndTicks = NfcapdTime.TicksFromMilliseconds(U64(e, 8));
                    packets = (long)U64(e, 24);
                    bytes = (long)U64(e, 32);
                    c.SrcPort = U16(e, 40);
                    c.DstPort = U16(e, 42);
                    c.Protocol = e[44];
                    c.SrcTos = e[47];
                    break;
                case ExtensionElementId.Ipv4Flow when e.Length >= 8:
                    c.Src = FlowAddress.FromIPv4(U32(e, 0));
                    c.Dst = FlowAddress.FromIPv4(U32(e, 4));
                    break;
                case ExtensionElementId.Ipv6Flow when e.Length >= 32:
                    c.Src = V6(e, 0);
                    c.Dst = V6(e, 16);
                    break;
                case ExtensionElementId.FlowMisc when e.Length >= 14:
                    c.InputInterface = U32(e, 0);
                    c.OutputInterface = U32(e, 4);
                    c.DstTos = e[11];
                    break;
                case ExtensionElementId.CntFlow when e.Length >= 24:
                    ulong n = U64(e, 0);
                    flows = n == 0 ? 1 : (long)n;
                    outPackets = (long)U64(e, 8);
                    outBytes = (long)U64(e, 16);
                    break;
                case ExtensionElementId.VLan when e.Length >= 8:
                    c.SrcVlan = (ushort)U32(e, 0);
                    c.DstVlan = (ushort)U32(e, 4);
                    break;
                case ExtensionElementId.AsRouting when e.Length >= 8:
                    c.SrcAs = U32(e, 0);
                    c.DstAs = U32(e, 4);
                    break;
                default:
                    break;
            }
        }
        if (elements.Problem is { } bad)
        {
            problem = bad;
            return RecordOutcome.Corrupt;
        }
        c.Flows = flows > 0 ? flows : 1;
        c.Packets = packets + outPackets;
        c.Bytes = bytes + outBytes;
        return RecordOutcome.Flow;
    }

    /// <summary>Fills the exporter address and sampling rate from the file's exporter and sampler records.</summary>
    internal static void Complete(FlowRecord f, byte flags, long selectorId, ushort selectorSysId, NfcapdTables tables)
    {
        if (f.ExporterAddress.IsNone && f.ExporterId != 0 && tables.Exporters.TryGetValue(f.ExporterId, out var exporter))
            f.ExporterAddress = exporter;
        if (f.SamplingInterval == 0)
        {
            if (selectorId != long.MinValue && tables.SamplersById.TryGetValue((selectorSysId, selectorId), out uint rate))
                f.SamplingInterval = rate;
            else if ((flags & NfcapdLayout.V3FlagSampled) != 0 && tables.SamplerBySysId.TryGetValue(f.ExporterId, out rate))
                f.SamplingInterval = rate;
        }
    }

    /// <summary>Exporter info (type 7, spec §9.1): both address encodings.</summary>
    internal static void ReadExporterInfo(ReadOnlySpan<byte> record, NfcapdTables tables)
    {
        if (record.Length < NfcapdLayout.ExporterInfoSize) return;
        ushort family = U16(record, NfcapdLayout.ExporterFamily);
        ushort sysId = U16(record, NfcapdLayout.ExporterSysId);
        FlowAddress address;
        if (family == NfcapdLayout.AfInet)
        {
            address = FlowAddress.FromIPv4(U32(record, NfcapdLayout.ExporterIpV4));
        }
        else if (family == NfcapdLayout.AfInet6)
        {
            address = V6(record, NfcapdLayout.ExporterIp);
        }
        else
        {
            // 1.7.8: 16 bytes in network order, IPv4 as ::ffff:a.b.c.d
            var ip = record.Slice(NfcapdLayout.ExporterIp, 16);
            ulong hi = BinaryPrimitives.ReadUInt64BigEndian(ip);
            ulong lo = BinaryPrimitives.ReadUInt64BigEndian(ip[8..]);
            address = hi == 0 && (lo >> 32) == 0xFFFF ? FlowAddress.FromIPv4((uint)lo) : FlowAddress.FromIPv6(hi, lo);
        }
        tables.AddExporter(sysId, address);
    }

    /// <summary>Sampler (type 15, spec §9.3).</summary>
    internal static void ReadSampler(ReadOnlySpan<byte> record, NfcapdTables tables)
    {
        if (record.Length < NfcapdLayout.SamplerSize) return;
        tables.AddSampler(U16(record, NfcapdLayout.SamplerSysId), (long)U64(record, NfcapdLayout.SamplerId),
            NfcapdTables.Rate(U32(record, NfcapdLayout.SamplerPacketInterval), U32(record, NfcapdLayout.SamplerSpaceInterval)));
    }

    /// <summary>Legacy sampler (type 9, spec §9.4): packetInterval 1, spaceInterval = interval − 1.</summary>
    internal static void ReadLegacySampler(ReadOnlySpan<byte> record, NfcapdTables tables)
    {
        if (record.Length < 16) return;
        uint interval = U32(record, NfcapdLayout.LegacySamplerInterval);
        tables.AddSampler(U16(record, NfcapdLayout.LegacySamplerSysId), (int)U32(record, NfcapdLayout.LegacySamplerId),
            interval == 0 ? 1 : interval);
    }

    private const ulong MacMask = 0x0000_FFFF_FFFF_FFFFUL;

    internal static uint[]? ReadMpls(ReadOnlySpan<byte> e)
    {
        int count = 0;
        for (int i = 0; i < ExtensionElementId.MplsLabelCount; i++)
            if (U32(e, i * 4) != 0) count = i + 1;
        if (count == 0) return null;
        var stack = new uint[count];
        for (int i = 0; i < count; i++) stack[i] = U32(e, i * 4);
        return stack;
    }

    private static TimeSpan? Microseconds(ulong usec) =>
        TimeSpan.FromTicks(usec > (ulong)(TimeSpan.MaxValue.Ticks / 10) ? TimeSpan.MaxValue.Ticks : (long)usec * 10);

    internal static ushort U16(ReadOnlySpan<byte> s, int at) => BinaryPrimitives.ReadUInt16LittleEndian(s[at..]);
    internal static uint U32(ReadOnlySpan<byte> s, int at) => BinaryPrimitives.ReadUInt32LittleEndian(s[at..]);
    internal static ulong U64(ReadOnlySpan<byte> s, int at) => BinaryPrimitives.ReadUInt64LittleEndian(s[at..]);

    /// <summary>An IPv6 address as two little-endian u64 halves (spec §2).</summary>
    internal static FlowAddress V6(ReadOnlySpan<byte> s, int at) => FlowAddress.FromIPv6(U64(s, at), U64(s, at + 8));
}
