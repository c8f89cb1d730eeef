namespace FlowForensics.Storage.Nfcapd;

/// <summary>
/// What an nfcapd file says about itself: its header and its appendix (ident + stat record, spec §10/§11) or,
/// for a 1.6 file, the V1 header and stat. Totals are the writer's claims; nfdump never checks them either.
/// </summary>
public sealed class NfcapdFileInfo
{
    public string Path { get; init; } = "";

    /// <summary>1 = nfdump 1.6 (LAYOUT_VERSION_1), 2 = nfdump 1.7.</summary>
    public int Layout { get; init; }
    public NfcapdCompression Compression { get; init; }

    /// <summary>Header creation time (UTC); null for 1.6 files, which have none.</summary>
    public DateTime? Created { get; init; }

    /// <summary>The version word of the writing program (0x01070100 = 1.7.1); 0 when unknown.</summary>
    public uint NfdumpVersion { get; init; }

    /// <summary>Header offset 20: 0 unknown, 1 nfcapd, 2 nfpcapd, 3 sfcapd, 4 nfdump, ... (1.7.2+; 1.7.1 writes 0).</summary>
    public uint Creator { get; init; }

    public string Ident { get; internal set; } = "";

    /// <summary>Data blocks the header announces.</summary>
    public long BlockCount { get; init; }

    /// <summary>True when a stat record was found; the totals below are zero otherwise.</summary>
    public bool HasStatistics { get; internal set; }

    /// <summary>Why the appendix could not be read (null when it was read or is absent). Not fatal, as in nfdump.</summary>
    public string? AppendixProblem { get; internal set; }

    public DateTime? FirstSeen { get; internal set; }
    public DateTime? LastSeen { get; internal set; }
    public ulong Flows { get; internal set; }
    public ulong Bytes { get; internal set; }
    public ulong Packets { get; internal set; }
    public ulong FlowsTcp { get; internal set; }
    public ulong FlowsUdp { get; internal set; }
    public ulong FlowsIcmp { get; internal set; }
    public ulong FlowsOther { get; internal set; }
    public ulong BytesTcp { get; internal set; }
    public ulong BytesUdp { get; internal set; }
    public ulong BytesIcmp { get; internal set; }
    public ulong BytesOther { get; internal set; }
    public ulong PacketsTcp { get; internal set; }
    public ulong PacketsUdp { get; internal set; }
    public ulong PacketsIcmp { get; internal set; }
    public ulong PacketsOther { get; internal set; }
    public ulong SequenceFailures { get; internal set; }
}
