using System.Management.Automation;
using FlowForensics.PowerShell.Infrastructure;
using FlowForensics.Storage;
using FlowForensics.Wire;

namespace FlowForensics.PowerShell.Commands;

/// <summary>
/// What <c>nfdump -I</c> (and <c>nfdump -v</c>) says about nfcapd files: layout, compression, creation time, ident,
/// first/last seen, flows/packets/bytes in total and per protocol, block count; plus length and SHA-256 for
/// evidence notes. One <see cref="FlowFileInfo"/> per file, written as soon as it is read.
/// </summary>
[Cmdlet(VerbsCommon.Get, "FlowFileInfo", DefaultParameterSetName = PathSet, HelpUri = HelpLinks.CmdletPages + "Get-FlowFileInfo.md")]
[OutputType(typeof(FlowFileInfo))]
public sealed class GetFlowFileInfoCommand : FlowCmdlet
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";

    /// <summary>nfcapd files or folders; wildcards allowed.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    /// <summary>nfcapd files or folders, taken literally; binds FileInfo and DirectoryInfo objects from the pipeline.</summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP", "FullName")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = [];

    /// <summary>Include the files of sub-folders.</summary>
    [Parameter]
    public SwitchParameter Recurse { get; set; }

    protected override void ProcessRecord()
    {
        bool literal = ParameterSetName == LiteralPathSet;
        var progress = new ThrottledProgress(this, 2, "Hashing flow files");
        foreach (string path in ProviderPathResolver.Resolve(this, literal ? LiteralPath : Path, literal))
        {
            ThrowIfStopping();
            var explicitFiles = new HashSet<string>(StringComparer.Ordinal);
            if (File.Exists(path)) explicitFiles.Add(System.IO.Path.GetFullPath(path));
            FlowFileSet set;
            try
            {
                set = new FlowFileSet([path], Recurse.IsPresent);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                WriteError(new ErrorRecord(ex, ErrorIds.FileReadFailed, ErrorCategory.ReadError, path));
                continue;
            }
            FlowFileErrors.ReportSkipped(this, set, explicitFiles);
            foreach (string file in set.Files)
            {
                ThrowIfStopping();
                WriteVerbose($"Reading {file}");
                FlowFileInfo info;
                try
                {
                    long length = new FileInfo(file).Length;
                    info = FlowFileInfo.Read(file, CancelToken, new HashProgress(progress, file, length));
                }
                catch (FlowDataException ex)
                {
                    WriteError(ex.Offset == 0 ? FlowFileErrors.NotAFlowFile(file) : FlowFileErrors.Corrupt(ex, delivered: null));
                    continue;
                }
                catch (OperationCanceledException)
                {
                    ThrowIfStopping();
                    throw;
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    WriteError(new ErrorRecord(ex, ErrorIds.FileReadFailed, ErrorCategory.ReadError, file));
                    continue;
                }
                if (info.AppendixProblem is { } problem)
                    WriteWarning($"{file}: the appendix (ident and totals) could not be read: {problem}.");
                WriteObject(info);
            }
        }
        progress.Complete();
    }

    /// <summary>Called synchronously by the engine on the pipeline thread while it hashes.</summary>
    private sealed class HashProgress(ThrottledProgress progress, string file, long length) : IProgress<long>
    {
        public void Report(long value) => progress.Report($"{System.IO.Path.GetFileName(file)}: SHA-256", value, length);
    }
}
