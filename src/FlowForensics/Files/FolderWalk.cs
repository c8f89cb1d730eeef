namespace FlowForensics.Files;

/// <summary>
/// The folder walk of every folder reader: the regular files in a folder (and below it with recursion), in ordinal
/// path order. It follows no link to a folder unless asked, never enters a folder twice (a link or bind-mount cycle
/// cannot loop), and leaves out anything that is not a regular file (FIFOs, devices, sockets, dangling links), each
/// with the reason.
/// </summary>
/// <remarks>
/// <c>Directory.GetFiles(..., AllDirectories)</c> follows links to folders, so <c>ln -s .. sub/up</c> made every
/// folder reader loop until memory ran out; and opening a FIFO found in a folder blocks for ever. nfdump <c>-R</c>
/// likewise reads regular files only. A link to a regular file is read (the file is evidence wherever it lives).
/// </remarks>
public static class FolderWalk
{
    /// <summary>
    /// The regular files under <paramref name="folder"/>; every entry left out is passed to <paramref name="skipped"/>
    /// with the reason. Unreadable sub-folders are skipped with their reason too.
    /// </summary>
    public static List<string> Files(string folder, bool recurse, Action<string, string>? skipped = null,
        bool followFolderLinks = false, CancellationToken cancel = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        var files = new List<string>();
        var visited = new HashSet<(ulong, ulong, string?)>();
        var pending = new Stack<string>();
        if (FileInspector.Identify(folder, followLinks: true, out var rootId) == FileKind.Directory) visited.Add(rootId);
        pending.Push(folder);
        var options = new EnumerationOptions { RecurseSubdirectories = false, IgnoreInaccessible = false, AttributesToSkip = 0, ReturnSpecialDirectories = false };
        while (pending.Count > 0)
        {
            cancel.ThrowIfCancellationRequested();
            string dir = pending.Pop();
            string[] entries;
            try
            {
                entries = Directory.GetFileSystemEntries(dir, "*", options);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                skipped?.Invoke(dir, $"the folder could not be listed: {e.Message}");
                continue;
            }
            foreach (string entry in entries)
            {
                var kind = FileInspector.Identify(entry, followLinks: false, out var id);
                bool link = kind == FileKind.SymbolicLink;
                if (link) kind = FileInspector.Identify(entry, followLinks: true, out id);
                switch (kind)
                {
                    case FileKind.Regular:
                        files.Add(entry);
                        break;
                    case FileKind.Directory when !recurse:
                        break;
                    case FileKind.Directory when link && !followFolderLinks:
                        skipped?.Invoke(entry, "a link to a folder; folder walks follow no folder links (name the folder itself to read it)");
                        break;
                    case FileKind.Directory:
                        if (visited.Add(id)) pending.Push(entry);
                        else skipped?.Invoke(entry, "a folder already walked under another name (a link or mount cycle)");
                        break;
                    case FileKind.Missing:
                        skipped?.Invoke(entry, link ? "a link to nothing (dangling)" : "it vanished during the walk");
                        break;
                    default:
                        skipped?.Invoke(entry, $"{FileInspector.Describe(kind)}, not a regular file; only regular files are read");
                        break;
                }
            }
        }
        files.Sort(StringComparer.Ordinal);
        return files;
    }
}
