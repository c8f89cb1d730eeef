using System.Buffers.Binary;
using FlowForensics.Flows;
using FlowForensics.Storage.Nfcapd;
using FlowForensics.Tests.Differential;
using FlowForensics.Wire;
using K4os.Compression.LZ4;
using Xunit;

namespace FlowForensics.Tests.Storage;

/// <summary>
/// Damaged files give flows and then a <see cref="FlowDataException"/>, never another exception, never a hang,
/// never an unbounded allocation: every truncated prefix, seeded bit flips, and each named limit.
/// </summary>
public sealed class NfcapdRobustnessTests
{
    /// <summary>Allocation allowed for reading one small damaged file (the rented 5 MiB block buffer, bzip2's tables, records).</summary>
    private const long MaxAllocationPerRead = 48L * 1024 * 1024;

    public static TheoryData<string> SmallSamples() => new()
    {
        "nfpcapd-ipv4v6-none.nfcapd",
        "nfpcapd-ipv4v6-lz4.nfcapd",
        "nfpcapd-ipv4v6-lzo.nfcapd",
        "nfpcapd-ipv4v6-bz2.nfcapd",
        "nfcapd-softflowd-v9-none.nfcapd",
        "legacy-1.6/nfcapd-1.6.25-softflowd-v9-none.nfcapd",
        "latest-1.7.8/nfcapd-1.7.8-softflowd-ipfix-zstd.nfcapd",
        "synthetic/writer-rich-none.nfcapd",
    };

    private sealed record Outcome(List<FlowRecord> Flows, FlowDataException? Error, long Allocated);

