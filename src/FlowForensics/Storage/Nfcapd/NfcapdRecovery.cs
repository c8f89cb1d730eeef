using System.Diagnostics;
using System.Globalization;
using FlowForensics.Files;
using FlowForensics.Wire;

namespace FlowForensics.Storage.Nfcapd;

/// <summary>
/// Completes the nfcapd files a killed writer left under their temporary names (SIGKILL, the OOM killer, a power
/// loss): run by every nfcapd output (Start-FlowCollector, Convert-PcapToFlow -OutputDirectory) when it starts in a
/// folder, as nfcapd's own files are completed by the next run.
/// </summary>
/// <remarks>
/// <para><see cref="NfcapdFileWriter"/> raises its header's block count after each block reaches the file, so a left
/// temporary file is a valid nfcapd file of every block flushed before the kill (a half-written last block is beyond
/// the count). Recovery reads those blocks and writes them under the file's final name through the ordinary writer
/// (with the appendix and stat record a completed file has), then deletes the temporary file.</para>
/// <para>A temporary file is an orphan when its process id (in the name) is not running, or is this process and the
/// file is not one this process has open. A file whose final name exists is left alone (reported); one with no
/// readable block is deleted.</para>
/// </remarks>
public static class NfcapdRecovery
{
    /// <summary>Recovers the orphaned temporary nfcapd files in <paramref name="folder"/> (not below it).</summary>
    /// <returns>One line per orphan found, saying what was done with it.</returns>
    public static List<NfcapdRecoveryResult> RecoverFolder(string folder)
    {
        var results = new List<NfcapdRecoveryResult>();
        if (FileInspector.GetKind(folder) != FileKind.Directory) return results;
        foreach (string path in FolderWalk.Files(folder, recurse: false))
        {
            string name = Path.GetFileName(path);
            if (!AtomicFile.TryGetTargetName(name, out string target) || !FileRotation.TryParseFileName(target, out _)) continue;
            if (!IsOrphan(name, path)) continue;
            results.Add(Recover(path, Path.Combine(folder, target)));
        }
        return results;
    }

    private static bool IsOrphan(string name, string path)
    {
        int at = name.LastIndexOf(AtomicFile.Marker, StringComparison.Ordinal) + AtomicFile.Marker.Length;
        int dot = name.IndexOf('.', at);
        if (!int.TryParse(name.AsSpan(at, dot - at), NumberStyles.None, CultureInfo.InvariantCulture, out int pid)) return false;
        if (pid == Environment.ProcessId) return !AtomicFile.IsOpenInThisProcess(path);
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true;   // no such process
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }

    /// <summary>Writes the readable blocks of the temporary file <paramref name="tempPath"/> to <paramref name="finalPath"/> and deletes it.</summary>
    public static NfcapdRecoveryResult Recover(string tempPath, string finalPath)
    {
        if (File.Exists(finalPath))
            return new NfcapdRecoveryResult(tempPath, null, 0, $"left in place: {finalPath} exists");
        long flows = 0;
        string? problem = null;
        try
        {
            using var reader = NfcapdFileReader.Open(tempPath);
            if (reader.Info.BlockCount == 0)
            {
                reader.Dispose();
                File.Delete(tempPath);
                return new NfcapdRecoveryResult(tempPath, null, 0, "deleted: it held no complete block");
            }
            var compression = reader.Info.Compression;
            using (var writer = NfcapdFileWriter.Create(finalPath, compression, "recovered", overwrite: false))
            {
                try
                {
                    foreach (var flow in reader.ReadFlows())
                    {
                        writer.Accept(flow);
                        flows++;
                    }
                }
                catch (FlowDataException e)
                {
                    problem = e.Reason;   // the flows before the damage are kept
                }
                writer.Complete();
            }
        }
        catch (Exception e) when (e is FlowDataException or IOException or UnauthorizedAccessException)
        {
            return new NfcapdRecoveryResult(tempPath, null, flows, $"left in place: {e.Message}");
        }
        File.Delete(tempPath);
        return new NfcapdRecoveryResult(tempPath, finalPath, flows,
            $"completed as {Path.GetFileName(finalPath)} ({flows:N0} flows)" + (problem is null ? "" : $"; the rest was damaged: {problem}"));
    }
}

/// <summary>What <see cref="NfcapdRecovery"/> did with one temporary file.</summary>
/// <param name="TempPath">The temporary file found.</param>
/// <param name="FinalPath">The completed file, or null when none was written.</param>
/// <param name="Flows">Flows recovered.</param>
/// <param name="Outcome">What was done, in plain words.</param>
public sealed record NfcapdRecoveryResult(string TempPath, string? FinalPath, long Flows, string Outcome);
