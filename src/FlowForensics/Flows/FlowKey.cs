namespace FlowForensics.Flows;

/// <summary>
/// What identifies one unidirectional flow while metering packets, as nfpcapd keys it: IP version,
/// source and destination address, source and destination port, protocol. VLAN, MPLS and MACs are
/// stored in the record but are not part of the key.
/// </summary>
public readonly struct FlowKey : IEquatable<FlowKey>
{
    public FlowKey(FlowAddress src, FlowAddress dst, ushort srcPort, ushort dstPort, byte protocol)
    {
        Src = src;
        Dst = dst;
        SrcPort = srcPort;
        DstPort = dstPort;
        Protocol = protocol;
    }

    public FlowAddress Src { get; }
    public FlowAddress Dst { get; }
    public ushort SrcPort { get; }
    public ushort DstPort { get; }
    public byte Protocol { get; }

    public FlowKey Reverse() => new(Dst, Src, DstPort, SrcPort, Protocol);

    public bool Equals(FlowKey other) =>
        SrcPort == other.SrcPort && DstPort == other.DstPort && Protocol == other.Protocol &&
        Src.Equals(other.Src) && Dst.Equals(other.Dst);

    public override bool Equals(object? obj) => obj is FlowKey other && Equals(other);

    public override int GetHashCode() =>
        HashCode.Combine(Src.High ^ Src.Low, Dst.High ^ Dst.Low, ((uint)SrcPort << 16) | DstPort, Protocol, Src.Version);

    public static bool operator ==(FlowKey left, FlowKey right) => left.Equals(right);
    public static bool operator !=(FlowKey left, FlowKey right) => !left.Equals(right);

    public override string ToString() => $"{Protocol} {Src}:{SrcPort} -> {Dst}:{DstPort}";
}