    private static Outcome Read(byte[] bytes, string name)
    {
        var task = Task.Run(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            var flows = new List<FlowRecord>();
            try
            {
                using var reader = NfcapdFileReader.Open(new MemoryStream(bytes, writable: false), name);
                foreach (var f in reader.ReadFlows()) flows.Add(f);
                return new Outcome(flows, null, GC.GetAllocatedBytesForCurrentThread() - before);
            }
            catch (FlowDataException e)
            {
                return new Outcome(flows, e, GC.GetAllocatedBytesForCurrentThread() - before);
            }
        });
        Assert.True(task.Wait(TimeSpan.FromSeconds(30)), $"{name}: reading did not finish in 30 s");
        return task.Result; // any exception other than FlowDataException surfaces here and fails the test
    }

    [Theory]
    [MemberData(nameof(SmallSamples))]
    public void EveryTruncatedPrefixGivesAPrefixOfTheFlowsThenAnError(string sample)
    {
        var bytes = File.ReadAllBytes(SharedData.Path("formats", "samples", sample));
        var full = Read(bytes, sample);
        Assert.Null(full.Error);
        for (int n = 0; n < bytes.Length; n++)
        {
            var o = Read(bytes[..n], $"{sample}[..{n}]");
            Assert.True(o.Allocated < MaxAllocationPerRead, $"prefix {n}: allocated {o.Allocated} bytes");
            Assert.True(o.Flows.Count <= full.Flows.Count, $"prefix {n}: {o.Flows.Count} flows");
            for (int i = 0; i < o.Flows.Count; i++)
                FlowAssert.Same(full.Flows[i], o.Flows[i], $"prefix {n} flow {i}");
            // A cut inside the data blocks loses flows and must say so; only the appendix may be cut silently.
            if (o.Flows.Count < full.Flows.Count)
                Assert.True(o.Error is not null, $"prefix {n}: {o.Flows.Count} of {full.Flows.Count} flows without an error");
            if (o.Error is not null)
            {
                Assert.Equal($"{sample}[..{n}]", o.Error.DataSource);
                Assert.InRange(o.Error.Offset, 0, bytes.Length);
            }
        }
    }

    [Theory]
    [MemberData(nameof(SmallSamples))]
    public void SeededBitFlipsGiveOnlyFlowsOrFlowDataException(string sample)
    {
        var original = File.ReadAllBytes(SharedData.Path("formats", "samples", sample));
        var rng = new Random(sample.Length * 7919);
        int errors = 0, clean = 0;
        for (int round = 0; round < 400; round++)
        {
            var bytes = (byte[])original.Clone();
            int flips = 1 + rng.Next(3);
            for (int k = 0; k < flips; k++)
            {
                int at = rng.Next(bytes.Length);
                bytes[at] ^= (byte)(1 << rng.Next(8));
            }
            var o = Read(bytes, $"{sample}#{round}");
            Assert.True(o.Allocated < MaxAllocationPerRead, $"round {round}: allocated {o.Allocated} bytes");
            if (o.Error is null) clean++;
            else errors++;
        }
        Assert.Equal(400, errors + clean);
    }

    [Fact]
    public void NotAnNfcapdFileSaysSo()
    {
        var e = Assert.Throws<FlowDataException>(() => NfcapdFileReader.Open(SharedData.Path("formats", "samples", "source-test.pcap")));
        Assert.Contains("not an nfcapd file", e.Reason, StringComparison.Ordinal);
        Assert.Equal(0, e.Offset);
        Assert.False(NfcapdFileReader.IsNfcapdFile(SharedData.Path("formats", "samples", "source-test.pcap")));
        Assert.True(NfcapdFileReader.IsNfcapdFile(SharedData.Path("formats", "samples", "nfpcapd-ipv4v6-none.nfcapd")));
    }

    [Theory]
    [InlineData("layout 3", 2, 3, "unsupported nfcapd layout 3")]
    [InlineData("layout 9", 2, 9, "unknown nfcapd layout version 9")]
    [InlineData("compression 7", 16, 7, "unknown block compression 7")]
    [InlineData("encrypted", 17, 1, "encrypted")]
    public void RejectsHeadersNfdumpRejects(string why, int offset, byte value, string reason)
    {
        var bytes = File.ReadAllBytes(SharedData.Path("formats", "samples", "nfpcapd-ipv4v6-none.nfcapd"));
        bytes[offset] = value;
        var e = Assert.Throws<FlowDataException>(() => NfcapdFileReader.Open(new MemoryStream(bytes), why));
        Assert.Contains(reason, e.Reason, StringComparison.Ordinal);
        Assert.Equal(offset, e.Offset);
    }

    [Fact]
    public void BlockSizeAboveMaxBlockSizeIsRejectedBeforeAnyAllocation()
    {
        var bytes = File.ReadAllBytes(SharedData.Path("formats", "samples", "nfpcapd-ipv4v6-none.nfcapd"));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(NfcapdLayout.HeaderSize + NfcapdLayout.BlockSize), NfcapdLimits.MaxBlockSize + 1);
        var o = Read(bytes, "huge block");
        Assert.Empty(o.Flows);
        Assert.Contains($"outside 1..{NfcapdLimits.MaxBlockSize}", o.Error!.Reason, StringComparison.Ordinal);
        Assert.Equal(NfcapdLayout.HeaderSize, o.Error.Offset);
        Assert.True(o.Allocated < 1024 * 1024, $"allocated {o.Allocated}");
    }

    [Fact]
    public void BlockLargerThanTheFileIsTruncationNotAnAllocation()
    {
        var bytes = File.ReadAllBytes(SharedData.Path("formats", "samples", "nfpcapd-ipv4v6-none.nfcapd"));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(NfcapdLayout.HeaderSize + NfcapdLayout.BlockSize), 4_000_000);
        var o = Read(bytes, "lying block");
        Assert.Contains("truncated", o.Error!.Reason, StringComparison.Ordinal);
        Assert.True(o.Allocated < 1024 * 1024, $"allocated {o.Allocated}");
    }

    [Fact]
    public void DecompressionBombAboveMaxUncompressedBlockSizeIsRejected()
    {
        // an LZ4 block that expands to 6 MiB of zeros: more than nfdump's 5 MiB buffer
        var zeros = new byte[6 * 1024 * 1024];
        var packed = new byte[LZ4Codec.MaximumOutputSize(zeros.Length)];
        int n = LZ4Codec.Encode(zeros, packed, LZ4Level.L00_FAST);
        var file = new MemoryStream();
        var header = new byte[NfcapdLayout.HeaderSize];
        BinaryPrimitives.WriteUInt16LittleEndian(header, NfcapdLayout.MagicValue);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(2), 2);
        header[NfcapdLayout.Compression] = (byte)NfcapdCompression.Lz4;
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(NfcapdLayout.NumBlocks), 1);
        file.Write(header);
        var block = new byte[NfcapdLayout.BlockHeaderSize];
        BinaryPrimitives.WriteUInt32LittleEndian(block, 1);
        BinaryPrimitives.WriteUInt32LittleEndian(block.AsSpan(4), (uint)n);
        BinaryPrimitives.WriteUInt16LittleEndian(block.AsSpan(8), 3);
        file.Write(block);
        file.Write(packed, 0, n);
        var o = Read(file.ToArray(), "bomb");
        Assert.Empty(o.Flows);
        Assert.Contains($"larger than {NfcapdLimits.MaxUncompressedBlockSize}", o.Error!.Reason, StringComparison.Ordinal);
        Assert.StartsWith("block 0:", o.Error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void RecordCountBeyondThePayloadIsCorruptAfterTheGoodRecords()
    {
        var bytes = File.ReadAllBytes(SharedData.Path("formats", "samples", "nfpcapd-ipv4v6-none.nfcapd"));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(NfcapdLayout.HeaderSize), 15); // 14 records in the block
        var o = Read(bytes, "numrecords");
        Assert.Equal(14, o.Flows.Count);
        Assert.Equal("block 0: record 14 of 15 starts past the end of the 1184-byte payload", o.Error!.Reason);
        Assert.Equal(52 + 1184, o.Error.Offset);
    }

    [Fact]
    public void ElementsBeyondTheRecordAreCorruptWithTheRecordOffset()
    {
        var bytes = File.ReadAllBytes(SharedData.Path("formats", "samples", "nfpcapd-ipv4v6-none.nfcapd"));
        bytes[0x38] = 3; // first record: numElements 2 -> 3
        var o = Read(bytes, "elements");
        Assert.Empty(o.Flows);
        Assert.StartsWith("block 0: record 0: element 2", o.Error!.Reason, StringComparison.Ordinal);
        Assert.Equal(0x34, o.Error.Offset);
    }

    [Fact]
    public void UnknownElementsAndRecordsAreSkippedBySize()
    {
        var bytes = File.ReadAllBytes(SharedData.Path("formats", "samples", "nfpcapd-ipv4v6-none.nfcapd"));
        // first record's EXipv4Flow element becomes unknown id 99: the flow is still read, addresses absent
        bytes[0x74] = 99;
        // second record's type becomes 200: skipped
        bytes[0x34 + 76] = 200;
        var o = Read(bytes, "unknown");
        Assert.Null(o.Error);
        Assert.Equal(13, o.Flows.Count);
        Assert.Null(o.Flows[0].SrcAddr);
        Assert.Equal(53000, o.Flows[0].SrcPort);
    }
}
