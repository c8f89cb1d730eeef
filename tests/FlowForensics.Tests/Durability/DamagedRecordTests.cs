using System.Buffers.Binary;
using FlowForensics.Flows;
using FlowForensics.Query;
using FlowForensics.Reporting;
using FlowForensics.Storage.Nfcapd;
using FlowForensics.Tests.Differential;
using FlowForensics.Wire;
using Xunit;

namespace FlowForensics.Tests.Durability;

/// <summary>Issue 18 items 6, 7 and 8 (filters): damaged records and hostile filters give bounded, named errors.</summary>
public sealed class DamagedRecordTests : IDisposable
{
    private static readonly DateTime T0 = new(2024, 1, 1, 12, 0, 0, DateTimeKind.Utc);
    private readonly string _dir = Directory.CreateTempSubdirectory("ff-damaged-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static FlowRecord Flow(int i) => new()
    {
        Start = T0.AddSeconds(i),
        End = T0.AddSeconds(i + 1),
        Protocol = 6,
        SrcPort = (ushort)(1000 + i),
        DstPort = 443,
        Packets = 2,
        Bytes = 120,
        SrcAddress = FlowAddress.FromIPv4(0x0A000001u + (uint)i),
        DstAddress = FlowAddress.FromIPv4(0xC0000201u),
    };

    [Fact]
    public void Item6_AV3RecordWithNoElementsIsDamageNamedWithFileAndOffsetAsNfdumpRejectsIt()
    {
        string path = Path.Combine(_dir, "nfcapd.202401011200");
        using (var w = NfcapdFileWriter.Create(path, NfcapdCompression.None))
        {
            for (int i = 0; i < 3; i++) w.Accept(Flow(i));
            w.Complete();
        }
        var bytes = File.ReadAllBytes(path);
        int first = NfcapdLayout.HeaderSize + NfcapdLayout.BlockHeaderSize;
        int second = first + BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(first + 2));
        Assert.Equal(NfcapdLayout.V3RecordType, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(second)));
        bytes[second + NfcapdLayout.V3NumElements] = 0;
        bytes[second + NfcapdLayout.V3NumElements + 1] = 0;
        File.WriteAllBytes(path, bytes);

