using System.Buffers;
using System.Security.Cryptography;
using FlowForensics.Files;
using FlowForensics.Storage.Nfcapd;

namespace FlowForensics.Storage;

/// <summary>
/// What <c>nfdump -I</c> and <c>nfdump -v</c> show for one nfcapd file (layout, compression, creation, ident,
/// first/last seen, flows/packets/bytes in total and per protocol, block count) plus its length and SHA-256 for
/// evidence notes. Flat (strings, numbers, DateTime), so Export-Csv writes it without loss.
/// </summary>
/// <remarks>The totals are the file's stat record: the writer's claims, which nfdump does not check either.</remarks>
public sealed class FlowFileInfo
{
    /// <summary>Bytes hashed per read when computing <see cref="Sha256"/>.</summary>
    public const int HashBufferSize = 1 << 20;

    public string Path { get; init; } = "";
    public string Name => System.IO.Path.GetFileName(Path);
    public long Length { get; init; }

    /// <summary>SHA-256 of the whole file, upper-case hex (as Get-FileHash prints it).</summary>
    public string Sha256 { get; init; } = "";

    /// <summary>1 = nfdump 1.6 (LAYOUT_VERSION_1), 2 = nfdump 1.7.</summary>
    public int Layout { get; init; }
    public NfcapdCompression Compression { get; init; }

    /// <summary>Header creation time (UTC); null for 1.6 files, which have none.</summary>
    public DateTime? Created { get; init; }

    /// <summary>The writing program's version, e.g. "1.7.1" (empty when the header has none).</summary>
    public string NfdumpVersion { get; init; } = "";

    /// <summary>The header's version word as stored (nfdump -v prints it in hex: 1070100 for Debian's 1.7.1, f1070800 for a 1.7.8 git build).</summary>
    public uint NfdumpVersionWord { get; init; }

    /// <summary>The writing program as the header names it (nfdump 1.7.2+; "unknown" for 1.7.1 files, which do not say).</summary>
    public string Creator { get; init; } = "";
    public string Ident { get; init; } = "";

    /// <summary>Data blocks the header announces.</summary>
    public long BlockCount { get; init; }

    /// <summary>False when the file has no stat record; the totals are zero then.</summary>
    public bool HasStatistics { get; init; }
    public DateTime? FirstSeen { get; init; }
    public DateTime? LastSeen { get; init; }
    public ulong Flows { get; init; }
    public ulong Packets { get; init; }
    public ulong Bytes { get; init; }
    public ulong FlowsTcp { get; init; }
    public ulong FlowsUdp { get; init; }
    public ulong FlowsIcmp { get; init; }
    public ulong FlowsOther { get; init; }
    public ulong PacketsTcp { get; init; }
    public ulong PacketsUdp { get; init; }
    public ulong PacketsIcmp { get; init; }
    public ulong PacketsOther { get; init; }
    public ulong BytesTcp { get; init; }
    public ulong BytesUdp { get; init; }
    public ulong BytesIcmp { get; init; }
    public ulong BytesOther { get; init; }
    public ulong SequenceFailures { get; init; }

    /// <summary>Why the appendix (ident, stat record) could not be read; null when it was read or is absent.</summary>
    public string? AppendixProblem { get; init; }

    private static readonly string[] CreatorNames =
        ["unknown", "nfcapd", "nfpcapd", "sfcapd", "nfdump", "nfanon", "nfprofile", "geolookup", "ft2nfdump", "torlookup"];

    /// <summary>
    /// Reads the header and appendix of <paramref name="path"/> and hashes the whole file.
    /// Throws <see cref="Wire.FlowDataException"/> when it is not a readable nfcapd file; <paramref name="bytesHashed"/>
    /// receives the running count of bytes hashed.
    /// </summary>
    public static FlowFileInfo Read(string path, CancellationToken cancel = default, IProgress<long>? bytesHashed = null)
    {
        using var stream = FileInspector.OpenRead(path, 4096, FileOptions.SequentialScan);
        NfcapdFileInfo n;
        using (var reader = NfcapdFileReader.Open(stream, path, leaveOpen: true)) n = reader.Info;
        stream.Position = 0;
        return From(n, path, stream.Length, HashStream(stream, cancel, bytesHashed));
    }

    /// <summary>SHA-256 of a stream from its current position, upper-case hex.</summary>
    public static string HashStream(Stream stream, CancellationToken cancel = default, IProgress<long>? bytesHashed = null)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(HashBufferSize);
        try
        {
            long done = 0;
            int got;
            while ((got = stream.Read(buffer, 0, HashBufferSize)) > 0)
            {
                cancel.ThrowIfCancellationRequested();
                sha.AppendData(buffer, 0, got);
                done += got;
                bytesHashed?.Report(done);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return Convert.ToHexString(sha.GetHashAndReset());
    }

    internal static FlowFileInfo From(NfcapdFileInfo n, string path, long length, string sha256) => new()
    {
        Path = path,
        Length = length,
        Sha256 = sha256,
        Layout = n.Layout,
        Compression = n.Compression,
        Created = n.Created,
        NfdumpVersion = VersionText(n.NfdumpVersion),
        NfdumpVersionWord = n.NfdumpVersion,
        Creator = n.Layout == 1 ? "" : CreatorName(n.Creator),
        Ident = n.Ident,
        BlockCount = n.BlockCount,
        HasStatistics = n.HasStatistics,
        FirstSeen = n.FirstSeen,
        LastSeen = n.LastSeen,
        Flows = n.Flows,
        Packets = n.Packets,
        Bytes = n.Bytes,
        FlowsTcp = n.FlowsTcp,
        FlowsUdp = n.FlowsUdp,
        FlowsIcmp = n.FlowsIcmp,
        FlowsOther = n.FlowsOther,
        PacketsTcp = n.PacketsTcp,
        PacketsUdp = n.PacketsUdp,
        PacketsIcmp = n.PacketsIcmp,
        PacketsOther = n.PacketsOther,
        BytesTcp = n.BytesTcp,
        BytesUdp = n.BytesUdp,
        BytesIcmp = n.BytesIcmp,
        BytesOther = n.BytesOther,
        SequenceFailures = n.SequenceFailures,
        AppendixProblem = n.AppendixProblem,
    };

    /// <summary>0x01070100 → "1.7.1"; git builds set the top nibble (0xF1070800 → "1.7.8"); 0 → "".</summary>
    internal static string VersionText(uint v) =>
        v == 0 ? "" : $"{(v >> 24) & 0xF}.{(v >> 16) & 0xFF}.{(v >> 8) & 0xFF}";

    internal static string CreatorName(uint creator) => creator < (uint)CreatorNames.Length ? CreatorNames[creator] : "unknown";

    public override string ToString() => Path;
}
