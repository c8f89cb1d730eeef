namespace FlowForensics.Files;

/// <summary>What a path names, told without opening it (opening a FIFO blocks until a writer appears).</summary>
public enum FileKind
{
    /// <summary>Nothing is there.</summary>
    Missing,
    /// <summary>A regular file: the only kind the readers open.</summary>
    Regular,
    /// <summary>A folder.</summary>
    Directory,
    /// <summary>A symbolic link (only when asked not to follow links).</summary>
    SymbolicLink,
    /// <summary>A named pipe: opening it for reading blocks until a writer opens it.</summary>
    Fifo,
    /// <summary>A character device (<c>/dev/zero</c>, a terminal): may never end, may block.</summary>
    CharacterDevice,
    /// <summary>A block device (a disk).</summary>
    BlockDevice,
    /// <summary>A Unix socket.</summary>
    Socket,
}
