using System.Buffers.Binary;
using FlowForensics.Flows;

namespace FlowForensics.Capture.Decoding;

/// <summary>
/// Frames to flow facts, as nfpcapd reads them: link layer, through VLAN tags, MPLS, PPPoE and
/// IP tunnels (IP-in-IP, GRE) to the innermost IP packet and its transport ports. Reads only inside the
/// frame span, allocates nothing, throws nothing for bad bytes: the outcome says what happened.
/// </summary>
public static class PacketDecoder
{
    /// <summary>Most encapsulation steps (VLAN tags, MPLS labels, PPPoE, inner Ethernet headers) in one frame.</summary>
    public const int MaxLayers = 32;

    /// <summary>Most IPv6 extension headers followed before giving up.</summary>
    public const int MaxIPv6ExtensionHeaders = 16;

    /// <summary>Most tunnels (IP-in-IP, GRE) descended; deeper packets are keyed at this depth.</summary>
    public const int MaxTunnelDepth = 4;

    private const ushort EtherTypeIPv4 = 0x0800, EtherTypeIPv6 = 0x86DD, EtherTypeVlan = 0x8100, EtherTypeQinQ = 0x88A8,
        EtherTypeQinQOld = 0x9100, EtherTypeQinQOld2 = 0x9200, EtherTypeMplsUnicast = 0x8847, EtherTypeMplsMulticast = 0x8848,
        EtherTypePppoeSession = 0x8864, EtherTypeTransparentEthernet = 0x6558, EtherTypeErspan2 = 0x88BE, EtherTypeErspan3 = 0x22EB,
        EtherTypePpp = 0x880B, MinEtherType = 0x0600;

    private const ushort PppIPv4 = 0x0021, PppIPv6 = 0x0057, PppMplsUnicast = 0x0281, PppMplsMulticast = 0x0283;

    private const byte ProtoIcmp = 1, ProtoIPv4 = 4, ProtoTcp = 6, ProtoUdp = 17, ProtoDccp = 33, ProtoIPv6 = 41, ProtoGre = 47,
        ProtoIcmpV6 = 58, ProtoSctp = 132, ProtoUdpLite = 136;

    private const byte Ipv6HopByHop = 0, Ipv6Routing = 43, Ipv6Fragment = 44, Ipv6Ah = 51, Ipv6DestinationOptions = 60;

    // Header sizes and offsets
    private const int EthernetHeader = 14, EthernetType = 12, VlanTag = 4, MplsEntry = 4, PppoeHeader = 8, PppoeProtocol = 6;
    private const int SllHeader = 16, SllArpHardware = 2, SllAddressLength = 4, SllAddress = 6, SllProtocol = 14;
    private const int Sll2Header = 20, Sll2Protocol = 0, Sll2ArpHardware = 8, Sll2AddressLength = 11, Sll2Address = 12;
    private const ushort ArpHardwareNetlink = 824;
    private const int NullHeader = 4, HdlcHeader = 4, HdlcProtocol = 2, NflogHeader = 4, NflogTlvHeader = 4;
    private const ushort NflogTypePayload = 9;
    private const int IPv4MinHeader = 20, IPv4TotalLength = 2, IPv4Id = 4, IPv4Fragment = 6, IPv4Ttl = 8, IPv4Protocol = 9, IPv4Src = 12, IPv4Dst = 16;
    private const int IPv6Header = 40, IPv6PayloadLength = 4, IPv6NextHeader = 6, IPv6HopLimit = 7, IPv6Src = 8, IPv6Dst = 24;
    private const int GreMinHeader = 4, Erspan2Header = 8, Erspan3Header = 12, Erspan3PlatformSubheader = 8;

    public static DecodeOutcome Decode(LinkType link, ReadOnlySpan<byte> frame, out DecodedPacket packet)
    {
        var f = default(PacketFields);
        var outcome = DecodeLink(link, frame, ref f);
        // The transport segment's place in the frame: every slice that shortened the end added to TrimmedTail.
        if (f.TransportLength > 0) f.TransportOffset = frame.Length - f.TrimmedTail - f.TransportLength;
        packet = new DecodedPacket(in f);
        return outcome;
    }

