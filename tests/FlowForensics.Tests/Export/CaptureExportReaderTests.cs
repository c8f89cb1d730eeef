using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using FlowForensics.Capture;
using FlowForensics.Capture.Decoding;
using FlowForensics.Export;
using FlowForensics.Flows;
using Xunit;

namespace FlowForensics.Tests.Export;

/// <summary>
/// Export datagrams read out of captures (Convert-PcapToFlow -ExportProtocol): the UDP payload the packet decoder locates
/// equals the corpus walker's, and the records equal those of the same datagrams given to a decoder one by one, with
/// templates per datagram source. Also: enterprise elements kept raw, faults by exporter, sampling scaled on a copy.
/// </summary>
public sealed class CaptureExportReaderTests
{
    public static TheoryData<string> Captures()
    {
        var data = new TheoryData<string>();
        foreach (var f in ExportCorpus.Captures()) data.Add(Path.GetRelativePath(SharedData.Path(ExportCorpus.Folder), f));
        return data;
    }

    [Theory]
    [MemberData(nameof(Captures))]
    public void The_packet_decoder_locates_every_UDP_payload_the_corpus_walker_finds(string relative)
    {
        string path = SharedData.Path(ExportCorpus.Folder, relative);
        var expected = ExportCorpus.ReadUdp(path, out _);
        var found = new List<(FlowAddress, byte[])>();
        using (var source = CaptureFileReader.Open(path))
        {
            while (source.TryReadPacket(out var p))
            {
                if (PacketDecoder.Decode(p.LinkType, p.Data, out var d) != DecodeOutcome.Decoded) continue;
                if (d.TryGetUdpPayload(p.Data, out var payload, out _)) found.Add((d.Src, payload.ToArray()));
            }
        }
        Assert.Equal(expected.Count, found.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Source, found[i].Item1);
            Assert.True(expected[i].Payload.AsSpan().SequenceEqual(found[i].Item2), $"datagram {i} of {relative}");
        }
    }

    [Theory]
    [MemberData(nameof(Captures))]
    public void A_capture_decodes_to_the_records_of_its_datagrams_decoded_one_by_one(string relative)
    {
        string path = SharedData.Path(ExportCorpus.Folder, relative);
        var datagrams = ExportCorpus.ReadUdp(path, out _);
        var direct = new ExportDecoder();
        var expected = new List<FlowRecord>();
        int export = 0;
        foreach (var d in datagrams)
        {
            if (d.Payload.Length < 2 || d.Payload[0] != 0 || d.Payload[1] is not (0 or 5 or 9 or 10)) continue;
            if (d.Payload[1] == 0 && (d.Payload.Length < 4 || d.Payload[2] != 0 || d.Payload[3] != 5)) continue;
            export++;
            direct.Decode(d.Payload, d.Source, d.Timestamp, expected);
        }

        var reader = new CaptureExportReader(new ExportDecoder());
        List<FlowRecord> actual;
        using (var source = CaptureFileReader.Open(path)) actual = reader.Read(source).ToList();

        Assert.Equal(export, reader.Counters.ExportDatagrams);
        Assert.Equal(direct.Counters.Malformed, reader.Decoder.Counters.Malformed);
        Assert.Equal(Lines(expected), Lines(actual));
        foreach (var r in actual) Assert.NotNull(r.Exporter);
    }

    [Fact]
    public void Ports_and_protocols_select_the_datagrams_read()
    {
        string path = SharedData.Path(ExportCorpus.Folder, "graylog/nprobe-netflow9.pcap"); // 5 v5 + 4 v9 datagrams
        int Count(ExportProtocols protocols, int[]? ports)
        {
            var reader = new CaptureExportReader(new ExportDecoder(), protocols, ports);
            using var source = CaptureFileReader.Open(path);
            foreach (var _ in reader.Read(source)) { }
            return (int)reader.Counters.ExportDatagrams;
        }
        Assert.Equal(9, Count(ExportProtocols.Auto, null));
        Assert.Equal(5, Count(ExportProtocols.NetFlowV5, null));
        Assert.Equal(4, Count(ExportProtocols.NetFlowV9, null));
        Assert.Equal(0, Count(ExportProtocols.Ipfix | ExportProtocols.SflowV5, null));
        Assert.Equal(9, Count(ExportProtocols.Auto, [2055]));
        Assert.Equal(0, Count(ExportProtocols.Auto, [9995]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CaptureExportReader(new ExportDecoder(), ExportProtocols.None));
    }

    [Fact]
    public void Enterprise_specific_elements_are_kept_raw_and_named_by_enterprise_and_element()
    {
        // IPFIX: template 256 = sourceIPv4Address(8)/4, PEN 9 element 12235 of 2 bytes, PEN 29305 element 1 variable length.
        byte[] template = Ipfix(2,
            [0x01, 0x00, 0x00, 0x03, 0x00, 0x08, 0x00, 0x04,
             0xAF, 0xCB, 0x00, 0x02, 0x00, 0x00, 0x00, 0x09,
             0x80, 0x01, 0xFF, 0xFF, 0x00, 0x00, 0x72, 0x79]);
        byte[] data = Ipfix(256, [192, 0, 2, 1, 0x0a, 0x0b, 0x03, 0xde, 0xad, 0x01]);
        var decoder = new ExportDecoder();
        var records = new List<FlowRecord>();
        var exporter = FlowAddress.FromIPAddress(IPAddress.Parse("192.0.2.200"));
        Assert.Equal(ExportDecodeStatus.Decoded, decoder.Decode(template, exporter, DateTime.UtcNow, records));
        Assert.Equal(ExportDecodeStatus.Decoded, decoder.Decode(data, exporter, DateTime.UtcNow, records));
        var r = Assert.Single(records);
        Assert.Equal(IPAddress.Parse("192.0.2.1"), r.SrcAddr);
        Assert.Equal("9.12235=0a0b;29305.1=dead01", r.EnterpriseFields);
    }

    [Fact]
    public void A_record_without_enterprise_elements_has_none()
    {
        var decoder = new ExportDecoder();
        var records = new List<FlowRecord>();
        foreach (var d in FlowCollectorTests.Payloads("akvorado/template.pcap", "akvorado/data.pcap"))
            decoder.Decode(d, FlowAddress.FromIPv4(0x7F000001), DateTime.UtcNow, records);
        Assert.NotEmpty(records);
        Assert.All(records, r => Assert.Null(r.EnterpriseFields));
    }

    [Fact]
    public void Malformed_datagrams_are_told_apart_by_exporter_and_reason()
    {
        var decoder = new ExportDecoder();
        var sink = new List<FlowRecord>();
        var a = FlowAddress.FromIPAddress(IPAddress.Parse("192.0.2.1"));
        var b = FlowAddress.FromIPAddress(IPAddress.Parse("2001:db8::9"));
        decoder.Decode(new byte[] { 0 }, a, DateTime.UtcNow, sink);
        decoder.Decode(new byte[] { 0, 5, 0 }, a, DateTime.UtcNow, sink);
        decoder.Decode(new byte[] { 0, 42, 0, 0 }, b, DateTime.UtcNow, sink);
        decoder.Decode(new byte[] { 0 }, a, DateTime.UtcNow, sink);
        var faults = decoder.Faults();
        Assert.Equal("192.0.2.1 TooShort=3; 2001:db8::9 UnsupportedVersion=1", ExportFault.Join(faults));

        // a flood of sources is summarised, the most frequent first, not listed whole
        var flood = Enumerable.Range(0, 400).Select(i => new ExportFault(IPAddress.Parse($"10.0.{i / 250}.{i % 250 + 1}"), ExportDecodeStatus.TooShort, i == 7 ? 50 : 1)).ToList();
        string text = ExportFault.Join(flood);
        Assert.StartsWith("10.0.0.8 TooShort=50; ", text, StringComparison.Ordinal);
        Assert.EndsWith("; … and 380 more (exporter, reason) pairs with 380 datagrams", text, StringComparison.Ordinal);
        Assert.Equal(ExportFault.JoinLimit + 1, text.Split("; ").Length);
        Assert.Equal(4, decoder.Counters.Malformed);
        Assert.Equal(0, decoder.UntrackedFaults);
    }

    [Fact]
    public void Fault_pairs_beyond_the_exporter_bound_are_counted_as_untracked()
    {
        var decoder = new ExportDecoder(new ExportDecoderLimits { MaxExporters = 2 });
        var sink = new List<FlowRecord>();
        for (uint i = 1; i <= 5; i++) decoder.Decode(new byte[] { 0 }, FlowAddress.FromIPv4(0xC0000200 + i), DateTime.UtcNow, sink);
        Assert.Equal(2, decoder.Faults().Count);
        Assert.Equal(3, decoder.UntrackedFaults);
        Assert.Equal(5, decoder.Counters.Malformed);
    }

    [Fact]
    public void Scaling_by_sampling_works_on_a_copy_and_saturates()
    {
        var flow = new FlowRecord { Packets = 3, Bytes = 1500, OutPackets = 1, OutBytes = 40, SamplingInterval = 100 };
        var scaled = FlowSampling.Scaled(flow);
        Assert.NotSame(flow, scaled);
        Assert.Equal((300L, 150_000L, 100L, 4000L, 1u), (scaled.Packets, scaled.Bytes, scaled.OutPackets, scaled.OutBytes, scaled.SamplingInterval));
        Assert.Equal((3L, 1500L, 100u), (flow.Packets, flow.Bytes, flow.SamplingInterval));
        Assert.Same(scaled, FlowSampling.Scaled(scaled));
        var unsampled = new FlowRecord { Packets = 1, SamplingInterval = 0 };
        Assert.Same(unsampled, FlowSampling.Scaled(unsampled));
        var huge = FlowSampling.Scaled(new FlowRecord { Bytes = long.MaxValue / 2, SamplingInterval = 4 });
        Assert.Equal(long.MaxValue, huge.Bytes);
    }

    /// <summary>An IPFIX message (domain 1, export time 2024-01-01) holding one set.</summary>
    private static byte[] Ipfix(ushort setId, byte[] body)
    {
        int setLength = 4 + body.Length;
        var m = new byte[16 + setLength];
        BinaryPrimitives.WriteUInt16BigEndian(m, 10);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(2), (ushort)m.Length);
        BinaryPrimitives.WriteUInt32BigEndian(m.AsSpan(4), 1_704_067_200);
        BinaryPrimitives.WriteUInt32BigEndian(m.AsSpan(12), 1);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(16), setId);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(18), (ushort)setLength);
        body.CopyTo(m, 20);
        return m;
    }

    private static List<string> Lines(List<FlowRecord> records)
    {
        var lines = new List<string>(records.Count);
        foreach (var r in records)
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"{r.Start:o} {r.End:o} {r.Exporter} {r.ObservationDomainId} {r.ExportVersion} {r.SrcAddr} {r.DstAddr} {r.SrcPort} {r.DstPort} {r.Protocol} {r.Packets} {r.Bytes} {r.SamplingInterval} {r.InputInterface} {r.OutputInterface} {r.Received:o} {r.EnterpriseFields}"));
        return lines;
    }
}
