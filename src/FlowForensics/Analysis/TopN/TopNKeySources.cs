using System.Globalization;
using FlowForensics.Analysis.Aggregation;
using FlowForensics.Flows;

namespace FlowForensics.Analysis.TopN;

/// <summary>
/// Turns a record into its key(s) and a key back into row columns. Implemented by structs so the table's
/// per-record loop is specialised for each key type by the JIT (no interface dispatch, no allocation).
/// </summary>
internal interface ITopNKeySource<TKey> where TKey : struct, IEquatable<TKey>
{
    /// <summary>True when each record also yields <see cref="Second"/> (both-ends properties).</summary>
    bool BothEnds { get; }

    TKey First(in FlowCore flow, out bool reversed);

    TKey Second(in FlowCore flow);

    /// <summary>The deterministic tie order (ascending).</summary>
    int Compare(TKey a, TKey b);

    void Describe(TKey key, bool reversed, TopNRow row);
}

internal static class TopNColumns
{
    public static string AddressText(FlowAddress address, TopNProperty property)
    {
        string text = address.ToString();
        if (!property.IsNetwork) return text;
        int length = address.IsIPv4 ? property.PrefixLengthV4 : property.PrefixLengthV6;
        return text + "/" + length.ToString(CultureInfo.InvariantCulture);
    }

    public static string SetAddress(TopNRow row, TopNProperty property, FlowAddress address)
    {
        string text = AddressText(address, property);
        switch (property.Name)
        {
            case "SrcAddr": row.SrcAddr = text; break;
            case "DstAddr": row.DstAddr = text; break;
            case "Address": row.Address = text; break;
            case "SrcNet": row.SrcNet = text; break;
            case "DstNet": row.DstNet = text; break;
            default: row.Net = text; break;
        }
        return text;
    }

    public static string SetNumber(TopNRow row, TopNProperty property, ulong value)
    {
        string text = value.ToString(CultureInfo.InvariantCulture);
        int small = (int)Math.Min(value, int.MaxValue);
        long large = (long)value;
        switch (property.Name)
        {
            case "SrcPort": row.SrcPort = small; break;
            case "DstPort": row.DstPort = small; break;
            case "Port": row.Port = small; break;
            case "Protocol":
                row.Protocol = small;
                row.ProtocolName = IpProtocolNames.GetName((byte)value);
                text = row.ProtocolName;
                break;
            case "SrcAs": row.SrcAs = large; break;
            case "DstAs": row.DstAs = large; break;
            case "As": row.As = large; break;
            case "InputInterface": row.InputInterface = large; break;
            case "OutputInterface": row.OutputInterface = large; break;
            case "Interface": row.Interface = large; break;
            case "SrcTos": row.SrcTos = small; break;
            case "DstTos": row.DstTos = small; break;
            case "Tos": row.Tos = small; break;
            case "SrcVlan": row.SrcVlan = small; break;
            case "DstVlan": row.DstVlan = small; break;
            default: row.Vlan = small; break;
        }
        return text;
    }

    public static ulong ReadNumber(in FlowCore flow, TopNField field) => field switch
    {
        TopNField.SrcPort => flow.SrcPort,
        TopNField.DstPort => flow.DstPort,
        TopNField.Protocol => flow.Protocol,
        TopNField.SrcAs => flow.SrcAs,
        TopNField.DstAs => flow.DstAs,
        TopNField.InputInterface => flow.InputInterface,
        TopNField.OutputInterface => flow.OutputInterface,
        TopNField.SrcTos => flow.SrcTos,
        TopNField.DstTos => flow.DstTos,
        TopNField.SrcVlan => flow.SrcVlan,
        TopNField.DstVlan => flow.DstVlan,
        _ => 0,
    };

    public static ulong ReadNumber(AggregationKey key, TopNField field) => field switch
    {
        TopNField.SrcPort => key.SrcPort,
        TopNField.DstPort => key.DstPort,
        TopNField.Protocol => key.Protocol,
        TopNField.SrcAs => key.SrcAs,
        TopNField.DstAs => key.DstAs,
        TopNField.InputInterface => key.InputInterface,
        TopNField.OutputInterface => key.OutputInterface,
        TopNField.SrcTos => key.SrcTos,
        TopNField.DstTos => key.DstTos,
        TopNField.SrcVlan => key.SrcVlan,
        TopNField.DstVlan => key.DstVlan,
        _ => 0,
    };
}

