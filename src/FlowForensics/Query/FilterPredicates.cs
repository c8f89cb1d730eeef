using FlowForensics.Flows;

namespace FlowForensics.Query;

/// <summary>One compiled test. Sealed subclasses, built once per filter; <see cref="Matches"/> does no string work,
/// no lookups by name and no allocation.</summary>
internal abstract class FlowPredicate
{
    public abstract bool Matches(FlowRecord flow);
}

internal sealed class TruePredicate : FlowPredicate
{
    public static readonly TruePredicate Instance = new();
    public override bool Matches(FlowRecord flow) => true;
}

internal sealed class FalsePredicate : FlowPredicate
{
    public static readonly FalsePredicate Instance = new();
    public override bool Matches(FlowRecord flow) => false;
}

internal sealed class NotPredicate(FlowPredicate operand) : FlowPredicate
{
    public override bool Matches(FlowRecord flow) => !operand.Matches(flow);
}

internal sealed class And2Predicate(FlowPredicate a, FlowPredicate b) : FlowPredicate
{
    public override bool Matches(FlowRecord flow) => a.Matches(flow) && b.Matches(flow);
}

internal sealed class Or2Predicate(FlowPredicate a, FlowPredicate b) : FlowPredicate
{
    public override bool Matches(FlowRecord flow) => a.Matches(flow) || b.Matches(flow);
}

internal sealed class AndPredicate(FlowPredicate[] operands) : FlowPredicate
{
    public override bool Matches(FlowRecord flow)
    {
        foreach (var p in operands)
            if (!p.Matches(flow)) return false;
        return true;
    }
}

internal sealed class OrPredicate(FlowPredicate[] operands) : FlowPredicate
{
    public override bool Matches(FlowRecord flow)
    {
        foreach (var p in operands)
            if (p.Matches(flow)) return true;
        return false;
    }
}

// ---- comparisons, specialised per operator and (for hot fields) per getter ----------------------
internal interface IComparison
{
    static abstract bool Test(ulong value, ulong operand);
}

internal struct EqualTo : IComparison { public static bool Test(ulong value, ulong operand) => value == operand; }
internal struct GreaterThan : IComparison { public static bool Test(ulong value, ulong operand) => value > operand; }
internal struct LessThan : IComparison { public static bool Test(ulong value, ulong operand) => value < operand; }
internal struct GreaterOrEqualTo : IComparison { public static bool Test(ulong value, ulong operand) => value >= operand; }
internal struct LessOrEqualTo : IComparison { public static bool Test(ulong value, ulong operand) => value <= operand; }

internal interface IFieldGetter
{
    static abstract ulong Get(FlowRecord flow);
}

internal struct SrcPortGetter : IFieldGetter { public static ulong Get(FlowRecord flow) => flow.SrcPort; }
internal struct DstPortGetter : IFieldGetter { public static ulong Get(FlowRecord flow) => flow.DstPort; }
internal struct ProtocolGetter : IFieldGetter { public static ulong Get(FlowRecord flow) => flow.Protocol; }
internal struct PacketsGetter : IFieldGetter { public static ulong Get(FlowRecord flow) => (ulong)Math.Max(0L, flow.Packets); }
internal struct BytesGetter : IFieldGetter { public static ulong Get(FlowRecord flow) => (ulong)Math.Max(0L, flow.Bytes); }
internal struct SrcAsGetter : IFieldGetter { public static ulong Get(FlowRecord flow) => flow.SrcAs; }
internal struct DstAsGetter : IFieldGetter { public static ulong Get(FlowRecord flow) => flow.DstAs; }
internal struct DurationGetter : IFieldGetter { public static ulong Get(FlowRecord flow) => FlowFieldCatalog.DurationMilliseconds(flow); }

internal sealed class FieldPredicate<TGet, TCmp>(ulong operand) : FlowPredicate
    where TGet : struct, IFieldGetter
    where TCmp : struct, IComparison
{
    public override bool Matches(FlowRecord flow) => TCmp.Test(TGet.Get(flow), operand);
}

internal sealed class EitherFieldPredicate<TGetA, TGetB, TCmp>(ulong operand) : FlowPredicate
    where TGetA : struct, IFieldGetter
    where TGetB : struct, IFieldGetter
    where TCmp : struct, IComparison
{
    public override bool Matches(FlowRecord flow) => TCmp.Test(TGetA.Get(flow), operand) || TCmp.Test(TGetB.Get(flow), operand);
}

internal sealed class DelegateFieldPredicate<TCmp>(Func<FlowRecord, ulong> getter, ulong operand) : FlowPredicate
    where TCmp : struct, IComparison
{
    public override bool Matches(FlowRecord flow) => TCmp.Test(getter(flow), operand);
}

