using System.Globalization;
using FlowForensics.Flows;
using FlowForensics.Storage;
using FlowForensics.Storage.Nfcapd;
using FlowForensics.Tests.Differential;
using FlowForensics.Wire;
using Xunit;

namespace FlowForensics.Tests.Storage;

public sealed class FlowFileSetTests : IDisposable
{
    private static readonly DateTime T0 = new(2024, 1, 1, 12, 0, 0, DateTimeKind.Utc);
    private readonly string _dir = Directory.CreateTempSubdirectory("ff-fileset-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>n flows over an hour, written in a shuffled order (collectors write flows as they end, not as they start).</summary>
    private static List<FlowRecord> Flows(int n, int seed)
    {
        var rng = new Random(seed);
        var list = new List<FlowRecord>(n);
        for (int i = 0; i < n; i++)
        {
            var start = T0.AddMilliseconds(rng.Next(0, 3_600_000));
            list.Add(new FlowRecord
            {
                Start = start,
                End = start.AddMilliseconds(rng.Next(0, 120_000)),
                Protocol = 6,
                SrcPort = (ushort)i,
                DstPort = 443,
                Packets = 1 + i % 7,
                Bytes = 60 + i,
                SrcAddress = FlowAddress.FromIPv4(0x0A000000u + (uint)i),
                DstAddress = FlowAddress.FromIPv4(0xC0000201u),
            });
        }
        return list;
    }

    private List<string> WriteRotated(List<FlowRecord> flows, TimeSpan every, NfcapdCompression compression = NfcapdCompression.Lz4)
    {
        using var w = new RotatingNfcapdWriter(_dir, every, compression, "set");
        foreach (var f in flows) w.Accept(f);
        w.Complete();
        Assert.Equal(0, w.LateFlows);
        return w.FilesWritten.ToList();
    }

    [Fact]
    public void FileRotationNamesSlotsLikeNfcapd()
    {
        var t = new DateTime(2024, 1, 1, 12, 7, 31, 250, DateTimeKind.Utc);
        Assert.Equal(new DateTime(2024, 1, 1, 12, 5, 0, DateTimeKind.Utc), FileRotation.SlotStart(t, TimeSpan.FromMinutes(5)));
        Assert.Equal(new DateTime(2024, 1, 1, 12, 7, 30, DateTimeKind.Utc), FileRotation.SlotStart(t, TimeSpan.FromSeconds(10)));
        Assert.Equal("nfcapd.202401011205", FileRotation.FileNameFor(new DateTime(2024, 1, 1, 12, 5, 0, DateTimeKind.Utc)));
        Assert.Equal("nfcapd.20240101120730", FileRotation.FileNameFor(new DateTime(2024, 1, 1, 12, 7, 30, DateTimeKind.Utc), TimeSpan.FromSeconds(10)));
        Assert.Equal("nfcapd.20240101120700", FileRotation.FileNameFor(new DateTime(2024, 1, 1, 12, 7, 0, DateTimeKind.Utc), TimeSpan.FromSeconds(30)));
        Assert.True(FileRotation.TryParseFileName("nfcapd.202401011205", out var a));
        Assert.Equal(new DateTime(2024, 1, 1, 12, 5, 0, DateTimeKind.Utc), a);
        Assert.True(FileRotation.TryParseFileName("nfcapd.202401011205+0100", out var b));
        Assert.Equal(new DateTime(2024, 1, 1, 11, 5, 0, DateTimeKind.Utc), b);
        Assert.True(FileRotation.TryParseFileName("nfcapd.20240101120730", out var c));
        Assert.Equal(30, c.Second);
        Assert.False(FileRotation.TryParseFileName("nfcapd.current.1234", out _));
        Assert.False(FileRotation.TryParseFileName("capture.pcap", out _));
    }

    [Fact]
    public void RotatingWriterRoutesFlowsBySlotAndNfdumpReadsTheFolder()
    {
        var flows = Flows(5000, 1);
        var files = WriteRotated(flows, TimeSpan.FromMinutes(5));
        Assert.Equal(12, files.Count);
        Assert.Empty(Directory.GetFiles(_dir, "*.current.*"));
        long total = 0;
        foreach (var file in files)
        {
            Assert.True(FileRotation.TryParseFileName(Path.GetFileName(file), out var slot));
            using var r = NfcapdFileReader.Open(file);
            foreach (var f in r.ReadFlows())
            {
                Assert.Equal(slot, FileRotation.SlotStart(f.Start, TimeSpan.FromMinutes(5)));
                total++;
            }
            Assert.Equal((ulong)r.ReadFlows().Count(), r.Info.Flows);
        }
        Assert.Equal(flows.Count, total);
        var csv = NfdumpTool.RunChecked(NfdumpTool.Nfdump, ["-R", _dir, "-q", "-o", "csv"]);
        Assert.Equal(flows.Count, NfdumpCsvOutput.Parse("h\n" + csv).Rows.Count);
    }

    [Fact]
    public void RotatingWriterBoundsOpenFilesAndCountsLateFlows()
    {
        using var w = new RotatingNfcapdWriter(_dir, TimeSpan.FromMinutes(1), NfcapdCompression.None, maxOpenFiles: 2);
        foreach (int minute in new[] { 0, 1, 2, 0 })
            w.Accept(new FlowRecord { Start = T0.AddMinutes(minute), End = T0.AddMinutes(minute), Protocol = 17 });
        w.Complete();
        Assert.Equal(1, w.LateFlows);
        Assert.Equal(3, w.FilesWritten.Count);
        Assert.Equal(4, new FlowFileSet([_dir]).ReadFlows().Count());
    }

    [Fact]
    public void PicksNfcapdFilesByMagicAndRecursesOnRequest()
    {
        WriteRotated(Flows(200, 2), TimeSpan.FromMinutes(30));
        File.Copy(SharedData.Path("formats", "samples", "source-test.pcap"), Path.Combine(_dir, "nfcapd.202401011300"));
        string sub = Path.Combine(_dir, "sub");
        Directory.CreateDirectory(sub);
        File.Copy(SharedData.Path("formats", "samples", "nfpcapd-ipv4v6-none.nfcapd"), Path.Combine(sub, "evidence.bin"));
        File.WriteAllBytes(Path.Combine(_dir, "nfcapd.current.999"), [0x0C, 0xA5, 2, 0]);

        var flat = new FlowFileSet([_dir]);
        Assert.Equal(2, flat.Files.Count);
        Assert.Single(flat.NotFlowFiles);
        var deep = new FlowFileSet([_dir], recurse: true);
        Assert.Equal(3, deep.Files.Count);
        Assert.Equal(214, deep.ReadFlows().Count());
    }

    [Fact]
    public void AFileWithNfcapdMagicButADamagedHeaderIsKeptAndReportedWhenRead()
    {
        // Each file is opened once to be looked at; only one that will not open is looked at again, to tell a damaged
        // nfcapd file (kept: reading it reports the damage) from a file of another kind (left out).
        File.Copy(SharedData.Path("formats", "samples", "nfpcapd-ipv4v6-none.nfcapd"), Path.Combine(_dir, "a-good.nfcapd"));
        var good = File.ReadAllBytes(Path.Combine(_dir, "a-good.nfcapd"));
        File.WriteAllBytes(Path.Combine(_dir, "b-damaged.nfcapd"), good.AsSpan(0, 20).ToArray());   // magic and layout, header cut
        File.WriteAllText(Path.Combine(_dir, "c-notes.txt"), "not flows");

        var set = new FlowFileSet([_dir]);
        Assert.Equal(new[] { "a-good.nfcapd", "b-damaged.nfcapd" }, set.Files.Select(f => Path.GetFileName(f)!).Order());
        Assert.Equal("c-notes.txt", Path.GetFileName(Assert.Single(set.NotFlowFiles)));
        Assert.Equal(good.Length + 20, set.TotalBytes);
        var errors = new List<FlowDataException>();
        Assert.Equal(14, set.ReadFlows(onFileError: errors.Add).Count());
        Assert.Contains("b-damaged.nfcapd", Assert.Single(errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WindowSelectsFilesByStatAndFlowsLikeNfdumpT()
    {
        var flows = Flows(3000, 3);
        WriteRotated(flows, TimeSpan.FromMinutes(10));
        var start = T0.AddMinutes(17);
        var end = T0.AddMinutes(41);
        var window = new TimeWindow(start, end);
        var set = new FlowFileSet([_dir], window: window);
        Assert.InRange(set.Files.Count, 3, 4); // slots 12:10 .. 12:40; earlier files end before 12:17 only if no long flow
        var ours = set.ReadFlows().ToList();
        Assert.Equal(flows.Count(window.Contains), ours.Count);
        Assert.All(ours, f => Assert.True(f.Start >= start && f.End <= end));

        string t = $"{start:yyyy/MM/dd.HH:mm:ss}-{end:yyyy/MM/dd.HH:mm:ss}";
        var csv = NfdumpTool.RunChecked(NfdumpTool.Nfdump, ["-R", _dir, "-t", t, "-q", "-o", "csv"]);
        Assert.Equal(ours.Count, NfdumpCsvOutput.Parse("h\n" + csv).Rows.Count);
    }

    [Fact]
    public void TimeWindowFollowsNfdumpSemantics()
    {
        var w = new TimeWindow(T0, T0.AddMinutes(1));
        Assert.True(w.Contains(new FlowRecord { Start = T0, End = T0.AddMinutes(1) }));
        Assert.False(w.Contains(new FlowRecord { Start = T0.AddMilliseconds(-1), End = T0.AddSeconds(1) }));
        Assert.False(w.Contains(new FlowRecord { Start = T0.AddSeconds(1), End = T0.AddMinutes(1).AddMilliseconds(1) }));
        Assert.True(new TimeWindow(T0, null).Contains(new FlowRecord { Start = T0, End = DateTime.MaxValue }));
        Assert.True(w.Overlaps(T0.AddHours(-1), T0));
        Assert.False(w.Overlaps(T0.AddHours(-1), T0.AddTicks(-1)));
        Assert.Throws<ArgumentException>(() => new TimeWindow(T0, T0.AddTicks(-1)));
        Assert.True(default(TimeWindow).IsUnbounded);
    }

    [Fact]
    public void OrderedReadGivesAStrictTimelineAcrossShuffledFiles()
    {
        var flows = Flows(20_000, 4);
        WriteRotated(flows, TimeSpan.FromMinutes(5));
        // a second, overlapping set of files in a sub-folder (another collector)
        string other = Path.Combine(_dir, "b");
        using (var w = new RotatingNfcapdWriter(other, TimeSpan.FromMinutes(15), NfcapdCompression.None))
        {
            foreach (var f in Flows(5_000, 5)) w.Accept(f);
            w.Complete();
        }
        var set = new FlowFileSet([_dir], recurse: true);
        var ordered = set.ReadFlowsOrderedByStart().ToList();
        Assert.Equal(25_000, ordered.Count);
        for (int i = 1; i < ordered.Count; i++)
            Assert.True(ordered[i - 1].Start <= ordered[i].Start, $"record {i} out of order");
        Assert.Equal(0, set.OrderViolations);

        // a reorder buffer too small for the shuffle still delivers everything and says it could not order
        var loose = set.ReadFlowsOrderedByStart(reorderCapacity: 1).ToList();
        Assert.Equal(25_000, loose.Count);
        Assert.True(set.OrderViolations > 0);
    }

    [Fact]
    public void CorruptFileInASetIsReportedAndTheOthersAreRead()
    {
        WriteRotated(Flows(1000, 6), TimeSpan.FromMinutes(30));
        File.Copy(SharedData.Path("data", "nfcapd", "chrispassas", "nfcapd-corrupt"), Path.Combine(_dir, "nfcapd.202401011330"));
        var set = new FlowFileSet([_dir]);
        Assert.Equal(3, set.Files.Count);
        var errors = new List<FlowDataException>();
        Assert.Equal(1000, set.ReadFlows(onFileError: errors.Add).Count());
        var e = Assert.Single(errors);
        Assert.EndsWith("nfcapd.202401011330", e.DataSource, StringComparison.Ordinal);
        Assert.Equal(set.TotalBytes, set.BytesRead);
        Assert.Throws<FlowDataException>(() => set.ReadFlows().Count());
        errors.Clear();
        Assert.Equal(1000, set.ReadFlowsOrderedByStart(onFileError: errors.Add).Count());
        Assert.Single(errors);
    }

    [Fact]
    public void WriterDisposedWithoutCompleteLeavesNothing()
    {
        string path = Path.Combine(_dir, "nfcapd.202401011200");
        using (var w = NfcapdFileWriter.Create(path))
        {
            w.Accept(Flows(1, 7)[0]);
            Assert.True(File.Exists(w.TempPath));
        }
        Assert.Empty(Directory.GetFiles(_dir));
        using (var w = NfcapdFileWriter.Create(path)) w.Complete();
        Assert.Equal(Path.GetFullPath(path), Assert.Throws<OutputFileExistsException>(() => NfcapdFileWriter.Create(path)).Path);
        using (var w = NfcapdFileWriter.Create(path, overwrite: true)) w.Complete();
        Assert.Single(Directory.GetFiles(_dir));
        Assert.Equal("0", NfdumpTool.RunChecked(NfdumpTool.Nfdump, ["-r", path, "-I"]).Split('\n').First(l => l.StartsWith("Flows:", StringComparison.Ordinal)).Split(':')[1].Trim());
        _ = CultureInfo.InvariantCulture;
    }
}
