namespace FlowForensics.Tests;

/// <summary>
/// The team's shared test data: the <c>shared</c> folder beside the repository root (found by walking up
/// from the test binaries to the folder holding FlowForensics.sln). CI always has it, so a missing
/// folder fails loudly instead of skipping.
/// </summary>
internal static class SharedData
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    public static string Root => RootPath.Value;

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    /// <summary>Files under <paramref name="relativeDir"/> (recursively) matching <paramref name="searchPattern"/>, sorted.</summary>
    public static string[] Files(string relativeDir, string searchPattern)
    {
        var files = Directory.GetFiles(Path(relativeDir), searchPattern, SearchOption.AllDirectories);
        Array.Sort(files, StringComparer.Ordinal);
        return files;
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "FlowForensics.sln")))
            dir = dir.Parent;
        if (dir is null)
            throw new InvalidOperationException($"No FlowForensics.sln above {AppContext.BaseDirectory}: cannot locate the shared test data.");
        string shared = System.IO.Path.GetFullPath(System.IO.Path.Combine(dir.FullName, "..", "shared"));
        if (!Directory.Exists(shared))
            throw new InvalidOperationException($"The shared test data folder {shared} is missing; tests need it.");
        return shared;
    }
}
