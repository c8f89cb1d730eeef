using FlowForensics.Flows;
using FlowForensics.Query;
using FlowForensics.Storage;
using FlowForensics.Storage.Nfcapd;
using FlowForensics.Wire;
using Xunit;

namespace FlowForensics.Tests.Storage;

/// <summary>
/// The statistics read path: <see cref="FlowFileStream.ForEachCore"/> decodes only what a top-N key or counter reads
/// (<see cref="FlowCore"/>), on the read-ahead pipeline, for one or several consumers. It must give, flow for flow, what
/// the whole-record path gives (<see cref="FlowCore.From"/> of each record), and the same errors at the same offsets.
/// </summary>
public sealed class FlowCoreReadTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ff-core-" + Guid.NewGuid().ToString("N"));

    public FlowCoreReadTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string> AllFiles() => NfcapdReadIntoTests.AllFiles();

    private sealed class Collect : IFlowCoreSink
    {
        public readonly List<FlowCore> Cores = [];

        public void Add(ReadOnlySpan<FlowCore> flows)
        {
            Assert.InRange(flows.Length, 1, FlowCoreBatch.Size);
            foreach (var flow in flows) Cores.Add(flow);
        }
    }

    private sealed record Outcome(List<FlowCore> Cores, List<string> Errors);

    private static Outcome ThroughRecords(IReadOnlyList<string> files, FlowSelection selection)
    {
        var cores = new List<FlowCore>();
        var errors = new List<string>();
        FlowFileStream.ForEach(files, selection, f => cores.Add(FlowCore.From(f)), e => errors.Add($"{e.Message} @{e.Offset}"));
        return new Outcome(cores, errors);
    }

    private static Outcome[] ThroughCores(IReadOnlyList<string> files, FlowSelection selection, int consumers)
    {
        var sinks = Enumerable.Range(0, consumers).Select(_ => new Collect()).ToArray();
        var errors = new List<string>();
        Cores(files, selection, sinks, e => errors.Add($"{e.Message} @{e.Offset}"), null, CancellationToken.None);
        return [.. sinks.Select(s => new Outcome(s.Cores, errors))];
    }

    /// <summary>The compact reader path of <see cref="FlowQuery"/> with callbacks for errors and progress.</summary>
    private static void Cores(IReadOnlyList<string> files, FlowSelection selection, IReadOnlyList<IFlowCoreSink> sinks,
        Action<FlowDataException>? onFileError, Action<long>? onProgress, CancellationToken cancel) =>
        new FlowQuery(files, selection, FlowQueryCallbacks.Create(onFileError, onProgress)).ForEachCore(sinks, cancel);

    private static void AssertSame(Outcome expected, Outcome got, string what)
    {
        Assert.Equal(expected.Cores.Count, got.Cores.Count);
        for (int i = 0; i < expected.Cores.Count; i++)
            Assert.True(expected.Cores[i].Equals(got.Cores[i]), $"{what}: flow {i + 1} differs");
        Assert.Equal(expected.Errors, got.Errors);
    }

    [Theory]
    [MemberData(nameof(AllFiles))]
    public void GivesWhatTheWholeRecordsGiveAndTheSameErrors(string file)
    {
        string path = SharedData.Path(file);
        var expected = ThroughRecords([path], FlowSelection.All);
        foreach (var got in ThroughCores([path], FlowSelection.All, consumers: 2))
            AssertSame(expected, got, file);
    }

    [Fact]
    public void TheSamplesTogetherInOneRunGiveTheSameFlowsToEveryConsumer()
    {
        var files = NfcapdReadIntoTests.AllFilePaths().Select(f => SharedData.Path(f)).ToList();
        var expected = ThroughRecords(files, FlowSelection.All);
        Assert.True(expected.Cores.Count > 100_000, $"{expected.Cores.Count} flows");
        Assert.NotEmpty(expected.Errors);   // the damaged file is among them, and the files after it are still read
        foreach (var got in ThroughCores(files, FlowSelection.All, consumers: 3))
            AssertSame(expected, got, "all samples");
    }

    [Fact]
    public void AWindowKeepsTheFlowsInsideIt()
    {
        string path = SharedData.Path("data", "nfcapd", "chrispassas", "nfcapd-large-bz2");
        var all = ThroughRecords([path], FlowSelection.All).Cores.Select(c => c.StartTicks).Order().ToList();
        var from = new DateTime(all[all.Count / 3], DateTimeKind.Utc);
        var to = new DateTime(all[2 * all.Count / 3], DateTimeKind.Utc);
        var window = new FlowSelection(null, from, to);
        var expected = ThroughRecords([path], window);
        Assert.InRange(expected.Cores.Count, all.Count / 4, all.Count / 2);
        AssertSame(expected, ThroughCores([path], window, consumers: 1)[0], "window");
    }

    [Fact]
    public void RefusesAFilter()
    {
        // The query refuses before the reader does: a selection that needs whole records is the query's wrong state.
        var filter = new FlowSelection(FlowFilter.Compile("proto tcp"));
        Assert.Throws<InvalidOperationException>(() =>
            Cores([SharedData.Path("formats", "samples", "nfpcapd-ipv4v6-lz4.nfcapd")], filter, [new Collect()], null, null, CancellationToken.None));
    }

    public static TheoryData<string> SmallSamples() => NfcapdReadIntoTests.SmallSamples();

    [Theory]
    [MemberData(nameof(SmallSamples))]
    public void DamagedCopiesGiveTheSameFlowsAndErrors(string sample)
    {
        var original = File.ReadAllBytes(SharedData.Path("formats", "samples", sample));
        var rng = new Random(sample.Length * 7_919);
        var files = new List<string>();
        for (int round = 0; round < 120; round++)
        {
            byte[] bytes;
            if (round % 3 == 0)
            {
                bytes = original[..rng.Next(original.Length)];
            }
            else
            {
                bytes = (byte[])original.Clone();
                for (int k = 1 + rng.Next(3); k > 0; k--) bytes[rng.Next(bytes.Length)] ^= (byte)(1 << rng.Next(8));
            }
            string path = Path.Combine(_dir, $"copy{round:D3}");
            File.WriteAllBytes(path, bytes);
            files.Add(path);
        }
        // All copies in one run: each damaged one is reported in its turn, and the ones after it are still read.
        var expected = ThroughRecords(files, FlowSelection.All);
        Assert.True(expected.Errors.Count > 20, $"only {expected.Errors.Count} of 120 damaged copies failed to read: the test would not see a difference");
        foreach (var got in ThroughCores(files, FlowSelection.All, consumers: 2))
            AssertSame(expected, got, sample);
    }

    [Fact]
    public void AMissingFileIsReportedInItsTurn()
    {
        string sample = SharedData.Path("formats", "samples", "nfpcapd-ipv4v6-lz4.nfcapd");
        string missing = Path.Combine(_dir, "missing");
        var errors = new List<FlowDataException>();
        var sink = new Collect();
        var counts = new List<int>();
        Cores([sample, missing, sample], FlowSelection.All, [sink],
            e =>
            {
                errors.Add(e);
                counts.Add(sink.Cores.Count);
            }, null, CancellationToken.None);
        var one = ThroughRecords([sample], FlowSelection.All).Cores.Count;
        Assert.Equal(2 * one, sink.Cores.Count);
        var error = Assert.Single(errors);
        Assert.Equal(missing, error.DataSource);
        Assert.Equal([one], counts);   // after the first file's flows, before the third's
    }

    private sealed class Failing(int after) : IFlowCoreSink
    {
        private int _seen;

        public void Add(ReadOnlySpan<FlowCore> flows)
        {
            int before = _seen;
            _seen += flows.Length;
            if (before < after && _seen >= after) throw new InvalidOperationException("sink failed");
        }
    }

    [Fact]
    public void AConsumerThatFailsOnAnotherThreadStopsTheRunWithItsError()
    {
        string path = SharedData.Path("data", "nfcapd", "chrispassas", "nfcapd-large-bz2");
        var e = Assert.Throws<InvalidOperationException>(() =>
            Cores([path, path], FlowSelection.All, [new Collect(), new Failing(5_000)], null, null, CancellationToken.None));
        Assert.Equal("sink failed", e.Message);
        e = Assert.Throws<InvalidOperationException>(() =>
            Cores([path, path], FlowSelection.All, [new Failing(5_000), new Collect()], null, null, CancellationToken.None));
        Assert.Equal("sink failed", e.Message);
    }

    [Fact]
    public void StopsWhenCancelled()
    {
        string path = SharedData.Path("data", "nfcapd", "chrispassas", "nfcapd-large-bz2");
        using var cancel = new CancellationTokenSource();
        var sink = new Collect();
        var progress = new List<long>();
        Assert.ThrowsAny<OperationCanceledException>(() =>
            Cores([path, path, path], FlowSelection.All, [sink, new Collect()], null, done =>
            {
                progress.Add(done);
                if (sink.Cores.Count > 20_000) cancel.Cancel();
            }, cancel.Token));
        Assert.InRange(sink.Cores.Count, 20_001, 150_000);   // of 300,000: stopped within a block or two
        Assert.True(progress.SequenceEqual(progress.Order()), "progress goes forward");
    }
}
