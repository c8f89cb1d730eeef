using System.Diagnostics;
using FlowForensics.Files;
using FlowForensics.Flows;
using FlowForensics.Storage;
using FlowForensics.Storage.Nfcapd;
using FlowForensics.Tests.Differential;
using Xunit;

namespace FlowForensics.Tests.Durability;

/// <summary>
/// Issue 18 items 3 and 4 at the engine: an nfcapd file being written is readable at every moment up to its last
/// flushed block (what a SIGKILL leaves), recovery completes it, and a full disk keeps the blocks written.
/// </summary>
public sealed class CrashConsistencyTests : IDisposable
{
    private static readonly DateTime T0 = new(2024, 1, 1, 12, 0, 0, DateTimeKind.Utc);
    private readonly string _dir = Directory.CreateTempSubdirectory("ff-crash-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    internal static FlowRecord Flow(int i) => new()
    {
        Start = T0.AddMilliseconds(i * 10),
        End = T0.AddMilliseconds(i * 10 + 500),
        Protocol = (byte)(i % 3 == 0 ? 17 : 6),
        SrcPort = (ushort)(1024 + i % 60000),
        DstPort = 443,
        Packets = 1 + i % 9,
        Bytes = 60 + i % 1400,
        SrcAddress = FlowAddress.FromIPv4(0x0A000000u + (uint)i),
        DstAddress = FlowAddress.FromIPv4(0xC0000201u),
        ExporterAddress = FlowAddress.FromIPv4(0xC0A80001u),
    };

    /// <summary>A copy of the writer's temporary file as it is now: what a process killed at this moment leaves.</summary>
    private string Snapshot(NfcapdFileWriter writer, string name)
    {
        string copy = Path.Combine(_dir, name);
        File.Copy(writer.TempPath, copy);
        return copy;
    }

    [Theory]
    [InlineData(NfcapdCompression.None)]
    [InlineData(NfcapdCompression.Lz4)]
    [InlineData(NfcapdCompression.Lzo)]
    [InlineData(NfcapdCompression.Bzip2)]
    public void EveryFlushedBlockOfAFileBeingWrittenIsReadByNfdumpAndByUs(NfcapdCompression compression)
    {
        string target = Path.Combine(_dir, "nfcapd.202401011200");
        using var writer = NfcapdFileWriter.Create(target, compression, "crash");
        int i = 0;
        string empty = Snapshot(writer, "killed-at-start");
        while (writer.FlowsInFile == 0) writer.Accept(Flow(i++));
        long firstBlock = writer.FlowsInFile;
        while (writer.FlowsInFile == firstBlock) writer.Accept(Flow(i++));
        for (int k = 0; k < 500; k++) writer.Accept(Flow(i++));   // flows of the block still in memory: lost to a kill
        string killed = Snapshot(writer, "killed-mid-block");

        Assert.Empty(NfcapdFileReader.Open(empty).ReadFlows());
        var ours = NfcapdFileReader.Open(killed).ReadFlows().ToList();
        Assert.Equal(writer.FlowsInFile, ours.Count);
        Assert.Equal(Enumerable.Range(0, ours.Count).Select(static n => (ushort)(1024 + n)), ours.Select(static f => f.SrcPort));
        Assert.Equal(ours.Count, NfdumpFlowLoader.Load(killed).Count);

        // A kill in the middle of a block write: half a block after the counted ones changes nothing.
        using (var s = new FileStream(killed, FileMode.Append)) s.Write(new byte[5000].AsSpan(0, 4000));
        Assert.Equal(ours.Count, NfcapdFileReader.Open(killed).ReadFlows().Count());
        Assert.Equal(ours.Count, NfdumpFlowLoader.Load(killed).Count);
    }

    [Fact]
    public void RecoveryCompletesWhatAKilledProcessLeftUnderItsFinalNameWithAStatRecord()
    {
        string target = Path.Combine(_dir, "nfcapd.202401011200");
        int deadPid = DeadProcessId();
        string orphan = Path.Combine(_dir, $"nfcapd.current.{deadPid}.0123456789abcdef.202401011200");
        long inFile;
        using (var writer = NfcapdFileWriter.Create(target))
        {
            int i = 0;
            while (writer.FlowsInFile < 20_000) writer.Accept(Flow(i++));
            inFile = writer.FlowsInFile;
            File.Copy(writer.TempPath, orphan);
        }
        // another process's file still being written, and one of this process's open ones, are left alone
        using var live = NfcapdFileWriter.Create(Path.Combine(_dir, "nfcapd.202401011205"));
        string running = Path.Combine(_dir, $"nfcapd.current.{Environment.ProcessId}.fedcba9876543210.202401011210");
        File.Copy(orphan, Path.Combine(_dir, $"nfcapd.current.1.fedcba9876543210.202401011215"));   // pid 1 runs
        File.Copy(orphan, running);

        var results = NfcapdRecovery.RecoverFolder(_dir);
        Assert.Equal(2, results.Count);   // the dead process's file, and this process's file no writer has open
        var recovered = Assert.Single(results, r => r.TempPath == orphan);
        Assert.Equal(target, recovered.FinalPath);
        Assert.Equal(inFile, recovered.Flows);
        Assert.False(File.Exists(orphan));
        using (var reader = NfcapdFileReader.Open(target))
        {
            Assert.True(reader.Info.HasStatistics);
            Assert.Equal((ulong)inFile, reader.Info.Flows);
        }
        Assert.Equal(inFile, NfdumpFlowLoader.Load(target).Count);
        Assert.True(File.Exists(live.TempPath));
        Assert.True(File.Exists(Path.Combine(_dir, "nfcapd.current.1.fedcba9876543210.202401011215")));
        Assert.True(File.Exists(Path.Combine(_dir, "nfcapd.202401011210")));

        // The final name taken meanwhile: the temporary file is left for a person to look at.
        File.Copy(target, orphan);
        var left = Assert.Single(NfcapdRecovery.RecoverFolder(_dir));
        Assert.Null(left.FinalPath);
        Assert.Contains("exists", left.Outcome, StringComparison.Ordinal);
    }

    private static int DeadProcessId()
    {
        using var p = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        p.WaitForExit();
        return p.Id;
    }

    [Fact]
    public void SalvageKeepsTheCountedBlocksAndLeavesNoTemporaryFile()
    {
        string target = Path.Combine(_dir, "nfcapd.202401011200");
        var writer = NfcapdFileWriter.Create(target);
        int i = 0;
        while (writer.FlowsInFile == 0) writer.Accept(Flow(i++));
        for (int k = 0; k < 100; k++) writer.Accept(Flow(i++));
        // half a block written before the disk filled up
        using (var s = new FileStream(writer.TempPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) s.Write(new byte[3000]);
        Assert.True(writer.Salvage());
        Assert.Equal(writer.FlowsInFile, NfdumpFlowLoader.Load(target).Count);
        Assert.Equal(writer.FlowsInFile, NfcapdFileReader.Open(target).ReadFlows().Count());
        Assert.Equal([target], Directory.GetFiles(_dir));

        // nothing flushed: nothing kept, nothing left
        var none = NfcapdFileWriter.Create(Path.Combine(_dir, "nfcapd.202401011205"));
        none.Accept(Flow(0));
        Assert.False(none.Salvage());
        Assert.Equal([target], Directory.GetFiles(_dir));
    }

    [RootFact]
    public void Item4_AFullDiskKeepsTheBlocksWrittenAndLeavesNoTemporaryFile()
    {
        using var disk = SmallTmpfs.Mount(_dir, "3m");
        var rotating = new RotatingNfcapdWriter(disk.Path, TimeSpan.FromMinutes(5), NfcapdCompression.None, "full");
        int i = 0;
        var failure = Assert.ThrowsAny<IOException>(() =>
        {
            while (i < 10_000_000) rotating.Accept(Flow(i++));
        });
        Assert.Contains("space", failure.Message, StringComparison.OrdinalIgnoreCase);
        long lost = rotating.Salvage();
        string file = Assert.Single(rotating.FilesWritten);
        Assert.Equal([file], Directory.GetFiles(disk.Path));
        long kept;
        using (var reader = NfcapdFileReader.Open(file)) kept = reader.ReadFlows().Count();
        Assert.True(kept > 10_000, $"{kept} flows kept");
        Assert.Equal(i - 1, kept + lost);   // the flow whose write failed was not accepted
        Assert.Equal(kept, NfdumpFlowLoader.Load(file).Count);
        rotating.Dispose();
    }
}

/// <summary>A fact that needs root (to mount a tmpfs); skipped with that reason otherwise. CI runs as root.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!SmallTmpfs.IsRoot) Skip = "needs root to mount a small tmpfs (CI runs as root)";
    }
}

/// <summary>A tmpfs of a few megabytes mounted for one test, unmounted on dispose: a disk that fills up.</summary>
internal sealed class SmallTmpfs : IDisposable
{
    private SmallTmpfs(string path) => Path = path;

    public string Path { get; }

    public static bool IsRoot => OperatingSystem.IsLinux() && NfdumpTool.Run("id", ["-u"]).StdOut.Trim() == "0";

    public static SmallTmpfs Mount(string under, string size)
    {
        string path = System.IO.Path.Combine(under, "tmpfs");
        Directory.CreateDirectory(path);
        NfdumpTool.RunChecked("mount", ["-t", "tmpfs", "-o", $"size={size}", "tmpfs", path]);
        return new SmallTmpfs(path);
    }

    public void Dispose() => NfdumpTool.RunChecked("umount", [Path]);
}
