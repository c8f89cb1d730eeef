namespace FlowForensics.Host;

/// <summary>Finds the module manifest: FLOWFORENSICS_MODULE, then Modules/FlowForensics beside the program, then the repository's out/FlowForensics.</summary>
internal static class ModuleLocator
{
    public const string EnvironmentVariable = "FLOWFORENSICS_MODULE";
    private const string ManifestName = "FlowForensics.psd1";

    /// <summary>The manifest path, or null with the places looked at in <paramref name="searched"/>.</summary>
    public static string? Find(out IReadOnlyList<string> searched)
    {
        var looked = new List<string>();
        searched = looked;

        string? overridden = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrEmpty(overridden))
        {
            // An explicit choice is never silently replaced by another copy.
            string full = Path.GetFullPath(overridden);
            if (Directory.Exists(full))
            {
                full = Path.Combine(full, ManifestName);
            }

            looked.Add(full);
            return File.Exists(full) ? full : null;
        }

        string beside = Path.Combine(AppContext.BaseDirectory, "Modules", "FlowForensics", ManifestName);
        looked.Add(beside);
        if (File.Exists(beside))
        {
            return beside;
        }

        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FlowForensics.sln")))
            {
                string built = Path.Combine(dir.FullName, "out", "FlowForensics", ManifestName);
                looked.Add(built);
                return File.Exists(built) ? built : null;
            }
        }

        return null;
    }
}
