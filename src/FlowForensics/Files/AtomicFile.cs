using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace FlowForensics.Files;

/// <summary>
/// A file written under a temporary name beside its target and renamed into place by <see cref="Commit"/>, so a
/// reader sees the old file or the whole new one, never half a file. Every writer of the engine goes through it
/// (nfcapd files, baselines, report workbooks, collector template files).
/// </summary>
/// <remarks>
/// <para>The temporary file is in the target's folder (the same file system, so the rename is atomic) and is named
/// <c>&lt;stem&gt;.current.&lt;pid&gt;.&lt;16 hex digits&gt;&lt;extension&gt;</c>: the target <c>nfcapd.202401011200</c>
/// is written as <c>nfcapd.current.4711.3f9c0a5e12b7d48c.202401011200</c>, <c>case.xlsx</c> as
/// <c>case.current.4711.….xlsx</c>. The process id and 64 random bits keep writers in different processes and
/// threads apart, and the file is created with <see cref="FileMode.CreateNew"/>, so a clash fails instead of sharing a
/// file. The <c>.current.</c> marker is nfcapd's (<c>nfcapd.current.&lt;pid&gt;</c>): folder readers skip such files
/// (<see cref="IsTemporaryName"/>, <c>FlowFileSet</c>), and nfdump <c>-R</c> skips names that begin with
/// <c>nfcapd.current</c>, which an nfcapd file's temporary name does.</para>
/// <para><see cref="Commit"/> flushes the data to the disk (fsync), closes the file and renames it over the target
/// (only with overwrite; without it an existing target is refused and stays untouched). Any failure on the way (a
/// write or flush that fails on a full disk, a refused rename, cancellation, <see cref="Dispose"/> without
/// <see cref="Commit"/>) deletes the temporary file; the previous target is never touched before the rename.
/// <see cref="Dispose"/> never throws an I/O error: it deletes the temporary file even when closing it fails.</para>
/// <para>A target that exists and is not a regular file (a folder, a device node such as <c>/dev/full</c>, a FIFO) is
/// refused, with or without overwrite: a rename would replace the node itself. After the rename the folder is fsynced
/// (Linux), so a power loss right after <see cref="Commit"/> keeps the rename. A process killed outright (SIGKILL, power
/// loss while writing) leaves its temporary file behind, for folder readers to skip; nfcapd files carry a header kept
/// current block by block, so such a file is readable as it stands and is completed by
/// <c>NfcapdRecovery</c> on the next start of a writer in that folder.</para>
/// </remarks>
public sealed class AtomicFile : IDisposable
{
    /// <summary>The marker every temporary name holds (nfcapd's own <c>nfcapd.current.&lt;pid&gt;</c> holds it too).</summary>
    public const string Marker = ".current.";

    /// <summary>The write buffer of <see cref="Stream"/> unless the caller asks for another.</summary>
    public const int DefaultBufferSize = 4096;

    private const int RandomDigits = 16;

    /// <summary>The temporary files this process has open (writers in every runspace), so recovery never takes one for an orphan.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> s_open = new(StringComparer.Ordinal);

    private readonly SafeFileHandle _handle;
    private readonly FileStream _file;
    private readonly bool _overwrite;
    private readonly Func<string, Exception>? _existsError;
    private bool _committed;
    private bool _disposed;

    private AtomicFile(string targetPath, string tempPath, SafeFileHandle handle, FileStream file, bool overwrite, Func<string, Exception>? existsError)
    {
        TargetPath = targetPath;
        TempPath = tempPath;
        s_open.TryAdd(tempPath, 0);
        _handle = handle;
        _file = file;
        Stream = file;
        _overwrite = overwrite;
        _existsError = existsError;
    }

    /// <summary>The full path the file gets on <see cref="Commit"/>.</summary>
    public string TargetPath { get; }

    /// <summary>The full path of the temporary file being written.</summary>
    public string TempPath { get; }

    /// <summary>The temporary file: readable, writable and seekable.</summary>
    public Stream Stream { get; private set; }