    /// <summary>Decodes and counts the outcome in <paramref name="counters"/>.</summary>
    public static DecodeOutcome Decode(LinkType link, ReadOnlySpan<byte> frame, out DecodedPacket packet, DecodeCounters counters)
    {
        var outcome = Decode(link, frame, out packet);
        counters.Add(outcome);
        return outcome;
    }

    /// <summary>Whether <see cref="Decode(LinkType, ReadOnlySpan{byte}, out DecodedPacket)"/> reads this link type.</summary>
    public static bool IsSupported(LinkType link) => link is LinkType.Ethernet or LinkType.LinuxSll or LinkType.LinuxSll2
        or LinkType.Raw or LinkType.IPv4 or LinkType.IPv6 or LinkType.Null or LinkType.Loop or LinkType.Ppp
        or LinkType.PppSerial or LinkType.CiscoHdlc or LinkType.Nflog;

    private static DecodeOutcome DecodeLink(LinkType link, ReadOnlySpan<byte> frame, ref PacketFields f)
    {
        switch (link)
        {
            case LinkType.Ethernet:
                return DecodeEthernet(frame, ref f);
            case LinkType.LinuxSll:
                return DecodeLinuxSll(frame, ref f);
            case LinkType.LinuxSll2:
                return DecodeLinuxSll2(frame, ref f);
            case LinkType.Raw:
                return DecodeIpByVersion(frame, ref f);
            case LinkType.IPv4:
                return DecodeIPv4(frame, ref f);
            case LinkType.IPv6:
                return DecodeIPv6(frame, ref f);
            case LinkType.Null:
            case LinkType.Loop:
                return DecodeNull(frame, ref f);
            case LinkType.Ppp:
            case LinkType.PppSerial:
                return DecodePpp(frame, ref f);
            case LinkType.CiscoHdlc:
                if (frame.Length < HdlcHeader) return DecodeOutcome.Truncated;
                return DecodeEtherType(BinaryPrimitives.ReadUInt16BigEndian(frame[HdlcProtocol..]), frame[HdlcHeader..], ref f);
            case LinkType.Nflog:
                return DecodeNflog(frame, ref f);
            default:
                return DecodeOutcome.UnsupportedLinkType;
        }
    }

    // ---- link layers ----------------------------------------------------------------------------

    private static DecodeOutcome DecodeEthernet(ReadOnlySpan<byte> frame, ref PacketFields f)
    {
        if (frame.Length < EthernetHeader) return DecodeOutcome.Truncated;
        if (!f.HasMacs)
        {
            f.HasMacs = true;
            f.DstMac = ReadMac(frame);
            f.SrcMac = ReadMac(frame[6..]);
        }
        ushort type = BinaryPrimitives.ReadUInt16BigEndian(frame[EthernetType..]);
        var payload = frame[EthernetHeader..];
        if (type < MinEtherType)
        {
            // 802.3 length field: only LLC/SNAP with an EtherType can carry IP.
            if (payload.Length >= 8 && payload[0] == 0xAA && payload[1] == 0xAA && payload[2] == 0x03
                && payload[3] == 0 && payload[4] == 0 && payload[5] == 0)
                return DecodeEtherType(BinaryPrimitives.ReadUInt16BigEndian(payload[6..]), payload[8..], ref f);
            return DecodeOutcome.NotIp;
        }
        return DecodeEtherType(type, payload, ref f);
    }

    private static DecodeOutcome DecodeLinuxSll(ReadOnlySpan<byte> frame, ref PacketFields f)
    {
        if (frame.Length < SllHeader) return DecodeOutcome.Truncated;
        if (BinaryPrimitives.ReadUInt16BigEndian(frame[SllArpHardware..]) == ArpHardwareNetlink) return DecodeOutcome.NotIp;
        if (BinaryPrimitives.ReadUInt16BigEndian(frame[SllAddressLength..]) == 6)
        {
            f.HasMacs = true;
            f.SrcMac = ReadMac(frame[SllAddress..]);
        }
        return DecodeEtherType(BinaryPrimitives.ReadUInt16BigEndian(frame[SllProtocol..]), frame[SllHeader..], ref f);
    }

