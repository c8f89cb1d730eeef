using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using FlowForensics.Capture;
using FlowForensics.Export;
using FlowForensics.Flows;
using FlowForensics.Query;
using FlowForensics.Storage.Nfcapd;
using FlowForensics.Wire;
using Xunit;

namespace FlowForensics.Tests.Durability;

/// <summary>
/// Mutation fuzzing in CI (issue 18, Proof): every reader gets mutants of real inputs (bit flips, random bytes,
/// interesting values, truncation, duplicated and deleted chunks) from fixed seeds. A mutant may be refused only with
/// the reader's bad-data exception (FlowDataException, or FilterSyntaxException for filters); any other exception, a
/// run over <see cref="RunLimit"/> or over <see cref="AllocationLimit"/> bytes fails the test with the seed and the
/// mutant's number, so it can be replayed. Cost: 5,000 mutants per reader, about 10 s in all on this machine.
/// </summary>
public sealed class MutationFuzzTests
{
    private const int Mutants = 5000;
    private static readonly TimeSpan RunLimit = TimeSpan.FromSeconds(2);
    private const long AllocationLimit = 256L * 1024 * 1024;

    private static byte[] Sample(params string[] parts) => File.ReadAllBytes(SharedData.Path(parts));

    /// <summary>One mutant of <paramref name="input"/>: one to four mutations.</summary>
    internal static byte[] Mutate(byte[] input, Random random)
    {
        var data = new List<byte>(input);
        int count = 1 + random.Next(4);
        for (int m = 0; m < count; m++)
        {
            if (data.Count == 0) data.Add(0);
            int at = random.Next(data.Count);
            switch (random.Next(7))
            {
                case 0: data[at] ^= (byte)(1 << random.Next(8)); break;
                case 1: data[at] = (byte)random.Next(256); break;
                case 2:
                    {
                        // an interesting 16- or 32-bit value, either byte order
                        uint[] values = [0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF];
                        uint v = values[random.Next(values.Length)];
                        int width = random.Next(2) == 0 ? 2 : 4;
                        Span<byte> bytes = stackalloc byte[4];
                        if (random.Next(2) == 0) BinaryPrimitives.WriteUInt32LittleEndian(bytes, v);
                        else BinaryPrimitives.WriteUInt32BigEndian(bytes, v << (width == 2 ? 16 : 0));
                        for (int i = 0; i < width && at + i < data.Count; i++) data[at + i] = bytes[i];
                        break;
                    }
                case 3: data.RemoveRange(at, data.Count - at); break;
                case 4:
                    {
                        int length = Math.Min(random.Next(1, 64), data.Count - at);
                        data.InsertRange(random.Next(data.Count), data.GetRange(at, length));
                        break;
                    }
                case 5: data.RemoveRange(at, Math.Min(random.Next(1, 64), data.Count - at)); break;
                default: data.Insert(at, (byte)random.Next(256)); break;
            }
        }
        return [.. data];
    }

