namespace FlowForensics.Storage.Nfcapd;

/// <summary>
/// Hard bounds of the nfcapd reader and writer. They follow nfdump's own buffers (spec §4: BUFFSIZE = 5 MiB),
/// so every file nfdump reads, we read, and a lying length cannot make us allocate more.
/// </summary>
public static class NfcapdLimits
{
    /// <summary>Largest stored (compressed) block payload accepted: nfdump 1.7.1's BUFFSIZE, 5 MiB.</summary>
    public const int MaxBlockSize = 5 * 1024 * 1024;

    /// <summary>Largest uncompressed block payload accepted: the same 5 MiB buffer nfdump decompresses into.</summary>
    public const int MaxUncompressedBlockSize = 5 * 1024 * 1024;

    /// <summary>The writer starts a new block before the uncompressed payload would exceed this (nfcapd 1.7.1's WRITE_BUFFSIZE).</summary>
    public const int WriterBlockSize = 1024 * 1024;

    /// <summary>Elements per V3 record that nfdump 1.7.1 accepts (MAXEXTENSIONS 38); more is a corrupt record.</summary>
    public const int MaxElementsPerRecord = 64;

    /// <summary>Extension ids per 1.6 extension map (nfdump 1.6 defines 49 ids; each record walks its map's list).</summary>
    public const int MaxExtensionMapIds = 64;

    /// <summary>Exporter, sampler and extension-map entries kept per file (sysids and map ids are 16-bit).</summary>
    public const int MaxTableEntries = 65536;

    /// <summary>Appendix blocks read (nfdump writes 1).</summary>
    public const int MaxAppendixBlocks = 16;

    /// <summary>Longest ident the writer stores (nfdump ignores ident records of 128 bytes or more).</summary>
    public const int MaxIdentLength = 123;
}
