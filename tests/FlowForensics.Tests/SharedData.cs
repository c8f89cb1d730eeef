namespace FlowForensics.Tests;

/// <summary>
/// The team's shared test data: the <c>shared</c> folder beside the repository root (found by walking up
/// from the test binaries to the folder holding FlowForensics.sln). CI always has it, so a missing
/// folder fails loudly instead of skipping.
/// </summary>
internal static class SharedData
{
    private static readonly Lazy<string> RootPath = new(Locate);

    /// <summary>The shared data folder.</summary>
    public static string Root => RootPath.Value;

    /// <summary>The repository root (the directory holding FlowForensics.sln).</summary>
    public static string RepoRoot => Hosting.RepoPaths.Root;

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    /// <summary>Files under <paramref name="relativeDir"/> matching <paramref name="searchPattern"/>, sorted ordinally.</summary>
    public static string[] Files(string relativeDir, string searchPattern, SearchOption option = SearchOption.TopDirectoryOnly)
    {
        var files = Directory.GetFiles(Path(relativeDir), searchPattern, option);
        Array.Sort(files, StringComparer.Ordinal);
        return files;
    }

    private static string Locate()
    {
        string shared = System.IO.Path.GetFullPath(System.IO.Path.Combine(RepoRoot, "..", "shared"));
        if (!Directory.Exists(shared))
            throw new InvalidOperationException($"The shared test data folder {shared} is missing; the tests need it.");
        return shared;
    }
}