    private static DecodeOutcome DecodeLinuxSll2(ReadOnlySpan<byte> frame, ref PacketFields f)
    {
        if (frame.Length < Sll2Header) return DecodeOutcome.Truncated;
        if (BinaryPrimitives.ReadUInt16BigEndian(frame[Sll2ArpHardware..]) == ArpHardwareNetlink) return DecodeOutcome.NotIp;
        if (frame[Sll2AddressLength] == 6)
        {
            f.HasMacs = true;
            f.SrcMac = ReadMac(frame[Sll2Address..]);
        }
        return DecodeEtherType(BinaryPrimitives.ReadUInt16BigEndian(frame[Sll2Protocol..]), frame[Sll2Header..], ref f);
    }

    private static DecodeOutcome DecodeNull(ReadOnlySpan<byte> frame, ref PacketFields f)
    {
        if (frame.Length < NullHeader) return DecodeOutcome.Truncated;
        // The address family is in the capturing host's byte order (NULL) or network order (LOOP); accept both.
        uint family = BinaryPrimitives.ReadUInt32LittleEndian(frame);
        if (!IsNullFamily(family)) family = BinaryPrimitives.ReadUInt32BigEndian(frame);
        return family switch
        {
            2 => DecodeIPv4(frame[NullHeader..], ref f),
            24 or 28 or 30 => DecodeIPv6(frame[NullHeader..], ref f),
            _ => DecodeOutcome.NotIp,
        };
    }

    private static bool IsNullFamily(uint family) => family is 2 or 24 or 28 or 30;

    private static DecodeOutcome DecodePpp(ReadOnlySpan<byte> frame, ref PacketFields f)
    {
        if (frame.Length >= 2 && frame[0] == 0xFF && frame[1] == 0x03) frame = frame[2..];
        if (frame.Length < 1) return DecodeOutcome.Truncated;
        if ((frame[0] & 1) != 0) return DecodePppProtocol(frame[0], frame[1..], ref f);
        if (frame.Length < 2) return DecodeOutcome.Truncated;
        return DecodePppProtocol(BinaryPrimitives.ReadUInt16BigEndian(frame), frame[2..], ref f);
    }

    private static DecodeOutcome DecodePppProtocol(ushort protocol, ReadOnlySpan<byte> payload, ref PacketFields f) => protocol switch
    {
        PppIPv4 => DecodeIPv4(payload, ref f),
        PppIPv6 => DecodeIPv6(payload, ref f),
        PppMplsUnicast or PppMplsMulticast => DecodeMpls(payload, ref f),
        _ => DecodeOutcome.NotIp,
    };

    private static DecodeOutcome DecodeNflog(ReadOnlySpan<byte> frame, ref PacketFields f)
    {
        if (frame.Length < NflogHeader) return DecodeOutcome.Truncated;
        var tlvs = frame[NflogHeader..];
        while (tlvs.Length > 0)
        {
            if (tlvs.Length < NflogTlvHeader) return DecodeOutcome.Truncated;
            // TLV length and type are in the capturing host's byte order: little-endian in practice.
            int length = BinaryPrimitives.ReadUInt16LittleEndian(tlvs);
            ushort type = BinaryPrimitives.ReadUInt16LittleEndian(tlvs[2..]);
            if (length < NflogTlvHeader) return DecodeOutcome.Malformed;
            if (length > tlvs.Length) return DecodeOutcome.Truncated;
            if (type == NflogTypePayload)
            {
                f.TrimmedTail += tlvs.Length - length;
                return DecodeIpByVersion(tlvs[NflogTlvHeader..length], ref f);
            }
            int padded = (length + 3) & ~3;
            tlvs = padded >= tlvs.Length ? default : tlvs[padded..];
        }
        return DecodeOutcome.NotIp;
    }

    // ---- EtherType chain: VLAN, MPLS, PPPoE -----------------------------------------------------

