using FlowForensics.Capture;
using FlowForensics.Capture.Decoding;
using FlowForensics.Flows;
using Xunit;
using static FlowForensics.Tests.Capture.Decoding.Frames;

namespace FlowForensics.Tests.Capture.Decoding;

public sealed class PacketDecoderTests
{
    private static readonly FlowAddress A = FlowAddress.FromIPv4(0x0A000001), B = FlowAddress.FromIPv4(0xC0A80102);

    private static DecodedPacket Decoded(LinkType link, byte[] frame)
    {
        Assert.Equal(DecodeOutcome.Decoded, PacketDecoder.Decode(link, frame, out var p));
        return p;
    }

    private static FlowAddress Ip(string s) => FlowAddress.TryParse(s, out var a) ? a : throw new ArgumentException(s);

    [Fact]
    public void EthernetIPv4Tcp()
    {
        byte[] frame = Ethernet(0x0800, IPv4(6, "10.0.0.1", "192.168.1.2", Tcp(49152, 443, 0x12, payloadLength: 100), ttl: 57, tos: 0xB8));
        frame = Cat(frame, new byte[6]); // Ethernet trailer: not counted
        var p = Decoded(LinkType.Ethernet, frame);
        Assert.Equal(4, p.IPVersion);
        Assert.Equal(A, p.Src);
        Assert.Equal(B, p.Dst);
        Assert.Equal(6, p.Protocol);
        Assert.Equal(49152, p.SrcPort);
        Assert.Equal(443, p.DstPort);
        Assert.Equal(TcpFlags.Syn | TcpFlags.Ack, p.TcpFlags);
        Assert.Equal(140, p.IpLength);
        Assert.Equal(57, p.Ttl);
        Assert.Equal(0xB8, p.Tos);
        Assert.Equal(Frames.SrcMac, p.SrcMac);
        Assert.Equal(Frames.DstMac, p.DstMac);
        Assert.True(p.HasPorts);
        Assert.False(p.IsFragment);
        Assert.False(p.IsTunneled);
        Assert.Equal(0, p.Vlan);
        Assert.Equal(new FlowKey(A, B, 49152, 443, 6), p.ToFlowKey());
    }

    [Fact]
    public void SingleVlanTag()
    {
        var p = Decoded(LinkType.Ethernet, Ethernet(0x8100, Vlan(100, 0x0800, IPv4(17, "10.0.0.1", "192.168.1.2", Udp(53, 5353)))));
        Assert.Equal(100, p.Vlan);
        Assert.Equal(100, p.OuterVlan);
        Assert.Equal(1, p.VlanDepth);
        Assert.Equal(53, p.SrcPort);
    }

    [Theory]
    [InlineData(0x88A8)]
    [InlineData(0x8100)]
    [InlineData(0x9100)]
    public void QinQKeepsOuterAndInnerVlan(int outerType)
    {
        var frame = Ethernet(outerType, Vlan(10, 0x8100, Vlan(20, 0x8100, Vlan(30, 0x86DD, IPv6(17, "2001:db8::1", "2001:db8::2", Udp(1, 2))))));
        var p = Decoded(LinkType.Ethernet, frame);
        Assert.Equal(10, p.OuterVlan);
        Assert.Equal(30, p.Vlan);
        Assert.Equal(3, p.VlanDepth);
        Assert.Equal(Ip("2001:db8::2"), p.Dst);
    }

    [Fact]
    public void MplsStackToBottomThenIPv4AndIPv6ByNibble()
    {
        var v4 = Decoded(LinkType.Ethernet, Ethernet(0x8847, Mpls(1000, false, Mpls(2000, false, Mpls(3000, true, IPv4(6, "10.0.0.1", "192.168.1.2", Tcp(1, 2, 0x02)))))));
        Assert.Equal(3, v4.MplsDepth);
        Assert.Equal(1000u, v4.MplsTopLabel);
        Assert.Equal((1000u << 12) | 64, v4.MplsTopEntry);
        Assert.Equal(A, v4.Src);
        var v6 = Decoded(LinkType.Ethernet, Ethernet(0x8847, Mpls(77, true, IPv6(6, "::1", "::2", Tcp(1, 2, 0x02)))));
        Assert.Equal(6, v6.IPVersion);
        Assert.Equal(1, v6.MplsDepth);
        Assert.Equal(DecodeOutcome.Malformed, PacketDecoder.Decode(LinkType.Ethernet, Ethernet(0x8847, Mpls(77, true, [0x9F, 1, 2, 3])), out _));
    }

