using FlowForensics.Query;
using System.Net;
using FlowForensics.Analysis.TopN;
using FlowForensics.Flows;
using FlowForensics.Storage;
using FlowForensics.Storage.Nfcapd;
using FlowForensics.Wire;
using Xunit;

namespace FlowForensics.Tests.Analysis;

/// <summary>TopNAggregator.AddFiles (what Measure-FlowTopN -Path runs): files read in parallel give the rows of reading them in order.</summary>
public sealed class TopNFileTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "flowforensics-topnfiles-" + Guid.NewGuid().ToString("N"));
    private readonly List<string> _files = [];

    public TopNFileTests()
    {
        var random = new Random(11);
        var t0 = new DateTime(2024, 7, 11, 9, 0, 0, DateTimeKind.Utc);
        for (int f = 0; f < 7; f++)
        {
            string path = Path.Combine(_dir, FormattableString.Invariant($"nfcapd.{t0.AddMinutes(5 * f):yyyyMMddHHmm}"));
            using var writer = NfcapdFileWriter.Create(path);
            for (int i = 0; i < 3000; i++)
            {
                bool reply = random.Next(2) == 0;
                string a = $"10.0.0.{random.Next(40)}", b = $"192.168.1.{random.Next(30)}";
                ushort pa = (ushort)(50000 + random.Next(20)), pb = (ushort)(random.Next(2) == 0 ? 80 : 53);
                var start = t0.AddMinutes(5 * f).AddMilliseconds(random.Next(300_000));
                writer.Accept(new FlowRecord
                {
                    SrcAddr = IPAddress.Parse(reply ? b : a),
                    DstAddr = IPAddress.Parse(reply ? a : b),
                    SrcPort = reply ? pb : pa,
                    DstPort = reply ? pa : pb,
                    Protocol = pb == 53 ? (byte)17 : (byte)6,
                    Packets = 1 + random.Next(20),
                    Bytes = 40 + random.Next(20_000),
                    Start = start,
                    End = start.AddMilliseconds(random.Next(5000)),
                });
            }
            writer.Complete();
            _files.Add(path);
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, true);
    }

    // With more than one thread the keys are split by hash over threads that each read every file (partitions).
    // Without -Distinct, records go into the table in batches.
    [Theory]
    [InlineData("SrcAddr", false, 1, true)]
    [InlineData("SrcAddr", false, 3, true)]
    [InlineData("SrcAddr", false, 3, false)]
    [InlineData("Conversation", true, 2, true)]
    [InlineData("Conversation", true, 2, false)]
    [InlineData("Conversation", false, 3, false)]
    [InlineData("SrcAddr,DstAddr", true, 4, true)]
    [InlineData("SrcAddr,DstPort", false, 2, false)]
    [InlineData("Address", false, 8, true)]
    [InlineData("Port", false, 2, false)]
    public void ParallelFilesGiveTheRowsOfReadingThemInOrder(string property, bool bidirectional, int parallelism, bool distinct)
    {
        var options = new TopNOptions(TopNOptions.ParseProperties(property.Split(',')))
        {
            Top = 0,
            Order = TopNOrder.Bytes,
            Bidirectional = bidirectional,
            Distinct = distinct ? [TopNDistinctField.DstPort, TopNDistinctField.SrcAddr] : [],
        };
        var selection = new FlowSelection(FlowForensics.Query.FlowFilter.Compile("not dst port 50003"));
        var sequential = new TopNAggregator(options);
        long acceptedInOrder = sequential.AddRange(new FlowFileSet([_dir]).ReadFlows(), selection);
        var parallel = new TopNAggregator(options);
        long accepted = parallel.AddFiles(_files, selection, parallelism);

        Assert.Equal(acceptedInOrder, accepted);
        Assert.True(accepted > 15_000);
        Assert.Equal(sequential.TotalBytes, parallel.TotalBytes);
        Assert.Equal(Describe(sequential.GetRows()), Describe(parallel.GetRows()));
    }

    // Without a filter only what statistics read is decoded (FlowCore); with a window only, too.
    [Theory]
    [InlineData("SrcAddr", false, 1, false, false)]
    [InlineData("SrcAddr", false, 2, true, true)]
    [InlineData("Conversation", true, 1, false, true)]
    [InlineData("Conversation", false, 3, true, false)]
    [InlineData("SrcAddr,DstAddr", true, 2, false, false)]
    [InlineData("DstPort", false, 1, true, true)]
    [InlineData("Address", false, 2, false, true)]
    public void WithoutAFilterTheCoreDecodeGivesTheSameRows(string property, bool bidirectional, int parallelism, bool distinct, bool window)
    {
        var options = new TopNOptions(TopNOptions.ParseProperties(property.Split(',')))
        {
            Top = 0,
            Order = TopNOrder.Bytes,
            Bidirectional = bidirectional,
            Distinct = distinct ? [TopNDistinctField.DstPort, TopNDistinctField.SrcAddr] : [],
        };
        var t0 = new DateTime(2024, 7, 11, 9, 0, 0, DateTimeKind.Utc);
        var selection = window ? new FlowSelection(null, t0.AddMinutes(7), t0.AddMinutes(23)) : FlowSelection.All;
        var sequential = new TopNAggregator(options);
        long acceptedInOrder = sequential.AddRange(new FlowFileSet([_dir]).ReadFlows(), selection);
        var parallel = new TopNAggregator(options);
        long accepted = parallel.AddFiles(_files, selection, parallelism);

        Assert.Equal(acceptedInOrder, accepted);
        Assert.InRange(accepted, window ? 8_000 : 21_000, window ? 11_000 : 21_000);
        Assert.Equal(sequential.TotalBytes, parallel.TotalBytes);
        Assert.Equal(Describe(sequential.GetRows()), Describe(parallel.GetRows()));
    }

    [Fact]
    public void AfterReleasingItsMemoryTheNextAggregatorCountsAlike()
    {
        var options = new TopNOptions(TopNOptions.ParseProperties(["SrcAddr", "DstPort"])) { Top = 0, Order = TopNOrder.Flows };
        var first = new TopNAggregator(options);
        first.AddFiles(_files, FlowSelection.All, 1);
        var rows = Describe(first.GetRows());
        Assert.True(first.KeyCount > 500, $"{first.KeyCount} keys");
        first.ReleaseMemory();
        Assert.Equal(0, first.KeyCount);
        Assert.Empty(first.GetRows());
        // The next aggregators rent the released arrays, old entries and all.
        var other = new TopNAggregator(new TopNOptions(TopNOptions.ParseProperties(["DstPort", "SrcAddr"])) { Top = 0, Order = TopNOrder.Flows });
        other.AddFiles(_files[..3], FlowSelection.All, 1);
        other.ReleaseMemory();
        var second = new TopNAggregator(options);
        second.AddFiles(_files, FlowSelection.All, 1);
        Assert.Equal(rows, Describe(second.GetRows()));
    }

    [Theory]
    [InlineData("DstPort", 1)]
    [InlineData("DstPort", 3)]
    [InlineData("Conversation", 2)]
    [InlineData("SrcAddr,DstAddr", 3)]
    public void ADamagedFileIsReportedAndItsFlowsBeforeTheDamageCount(string property, int parallelism)
    {
        byte[] bytes = File.ReadAllBytes(_files[2]);
        File.WriteAllBytes(_files[2], bytes[..(bytes.Length * 2 / 3)]);
        var options = new TopNOptions(TopNOptions.ParseProperties(property.Split(','))) { Top = 0 };
        var errors = new List<FlowDataException>();
        var parallel = new TopNAggregator(options);
        parallel.AddFiles(_files, FlowSelection.All, parallelism, errors.Add);
        var inOrderErrors = new List<FlowDataException>();
        var sequential = new TopNAggregator(options);
        sequential.AddRange(new FlowFileSet([_dir]).ReadFlows(onFileError: inOrderErrors.Add));

        Assert.Single(errors);
        Assert.Equal(_files[2], errors[0].DataSource);
        Assert.Single(inOrderErrors);
        Assert.Equal(sequential.RecordCount, parallel.RecordCount);
        Assert.InRange(parallel.RecordCount, 6 * 3000, 7 * 3000 - 1);
        Assert.Equal(Describe(sequential.GetRows()), Describe(parallel.GetRows()));
    }

    [Theory]
    [InlineData("SrcAddr", 1)]
    [InlineData("SrcAddr", 2)]
    [InlineData("Conversation", 2)]
    public void ReportsProgressInBytesRead(string property, int parallelism)
    {
        var reports = new List<long>();
        var aggregator = new TopNAggregator(new TopNOptions(TopNOptions.ParseProperties([property])));
        aggregator.AddFiles(_files, FlowSelection.All, parallelism, onProgress: reports.Add);
        Assert.NotEmpty(reports);
        Assert.Equal(_files.Sum(f => new FileInfo(f).Length), reports[^1]);
        for (int i = 1; i < reports.Count; i++) Assert.True(reports[i] >= reports[i - 1]);
    }

    [Theory]
    [InlineData("SrcAddr", 1)]
    [InlineData("SrcAddr", 2)]
    [InlineData("Conversation", 2)]
    public void StopsWhenCancelled(string property, int parallelism)
    {
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        var aggregator = new TopNAggregator(new TopNOptions(TopNOptions.ParseProperties([property])));
        Assert.ThrowsAny<OperationCanceledException>(() => aggregator.AddFiles(_files, FlowSelection.All, parallelism, cancel: cancel.Token));
    }

    [Fact]
    public void RecordsAddedAfterAPartitionedReadGoToTheirKeysPartition()
    {
        // The table stays split after AddFiles; records added one by one afterwards must find their keys there.
        var options = new TopNOptions(TopNOptions.ParseProperties(["Conversation"])) { Top = 0, Order = TopNOrder.Flows };
        var split = new TopNAggregator(options);
        split.AddFiles(_files.Take(4).ToList(), FlowSelection.All, 3);
        split.AddRange(new FlowFileSet(_files.Skip(4)).ReadFlows());
        var whole = new TopNAggregator(options);
        whole.AddRange(new FlowFileSet([_dir]).ReadFlows());

        Assert.Equal(whole.KeyCount, split.KeyCount);
        Assert.Equal(Describe(whole.GetRows()), Describe(split.GetRows()));
    }

    private static List<string> Describe(IReadOnlyList<TopNRow> rows) =>
        rows.Select(r => $"{r.Rank} {r.Key} {r.Flows} {r.Packets} {r.Bytes} {r.FirstSeen:O} {r.LastSeen:O} {r.DistinctDstPort} {r.DistinctSrcAddr} {r.DistinctIsExact}").ToList();
}
