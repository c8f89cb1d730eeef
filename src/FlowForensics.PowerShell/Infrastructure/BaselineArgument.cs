using System.Management.Automation;
using FlowForensics.Analysis.Baselines;

namespace FlowForensics.PowerShell.Infrastructure;

/// <summary>
/// -Baseline for every hunt that takes one (Find-FlowAnomaly, Find-FlowLateralMovement): a file saved by
/// New-FlowBaseline -OutputPath (path text or FileInfo), the summary New-FlowBaseline writes, or a FlowBaseline.
/// A missing or unreadable file, or a file that is not a baseline, is a terminating error naming the file.
/// </summary>
internal static class BaselineArgument
{
    public static FlowBaseline Resolve(PSCmdlet cmdlet, object baseline)
    {
        object value = baseline is PSObject pso ? pso.BaseObject : baseline;
        switch (value)
        {
            case FlowBaseline b:
                return b;
            case FlowBaselineSummary s:
                return s.GetBaseline();
            case string or FileInfo:
                string text = value is FileInfo fi ? fi.FullName : (string)value;
                string path = cmdlet.GetUnresolvedProviderPathFromPSPath(text);
                if (!File.Exists(path))
                {
                    cmdlet.ThrowTerminatingError(new ErrorRecord(new FileNotFoundException($"Cannot find the baseline file '{path}'.", path),
                        ErrorIds.PathNotFound, ErrorCategory.ObjectNotFound, path));
                }
                try
                {
                    return FlowBaselineFile.Load(path);
                }
                catch (FlowBaselineFormatException e)
                {
                    cmdlet.ThrowTerminatingError(new ErrorRecord(e, ErrorIds.BaselineInvalid, ErrorCategory.InvalidData, path));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    cmdlet.ThrowTerminatingError(new ErrorRecord(e, ErrorIds.FileReadFailed, ErrorCategory.ReadError, path));
                }
                break;
        }
        cmdlet.ThrowTerminatingError(new ErrorRecord(
            new ArgumentException($"-Baseline takes a baseline file path, New-FlowBaseline's output or a FlowBaseline; got {value.GetType().FullName}.", "Baseline"),
            ErrorIds.BaselineInvalid, ErrorCategory.InvalidArgument, value));
        return null!;
    }
}
