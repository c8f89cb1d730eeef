namespace FlowForensics.Tests;

/// <summary>
/// The team's shared test data (<c>../shared</c> beside the repository root). CI always has it, so a missing
/// folder fails loudly instead of skipping.
/// </summary>
internal static class SharedData
{
    private static readonly Lazy<string> RootPath = new(Locate);

    public static string Root => RootPath.Value;

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    public static string[] Files(string relativeDir, string searchPattern)
    {
        var files = Directory.GetFiles(Path(relativeDir), searchPattern, SearchOption.TopDirectoryOnly);
        Array.Sort(files, StringComparer.Ordinal);
        return files;
    }

    private static string Locate()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "FlowForensics.sln")))
            dir = dir.Parent;
        if (dir?.Parent is null)
            throw new InvalidOperationException($"FlowForensics.sln not found above {AppContext.BaseDirectory}.");
        string shared = System.IO.Path.Combine(dir.Parent.FullName, "shared");
        if (!Directory.Exists(shared))
            throw new InvalidOperationException($"Shared test data folder missing: {shared} (expected beside the repository root).");
        return shared;
    }
}