    [Fact]
    public void EthernetOverMplsWithControlWord()
    {
        var inner = Ethernet(0x0800, IPv4(6, "10.0.0.1", "192.168.1.2", Tcp(10985, 23, 0x10)));
        var p = Decoded(LinkType.Ethernet, Ethernet(0x8847, Mpls(300012, false, Mpls(17, true, Cat(new byte[4], inner)))));
        Assert.Equal(10985, p.SrcPort);
        Assert.Equal(2, p.MplsDepth);
    }

    [Fact]
    public void PppoeSession()
    {
        byte[] ppp = Cat([0x11, 0x00], U16(0x0F07), U16(0), U16(0x0057), IPv6(17, "2001:db8::1", "2001:db8::2", Udp(546, 547)));
        var p = Decoded(LinkType.Ethernet, Ethernet(0x8100, Vlan(3704, 0x8864, ppp)));
        Assert.Equal(546, p.SrcPort);
        Assert.Equal(3704, p.Vlan);
        byte[] lcp = Cat([0x11, 0x00], U16(1), U16(0), U16(0xC021), new byte[10]);
        Assert.Equal(DecodeOutcome.NotIp, PacketDecoder.Decode(LinkType.Ethernet, Ethernet(0x8864, lcp), out _));
    }

    [Fact]
    public void LinuxCookedV1AndV2()
    {
        byte[] ip = IPv4(17, "10.0.0.1", "192.168.1.2", Udp(123, 123));
        byte[] sll = Cat(U16(0), U16(1), U16(6), Mac(Frames.SrcMac), [0, 0], U16(0x0800), ip);
        var p1 = Decoded(LinkType.LinuxSll, sll);
        Assert.Equal(123, p1.DstPort);
        Assert.Equal(Frames.SrcMac, p1.SrcMac);
        Assert.Equal(0ul, p1.DstMac);
        byte[] sll2 = Cat(U16(0x0800), U16(0), U32(3), U16(1), [0, 6], Mac(Frames.SrcMac), [0, 0], ip);
        var p2 = Decoded(LinkType.LinuxSll2, sll2);
        Assert.Equal(A, p2.Src);
        Assert.Equal(Frames.SrcMac, p2.SrcMac);
        byte[] arp = Cat(U16(0), U16(1), U16(6), Mac(Frames.SrcMac), [0, 0], U16(0x0806), new byte[28]);
        Assert.Equal(DecodeOutcome.NotIp, PacketDecoder.Decode(LinkType.LinuxSll, arp, out _));
    }

    [Theory]
    [InlineData(LinkType.Null, new byte[] { 2, 0, 0, 0 }, 4)]
    [InlineData(LinkType.Null, new byte[] { 0, 0, 0, 2 }, 4)]
    [InlineData(LinkType.Loop, new byte[] { 0, 0, 0, 2 }, 4)]
    [InlineData(LinkType.Null, new byte[] { 24, 0, 0, 0 }, 6)]
    [InlineData(LinkType.Null, new byte[] { 28, 0, 0, 0 }, 6)]
    [InlineData(LinkType.Loop, new byte[] { 0, 0, 0, 30 }, 6)]
    [InlineData(LinkType.Null, new byte[] { 0, 0, 0, 24 }, 6)]
    public void BsdLoopbackFamiliesInEitherByteOrder(LinkType link, byte[] family, int version)
    {
        byte[] ip = version == 4 ? IPv4(6, "127.0.0.1", "127.0.0.1", Tcp(1, 3389, 2)) : IPv6(6, "::1", "::1", Tcp(1, 3389, 2));
        var p = Decoded(link, Cat(family, ip));
        Assert.Equal(version, p.IPVersion);
        Assert.Equal(3389, p.DstPort);
        Assert.Equal(DecodeOutcome.NotIp, PacketDecoder.Decode(link, Cat([7, 0, 0, 0], ip), out _));
    }