    private static DecodeOutcome DecodeEtherType(ushort type, ReadOnlySpan<byte> payload, ref PacketFields f)
    {
        while (true)
        {
            if (++f.Layers > MaxLayers) return DecodeOutcome.Malformed;
            switch (type)
            {
                case EtherTypeIPv4:
                    return DecodeIPv4(payload, ref f);
                case EtherTypeIPv6:
                    return DecodeIPv6(payload, ref f);
                case EtherTypeVlan:
                case EtherTypeQinQ:
                case EtherTypeQinQOld:
                case EtherTypeQinQOld2:
                {
                    if (payload.Length < VlanTag) return DecodeOutcome.Truncated;
                    ushort vid = (ushort)(BinaryPrimitives.ReadUInt16BigEndian(payload) & 0x0FFF);
                    if (f.VlanDepth == 0) f.OuterVlan = vid;
                    if (f.VlanDepth < byte.MaxValue) f.VlanDepth++;
                    f.Vlan = vid;
                    type = BinaryPrimitives.ReadUInt16BigEndian(payload[2..]);
                    payload = payload[VlanTag..];
                    continue;
                }
                case EtherTypeMplsUnicast:
                case EtherTypeMplsMulticast:
                    return DecodeMpls(payload, ref f);
                case EtherTypePppoeSession:
                    if (payload.Length < PppoeHeader) return DecodeOutcome.Truncated;
                    if (payload[0] != 0x11 || payload[1] != 0) return DecodeOutcome.Malformed;
                    return DecodePppProtocol(BinaryPrimitives.ReadUInt16BigEndian(payload[PppoeProtocol..]), payload[PppoeHeader..], ref f);
                case EtherTypeTransparentEthernet:
                    return DecodeEthernet(payload, ref f);
                default:
                    return DecodeOutcome.NotIp;
            }
        }
    }

    private static DecodeOutcome DecodeMpls(ReadOnlySpan<byte> payload, ref PacketFields f)
    {
        while (true)
        {
            if (++f.Layers > MaxLayers) return DecodeOutcome.Malformed;
            if (payload.Length < MplsEntry) return DecodeOutcome.Truncated;
            uint entry = BinaryPrimitives.ReadUInt32BigEndian(payload);
            if (f.MplsDepth == 0) f.MplsTopEntry = entry;
            if (f.MplsDepth < byte.MaxValue) f.MplsDepth++;
            payload = payload[MplsEntry..];
            if ((entry & 0x100) != 0) break; // bottom of stack
        }
        if (payload.Length < 1) return DecodeOutcome.Truncated;
        switch (payload[0] >> 4)
        {
            case 4:
                return DecodeIPv4(payload, ref f);
            case 6:
                return DecodeIPv6(payload, ref f);
            case 0:
                // Pseudowire control word, then an Ethernet frame (Ethernet over MPLS).
                if (payload.Length < 4) return DecodeOutcome.Truncated;
                return DecodeEthernet(payload[4..], ref f);
            default:
                return DecodeOutcome.Malformed;
        }
    }

    // ---- IP ------------------------------------------------------------------------------------

    private static DecodeOutcome DecodeIpByVersion(ReadOnlySpan<byte> packet, ref PacketFields f)
    {
        if (packet.Length < 1) return DecodeOutcome.Truncated;
        return (packet[0] >> 4) switch
        {
            4 => DecodeIPv4(packet, ref f),
            6 => DecodeIPv6(packet, ref f),
            _ => DecodeOutcome.Malformed,
        };
    }

    private static DecodeOutcome DecodeIPv4(ReadOnlySpan<byte> packet, ref PacketFields f)
    {
        if (packet.Length < 1) return DecodeOutcome.Truncated;
        if (packet[0] >> 4 != 4) return DecodeOutcome.Malformed;
        if (packet.Length < IPv4MinHeader) return DecodeOutcome.Truncated;
        int headerLength = (packet[0] & 0x0F) * 4;
        if (headerLength < IPv4MinHeader) return DecodeOutcome.Malformed;
        if (packet.Length < headerLength) return DecodeOutcome.Truncated;
        int totalLength = BinaryPrimitives.ReadUInt16BigEndian(packet[IPv4TotalLength..]);
        if (totalLength < headerLength) return DecodeOutcome.Malformed;

        f.IPVersion = 4;
        f.Src = FlowAddress.FromIPv4(packet[IPv4Src..]);
        f.Dst = FlowAddress.FromIPv4(packet[IPv4Dst..]);
        f.Tos = packet[1];
        f.Ttl = packet[IPv4Ttl];
        f.Protocol = packet[IPv4Protocol];
        f.IpLength = totalLength;
        f.IpHeaderLength = headerLength;
        ushort fragment = BinaryPrimitives.ReadUInt16BigEndian(packet[IPv4Fragment..]);
        bool more = (fragment & 0x2000) != 0;
        int offset = (fragment & 0x1FFF) * 8;
        f.MoreFragments = more;
        f.FragmentOffset = offset;
        f.FragmentId = BinaryPrimitives.ReadUInt16BigEndian(packet[IPv4Id..]);
        f.IsFragment = more || offset != 0;
        f.IsFirstFragment = more && offset == 0;
        if (offset != 0) return DecodeOutcome.Decoded; // later fragments carry no transport header

        int end = Math.Min(totalLength, packet.Length);
        f.TrimmedTail += packet.Length - end;
        return DecodeTransport(f.Protocol, packet[headerLength..end], ref f);
    }

