using System.Buffers.Binary;
using FlowForensics.Export;
using FlowForensics.Flows;
using Xunit;

namespace FlowForensics.Tests.Export;

/// <summary>
/// Issue 17: decoding that neither loses nor falsifies evidence sent by real devices. Each case builds the datagrams a
/// device sends (the element ids and layouts of the vendors named) and checks every field the decoder fills.
/// </summary>
public sealed class ExportFidelityTests
{
    private static readonly FlowAddress Exporter = FlowAddress.FromIPv4(0xC0000201);
    private static readonly DateTime Received = new(2026, 3, 1, 12, 0, 0, DateTimeKind.Utc);
    private const uint ExportSeconds = 1_700_000_000;

    // ---- NSEL counters ------------------------------------------------------------------------------

    [Fact]
    public void NselByteAndPacketCountsComeFrom231To232And298To299WhenTotalsAreAbsent()
    {
        // Cisco ASA: NF_F_FWD_FLOW_DELTA_BYTES 231, NF_F_REV_FLOW_DELTA_BYTES 232, initiator/responder packets 298/299; no 1/2/85/86.
        var t = V9Template(260, (8, 4), (12, 4), (4, 1), (231, 4), (232, 4), (298, 4), (299, 4));
        var data = Cat(Ip(10, 0, 0, 1), Ip(10, 0, 0, 2), [6], U32(1500), U32(64_000), U32(12), U32(50));
        var r = Assert.Single(Decode(V9(Set(0, t), Set(260, data))));
        Assert.Equal(1500, r.Bytes);
        Assert.Equal(64_000, r.OutBytes);
        Assert.Equal(12, r.Packets);
        Assert.Equal(50, r.OutPackets);
    }

    [Fact]
    public void DeltaCountsWinOverInitiatorCounts()
    {
        var t = V9Template(260, (231, 4), (1, 4), (2, 4), (298, 4));
        var r = Assert.Single(Decode(V9(Set(0, t), Set(260, Cat(U32(999), U32(100), U32(3), U32(77))))));
        Assert.Equal(100, r.Bytes);
        Assert.Equal(3, r.Packets);
    }

    // ---- addresses of both families -----------------------------------------------------------------

    [Fact]
    public void TemplateWithBothFamiliesTakesThePopulatedOneAndKeepsBothWhenBothAreSet()
    {
        // Procera/Mikrotik style: sourceIPv4Address, destinationIPv4Address, sourceIPv6Address, destinationIPv6Address in one template.
        var t = IpfixTemplate(300, (8, 4, 0), (12, 4, 0), (27, 16, 0), (28, 16, 0));
        byte[] v6a = Convert.FromHexString("20010db8000000000000000000000001"), v6b = Convert.FromHexString("20010db8000000000000000000000002");
        var onlyV6 = Cat(new byte[8], v6a, v6b);
        var onlyV4 = Cat(Ip(192, 0, 2, 1), Ip(198, 51, 100, 7), new byte[32]);
        var both = Cat(Ip(192, 0, 2, 1), Ip(198, 51, 100, 7), v6a, v6b);
        var records = Decode(Ipfix(Set(2, t), Set(300, Cat(onlyV6, onlyV4, both))));
        Assert.Equal(3, records.Count);
        Assert.Equal("2001:db8::1", records[0].SrcAddr!.ToString());
        Assert.Equal("2001:db8::2", records[0].DstAddr!.ToString());
        Assert.Null(records[0].ExtraFields);
        Assert.Equal("192.0.2.1", records[1].SrcAddr!.ToString());
        Assert.Equal("198.51.100.7", records[1].DstAddr!.ToString());
        Assert.Null(records[1].ExtraFields);
        Assert.Equal("192.0.2.1", records[2].SrcAddr!.ToString());
        Assert.Equal("sourceIPv6Address=2001:db8::1;destinationIPv6Address=2001:db8::2", records[2].ExtraFields);
    }

    // ---- NetFlow v9 variable-length fields ------------------------------------------------------------

