using FlowForensics.Files;
using FlowForensics.Flows;
using FlowForensics.Storage;
using FlowForensics.Storage.Nfcapd;
using FlowForensics.Tests.Differential;
using FlowForensics.Tests.Files;
using Xunit;

namespace FlowForensics.Tests.Storage;

/// <summary>The nfcapd writer goes through <see cref="AtomicFile"/>, and folder readers (ours and nfdump) skip its temporary files.</summary>
public sealed class NfcapdFileWriterAtomicTests : IDisposable
{
    private static readonly DateTime T0 = new(2024, 1, 1, 12, 0, 0, DateTimeKind.Utc);
    private readonly string _dir = Directory.CreateTempSubdirectory("ff-nfcapd-atomic-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static FlowRecord Flow(int i) => new()
    {
        Start = T0.AddSeconds(i % 600),
        End = T0.AddSeconds(i % 600 + 1),
        Protocol = 17,
        SrcPort = (ushort)i,
        DstPort = 53,
        Packets = 1,
        Bytes = 80 + i % 100,
        SrcAddress = FlowAddress.FromIPv4(0x0A000000u + (uint)i),
        DstAddress = FlowAddress.FromIPv4(0x08080808u),
    };

    private string[] Names() => [.. Directory.GetFiles(_dir).Select(static p => Path.GetFileName(p)).Order(StringComparer.Ordinal)];

    private string WriteComplete(string name, int flows)
    {
        string path = Path.Combine(_dir, name);
        using var w = NfcapdFileWriter.Create(path, NfcapdCompression.Lz4, "atomic", overwrite: true);
        for (int i = 0; i < flows; i++) w.Accept(Flow(i));
        w.Complete();
        return path;
    }

    [Fact]
    public void TheTemporaryFileIsAnAtomicFileThatNfdumpSkips()
    {
        string path = Path.Combine(_dir, "nfcapd.202401011200");
        using var w = NfcapdFileWriter.Create(path);
        string name = Path.GetFileName(w.TempPath);
        Assert.True(AtomicFile.TryGetTargetName(name, out string target));
        Assert.Equal("nfcapd.202401011200", target);
        Assert.StartsWith("nfcapd.current.", name, StringComparison.Ordinal);
        Assert.Equal(_dir, Path.GetDirectoryName(w.TempPath));
    }

    /// <summary>Regression: NfcapdFileWriter.Dispose closed its stream before deleting the temporary file, so a flush that
    /// failed on a full disk threw out of Dispose and left the temporary file behind.</summary>
    [Fact]
    public void NfcapdFileWriterDisposeAfterAFailedFlushDeletesItsTemporaryFile()
    {
        var file = AtomicFile.Create(Path.Combine(_dir, "nfcapd.202401011200"), overwrite: false);
        file.InterceptStream(static s => new AtomicFileTests.FullDiskStream(s));
        var w = NfcapdFileWriter.Create(file, NfcapdCompression.Lz4, "full");
        for (int i = 0; i < 100; i++) w.Accept(Flow(i));
        w.Dispose();
        Assert.False(File.Exists(w.TempPath));
        Assert.Empty(Names());
    }

    [Fact]
    public void ACompleteThatFailsOnAFullDiskLeavesThePreviousFileAndNoTemporaryFile()
    {
        string path = WriteComplete("nfcapd.202401011200", 10);
        byte[] before = File.ReadAllBytes(path);
        var file = AtomicFile.Create(path, overwrite: true);
        file.InterceptStream(static s => new AtomicFileTests.FullDiskStream(s));
        string temp;
        using (var w = NfcapdFileWriter.Create(file, NfcapdCompression.Lz4, "full"))
        {
            for (int i = 0; i < 100; i++) w.Accept(Flow(i));
            Assert.Throws<IOException>(w.Complete);
            // The temporary file stays until Dispose (or Salvage, which keeps the blocks already counted).
            temp = w.TempPath;
        }
        Assert.False(File.Exists(temp));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(["nfcapd.202401011200"], Names());
    }

    [Fact]
    public void AWriterThatThrowsMidwayLeavesNoTemporaryFile()
    {
        var file = AtomicFile.Create(Path.Combine(_dir, "nfcapd.202401011200"), overwrite: false);
        file.InterceptStream(static s => new AtomicFileTests.FullDiskStream(s, room: 4_096));
        using (var w = NfcapdFileWriter.Create(file, NfcapdCompression.None, "full"))
        {
            Assert.Throws<IOException>(() =>
            {
                for (int i = 0; i < 100_000; i++) w.Accept(Flow(i));
            });
        }
        Assert.Empty(Names());
    }

    [Fact]
    public void ARotatingWriterDisposedMidSlotLeavesNoTemporaryFiles()
    {
        using (var w = new RotatingNfcapdWriter(_dir, TimeSpan.FromMinutes(1)))
        {
            for (int i = 0; i < 1_000; i++) w.Accept(Flow(i));
            Assert.NotEmpty(Names());
            Assert.All(Names(), static n => Assert.True(AtomicFile.IsTemporaryName(n)));
        }
        Assert.Empty(Names());
    }

    [Fact]
    public void TemporaryFilesInAFolderAreSkippedByFlowFileSetWithTheReasonAndByNfdump()
    {
        string complete = WriteComplete("nfcapd.202401011200", 25);
        // A finished-looking file under a temporary name: only its name keeps readers away.
        string copied = Path.Combine(_dir, AtomicFile.TemporaryNameFor("nfcapd.202401011300"));
        File.Copy(complete, copied);
        using var open = NfcapdFileWriter.Create(Path.Combine(_dir, "nfcapd.202401011400"));
        open.Accept(Flow(1));

        var set = new FlowFileSet([_dir]);
        Assert.Equal([complete], set.Files);
        var skipped = set.Skipped.Single(s => s.Path == copied);
        Assert.Equal("a FlowForensics writer's temporary file (*.current.*), renamed to nfcapd.202401011300 when complete", skipped.Reason);
        Assert.Contains(set.Skipped, s => s.Path == open.TempPath && s.Reason.Contains("renamed to nfcapd.202401011400", StringComparison.Ordinal));
        Assert.Empty(set.NotFlowFiles);

        // Named explicitly, a temporary file is read like any other.
        Assert.Equal([copied], new FlowFileSet([copied]).Files);

        string flows = NfdumpTool.RunChecked(NfdumpTool.Nfdump, ["-R", _dir, "-I"]).Split('\n').First(static l => l.StartsWith("Flows:", StringComparison.Ordinal));
        Assert.Equal("25", flows.Split(':')[1].Trim());
    }
}