    private static DecodeOutcome DecodeIPv6(ReadOnlySpan<byte> packet, ref PacketFields f)
    {
        if (packet.Length < 1) return DecodeOutcome.Truncated;
        if (packet[0] >> 4 != 6) return DecodeOutcome.Malformed;
        if (packet.Length < IPv6Header) return DecodeOutcome.Truncated;
        int payloadLength = BinaryPrimitives.ReadUInt16BigEndian(packet[IPv6PayloadLength..]);
        f.IPVersion = 6;
        f.Src = FlowAddress.FromIPv6(packet[IPv6Src..]);
        f.Dst = FlowAddress.FromIPv6(packet[IPv6Dst..]);
        f.Tos = (byte)(((packet[0] & 0x0F) << 4) | (packet[1] >> 4));
        f.Ttl = packet[IPv6HopLimit];
        f.IpLength = IPv6Header + payloadLength;
        f.IpHeaderLength = IPv6Header;
        f.IsFragment = f.IsFirstFragment = f.MoreFragments = false;
        f.FragmentId = 0;
        f.FragmentOffset = 0;

        byte next = packet[IPv6NextHeader];
        var rest = payloadLength == 0 ? packet[IPv6Header..] : packet[IPv6Header..Math.Min(packet.Length, IPv6Header + payloadLength)];
        int trimmed = packet.Length - IPv6Header - rest.Length;
        for (int count = 0; ; count++)
        {
            if (next is not (Ipv6HopByHop or Ipv6Routing or Ipv6DestinationOptions or Ipv6Ah or Ipv6Fragment)) break;
            if (count >= MaxIPv6ExtensionHeaders) return DecodeOutcome.Malformed;
            if (next == Ipv6Fragment)
            {
                if (rest.Length < 8) return DecodeOutcome.Truncated;
                ushort field = BinaryPrimitives.ReadUInt16BigEndian(rest[2..]);
                int offset = field & 0xFFF8;
                bool more = (field & 1) != 0;
                if (offset != 0 || more)
                {
                    f.IsFragment = true;
                    f.MoreFragments = more;
                    f.FragmentOffset = offset;
                    f.IsFirstFragment = offset == 0;
                    f.FragmentId = BinaryPrimitives.ReadUInt32BigEndian(rest[4..]);
                }
                next = rest[0];
                rest = rest[8..];
                f.IpHeaderLength += 8;
                if (offset != 0)
                {
                    f.Protocol = next;
                    return DecodeOutcome.Decoded;
                }
                continue;
            }
            if (rest.Length < 2) return DecodeOutcome.Truncated;
            int length = next == Ipv6Ah ? (rest[1] + 2) * 4 : (rest[1] + 1) * 8;
            if (rest.Length < length) return DecodeOutcome.Truncated;
            if (next == Ipv6HopByHop && payloadLength == 0 && TryReadJumboLength(rest[2..length], out uint jumbo))
                f.IpLength = (int)Math.Min(int.MaxValue, (long)IPv6Header + jumbo);
            next = rest[0];
            rest = rest[length..];
            // Headers after a fragment header belong to the fragmented payload (offsets count from there).
            if (!f.IsFragment) f.IpHeaderLength += length;
        }
        f.Protocol = next;
        f.TrimmedTail += trimmed;
        return DecodeTransport(next, rest, ref f);
    }

