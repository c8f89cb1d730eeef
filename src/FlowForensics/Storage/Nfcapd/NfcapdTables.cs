using FlowForensics.Flows;

namespace FlowForensics.Storage.Nfcapd;

/// <summary>
/// Per-file lookup state: exporters by sysid, samplers, 1.6 extension maps. Sysids and map ids are only
/// unique within one file (spec Appendix A), so each reader owns one. Bounded by <see cref="NfcapdLimits.MaxTableEntries"/>.
/// </summary>
internal sealed class NfcapdTables
{
    internal readonly Dictionary<ushort, FlowAddress> Exporters = new();
    internal readonly Dictionary<(ushort SysId, long Id), uint> SamplersById = new();
    internal readonly Dictionary<ushort, uint> SamplerBySysId = new();
    internal readonly Dictionary<ushort, ushort[]> ExtensionMaps = new();

    /// <summary>Records the table could not take because a bound was hit.</summary>
    internal long Rejected;

    internal void AddExporter(ushort sysId, FlowAddress address)
    {
        if (Exporters.Count >= NfcapdLimits.MaxTableEntries && !Exporters.ContainsKey(sysId)) { Rejected++; return; }
        Exporters[sysId] = address;
    }

    internal void AddSampler(ushort sysId, long id, uint rate)
    {
        if (SamplersById.Count >= NfcapdLimits.MaxTableEntries && !SamplersById.ContainsKey((sysId, id))) { Rejected++; return; }
        SamplersById[(sysId, id)] = rate;
        SamplerBySysId[sysId] = rate;
    }

    internal void AddExtensionMap(ushort mapId, ushort[] ids)
    {
        if (ExtensionMaps.Count >= NfcapdLimits.MaxTableEntries && !ExtensionMaps.ContainsKey(mapId)) { Rejected++; return; }
        ExtensionMaps[mapId] = ids;
    }

    /// <summary>Sampling rate (packetInterval + spaceInterval) / packetInterval (spec §9.3), at least 1.</summary>
    internal static uint Rate(uint packetInterval, uint spaceInterval)
    {
        if (packetInterval == 0) packetInterval = 1;
        ulong rate = ((ulong)packetInterval + spaceInterval) / packetInterval;
        return rate == 0 ? 1 : rate > uint.MaxValue ? uint.MaxValue : (uint)rate;
    }
}
