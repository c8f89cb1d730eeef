using FlowForensics.Flows;
using FlowForensics.Query.Syntax;

namespace FlowForensics.Query;

/// <summary>
/// Turns a parsed filter into a <see cref="CompiledFilter"/>: a tree of sealed predicate objects specialised
/// per field and comparison (generic struct parameters, so the JIT inlines the field reads). Everything
/// that can be decided once (address masks, list tables, protocol numbers) is decided here.
/// </summary>
public static class FilterCompiler
{
    public static CompiledFilter Compile(FilterNode syntax, string text)
    {
        ArgumentNullException.ThrowIfNull(syntax);
        ArgumentNullException.ThrowIfNull(text);
        return new CompiledFilter(text, syntax, Build(syntax, negate: false));
    }

    /// <summary>
    /// Builds the predicate for <paramref name="node"/>, or for its negation when <paramref name="negate"/> is
    /// set. Negation is pushed down (De Morgan) so <c>not flags XYZ</c> can take nfdump 1.7.1's meaning "none of
    /// XYZ set" (the man page's SYN-only idiom <c>flags S and not flags AFRPU</c>); every other primitive is
    /// simply inverted.
    /// </summary>
    private static FlowPredicate Build(FilterNode node, bool negate)
    {
        switch (node)
        {
            case NotNode n:
                return Build(n.Operand, !negate);
            case AndNode a:
                return negate ? Or(a.Operands, true) : And(a.Operands, false);
            case OrNode o:
                return negate ? And(o.Operands, true) : Or(o.Operands, false);
            case TcpFlagsNode { Match: TcpFlagsMatch.AllOf } f:
                return negate ? new TcpFlagsNoneOfPredicate(f.Value) : new TcpFlagsAllPredicate(f.Value);
        }
        var leaf = Leaf(node);
        if (!negate) return leaf;
        if (leaf is TruePredicate) return FalsePredicate.Instance;
        if (leaf is FalsePredicate) return TruePredicate.Instance;
        return new NotPredicate(leaf);
    }

    private static FlowPredicate And(IReadOnlyList<FilterNode> operands, bool negate)
    {
        var list = new List<FlowPredicate>(operands.Count);
        foreach (var op in operands)
        {
            var p = Build(op, negate);
            if (p is TruePredicate) continue;
            if (p is FalsePredicate) return FalsePredicate.Instance;
            list.Add(p);
        }
        return list.Count switch
        {
            0 => TruePredicate.Instance,
            1 => list[0],
            2 => new And2Predicate(list[0], list[1]),
            _ => new AndPredicate([.. list]),
        };
    }

    private static FlowPredicate Or(IReadOnlyList<FilterNode> operands, bool negate)
    {
        var list = new List<FlowPredicate>(operands.Count);
        foreach (var op in operands)
        {
            var p = Build(op, negate);
            if (p is FalsePredicate) continue;
            if (p is TruePredicate) return TruePredicate.Instance;
            list.Add(p);
        }
        return list.Count switch
        {
            0 => FalsePredicate.Instance,
            1 => list[0],
            2 => new Or2Predicate(list[0], list[1]),
            _ => new OrPredicate([.. list]),
        };
    }