        using var reader = NfcapdFileReader.Open(path);
        var read = new List<FlowRecord>();
        var e = Assert.Throws<FlowDataException>(() => { foreach (var f in reader.ReadFlows()) read.Add(f); });
        Assert.Equal(path, e.DataSource);
        Assert.Contains("no elements", e.Reason, StringComparison.Ordinal);
        Assert.Equal(second, e.Offset);
        // The flow before the damage is kept, and no flow dated 0001-01-01 appears.
        Assert.Single(read);
        Assert.DoesNotContain(read, static f => f.Start.Year < 1970);
        // nfdump 1.7.1 rejects the record too: it prints the flow before it and fails on it ("Record size info ... not
        // equal sum extensions"), giving no all-zero flow.
        var nfdump = NfdumpTool.Run(NfdumpTool.Nfdump, ["-r", path, "-q", "-o", "fmt:%sp"]);
        Assert.NotEqual(0, nfdump.ExitCode);
        Assert.Contains("Record size", nfdump.StdErr, StringComparison.Ordinal);
        Assert.Equal(["1000"], nfdump.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    [Fact]
    public void Item6_AReportWithAFlowWithoutAStartTimeIsWritten()
    {
        var report = new FlowReport();
        report.AddFlow(Flow(1));
        report.AddFlow(new FlowRecord { Protocol = 17, Packets = 1, Bytes = 40 });   // Start = 0001-01-01, as a damaged record read
        string path = Path.Combine(_dir, "case.xlsx");
        report.Save(path, overwrite: false);
        Assert.True(new FileInfo(path).Length > 0);
        var histogram = new TrafficHistogram();
        histogram.Add(default, 40, 1, 1);
        histogram.Add(T0, 40, 1, 1);
        Assert.Equal(1, histogram.Undated);
        Assert.Single(histogram.Buckets());
    }

    [Fact]
    public void Item7_AnExtensionMapOfThousandsOfIdsIsRejectedAtOnce()
    {
        // A layout-1 file: 140-byte header, 136-byte stat, one V2 block holding a map of 32,000 ids and 200 records using it.
        var map = new byte[8 + 2 * 32_000 + 2];
        BinaryPrimitives.WriteUInt16LittleEndian(map, NfcapdLayout.ExtensionMapType);
        BinaryPrimitives.WriteUInt16LittleEndian(map.AsSpan(2), (ushort)Math.Min(map.Length, ushort.MaxValue & ~3));
        for (int i = 0; i < 32_000; i++) BinaryPrimitives.WriteUInt16LittleEndian(map.AsSpan(8 + 2 * i), 4);
        int mapSize = Math.Min(map.Length, ushort.MaxValue & ~3);
        var common = new byte[NfcapdLayout.V1CommonFixedSize + 8 + 8];
        BinaryPrimitives.WriteUInt16LittleEndian(common, NfcapdLayout.CommonRecordType);
        BinaryPrimitives.WriteUInt16LittleEndian(common.AsSpan(2), (ushort)common.Length);
        var payload = new List<byte>(map.AsSpan(0, mapSize).ToArray());
        for (int i = 0; i < 200; i++) payload.AddRange(common);
        var file = new byte[NfcapdLayout.V1DataStart + NfcapdLayout.BlockHeaderSize + payload.Count];
        BinaryPrimitives.WriteUInt16LittleEndian(file, NfcapdLayout.MagicValue);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(2), NfcapdLayout.LayoutVersion1);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(NfcapdLayout.V1NumBlocks), 1);
        var block = file.AsSpan(NfcapdLayout.V1DataStart);
        BinaryPrimitives.WriteUInt32LittleEndian(block, 201);
        BinaryPrimitives.WriteUInt32LittleEndian(block[4..], (uint)payload.Count);
        BinaryPrimitives.WriteUInt16LittleEndian(block[8..], NfcapdLayout.BlockTypeV2);
        payload.CopyTo(file, NfcapdLayout.V1DataStart + NfcapdLayout.BlockHeaderSize);
        string path = Path.Combine(_dir, "nfcapd.202401011200");
        File.WriteAllBytes(path, file);

        using var reader = NfcapdFileReader.Open(path);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var e = Assert.Throws<FlowDataException>(() => reader.ReadFlows().Count());
        Assert.Contains($"more than {NfcapdLimits.MaxExtensionMapIds} extension ids", e.Reason, StringComparison.Ordinal);
        Assert.Equal(NfcapdLayout.V1DataStart + NfcapdLayout.BlockHeaderSize, e.Offset);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
    }

    [Fact]
    public void Item8_ANonBmpCharacterInAFilterIsNamedWhole()
    {
        var e = Assert.Throws<FilterSyntaxException>(() => FlowFilter.Compile("proto tcp and 😀"));
        Assert.Contains("'😀'", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("\uFFFD", e.Message, StringComparison.Ordinal);
        Assert.Equal(2, e.Length);
        var lone = Assert.Throws<FilterSyntaxException>(() => FlowFilter.Compile("proto tcp and \uD83D"));
        Assert.Contains("U+D83D", lone.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Item8_ATenMegabyteFilterIsRejectedCheaply()
    {
        string huge = "proto tcp or " + new string('x', 10 * 1024 * 1024);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<FilterSyntaxException>(() => FlowFilter.Compile(huge));
        string caret = e.ToCaretString();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("limit", e.Message, StringComparison.Ordinal);
        Assert.True(caret.Length < 2 * FilterSyntaxException.CaretWindow + 16, $"caret string of {caret.Length} characters");
        Assert.True(allocated < 1024 * 1024, $"{allocated:N0} bytes allocated while rejecting");
    }
}
