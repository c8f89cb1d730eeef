using FlowForensics.Export;
using FlowForensics.Flows;
using Xunit;

namespace FlowForensics.Tests.Export;

/// <summary>
/// The akvorado captures (<c>data/export/akvorado</c>) with the decodings akvorado's own decoder tests expect
/// (outlet/flow/decoder/netflow root_test.go: TestDecodeSamplingRate, TestDecodeMultipleSamplingRates,
/// TestDecodeICMP, TestDecodeDataLink, TestDecodeMPLS, TestDecodeNFv5). Each capture is fed in the order those tests use.
/// </summary>
public sealed class AkvoradoExpectedTests
{
    private static readonly FlowAddress Exporter = FlowAddress.FromIPv4(0x7F000001);

    private static List<FlowRecord> Decode(params string[] captures)
    {
        var decoder = new ExportDecoder();
        var records = new List<FlowRecord>();
        foreach (var c in captures)
            foreach (var d in ExportCorpus.ReadUdp(SharedData.Path(ExportCorpus.Folder, "akvorado", c), out _))
                Assert.Equal(ExportDecodeStatus.Decoded, decoder.Decode(d.Payload, Exporter, d.Timestamp, records));
        Assert.Equal(0, decoder.PendingSetCount);
        return records;
    }

    [Fact]
    public void SamplingRateFromOptionsData()
    {
        var r = Decode("samplingrate-template.pcap", "samplingrate-data.pcap")[0];
        Assert.Equal(2048u, r.SamplingInterval);
        Assert.Equal("232.131.215.65", r.SrcAddr!.ToString());
        Assert.Equal("142.183.180.65", r.DstAddr!.ToString());
        Assert.Equal(13u, r.InputInterface);
        Assert.Equal(701, r.SrcVlan);
        Assert.Equal(1, r.Packets);
        Assert.Equal(160, r.Bytes);
        Assert.Equal(6, r.Protocol);
        Assert.Equal(13245, r.SrcPort);
        Assert.Equal(10907, r.DstPort);
    }

    [Fact]
    public void SamplingRatePerSamplerId()
    {
        var records = Decode("multiplesamplingrates-options-template.pcap", "multiplesamplingrates-options-data.pcap",
            "multiplesamplingrates-template.pcap", "multiplesamplingrates-data.pcap");
        Assert.True(records.Count >= 2);
        var a = records[0];
        Assert.Equal(4000u, a.SamplingInterval);
        Assert.Equal("ffff::68", a.SrcAddr!.ToString());
        Assert.Equal("ffff::1a", a.DstAddr!.ToString());
        // This template carries bgpNextHopIPv6Address (63), no ipNextHop: akvorado's single NextHop column takes either.
        Assert.Null(a.NextHop);
        Assert.Equal("ffff::2", a.BgpNextHop!.ToString());
        Assert.Equal((48, 56), (a.SrcMask, a.DstMask));
        Assert.Equal((97u, 6u), (a.InputInterface, a.OutputInterface));
        Assert.Equal((18L, 1348L), (a.Packets, a.Bytes));
        Assert.Equal((6, 443, 52616), (a.Protocol, a.SrcPort, a.DstPort));
        Assert.Equal(64, a.ForwardingStatus);
        Assert.Equal(64, a.SrcTos);
        Assert.Equal(16, (byte)a.TcpFlags);
        var b = records[1];
        Assert.Equal(2000u, b.SamplingInterval);
        Assert.Equal("ffff::5a", b.SrcAddr!.ToString());
        Assert.Equal("ffff::f", b.DstAddr!.ToString());
        Assert.Equal("ffff::3c", b.BgpNextHop!.ToString());
        Assert.Equal((36, 48), (b.SrcMask, b.DstMask));
        Assert.Equal((103u, 6u), (b.InputInterface, b.OutputInterface));
        Assert.Equal((4L, 579L), (b.Packets, b.Bytes));
        Assert.Equal((17, 2121, 2121), (b.Protocol, b.SrcPort, b.DstPort));
        Assert.Equal(64, b.ForwardingStatus);
        Assert.Equal(40, b.SrcTos);
    }

