using FlowForensics.Analysis.TopN;
using FlowForensics.Flows;

namespace FlowForensics.Analysis.Aggregation;

/// <summary>
/// The key of a multi-field aggregation (nfdump <c>-A</c>, <c>-s record</c>): both addresses (masked when
/// a network is asked for) and the numeric fields packed into four words. Fields not in the aggregation are
/// zero, so one struct serves every combination; built from a record without allocating.
/// </summary>
public readonly struct AggregationKey : IEquatable<AggregationKey>, IComparable<AggregationKey>
{
    // Numbers word: src port 63..48, dst port 47..32, protocol 31..24, src tos 23..16, dst tos 15..8.
    private const int SrcPortShift = 48, DstPortShift = 32, ProtocolShift = 24, SrcTosShift = 16, DstTosShift = 8;

    internal AggregationKey(FlowAddress src, FlowAddress dst, ulong numbers, ulong autonomousSystems, ulong interfaces, uint vlans)
    {
        Src = src;
        Dst = dst;
        Numbers = numbers;
        AutonomousSystems = autonomousSystems;
        Interfaces = interfaces;
        Vlans = vlans;
    }

    public FlowAddress Src { get; }
    public FlowAddress Dst { get; }
    internal ulong Numbers { get; }
    internal ulong AutonomousSystems { get; }
    internal ulong Interfaces { get; }
    internal uint Vlans { get; }

    public ushort SrcPort => (ushort)(Numbers >> SrcPortShift);
    public ushort DstPort => (ushort)(Numbers >> DstPortShift);
    public byte Protocol => (byte)(Numbers >> ProtocolShift);
    public byte SrcTos => (byte)(Numbers >> SrcTosShift);
    public byte DstTos => (byte)(Numbers >> DstTosShift);
    public uint SrcAs => (uint)(AutonomousSystems >> 32);
    public uint DstAs => (uint)AutonomousSystems;
    public uint InputInterface => (uint)(Interfaces >> 32);
    public uint OutputInterface => (uint)Interfaces;
    public ushort SrcVlan => (ushort)(Vlans >> 16);
    public ushort DstVlan => (ushort)Vlans;

    internal static ulong PackNumbers(ushort srcPort, ushort dstPort, byte protocol, byte srcTos, byte dstTos) =>
        ((ulong)srcPort << SrcPortShift) | ((ulong)dstPort << DstPortShift) | ((ulong)protocol << ProtocolShift) |
        ((ulong)srcTos << SrcTosShift) | ((ulong)dstTos << DstTosShift);

    internal static ulong FieldMask(TopNField field) => field switch
    {
        TopNField.SrcPort => 0xFFFFUL << SrcPortShift,
        TopNField.DstPort => 0xFFFFUL << DstPortShift,
        TopNField.Protocol => 0xFFUL << ProtocolShift,
        TopNField.SrcTos => 0xFFUL << SrcTosShift,
        TopNField.DstTos => 0xFFUL << DstTosShift,
        _ => 0,
    };

    /// <summary>The same key seen from the other end: source and destination sides exchanged.</summary>
    public AggregationKey Reverse() => new(
        Dst, Src,
        PackNumbers(DstPort, SrcPort, Protocol, DstTos, SrcTos),
        ((ulong)DstAs << 32) | SrcAs,
        ((ulong)OutputInterface << 32) | InputInterface,
        ((uint)DstVlan << 16) | SrcVlan);

    public bool Equals(AggregationKey other) =>
        Numbers == other.Numbers && Src.Equals(other.Src) && Dst.Equals(other.Dst) &&
        AutonomousSystems == other.AutonomousSystems && Interfaces == other.Interfaces && Vlans == other.Vlans;

    public override bool Equals(object? obj) => obj is AggregationKey other && Equals(other);

    public override int GetHashCode() =>
        HashCode.Combine(Src.High ^ Src.Low, Dst.High ^ Dst.Low, Numbers, AutonomousSystems, Interfaces, Vlans);

    /// <summary>Source address, destination address, then the packed numbers: the deterministic tie order.</summary>
    public int CompareTo(AggregationKey other)
    {
        int c = Src.CompareTo(other.Src);
        if (c != 0) return c;
        c = Dst.CompareTo(other.Dst);
        if (c != 0) return c;
        c = Numbers.CompareTo(other.Numbers);
        if (c != 0) return c;
        c = AutonomousSystems.CompareTo(other.AutonomousSystems);
        if (c != 0) return c;
        c = Interfaces.CompareTo(other.Interfaces);
        return c != 0 ? c : Vlans.CompareTo(other.Vlans);
    }

    public static bool operator ==(AggregationKey left, AggregationKey right) => left.Equals(right);
    public static bool operator !=(AggregationKey left, AggregationKey right) => !left.Equals(right);
    public static bool operator <(AggregationKey left, AggregationKey right) => left.CompareTo(right) < 0;
    public static bool operator >(AggregationKey left, AggregationKey right) => left.CompareTo(right) > 0;
    public static bool operator <=(AggregationKey left, AggregationKey right) => left.CompareTo(right) <= 0;
    public static bool operator >=(AggregationKey left, AggregationKey right) => left.CompareTo(right) >= 0;
}