internal sealed class ProtocolPredicate(byte protocol) : FlowPredicate
{
    public override bool Matches(FlowRecord flow) => flow.Protocol == protocol;
}

internal sealed class IPVersionPredicate(byte version) : FlowPredicate
{
    public override bool Matches(FlowRecord flow) => flow.IPVersion == version;
}

// ---- TCP flags (all imply proto tcp) --------------------------------------------------------------
internal sealed class TcpFlagsAllPredicate(byte mask) : FlowPredicate
{
    public override bool Matches(FlowRecord flow) => flow.Protocol == IpProtocolNames.Tcp && ((byte)flow.TcpFlags & mask) == mask;
}

/// <summary>The meaning of <c>not flags XYZ</c> in nfdump 1.7.1 and its man page: not (TCP with any of XYZ set).</summary>
internal sealed class TcpFlagsNoneOfPredicate(byte mask) : FlowPredicate
{
    public override bool Matches(FlowRecord flow) => !(flow.Protocol == IpProtocolNames.Tcp && ((byte)flow.TcpFlags & mask) != 0);
}

internal sealed class TcpFlagsExactPredicate(byte value) : FlowPredicate
{
    public override bool Matches(FlowRecord flow) => flow.Protocol == IpProtocolNames.Tcp && (byte)flow.TcpFlags == value;
}

internal sealed class TcpFlagsComparePredicate<TCmp>(byte value) : FlowPredicate where TCmp : struct, IComparison
{
    public override bool Matches(FlowRecord flow) => flow.Protocol == IpProtocolNames.Tcp && TCmp.Test((byte)flow.TcpFlags, value);
}

internal sealed class IcmpPredicate<TCmp>(bool code, byte value) : FlowPredicate where TCmp : struct, IComparison
{
    public override bool Matches(FlowRecord flow) =>
        flow.Protocol is IpProtocolNames.Icmp or IpProtocolNames.Icmp6 &&
        TCmp.Test(code ? (ulong)(flow.DstPort & 0xFF) : (ulong)(flow.DstPort >> 8), value);
}

// ---- addresses ----------------------------------------------------------------------------------
internal interface IAddressGetter
{
    static abstract FlowAddress Get(FlowRecord flow);
}

internal struct SrcAddressGetter : IAddressGetter { public static FlowAddress Get(FlowRecord flow) => flow.Src; }
internal struct DstAddressGetter : IAddressGetter { public static FlowAddress Get(FlowRecord flow) => flow.Dst; }
internal struct NextHopGetter : IAddressGetter { public static FlowAddress Get(FlowRecord flow) => flow.NextHopAddress; }
internal struct BgpNextHopGetter : IAddressGetter { public static FlowAddress Get(FlowRecord flow) => flow.BgpNextHopAddress; }
internal struct RouterGetter : IAddressGetter { public static FlowAddress Get(FlowRecord flow) => flow.ExporterAddress; }

internal sealed class PrefixPredicate<TAddr>(byte version, ulong high, ulong low, ulong maskHigh, ulong maskLow) : FlowPredicate
    where TAddr : struct, IAddressGetter
{
    public override bool Matches(FlowRecord flow)
    {
        var a = TAddr.Get(flow);
        return a.Version == version && (a.Low & maskLow) == low && (a.High & maskHigh) == high;
    }
}

internal sealed class EitherPrefixPredicate(byte version, ulong high, ulong low, ulong maskHigh, ulong maskLow) : FlowPredicate
{
    public override bool Matches(FlowRecord flow)
    {
        var s = flow.Src;
        if (s.Version == version && (s.Low & maskLow) == low && (s.High & maskHigh) == high) return true;
        var d = flow.Dst;
        return d.Version == version && (d.Low & maskLow) == low && (d.High & maskHigh) == high;
    }
}

/// <summary>A set of prefixes (the <c>ip in [...]</c> list): one hash set per distinct prefix length and
/// IP version, built at compile time; a lookup masks the address once per length present.</summary>
internal sealed class PrefixSet
{
    private readonly ulong[] _v4Masks;
    private readonly HashSet<uint>[] _v4Sets;
    private readonly (ulong High, ulong Low)[] _v6Masks;
    private readonly HashSet<UInt128>[] _v6Sets;

