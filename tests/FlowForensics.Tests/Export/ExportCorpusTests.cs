using System.Text;
using FlowForensics.Export;
using FlowForensics.Flows;
using Xunit;

namespace FlowForensics.Tests.Export;

/// <summary>Every export datagram in the shared corpus (captures, datagram files, an IPFIX file) decodes.</summary>
public sealed class ExportCorpusTests
{
    /// <summary>Captures that are malformed on purpose (fuzzer finds kept by tcpdump as regression inputs).</summary>
    private static readonly string[] DeliberatelyMalformed = ["sflow_print-segv.pcap"];

    public static TheoryData<string> Captures()
    {
        var data = new TheoryData<string>();
        foreach (var f in ExportCorpus.Captures()) data.Add(Path.GetRelativePath(SharedData.Path(ExportCorpus.Folder), f));
        return data;
    }

    [Theory]
    [MemberData(nameof(Captures))]
    public void EveryDatagramInCaptureDecodes(string relativePath)
    {
        var datagrams = ExportCorpus.ReadUdp(SharedData.Path(ExportCorpus.Folder, relativePath), out _);
        Assert.NotEmpty(datagrams);
        var decoder = new ExportDecoder();
        var records = new List<FlowRecord>();
        var failures = new StringBuilder();
        foreach (var d in datagrams)
        {
            int before = records.Count;
            var status = decoder.Decode(d.Payload, d.Source, d.Timestamp, records);
            if (status != ExportDecodeStatus.Decoded) failures.Append($"#{d.Index} ({d.Payload.Length} bytes): {status}; ");
            for (int i = before; i < records.Count; i++)
            {
                var r = records[i];
                Assert.Equal(d.Source, r.ExporterAddress);
                Assert.True(r.ExportVersion is 5 or 9 or 10 or 0x85, $"{relativePath}: export version {r.ExportVersion}");
                Assert.True(r.End >= r.Start || r.ExportVersion == 10, $"{relativePath}: #{d.Index} end before start");
            }
        }
        Assert.Equal(datagrams.Count, decoder.Counters.Datagrams);
        if (Array.IndexOf(DeliberatelyMalformed, Path.GetFileName(relativePath)) >= 0)
        {
            Assert.True(decoder.Counters.Malformed > 0, $"{relativePath}: a deliberately malformed capture decoded cleanly");
            return;
        }
        Assert.True(failures.Length == 0, $"{relativePath}: {failures}");
        // Every capture either yields records, or holds data for templates it lacks, or only carries templates/options/counters.
        Assert.True(records.Count > 0 || decoder.PendingSetCount > 0 || decoder.TemplateCount > 0 || decoder.Counters.CounterSamples > 0,
            $"{relativePath}: nothing decoded");
    }

    [Fact]
    public void GraylogDatagramFilesDecode()
    {
        var files = SharedData.Files(ExportCorpus.Folder + "/graylog", "*.dat");
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var decoder = new ExportDecoder();
            var records = new List<FlowRecord>();
            var status = decoder.Decode(File.ReadAllBytes(file), FlowAddress.FromIPv4(0x7F000001), DateTime.UnixEpoch, records);
            string name = Path.GetFileName(file);
            if (name.Contains("incomplete", StringComparison.Ordinal))
            {
                // "incomplete": a data flowset of template 257 with no template: held for the template, not dropped.
                Assert.Equal(ExportDecodeStatus.Decoded, status);
                Assert.Empty(records);
                Assert.Equal(1, decoder.PendingSetCount);
                Assert.Equal(1, decoder.Counters.SetsHeld);
            }
            else if (name == "netflow-v9-1.dat")
            {
                // Two templates and a 84-byte flowset of template 1024, then 180 bytes that are no flowset (id 9, length 4,
                // then id 0 length 7496): the flowsets decode, the tail is reported.
                Assert.Equal(ExportDecodeStatus.BadSetId, status);
                Assert.Equal(2, records.Count);
            }
            else
                Assert.True(status == ExportDecodeStatus.Decoded, $"{name}: {status}");
        }
    }

    [Fact]
    public void IpfixFileMessagesDecode()
    {
        // An IPFIX file (RFC 5655) is IPFIX messages back to back, each with its own length.
        var bytes = File.ReadAllBytes(SharedData.Path(ExportCorpus.Folder, "ipfixcol2", "example_flows.ipfix"));
        var decoder = new ExportDecoder();
        var records = new List<FlowRecord>();
        int offset = 0, messages = 0;
        while (offset + 16 <= bytes.Length)
        {
            int length = bytes[offset + 2] << 8 | bytes[offset + 3];
            Assert.True(length >= 16 && offset + length <= bytes.Length, $"message at {offset}: length {length}");
            var status = decoder.Decode(bytes.AsSpan(offset, length), FlowAddress.FromIPv4(0x7F000001), DateTime.UnixEpoch, records);
            Assert.True(status == ExportDecodeStatus.Decoded, $"message at {offset}: {status}");
            offset += length;
            messages++;
        }
        Assert.Equal(bytes.Length, offset);
        Assert.True(messages > 1);
        Assert.Equal(0, decoder.PendingSetCount);
        Assert.NotEmpty(records);
        foreach (var r in records)
        {
            Assert.Equal(10, r.ExportVersion);
            Assert.NotEqual(0, r.IPVersion);
        }
    }
}
