using System.Net;
using FlowForensics.Flows;
using FlowForensics.Synthesis;
using PacketDotNet;
using Xunit;

namespace FlowForensics.Tests.Synthesis;

public sealed class FrameCraftingTests
{
    [Fact]
    public void ChecksumMatchesTheRfc1071Example()
    {
        // RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2 (folded), checksum 220d.
        byte[] data = [0x00, 0x01, 0xF2, 0x03, 0xF4, 0xF5, 0xF6, 0xF7];
        Assert.Equal(0x220D, InternetChecksum.Compute(data));
        byte[] odd = [0x00, 0x01, 0xF2];
        Assert.Equal(0x0DFE, InternetChecksum.Compute(odd));   // 0001 + f200 = f201, complemented
    }

    [Fact]
    public void DnsNamesAreWrittenAsLengthPrefixedLabels()
    {
        var buffer = new byte[64];
        int n = DnsWire.WriteName(buffer, "www.example.com");
        // RFC 1035 §3.1: each label is a length octet followed by its ASCII octets ("www" = 77 77 77), then the root's 00.
        Assert.Equal("03777777076578616d706c6503636f6d00", Convert.ToHexString(buffer, 0, n).ToLowerInvariant());
        Assert.Throws<ArgumentException>(() => DnsWire.WriteName(new byte[128], new string('a', 64) + ".test"));
        Assert.Throws<ArgumentException>(() => DnsWire.WriteName(new byte[128], "a..test"));
    }

    [Fact]
    public void TxtRdataIsSplitIntoCharacterStringsOf255()
    {
        var buffer = new byte[600];
        int n = DnsWire.WriteTxtRdata(buffer, new string('x', 300));
        Assert.Equal(302, n);
        Assert.Equal(255, buffer[0]);
        Assert.Equal(45, buffer[256]);
    }

    [Fact]
    public void DnsResponseAnswersPointBackAtTheQuestion()
    {
        var buffer = new byte[256];
        int n = DnsWire.WriteResponse(buffer, 0x1234, "a.test", DnsType.A, 300, [192, 0, 2, 1], 2);
        string name = FrameInspector.DnsQuestionName(buffer.AsSpan(0, n), out ushort qtype, out int answers);
        Assert.Equal("a.test", name);
        Assert.Equal(1, qtype);
        Assert.Equal(2, answers);
        // header 12 + question (8 + 4) + 2 × (2 + 2 + 2 + 4 + 2 + 4)
        Assert.Equal(12 + 12 + 2 * 16, n);
        Assert.Equal(0xC0, buffer[24]);
        Assert.Equal(0x0C, buffer[25]);
    }

    [Fact]
    public void ShortFramesArePaddedAndTaggedFramesCarryTheVlan()
    {
        var world = new ScenarioWorld(new ScenarioOptions { InternalHosts = 4, VlanTagging = true }, new SimRandom(1));
        var tagged = world.Resolve(IPAddress.Parse("10.20.1.20"));
        var frame = new byte[FrameCrafter.MaxFrame];
        int n = FrameCrafter.Tcp(frame, tagged, world.External[0], false, 7, 50000, 443, 1, 2, TcpFlags.Ack, 1000, []);
        Assert.Equal(60, n);
        var d = FrameInspector.Decode(DateTime.UnixEpoch, frame[..n]);
        Assert.Equal(101, d.Vlan);
        Assert.True(d.ChecksumsValid);
        Assert.Null(d.Problem);
        Assert.Equal(FrameCrafter.GatewayMac, (ulong)frame[0] << 40 | (ulong)frame[1] << 32 | (ulong)frame[2] << 24 | (ulong)frame[3] << 16 | (ulong)frame[4] << 8 | frame[5]);
    }

    public static TheoryData<string> ScenarioNames => new() { "demo", "all-kinds" };

    private static Generated Pick(string name) => name == "demo" ? Scenarios.Demo : Scenarios.AllKindsScenario;

    [Theory]
    [MemberData(nameof(ScenarioNames))]
    public void EveryFrameHasValidChecksumsAndConsistentLengths(string scenario)
    {
        var g = Pick(scenario);
        Assert.NotEmpty(g.Decoded);
        foreach (var d in g.Decoded)
        {
            Assert.True(d.ChecksumsValid, $"bad checksum at {d.Time:O} {d.Src}>{d.Dst} proto {d.Protocol}");
            Assert.True(d.Problem is null, $"{d.Problem} at {d.Time:O} {d.Src}>{d.Dst}");
        }
    }

