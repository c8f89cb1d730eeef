using System.Collections;
using System.Net;
using System.Reflection;
using FlowForensics.Analysis.TopN;
using FlowForensics.Flows;
using FlowForensics.Query;
using FlowForensics.Storage;
using FlowForensics.Storage.Nfcapd;
using FlowForensics.Wire;
using Xunit;

namespace FlowForensics.Tests.Storage;

/// <summary>
/// <see cref="NfcapdFileReader.ReadFlowsInto"/>, the engine read path that decodes every flow into one reused record:
/// the same flows, field for field, and the same damage behaviour as <see cref="NfcapdFileReader.ReadFlows"/> on every
/// sample and data file, and no allocation per flow.
/// </summary>
public sealed class NfcapdReadIntoTests
{
    /// <summary>Every nfcapd file under formats/ and data/nfcapd/ (the golden samples, real captures, an empty and a damaged one).</summary>
    public static TheoryData<string> AllFiles()
    {
        var data = new TheoryData<string>();
        foreach (string f in AllFilePaths()) data.Add(f);
        return data;
    }

    internal static List<string> AllFilePaths() =>
        [.. new[] { SharedData.Path("formats"), SharedData.Path("data", "nfcapd") }
            .SelectMany(root => Directory.GetFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            .Where(NfcapdFileReader.IsNfcapdFile)
            .Select(f => Path.GetRelativePath(SharedData.Root, f))];

    [Fact]
    public void TheFilesIncludeTheSamplesTheRealCapturesAndTheDamagedFile()
    {
        var files = AllFilePaths();
        Assert.True(files.Count >= 20, $"{files.Count} files");
        Assert.Contains(files, f => f.EndsWith("nfcapd-corrupt", StringComparison.Ordinal));
        Assert.Contains(files, f => f.EndsWith("nfcapd-large-bz2", StringComparison.Ordinal));
        Assert.Contains(files, f => f.Contains("legacy-1.6", StringComparison.Ordinal));
    }

    private sealed record Outcome(List<FlowRecord> Flows, FlowDataException? Error, long Returned);

    private static Outcome Fresh(NfcapdFileReader reader)
    {
        var flows = new List<FlowRecord>();
        try
        {
            foreach (var f in reader.ReadFlows()) flows.Add(f);
            return new Outcome(flows, null, flows.Count);
        }
        catch (FlowDataException e)
        {
            return new Outcome(flows, e, -1);
        }
    }

    private static Outcome Reused(NfcapdFileReader reader, FlowRecord reused)
    {
        var flows = new List<FlowRecord>();
        try
        {
            long n = reader.ReadFlowsInto(reused, f =>
            {
                Assert.Same(reused, f);
                flows.Add(f.Clone());
            });
            return new Outcome(flows, null, n);
        }
        catch (FlowDataException e)
        {
            return new Outcome(flows, e, -1);
        }
    }

    [Theory]
    [MemberData(nameof(AllFiles))]
    public void GivesTheSameFlowsAndTheSameErrorAsReadFlows(string file)
    {
        string path = SharedData.Path(file);
        using var reader = NfcapdFileReader.Open(path);
        var expected = Fresh(reader);
        // One record reused across two passes: nothing of the first pass's last flow leaks into the second.
        var reused = new FlowRecord();
        var first = Reused(reader, reused);
        var second = Reused(reader, reused);
        foreach (var got in new[] { first, second })
        {
            AssertSameOutcome(expected, got, file);
            if (got.Error is null) Assert.Equal(expected.Flows.Count, got.Returned);
        }
    }

    [Fact]
    public void TheDamagedFileNamesFileAndOffset()
    {
        string path = SharedData.Path("data", "nfcapd", "chrispassas", "nfcapd-corrupt");
        using var reader = NfcapdFileReader.Open(path);
        var got = Reused(reader, new FlowRecord());
        Assert.NotNull(got.Error);
        Assert.Equal(path, got.Error!.DataSource);
        Assert.InRange(got.Error.Offset, 1, new FileInfo(path).Length);
        Assert.Contains(path, got.Error.Message, StringComparison.Ordinal);
        Assert.Contains("block", got.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AFileCutInTheMiddleCountsTheFlowsBeforeTheCut()
    {
        var bytes = File.ReadAllBytes(SharedData.Path("data", "nfcapd", "chrispassas", "nfcapd-large-bz2"));
        var cut = bytes[..(bytes.Length / 2)];
        using var reader = NfcapdFileReader.Open(new MemoryStream(cut, writable: false), "large-cut");
        var expected = Fresh(reader);
        var got = Reused(reader, new FlowRecord());
        AssertSameOutcome(expected, got, "large-cut");
        Assert.NotNull(got.Error);
        Assert.Equal("large-cut", got.Error!.DataSource);
        Assert.InRange(got.Error.Offset, bytes.Length / 4, cut.Length);
        Assert.InRange(got.Flows.Count, 10_000, 99_999);   // of 100,000 in the whole file
    }

    public static TheoryData<string> SmallSamples() => new()
    {
        "nfpcapd-ipv4v6-lz4.nfcapd",
        "nfpcapd-ipv4v6-bz2.nfcapd",
        "nfcapd-softflowd-v9-none.nfcapd",
        "legacy-1.6/nfcapd-1.6.25-softflowd-v9-none.nfcapd",
        "latest-1.7.8/nfcapd-1.7.8-softflowd-ipfix-zstd.nfcapd",
        "synthetic/writer-rich-none.nfcapd",
    };

    [Theory]
    [MemberData(nameof(SmallSamples))]
    public void DamagedCopiesGiveTheSameFlowsAndErrorsAsReadFlows(string sample)
    {
        var original = File.ReadAllBytes(SharedData.Path("formats", "samples", sample));
        var rng = new Random(sample.Length * 104_729);
        var reused = new FlowRecord();
        int damaged = 0;
        for (int round = 0; round < 300; round++)
        {
            byte[] bytes;
            if (round % 3 == 0)
            {
                bytes = original[..rng.Next(original.Length)];   // truncated
            }
            else
            {
                bytes = (byte[])original.Clone();
                for (int k = 1 + rng.Next(3); k > 0; k--) bytes[rng.Next(bytes.Length)] ^= (byte)(1 << rng.Next(8));
            }
            string name = $"{sample}#{round}";
            NfcapdFileReader reader;
            try
            {
                reader = NfcapdFileReader.Open(new MemoryStream(bytes, writable: false), name);
            }
            catch (FlowDataException)
            {
                continue;   // the header itself is damaged: no read path to compare
            }
            using (reader)
            {
                var expected = Fresh(reader);
                var got = Reused(reader, reused);
                AssertSameOutcome(expected, got, name);
                if (got.Error is not null)
                {
                    damaged++;
                    Assert.Equal(name, got.Error.DataSource);
                    Assert.InRange(got.Error.Offset, 0, bytes.Length);
                }
            }
        }
        Assert.True(damaged > 20, $"only {damaged} of 300 damaged copies failed to read: the test would not see a difference");
    }

    private static void AssertSameOutcome(Outcome expected, Outcome got, string what)
    {
        Assert.Equal(expected.Flows.Count, got.Flows.Count);
        for (int i = 0; i < expected.Flows.Count; i++) AssertSameFields(expected.Flows[i], got.Flows[i], $"{what} flow {i + 1}");
        Assert.Equal(expected.Error?.Message, got.Error?.Message);
        Assert.Equal(expected.Error?.Offset, got.Error?.Offset);
    }

    private static readonly FieldInfo[] RecordFields =
        typeof(FlowRecord).GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);

    /// <summary>Every field of the two records equal (the cached IPAddress objects compared by value).</summary>
    private static void AssertSameFields(FlowRecord expected, FlowRecord actual, string what)
    {
        foreach (var field in RecordFields)
        {
            object? a = field.GetValue(expected), b = field.GetValue(actual);
            if (a is IPAddress || b is IPAddress) continue;   // caches, made on first use
            if (a is IEnumerable ea && b is IEnumerable eb)
                Assert.True(ea.Cast<object>().SequenceEqual(eb.Cast<object>()), $"{what}: {field.Name}");
            else
                Assert.True(Equals(a, b), $"{what}: {field.Name} is {b}, expected {a}");
        }
    }

    [Fact]
    public void ResetPutsEveryFieldBackToANewRecords()
    {
        var record = new FlowRecord();
        Assert.True(RecordFields.Length > 40, $"{RecordFields.Length} fields");
        foreach (var field in RecordFields) field.SetValue(record, NotDefault(field.FieldType, field.Name));
        foreach (var field in RecordFields)
            Assert.False(Equals(field.GetValue(record), field.GetValue(new FlowRecord())), $"{field.Name} was not changed by the test");
        record.Reset();
        var fresh = new FlowRecord();
        foreach (var field in RecordFields)
        {
            object? a = field.GetValue(fresh), b = field.GetValue(record);
            Assert.True(Equals(a, b), $"Reset leaves {field.Name} = {b}, a new record has {a}");
        }
    }

    [Fact]
    public void ResetPutsBackEachFieldSetAlone()
    {
        // Each field set alone is reset too (not only all of them at once), whatever shortcuts Reset takes.
        var fresh = new FlowRecord();
        foreach (var changed in RecordFields)
        {
            var record = new FlowRecord();
            changed.SetValue(record, NotDefault(changed.FieldType, changed.Name));
            record.Reset();
            foreach (var field in RecordFields)
            {
                object? a = field.GetValue(fresh), b = field.GetValue(record);
                Assert.True(Equals(a, b), $"with only {changed.Name} set, Reset leaves {field.Name} = {b}, a new record has {a}");
            }
        }
    }

    private static object NotDefault(Type type, string name)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (underlying == typeof(DateTime)) return new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        if (underlying == typeof(TimeSpan)) return TimeSpan.FromMilliseconds(7);
        if (underlying == typeof(FlowAddress)) return FlowAddress.FromIPv4(0x0A000001);
        if (underlying == typeof(IPAddress)) return IPAddress.Parse("10.0.0.1");
        if (underlying == typeof(string)) return "label";
        if (underlying == typeof(uint[])) return new uint[] { 1 };
        if (underlying.IsEnum) return Enum.ToObject(underlying, 3);
        if (underlying.IsPrimitive) return Convert.ChangeType(3, underlying, System.Globalization.CultureInfo.InvariantCulture);
        throw new InvalidOperationException($"no test value for {name} of type {type}: extend the test (and FlowRecord.Reset)");
    }
}

/// <summary>
/// The reused-record read path allocates nothing per flow, and nor does Measure-FlowTopN's engine on top of it.
/// GC.GetTotalAllocatedBytes is process-wide (AddFiles reads on worker threads), so this runs alone.
/// </summary>
[Collection(MemoryMeasurementCollection.Name)]
public sealed class NfcapdReadIntoAllocationTests : IDisposable
{
    private const int FlowCount = 200_000;
    private readonly string _dir = Directory.CreateTempSubdirectory("ff-readinto-").FullName;
    private readonly string _file, _second;

