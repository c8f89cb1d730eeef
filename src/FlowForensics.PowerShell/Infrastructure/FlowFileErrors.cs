using System.Management.Automation;
using FlowForensics.Storage;
using FlowForensics.Storage.Nfcapd;
using FlowForensics.Wire;

namespace FlowForensics.PowerShell.Infrastructure;

/// <summary>
/// The errors and -Verbose lines of cmdlets that read nfcapd files: a damaged file (FlowFileCorrupt, naming file,
/// block and offset), a named file that is not nfcapd (FlowFileUnsupported, with the reader's reason), and what a
/// <see cref="FlowFileSet"/> passed over and why.
/// </summary>
internal static class FlowFileErrors
{
    /// <summary>
    /// FlowFileCorrupt for a damaged file; <paramref name="delivered"/> says what became of the flows before the damage
    /// ("written", "analysed"), null says nothing.
    /// </summary>
    public static ErrorRecord Corrupt(FlowDataException ex, string? delivered = "written") =>
        new(ex, ErrorIds.FlowFileCorrupt, ErrorCategory.InvalidData, ex.DataSource)
        {
            ErrorDetails = new ErrorDetails($"{ex.DataSource}: {ex.Reason} at byte {ex.Offset}" +
                                            (delivered is null ? "." : $"; the flows before the damage were {delivered}.")),
        };

    /// <summary>
    /// Files that were named explicitly but are not nfcapd files are non-terminating errors (FlowFileUnsupported);
    /// everything else that was skipped (other files in a folder, files outside the window) is said with -Verbose.
    /// </summary>
    public static void ReportSkipped(Cmdlet cmdlet, FlowFileSet set, HashSet<string> explicitFiles)
    {
        foreach (var skipped in set.Skipped)
        {
            if (explicitFiles.Contains(skipped.Path) && set.NotFlowFiles.Contains(skipped.Path))
                cmdlet.WriteError(NotAFlowFile(skipped.Path));
            else
                cmdlet.WriteVerbose($"Skipped {skipped.Path}: {skipped.Reason}.");
        }
    }

    /// <summary>The error for a file that is not nfcapd, with the reader's reason (magic, layout) when it has one.</summary>
    public static ErrorRecord NotAFlowFile(string path)
    {
        string reason = "not an nfcapd file";
        Exception cause;
        try
        {
            using var reader = NfcapdFileReader.Open(path);
            cause = new FlowDataException(path, 0, reason);
        }
        catch (FlowDataException ex)
        {
            cause = ex;
            reason = ex.Reason;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new ErrorRecord(ex, ErrorIds.FileReadFailed, ErrorCategory.ReadError, path);
        }
        return new ErrorRecord(cause, ErrorIds.FlowFileUnsupported, ErrorCategory.InvalidData, path)
        {
            ErrorDetails = new ErrorDetails($"{path}: {reason}; it was not read (flow files are nfdump's nfcapd files, layout 1 or 2)."),
        };
    }
}