    [Fact]
    public void V9TemplateWithVariableLengthFieldsIsDecoded()
    {
        // H3C NetStream: v9 fields of length 65535 carry a length prefix, as in IPFIX (1-byte and 3-byte forms).
        var t = V9Template(3281, (8, 4), (82, 0xFFFF), (12, 4), (100, 0xFFFF));
        var rec1 = Cat(Ip(10, 1, 1, 1), [3, (byte)'g', (byte)'e', (byte)'0'], Ip(10, 2, 2, 2), [255, 0, 2, (byte)'x', (byte)'y']);
        var rec2 = Cat(Ip(10, 1, 1, 3), [0], Ip(10, 2, 2, 4), [1, (byte)'z']);
        var decoder = new ExportDecoder();
        var records = new List<FlowRecord>();
        Assert.Equal(ExportDecodeStatus.Decoded, decoder.Decode(V9(Set(0, t), Set(3281, Cat(rec1, rec2))), Exporter, Received, records));
        Assert.Equal(2, records.Count);
        Assert.Equal("10.2.2.2", records[0].DstAddr!.ToString());
        Assert.Equal("interfaceName=ge0;className=xy", records[0].ExtraFields);
        Assert.Equal("10.2.2.4", records[1].DstAddr!.ToString());
        Assert.Equal("className=z", records[1].ExtraFields);
    }

    [Fact]
    public void VariableLengthFieldRunningPastTheSetIsCountedPerExporterAndKeepsEarlierRecords()
    {
        var t = IpfixTemplate(301, (8, 4, 0), (96, 0xFFFF, 0));
        var good = Cat(Ip(10, 0, 0, 1), [2, (byte)'o', (byte)'k']);
        var cut = Cat(Ip(10, 0, 0, 2), [200, (byte)'a']); // announces 200 bytes, the set ends after 1
        var decoder = new ExportDecoder();
        var records = new List<FlowRecord>();
        var other = FlowAddress.FromIPv4(0xC0000202);
        Assert.Equal(ExportDecodeStatus.Truncated, decoder.Decode(Ipfix(Set(2, t), Set(301, Cat(good, cut))), Exporter, Received, records));
        Assert.Equal(ExportDecodeStatus.Decoded, decoder.Decode(Ipfix(Set(2, t), Set(301, good)), other, Received, records));
        Assert.Equal(2, records.Count);
        Assert.Equal("ok", records[0].ApplicationName);
        Assert.Equal(1, decoder.Counters.TruncatedRecords);
        var fault = Assert.Single(decoder.Faults());
        Assert.Equal("192.0.2.1", fault.Exporter.ToString());
        Assert.Equal(ExportDecodeStatus.Truncated, fault.Reason);
    }

    [Fact]
    public void BadTemplatesAreReportedPerExporterAndReasonWithoutTouchingOthers()
    {
        var decoder = new ExportDecoder();
        var records = new List<FlowRecord>();
        var good = FlowAddress.FromIPv4(0xC0000203);
        decoder.Decode(Ipfix(Set(2, IpfixTemplate(302, (8, 4, 0)))), good, Received, records);
        // A template whose every field has length 0, and an options template with no scope (RFC 7011 §3.4.2.2 forbids it).
        Assert.Equal(ExportDecodeStatus.BadTemplate, decoder.Decode(Ipfix(Set(2, IpfixTemplate(303, (8, 0, 0), (12, 0, 0)))), Exporter, Received, records));
        byte[] noScope = Cat(U16(304), U16(1), U16(0), U16(34), U16(4));
        Assert.Equal(ExportDecodeStatus.BadTemplate, decoder.Decode(Ipfix(Set(3, noScope)), Exporter, Received, records));
        Assert.Equal(ExportDecodeStatus.Decoded, decoder.Decode(Ipfix(Set(302, Ip(10, 9, 9, 9))), good, Received, records));
        Assert.Equal("10.9.9.9", Assert.Single(records).SrcAddr!.ToString());
        var fault = Assert.Single(decoder.Faults());
        Assert.Equal(("192.0.2.1", ExportDecodeStatus.BadTemplate, 2L), (fault.Exporter.ToString(), fault.Reason, fault.Count));
    }

    // ---- sampling, every way it is announced -------------------------------------------------------------

    [Fact]
    public void SamplingFromV9OptionsWithoutSamplerIdScalesEveryRecord()
    {
        // v9 options template: scope system (1, 4 bytes), samplingInterval 34, samplingAlgorithm 35.
        byte[] opt = Cat(U16(257), U16(4), U16(8), U16(1), U16(4), U16(34), U16(4), U16(35), U16(1));
        var records = Decode(V9(Set(1, opt), Set(257, Cat(U32(0), U32(100), [2])), Set(0, V9Template(258, (2, 4), (1, 4))), Set(258, Cat(U32(3), U32(120)))));
        var r = Assert.Single(records);
        Assert.Equal(100u, r.SamplingInterval);
        Assert.Equal(2, r.SamplingAlgorithm);
        AssertScaled(r, 300, 12_000);
    }

