using System.Collections.Concurrent;
using FlowForensics.Files;
using Xunit;

namespace FlowForensics.Tests.Files;

/// <summary>The contract of the one write-temporary-then-rename helper every writer goes through.</summary>
public sealed class AtomicFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ff-atomic-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Target(string name = "nfcapd.202401011200") => Path.Combine(_dir, name);

    private string[] Names() => [.. Directory.GetFileSystemEntries(_dir).Select(static p => Path.GetFileName(p)).Order(StringComparer.Ordinal)];

    [Fact]
    public void CommitRenamesTheTemporaryFileFromTheTargetsFolderIntoPlace()
    {
        string target = Target();
        using (var file = AtomicFile.Create(target, overwrite: false))
        {
            file.Stream.Write([1, 2, 3]);
            Assert.Equal(_dir, Path.GetDirectoryName(file.TempPath));
            Assert.StartsWith("nfcapd.current." + Environment.ProcessId + ".", Path.GetFileName(file.TempPath), StringComparison.Ordinal);
            Assert.EndsWith(".202401011200", file.TempPath, StringComparison.Ordinal);
            Assert.False(File.Exists(target));
            file.Commit();
            Assert.True(file.IsCommitted);
            Assert.False(File.Exists(file.TempPath));
        }
        Assert.Equal([1, 2, 3], File.ReadAllBytes(target));
        Assert.Equal(["nfcapd.202401011200"], Names());
    }

    [Fact]
    public void DisposeWithoutCommitDeletesTheTemporaryFileAndLeavesTheOldTarget()
    {
        string target = Target("case.xlsx");
        File.WriteAllText(target, "old");
        string temp;
        using (var file = AtomicFile.Create(target, overwrite: true))
        {
            file.Stream.Write(new byte[100_000]);
            temp = file.TempPath;
            Assert.True(File.Exists(temp));
        }
        Assert.False(File.Exists(temp));
        Assert.Equal("old", File.ReadAllText(target));
        Assert.Equal(["case.xlsx"], Names());
    }

    [Fact]
    public void WithoutOverwriteAnExistingTargetIsRefusedUntouchedWithTheCallersError()
    {
        string target = Target("baseline.json");
        File.WriteAllText(target, "old");
        var plain = Assert.Throws<IOException>(() => AtomicFile.Create(target, overwrite: false));
        Assert.Contains(target, plain.Message, StringComparison.Ordinal);
        var mine = Assert.Throws<InvalidOperationException>(() => AtomicFile.Create(target, overwrite: false, static p => new InvalidOperationException("exists: " + p)));
        Assert.Equal("exists: " + target, mine.Message);
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(target, overwrite: false, static s => s.WriteByte(1), existsError: static p => new InvalidOperationException(p)));
        Assert.Equal("old", File.ReadAllText(target));
        Assert.Equal(["baseline.json"], Names());

        AtomicFile.Write(target, overwrite: true, static s => s.Write("new"u8));
        Assert.Equal("new", File.ReadAllText(target));
        Assert.Equal(["baseline.json"], Names());
    }

    [Fact]
    public void ATargetThatAppearsBeforeTheCommitIsNotOverwrittenWithoutOverwrite()
    {
        string target = Target();
        using var file = AtomicFile.Create(target, overwrite: false, static p => new InvalidOperationException(p));
        file.Stream.Write([1]);
        File.WriteAllText(target, "someone else's");
        Assert.Equal(target, Assert.Throws<InvalidOperationException>(file.Commit).Message);
        Assert.Equal("someone else's", File.ReadAllText(target));
        Assert.Equal(["nfcapd.202401011200"], Names());
        Assert.Throws<ObjectDisposedException>(file.Commit);
    }

    [Fact]
    public void AnExceptionWhileWritingLeavesNoTemporaryFileAndTheOldTarget()
    {
        string target = Target("templates.bin");
        File.WriteAllText(target, "old");
        var e = Assert.Throws<FormatException>(() => AtomicFile.Write(target, overwrite: true, static s =>
        {
            s.Write(new byte[50_000]);
            throw new FormatException("half way");
        }));
        Assert.Equal("half way", e.Message);
        Assert.Equal("old", File.ReadAllText(target));
        Assert.Equal(["templates.bin"], Names());
    }

    [Fact]
    public void ACancelledWriteIsNotCommitted()
    {
        string target = Target("case.xlsx");
        File.WriteAllText(target, "old");
        using var cancel = new CancellationTokenSource();
        Assert.Throws<OperationCanceledException>(() => AtomicFile.Write(target, overwrite: true, s =>
        {
            s.Write([1, 2, 3]);
            cancel.Cancel();
        }, cancel.Token));
        Assert.Equal("old", File.ReadAllText(target));
        Assert.Equal(["case.xlsx"], Names());
    }

    [Fact]
    public void AFlushThatFailsOnAFullDiskFailsTheCommitAndLeavesNoTemporaryFile()
    {
        string target = Target();
        File.WriteAllText(target, "old");
        var file = AtomicFile.Create(target, overwrite: true);
        file.InterceptStream(static s => new FullDiskStream(s));
        file.Stream.Write(new byte[10_000]);
        string temp = file.TempPath;
        Assert.Contains("No space left", Assert.Throws<IOException>(file.Commit).Message, StringComparison.Ordinal);
        Assert.False(File.Exists(temp));
        file.Dispose();
        Assert.Equal("old", File.ReadAllText(target));
        Assert.Equal(["nfcapd.202401011200"], Names());
    }

    [Fact]
    public void DisposeDoesNotThrowWhenClosingFailsOnAFullDiskAndStillDeletesTheTemporaryFile()
    {
        var file = AtomicFile.Create(Target(), overwrite: false);
        file.InterceptStream(static s => new FullDiskStream(s));
        file.Stream.Write(new byte[10_000]);
        string temp = file.TempPath;
        file.Dispose();
        Assert.False(File.Exists(temp));
        Assert.Empty(Names());
    }

    [Fact]
    public void AFailedRenameLeavesTheOldTargetAndNoTemporaryFile()
    {
        string target = Target("report.xlsx");
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(target, "inside"), "kept");
        Assert.ThrowsAny<IOException>(() => AtomicFile.Write(target, overwrite: true, static s => s.WriteByte(1)));
        Assert.Equal("kept", File.ReadAllText(Path.Combine(target, "inside")));
        Assert.Equal(["report.xlsx"], Names());
    }

    [Theory]
    [InlineData("nfcapd.202401011200")]
    [InlineData("nfcapd.202401011200-late3")]
    [InlineData("case.xlsx")]
    [InlineData("my.case.xlsx")]
    [InlineData("templates")]
    [InlineData(".hidden")]
    [InlineData("trailing.")]
    [InlineData("x.current.1.0123456789abcdef.y")]
    public void TemporaryNamesAreRecognisedAndNameTheirTarget(string name)
    {
        string temp = AtomicFile.TemporaryNameFor(name);
        Assert.Contains(AtomicFile.Marker, temp, StringComparison.Ordinal);
        Assert.True(AtomicFile.TryGetTargetName(temp, out string target));
        Assert.Equal(name, target);
        Assert.True(AtomicFile.IsTemporaryName(temp));
    }

    [Theory]
    [InlineData("nfcapd.202401011200")]
    [InlineData("nfcapd.current.4711")]
    [InlineData("nfcapd.current.4711.abc.202401011200")]
    [InlineData("nfcapd.current.x.0123456789abcdef.202401011200")]
    [InlineData("nfcapd.current.1.0123456789ABCDEF.202401011200")]
    [InlineData("nfcapd.current.1.0123456789abcdef0")]
    [InlineData("case.xlsx")]
    [InlineData(".case.xlsx.0123456789abcdef0123456789abcdef.tmp")]
    public void OtherNamesAreNotTakenForOurs(string name) => Assert.False(AtomicFile.IsTemporaryName(name));

    [Fact]
    public void TemporaryNamesDoNotCollideBetweenThreads()
    {
        var names = new ConcurrentBag<string>();
        Parallel.For(0, 20_000, _ => names.Add(AtomicFile.TemporaryNameFor("nfcapd.202401011200")));
        Assert.Equal(20_000, names.Distinct(StringComparer.Ordinal).Count());

        string target = Target();
        using var a = AtomicFile.Create(target, overwrite: true);
        using var b = AtomicFile.Create(target, overwrite: true);
        Assert.NotEqual(a.TempPath, b.TempPath);
        a.Stream.WriteByte(1);
        b.Stream.WriteByte(2);
        a.Commit();
        b.Commit();
        Assert.Equal([2], File.ReadAllBytes(target));
        Assert.Equal(["nfcapd.202401011200"], Names());
    }

    /// <summary>A stream in front of the file whose bytes never reach it: flushing and closing fail as on a full disk.</summary>
    internal sealed class FullDiskStream(Stream inner, long room = 0) : Stream
    {
        private long _buffered;

        public override bool CanRead => false;
        public override bool CanSeek => inner.CanSeek;
        public override bool CanWrite => true;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => inner.Position = value; }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
        public override void SetLength(long value) => inner.SetLength(value);

        public override void Write(byte[] buffer, int offset, int count)
        {
            if (room > 0 && _buffered + count > room) throw Full();
            _buffered += count;
            inner.Write(buffer, offset, count);
        }

        public override void Flush() => throw Full();

        protected override void Dispose(bool disposing)
        {
            if (disposing) throw Full();
        }

        private static IOException Full() => new("No space left on device");
    }
}
