using System.Collections.ObjectModel;

namespace FlowForensics.Flows;

/// <summary>The kind of value a <see cref="FlowField"/> holds.</summary>
public enum FlowFieldType
{
    Time,
    Duration,
    Address,
    Port,
    Protocol,
    TcpFlags,
    Counter,
    Rate,
    Byte,
    UInt16,
    UInt32,
    Mac,
}

/// <summary>
/// One field of a <see cref="FlowRecord"/>: its property name, nfdump's short name (as in <c>-o csv</c> and
/// <c>fmt:%xx</c>), its kind and a getter. <see cref="NumericValue"/> is set for fields that have a number
/// (filters compare it, Top-N and aggregation key on it); it never allocates.
/// </summary>
public sealed class FlowField
{
    public FlowField(string name, string nfdumpAlias, FlowFieldType type, string description,
                     Func<FlowRecord, object?> getValue, Func<FlowRecord, ulong>? numericValue = null)
    {
        Name = name;
        NfdumpAlias = nfdumpAlias;
        Type = type;
        Description = description;
        GetValue = getValue;
        NumericValue = numericValue;
    }

    /// <summary>The <see cref="FlowRecord"/> property name, e.g. <c>DstPort</c>.</summary>
    public string Name { get; }

    /// <summary>nfdump's short name, e.g. <c>dp</c>.</summary>
    public string NfdumpAlias { get; }

    public FlowFieldType Type { get; }

    public string Description { get; }

    /// <summary>The value as a .NET object (for display and PowerShell); may allocate.</summary>
    public Func<FlowRecord, object?> GetValue { get; }

    /// <summary>The value as an unsigned number, for fields that have one; null otherwise. No allocation.</summary>
    public Func<FlowRecord, ulong>? NumericValue { get; }

    public override string ToString() => $"{Name} ({NfdumpAlias})";
}

/// <summary>
/// The one table of flow fields, shared by the filter compiler, Top-N, aggregation, the types file and the
/// docs. Rates follow nfdump exactly: integer division, 0 when the duration (or packet count) is 0.
/// </summary>
public static class FlowFieldCatalog
{
    /// <summary>Flow duration in whole milliseconds (nfdump's <c>duration</c> unit).</summary>
    public static ulong DurationMilliseconds(FlowRecord flow)
    {
        long ticks = flow.End.Ticks - flow.Start.Ticks;
        return ticks <= 0 ? 0UL : (ulong)(ticks / TimeSpan.TicksPerMillisecond);
    }

    /// <summary>Packets per second as nfdump computes it: 1000 × packets / duration_ms, 0 when the duration is 0.</summary>
    public static ulong PacketsPerSecond(FlowRecord flow)
    {
        ulong ms = DurationMilliseconds(flow);
        return ms == 0 ? 0UL : 1000UL * (ulong)flow.Packets / ms;
    }

    /// <summary>Bits per second as nfdump computes it: 8000 × bytes / duration_ms, 0 when the duration is 0.</summary>
    public static ulong BitsPerSecond(FlowRecord flow)
    {
        ulong ms = DurationMilliseconds(flow);
        return ms == 0 ? 0UL : 8000UL * (ulong)flow.Bytes / ms;
    }

    /// <summary>Bytes per packet: bytes / packets, 0 when there are no packets.</summary>
    public static ulong BytesPerPacket(FlowRecord flow) =>
        flow.Packets <= 0 ? 0UL : (ulong)flow.Bytes / (ulong)flow.Packets;

    private static ulong Unsigned(long value) => value < 0 ? 0UL : (ulong)value;

