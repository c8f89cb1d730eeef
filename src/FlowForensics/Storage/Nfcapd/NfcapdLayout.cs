namespace FlowForensics.Storage.Nfcapd;

/// <summary>Byte offsets of nfcapd's structures, named after the sections of <c>formats/nfcapd-format.md</c>. All little-endian.</summary>
internal static class NfcapdLayout
{
    // §3 file header (LAYOUT_VERSION_2), 40 bytes
    internal const int HeaderSize = 40;
    internal const int Magic = 0, Version = 2, NfdVersion = 4, Created = 8, Compression = 16, Encryption = 17,
        AppendixBlocks = 18, Creator = 20, OffAppendix = 24, BlockSizeField = 32, NumBlocks = 36;
    internal const ushort MagicValue = 0xA50C;
    internal const ushort LayoutVersion1 = 1, LayoutVersion2 = 2, LayoutVersion3 = 3;

    // §4 data block header, 12 bytes
    internal const int BlockHeaderSize = 12;
    internal const int BlockNumRecords = 0, BlockSize = 4, BlockType = 8, BlockFlags = 10;
    internal const ushort BlockTypeV2 = 2, BlockTypeV3 = 3;

    // §6 record header
    internal const int RecordHeaderSize = 4;
    internal const ushort ExtensionMapType = 2, ExporterInfoRecordType = 7, ExporterStatRecordType = 8,
        SamplerLegacyRecordType = 9, CommonRecordType = 10, V3RecordType = 11, SamplerRecordType = 15,
        IdentRecordType = 0x8001, StatRecordType = 0x8002;

    // §7 V3 record header, 12 bytes
    internal const int V3HeaderSize = 12;
    internal const int V3NumElements = 4, V3EngineType = 6, V3EngineId = 7, V3ExporterId = 8, V3Flags = 10, V3NfVersion = 11;
    internal const byte V3FlagEvent = 0x01, V3FlagSampled = 0x02, V3FlagAnon = 0x04;
    internal const int ElementHeaderSize = 4;

    // §9.1 exporter info, 32 bytes
    internal const int ExporterInfoSize = 32;
    internal const int ExporterVersion = 4, ExporterIp = 8, ExporterIpV4 = 16, ExporterFamily = 24, ExporterSysId = 26, ExporterId = 28;
    internal const ushort AfInet = 2, AfInet6 = 10;

    // §9.2 exporter stat
    internal const int ExporterStatCount = 4, ExporterStatEntries = 8, ExporterStatEntrySize = 24;

    // §9.3 sampler, 24 bytes
    internal const int SamplerSize = 24;
    internal const int SamplerSysId = 4, SamplerAlgorithm = 6, SamplerId = 8, SamplerPacketInterval = 16, SamplerSpaceInterval = 20;

    // §9.4 legacy sampler, 16 bytes
    internal const int LegacySamplerId = 4, LegacySamplerInterval = 8, LegacySamplerAlgorithm = 12, LegacySamplerSysId = 14;

    // §10/§11 appendix: ident + stat (144-byte payload)
    internal const int StatRecordPayloadSize = 144;
    internal const int MaxIdentRecordSize = 127;
    internal const int StatNumFlows = 0, StatNumBytes = 8, StatNumPackets = 16,
        StatFlowsTcp = 24, StatFlowsUdp = 32, StatFlowsIcmp = 40, StatFlowsOther = 48,
        StatBytesTcp = 56, StatBytesUdp = 64, StatBytesIcmp = 72, StatBytesOther = 80,
        StatPacketsTcp = 88, StatPacketsUdp = 96, StatPacketsIcmp = 104, StatPacketsOther = 112,
        StatFirstSeen = 120, StatLastSeen = 128, StatSequenceFailure = 136;

    // §14 layout 1 (nfdump 1.6)
    internal const int V1HeaderSize = 140, V1StatSize = 136, V1DataStart = 276;
    internal const int V1Flags = 4, V1NumBlocks = 8, V1Ident = 12, V1IdentLength = 128;
    internal const uint V1FlagLzo = 0x01, V1FlagBz2 = 0x08, V1FlagLz4 = 0x10;
    internal const int V1StatFirstSeen = 120, V1StatLastSeen = 124, V1StatMsecFirst = 128, V1StatMsecLast = 130, V1StatSequenceFailure = 132;
    internal const int V1CommonFixedSize = 32;
}

/// <summary>Extension element ids of V3 records (spec §8.1).</summary>
internal static class ExtensionElementId
{
    internal const ushort Null = 0, GenericFlow = 1, Ipv4Flow = 2, Ipv6Flow = 3, FlowMisc = 4, CntFlow = 5, VLan = 6,
        AsRouting = 7, BgpNextHopV4 = 8, BgpNextHopV6 = 9, IpNextHopV4 = 10, IpNextHopV6 = 11, IpReceivedV4 = 12,
        IpReceivedV6 = 13, MplsLabel = 14, MacAddr = 15, AsAdjacent = 16, Latency = 17, SamplerInfo = 18,
        Label = 28, TunIpv4 = 31, TunIpv6 = 32, Observation = 33, Vrf = 36, IpInfo = 42;

    // element lengths including the 4-byte header
    internal const int GenericFlowLength = 52, Ipv4FlowLength = 12, Ipv6FlowLength = 36, FlowMiscLength = 20,
        CntFlowLength = 28, VLanLength = 12, AsRoutingLength = 12, NextHopV4Length = 8, NextHopV6Length = 20,
        MplsLabelLength = 44, MacAddrLength = 36, AsAdjacentLength = 12, LatencyLength = 28,
        SamplerInfoLength171 = 16, SamplerInfoLength172 = 20, TunIpv4Length = 16, TunIpv6Length = 44,
        ObservationLength = 20, VrfLength = 12, IpInfoLength = 8;

    internal const int MplsLabelCount = 10;
}

/// <summary>Block compression of an nfcapd file (header byte 16, spec §3/§5).</summary>
public enum NfcapdCompression : byte
{
    None = 0,
    Lzo = 1,
    Bzip2 = 2,
    Lz4 = 3,
    Zstd = 4,
}
