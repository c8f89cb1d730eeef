using FlowForensics.Flows;
using FlowForensics.Query;
using FlowForensics.Query.Syntax;
using FlowForensics.Storage.Nfcapd;
using FlowForensics.Wire;

namespace FlowForensics.Storage;

/// <summary>
/// Push-down of a time window and a filter to whole nfcapd files: decides from a file's header and stat record
/// (read by <see cref="NfcapdFileReader.Open(string)"/>, no data block touched) whether any flow in it can be
/// wanted, and reads only the files that can.
/// </summary>
/// <remarks>
/// nfcapd blocks carry no per-block time or protocol summary (a block header is only record count, size and
/// type), so nothing finer than a file can be skipped without decompressing it. A file is skipped when
/// <list type="bullet">
/// <item>its stat record's first/last seen (with at least one flow) lie wholly outside the window, or</item>
/// <item>the filter can only match protocol classes (TCP, UDP, ICMP, other) the stat record counts no flows of,
/// and the record is self-consistent (the per-class flow counts add up to the total). ICMP needs both the ICMP
/// and the "other" count to be zero, because nfpcapd files count ICMPv6 as other.</item>
/// </list>
/// A file without a stat record, with an appendix problem or with an unreadable header is never skipped (it is
/// read, and its errors are reported as usual). nfdump itself never checks the stat record against the flows, so
/// the rules only ever skip on what the record positively says.
/// </remarks>
internal static class FlowFilePushDown
{
    /// <summary>Protocol classes of the nfcapd stat record.</summary>
    [Flags]
    internal enum ProtocolClasses
    {
        None = 0,
        Tcp = 1,
        Udp = 2,
        Icmp = 4,
        Other = 8,
        All = Tcp | Udp | Icmp | Other,
    }

    /// <summary>
    /// True when <paramref name="info"/> alone proves no flow of the file lies in <paramref name="window"/> or can
    /// match <paramref name="filter"/>; <paramref name="reason"/> then says why (for <c>-Verbose</c>).
    /// </summary>
    public static bool CanSkip(NfcapdFileInfo info, TimeWindow window, CompiledFilter? filter, out string? reason)
    {
        ArgumentNullException.ThrowIfNull(info);
        reason = null;
        if (!info.HasStatistics || info.AppendixProblem is not null || info.Flows == 0) return false;
        if (!window.IsUnbounded && info.FirstSeen is { } first && info.LastSeen is { } last && !window.Overlaps(first, last))
        {
            reason = $"its flows ({first:o} .. {last:o}, stat record) lie outside the window {window}";
            return true;
        }
        if (filter is null || filter.IsTriviallyTrue) return false;
        if (info.FlowsTcp + info.FlowsUdp + info.FlowsIcmp + info.FlowsOther != info.Flows) return false;
        var possible = PossibleClasses(filter.Syntax, negated: false);
        var present = ProtocolClasses.None;
        if (info.FlowsTcp > 0) present |= ProtocolClasses.Tcp;
        if (info.FlowsUdp > 0) present |= ProtocolClasses.Udp;
        if (info.FlowsIcmp > 0 || info.FlowsOther > 0) present |= ProtocolClasses.Icmp;   // ICMPv6 may be counted as other
        if (info.FlowsOther > 0) present |= ProtocolClasses.Other;
        if ((possible & present) != 0) return false;
        reason = $"the filter can only match {Describe(possible)} flows and the stat record counts none ({info.FlowsTcp} tcp, {info.FlowsUdp} udp, {info.FlowsIcmp} icmp, {info.FlowsOther} other)";
        return true;
    }

    /// <summary>
    /// An over-approximation of the protocol classes a flow can have and still make <paramref name="node"/> (or its
    /// negation) true. Only <c>proto</c>, <c>flags</c> and <c>icmp-type/-code</c> narrow it; everything else may hold
    /// for any protocol.
    /// </summary>
    internal static ProtocolClasses PossibleClasses(FilterNode node, bool negated)
    {
        switch (node)
        {
            case NotNode n:
                return PossibleClasses(n.Operand, !negated);
            case AndNode a:
                return negated ? Union(a.Operands, true) : Intersection(a.Operands, false);
            case OrNode o:
                return negated ? Intersection(o.Operands, true) : Union(o.Operands, false);
            case AnyNode:
                return negated ? ProtocolClasses.None : ProtocolClasses.All;
            case ProtocolNode p:
                var c = ClassOf(p.Protocol);
                // "not proto 1" still admits ICMPv6 (class ICMP), and "not proto 47" other protocols of class other.
                return !negated ? c : c is ProtocolClasses.Tcp or ProtocolClasses.Udp ? ProtocolClasses.All & ~c : ProtocolClasses.All;
            case TcpFlagsNode:
                // every flags test (all-of, exact, numeric) also requires TCP; negated, it holds for any non-TCP flow
                return negated ? ProtocolClasses.All : ProtocolClasses.Tcp;
            case IcmpNode:
                return negated ? ProtocolClasses.All : ProtocolClasses.Icmp;
            default:
                return ProtocolClasses.All;
        }
    }

    private static ProtocolClasses Union(IReadOnlyList<FilterNode> operands, bool negated)
    {
        var result = ProtocolClasses.None;
        foreach (var op in operands) result |= PossibleClasses(op, negated);
        return result;
    }

    private static ProtocolClasses Intersection(IReadOnlyList<FilterNode> operands, bool negated)
    {
        var result = ProtocolClasses.All;
        foreach (var op in operands) result &= PossibleClasses(op, negated);
        return result;
    }

    private static ProtocolClasses ClassOf(byte protocol) => protocol switch
    {
        6 => ProtocolClasses.Tcp,
        17 => ProtocolClasses.Udp,
        1 or 58 => ProtocolClasses.Icmp,
        _ => ProtocolClasses.Other,
    };

    private static string Describe(ProtocolClasses classes) =>
        classes == ProtocolClasses.None ? "no" : classes.ToString().ToLowerInvariant().Replace(", ", "/", StringComparison.Ordinal);
}
