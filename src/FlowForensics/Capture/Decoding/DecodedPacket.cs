using FlowForensics.Flows;

namespace FlowForensics.Capture.Decoding;

/// <summary>
/// What one frame says about its flow: no per-layer objects, nothing allocated. Filled by
/// <see cref="PacketDecoder"/>; when the outcome is not <see cref="DecodeOutcome.Decoded"/> the
/// fields hold whatever was read before the decoder stopped.
/// </summary>
public readonly struct DecodedPacket
{
    private readonly PacketFields _f;

    internal DecodedPacket(in PacketFields fields) => _f = fields;

    public FlowAddress Src => _f.Src;
    public FlowAddress Dst => _f.Dst;

    /// <summary>4 or 6 (of the keyed, i.e. innermost, IP header); 0 when no IP header was read.</summary>
    public byte IPVersion => _f.IPVersion;

    /// <summary>The transport protocol of the keyed IP packet (after IPv6 extension headers).</summary>
    public byte Protocol => _f.Protocol;

    /// <summary>Source port; 0 for ICMP/ICMPv6 and port-less protocols.</summary>
    public ushort SrcPort => _f.SrcPort;

    /// <summary>Destination port; for ICMP/ICMPv6 type·256 + code (nfpcapd's convention).</summary>
    public ushort DstPort => _f.DstPort;

    /// <summary>Bytes to count: IPv4 total length, IPv6 40 + payload length (nfpcapd counts IP bytes, not frame bytes).</summary>
    public int IpLength => _f.IpLength;

    public TcpFlags TcpFlags => _f.TcpFlags;

    /// <summary>
    /// Bytes of network-layer header before the payload: the IPv4 header with options, or the IPv6 header with the
    /// extension headers read; for an IPv6 fragment only those up to and including the fragment header (the
    /// unfragmentable part), since fragment offsets count from there.
    /// </summary>
    public int IpHeaderLength => _f.IpHeaderLength;

    /// <summary>IPv4 type of service / IPv6 traffic class.</summary>
    public byte Tos => _f.Tos;

    /// <summary>IPv4 TTL / IPv6 hop limit.</summary>
    public byte Ttl => _f.Ttl;

    /// <summary>The last (innermost) 802.1Q/802.1ad VLAN id; 0 = none.</summary>
    public ushort Vlan => _f.Vlan;

    /// <summary>The first (outermost) VLAN id; equals <see cref="Vlan"/> when there is one tag; 0 = none.</summary>
    public ushort OuterVlan => _f.OuterVlan;

    /// <summary>Number of VLAN tags passed.</summary>
    public byte VlanDepth => _f.VlanDepth;

    /// <summary>The raw 32-bit stack entry of the top MPLS label (label·4096 | TC·512 | S·256 | TTL); 0 = none.</summary>
    public uint MplsTopEntry => _f.MplsTopEntry;

    /// <summary>The top MPLS label value (20 bits).</summary>
    public uint MplsTopLabel => _f.MplsTopEntry >> 12;

    public byte MplsDepth => _f.MplsDepth;

    /// <summary>Source MAC of the first Ethernet header (48 bits, first octet most significant); 0 when the link has none.</summary>
    public ulong SrcMac => _f.SrcMac;

    public ulong DstMac => _f.DstMac;

    /// <summary>The IP packet is a fragment (more-fragments set or a non-zero offset).</summary>
    public bool IsFragment => _f.IsFragment;

    /// <summary>The fragment at offset 0 (the only one that carries the transport header).</summary>
    public bool IsFirstFragment => _f.IsFirstFragment;

    public bool MoreFragments => _f.MoreFragments;
    public uint FragmentId => _f.FragmentId;

    /// <summary>Fragment offset in bytes.</summary>
    public int FragmentOffset => _f.FragmentOffset;

    /// <summary>The transport header was read: <see cref="SrcPort"/>/<see cref="DstPort"/> (and TCP flags) are real.</summary>
    public bool HasPorts => _f.HasPorts;

    /// <summary>
    /// Where the UDP segment (header and payload, as far as the IP length and the capture reach) starts in the frame;
    /// 0 with <see cref="TransportLength"/> 0 when the packet is not UDP or its transport header was not read.
    /// </summary>
    public int TransportOffset => _f.TransportOffset;

    /// <summary>Bytes of the UDP segment present in the frame (bounded by the IP length, so link padding is left out).</summary>
    public int TransportLength => _f.TransportLength;

    /// <summary>
    /// The UDP payload of <paramref name="frame"/> (the frame this packet was decoded from), bounded by the UDP length
    /// field: false for non-UDP packets, fragments, and segments shorter than their 8-byte header. Nothing is copied.
    /// </summary>
    public bool TryGetUdpPayload(ReadOnlySpan<byte> frame, out ReadOnlySpan<byte> payload, out bool truncated)
    {
        payload = default;
        truncated = false;
        const int UdpHeader = 8;
        if (_f.Protocol != 17 || _f.IsFragment || _f.TransportLength < UdpHeader
            || _f.TransportOffset < 0 || _f.TransportOffset + _f.TransportLength > frame.Length) return false;
        var segment = frame.Slice(_f.TransportOffset, _f.TransportLength);
        int udpLength = segment[4] << 8 | segment[5];
        if (udpLength < UdpHeader) return false;
        truncated = udpLength > segment.Length;
        payload = segment[UdpHeader..Math.Min(udpLength, segment.Length)];
        return true;
    }

    /// <summary>Outermost IP source when the flow is keyed on an inner (tunnelled) packet; none otherwise.</summary>
    public FlowAddress TunnelSrc => _f.TunnelSrc;

    public FlowAddress TunnelDst => _f.TunnelDst;

    /// <summary>The outermost header's protocol for a tunnelled packet (4, 41 or 47); 0 when not tunnelled.</summary>
    public byte TunnelProtocol => _f.TunnelProtocol;

    public bool IsTunneled => _f.TunnelProtocol != 0;

    /// <summary>The nfpcapd flow key of this packet.</summary>
    public FlowKey ToFlowKey() => new(_f.Src, _f.Dst, _f.SrcPort, _f.DstPort, _f.Protocol);

    public override string ToString() =>
        $"IPv{IPVersion} {Src}:{SrcPort} -> {Dst}:{DstPort} proto {Protocol} len {IpLength}";
}

/// <summary>The decoder's mutable working copy of a <see cref="DecodedPacket"/>.</summary>
internal struct PacketFields
{
    public FlowAddress Src, Dst, TunnelSrc, TunnelDst;
    public ulong SrcMac, DstMac;
    public uint MplsTopEntry, FragmentId;
    public int IpLength, IpHeaderLength, FragmentOffset, Layers;
    /// <summary>Bytes cut from the end of the frame by IP (or NFLOG) lengths on the way to the transport segment.</summary>
    public int TrimmedTail;
    public int TransportOffset, TransportLength;
    public ushort SrcPort, DstPort, Vlan, OuterVlan;
    public byte IPVersion, Protocol, Tos, Ttl, MplsDepth, VlanDepth, TunnelProtocol, TunnelDepth;
    public TcpFlags TcpFlags;
    public bool IsFragment, IsFirstFragment, MoreFragments, HasPorts, HasMacs;
}
