using System.Management.Automation;

namespace FlowForensics.PowerShell.Infrastructure;

/// <summary>
/// Turns -Path (wildcards) and -LiteralPath values into file-system paths, the way Get-FileHash does:
/// errors for paths that match nothing or live on another provider are non-terminating and name the path.
/// </summary>
internal static class ProviderPathResolver
{
    public static List<string> Resolve(PSCmdlet cmdlet, IEnumerable<string> paths, bool literal)
    {
        var resolved = new List<string>();
        foreach (string path in paths)
        {
            try
            {
                if (literal)
                {
                    string full = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out ProviderInfo provider, out _);
                    if (!IsFileSystem(cmdlet, provider, path)) continue;
                    if (!File.Exists(full) && !Directory.Exists(full))
                    {
                        WriteNotFound(cmdlet, path);
                        continue;
                    }
                    resolved.Add(full);
                }
                else
                {
                    var matches = cmdlet.SessionState.Path.GetResolvedProviderPathFromPSPath(path, out ProviderInfo provider);
                    if (!IsFileSystem(cmdlet, provider, path)) continue;
                    if (matches.Count == 0)
                    {
                        WriteNotFound(cmdlet, path);
                        continue;
                    }
                    resolved.AddRange(matches);
                }
            }
            catch (ItemNotFoundException)
            {
                WriteNotFound(cmdlet, path);
            }
        }
        return resolved;
    }

    private static bool IsFileSystem(PSCmdlet cmdlet, ProviderInfo provider, string path)
    {
        if (provider.ImplementingType == typeof(Microsoft.PowerShell.Commands.FileSystemProvider)) return true;
        cmdlet.WriteError(new ErrorRecord(
            new ArgumentException($"'{path}' is not a file-system path (provider {provider.Name})."),
            ErrorIds.PathNotFileSystem, ErrorCategory.InvalidArgument, path));
        return false;
    }

    private static void WriteNotFound(PSCmdlet cmdlet, string path) =>
        cmdlet.WriteError(new ErrorRecord(
            new FileNotFoundException($"Cannot find path '{path}' because it does not exist.", path),
            ErrorIds.PathNotFound, ErrorCategory.ObjectNotFound, path));
}
