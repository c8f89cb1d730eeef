using System.Text.Json;
using FlowForensics.Files;
using FlowForensics.Flows;
using FlowForensics.Storage;

namespace FlowForensics.Analysis.Baselines;

/// <summary>
/// Saves and loads baselines as versioned JSON (System.Text.Json): an object with <c>Format</c>
/// ("FlowForensics.Baseline") and <c>FormatVersion</c> first, then the period, the settings and the profiles
/// (docs/detections.md describes every field). Saving goes through <see cref="AtomicFile"/> (a temporary file,
/// flushed to the disk and renamed), so a reader never sees half a baseline; loading checks the format, the version and every profile, and names the file in errors.
/// </summary>
public static class FlowBaselineFile
{
    /// <summary>Baseline files larger than this are refused rather than read into memory (1 GiB).</summary>
    public const long MaxFileBytes = 1L << 30;

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = false };

    /// <summary>
    /// Writes <paramref name="baseline"/> to <paramref name="path"/>. Without <paramref name="overwrite"/> an existing
    /// file, even one that appears while the baseline is written, is left as it is and
    /// <see cref="OutputFileExistsException"/> is thrown.
    /// </summary>
    public static void Save(FlowBaseline baseline, string path, bool overwrite = true)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentException.ThrowIfNullOrEmpty(path);
        AtomicFile.Write(path, overwrite, stream => JsonSerializer.Serialize(stream, baseline, Options),
            existsError: static full => new OutputFileExistsException(full));
    }

    /// <summary>Reads a baseline; throws <see cref="FlowBaselineFormatException"/> naming the file when it is not one this build reads.</summary>
    public static FlowBaseline Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = FileInspector.OpenRead(path, 4096, FileOptions.None, FileShare.Read);
        if (stream.Length > MaxFileBytes)
            throw new FlowBaselineFormatException(path, $"the file is {stream.Length:N0} bytes, more than the {MaxFileBytes:N0} a baseline may have");
        return Read(stream, path);
    }

    /// <summary>Reads a baseline from a stream; <paramref name="source"/> names it in errors.</summary>
    public static FlowBaseline Read(Stream stream, string source)
    {
        ArgumentNullException.ThrowIfNull(stream);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(stream, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw new FlowBaselineFormatException(source, $"not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {e.Message}", e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty(nameof(FlowBaseline.Format), out var format)
                || format.ValueKind != JsonValueKind.String || format.GetString() != FlowBaseline.FormatName)
                throw new FlowBaselineFormatException(source, $"not a FlowForensics baseline (no \"Format\": \"{FlowBaseline.FormatName}\")");
            if (!root.TryGetProperty(nameof(FlowBaseline.FormatVersion), out var version) || !version.TryGetInt32(out int v))
                throw new FlowBaselineFormatException(source, "the baseline has no FormatVersion");
            if (v != FlowBaseline.CurrentFormatVersion)
                throw new FlowBaselineFormatException(source,
                    $"baseline format version {v} is not supported (this version of FlowForensics reads version {FlowBaseline.CurrentFormatVersion}); rebuild it with New-FlowBaseline");
            FlowBaseline? baseline;
            try
            {
                baseline = root.Deserialize<FlowBaseline>(Options);
            }
            catch (JsonException e)
            {
                throw new FlowBaselineFormatException(source, $"a field has the wrong type ({e.Path}): {e.Message}", e);
            }
            if (baseline is null) throw new FlowBaselineFormatException(source, "the baseline is empty");
            Validate(baseline, source);
            return baseline;
        }
    }

    private static void Validate(FlowBaseline b, string source)
    {
        if (b.IntervalSeconds < 1 || b.IntervalSeconds > 86_400) Fail($"IntervalSeconds {b.IntervalSeconds} is not between 1 and 86400");
        if (b.NetworkPrefixLengthV4 is < 0 or > 32) Fail($"NetworkPrefixLengthV4 {b.NetworkPrefixLengthV4} is not between 0 and 32");
        if (b.NetworkPrefixLengthV6 is < 0 or > 128) Fail($"NetworkPrefixLengthV6 {b.NetworkPrefixLengthV6} is not between 0 and 128");
        if (b.HoursCovered is not { Length: 24 }) Fail("HoursCovered must have 24 entries");
        if (b.InternalNetworks is null) Fail("InternalNetworks is missing");
        foreach (string n in b.InternalNetworks!)
            if (!Hunting.AddressSet.TryParsePrefix(n, out _)) Fail($"InternalNetworks entry '{n}' is not a network");
        if (b.Hosts is null || b.Networks is null) Fail("Hosts or Networks is missing");
        for (int i = 0; i < b.Hosts!.Count; i++) Check(b.Hosts[i], $"Hosts[{i}]", network: false);
        for (int i = 0; i < b.Networks!.Count; i++) Check(b.Networks[i], $"Networks[{i}]", network: true);

        void Check(BaselineProfile? p, string where, bool network)
        {
            if (p is null) Fail($"{where} is null");
            string text = p!.Address ?? string.Empty;
            if (network ? !Hunting.AddressSet.TryParsePrefix(text, out _) : !FlowAddress.TryParse(text, out _))
                Fail($"{where}.Address '{text}' is not {(network ? "a network" : "an IP address")}");
            if (p.ActiveHours is not { Length: 24 }) Fail($"{where}.ActiveHours must have 24 entries");
            if (p.BytesOut is null || p.BytesIn is null || p.PacketsOut is null || p.PacketsIn is null || p.FlowsOut is null || p.FlowsIn is null)
                Fail($"{where} lacks a volume statistic");
            if (p.Peers is null || p.Ports is null) Fail($"{where} lacks Peers or Ports");
            foreach (var peer in p.Peers!)
                if (peer is null || !FlowAddress.TryParse(peer.Address, out _)) Fail($"{where}.Peers holds '{peer?.Address}', not an IP address");
            foreach (var port in p.Ports!)
                if (port is null) Fail($"{where}.Ports holds a null entry");
        }

        void Fail(string reason) => throw new FlowBaselineFormatException(source, reason);
    }
}

/// <summary>A file that is not a baseline this build can read: the file and the reason.</summary>
public sealed class FlowBaselineFormatException : Exception
{
    public FlowBaselineFormatException(string file, string reason, Exception? inner = null)
        : base($"{file}: {reason}.", inner)
    {
        File = file;
        Reason = reason;
    }

    public string File { get; }

    public string Reason { get; }
}
