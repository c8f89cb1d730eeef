using FlowForensics.Analysis.TopN;
using FlowForensics.Flows;

namespace FlowForensics.Analysis.Aggregation;

/// <summary>
/// Builds <see cref="AggregationKey"/>s for one fixed set of fields: the field list is turned into masks once,
/// and each record costs a few loads, ANDs and (for networks) an address mask; no allocation.
/// </summary>
internal readonly struct AggregationKeyBuilder
{
    private readonly bool _src, _dst, _maskSrc, _maskDst;
    private readonly int _src4, _src6, _dst4, _dst6;
    private readonly ulong _numbersMask, _asMask, _interfacesMask;
    private readonly uint _vlansMask;

    public AggregationKeyBuilder(IReadOnlyList<TopNProperty> properties)
    {
        _src4 = _dst4 = 32;
        _src6 = _dst6 = 128;
        foreach (var p in properties)
        {
            switch (p.Field)
            {
                case TopNField.SrcAddr:
                    _src = true;
                    _src4 = p.PrefixLengthV4;
                    _src6 = p.PrefixLengthV6;
                    break;
                case TopNField.DstAddr:
                    _dst = true;
                    _dst4 = p.PrefixLengthV4;
                    _dst6 = p.PrefixLengthV6;
                    break;
                case TopNField.SrcAs: _asMask |= 0xFFFF_FFFFUL << 32; break;
                case TopNField.DstAs: _asMask |= 0xFFFF_FFFFUL; break;
                case TopNField.InputInterface: _interfacesMask |= 0xFFFF_FFFFUL << 32; break;
                case TopNField.OutputInterface: _interfacesMask |= 0xFFFF_FFFFUL; break;
                case TopNField.SrcVlan: _vlansMask |= 0xFFFFu << 16; break;
                case TopNField.DstVlan: _vlansMask |= 0xFFFFu; break;
                default: _numbersMask |= AggregationKey.FieldMask(p.Field); break;
            }
        }
        _maskSrc = _src4 < 32 || _src6 < 128;
        _maskDst = _dst4 < 32 || _dst6 < 128;
    }

    /// <summary>A builder for nfdump's <c>record</c> statistic: protocol, addresses and ports.</summary>
    public static AggregationKeyBuilder Conversation(TopNProperty conversation) => new(
    [
        conversation, // protocol
        Parse("SrcAddr"), Parse("DstAddr"), Parse("SrcPort"), Parse("DstPort"),
    ]);

    private static TopNProperty Parse(string name)
    {
        TopNProperty.TryParse(name, out var p, out _);
        return p!;
    }

    /// <summary>True when the key holds only addresses, ports, protocol and ToS (no AS, interface or VLAN fields).</summary>
    public bool AddressesAndNumbersOnly => _asMask == 0 && _interfacesMask == 0 && _vlansMask == 0;

    public AggregationKey Build(in FlowCore flow)
    {
        FlowAddress src = default, dst = default;
        if (_src)
        {
            src = flow.Src;
            if (_maskSrc) src = src.Mask(src.IsIPv4 ? _src4 : _src6);
        }
        if (_dst)
        {
            dst = flow.Dst;
            if (_maskDst) dst = dst.Mask(dst.IsIPv4 ? _dst4 : _dst6);
        }
        ulong numbers = AggregationKey.PackNumbers(flow.SrcPort, flow.DstPort, flow.Protocol, flow.SrcTos, flow.DstTos) & _numbersMask;
        ulong asNumbers = _asMask == 0 ? 0 : (((ulong)flow.SrcAs << 32) | flow.DstAs) & _asMask;
        ulong interfaces = _interfacesMask == 0 ? 0 : (((ulong)flow.InputInterface << 32) | flow.OutputInterface) & _interfacesMask;
        uint vlans = _vlansMask == 0 ? 0 : (((uint)flow.SrcVlan << 16) | flow.DstVlan) & _vlansMask;
        return new AggregationKey(src, dst, numbers, asNumbers, interfaces, vlans);
    }
}