    [Fact]
    public void SamplingFromV9OptionsPerSamplerIdFollowsTheRecordsSampler()
    {
        // v9 options: scope system, samplerId 48, samplerMode 49, samplerRandomInterval 50 (two samplers); records name theirs by 48.
        byte[] opt = Cat(U16(257), U16(4), U16(12), U16(1), U16(4), U16(48), U16(1), U16(49), U16(1), U16(50), U16(4));
        var options = Set(257, Cat(U32(0), [1], [2], U32(1000)), Cat(U32(0), [2], [1], U32(64)));
        var records = Decode(V9(Set(1, opt), options, Set(0, V9Template(258, (48, 1), (2, 4), (1, 4))), Set(258, Cat([2], U32(1), U32(40)), Cat([1], U32(2), U32(80)))));
        Assert.Equal(2, records.Count);
        Assert.Equal((64u, (byte)1), (records[0].SamplingInterval, records[0].SamplingAlgorithm));
        Assert.Equal((1000u, (byte)2), (records[1].SamplingInterval, records[1].SamplingAlgorithm));
        AssertScaled(records[0], 64, 2560);
        AssertScaled(records[1], 2000, 80_000);
    }

    [Fact]
    public void SamplingFromIpfixOptionsPacketIntervalAndSpace()
    {
        // IPFIX options: scope meteringProcessId (143), samplingPacketInterval 305 = 1, samplingPacketSpace 306 = 99: 1 in 100.
        var records = Decode(Ipfix(Set(3, IpfixOptionsTemplate(400, 1, (143, 4), (305, 4), (306, 4))), Set(400, Cat(U32(1), U32(1), U32(99))),
            Set(2, IpfixTemplate(401, (2, 4, 0), (1, 4, 0))), Set(401, Cat(U32(5), U32(500)))));
        var r = Assert.Single(records);
        Assert.Equal(100u, r.SamplingInterval);
        AssertScaled(r, 500, 50_000);
    }

    [Fact]
    public void SamplingFromIpfixOptionsSamplingSizeAndPopulation()
    {
        // RFC 5476 as pmacct sends it: selectorId 302 (scope), selectorAlgorithm 304, samplingSize 309 = 1, samplingPopulation 310 = 256.
        var records = Decode(Ipfix(Set(3, IpfixOptionsTemplate(402, 1, (302, 4), (304, 2), (309, 4), (310, 4))), Set(402, Cat(U32(7), U16(3), U32(1), U32(256))),
            Set(2, IpfixTemplate(403, (302, 4, 0), (2, 4, 0), (1, 4, 0))), Set(403, Cat(U32(7), U32(2), U32(100)))));
        var r = Assert.Single(records);
        Assert.Equal(256u, r.SamplingInterval);
        Assert.Equal(3, r.SamplingAlgorithm);
        AssertScaled(r, 512, 25_600);
    }

    [Fact]
    public void SamplingCarriedInTheFlowRecordItself()
    {
        // samplingSize/samplingPopulation (309/310) and samplingPacketInterval/Space (305/306) in the data record.
        var records = Decode(Ipfix(Set(2, IpfixTemplate(404, (309, 4, 0), (310, 4, 0), (2, 4, 0), (1, 4, 0))), Set(404, Cat(U32(2), U32(2048), U32(1), U32(60))),
            Set(2, IpfixTemplate(405, (305, 4, 0), (306, 4, 0), (2, 4, 0))), Set(405, Cat(U32(1), U32(9), U32(4)))));
        Assert.Equal(2, records.Count);
        Assert.Equal(1024u, records[0].SamplingInterval);
        AssertScaled(records[0], 1024, 61_440);
        Assert.Equal(10u, records[1].SamplingInterval);
        Assert.Equal(40, FlowSampling.Scaled(records[1]).Packets);
    }