    private static void Fuzz(string reader, IReadOnlyList<byte[]> inputs, int seed, Action<byte[]> run, Func<Exception, bool>? expected = null)
    {
        expected ??= static e => e is FlowDataException;
        var random = new Random(seed);
        var watch = new Stopwatch();
        for (int n = 0; n < Mutants; n++)
        {
            byte[] mutant = Mutate(inputs[n % inputs.Count], random);
            long before = GC.GetAllocatedBytesForCurrentThread();
            watch.Restart();
            try
            {
                run(mutant);
            }
            catch (Exception e) when (expected(e))
            {
                // refused as bad data: what a reader should do
            }
            catch (Exception e)
            {
                Assert.Fail($"{reader}, seed {seed}, mutant {n}: unhandled {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
            }
            watch.Stop();
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(watch.Elapsed < RunLimit, $"{reader}, seed {seed}, mutant {n}: took {watch.Elapsed}");
            Assert.True(allocated < AllocationLimit, $"{reader}, seed {seed}, mutant {n}: allocated {allocated:N0} bytes");
        }
    }

    [Fact]
    public void NfcapdReaderLayouts1And2EveryCompression()
    {
        byte[][] inputs =
        [
            Sample("formats", "samples", "nfpcapd-ipv4v6-none.nfcapd"),
            Sample("formats", "samples", "nfpcapd-ipv4v6-lz4.nfcapd"),
            Sample("formats", "samples", "nfpcapd-ipv4v6-lzo.nfcapd"),
            Sample("formats", "samples", "nfpcapd-ipv4v6-bz2.nfcapd"),
            Sample("formats", "samples", "latest-1.7.8", "nfcapd-1.7.8-softflowd-ipfix-zstd.nfcapd"),
            Sample("formats", "samples", "legacy-1.6", "nfcapd-1.6.25-softflowd-v9-none.nfcapd"),
            Sample("formats", "samples", "synthetic", "writer-rich-none.nfcapd"),
        ];
        Fuzz("nfcapd", inputs, 1801, static bytes =>
        {
            using var reader = NfcapdFileReader.Open(new MemoryStream(bytes, writable: false), "mutant.nfcapd");
            foreach (var _ in reader.ReadFlows()) { }
        });
    }

    [Fact]
    public void CaptureReaderPcapPcapngAndGzip()
    {
        byte[] pcap = Sample("formats", "samples", "source-test.pcap");
        var gzip = new MemoryStream();
        using (var z = new GZipStream(gzip, CompressionLevel.Fastest, leaveOpen: true)) z.Write(pcap);
        byte[][] inputs = [pcap, Sample("data", "pcap", "chrissanders", "dns_tcp.pcapng"), gzip.ToArray()];
        Fuzz("capture", inputs, 1802, static bytes =>
        {
            using var source = CaptureFileReader.Open(new MemoryStream(bytes, writable: false), "mutant.pcap");
            while (source.TryReadPacket(out _)) { }
        });
    }

    [Fact]
    public void ExportDecoderAndTemplateFiles()
    {
        // NetFlow v5 with two records, and a template file saved by a decoder that learnt nothing.
        var v5 = new byte[24 + 2 * 48];
        BinaryPrimitives.WriteUInt16BigEndian(v5, 5);
        BinaryPrimitives.WriteUInt16BigEndian(v5.AsSpan(2), 2);
        BinaryPrimitives.WriteUInt32BigEndian(v5.AsSpan(4), 600_000);
        BinaryPrimitives.WriteUInt32BigEndian(v5.AsSpan(8), 1_700_000_000);
        for (int r = 0; r < 2; r++)
        {
            var rec = v5.AsSpan(24 + r * 48);
            BinaryPrimitives.WriteUInt32BigEndian(rec, 0x0A000001u + (uint)r);
            BinaryPrimitives.WriteUInt32BigEndian(rec[16..], 3);
            BinaryPrimitives.WriteUInt32BigEndian(rec[20..], 180);
            rec[38] = 6;
        }
        var exporter = FlowAddress.FromIPv4(0xC0A80001u);
        var output = new List<FlowRecord>();
        var decoder = new ExportDecoder();
        Fuzz("export", [v5], 1803, bytes =>
        {
            output.Clear();
            decoder.Decode(bytes, exporter, DateTime.UtcNow, output);
        });
        var saved = new MemoryStream();
        new ExportDecoder().SaveTemplates(saved);
        Fuzz("template file", [saved.ToArray()], 1804,
            static bytes => new ExportDecoder().LoadTemplates(new MemoryStream(bytes, writable: false), "mutant.templates"),
            static e => e is FlowDataException or InvalidDataException);
    }

    [Fact]
    public void FilterCompiler()
    {
        string[] filters =
        [
            "proto tcp and dst port 443 and not src net 10.0.0.0/8",
            "(host 192.0.2.1 or host 2001:db8::1) and bytes > 1000 and flags AS",
            "src port in [ 53 80 443 ] and packets < 10 or icmp-type 8",
            "as 64512 and tos 4 and (dst net 198.51.100.0/24 or vlan 100)",
        ];
        byte[][] inputs = [.. filters.Select(static f => System.Text.Encoding.UTF8.GetBytes(f))];
        Fuzz("filter", inputs, 1805, static bytes => FlowFilter.Compile(System.Text.Encoding.UTF8.GetString(bytes)),
            static e => e is FilterSyntaxException);
    }
}