    private static FlowPredicate Leaf(FilterNode node) => node switch
    {
        AnyNode => TruePredicate.Instance,
        IPVersionNode v => new IPVersionPredicate(v.Version),
        ProtocolNode p => new ProtocolPredicate(p.Protocol),
        HostNode h => Address(h.Selector, h.Address),
        NetNode n => Address(n.Selector, n.Network),
        AddressListNode l => AddressList(l),
        FieldComparisonNode c => FieldComparison(c),
        NumberListNode l => NumberList(l),
        TcpFlagsNode f => f.Match switch
        {
            TcpFlagsMatch.Exactly => new TcpFlagsExactPredicate(f.Value),
            TcpFlagsMatch.AllOf => new TcpFlagsAllPredicate(f.Value),
            _ => ByOperator(f.Operator, new FlagsFactory(f.Value)),
        },
        IcmpNode i => ByOperator(i.Operator, new IcmpFactory(i.IsCode, i.Value)),
        MacNode m => m.Mac == 0 ? FalsePredicate.Instance : new MacPredicate(m.Selector, m.Mac),
        TimeNode t => Compare(t.IsLast ? FlowFieldCatalog.End : FlowFieldCatalog.Start, t.Operator,
                              (ulong)((t.Utc.Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMillisecond)),
        _ => throw new NotSupportedException($"No compiler for {node.GetType().Name}."),
    };

    private static FlowPredicate Address(AddressSelector selector, AddressPrefix p) => selector switch
    {
        AddressSelector.Src => new PrefixPredicate<SrcAddressGetter>(p.Version, p.High, p.Low, p.MaskHigh, p.MaskLow),
        AddressSelector.Dst => new PrefixPredicate<DstAddressGetter>(p.Version, p.High, p.Low, p.MaskHigh, p.MaskLow),
        AddressSelector.SrcAndDst => new And2Predicate(
            new PrefixPredicate<SrcAddressGetter>(p.Version, p.High, p.Low, p.MaskHigh, p.MaskLow),
            new PrefixPredicate<DstAddressGetter>(p.Version, p.High, p.Low, p.MaskHigh, p.MaskLow)),
        AddressSelector.NextHop => new PrefixPredicate<NextHopGetter>(p.Version, p.High, p.Low, p.MaskHigh, p.MaskLow),
        AddressSelector.BgpNextHop => new PrefixPredicate<BgpNextHopGetter>(p.Version, p.High, p.Low, p.MaskHigh, p.MaskLow),
        AddressSelector.Router => new PrefixPredicate<RouterGetter>(p.Version, p.High, p.Low, p.MaskHigh, p.MaskLow),
        _ => new EitherPrefixPredicate(p.Version, p.High, p.Low, p.MaskHigh, p.MaskLow),
    };

    private static FlowPredicate AddressList(AddressListNode l)
    {
        var set = new PrefixSet(l.Entries);
        return l.Selector switch
        {
            AddressSelector.Src => new PrefixSetPredicate<SrcAddressGetter>(set),
            AddressSelector.Dst => new PrefixSetPredicate<DstAddressGetter>(set),
            AddressSelector.SrcAndDst => new BothPrefixSetPredicate(set),
            AddressSelector.NextHop => new PrefixSetPredicate<NextHopGetter>(set),
            AddressSelector.BgpNextHop => new PrefixSetPredicate<BgpNextHopGetter>(set),
            AddressSelector.Router => new PrefixSetPredicate<RouterGetter>(set),
            _ => new EitherPrefixSetPredicate(set),
        };
    }

    private static FlowPredicate FieldComparison(FieldComparisonNode c)
    {
        if (c.Fields.Count == 2 && c.Combination == FieldCombination.Any)
        {
            if (c.Fields[0] == FlowFieldCatalog.SrcPort && c.Fields[1] == FlowFieldCatalog.DstPort)
                return ByOperator(c.Operator, new EitherFactory<SrcPortGetter, DstPortGetter>(c.Value));
            if (c.Fields[0] == FlowFieldCatalog.SrcAs && c.Fields[1] == FlowFieldCatalog.DstAs)
                return ByOperator(c.Operator, new EitherFactory<SrcAsGetter, DstAsGetter>(c.Value));
        }
        var parts = new FlowPredicate[c.Fields.Count];
        for (int i = 0; i < parts.Length; i++) parts[i] = Compare(c.Fields[i], c.Operator, c.Value);
        if (parts.Length == 1) return parts[0];
        if (parts.Length == 2)
            return c.Combination == FieldCombination.All ? new And2Predicate(parts[0], parts[1]) : new Or2Predicate(parts[0], parts[1]);
        return c.Combination == FieldCombination.All ? new AndPredicate(parts) : new OrPredicate(parts);
    }

    private static FlowPredicate NumberList(NumberListNode l)
    {
        var set = new NumberSet(l.Values);
        var parts = new FlowPredicate[l.Fields.Count];
        for (int i = 0; i < parts.Length; i++)
        {
            var f = l.Fields[i];
            parts[i] = f == FlowFieldCatalog.SrcPort ? new PortSetPredicate<SrcPortGetter>(set)
                : f == FlowFieldCatalog.DstPort ? new PortSetPredicate<DstPortGetter>(set)
                : new NumberSetPredicate(f.NumericValue!, set);
        }
        if (parts.Length == 1) return parts[0];
        return l.Combination == FieldCombination.All ? new And2Predicate(parts[0], parts[1]) : new Or2Predicate(parts[0], parts[1]);
    }

    /// <summary>A comparison of one catalog field; hot fields get a getter the JIT can inline.</summary>
    private static FlowPredicate Compare(FlowField field, ComparisonOperator op, ulong value)
    {
        if (field == FlowFieldCatalog.SrcPort) return ByOperator(op, new FieldFactory<SrcPortGetter>(value));
        if (field == FlowFieldCatalog.DstPort) return ByOperator(op, new FieldFactory<DstPortGetter>(value));
        if (field == FlowFieldCatalog.Protocol) return ByOperator(op, new FieldFactory<ProtocolGetter>(value));
        if (field == FlowFieldCatalog.Packets) return ByOperator(op, new FieldFactory<PacketsGetter>(value));
        if (field == FlowFieldCatalog.Bytes) return ByOperator(op, new FieldFactory<BytesGetter>(value));
        if (field == FlowFieldCatalog.SrcAs) return ByOperator(op, new FieldFactory<SrcAsGetter>(value));
        if (field == FlowFieldCatalog.DstAs) return ByOperator(op, new FieldFactory<DstAsGetter>(value));
        if (field == FlowFieldCatalog.Duration) return ByOperator(op, new FieldFactory<DurationGetter>(value));
        var getter = field.NumericValue ?? throw new InvalidOperationException($"Field {field.Name} has no numeric value.");
        return ByOperator(op, new DelegateFactory(getter, value));
    }

    // ---- operator dispatch: one generic instantiation per (factory, operator) --------------------------
    private interface IPredicateFactory
    {
        FlowPredicate Create<TCmp>() where TCmp : struct, IComparison;
    }

    private static FlowPredicate ByOperator<TFactory>(ComparisonOperator op, TFactory factory) where TFactory : IPredicateFactory => op switch
    {
        ComparisonOperator.Greater => factory.Create<GreaterThan>(),
        ComparisonOperator.Less => factory.Create<LessThan>(),
        ComparisonOperator.GreaterOrEqual => factory.Create<GreaterOrEqualTo>(),
        ComparisonOperator.LessOrEqual => factory.Create<LessOrEqualTo>(),
        _ => factory.Create<EqualTo>(),
    };

    private readonly struct FieldFactory<TGet>(ulong value) : IPredicateFactory where TGet : struct, IFieldGetter
    {
        public FlowPredicate Create<TCmp>() where TCmp : struct, IComparison => new FieldPredicate<TGet, TCmp>(value);
    }

    private readonly struct EitherFactory<TGetA, TGetB>(ulong value) : IPredicateFactory
        where TGetA : struct, IFieldGetter
        where TGetB : struct, IFieldGetter
    {
        public FlowPredicate Create<TCmp>() where TCmp : struct, IComparison => new EitherFieldPredicate<TGetA, TGetB, TCmp>(value);
    }

    private readonly struct DelegateFactory(Func<FlowRecord, ulong> getter, ulong value) : IPredicateFactory
    {
        public FlowPredicate Create<TCmp>() where TCmp : struct, IComparison => new DelegateFieldPredicate<TCmp>(getter, value);
    }

    private readonly struct FlagsFactory(byte value) : IPredicateFactory
    {
        public FlowPredicate Create<TCmp>() where TCmp : struct, IComparison => new TcpFlagsComparePredicate<TCmp>(value);
    }

    private readonly struct IcmpFactory(bool code, byte value) : IPredicateFactory
    {
        public FlowPredicate Create<TCmp>() where TCmp : struct, IComparison => new IcmpPredicate<TCmp>(code, value);
    }
}
