namespace FlowForensics.Tests;

/// <summary>
/// Locates the shared golden data (<c>../shared</c> beside the repository root). CI always has it, so a
/// missing folder fails loudly instead of skipping.
/// </summary>
internal static class SharedData
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    public static string Root => RootPath.Value;

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    public static string[] Files(string relativeDir, string searchPattern)
    {
        var files = Directory.GetFiles(Path(relativeDir), searchPattern);
        Array.Sort(files, StringComparer.Ordinal);
        return files;
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "FlowForensics.sln")))
            dir = dir.Parent;
        if (dir is null)
            throw new InvalidOperationException($"FlowForensics.sln not found above {AppContext.BaseDirectory}");
        string shared = System.IO.Path.GetFullPath(System.IO.Path.Combine(dir.FullName, "..", "shared"));
        if (!Directory.Exists(shared))
            throw new InvalidOperationException($"The shared data folder {shared} is missing; tests need it.");
        return shared;
    }
}
