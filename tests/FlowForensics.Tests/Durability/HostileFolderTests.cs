using System.Diagnostics;
using FlowForensics.Capture;
using FlowForensics.Files;
using FlowForensics.Storage;
using FlowForensics.Storage.Nfcapd;
using FlowForensics.Tests.Differential;
using FlowForensics.Wire;
using Xunit;

namespace FlowForensics.Tests.Durability;

/// <summary>
/// Issue 18 items 1, 2 and 8 (-Force): folder walks over link loops and FIFOs, reads of non-regular files, and the
/// atomic writer before device nodes. Every test that could hang runs under a time limit, so a regression fails
/// instead of blocking the suite.
/// </summary>
public sealed class HostileFolderTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);
    private readonly string _dir = Directory.CreateTempSubdirectory("ff-hostile-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Sample => SharedData.Path("formats", "samples", "nfpcapd-ipv4v6-none.nfcapd");

    private static T Within<T>(Func<T> work)
    {
        var task = Task.Run(work);
        Assert.True(task.Wait(Limit), $"did not finish within {Limit} (a hang)");
        return task.Result;
    }

    private static void MakeFifo(string path)
    {
        NfdumpTool.RunChecked("mkfifo", [path]);
    }

    [Fact]
    public void Item1_ALinkLoopUnderRecurseReadsEachFileOnceAndEnds()
    {
        // The repro: mkdir -p L/sub; cp any.nfcapd L/sub/; ln -s .. L/sub/up; ln -s ../L L/self
        string l = Path.Combine(_dir, "L"), sub = Path.Combine(l, "sub");
        Directory.CreateDirectory(sub);
        File.Copy(Sample, Path.Combine(sub, "nfcapd.202401011200"));
        File.CreateSymbolicLink(Path.Combine(sub, "up"), "..");
        File.CreateSymbolicLink(Path.Combine(l, "self"), "../L");

        var set = Within(() => new FlowFileSet([l], recurse: true));
        Assert.Equal([Path.Combine(sub, "nfcapd.202401011200")], set.Files);
        int flows = Within(() => set.ReadFlows().Count());
        Assert.Equal(NfdumpFlowLoader.Load(Sample).Count, flows);
        Assert.Contains(set.Skipped, s => s.Path == Path.Combine(sub, "up") && s.Reason.Contains("link to a folder", StringComparison.Ordinal));
        Assert.Contains(set.Skipped, s => s.Path == Path.Combine(l, "self"));
    }

    [Fact]
    public void Item1_ASelfLinkNoLongerReadsTheSameFile41Times()
    {
        string l = Path.Combine(_dir, "L");
        Directory.CreateDirectory(l);
        File.Copy(Sample, Path.Combine(l, "nfcapd.202401011200"));
        File.CreateSymbolicLink(Path.Combine(l, "self"), ".");
        var set = Within(() => new FlowFileSet([l], recurse: true));
        Assert.Single(set.Files);
        // nfdump -R over the same folder: the flows of the one file.
        Assert.Equal(NfdumpFlowLoader.LoadDirectory(l).Count, set.ReadFlows().Count());
    }

    [Fact]
    public void Item1_FollowingFolderLinksOnRequestStillEndsOnACycle()
    {
        string l = Path.Combine(_dir, "L"), sub = Path.Combine(l, "sub");
        Directory.CreateDirectory(sub);
        File.Copy(Sample, Path.Combine(sub, "nfcapd.202401011200"));
        File.CreateSymbolicLink(Path.Combine(sub, "up"), "..");
        var skipped = new List<(string, string)>();
        var files = Within(() => FolderWalk.Files(l, recurse: true, (p, why) => skipped.Add((p, why)), followFolderLinks: true));
        Assert.Equal([Path.Combine(sub, "nfcapd.202401011200")], files);
        Assert.Contains(skipped, s => s.Item1 == Path.Combine(sub, "up") && s.Item2.Contains("already walked", StringComparison.Ordinal));
    }

    [Fact]
    public void Item1_ALinkToAFileIsRead()
    {
        File.Copy(Sample, Path.Combine(_dir, "real.bin"));
        string folder = Path.Combine(_dir, "f");
        Directory.CreateDirectory(folder);
        File.CreateSymbolicLink(Path.Combine(folder, "nfcapd.202401011200"), Path.Combine(_dir, "real.bin"));
        Assert.Single(new FlowFileSet([folder]).Files);
    }

    [Fact]
    public void Item2_AFifoInAFolderIsSkippedWithoutBlocking()
    {
        File.Copy(Sample, Path.Combine(_dir, "nfcapd.202401011200"));
        string fifo = Path.Combine(_dir, "nfcapd.202601010000");
        MakeFifo(fifo);
        var set = Within(() => new FlowFileSet([_dir]));
        Assert.Equal([Path.Combine(_dir, "nfcapd.202401011200")], set.Files);
        Assert.Contains(set.Skipped, s => s.Path == fifo && s.Reason.Contains("FIFO", StringComparison.Ordinal));
        Assert.Equal(NfdumpFlowLoader.LoadDirectory(_dir).Count, Within(() => set.ReadFlows().Count()));
    }

    [Fact]
    public void Item2_AFifoNamedExplicitlyIsRefusedByEveryReaderWithItsPath()
    {
        string fifo = Path.Combine(_dir, "capture.pcap");
        MakeFifo(fifo);
        var set = Within(() => new FlowFileSet([fifo]));
        Assert.Empty(set.Files);
        Assert.Contains(fifo, set.NotFlowFiles);
        var e = Within(() => Assert.Throws<FlowDataException>(() => CaptureFileReader.Open(fifo)));
        Assert.Equal(fifo, e.DataSource);
        Assert.Contains("FIFO", e.Reason, StringComparison.Ordinal);
        Within(() => Assert.Throws<FlowDataException>(() => NfcapdFileReader.Open(fifo)));
        Assert.False(Within(() => NfcapdFileReader.IsNfcapdFile(fifo)));
        Within(() => Assert.Throws<FlowDataException>(() => FlowFileInfo.Read(fifo)));
    }

    [Fact]
    public void Item8_OverwriteNeverReplacesADeviceNodeOrAFifo()
    {
        string fifo = Path.Combine(_dir, "nfcapd.202401011200");
        MakeFifo(fifo);
        var e = Assert.Throws<IOException>(() => AtomicFile.Create(fifo, overwrite: true));
        Assert.Contains("FIFO", e.Message, StringComparison.Ordinal);
        Assert.Equal(FileKind.Fifo, FileInspector.GetKind(fifo, followLinks: false));
        // A link to a device (/dev/full in the issue) is refused too, and nothing is created beside it.
        string link = Path.Combine(_dir, "case.xlsx");
        File.CreateSymbolicLink(link, "/dev/full");
        Assert.Throws<IOException>(() => AtomicFile.Write(link, overwrite: true, static s => s.WriteByte(1)));
        Assert.Equal(FileKind.CharacterDevice, FileInspector.GetKind("/dev/full"));
        Assert.Equal(FileKind.SymbolicLink, FileInspector.GetKind(link, followLinks: false));
        Assert.Equal(2, Directory.GetFileSystemEntries(_dir).Length);
        // Through the nfcapd writer, as Convert-PcapToFlow -Force uses it.
        Assert.Throws<IOException>(() => NfcapdFileWriter.Create(fifo, overwrite: true));
    }

    [Fact]
    public void FileKindsAreToldWithoutOpening()
    {
        Assert.Equal(FileKind.Directory, FileInspector.GetKind(_dir));
        Assert.Equal(FileKind.Missing, FileInspector.GetKind(Path.Combine(_dir, "none")));
        File.WriteAllText(Path.Combine(_dir, "a"), "x");
        Assert.Equal(FileKind.Regular, FileInspector.GetKind(Path.Combine(_dir, "a")));
        if (OperatingSystem.IsLinux()) Assert.Equal(FileKind.CharacterDevice, FileInspector.GetKind("/dev/null"));
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < 1000; i++) FileInspector.GetKind(_dir);
        Assert.True(watch.Elapsed < Limit);
    }
}