    private static bool Allowed(IPAddress a)
    {
        byte[] b = a.GetAddressBytes();
        if (b.Length == 16)
            return b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D && b[3] == 0xB8;
        return (b[0] == 10 && b[1] == 20) || (b[0] == 198 && (b[1] & 0xFE) == 18)
            || (b[0] == 192 && b[1] == 0 && b[2] == 2) || (b[0] == 198 && b[1] == 51 && b[2] == 100) || (b[0] == 203 && b[1] == 0 && b[2] == 113);
    }

    [Theory]
    [MemberData(nameof(ScenarioNames))]
    public void OnlyInternalAndDocumentationAddressesAppear(string scenario)
    {
        foreach (var d in Pick(scenario).Decoded)
            Assert.True(Allowed(d.Src) && Allowed(d.Dst), $"{d.Src} > {d.Dst}");
    }

    [Theory]
    [MemberData(nameof(ScenarioNames))]
    public void PacketDotNetParsesEveryFrameAsIntended(string scenario)
    {
        var g = Pick(scenario);
        int tcp = 0, udp = 0, icmp = 0, icmp6 = 0, v6 = 0, tagged = 0;
        for (int i = 0; i < g.Frames.Count; i++)
        {
            var d = g.Decoded[i];
            var packet = Packet.ParsePacket(LinkLayers.Ethernet, g.Frames[i].Frame);
            var ip = packet.Extract<IPPacket>();
            Assert.NotNull(ip);
            Assert.Equal(d.Src, ip.SourceAddress);
            Assert.Equal(d.Dst, ip.DestinationAddress);
            Assert.Equal(d.Protocol, (byte)ip.Protocol);
            if (d.Vlan != 0)
            {
                Assert.Equal(d.Vlan, packet.Extract<Ieee8021QPacket>()!.VlanIdentifier);
                tagged++;
            }
            if (d.V6)
                v6++;
            switch (d.Protocol)
            {
                case 6:
                    var t = packet.Extract<TcpPacket>();
                    Assert.NotNull(t);
                    Assert.Equal(d.SrcPort, t.SourcePort);
                    Assert.Equal(d.DstPort, t.DestinationPort);
                    Assert.Equal(d.Flags, (byte)t.Flags);
                    Assert.Equal(d.Seq, t.SequenceNumber);
                    Assert.Equal(d.PayloadLength, t.PayloadData?.Length ?? 0);
                    tcp++;
                    break;
                case 17:
                    var u = packet.Extract<UdpPacket>();
                    Assert.NotNull(u);
                    Assert.Equal(d.DstPort, u.DestinationPort);
                    Assert.Equal(d.PayloadLength + 8, u.Length);
                    udp++;
                    break;
                case 1:
                    var m = packet.Extract<IcmpV4Packet>();
                    Assert.NotNull(m);
                    Assert.True(m.ValidIcmpChecksum);
                    icmp++;
                    break;
                case 58:
                    var m6 = packet.Extract<IcmpV6Packet>();
                    Assert.NotNull(m6);
                    Assert.Equal(d.IcmpType, (byte)m6.Type);
                    icmp6++;
                    break;
                default:
                    Assert.Fail("unexpected protocol " + d.Protocol);
                    break;
            }
        }
        Assert.True(tcp > 0 && udp > 0 && icmp > 0 && v6 > 0 && tagged > 0, $"tcp {tcp} udp {udp} icmp {icmp} icmp6 {icmp6} v6 {v6} tagged {tagged}");
    }

    [Fact]
    public void DnsMessagesInTheCaptureAreWellFormed()
    {
        int queries = 0, responses = 0;
        var g = Scenarios.AllKindsScenario;
        for (int i = 0; i < g.Frames.Count; i++)
        {
            var d = g.Decoded[i];
            if (!d.IsUdp || (d.SrcPort != 53 && d.DstPort != 53))
                continue;
            var dns = g.Frames[i].Frame.AsSpan(d.PayloadOffset, d.PayloadLength);
            string name = FrameInspector.DnsQuestionName(dns, out ushort qtype, out int answers);
            Assert.Contains('.', name);
            Assert.Contains(qtype, new ushort[] { 1, 10, 16, 28 });
            bool response = (dns[2] & 0x80) != 0;
            if (response)
            {
                Assert.True(answers >= 1);
                responses++;
            }
            else
            {
                Assert.Equal(0, answers);
                queries++;
            }
        }
        Assert.True(queries > 100);
        Assert.Equal(queries, responses);
    }
}