    [Fact]
    public void PppHdlcAndRawLinks()
    {
        byte[] ip = IPv4(17, "10.0.0.1", "192.168.1.2", Udp(5, 6));
        Assert.Equal(6, Decoded(LinkType.Ppp, Cat([0xFF, 0x03, 0x00, 0x21], ip)).DstPort);
        Assert.Equal(6, Decoded(LinkType.Ppp, Cat([0x00, 0x21], ip)).DstPort);
        Assert.Equal(6, Decoded(LinkType.Ppp, Cat([0x21], ip)).DstPort); // protocol field compression
        Assert.Equal(6, Decoded(LinkType.PppSerial, Cat([0xFF, 0x03, 0x00, 0x21], ip)).DstPort);
        Assert.Equal(6, Decoded(LinkType.Ppp, Cat([0xFF, 0x03, 0x02, 0x81], Mpls(5, true, ip))).DstPort);
        Assert.Equal(6, Decoded(LinkType.CiscoHdlc, Cat([0x0F, 0x00, 0x08, 0x00], ip)).DstPort);
        Assert.Equal(DecodeOutcome.NotIp, PacketDecoder.Decode(LinkType.CiscoHdlc, Cat([0x8F, 0x00, 0x80, 0x35], new byte[20]), out _));
        Assert.Equal(6, Decoded(LinkType.Raw, ip).DstPort);
        Assert.Equal(6, Decoded(LinkType.IPv4, ip).DstPort);
        Assert.Equal(6, Decoded(LinkType.Raw, IPv6(17, "::1", "::2", Udp(5, 6))).DstPort);
        Assert.Equal(6, Decoded(LinkType.IPv6, IPv6(17, "::1", "::2", Udp(5, 6))).DstPort);
        Assert.Equal(DecodeOutcome.Malformed, PacketDecoder.Decode(LinkType.IPv4, IPv6(17, "::1", "::2", Udp(5, 6)), out _));
        Assert.Equal(DecodeOutcome.Malformed, PacketDecoder.Decode(LinkType.IPv6, ip, out _));
        Assert.Equal(LinkType.Raw, LinkTypes.FromFileValue(12));
        Assert.Equal(LinkType.Raw, LinkTypes.FromFileValue(14));
        Assert.Equal(LinkType.Ethernet, LinkTypes.FromFileValue(0x1000_0001)); // FCS bits ignored
    }

    [Fact]
    public void NflogPayloadTlv()
    {
        byte[] ip = IPv4(6, "10.0.0.1", "192.168.1.2", Tcp(49762, 80, 0x02));
        byte[] prefix = [8, 0, 10, 0, 0x41, 0x42, 0x43, 0x00]; // a prefix TLV (type 10), 8 bytes
        byte[] payload = Cat([(byte)(4 + ip.Length), (byte)((4 + ip.Length) >> 8), 9, 0], ip);
        var p = Decoded(LinkType.Nflog, Cat([2, 0, 0, 42], prefix, payload));
        Assert.Equal(80, p.DstPort);
        Assert.Equal(DecodeOutcome.NotIp, PacketDecoder.Decode(LinkType.Nflog, Cat([2, 0, 0, 42], prefix), out _));
    }

    [Fact]
    public void IPv4OptionsAreSkipped()
    {
        var p = Decoded(LinkType.Raw, IPv4(6, "10.0.0.1", "192.168.1.2", Tcp(7, 8, 0x01), options: [0x94, 0x04, 0, 0, 1, 1, 1, 0]));
        Assert.Equal(7, p.SrcPort);
        Assert.Equal(TcpFlags.Fin, p.TcpFlags);
        Assert.Equal(48, p.IpLength);
    }

    [Fact]
    public void IPv4FragmentsOnlyTheFirstCarriesPorts()
    {
        var first = Decoded(LinkType.Raw, IPv4(17, "10.0.0.1", "192.168.1.2", Udp(53, 1024, 100), id: 77, fragment: 0x2000));
        Assert.True(first.IsFragment);
        Assert.True(first.IsFirstFragment);
        Assert.True(first.MoreFragments);
        Assert.True(first.HasPorts);
        Assert.Equal(53, first.SrcPort);
        Assert.Equal(77u, first.FragmentId);
        var later = Decoded(LinkType.Raw, IPv4(17, "10.0.0.1", "192.168.1.2", new byte[40], id: 77, fragment: 185));
        Assert.True(later.IsFragment);
        Assert.False(later.IsFirstFragment);
        Assert.False(later.MoreFragments);
        Assert.False(later.HasPorts);
        Assert.Equal(0, later.SrcPort);
        Assert.Equal(1480, later.FragmentOffset);
        Assert.Equal(17, later.Protocol);
        Assert.Equal(60, later.IpLength);
    }

