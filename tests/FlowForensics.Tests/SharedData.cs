namespace FlowForensics.Tests;

/// <summary>
/// The shared data folder beside the repository (../shared from the directory holding FlowForensics.sln).
/// CI always has it, so a missing folder fails loudly instead of skipping.
/// </summary>
internal static class SharedData
{
    private static readonly Lazy<string> RootPath = new(Locate);

    public static string Root => RootPath.Value;

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    public static string[] Files(string relativeDir, string searchPattern)
    {
        var files = Directory.GetFiles(Path(relativeDir), searchPattern);
        Array.Sort(files, StringComparer.Ordinal);
        return files;
    }

    /// <summary>The repository root (the directory holding FlowForensics.sln).</summary>
    public static string RepoRoot => RepoRootPath.Value;

    private static readonly Lazy<string> RepoRootPath = new(LocateRepo);

    private static string LocateRepo()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "FlowForensics.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"FlowForensics.sln not found above {AppContext.BaseDirectory}.");
    }

    private static string Locate()
    {
        string shared = System.IO.Path.GetFullPath(System.IO.Path.Combine(RepoRoot, "..", "shared"));
        if (!Directory.Exists(shared))
            throw new InvalidOperationException($"The shared data folder {shared} is missing; the tests need it.");
        return shared;
    }
}