    private static bool TryReadJumboLength(ReadOnlySpan<byte> options, out uint length)
    {
        while (options.Length > 0)
        {
            if (options[0] == 0) { options = options[1..]; continue; } // Pad1
            if (options.Length < 2 || options.Length < 2 + options[1]) break;
            if (options[0] == 0xC2 && options[1] == 4)
            {
                length = BinaryPrimitives.ReadUInt32BigEndian(options[2..]);
                return true;
            }
            options = options[(2 + options[1])..];
        }
        length = 0;
        return false;
    }

    // ---- transport and tunnels -------------------------------------------------------------------

    private static DecodeOutcome DecodeTransport(byte protocol, ReadOnlySpan<byte> segment, ref PacketFields f)
    {
        switch (protocol)
        {
            case ProtoTcp:
                if (segment.Length < 4) return DecodeOutcome.Truncated;
                ReadPorts(segment, ref f);
                if (segment.Length < 14) return DecodeOutcome.Truncated;
                f.TcpFlags = (TcpFlags)segment[13];
                return DecodeOutcome.Decoded;
            case ProtoUdp:
                if (segment.Length < 4) return DecodeOutcome.Truncated;
                ReadPorts(segment, ref f);
                f.TransportLength = segment.Length;
                if (!f.IsFragment && f.TunnelDepth < MaxTunnelDepth && segment.Length > UdpHeader && IsUdpTunnel(f.SrcPort, f.DstPort))
                    DescendUdpTunnel(f.SrcPort, f.DstPort, segment[UdpHeader..], ref f);
                return DecodeOutcome.Decoded;
            case ProtoUdpLite:
            case ProtoSctp:
            case ProtoDccp:
                if (segment.Length < 4) return DecodeOutcome.Truncated;
                ReadPorts(segment, ref f);
                return DecodeOutcome.Decoded;
            case ProtoIcmp:
            case ProtoIcmpV6:
                if (segment.Length < 2) return DecodeOutcome.Truncated;
                f.SrcPort = 0;
                f.DstPort = (ushort)((segment[0] << 8) | segment[1]);
                f.HasPorts = true;
                return DecodeOutcome.Decoded;
            case ProtoIPv4:
            case ProtoIPv6:
            case ProtoGre:
                if (!f.IsFragment && f.TunnelDepth < MaxTunnelDepth) DescendTunnel(protocol, segment, ref f);
                return DecodeOutcome.Decoded;
            default:
                return DecodeOutcome.Decoded;
        }
    }

    private static void ReadPorts(ReadOnlySpan<byte> segment, ref PacketFields f)
    {
        f.SrcPort = BinaryPrimitives.ReadUInt16BigEndian(segment);
        f.DstPort = BinaryPrimitives.ReadUInt16BigEndian(segment[2..]);
        f.HasPorts = true;
    }

    /// <summary>
    /// Keys the flow on the tunnelled packet when it decodes, with the outermost IP header kept as the tunnel
    /// endpoints (nfpcapd's rule); otherwise the outer packet stays as it is, a port-less flow of the tunnel protocol.
    /// </summary>
    private static void DescendTunnel(byte protocol, ReadOnlySpan<byte> payload, ref PacketFields f)
    {
        var inner = EnterTunnel(f, protocol);
        var outcome = protocol switch
        {
            ProtoIPv4 => DecodeIPv4(payload, ref inner),
            ProtoIPv6 => DecodeIPv6(payload, ref inner),
            _ => DecodeGre(payload, ref inner),
        };
        if (outcome == DecodeOutcome.Decoded) f = inner;
    }

    /// <summary>
    /// The fields an inner packet starts from: the outer ones, with the outermost tunnel's endpoints and protocol kept
    /// (set here when this is the first tunnel), one level deeper, and no ports or TCP flags yet.
    /// </summary>
    private static PacketFields EnterTunnel(in PacketFields outer, byte protocol)
    {
        var inner = outer;
        if (inner.TunnelProtocol == 0)
        {
            inner.TunnelSrc = outer.Src;
            inner.TunnelDst = outer.Dst;
            inner.TunnelProtocol = protocol;
        }
        inner.TunnelDepth++;
        inner.SrcPort = inner.DstPort = 0;
        inner.HasPorts = false;
        inner.TcpFlags = TcpFlags.None;
        return inner;
    }