    [Fact]
    public void SamplingFromTheV5HeaderAndSflowRate()
    {
        var v5 = new byte[24 + 48];
        BinaryPrimitives.WriteUInt16BigEndian(v5, 5);
        BinaryPrimitives.WriteUInt16BigEndian(v5.AsSpan(2), 1);
        BinaryPrimitives.WriteUInt32BigEndian(v5.AsSpan(8), ExportSeconds);
        BinaryPrimitives.WriteUInt16BigEndian(v5.AsSpan(22), 0x8000 | 300); // random (2), 1 in 300
        BinaryPrimitives.WriteUInt32BigEndian(v5.AsSpan(24 + 16), 2);
        BinaryPrimitives.WriteUInt32BigEndian(v5.AsSpan(24 + 20), 90);
        var r = Assert.Single(Decode(v5));
        Assert.Equal((300u, (byte)2), (r.SamplingInterval, r.SamplingAlgorithm));
        AssertScaled(r, 600, 27_000);

        // sFlow: the flow sample's sampling rate (akvorado's switch sample, rate 1024 per tcpdump -v).
        var sflow = new List<FlowRecord>();
        var decoder = new ExportDecoder();
        foreach (var d in ExportCorpus.ReadUdp(SharedData.Path("data/export/akvorado", "data-1140.pcap"), out _)) decoder.Decode(d.Payload, d.Source, Received, sflow);
        Assert.NotEmpty(sflow);
        Assert.All(sflow, f => Assert.Equal(1024u, f.SamplingInterval));
        Assert.All(sflow, f => Assert.Equal(f.Bytes * 1024, FlowSampling.Scaled(f).Bytes));
    }

    // ---- NAT and firewall events, event time ------------------------------------------------------------

    [Fact]
    public void IpfixNatEventKeepsPostNatEndpointsEventAndItsTimeAsStart()
    {
        // NEL-style IPFIX: addresses, ports, protocol, postNAT* 225–228, natEvent 230, observationTimeMilliseconds 323; no flow times.
        var t = IpfixTemplate(410, (8, 4, 0), (12, 4, 0), (7, 2, 0), (11, 2, 0), (4, 1, 0), (225, 4, 0), (226, 4, 0), (227, 2, 0), (228, 2, 0), (230, 1, 0), (323, 8, 0));
        ulong eventMs = 1_699_999_990_123;
        var data = Cat(Ip(10, 0, 0, 5), Ip(203, 0, 113, 9), U16(51000), U16(443), [6], Ip(198, 51, 100, 1), Ip(203, 0, 113, 9), U16(2048), U16(443), [1], U64(eventMs));
        var r = Assert.Single(Decode(Ipfix(Set(2, t), Set(410, data))));
        Assert.Equal("198.51.100.1", r.NatSrcAddr!.ToString());
        Assert.Equal("203.0.113.9", r.NatDstAddr!.ToString());
        Assert.Equal((ushort)2048, r.NatSrcPort);
        Assert.Equal((ushort)443, r.NatDstPort);
        Assert.Equal(1, r.NatEvent);
        var at = DateTime.UnixEpoch.AddMilliseconds(eventMs);
        Assert.Equal(at, r.EventTime);
        Assert.Equal(at, r.Start);   // not the export time
        Assert.Equal(at, r.End);
    }

    [Fact]
    public void IpfixNatEventWithIPv6PostNatAndMicrosecondEventTime()
    {
        var t = IpfixTemplate(411, (27, 16, 0), (281, 16, 0), (282, 16, 0), (230, 1, 0), (324, 8, 0));
        byte[] a = Convert.FromHexString("20010db8000000000000000000000001"), b = Convert.FromHexString("20010db8000000000000000000000009"), c = Convert.FromHexString("20010db80000000000000000000000ff");
        ulong ntp = (ExportSeconds + 2_208_988_800UL - 5) << 32 | 0x80000000; // 5.5 s before the export
        var r = Assert.Single(Decode(Ipfix(Set(2, t), Set(411, Cat(a, b, c, [2], U64(ntp))))));
        Assert.Equal("2001:db8::9", r.NatSrcAddr!.ToString());
        Assert.Equal("2001:db8::ff", r.NatDstAddr!.ToString());
        Assert.Equal(2, r.NatEvent);
        Assert.Equal(DateTime.UnixEpoch.AddSeconds(ExportSeconds - 5).AddMilliseconds(500), r.EventTime);
    }