    public static readonly FlowField Start = new("Start", "ts", FlowFieldType.Time, "first packet (UTC)", static f => f.Start,
        static f => (ulong)Math.Max(0L, (f.Start.Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMillisecond));
    public static readonly FlowField End = new("End", "te", FlowFieldType.Time, "last packet (UTC)", static f => f.End,
        static f => (ulong)Math.Max(0L, (f.End.Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMillisecond));
    public static readonly FlowField Duration = new("Duration", "td", FlowFieldType.Duration, "End - Start (filter unit: ms)", static f => f.Duration, DurationMilliseconds);
    public static readonly FlowField SrcAddr = new("SrcAddr", "sa", FlowFieldType.Address, "source address", static f => f.SrcAddr);
    public static readonly FlowField DstAddr = new("DstAddr", "da", FlowFieldType.Address, "destination address", static f => f.DstAddr);
    public static readonly FlowField SrcPort = new("SrcPort", "sp", FlowFieldType.Port, "source port", static f => f.SrcPort, static f => f.SrcPort);
    public static readonly FlowField DstPort = new("DstPort", "dp", FlowFieldType.Port, "destination port (ICMP: type*256+code)", static f => f.DstPort, static f => f.DstPort);
    public static readonly FlowField Protocol = new("Protocol", "pr", FlowFieldType.Protocol, "IP protocol number", static f => f.Protocol, static f => f.Protocol);
    public static readonly FlowField TcpFlags = new("TcpFlags", "flg", FlowFieldType.TcpFlags, "TCP flags OR-ed over the flow", static f => f.TcpFlags, static f => (byte)f.TcpFlags);
    public static readonly FlowField Packets = new("Packets", "pkt", FlowFieldType.Counter, "packets (forward, 'in' counter)", static f => f.Packets, static f => Unsigned(f.Packets));
    public static readonly FlowField Bytes = new("Bytes", "byt", FlowFieldType.Counter, "bytes (forward, 'in' counter)", static f => f.Bytes, static f => Unsigned(f.Bytes));
    public static readonly FlowField OutPackets = new("OutPackets", "opkt", FlowFieldType.Counter, "reverse packets of a bidirectional record", static f => f.OutPackets, static f => Unsigned(f.OutPackets));
    public static readonly FlowField OutBytes = new("OutBytes", "obyt", FlowFieldType.Counter, "reverse bytes of a bidirectional record", static f => f.OutBytes, static f => Unsigned(f.OutBytes));
    public static readonly FlowField Flows = new("Flows", "fl", FlowFieldType.Counter, "flows this record stands for", static f => f.Flows, static f => Unsigned(f.Flows));
    public static readonly FlowField Pps = new("Pps", "pps", FlowFieldType.Rate, "packets per second (1000*pkt/ms)", static f => PacketsPerSecond(f), PacketsPerSecond);
    public static readonly FlowField Bps = new("Bps", "bps", FlowFieldType.Rate, "bits per second (8000*byt/ms)", static f => BitsPerSecond(f), BitsPerSecond);
    public static readonly FlowField Bpp = new("Bpp", "bpp", FlowFieldType.Rate, "bytes per packet", static f => BytesPerPacket(f), BytesPerPacket);
    public static readonly FlowField SrcTos = new("SrcTos", "stos", FlowFieldType.Byte, "source type of service", static f => f.SrcTos, static f => f.SrcTos);
    public static readonly FlowField DstTos = new("DstTos", "dtos", FlowFieldType.Byte, "destination type of service", static f => f.DstTos, static f => f.DstTos);
    public static readonly FlowField ForwardingStatus = new("ForwardingStatus", "fwd", FlowFieldType.Byte, "forwarding status", static f => f.ForwardingStatus, static f => f.ForwardingStatus);
    public static readonly FlowField Direction = new("Direction", "dir", FlowFieldType.Byte, "flow direction (0 ingress, 1 egress)", static f => f.Direction, static f => (byte)f.Direction);
    public static readonly FlowField SrcAs = new("SrcAs", "sas", FlowFieldType.UInt32, "source AS", static f => f.SrcAs, static f => f.SrcAs);
    public static readonly FlowField DstAs = new("DstAs", "das", FlowFieldType.UInt32, "destination AS", static f => f.DstAs, static f => f.DstAs);
    public static readonly FlowField NextAs = new("NextAs", "nas", FlowFieldType.UInt32, "next adjacent AS", static f => f.NextAs, static f => f.NextAs);
    public static readonly FlowField PrevAs = new("PrevAs", "pas", FlowFieldType.UInt32, "previous adjacent AS", static f => f.PrevAs, static f => f.PrevAs);
    public static readonly FlowField InputInterface = new("InputInterface", "in", FlowFieldType.UInt32, "input interface index", static f => f.InputInterface, static f => f.InputInterface);
    public static readonly FlowField OutputInterface = new("OutputInterface", "out", FlowFieldType.UInt32, "output interface index", static f => f.OutputInterface, static f => f.OutputInterface);
    public static readonly FlowField SrcVlan = new("SrcVlan", "svln", FlowFieldType.UInt16, "source VLAN", static f => f.SrcVlan, static f => f.SrcVlan);
    public static readonly FlowField DstVlan = new("DstVlan", "dvln", FlowFieldType.UInt16, "destination VLAN", static f => f.DstVlan, static f => f.DstVlan);
    public static readonly FlowField SrcMask = new("SrcMask", "smk", FlowFieldType.Byte, "source prefix length", static f => f.SrcMask, static f => f.SrcMask);
    public static readonly FlowField DstMask = new("DstMask", "dmk", FlowFieldType.Byte, "destination prefix length", static f => f.DstMask, static f => f.DstMask);
    public static readonly FlowField SrcMac = new("SrcMac", "ismc", FlowFieldType.Mac, "ingress source MAC", static f => f.SrcMac, static f => f.SrcMacValue);
    public static readonly FlowField DstMac = new("DstMac", "idmc", FlowFieldType.Mac, "ingress destination MAC", static f => f.DstMac, static f => f.DstMacValue);
    public static readonly FlowField NextHop = new("NextHop", "nh", FlowFieldType.Address, "IP next hop", static f => f.NextHop);
    public static readonly FlowField BgpNextHop = new("BgpNextHop", "nhb", FlowFieldType.Address, "BGP next hop", static f => f.BgpNextHop);
    public static readonly FlowField Exporter = new("Exporter", "ra", FlowFieldType.Address, "exporting router", static f => f.Exporter);
    public static readonly FlowField EngineType = new("EngineType", "engt", FlowFieldType.Byte, "exporter engine type", static f => f.EngineType, static f => f.EngineType);
    public static readonly FlowField EngineId = new("EngineId", "engi", FlowFieldType.Byte, "exporter engine id", static f => f.EngineId, static f => f.EngineId);
    public static readonly FlowField ExporterId = new("ExporterId", "exid", FlowFieldType.UInt16, "exporter system id in the file", static f => f.ExporterId, static f => f.ExporterId);
    public static readonly FlowField MinTtl = new("MinTtl", "minttl", FlowFieldType.Byte, "minimum TTL seen", static f => f.MinTtl, static f => f.MinTtl);
    public static readonly FlowField MaxTtl = new("MaxTtl", "maxttl", FlowFieldType.Byte, "maximum TTL seen", static f => f.MaxTtl, static f => f.MaxTtl);
    public static readonly FlowField IcmpType = new("IcmpType", "it", FlowFieldType.Byte, "ICMP type (ICMP/ICMPv6 only)", static f => f.IcmpType, static f => (ulong)(f.DstPort >> 8));
    public static readonly FlowField IcmpCode = new("IcmpCode", "ic", FlowFieldType.Byte, "ICMP code (ICMP/ICMPv6 only)", static f => f.IcmpCode, static f => (ulong)(f.DstPort & 0xFF));

    /// <summary>Every field, in nfdump's usual column order.</summary>
    public static ReadOnlyCollection<FlowField> All { get; } = new(
    [
        Start, End, Duration, SrcAddr, DstAddr, SrcPort, DstPort, Protocol, TcpFlags, Packets, Bytes, OutPackets,
        OutBytes, Flows, Pps, Bps, Bpp, SrcTos, DstTos, ForwardingStatus, Direction, SrcAs, DstAs, NextAs, PrevAs,
        InputInterface, OutputInterface, SrcVlan, DstVlan, SrcMask, DstMask, SrcMac, DstMac, NextHop, BgpNextHop,
        Exporter, EngineType, EngineId, ExporterId, MinTtl, MaxTtl, IcmpType, IcmpCode,
    ]);

    private static readonly Dictionary<string, FlowField> ByName = BuildLookup();

    private static Dictionary<string, FlowField> BuildLookup()
    {
        var map = new Dictionary<string, FlowField>(StringComparer.OrdinalIgnoreCase);
        foreach (var field in All)
        {
            map[field.Name] = field;
            map.TryAdd(field.NfdumpAlias, field);
        }
        map["ipkt"] = Packets;
        map["ibyt"] = Bytes;
        return map;
    }

    /// <summary>Finds a field by property name or nfdump alias (case-insensitive).</summary>
    public static bool TryGet(string nameOrAlias, out FlowField field)
    {
        if (ByName.TryGetValue(nameOrAlias, out var found))
        {
            field = found;
            return true;
        }
        field = null!;
        return false;
    }
}
