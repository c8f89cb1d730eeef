using System.Runtime.InteropServices;
using FlowForensics.Wire;

namespace FlowForensics.Files;

/// <summary>
/// The type of a file system entry from <c>statx(2)</c> (Linux) without opening it, and the one check every reader
/// makes before it opens an input file (<see cref="OpenRead"/>): only regular files are opened, so a FIFO, a device or
/// a socket given or found among the evidence is refused at once with its path, never blocks and never streams forever.
/// </summary>
/// <remarks>
/// <c>statx</c>'s result layout is the same on every Linux architecture, so no per-architecture <c>struct stat</c> is
/// needed. Elsewhere (Windows, macOS) the type comes from .NET's attributes, which tell folders and links from files
/// but not FIFOs or devices from regular files: Windows folders hold no FIFOs; on macOS the check is weaker.
/// </remarks>
public static class FileInspector
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7ff;
    private const int StatxSize = 256;
    private const int ModeOffset = 28, InodeOffset = 32, DevMajorOffset = 136, DevMinorOffset = 140;
    private const int TypeMask = 0xF000;
    private static bool s_native = OperatingSystem.IsLinux();

    /// <summary>The kind of <paramref name="path"/>; links are followed unless <paramref name="followLinks"/> is false.</summary>
    public static FileKind GetKind(string path, bool followLinks = true) => Identify(path, followLinks, out _);

    /// <summary>
    /// The kind of <paramref name="path"/> and, for anything that exists, its identity (device and inode on Linux; the
    /// full path elsewhere), which tells whether a folder walk has been in a folder before, under any name.
    /// </summary>
    public static FileKind Identify(string path, bool followLinks, out (ulong Device, ulong Inode, string? Path) identity)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        identity = default;
        if (s_native)
        {
            var buffer = new byte[StatxSize];
            try
            {
                int rc = statx(AtFdCwd, path, followLinks ? 0 : AtSymlinkNoFollow, StatxBasicStats, buffer);
                if (rc != 0) return FileKind.Missing;
                int mode = BitConverter.ToUInt16(buffer, ModeOffset);
                ulong device = ((ulong)BitConverter.ToUInt32(buffer, DevMajorOffset) << 32) | BitConverter.ToUInt32(buffer, DevMinorOffset);
                identity = (device, BitConverter.ToUInt64(buffer, InodeOffset), null);
                return (mode & TypeMask) switch
                {
                    0x8000 => FileKind.Regular,
                    0x4000 => FileKind.Directory,
                    0xA000 => FileKind.SymbolicLink,
                    0x1000 => FileKind.Fifo,
                    0x2000 => FileKind.CharacterDevice,
                    0x6000 => FileKind.BlockDevice,
                    0xC000 => FileKind.Socket,
                    _ => FileKind.Socket,
                };
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                s_native = false;   // not glibc 2.28+: .NET's view from now on
            }
        }
        FileSystemInfo info = new FileInfo(path);
        if (!info.Exists) info = new DirectoryInfo(path);
        if (!info.Exists && info.LinkTarget is null) return FileKind.Missing;
        if (!followLinks && info.LinkTarget is not null) return FileKind.SymbolicLink;
        if (followLinks && info.LinkTarget is not null)
        {
            var target = info.ResolveLinkTarget(returnFinalTarget: true);
            if (target is null || !target.Exists) return FileKind.Missing;
            info = target;
        }
        identity = (0, 0, Path.GetFullPath(info.FullName));
        return info is DirectoryInfo ? FileKind.Directory : FileKind.Regular;
    }

    /// <summary>Plain words for a kind, for errors and skip reasons ("a FIFO (named pipe)").</summary>
    public static string Describe(FileKind kind) => kind switch
    {
        FileKind.Missing => "nothing (it does not exist)",
        FileKind.Regular => "a regular file",
        FileKind.Directory => "a folder",
        FileKind.SymbolicLink => "a symbolic link",
        FileKind.Fifo => "a FIFO (named pipe)",
        FileKind.CharacterDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        FileKind.Socket => "a socket",
        _ => kind.ToString(),
    };

    /// <summary>
    /// Throws <see cref="FlowDataException"/> (offset 0) naming <paramref name="path"/> unless it is a regular file
    /// (links followed). Called before every open of an input file.
    /// </summary>
    public static void RequireRegularFile(string path)
    {
        var kind = GetKind(path);
        if (kind == FileKind.Regular) return;
        if (kind == FileKind.Missing) throw new FileNotFoundException($"'{path}' does not exist.", path);
        throw new FlowDataException(path, 0, $"it is {Describe(kind)}, not a regular file; only regular files are read (a FIFO or a device can block or never end)");
    }

    /// <summary>Opens <paramref name="path"/> for reading after <see cref="RequireRegularFile"/>.</summary>
    public static FileStream OpenRead(string path, int bufferSize = 4096, FileOptions options = FileOptions.None, FileShare share = FileShare.ReadWrite | FileShare.Delete)
    {
        RequireRegularFile(path);
        return new FileStream(path, FileMode.Open, FileAccess.Read, share, bufferSize, options);
    }

    // DllImport, not LibraryImport: the engine compiles without unsafe code; glibc 2.28+ has the statx wrapper.
    [DllImport("libc.so.6", ExactSpelling = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);
}
