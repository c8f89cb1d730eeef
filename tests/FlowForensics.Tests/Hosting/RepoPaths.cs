namespace FlowForensics.Tests.Hosting;

/// <summary>Where the repository, the built module and the spec folder are, found from the test's bin folder.</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> s_root = new(FindRoot);

    /// <summary>The folder holding FlowForensics.sln.</summary>
    public static string Root => s_root.Value;

    /// <summary>The built module manifest: env FLOWFORENSICS_MODULE, else out/FlowForensics/FlowForensics.psd1.</summary>
    public static string ModuleManifest
    {
        get
        {
            string? overridden = Environment.GetEnvironmentVariable("FLOWFORENSICS_MODULE");
            string path = string.IsNullOrEmpty(overridden)
                ? System.IO.Path.Combine(Root, "out", "FlowForensics", "FlowForensics.psd1")
                : System.IO.Path.GetFullPath(overridden);
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"The built module manifest is missing at '{path}'. Build the solution first (dotnet build FlowForensics.sln -c Release).", path);
            }

            return path;
        }
    }

    /// <summary>The folder holding the module manifest.</summary>
    public static string ModuleFolder => System.IO.Path.GetDirectoryName(ModuleManifest)!;

    /// <summary>
    /// The module's binaries as FlowForensics.psm1 picks them: bin/&lt;os&gt;-&lt;arch&gt; (ReadyToRun) for this process's
    /// platform when present, else bin/il.
    /// </summary>
    public static string ModuleBinaryFolder
    {
        get
        {
            string native = System.IO.Path.Combine(ModuleFolder, "bin", PlatformName);
            return File.Exists(System.IO.Path.Combine(native, "FlowForensics.PowerShell.dll")) ? native : System.IO.Path.Combine(ModuleFolder, "bin", "il");
        }
    }

    /// <summary>This process's platform as the module names its folders: linux-x64, win-arm64, osx-arm64 ...</summary>
    public static string PlatformName
    {
        get
        {
            string os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
            string arch = System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
            return os + "-" + arch;
        }
    }

    /// <summary>Pester/ at the repository root.</summary>
    public static string SpecFolder => System.IO.Path.Combine(Root, "Pester");

    /// <summary>A path under the repository root.</summary>
    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "FlowForensics.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No folder holding FlowForensics.sln above '{AppContext.BaseDirectory}'.");
    }
}