    // UDP tunnels, by their IANA ports: VXLAN (RFC 7348), Geneve (RFC 8926), GTP-U (3GPP TS 29.281), Teredo (RFC 4380), AYIYA.
    private const int UdpHeader = 8;
    private const ushort PortVxlan = 4789, PortGeneve = 6081, PortGtpU = 2152, PortTeredo = 3544, PortAyiya = 5072;
    private const ushort EtherTypeTransparentBridging = 0x6558;

    private static bool IsUdpTunnel(ushort src, ushort dst) =>
        dst is PortVxlan or PortGeneve or PortGtpU or PortTeredo or PortAyiya || src is PortTeredo or PortGtpU or PortAyiya;

    /// <summary>
    /// A UDP tunnel is descended like GRE: the inner packet keys the flow when it decodes, the outer addresses become the
    /// tunnel endpoints and <see cref="DecodedPacket.TunnelProtocol"/> is 17; a payload that is not the tunnel's (wrong flags,
    /// version or message type, or an inner packet that does not decode) leaves the outer UDP flow as it is.
    /// </summary>
    private static void DescendUdpTunnel(ushort srcPort, ushort dstPort, ReadOnlySpan<byte> payload, ref PacketFields f)
    {
        var inner = EnterTunnel(f, ProtoUdp);
        var outcome = dstPort switch
        {
            PortVxlan => DecodeVxlan(payload, ref inner),
            PortGeneve => DecodeGeneve(payload, ref inner),
            PortGtpU => DecodeGtpU(payload, ref inner),
            PortAyiya => DecodeAyiya(payload, ref inner),
            PortTeredo => DecodeTeredo(payload, ref inner),
            _ => srcPort switch
            {
                PortGtpU => DecodeGtpU(payload, ref inner),
                PortAyiya => DecodeAyiya(payload, ref inner),
                _ => DecodeTeredo(payload, ref inner),
            },
        };
        if (outcome == DecodeOutcome.Decoded) f = inner;
    }

    private static DecodeOutcome DecodeVxlan(ReadOnlySpan<byte> v, ref PacketFields f)
    {
        // flags(8: I = 0x08) reserved(24) VNI(24) reserved(8), then an Ethernet frame.
        if (v.Length < 8) return DecodeOutcome.Truncated;
        if ((v[0] & 0x08) == 0) return DecodeOutcome.NotIp;
        return DecodeEthernet(v[8..], ref f);
    }

    private static DecodeOutcome DecodeGeneve(ReadOnlySpan<byte> g, ref PacketFields f)
    {
        // ver(2) optlen(6, in 4-byte words) O C rsvd(6) protocol(16) VNI(24) rsvd(8), options.
        if (g.Length < 8) return DecodeOutcome.Truncated;
        if (g[0] >> 6 != 0) return DecodeOutcome.NotIp;
        int header = 8 + (g[0] & 0x3F) * 4;
        if (g.Length < header) return DecodeOutcome.Truncated;
        ushort protocol = BinaryPrimitives.ReadUInt16BigEndian(g[2..]);
        return protocol == EtherTypeTransparentBridging ? DecodeEthernet(g[header..], ref f) : DecodeEtherType(protocol, g[header..], ref f);
    }

    private static DecodeOutcome DecodeGtpU(ReadOnlySpan<byte> g, ref PacketFields f)
    {
        // version 1, PT = 1, message type 255 (G-PDU); E/S/PN add 4 bytes and E chains extension headers (length in 4-byte units).
        if (g.Length < 8) return DecodeOutcome.Truncated;
        if (g[0] >> 5 != 1 || (g[0] & 0x10) == 0 || g[1] != 0xFF) return DecodeOutcome.NotIp;
        int header = 8;
        if ((g[0] & 0x07) != 0)
        {
            header = 12;
            if (g.Length < header) return DecodeOutcome.Truncated;
            byte next = (g[0] & 0x04) != 0 ? g[11] : (byte)0;
            for (int n = 0; next != 0; n++)
            {
                if (n >= 16 || g.Length <= header) return DecodeOutcome.Truncated;
                int length = g[header] * 4;
                if (length == 0 || g.Length < header + length) return DecodeOutcome.Truncated;
                next = g[header + length - 1];
                header += length;
            }
        }
        return DecodeIpByVersion(g[header..], ref f);
    }