    [Fact]
    public void IPv6ExtensionHeadersAreFollowed()
    {
        byte[] chain = Extension(43, Extension(60, Extension(51, AuthenticationHeader(6, Tcp(22, 50000, 0x18)))));
        var p = Decoded(LinkType.Ethernet, Ethernet(0x86DD, IPv6(0, "2001:db8::1", "2001:db8::2", chain, hopLimit: 9, trafficClass: 0x28)));
        Assert.Equal(6, p.Protocol);
        Assert.Equal(22, p.SrcPort);
        Assert.Equal(TcpFlags.Psh | TcpFlags.Ack, p.TcpFlags);
        Assert.Equal(40 + chain.Length, p.IpLength);
        Assert.Equal(9, p.Ttl);
        Assert.Equal(0x28, p.Tos);
    }

    [Fact]
    public void IPv6Fragments()
    {
        var first = Decoded(LinkType.Raw, IPv6(44, "::1", "::2", FragmentHeader(17, 0, true, 0xABCDEF, Udp(53, 9999, 50))));
        Assert.True(first.IsFragment && first.IsFirstFragment && first.HasPorts);
        Assert.Equal(0xABCDEFu, first.FragmentId);
        Assert.Equal(9999, first.DstPort);
        var later = Decoded(LinkType.Raw, IPv6(44, "::1", "::2", FragmentHeader(17, 1232, false, 0xABCDEF, new byte[30])));
        Assert.True(later.IsFragment);
        Assert.False(later.HasPorts);
        Assert.Equal(17, later.Protocol);
        Assert.Equal(1232, later.FragmentOffset);
        var atomic = Decoded(LinkType.Raw, IPv6(44, "::1", "::2", FragmentHeader(6, 0, false, 5, Tcp(80, 1234, 0x11))));
        Assert.False(atomic.IsFragment);
        Assert.Equal(80, atomic.SrcPort);
    }

    [Theory]
    [InlineData(false, 8, 0, 0x0800)]
    [InlineData(false, 3, 3, 0x0303)]
    [InlineData(false, 11, 0, 0x0B00)]
    [InlineData(true, 128, 0, 0x8000)]
    [InlineData(true, 135, 0, 0x8700)]
    public void IcmpTypeAndCodeBecomeTheDestinationPort(bool v6, byte type, byte code, int port)
    {
        byte[] frame = v6 ? IPv6(58, "::1", "::2", Icmp(type, code)) : IPv4(1, "10.0.0.1", "192.168.1.2", Icmp(type, code));
        var p = Decoded(LinkType.Raw, frame);
        Assert.Equal(0, p.SrcPort);
        Assert.Equal(port, p.DstPort);
        Assert.True(p.HasPorts);
    }

    [Theory]
    [InlineData(132)]
    [InlineData(136)]
    [InlineData(33)]
    public void PortBearingProtocols(byte protocol)
    {
        var p = Decoded(LinkType.Raw, IPv4(protocol, "10.0.0.1", "192.168.1.2", Cat(U16(2905), U16(2906), new byte[8])));
        Assert.Equal(2905, p.SrcPort);
        Assert.Equal(2906, p.DstPort);
    }

    [Theory]
    [InlineData(50)]
    [InlineData(89)]
    [InlineData(112)]
    public void OtherProtocolsArePortless(byte protocol)
    {
        var p = Decoded(LinkType.Raw, IPv4(protocol, "10.0.0.1", "192.168.1.2", new byte[24]));
        Assert.Equal(protocol, p.Protocol);
        Assert.False(p.HasPorts);
        Assert.Equal(0, p.SrcPort | p.DstPort);
    }

    [Theory]
    [InlineData("plain", 0x0000, 0)]
    [InlineData("key", 0x2000, 4)]
    [InlineData("checksum", 0x8000, 4)]
    [InlineData("sequence", 0x1000, 4)]
    [InlineData("checksum key sequence", 0xB000, 12)]
    public void GreCarryingIPv4IsKeyedOnTheInnerPacket(string why, int flags, int extra)
    {
        byte[] inner = IPv4(17, "10.0.0.1", "192.168.1.2", Udp(1000, 2000));
        byte[] gre = Cat(U16(flags), U16(0x0800), new byte[extra], inner);
        var p = Decoded(LinkType.Ethernet, Ethernet(0x0800, IPv4(47, "172.16.0.1", "172.16.0.2", gre)));
        Assert.True(p.IsTunneled, why);
        Assert.Equal(A, p.Src);
        Assert.Equal(2000, p.DstPort);
        Assert.Equal(17, p.Protocol);
        Assert.Equal(inner.Length, p.IpLength);
        Assert.Equal(Ip("172.16.0.1"), p.TunnelSrc);
        Assert.Equal(Ip("172.16.0.2"), p.TunnelDst);
        Assert.Equal(47, p.TunnelProtocol);
    }