    [Fact]
    public void AsaNselVersion84FieldsAndFirewallEvents()
    {
        // ASA 8.4 NSEL v9: xlate 40001–40004, NF_F_FW_EVENT_84 40005, NF_F_FW_EXT_EVENT 33002, event time 323, username 40000, flowId 148.
        var t = V9Template(265, (148, 4), (8, 4), (12, 4), (40001, 4), (40002, 4), (40003, 2), (40004, 2), (40005, 1), (33002, 2), (323, 8), (40000, 20));
        var user = new byte[20];
        "alice"u8.CopyTo(user);
        var data = Cat(U32(8501), Ip(192, 168, 23, 22), Ip(164, 164, 37, 11), Ip(100, 64, 0, 1), Ip(164, 164, 37, 11), U16(17549), U16(0), [3], U16(1001), U64(1_444_384_070_179), user);
        var r = Assert.Single(Decode(V9(Set(0, t), Set(265, data))));
        Assert.Equal("100.64.0.1", r.NatSrcAddr!.ToString());
        Assert.Equal((ushort)17549, r.NatSrcPort);
        Assert.Equal(3, r.FirewallEvent);
        Assert.Equal((ushort)1001, r.FirewallExtEvent);
        Assert.Equal(DateTime.UnixEpoch.AddMilliseconds(1_444_384_070_179), r.EventTime);
        Assert.Equal(r.EventTime, r.Start);
        Assert.Equal("flowId=8501;username=alice", r.ExtraFields);
    }

    // ---- application ids and names, interface names ---------------------------------------------------------

    [Fact]
    public void NbarOptionTableNamesTheApplicationOfLaterRecords()
    {
        // v9 options: scope system; applicationId 95 (4 bytes: engine 13, selector 453), applicationName 96 (24), applicationDescription 94 (16).
        byte[] opt = Cat(U16(260), U16(4), U16(12), U16(1), U16(4), U16(95), U16(4), U16(96), U16(24), U16(94), U16(16));
        var name = new byte[24];
        "ssl"u8.CopyTo(name);
        var desc = new byte[16];
        "TLS".Select(c => (byte)c).ToArray().CopyTo(desc, 0);
        var flows = V9Template(261, (8, 4), (95, 4));
        var records = Decode(V9(Set(1, opt), Set(260, Cat(U32(0), [13, 0, 1, 0xC5], name, desc)), Set(0, flows),
            Set(261, Cat(Ip(10, 0, 0, 1), [13, 0, 1, 0xC5]), Cat(Ip(10, 0, 0, 2), [3, 0, 0, 80]))));
        Assert.Equal(2, records.Count);
        Assert.Equal(("13..453", "ssl"), (records[0].ApplicationId, records[0].ApplicationName));
        Assert.Equal("3..80", records[1].ApplicationId);
        Assert.Null(records[1].ApplicationName);
    }

    [Fact]
    public void InterfaceOptionTableNamesBothInterfaces()
    {
        // v9 options with an interface scope (type 2) and interfaceName 82, as IOS-XR's "option interface-table" sends it.
        byte[] opt = Cat(U16(262), U16(4), U16(4), U16(2), U16(4), U16(82), U16(16));
        byte[] Name(string s) { var b = new byte[16]; System.Text.Encoding.ASCII.GetBytes(s).CopyTo(b, 0); return b; }
        var records = Decode(V9(Set(1, opt), Set(262, Cat(U32(7), Name("Gi0/0/0")), Cat(U32(9), Name("Te0/1/0"))),
            Set(0, V9Template(263, (10, 4), (14, 4))), Set(263, Cat(U32(7), U32(9)))));
        var r = Assert.Single(records);
        Assert.Equal(("Gi0/0/0", "Te0/1/0"), (r.InputInterfaceName, r.OutputInterfaceName));
    }

    [Fact]
    public void OptionNamesAreBoundedAndCounted()
    {
        var decoder = new ExportDecoder(new ExportDecoderLimits { MaxNamesPerExporter = 2 });
        byte[] opt = Cat(U16(262), U16(4), U16(4), U16(2), U16(4), U16(82), U16(4));
        var rows = Cat(U32(1), "ge-1"u8.ToArray(), U32(2), "ge-2"u8.ToArray(), U32(3), "ge-3"u8.ToArray());
        var records = new List<FlowRecord>();
        decoder.Decode(V9(Set(1, opt), Set(262, rows), Set(0, V9Template(263, (10, 4))), Set(263, Cat(U32(1), U32(3)))), Exporter, Received, records);
        Assert.Equal(1, decoder.Counters.NamesDroppedByLimit);
        Assert.Equal("ge-1", records[0].InputInterfaceName);
        Assert.Null(records[1].InputInterfaceName);
    }

