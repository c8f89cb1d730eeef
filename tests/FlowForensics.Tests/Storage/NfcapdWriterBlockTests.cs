using System.Buffers.Binary;
using FlowForensics.Flows;
using FlowForensics.Storage;
using FlowForensics.Storage.Nfcapd;
using Xunit;

namespace FlowForensics.Tests.Storage;

/// <summary>
/// The writer encodes a record in place in its block when the largest record fits, and aside otherwise: either way a
/// block is flushed only when the next record does not fit in it, and every record reads back as written.
/// </summary>
public sealed class NfcapdWriterBlockTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ff-writer-blocks-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    /// <summary>Flows of varied sizes (labels of 1..255 bytes, IPv4 and IPv6, two exporters), so block ends fall on records of every size.</summary>
    private static List<FlowRecord> Flows(int n)
    {
        var start = new DateTime(2024, 5, 1, 12, 0, 0, DateTimeKind.Utc);
        var list = new List<FlowRecord>(n);
        for (int i = 0; i < n; i++)
        {
            var r = new FlowRecord
            {
                Start = start.AddMilliseconds(i),
                End = start.AddMilliseconds(i + 500),
                Protocol = (byte)(i % 3 == 0 ? 17 : 6),
                SrcPort = (ushort)(1024 + i % 50000),
                DstPort = 443,
                Packets = 1 + i % 9,
                Bytes = 60 + i % 1400,
                Label = i % 7 == 0 ? new string('x', 1 + i % 255) : null,
            };
            if (i % 5 == 0)
            {
                r.SrcAddress = FlowAddress.FromIPv6(0x2001_0db8_0000_0000UL, (ulong)i);
                r.DstAddress = FlowAddress.FromIPv6(0x2001_0db8_0000_0001UL, (ulong)i);
            }
            else
            {
                r.SrcAddress = FlowAddress.FromIPv4(0x0A000000u | (uint)i);
                r.DstAddress = FlowAddress.FromIPv4(0xC6120000u | (uint)(i & 0xFFFF));
            }
            r.ExporterAddress = FlowAddress.FromIPv4(i % 1000 < 500 ? 0x7F000001u : 0x7F000002u);
            list.Add(r);
        }
        return list;
    }

    [Fact]
    public void A_block_is_flushed_only_when_the_next_record_does_not_fit_and_every_record_reads_back()
    {
        var flows = Flows(60_000);
        string path = Path.Combine(_dir, "nfcapd.202405011200");
        using (var w = NfcapdFileWriter.Create(path, NfcapdCompression.None))
        {
            foreach (var f in flows) w.Accept(f);
            w.Complete();
        }

        var bytes = File.ReadAllBytes(path);
        uint blocks = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(NfcapdLayout.NumBlocks));
        Assert.True(blocks >= 3, $"{blocks} blocks: too few to test block ends");
        int at = NfcapdLayout.HeaderSize;
        var sizes = new List<int>();
        var firstRecord = new List<int>();
        for (int b = 0; b < blocks; b++)
        {
            int size = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + NfcapdLayout.BlockSize));
            Assert.InRange(size, 1, NfcapdLimits.WriterBlockSize);
            sizes.Add(size);
            firstRecord.Add(BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at + NfcapdLayout.BlockHeaderSize + 2)));
            at += NfcapdLayout.BlockHeaderSize + size;
        }
        for (int b = 0; b + 1 < blocks; b++)
            Assert.True(sizes[b] + firstRecord[b + 1] > NfcapdLimits.WriterBlockSize,
                $"block {b} ({sizes[b]} bytes) was flushed though the next record ({firstRecord[b + 1]} bytes) fitted");
        // Some block ended with less room than the largest record: the path that encodes aside was taken.
        Assert.Contains(sizes.Take((int)blocks - 1), s => NfcapdLimits.WriterBlockSize - s < 1024);

        List<FlowRecord> read;
        using (var reader = NfcapdFileReader.Open(path)) read = reader.ReadFlows().ToList();
        Assert.Equal(flows.Count, read.Count);
        for (int i = 0; i < flows.Count; i += 997)
        {
            Assert.Equal(flows[i].SrcAddress, read[i].SrcAddress);
            Assert.Equal(flows[i].Label, read[i].Label);
            Assert.Equal(flows[i].Bytes, read[i].Bytes);
            Assert.Equal(flows[i].ExporterAddress, read[i].ExporterAddress);
        }
    }
}