    [Fact]
    public void GreVariants()
    {
        byte[] inner6 = IPv6(6, "2001:db8::2", "2001:db8::1", Tcp(18716, 23, 0x18));
        var v6 = Decoded(LinkType.Raw, IPv4(47, "172.16.0.1", "172.16.0.2", Cat(U16(0), U16(0x86DD), inner6)));
        Assert.Equal(6, v6.IPVersion);
        Assert.Equal(23, v6.DstPort);

        byte[] eth = Ethernet(0x0800, IPv4(6, "10.0.0.1", "192.168.1.2", Tcp(1, 2, 2)));
        var teb = Decoded(LinkType.Raw, IPv4(47, "172.16.0.1", "172.16.0.2", Cat(U16(0x2000), U16(0x6558), U32(99), eth)));
        Assert.Equal(A, teb.Src);
        Assert.Equal(47, teb.TunnelProtocol);

        byte[] pptp = Cat(U16(0x3001), U16(0x880B), U16(40), U16(7), U32(1), [0xFF, 0x03, 0x00, 0x21], IPv4(17, "10.0.0.1", "192.168.1.2", Udp(3, 4)));
        var v1 = Decoded(LinkType.Raw, IPv4(47, "172.16.0.1", "172.16.0.2", pptp));
        Assert.Equal(4, v1.DstPort);

        byte[] erspan2 = Cat(U16(0x1000), U16(0x88BE), U32(1), new byte[8], eth);
        Assert.Equal(A, Decoded(LinkType.Raw, IPv4(47, "172.16.0.1", "172.16.0.2", erspan2)).Src);
        byte[] erspan3 = Cat(U16(0x1000), U16(0x22EB), U32(1), new byte[11], [0x01], new byte[8], eth);
        Assert.Equal(A, Decoded(LinkType.Raw, IPv4(47, "172.16.0.1", "172.16.0.2", erspan3)).Src);

        // Unknown payload or cut inner packet: the GRE packet itself is the (port-less) flow.
        var unknown = Decoded(LinkType.Raw, IPv4(47, "172.16.0.1", "172.16.0.2", Cat(U16(0), U16(0x88CC), new byte[30])));
        Assert.False(unknown.IsTunneled);
        Assert.Equal(47, unknown.Protocol);
        Assert.Equal(Ip("172.16.0.1"), unknown.Src);
        var cut = Decoded(LinkType.Raw, IPv4(47, "172.16.0.1", "172.16.0.2", Cat(U16(0), U16(0x0800), new byte[10])));
        Assert.False(cut.IsTunneled);
        Assert.Equal(47, cut.Protocol);
    }

    private static byte[] UdpWith(int srcPort, int dstPort, byte[] payload) => Cat(U16(srcPort), U16(dstPort), U16(8 + payload.Length), U16(0), payload);