    [Fact]
    public void EnterpriseElementsOfKnownVendorsAreNamed()
    {
        // Procera (15397) string and counter, a Cisco (9) element, RFC 5103 reverse octets, an unknown Juniper (2636) element, an unknown PEN.
        var t = IpfixTemplate(420, (8, 4, 0), (1, 0xFFFF, 15397), (3, 8, 15397), (12235, 4, 9), (1, 8, 29305), (137, 2, 2636), (5, 1, 99999));
        var data = Cat(Ip(10, 0, 0, 1), [7, .. "youtube"u8], U64(4096), [0x0a, 0x0b, 0x3b, 0x3d], U64(77), U16(0x1234), [0xff]);
        var r = Assert.Single(Decode(Ipfix(Set(2, t), Set(420, data))));
        Assert.Equal("proceraService=youtube;proceraIncomingOctets=4096;ciscoAppHttpHost=0a0b3b3d;reverseOctetDeltaCount=77;juniper.137=1234;99999.5=ff", r.ExtraFields);
        // The raw enterprise form stays as it was.
        Assert.StartsWith("15397.1=796f7574756265;", r.EnterpriseFields);
    }

    [Fact]
    public void ExtraFieldTextIsEscaped()
    {
        var t = IpfixTemplate(421, (96, 0xFFFF, 0), (100, 0xFFFF, 0));
        var r = Assert.Single(Decode(Ipfix(Set(2, t), Set(421, Cat([3, .. "app"u8], [6, .. "a;b=c%"u8])))));
        Assert.Equal("className=a%3Bb%3Dc%25", r.ExtraFields);
        Assert.Equal("app", r.ApplicationName);
    }

    // ---- real samples (logstash-codec-netflow's datagrams) ----------------------------------------------------

    private static List<FlowRecord> Feed(ExportDecoder decoder, params string[] files)
    {
        var records = new List<FlowRecord>();
        foreach (var f in files) decoder.Decode(File.ReadAllBytes(SharedData.Path("data/export/logstash-dat", f)), Exporter, Received, records);
        return records;
    }

    [Fact]
    public void CiscoAsr9000InterfaceTableNamesTheFlowsInterfaces()
    {
        // IOS-XR's option interface-table (template 256: input_snmp + if_desc, logstash: 104 = TenGigE0_6_0_2), then flows.
        var records = Feed(new ExportDecoder(), "netflow9_test_cisco_asr9k_opttpl256.dat", "netflow9_test_cisco_asr9k_data256.dat",
            "netflow9_test_cisco_asr9k_tpl260.dat", "netflow9_test_cisco_asr9k_data260.dat");
        Assert.NotEmpty(records);
        var named = records.Where(static r => r.InputInterface == 104 || r.OutputInterface == 104).ToList();
        Assert.NotEmpty(named);
        Assert.All(named, r => Assert.Contains("TenGigE0_6_0_2", new[] { r.InputInterfaceName, r.OutputInterfaceName }));
    }

    [Fact]
    public void CiscoNbarOptionTableIsLearned()
    {
        // 15 option records of NBAR's application table; logstash's last one is 1..13 = argus ("ARGUS").
        byte[] tpl = File.ReadAllBytes(SharedData.Path("data/export/logstash-dat", "netflow9_test_cisco_nbar_opttpl260.dat"));
        var decoder = new ExportDecoder();
        var records = new List<FlowRecord>();
        decoder.Decode(tpl, Exporter, Received, records);
        Assert.Equal(15, decoder.Counters.OptionsRecords);
        // A flow naming application 1..13 afterwards gets its name.
        var flow = V9(Set(0, V9Template(300, (8, 4), (95, 4))), Set(300, Cat(Ip(10, 0, 0, 1), [1, 0, 0, 13])));
        // Same exporter and source id as the sample's header.
        flow.AsSpan(16, 4).Clear();
        tpl.AsSpan(16, 4).CopyTo(flow.AsSpan(16, 4));
        decoder.Decode(flow, Exporter, Received, records);
        var r = Assert.Single(records);
        Assert.Equal(("1..13", "argus"), (r.ApplicationId, r.ApplicationName));
    }

