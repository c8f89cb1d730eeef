using Xunit;
using System.Globalization;
using System.Text.RegularExpressions;
using FlowForensics.Capture;
using FlowForensics.Wire;

namespace FlowForensics.Tests.Capture;

/// <summary>The shared captures (pcap/ and malicious/) with their MANIFEST packet counts, and small reading helpers.</summary>
internal static partial class CaptureCorpus
{
    private static readonly Lazy<Dictionary<string, long>> Counts = new(ReadManifest);

    /// <summary>Relative paths (as MANIFEST names them) of every pcap/pcapng capture under pcap/ and malicious/.</summary>
    public static IEnumerable<string> AllCaptures()
    {
        foreach (string dir in new[] { "pcap", "malicious" })
        {
            foreach (string file in SharedData.Files(Path.Combine("data", dir), "*", SearchOption.AllDirectories))
            {
                string name = Path.GetFileName(file);
                if (name.EndsWith(".pcap", StringComparison.Ordinal) || name.EndsWith(".pcapng", StringComparison.Ordinal)
                    || name.EndsWith(".cap", StringComparison.Ordinal))
                    yield return Path.GetRelativePath(SharedData.Path("data"), file).Replace('\\', '/');
            }
        }
    }

    public static TheoryData<string> AllCapturesData()
    {
        var data = new TheoryData<string>();
        foreach (string c in AllCaptures()) data.Add(c);
        return data;
    }

    public static string FullPath(string relative) => SharedData.Path("data", relative);

    /// <summary>The MANIFEST "packets" column for a capture.</summary>
    public static long ManifestPacketCount(string relative) =>
        Counts.Value.TryGetValue(relative, out long n) ? n : throw new KeyNotFoundException($"{relative} has no packet count in MANIFEST.md");

    private static Dictionary<string, long> ReadManifest()
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (string line in File.ReadLines(SharedData.Path("data", "MANIFEST.md")))
        {
            var m = ManifestRow().Match(line);
            if (!m.Success) continue;
            var cells = line.Split('|');
            // | path | source | licence | size | sha | packets | link type | ...
            string packets = cells[6].Trim().Replace(",", string.Empty, StringComparison.Ordinal);
            if (long.TryParse(packets, NumberStyles.None, CultureInfo.InvariantCulture, out long n))
                counts[m.Groups[1].Value] = n;
        }
        return counts;
    }

    [GeneratedRegex(@"^\| `([^`]+)` \|")]
    private static partial Regex ManifestRow();

    /// <summary>One packet copied out of a source, for comparisons.</summary>
    public sealed record Frame(DateTime Timestamp, LinkType LinkType, byte[] Data, int OriginalLength, int InterfaceId, long FileOffset);

    /// <summary>Reads every packet (copying it); a FlowDataException is returned, not thrown.</summary>
    public static List<Frame> ReadAll(ICaptureSource source, out FlowDataException? error, int limit = 10_000_000)
    {
        var frames = new List<Frame>();
        error = null;
        try
        {
            while (source.TryReadPacket(out var p))
            {
                frames.Add(new Frame(p.Timestamp, p.LinkType, p.Data.ToArray(), p.OriginalLength, p.InterfaceId, p.FileOffset));
                if (frames.Count > limit) throw new InvalidOperationException("the reader returned more packets than the input can hold");
            }
        }
        catch (FlowDataException e)
        {
            error = e;
        }
        return frames;
    }

    public static List<Frame> ReadAll(string path)
    {
        using var source = CaptureFileReader.Open(path);
        var frames = ReadAll(source, out var error);
        if (error is not null) throw error;
        return frames;
    }

    public static ICaptureSource OpenBytes(byte[] bytes, string name = "memory") =>
        CaptureFileReader.Open(new MemoryStream(bytes, writable: false), name);
}