    [Fact]
    public void UdpTunnelsAreKeyedOnTheInnerPacketWithTheOuterEndpointsKept()
    {
        byte[] innerIp = IPv4(6, "10.0.0.1", "192.168.1.2", Tcp(40000, 443, 0x02));
        byte[] innerEth = Ethernet(0x0800, innerIp);
        byte[] inner6 = IPv6(17, "2001:db8::1", "2001:db8::2", Udp(5353, 53));
        var cases = new (string Why, byte[] Udp, byte[] Inner)[]
        {
            ("VXLAN", UdpWith(51000, 4789, Cat([0x08, 0, 0, 0], [0, 0, 42, 0], innerEth)), innerIp),
            ("Geneve, Ethernet, 8 bytes of options", UdpWith(51000, 6081, Cat([0x02, 0, 0x65, 0x58], [0, 0, 42, 0], new byte[8], innerEth)), innerIp),
            ("Geneve, IPv4 directly", UdpWith(51000, 6081, Cat([0, 0, 0x08, 0x00], [0, 0, 42, 0], innerIp)), innerIp),
            ("GTP-U G-PDU", UdpWith(2152, 2152, Cat([0x30, 0xFF], U16(innerIp.Length), U32(7), innerIp)), innerIp),
            ("GTP-U with sequence and a PDU-session extension header", UdpWith(2152, 2152,
                Cat([0x36, 0xFF], U16(innerIp.Length + 12), U32(7), [0, 1, 0, 0x85], [1, 0x10, 0x09, 0], innerIp)), innerIp),
            ("Teredo", UdpWith(3544, 50000, inner6), inner6),
            ("Teredo with origin indication", UdpWith(50000, 3544, Cat([0, 0, 0xF2, 0x27], U32(0x3FA8FEFE), inner6)), inner6),
            ("AYIYA, 16-byte identity, 20-byte signature", UdpWith(50000, 5072, Cat([0x41, 0x52, 0x11, 41], U32(1), new byte[16], new byte[20], inner6)), inner6),
        };
        foreach (var (why, udp, inner) in cases)
        {
            var p = Decoded(LinkType.Ethernet, Ethernet(0x0800, IPv4(17, "172.16.0.1", "172.16.0.2", udp)));
            Assert.True(p.IsTunneled, why);
            Assert.Equal(17, p.TunnelProtocol);
            Assert.Equal(Ip("172.16.0.1"), p.TunnelSrc);
            Assert.Equal(Ip("172.16.0.2"), p.TunnelDst);
            Assert.Equal(inner.Length, p.IpLength);
            if (inner == innerIp) Assert.Equal((A, 443, 6), (p.Src, (int)p.DstPort, (int)p.Protocol));
            else Assert.Equal((Ip("2001:db8::1"), 53), (p.Src, (int)p.DstPort));
        }
    }

    [Fact]
    public void UdpOnATunnelPortThatIsNotTheTunnelStaysTheOuterFlow()
    {
        // VXLAN without the I flag, GTP-C-like message type, Teredo port carrying no IPv6, a cut GTP-U header: the outer UDP flow.
        foreach (var udp in new[]
        {
            UdpWith(51000, 4789, Cat([0, 0, 0, 0], new byte[4], new byte[40])),
            UdpWith(2152, 2152, Cat([0x30, 0x01], U16(4), U32(7), new byte[20])),
            UdpWith(3544, 50000, new byte[40]),
            UdpWith(2152, 2152, [0x34, 0xFF, 0, 4, 0, 0, 0, 7, 0, 0]),
        })
        {
            var p = Decoded(LinkType.Raw, IPv4(17, "172.16.0.1", "172.16.0.2", udp));
            Assert.False(p.IsTunneled);
            Assert.Equal(17, p.Protocol);
            Assert.Equal(Ip("172.16.0.1"), p.Src);
        }
    }

    [Theory]
    [InlineData("ndpi/vxlan.pcap", 12)]
    [InlineData("tcpdump/geneve.pcap", 8)]
    [InlineData("pcapplusplus/gtp-u.pcap", 102)]
    [InlineData("ndpi/ipv6_in_gtp.pcap", 2)]
    [InlineData("zeek/tunnels-Teredo.pcap", 4)]
    public void RealUdpTunnelCapturesAreDecapsulated(string file, int tunnelled)
    {
        // Flows keyed on inner packets (5-tuples of the inner headers, outer endpoints as tunnel fields), counted once per key.
        var keys = new HashSet<string>();
        using var source = CaptureFileReader.Open(SharedData.Path("data/pcap", file));
        while (source.TryReadPacket(out var packet))
            if (PacketDecoder.Decode(packet.LinkType, packet.Data, out var p) == DecodeOutcome.Decoded && p.IsTunneled && p.TunnelProtocol == 17)
                keys.Add($"{p.Src} {p.Dst} {p.SrcPort} {p.DstPort} {p.Protocol}");
        Assert.True(keys.Count > 0, file);
        Assert.True(keys.Count <= tunnelled, $"{file}: {keys.Count} inner keys");
    }

