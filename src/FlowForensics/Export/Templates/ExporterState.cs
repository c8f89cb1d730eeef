using FlowForensics.Flows;

namespace FlowForensics.Export.Templates;

/// <summary>Who a template belongs to: the exporter's address, the protocol (9 or 10) and the v9 source id / IPFIX observation domain.</summary>
internal readonly record struct ExporterKey(FlowAddress Address, byte Version, uint Domain);

/// <summary>A data set received before its template: a copy of its body and the header context it needs.</summary>
internal sealed class PendingSet(ushort templateId, byte[] body, uint exportSeconds, uint sysUptime, DateTime received)
{
    public ushort TemplateId { get; } = templateId;
    public byte[] Body { get; } = body;
    public uint ExportSeconds { get; } = exportSeconds;
    public uint SysUptime { get; } = sysUptime;
    public DateTime Received { get; } = received;
}

/// <summary>Everything remembered about one exporter key: templates, announced sampling, held data.</summary>
internal sealed class ExporterState
{
    public Dictionary<ushort, Template> Templates { get; } = new();
    /// <summary>Sampler id (v9 field 48, IPFIX selectorId 302) → 1-in-N interval, from options data.</summary>
    public Dictionary<ulong, uint> Samplers { get; } = new();
    /// <summary>An interval announced by options data without a sampler id; 0 when none.</summary>
    public uint DefaultSampling { get; set; }
    /// <summary>Sampler id → algorithm (v9 35/49, IPFIX 304) from options data. Not saved with the templates: it returns with the next options refresh.</summary>
    public Dictionary<ulong, byte> SamplerAlgorithms { get; } = new();
    /// <summary>The algorithm announced with <see cref="DefaultSampling"/>; 0 when none.</summary>
    public byte DefaultAlgorithm { get; set; }
    /// <summary>Interface index → name (interfaceName 82, else interfaceDescription 83) from options data; bounded, not saved.</summary>
    public Dictionary<uint, string> InterfaceNames { get; } = new();
    /// <summary>Application id (as <c>engine..selector</c>) → name (NBAR option table 95 → 96); bounded, not saved.</summary>
    public Dictionary<string, string> ApplicationNames { get; } = new(StringComparer.Ordinal);
    /// <summary>IPFIX systemInitTimeMilliseconds from options data; 0 when unknown.</summary>
    public ulong SystemInitMilliseconds { get; set; }
    public List<PendingSet> Pending { get; } = new();
    public int PendingBytes { get; set; }
}