    [Fact]
    public void IcmpTypeAndCodeInTheDestinationPort()
    {
        var r = Decode("icmp-template.pcap", "icmp-data.pcap");
        Assert.Equal(4, r.Count);
        Assert.Equal(("2001:db8::", "2001:db8::1", 58, 32768, 104L), (r[0].SrcAddr!.ToString(), r[0].DstAddr!.ToString(), (int)r[0].Protocol, (int)r[0].DstPort, r[0].Bytes));
        Assert.Equal(("2001:db8::1", "2001:db8::", 58, 33024, 104L), (r[1].SrcAddr!.ToString(), r[1].DstAddr!.ToString(), (int)r[1].Protocol, (int)r[1].DstPort, r[1].Bytes));
        Assert.Equal(("203.0.113.4", "203.0.113.5", 1, 2048, 84L), (r[2].SrcAddr!.ToString(), r[2].DstAddr!.ToString(), (int)r[2].Protocol, (int)r[2].DstPort, r[2].Bytes));
        Assert.Equal(("203.0.113.5", "203.0.113.4", 1, 0, 84L), (r[3].SrcAddr!.ToString(), r[3].DstAddr!.ToString(), (int)r[3].Protocol, (int)r[3].DstPort, r[3].Bytes));
        Assert.Equal((byte?)128, r[0].IcmpType);
        Assert.All(r, x => Assert.Equal(1, x.Packets));
    }

    [Fact]
    public void MplsLabelsAndSampling()
    {
        var r = Decode("mpls.pcap");
        Assert.Equal(2, r.Count);
        Assert.Equal(("fd00::1:0:1:7:1", "fd00::1:0:1:5:1", 16u, 89L, 1L), (r[0].SrcAddr!.ToString(), r[0].DstAddr!.ToString(), r[0].OutputInterface, r[0].Bytes, r[0].Packets));
        Assert.Equal(("fd00::1:0:1:7:1", "fd00::1:0:1:6:1", 17u, 890L, 10L), (r[1].SrcAddr!.ToString(), r[1].DstAddr!.ToString(), r[1].OutputInterface, r[1].Bytes, r[1].Packets));
        Assert.Equal([20005u, 524250u], Labels(r[0]));
        Assert.Equal([20006u, 524275u], Labels(r[1]));
        foreach (var x in r)
        {
            Assert.Equal(10u, x.SamplingInterval);
            Assert.Equal(66, x.ForwardingStatus);
            Assert.Equal((17, 49153, 862), (x.Protocol, x.SrcPort, x.DstPort));
        }

        static uint[] Labels(FlowRecord f)
        {
            Assert.NotNull(f.MplsStack);
            var labels = new uint[f.MplsStack.Length];
            for (int i = 0; i < labels.Length; i++) labels[i] = f.MplsStack[i] >> 4;
            return labels;
        }
    }

    [Fact]
    public void DataLinkFrameSectionGoesThroughThePacketDecoder()
    {
        var r = Assert.Single(Decode("datalink-template.pcap", "datalink-data.pcap"));
        Assert.Equal("51.51.51.51", r.SrcAddr!.ToString());
        Assert.Equal("52.52.52.52", r.DstAddr!.ToString());
        Assert.Equal(231, r.SrcVlan);
        Assert.Equal((582u, 0u), (r.InputInterface, r.OutputInterface));
        Assert.Equal((1L, 96L), (r.Packets, r.Bytes));
        Assert.Equal((17, 55501, 11777), (r.Protocol, r.SrcPort, r.DstPort));
        Assert.Equal(0xb402165592f4UL, r.SrcMacValue);
        Assert.Equal(0x182ad36e503fUL, r.DstMacValue);
        Assert.Equal(119, r.MinTtl);
    }

    [Fact]
    public void NetFlowV5Record()
    {
        var r = Decode("nfv5.pcap")[0];
        Assert.Equal("161.202.212.212", r.SrcAddr!.ToString());
        Assert.Equal("202.152.70.24", r.DstAddr!.ToString());
        Assert.Equal("61.6.255.150", r.NextHop!.ToString());
        Assert.True(r.SamplingInterval <= 1); // unsampled: akvorado reports 1, the header says 0
        Assert.Equal((117u, 86u), (r.InputInterface, r.OutputInterface));
        Assert.Equal((36351u, 10101u), (r.SrcAs, r.DstAs));
        Assert.Equal((19, 24), (r.SrcMask, r.DstMask));
        Assert.Equal((1L, 133L), (r.Packets, r.Bytes));
        Assert.Equal((6, 30104, 11963), (r.Protocol, r.SrcPort, r.DstPort));
        Assert.Equal(0x18, (byte)r.TcpFlags);
        // akvorado expects 1680626679 with the packet's timestamp and 1680611679 with first-switched: it subtracts the
        // (sysUptime - First) difference, 15000, in seconds. The difference is in milliseconds (RFC-less v5 convention,
        // nfdump and Cisco agree): the flow started 15 s before the export.
        const long exportSeconds = 1680626679, akvoradoFirstSwitched = 1680611679;
        long uptimeMinusFirstMs = exportSeconds - akvoradoFirstSwitched;
        Assert.Equal(exportSeconds - uptimeMinusFirstMs / 1000, (long)Math.Floor((r.Start - DateTime.UnixEpoch).TotalSeconds));
    }
}