    [Fact]
    public void IpInIpAndIPv6InIPv4()
    {
        var p4 = Decoded(LinkType.Raw, IPv4(4, "1.2.3.4", "5.6.7.8", IPv4(17, "10.0.0.1", "192.168.1.2", Udp(30000, 13000))));
        Assert.Equal(A, p4.Src);
        Assert.Equal(13000, p4.DstPort);
        Assert.Equal(Ip("1.2.3.4"), p4.TunnelSrc);
        Assert.Equal(4, p4.TunnelProtocol);
        var p6 = Decoded(LinkType.Raw, IPv4(41, "1.2.3.4", "5.6.7.8", IPv6(17, "dead::beef", "cafe::babe", Udp(30000, 13000))));
        Assert.Equal(Ip("dead::beef"), p6.Src);
        Assert.Equal(41, p6.TunnelProtocol);
        // A fragmented tunnel packet is not descended.
        var frag = Decoded(LinkType.Raw, IPv4(4, "1.2.3.4", "5.6.7.8", IPv4(17, "10.0.0.1", "192.168.1.2", Udp(1, 2)), fragment: 0x2000));
        Assert.False(frag.IsTunneled);
        Assert.Equal(4, frag.Protocol);
    }

    [Fact]
    public void NestedTunnelsKeepTheOutermostEndpointsAndStopAtTheDepthLimit()
    {
        byte[] packet = IPv4(17, "10.0.0.1", "192.168.1.2", Udp(1, 2));
        for (int depth = 1; depth <= PacketDecoder.MaxTunnelDepth + 2; depth++)
            packet = IPv4(4, $"1.1.1.{depth}", $"2.2.2.{depth}", packet);
        var p = Decoded(LinkType.Raw, packet);
        Assert.Equal(Ip($"1.1.1.{PacketDecoder.MaxTunnelDepth + 2}"), p.TunnelSrc);
        Assert.Equal(Ip($"1.1.1.{2}"), p.Src); // keyed at depth MaxTunnelDepth: the header that wraps two more
        Assert.Equal(4, p.Protocol);
    }

    [Fact]
    public void EncapsulationLayersAreBounded()
    {
        byte[] payload = IPv4(17, "10.0.0.1", "192.168.1.2", Udp(1, 2));
        byte[] tags = payload;
        int type = 0x0800;
        for (int i = 0; i < PacketDecoder.MaxLayers; i++)
        {
            tags = Vlan(i + 1, type, tags);
            type = 0x8100;
        }
        Assert.Equal(DecodeOutcome.Malformed, PacketDecoder.Decode(LinkType.Ethernet, Ethernet(0x8100, tags), out _));
        byte[] fewer = Vlan(1, 0x8100, Vlan(2, 0x0800, payload));
        Assert.Equal(DecodeOutcome.Decoded, PacketDecoder.Decode(LinkType.Ethernet, Ethernet(0x8100, fewer), out _));

        byte[] labels = payload;
        for (int i = 0; i <= PacketDecoder.MaxLayers; i++) labels = Mpls((uint)i, i == 0, labels);
        Assert.Equal(DecodeOutcome.Malformed, PacketDecoder.Decode(LinkType.Ethernet, Ethernet(0x8847, labels), out _));
    }

    [Fact]
    public void IPv6ExtensionHeadersAreBounded()
    {
        byte[] chain = Udp(1, 2);
        byte next = 17;
        for (int i = 0; i <= PacketDecoder.MaxIPv6ExtensionHeaders; i++)
        {
            chain = Extension(next, chain);
            next = 60;
        }
        Assert.Equal(DecodeOutcome.Malformed, PacketDecoder.Decode(LinkType.Raw, IPv6(60, "::1", "::2", chain), out _));
        Assert.Equal(DecodeOutcome.Decoded, PacketDecoder.Decode(LinkType.Raw, IPv6(60, "::1", "::2", Extension(17, Udp(1, 2))), out _));
    }

    [Fact]
    public void NonIpFramesAndUnknownLinks()
    {
        Assert.Equal(DecodeOutcome.NotIp, PacketDecoder.Decode(LinkType.Ethernet, Ethernet(0x0806, new byte[28]), out _));
        Assert.Equal(DecodeOutcome.NotIp, PacketDecoder.Decode(LinkType.Ethernet, Ethernet(0x88CC, new byte[40]), out _));
        Assert.Equal(DecodeOutcome.NotIp, PacketDecoder.Decode(LinkType.Ethernet, Ethernet(38, [0x42, 0x42, 0x03, 0, 0, 0, 0, 0]), out _));
        var snap = Ethernet(50, Cat([0xAA, 0xAA, 0x03, 0, 0, 0, 0x08, 0x00], IPv4(17, "10.0.0.1", "192.168.1.2", Udp(1, 2))));
        Assert.Equal(DecodeOutcome.Decoded, PacketDecoder.Decode(LinkType.Ethernet, snap, out _));
        Assert.Equal(DecodeOutcome.UnsupportedLinkType, PacketDecoder.Decode((LinkType)253, new byte[40], out _));
        Assert.False(PacketDecoder.IsSupported((LinkType)253));
        Assert.True(PacketDecoder.IsSupported(LinkType.LinuxSll2));
    }