    private static DecodeOutcome DecodeTeredo(ReadOnlySpan<byte> t, ref PacketFields f)
    {
        // Optional authentication (0x0001, id and auth lengths, nonce 8, confirmation 1) and origin indication (0x0000, 8 bytes), then IPv6.
        int at = 0;
        if (t.Length >= 4 && t[0] == 0 && t[1] == 1)
        {
            at = 4 + t[2] + t[3] + 9;
            if (t.Length < at) return DecodeOutcome.Truncated;
        }
        if (t.Length >= at + 2 && t[at] == 0 && t[at + 1] == 0) at += 8;
        if (t.Length <= at) return DecodeOutcome.Truncated;
        if (t[at] >> 4 != 6) return DecodeOutcome.NotIp;
        return DecodeIPv6(t[at..], ref f);
    }

    private static DecodeOutcome DecodeAyiya(ReadOnlySpan<byte> a, ref PacketFields f)
    {
        // idlen(4: identity is 2^idlen bytes) idtype(4) siglen(4: ×4 bytes) hash(4) auth(4) opcode(4: 1 = forward) next header(8) epoch(32).
        if (a.Length < 8) return DecodeOutcome.Truncated;
        if ((a[2] & 0x0F) != 1) return DecodeOutcome.NotIp;
        int header = 8 + (1 << (a[0] >> 4)) + (a[1] >> 4) * 4;
        if (a.Length < header) return DecodeOutcome.Truncated;
        return a[3] switch
        {
            ProtoIPv6 => DecodeIPv6(a[header..], ref f),
            ProtoIPv4 => DecodeIPv4(a[header..], ref f),
            _ => DecodeOutcome.NotIp,
        };
    }

    private static DecodeOutcome DecodeGre(ReadOnlySpan<byte> gre, ref PacketFields f)
    {
        if (gre.Length < GreMinHeader) return DecodeOutcome.Truncated;
        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(gre);
        ushort protocol = BinaryPrimitives.ReadUInt16BigEndian(gre[2..]);
        int version = flags & 0x0007;
        bool checksum = (flags & 0x8000) != 0, routing = (flags & 0x4000) != 0, key = (flags & 0x2000) != 0,
            sequence = (flags & 0x1000) != 0, ack = (flags & 0x0080) != 0;
        if (routing || version > 1) return DecodeOutcome.NotIp; // source routing (RFC 1701) is obsolete
        int header = GreMinHeader + (checksum ? 4 : 0) + (key ? 4 : 0) + (sequence ? 4 : 0) + (version == 1 && ack ? 4 : 0);
        if (gre.Length < header) return DecodeOutcome.Truncated;
        var payload = gre[header..];
        if (version == 1) // enhanced GRE (PPTP) carries PPP
            return protocol == EtherTypePpp ? DecodePpp(payload, ref f) : DecodeOutcome.NotIp;
        switch (protocol)
        {
            case EtherTypeErspan2:
                // ERSPAN type I has no header (and no sequence number); type II has an 8-byte header.
                if (!sequence) return DecodeEthernet(payload, ref f);
                if (payload.Length < Erspan2Header) return DecodeOutcome.Truncated;
                return DecodeEthernet(payload[Erspan2Header..], ref f);
            case EtherTypeErspan3:
                if (payload.Length < Erspan3Header) return DecodeOutcome.Truncated;
                int skip = Erspan3Header + ((payload[Erspan3Header - 1] & 0x01) != 0 ? Erspan3PlatformSubheader : 0);
                if (payload.Length < skip) return DecodeOutcome.Truncated;
                return DecodeEthernet(payload[skip..], ref f);
            default:
                return DecodeEtherType(protocol, payload, ref f);
        }
    }

    private static ulong ReadMac(ReadOnlySpan<byte> b) =>
        ((ulong)BinaryPrimitives.ReadUInt32BigEndian(b) << 16) | BinaryPrimitives.ReadUInt16BigEndian(b[4..]);
}