    /// <summary>Whether <see cref="Commit"/> has renamed the file into place.</summary>
    public bool IsCommitted => _committed;

    /// <summary>
    /// Creates the temporary file for <paramref name="path"/>. Without <paramref name="overwrite"/> an existing target
    /// is refused at once (and again at the rename, in case one appeared meanwhile) with the exception
    /// <paramref name="existsError"/> makes from the target's full path (default: an <see cref="IOException"/>).
    /// The folder must exist.
    /// </summary>
    public static AtomicFile Create(string path, bool overwrite, Func<string, Exception>? existsError = null, int bufferSize = DefaultBufferSize)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        RequireReplaceable(full);
        if (!overwrite && File.Exists(full)) throw Exists(full, existsError);
        string temp = Path.Combine(Path.GetDirectoryName(full)!, TemporaryNameFor(Path.GetFileName(full)));
        var handle = File.OpenHandle(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read);
        try
        {
            return new AtomicFile(full, temp, handle, new FileStream(handle, FileAccess.ReadWrite, bufferSize), overwrite, existsError);
        }
        catch
        {
            handle.Dispose();
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>
    /// Writes <paramref name="path"/> in one go: <paramref name="write"/> fills <see cref="Stream"/>, then the file is
    /// committed unless <paramref name="cancel"/> was cancelled meanwhile. On any exception the temporary file is deleted
    /// and the previous target is left as it was.
    /// </summary>
    public static void Write(string path, bool overwrite, Action<Stream> write, CancellationToken cancel = default,
        Func<string, Exception>? existsError = null, int bufferSize = DefaultBufferSize)
    {
        ArgumentNullException.ThrowIfNull(write);
        using var file = Create(path, overwrite, existsError, bufferSize);
        write(file.Stream);
        cancel.ThrowIfCancellationRequested();
        file.Commit();
    }

    /// <summary>
    /// Flushes the file to the disk, closes it and renames it over the target. On failure the temporary file is deleted,
    /// the target is left as it was, and the exception is thrown (without overwrite, a target that now exists gives the
    /// exists error).
    /// </summary>
    public void Commit()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_committed) return;
        try
        {
            Stream.Flush();
            _file.Flush(flushToDisk: true);
            _file.Dispose();
            _handle.Dispose();
            Rename();
            s_open.TryRemove(TempPath, out _);
        }
        catch
        {
            _disposed = true;
            Discard();
            throw;
        }
        _committed = true;
        SyncFolder(Path.GetDirectoryName(TargetPath)!);
    }

    /// <summary>
    /// Refuses a target that exists and is not a regular file (a folder, a device such as <c>/dev/full</c>, a FIFO, a
    /// socket, a link to one): the rename would replace it, so <c>-Force</c> never turns a device node into a file.
    /// </summary>
    private static void RequireReplaceable(string full)
    {
        var kind = FileInspector.GetKind(full, followLinks: false);
        if (kind == FileKind.SymbolicLink) kind = FileInspector.GetKind(full);
        if (kind is FileKind.Missing or FileKind.Regular) return;
        throw new IOException($"'{full}' is {FileInspector.Describe(kind)}, not a regular file; it is never replaced, even with overwrite.");
    }

    /// <summary>
    /// fsyncs the folder so the rename itself survives a power loss (Linux; elsewhere a no-op). Best effort: the file's
    /// data is already on the disk, and a failure here leaves the committed file in place.
    /// </summary>
    private static void SyncFolder(string folder)
    {
        if (!OperatingSystem.IsLinux() || !s_syncFolders) return;
        try
        {
            int fd = open(folder, ORdOnly | ODirectory | OCloExec);
            if (fd < 0) return;
            _ = fsync(fd);
            _ = close(fd);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            s_syncFolders = false;
        }
    }

    private const int ORdOnly = 0, ODirectory = 0x10000, OCloExec = 0x80000;
    private static bool s_syncFolders = true;

    // DllImport, not LibraryImport: the engine compiles without unsafe code; .NET cannot open a folder to fsync it.
    [DllImport("libc.so.6", ExactSpelling = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc.so.6", ExactSpelling = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int fsync(int fd);

    [DllImport("libc.so.6", ExactSpelling = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int close(int fd);

    private void Rename()
    {
        try
        {
            RequireReplaceable(TargetPath);
            File.Move(TempPath, TargetPath, _overwrite);
        }
        catch (IOException) when (!_overwrite && File.Exists(TargetPath))
        {
            throw Exists(TargetPath, _existsError);
        }
    }

    /// <summary>Without <see cref="Commit"/>, closes and deletes the temporary file; I/O errors while doing so are ignored.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (!_committed) Discard();
    }

    /// <summary>Closes the file, dropping unwritten bytes whose flush fails (a full disk), then deletes it.</summary>
    private void Discard()
    {
        try
        {
            try
            {
                if (!ReferenceEquals(Stream, _file)) Stream.Dispose();
            }
            finally
            {
                _file.Dispose();
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            // The bytes being flushed belong to a file that is thrown away.
        }
        finally
        {
            _handle.Dispose();
            TryDelete(TempPath);
            s_open.TryRemove(TempPath, out _);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: the name marks it as temporary, and folder readers skip it.
        }
    }

    private static Exception Exists(string full, Func<string, Exception>? existsError) =>
        existsError?.Invoke(full) ?? new IOException($"'{full}' exists; pass overwrite to replace it.");

    /// <summary>Replaces <see cref="Stream"/> by a stream over it (tests put a failing stream in front of the file).</summary>
    internal void InterceptStream(Func<Stream, Stream> wrap)
    {
        ObjectDisposedException.ThrowIf(_disposed || _committed, this);
        Stream = wrap(Stream);
    }

    /// <summary>A fresh temporary name for a target named <paramref name="fileName"/> (a name, not a path).</summary>
    public static string TemporaryNameFor(string fileName)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        int dot = fileName.LastIndexOf('.');
        string stem = dot < 0 ? fileName : fileName[..dot];
        string extension = dot < 0 ? string.Empty : fileName[dot..];
        return string.Concat(stem, Marker, Environment.ProcessId.ToString(CultureInfo.InvariantCulture), ".",
            RandomNumberGenerator.GetHexString(RandomDigits, lowercase: true), extension);
    }

    /// <summary>Whether <paramref name="tempPath"/> (a full path) is the temporary file of a writer still open in this process.</summary>
    public static bool IsOpenInThisProcess(string tempPath) => s_open.ContainsKey(tempPath);

    /// <summary>Whether <paramref name="fileName"/> (a name, not a path) is a temporary name made by <see cref="TemporaryNameFor"/>.</summary>
    public static bool IsTemporaryName(string fileName) => TryGetTargetName(fileName, out _);

    /// <summary>The name the file named <paramref name="fileName"/> gets when committed, if it is one of our temporary names.</summary>
    public static bool TryGetTargetName(string fileName, out string targetName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        targetName = string.Empty;
        // The marker of a temporary name is its last one: only the extension (one dot, then no dot) follows the random digits.
        int at = fileName.LastIndexOf(Marker, StringComparison.Ordinal);
        if (at < 0) return false;
        var rest = fileName.AsSpan(at + Marker.Length);
        int dot = rest.IndexOf('.');
        if (dot <= 0 || !IsDigits(rest[..dot])) return false;
        var random = rest[(dot + 1)..];
        if (random.Length < RandomDigits || !IsLowerHex(random[..RandomDigits])) return false;
        var extension = random[RandomDigits..];
        if (!extension.IsEmpty && (extension[0] != '.' || extension[1..].Contains('.'))) return false;
        targetName = string.Concat(fileName.AsSpan(0, at), extension);
        return true;
    }

    private static bool IsDigits(ReadOnlySpan<char> s)
    {
        foreach (char c in s)
            if (!char.IsAsciiDigit(c)) return false;
        return true;
    }

    private static bool IsLowerHex(ReadOnlySpan<char> s)
    {
        foreach (char c in s)
            if (!char.IsAsciiHexDigitLower(c)) return false;
        return true;
    }
}