    [Fact]
    public void MalformedIPv4Headers()
    {
        byte[] good = IPv4(6, "10.0.0.1", "192.168.1.2", Tcp(1, 2, 2));
        byte[] shortIhl = (byte[])good.Clone();
        shortIhl[0] = 0x44;
        Assert.Equal(DecodeOutcome.Malformed, PacketDecoder.Decode(LinkType.Raw, shortIhl, out _));
        byte[] shortTotal = (byte[])good.Clone();
        shortTotal[2] = 0;
        shortTotal[3] = 10;
        Assert.Equal(DecodeOutcome.Malformed, PacketDecoder.Decode(LinkType.Raw, shortTotal, out _));
        byte[] longIhl = (byte[])good.Clone();
        longIhl[0] = 0x4F; // 60-byte header in a 40-byte packet
        Assert.Equal(DecodeOutcome.Truncated, PacketDecoder.Decode(LinkType.Raw, longIhl, out _));
    }

    public static TheoryData<string, LinkType, byte[], int> PrefixCases() => new()
    {
        // name, link, frame, shortest prefix that decodes
        { "ethernet ipv4 tcp", LinkType.Ethernet, Ethernet(0x0800, IPv4(6, "10.0.0.1", "192.168.1.2", Tcp(1, 2, 2))), 14 + 20 + 14 },
        { "vlan ipv6 udp", LinkType.Ethernet, Ethernet(0x8100, Vlan(5, 0x86DD, IPv6(17, "::1", "::2", Udp(1, 2)))), 18 + 40 + 4 },
        { "mpls ipv4 icmp", LinkType.Ethernet, Ethernet(0x8847, Mpls(5, true, IPv4(1, "10.0.0.1", "192.168.1.2", Icmp(8, 0)))), 18 + 20 + 2 },
        { "sll2 ipv6 ext", LinkType.LinuxSll2, Cat(U16(0x86DD), new byte[18], IPv6(0, "::1", "::2", Extension(6, Tcp(1, 2, 2)))), 20 + 40 + 8 + 14 },
        { "ipv4 options udp", LinkType.Raw, IPv4(17, "10.0.0.1", "192.168.1.2", Udp(1, 2), options: [1, 1, 1, 0]), 24 + 4 },
    };

    [Theory]
    [MemberData(nameof(PrefixCases))]
    public void EveryTruncatedPrefixIsTruncatedUntilTheNeededHeadersAreThere(string name, LinkType link, byte[] frame, int needed)
    {
        // The IP total length covers the whole packet, so a cut packet is what a snap length does.
        for (int length = 0; length <= frame.Length; length++)
        {
            var outcome = PacketDecoder.Decode(link, frame.AsSpan(0, length), out _);
            Assert.True(length >= needed ? outcome == DecodeOutcome.Decoded : outcome == DecodeOutcome.Truncated,
                $"{name}: prefix of {length} bytes gave {outcome}");
        }
    }

    [Fact]
    public void CountersCountEachOutcome()
    {
        var counters = new DecodeCounters();
        PacketDecoder.Decode(LinkType.Raw, IPv4(17, "10.0.0.1", "192.168.1.2", Udp(1, 2)), out _, counters);
        PacketDecoder.Decode(LinkType.Raw, [0x45, 0], out _, counters);
        PacketDecoder.Decode(LinkType.Raw, [0x75, 0], out _, counters);
        PacketDecoder.Decode(LinkType.Ethernet, Ethernet(0x0806, new byte[28]), out _, counters);
        PacketDecoder.Decode((LinkType)253, [], out _, counters);
        Assert.Equal(1, counters.Decoded);
        Assert.Equal(1, counters.Truncated);
        Assert.Equal(1, counters.Malformed);
        Assert.Equal(1, counters.NotIp);
        Assert.Equal(1, counters.UnsupportedLinkType);
        Assert.Equal(5, counters.Total);
        counters.Reset();
        Assert.Equal(0, counters.Total);
    }
}