/// <summary>SrcAddr, DstAddr, Address and their network forms: the key is the (masked) address itself.</summary>
internal readonly struct AddressKeySource : ITopNKeySource<FlowAddress>
{
    private readonly TopNProperty _property;
    private readonly bool _fromDst, _both, _mask;
    private readonly int _v4, _v6;

    public AddressKeySource(TopNProperty property)
    {
        _property = property;
        _fromDst = property.Field == TopNField.DstAddr;
        _both = property.Kind == TopNPropertyKind.BothEnds;
        _v4 = property.PrefixLengthV4;
        _v6 = property.PrefixLengthV6;
        _mask = _v4 < 32 || _v6 < 128;
    }

    public bool BothEnds => _both;

    public FlowAddress First(in FlowCore flow, out bool reversed)
    {
        reversed = false;
        return Masked(_fromDst ? flow.Dst : flow.Src);
    }

    public FlowAddress Second(in FlowCore flow) => Masked(flow.Dst);

    private FlowAddress Masked(FlowAddress a) => _mask ? a.Mask(a.IsIPv4 ? _v4 : _v6) : a;

    public int Compare(FlowAddress a, FlowAddress b) => a.CompareTo(b);

    public void Describe(FlowAddress key, bool reversed, TopNRow row) => row.Key = TopNColumns.SetAddress(row, _property, key);
}

/// <summary>Ports, protocol, AS, interfaces, ToS, VLAN: the key is the number.</summary>
internal readonly struct NumberKeySource : ITopNKeySource<ulong>
{
    private readonly TopNProperty _property;
    private readonly TopNField _first, _second;
    private readonly bool _both;

    public NumberKeySource(TopNProperty property)
    {
        _property = property;
        _first = property.Field;
        _second = TopNProperty.OtherEnd(property.Field);
        _both = property.Kind == TopNPropertyKind.BothEnds;
    }

    public bool BothEnds => _both;

    public ulong First(in FlowCore flow, out bool reversed)
    {
        reversed = false;
        return TopNColumns.ReadNumber(flow, _first);
    }

    public ulong Second(in FlowCore flow) => TopNColumns.ReadNumber(flow, _second);

    public int Compare(ulong a, ulong b) => a.CompareTo(b);

    public void Describe(ulong key, bool reversed, TopNRow row) => row.Key = TopNColumns.SetNumber(row, _property, key);
}