    public NfcapdReadIntoAllocationTests()
    {
        _file = Path.Combine(_dir, "nfcapd.202406010000");
        _second = Path.Combine(_dir, "nfcapd.202406010010");
        Write(_file, FlowCount, seed: 5);
        Write(_second, FlowCount, seed: 6);
    }

    private static void Write(string path, int count, int seed)
    {
        var rng = new Random(seed);
        var t0 = new DateTime(2024, 6, 1, 0, 0, 0, DateTimeKind.Utc);
        using var w = NfcapdFileWriter.Create(path);
        for (int i = 0; i < count; i++)
        {
            var start = t0.AddMilliseconds(i * 3L);
            w.Accept(new FlowRecord
            {
                Start = start,
                End = start.AddMilliseconds(rng.Next(0, 30_000)),
                Protocol = 6,
                SrcPort = (ushort)rng.Next(1024, 65536),
                DstPort = 443,
                Packets = rng.Next(1, 100),
                Bytes = rng.Next(40, 100_000),
                SrcAddress = FlowAddress.FromIPv4(0x0A000000u + (uint)rng.Next(200)),
                DstAddress = FlowAddress.FromIPv4(0xC0000201u),
            });
        }
        w.Complete();
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Bytes the process allocated during <paramref name="work"/>, after a first run (JIT, pools, lazy tables).</summary>
    private static long Allocated(Action work)
    {
        work();
        long before = GC.GetTotalAllocatedBytes(precise: true);
        work();
        return GC.GetTotalAllocatedBytes(precise: true) - before;
    }

    [Fact]
    public void ReadFlowsIntoAllocatesAboutNothingPerFlow()
    {
        long flows = 0;
        var reused = new FlowRecord();
        long reusing = Allocated(() =>
        {
            using var reader = NfcapdFileReader.Open(_file);
            flows = reader.ReadFlowsInto(reused, static _ => { });
        });
        long fresh = Allocated(() =>
        {
            using var reader = NfcapdFileReader.Open(_file);
            foreach (var _ in reader.ReadFlows()) { }
        });
        Assert.Equal(FlowCount, flows);
        // The fixed cost (the reader, its stream, a closure) is a few KiB for the whole file.
        Assert.True(reusing < FlowCount / 4, $"ReadFlowsInto allocated {reusing} bytes for {FlowCount} flows ({(double)reusing / FlowCount:F2} per flow)");
        Assert.True(fresh > FlowCount * 100L, $"ReadFlows allocated only {fresh} bytes: the comparison shows nothing");
    }

    [Fact]
    public void TopNAddFilesAllocatesAboutNothingPerFlowWhenTheKeysAreFew()
    {
        foreach (int parallelism in new[] { 1, 2 })
        {
            long allocated = Allocated(() =>
            {
                var aggregator = new TopNAggregator(new TopNOptions(TopNOptions.ParseProperties(["SrcAddr"])) { Top = 10 });
                Assert.Equal(2 * FlowCount, aggregator.AddFiles([_file, _second], FlowSelection.All, parallelism));
                Assert.Equal(200, aggregator.KeyCount);
            });
            // Fixed costs only: the table for 200 keys, the readers, threads and tasks, and the block buffers the
            // read-ahead pipeline and each reading thread rent (the second run gets most of them back from ArrayPool).
            // One FlowRecord per flow would be over 100 MB here.
            long fixedCost = parallelism * 2L * (NfcapdLimits.MaxUncompressedBlockSize + NfcapdLimits.MaxBlockSize) + (1L << 20);
            Assert.True(allocated < fixedCost, $"parallelism {parallelism}: AddFiles allocated {allocated} bytes for {2 * FlowCount} flows (fixed allowance {fixedCost})");
        }
    }

    [Fact]
    public void ForEachTransientDeliversTheSameFlowsAsForEachInOneObject()
    {
        var fresh = new List<FlowRecord>();
        var seen = new HashSet<FlowRecord>(ReferenceEqualityComparer.Instance);
        var transient = new List<FlowRecord>();
        var selection = new FlowSelection(null, null, null);
        long a = FlowFileStream.ForEach([_file], selection, fresh.Add);
        long b = FlowFileStream.ForEachTransient([_file], selection, f =>
        {
            seen.Add(f);
            transient.Add(f.Clone());
        });
        Assert.Equal(FlowCount, a);
        Assert.Equal(a, b);
        Assert.Single(seen);
        for (int i = 0; i < fresh.Count; i += 997)
        {
            Assert.Equal(fresh[i].Start, transient[i].Start);
            Assert.Equal(fresh[i].SrcAddr, transient[i].SrcAddr);
            Assert.Equal(fresh[i].SrcPort, transient[i].SrcPort);
            Assert.Equal(fresh[i].Bytes, transient[i].Bytes);
        }
    }
}