    public PrefixSet(IReadOnlyList<Syntax.AddressPrefix> prefixes)
    {
        var v4 = new SortedDictionary<int, HashSet<uint>>(Comparer<int>.Create(static (a, b) => b.CompareTo(a)));
        var v6 = new SortedDictionary<int, HashSet<UInt128>>(Comparer<int>.Create(static (a, b) => b.CompareTo(a)));
        foreach (var p in prefixes)
        {
            if (p.Version == 4)
            {
                if (!v4.TryGetValue(p.PrefixLength, out var set)) v4[p.PrefixLength] = set = [];
                set.Add((uint)p.Low);
            }
            else
            {
                if (!v6.TryGetValue(p.PrefixLength, out var set)) v6[p.PrefixLength] = set = [];
                set.Add(new UInt128(p.High, p.Low));
            }
        }
        _v4Masks = new ulong[v4.Count];
        _v4Sets = new HashSet<uint>[v4.Count];
        int i = 0;
        foreach (var (len, set) in v4)
        {
            _v4Masks[i] = len == 0 ? 0 : (0xFFFF_FFFFUL << (32 - len)) & 0xFFFF_FFFFUL;
            _v4Sets[i++] = set;
        }
        _v6Masks = new (ulong, ulong)[v6.Count];
        _v6Sets = new HashSet<UInt128>[v6.Count];
        i = 0;
        foreach (var (len, set) in v6)
        {
            var m = Syntax.AddressPrefix.FromCidr(FlowAddress.FromIPv6(ulong.MaxValue, ulong.MaxValue), len);
            _v6Masks[i] = (m.MaskHigh, m.MaskLow);
            _v6Sets[i++] = set;
        }
    }

    public bool Contains(FlowAddress a)
    {
        if (a.Version == 4)
        {
            for (int i = 0; i < _v4Sets.Length; i++)
                if (_v4Sets[i].Contains((uint)(a.Low & _v4Masks[i]))) return true;
            return false;
        }
        if (a.Version == 6)
        {
            for (int i = 0; i < _v6Sets.Length; i++)
                if (_v6Sets[i].Contains(new UInt128(a.High & _v6Masks[i].High, a.Low & _v6Masks[i].Low))) return true;
        }
        return false;
    }
}

internal sealed class PrefixSetPredicate<TAddr>(PrefixSet set) : FlowPredicate where TAddr : struct, IAddressGetter
{
    public override bool Matches(FlowRecord flow) => set.Contains(TAddr.Get(flow));
}

internal sealed class EitherPrefixSetPredicate(PrefixSet set) : FlowPredicate
{
    public override bool Matches(FlowRecord flow) => set.Contains(flow.Src) || set.Contains(flow.Dst);
}

internal sealed class BothPrefixSetPredicate(PrefixSet set) : FlowPredicate
{
    public override bool Matches(FlowRecord flow) => set.Contains(flow.Src) && set.Contains(flow.Dst);
}

// ---- number lists ----------------------------------------------------------------------------------
/// <summary>Membership in a list of numbers: a bitmap for values below 65536, a hash set above.</summary>
internal sealed class NumberSet
{
    private readonly ulong[] _bits = new ulong[1024];
    private readonly HashSet<ulong>? _large;

    public NumberSet(IReadOnlyList<ulong> values)
    {
        foreach (ulong v in values)
        {
            if (v < 65536) _bits[v >> 6] |= 1UL << (int)(v & 63);
            else (_large ??= []).Add(v);
        }
    }

    public bool Contains(ulong v) => v < 65536 ? (_bits[v >> 6] & (1UL << (int)(v & 63))) != 0 : _large is not null && _large.Contains(v);
}

internal sealed class NumberSetPredicate(Func<FlowRecord, ulong> getter, NumberSet set) : FlowPredicate
{
    public override bool Matches(FlowRecord flow) => set.Contains(getter(flow));
}

internal sealed class PortSetPredicate<TGet>(NumberSet set) : FlowPredicate where TGet : struct, IFieldGetter
{
    public override bool Matches(FlowRecord flow) => set.Contains(TGet.Get(flow));
}

// ---- MAC ----------------------------------------------------------------------------------------
internal sealed class MacPredicate(Syntax.MacSelector selector, ulong mac) : FlowPredicate
{
    private readonly bool _inSrc = (selector & Syntax.MacSelector.InSrc) != 0;
    private readonly bool _inDst = (selector & Syntax.MacSelector.InDst) != 0;
    private readonly bool _outSrc = (selector & Syntax.MacSelector.OutSrc) != 0;
    private readonly bool _outDst = (selector & Syntax.MacSelector.OutDst) != 0;

    public override bool Matches(FlowRecord flow) =>
        (_inSrc && flow.SrcMacValue == mac) || (_inDst && flow.DstMacValue == mac) ||
        (_outSrc && flow.OutSrcMacValue == mac) || (_outDst && flow.OutDstMacValue == mac);
}