/// <summary>Several properties (nfdump -A) or Conversation (nfdump -s record): an <see cref="AggregationKey"/>.</summary>
internal readonly struct AggregationKeySource : ITopNKeySource<AggregationKey>
{
    private readonly AggregationKeyBuilder _builder;
    private readonly TopNProperty[] _properties;
    private readonly bool _conversation, _bidirectional, _tcpUdpOnly;

    public AggregationKeySource(IReadOnlyList<TopNProperty> properties, bool bidirectional)
    {
        _properties = [.. properties];
        _conversation = properties.Count == 1 && properties[0].Kind == TopNPropertyKind.Conversation;
        _builder = _conversation ? AggregationKeyBuilder.Conversation(properties[0]) : new AggregationKeyBuilder(properties);
        _bidirectional = bidirectional;
        _tcpUdpOnly = _conversation;
    }

    public bool BothEnds => false;

    /// <summary>The keys fit a <see cref="CompactAggregationKey"/> (no AS, interface or VLAN fields).</summary>
    public bool FitsCompactKey => _builder.AddressesAndNumbersOnly;

    public AggregationKey First(in FlowCore flow, out bool reversed)
    {
        var key = _builder.Build(flow);
        reversed = false;
        if (_bidirectional && (!_tcpUdpOnly || flow.Protocol is IpProtocolNames.Tcp or IpProtocolNames.Udp))
        {
            var other = key.Reverse();
            if (other.CompareTo(key) < 0)
            {
                reversed = true;
                return other;
            }
        }
        return key;
    }

    public AggregationKey Second(in FlowCore flow) => default;

    public int Compare(AggregationKey a, AggregationKey b) => a.CompareTo(b);

    public void Describe(AggregationKey key, bool reversed, TopNRow row)
    {
        if (reversed) key = key.Reverse();
        if (_conversation)
        {
            row.SrcAddr = key.Src.ToString();
            row.DstAddr = key.Dst.ToString();
            row.SrcPort = key.SrcPort;
            row.DstPort = key.DstPort;
            row.Protocol = key.Protocol;
            row.ProtocolName = IpProtocolNames.GetName(key.Protocol);
            string arrow = _bidirectional ? " <-> " : " -> ";
            row.Key = row.ProtocolName + " " + Endpoint(key.Src, key.SrcPort) + arrow + Endpoint(key.Dst, key.DstPort);
            return;
        }
        var parts = new string[_properties.Length];
        for (int i = 0; i < _properties.Length; i++)
        {
            var p = _properties[i];
            parts[i] = p.Field switch
            {
                TopNField.SrcAddr => TopNColumns.SetAddress(row, p, key.Src),
                TopNField.DstAddr => TopNColumns.SetAddress(row, p, key.Dst),
                _ => TopNColumns.SetNumber(row, p, TopNColumns.ReadNumber(key, p.Field)),
            };
        }
        row.Key = string.Join(", ", parts);
    }

    private static string Endpoint(FlowAddress a, ushort port) =>
        a.IsIPv6 ? "[" + a + "]:" + port.ToString(CultureInfo.InvariantCulture) : a + ":" + port.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// <see cref="AggregationKeySource"/> for keys of addresses, ports, protocol and ToS only (nfdump's <c>record</c>,
/// <c>-A srcip,dstip</c>, <c>-A srcip,dstport</c> ...): the table holds each key in 40 bytes instead of 80, which
/// matters when there are millions of keys (less memory to fill and to miss in the cache). Rows, order and ties are
/// those of the full key: the compact key converts back losslessly.
/// </summary>
internal readonly struct CompactAggregationKeySource(AggregationKeySource inner) : ITopNKeySource<CompactAggregationKey>
{
    public bool BothEnds => false;

    public CompactAggregationKey First(in FlowCore flow, out bool reversed) => new(inner.First(flow, out reversed));

    public CompactAggregationKey Second(in FlowCore flow) => default;

    public int Compare(CompactAggregationKey a, CompactAggregationKey b) => a.ToKey().CompareTo(b.ToKey());

    public void Describe(CompactAggregationKey key, bool reversed, TopNRow row) => inner.Describe(key.ToKey(), reversed, row);
}

/// <summary>
/// An <see cref="AggregationKey"/> whose AS, interface and VLAN words are zero, in five words: both addresses' halves,
/// and the packed numbers with the two address versions in their unused low byte.
/// </summary>
internal readonly struct CompactAggregationKey : IEquatable<CompactAggregationKey>
{
    private const ulong VersionBits = 0xFF;
    private readonly ulong _srcHigh, _srcLow, _dstHigh, _dstLow, _numbers;

    public CompactAggregationKey(AggregationKey key)
    {
        _srcHigh = key.Src.High;
        _srcLow = key.Src.Low;
        _dstHigh = key.Dst.High;
        _dstLow = key.Dst.Low;
        _numbers = (key.Numbers & ~VersionBits) | ((ulong)key.Src.Version << 4) | key.Dst.Version;
    }

    public AggregationKey ToKey() => new(
        Address(_srcHigh, _srcLow, (byte)((_numbers >> 4) & 0xF)),
        Address(_dstHigh, _dstLow, (byte)(_numbers & 0xF)),
        _numbers & ~VersionBits, 0, 0, 0);

    private static FlowAddress Address(ulong high, ulong low, byte version) => version switch
    {
        4 => FlowAddress.FromIPv4((uint)low),
        6 => FlowAddress.FromIPv6(high, low),
        _ => default,
    };

    public bool Equals(CompactAggregationKey other) =>
        _numbers == other._numbers && _srcLow == other._srcLow && _dstLow == other._dstLow &&
        _srcHigh == other._srcHigh && _dstHigh == other._dstHigh;

    public override bool Equals(object? obj) => obj is CompactAggregationKey other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_srcHigh ^ _srcLow, _dstHigh ^ _dstLow, _numbers);
}
