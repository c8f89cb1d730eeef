using System.Management.Automation;

namespace FlowForensics.PowerShell.Infrastructure;

/// <summary>
/// The input block of every cmdlet that reads nfcapd files (Get-FlowRecord, Measure-FlowTopN, the hunts, the baselines):
/// <c>-Path</c> (wildcards) or <c>-LiteralPath</c> (binds FileInfo/DirectoryInfo from the pipeline), <c>-Recurse</c>, and
/// from <see cref="FlowSelectionCmdlet"/> <c>-Filter</c>, <c>-Start</c> and <c>-End</c>. Paths are collected with
/// <see cref="CollectPaths"/> in ProcessRecord and read in EndProcessing, so files piped one by one are read in time order.
/// </summary>
public abstract class FlowInputCmdlet : FlowSelectionCmdlet
{
    protected const string PathSet = "Path";
    protected const string LiteralPathSet = "LiteralPath";

    private readonly List<string> _paths = [];

    /// <summary>nfcapd files or folders to read (wildcards allowed).</summary>
    [Parameter(Mandatory = true, ParameterSetName = PathSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public virtual string[] Path { get; set; } = [];

    /// <summary>nfcapd files or folders, taken literally; binds FileInfo/DirectoryInfo objects from the pipeline.</summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP", "FullName")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = [];

    /// <summary>Read folders given to -Path/-LiteralPath with their subfolders (nfdump -R reads a folder tree).</summary>
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = LiteralPathSet)]
    public SwitchParameter Recurse { get; set; }

    /// <summary>The paths collected so far (provider paths, resolved).</summary>
    protected IReadOnlyList<string> Paths => _paths;

    /// <summary>Resolves this record's -Path or -LiteralPath (by the parameter set) and keeps the provider paths for reading.</summary>
    protected void CollectPaths()
    {
        bool literal = ParameterSetName == LiteralPathSet;
        _paths.AddRange(ProviderPathResolver.Resolve(this, literal ? LiteralPath : Path, literal));
    }
}
