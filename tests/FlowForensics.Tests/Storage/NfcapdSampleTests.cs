using System.Globalization;
using FlowForensics.Flows;
using FlowForensics.Storage.Nfcapd;
using FlowForensics.Tests.Differential;
using Xunit;

namespace FlowForensics.Tests.Storage;

/// <summary>
/// Every golden sample reads to exactly the flows nfdump 1.7.1 decoded beside it (<c>.raw.txt</c>: every field,
/// ms times; <c>.csv</c>: the dtos column raw mis-prints, and the row count).
/// </summary>
public sealed class NfcapdSampleTests
{
    public static TheoryData<string> Samples()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(SharedData.Path("formats", "samples"), "*.nfcapd", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            data.Add(Path.GetRelativePath(SharedData.Path("formats", "samples"), f));
        return data;
    }

    [Fact]
    public void AllSixteenSamplesAreFound() => Assert.Equal(16, Samples().Count);

    [Theory]
    [MemberData(nameof(Samples))]
    public void ReadsTheFlowsNfdumpPrintsInRawOutput(string sample)
    {
        string path = SharedData.Path("formats", "samples", sample);
        var expected = NfdumpRawOutput.ParseFile(path + ".raw.txt");
        using var reader = NfcapdFileReader.Open(path);
        var flows = reader.ReadFlows().ToList();
        Assert.Equal(expected.Count, flows.Count);
        for (int i = 0; i < flows.Count; i++)
            NfdumpRawOutput.AssertSame(expected[i], flows[i], $"{sample} flow {i + 1}");
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void MatchesNfdumpCsvColumns(string sample)
    {
        string path = SharedData.Path("formats", "samples", sample);
        var (header, rows) = NfdumpCsvOutput.Parse(File.ReadAllText(path + ".csv"));
        int dtos = Array.IndexOf(header, "dtos"), sa = Array.IndexOf(header, "sa"), ibyt = Array.IndexOf(header, "ibyt"),
            ts = Array.IndexOf(header, "ts"), pr = Array.IndexOf(header, "pr"), flg = Array.IndexOf(header, "flg");
        using var reader = NfcapdFileReader.Open(path);
        var flows = reader.ReadFlows().ToList();
        Assert.Equal(rows.Count, flows.Count);
        for (int i = 0; i < rows.Count; i++)
        {
            var f = flows[i];
            Assert.Equal(rows[i][dtos], f.DstTos.ToString(CultureInfo.InvariantCulture));
            Assert.Equal(rows[i][sa], f.SrcAddr!.ToString());
            Assert.Equal(rows[i][ibyt], f.Bytes.ToString(CultureInfo.InvariantCulture));
            Assert.Equal(rows[i][ts], f.Start.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
            Assert.Equal(rows[i][flg], f.Flags);
            Assert.Equal(rows[i][pr].Trim(), f.ProtocolName);
        }
    }

    [Fact]
    public void HeaderAndAppendixOfTheWalkThroughFile()
    {
        using var reader = NfcapdFileReader.Open(SharedData.Path("formats", "samples", "nfpcapd-ipv4v6-none.nfcapd"));
        var i = reader.Info;
        Assert.Equal(2, i.Layout);
        Assert.Equal(NfcapdCompression.None, i.Compression);
        Assert.Equal(0x01070100u, i.NfdumpVersion);
        Assert.Equal(new DateTime(2026, 11, 23, 6, 28, 10, DateTimeKind.Utc), i.Created);
        Assert.Equal("pcaptest", i.Ident);
        Assert.Equal(1, i.BlockCount);
        Assert.True(i.HasStatistics);
        Assert.Equal((14UL, 1268UL, 24UL), (i.Flows, i.Bytes, i.Packets));
        Assert.Equal((4UL, 4UL, 4UL, 2UL), (i.FlowsTcp, i.FlowsUdp, i.FlowsIcmp, i.FlowsOther));
        Assert.Equal((760UL, 252UL, 144UL, 112UL), (i.BytesTcp, i.BytesUdp, i.BytesIcmp, i.BytesOther));
        Assert.Equal((14UL, 4UL, 4UL, 2UL), (i.PacketsTcp, i.PacketsUdp, i.PacketsIcmp, i.PacketsOther));
        Assert.Equal(DateTime.UnixEpoch.AddMilliseconds(1704110400000), i.FirstSeen);
        Assert.Equal(DateTime.UnixEpoch.AddMilliseconds(1704110401201), i.LastSeen);
        Assert.Equal(0UL, i.SequenceFailures);
        Assert.Equal(reader.Length, new FileInfo(SharedData.Path("formats", "samples", "nfpcapd-ipv4v6-none.nfcapd")).Length);
    }

    [Fact]
    public void Nfdump178FileHasCreatorSamplerAndNewExporterEncoding()
    {
        using var reader = NfcapdFileReader.Open(SharedData.Path("formats", "samples", "latest-1.7.8", "nfcapd-1.7.8-softflowd-v9-none.nfcapd"));
        Assert.Equal(1u, reader.Info.Creator);
        Assert.Equal(0xF1070800u, reader.Info.NfdumpVersion);
        Assert.Equal("n178v9", reader.Info.Ident);
        var flows = reader.ReadFlows().ToList();
        Assert.Equal(12, flows.Count);
        Assert.All(flows, f => Assert.Equal(1u, f.SamplingInterval)); // generic 1:1 sampler, SAMPLED flag set
        Assert.All(flows, f => Assert.Equal("127.0.0.1", f.Exporter!.ToString()));
    }

    [Fact]
    public void Legacy16FileReadsHeaderIdentAndStat()
    {
        using var reader = NfcapdFileReader.Open(SharedData.Path("formats", "samples", "legacy-1.6", "nfcapd-1.6.25-softflowd-v9-none.nfcapd"));
        Assert.Equal(1, reader.Info.Layout);
        Assert.Equal("v16v9a", reader.Info.Ident);
        Assert.Equal(12UL, reader.Info.Flows);
        Assert.Equal(12, reader.ReadFlows().Count());
    }

    [Fact]
    public void EmptyFileHasNoFlowsButItsSlotWindow()
    {
        using var reader = NfcapdFileReader.Open(SharedData.Path("formats", "samples", "extra", "nfcapd-empty-none.nfcapd"));
        Assert.Empty(reader.ReadFlows());
        Assert.Equal(0, reader.Info.BlockCount);
        Assert.Equal("empty", reader.Info.Ident);
        Assert.Equal(new DateTime(2026, 11, 23, 6, 45, 0, DateTimeKind.Utc), reader.Info.FirstSeen);
    }

    [Fact]
    public void RichSyntheticRecordMapsEveryElement()
    {
        using var reader = NfcapdFileReader.Open(SharedData.Path("formats", "samples", "synthetic", "writer-rich-none.nfcapd"));
        var f = Assert.Single(reader.ReadFlows());
        Assert.Equal(32, f.DstTos); // csv dtos; -o raw shows srcTos (40) under "dst tos"
        Assert.Equal(FlowDirection.Egress, f.Direction);
        Assert.Equal(2, f.FlowEndReason);
        Assert.Equal(new uint[] { 0x12345, 0x6789A }, f.MplsStack);
        Assert.Equal("02:00:00:00:00:01", f.SrcMac);
        Assert.Equal(TimeSpan.FromMilliseconds(3), f.ApplicationLatency);
        Assert.Equal((7L, 700L, 1L), (f.OutPackets, f.OutBytes, f.Flows));
    }
}