    [Fact]
    public void PaloAltoAndAsaSamplesKeepApplicationUserAndFirewallFields()
    {
        var pan = Assert.Single(Feed(new ExportDecoder(), "netflow9_test_paloalto_81_tpl256-263.dat", "netflow9_test_paloalto_81_data257_1flowset_in_large_zerofilled_packet.dat"));
        Assert.Equal("kerberos", pan.ApplicationName);
        Assert.Equal(2, pan.FirewallEvent);
        Assert.Contains("paloAltoUserId=unknown", pan.ExtraFields);
        var asa = Feed(new ExportDecoder(), "netflow9_test_cisco_asa_1_tpl.dat", "netflow9_test_cisco_asa_1_data.dat");
        Assert.Equal(14, asa.Count);
        Assert.All(asa, r => Assert.NotNull(r.EventTime));
        Assert.All(asa, r => Assert.NotNull(r.NatSrcAddr));
        Assert.Contains(asa, r => r.FirewallExtEvent == 2025);
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    private static void AssertScaled(FlowRecord r, long packets, long bytes)
    {
        var s = FlowSampling.Scaled(r);
        Assert.Equal((packets, bytes), (s.Packets, s.Bytes));
    }

    private static List<FlowRecord> Decode(byte[] datagram)
    {
        var records = new List<FlowRecord>();
        var status = new ExportDecoder().Decode(datagram, Exporter, Received, records);
        Assert.Equal(ExportDecodeStatus.Decoded, status);
        return records;
    }

    internal static byte[] Cat(params byte[][] parts) => parts.SelectMany(static p => p).ToArray();
    internal static byte[] Ip(byte a, byte b, byte c, byte d) => [a, b, c, d];
    internal static byte[] U16(ushort v) { var b = new byte[2]; BinaryPrimitives.WriteUInt16BigEndian(b, v); return b; }
    internal static byte[] U32(uint v) { var b = new byte[4]; BinaryPrimitives.WriteUInt32BigEndian(b, v); return b; }
    internal static byte[] U64(ulong v) { var b = new byte[8]; BinaryPrimitives.WriteUInt64BigEndian(b, v); return b; }

    internal static byte[] V9(params byte[][] sets)
    {
        var head = new byte[20];
        head[1] = 9;
        BinaryPrimitives.WriteUInt32BigEndian(head.AsSpan(4), 3_600_000);   // sysUptime
        BinaryPrimitives.WriteUInt32BigEndian(head.AsSpan(8), ExportSeconds);
        return Cat([head, .. sets]);
    }

    internal static byte[] Ipfix(params byte[][] sets)
    {
        var body = Cat(sets);
        var head = new byte[16];
        BinaryPrimitives.WriteUInt16BigEndian(head, 10);
        BinaryPrimitives.WriteUInt16BigEndian(head.AsSpan(2), (ushort)(16 + body.Length));
        BinaryPrimitives.WriteUInt32BigEndian(head.AsSpan(4), ExportSeconds);
        return Cat(head, body);
    }

    internal static byte[] Set(ushort id, params byte[][] records)
    {
        var body = Cat(records);
        return Cat(U16(id), U16((ushort)(4 + body.Length)), body);
    }

    internal static byte[] V9Template(ushort id, params (ushort Id, ushort Length)[] fields) =>
        Cat([U16(id), U16((ushort)fields.Length), .. fields.Select(static f => Cat(U16(f.Id), U16(f.Length)))]);

    internal static byte[] IpfixTemplate(ushort id, params (ushort Id, ushort Length, uint Pen)[] fields) =>
        Cat([U16(id), U16((ushort)fields.Length), .. fields.Select(static f => f.Pen == 0
            ? Cat(U16(f.Id), U16(f.Length))
            : Cat(U16((ushort)(f.Id | 0x8000)), U16(f.Length), U32(f.Pen)))]);

    internal static byte[] IpfixOptionsTemplate(ushort id, ushort scopeCount, params (ushort Id, ushort Length)[] fields) =>
        Cat([U16(id), U16((ushort)fields.Length), U16(scopeCount), .. fields.Select(static f => Cat(U16(f.Id), U16(f.Length)))]);
}
