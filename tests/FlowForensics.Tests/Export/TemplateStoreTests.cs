using FlowForensics.Export;
using FlowForensics.Flows;
using FlowForensics.Wire;
using Xunit;

namespace FlowForensics.Tests.Export;

/// <summary>Templates and sampling saved by one decoder let a fresh decoder decode data at once.</summary>
public sealed class TemplateStoreTests
{
    private static readonly FlowAddress Exporter = FlowAddress.FromIPv4(0x7F000001);

    private static void Feed(ExportDecoder decoder, List<FlowRecord> records, params string[] captures)
    {
        foreach (var c in captures)
            foreach (var d in ExportCorpus.ReadUdp(SharedData.Path(ExportCorpus.Folder, "akvorado", c), out _))
                Assert.Equal(ExportDecodeStatus.Decoded, decoder.Decode(d.Payload, Exporter, d.Timestamp, records));
    }

    private static string Fingerprint(List<FlowRecord> records)
    {
        var sb = new System.Text.StringBuilder();
        foreach (var r in records) sb.Append(r).Append(' ').Append(r.SamplingInterval).Append(' ').Append(r.End.Ticks).Append('\n');
        return sb.ToString();
    }

    [Theory]
    [InlineData(new[] { "multiplesamplingrates-options-template.pcap", "multiplesamplingrates-options-data.pcap", "multiplesamplingrates-template.pcap" }, "multiplesamplingrates-data.pcap")]
    [InlineData(new[] { "samplingrate-template.pcap" }, "samplingrate-data.pcap")]
    [InlineData(new[] { "ipfixprobe-templates.pcap" }, "ipfixprobe-data.pcap")]
    [InlineData(new[] { "datalink-template.pcap" }, "datalink-data.pcap")]
    public void RestoredDecoderDecodesDataAtOnce(string[] setup, string data)
    {
        var original = new ExportDecoder();
        var ignored = new List<FlowRecord>();
        Feed(original, ignored, setup);
        using var file = new MemoryStream();
        original.SaveTemplates(file);

        var expected = new List<FlowRecord>();
        Feed(original, expected, data);
        Assert.NotEmpty(expected);

        var restored = new ExportDecoder();
        file.Position = 0;
        Assert.Equal(original.TemplateCount, restored.LoadTemplates(file, "templates.bin"));
        var got = new List<FlowRecord>();
        Feed(restored, got, data);
        Assert.Equal(0, restored.Counters.SetsHeld);
        Assert.Equal(Fingerprint(expected), Fingerprint(got));
    }

    [Fact]
    public void CorruptTemplateFilesThrowFlowDataExceptionAndChangeNothing()
    {
        var original = new ExportDecoder();
        Feed(original, new List<FlowRecord>(), "multiplesamplingrates-options-template.pcap", "multiplesamplingrates-options-data.pcap",
            "multiplesamplingrates-template.pcap", "ipfixprobe-templates.pcap");
        using var file = new MemoryStream();
        original.SaveTemplates(file);
        byte[] good = file.ToArray();

        var rng = new Random(61);
        int rejected = 0;
        for (int i = 0; i < 2000; i++)
        {
            byte[] bad = (byte[])good.Clone();
            if (i % 2 == 0) bad = bad.AsSpan(0, rng.Next(bad.Length)).ToArray();
            else for (int k = 0; k < 1 + rng.Next(4); k++) bad[rng.Next(bad.Length)] ^= (byte)(1 << rng.Next(8));

            var target = new ExportDecoder();
            Feed(target, new List<FlowRecord>(), "samplingrate-template.pcap");
            int before = target.TemplateCount;
            try
            {
                target.LoadTemplates(new MemoryStream(bad), "bad.bin");
            }
            catch (FlowDataException ex)
            {
                rejected++;
                Assert.Equal("bad.bin", ex.DataSource);
                Assert.InRange(ex.Offset, 0, bad.Length);
                Assert.Equal(before, target.TemplateCount);
            }
        }
        Assert.True(rejected > 1000, $"only {rejected} of 2000 corrupt files rejected");
    }

    /// <summary>The template file format is fixed: these bytes were written by the format's first writer (one List&lt;byte&gt;, before it streamed).</summary>
    [Fact]
    public void TemplateFileBytesAreUnchanged()
    {
        var decoder = new ExportDecoder();
        Feed(decoder, new List<FlowRecord>(), "multiplesamplingrates-options-template.pcap", "multiplesamplingrates-options-data.pcap",
            "multiplesamplingrates-template.pcap", "ipfixprobe-templates.pcap", "samplingrate-template.pcap");
        using var file = new MemoryStream();
        decoder.SaveTemplates(file);
        Assert.Equal(903, file.Length);
        Assert.Equal("AE7FE717AFD21CB5B7FA85ACC0E96655FB9CF55F6B19593E6CA90F575B1C67DF", Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(file.ToArray())));
    }

    [Fact]
    public void SavingToAFileWritesTheSameBytesThroughATemporaryFile()
    {
        var decoder = new ExportDecoder();
        Feed(decoder, new List<FlowRecord>(), "ipfixprobe-templates.pcap", "samplingrate-template.pcap");
        using var expected = new MemoryStream();
        decoder.SaveTemplates(expected);
        string dir = Directory.CreateTempSubdirectory("ff-templates-").FullName;
        try
        {
            string path = Path.Combine(dir, "templates.bin");
            File.WriteAllText(path, "previous");
            decoder.SaveTemplates(path);
            Assert.Equal(expected.ToArray(), File.ReadAllBytes(path));
            Assert.Equal([path], Directory.GetFiles(dir));

            // A save that cannot be renamed into place (a folder has the name) leaves nothing behind.
            string folder = Path.Combine(dir, "folder.bin");
            Directory.CreateDirectory(folder);
            Assert.ThrowsAny<IOException>(() => decoder.SaveTemplates(folder));
            Assert.Equal([path], Directory.GetFiles(dir));
            Assert.True(Directory.Exists(folder));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void OverLimitTemplateFileIsRejected()
    {
        var original = new ExportDecoder();
        Feed(original, new List<FlowRecord>(), "ipfixprobe-templates.pcap");
        using var file = new MemoryStream();
        original.SaveTemplates(file);
        Assert.True(original.TemplateCount > 1);
        var small = new ExportDecoder(new ExportDecoderLimits { MaxTemplatesPerExporter = 1 });
        file.Position = 0;
        Assert.Throws<FlowDataException>(() => small.LoadTemplates(file, "t.bin"));
        Assert.Equal(0, small.TemplateCount);
    }
}
