namespace FlowForensics.Export;

/// <summary>Resource bounds of one <see cref="ExportDecoder"/>. Each bound drops (and counts) what would exceed it.</summary>
public sealed class ExportDecoderLimits
{
    /// <summary>Default for <see cref="MaxExporters"/>.</summary>
    public const int DefaultMaxExporters = 4096;
    /// <summary>Default for <see cref="MaxTemplatesPerExporter"/>.</summary>
    public const int DefaultMaxTemplatesPerExporter = 512;
    /// <summary>Default for <see cref="MaxFieldsPerTemplate"/>.</summary>
    public const int DefaultMaxFieldsPerTemplate = 256;
    /// <summary>Default for <see cref="MaxPendingBytesPerExporter"/>.</summary>
    public const int DefaultMaxPendingBytesPerExporter = 256 * 1024;
    /// <summary>Default for <see cref="MaxPendingSetsPerExporter"/>.</summary>
    public const int DefaultMaxPendingSetsPerExporter = 256;
    /// <summary>Default for <see cref="MaxSamplersPerExporter"/>.</summary>
    public const int DefaultMaxSamplersPerExporter = 256;
    /// <summary>Default for <see cref="MaxNamesPerExporter"/>.</summary>
    public const int DefaultMaxNamesPerExporter = 4096;
    /// <summary>Default for <see cref="MaxStatesPerAddress"/>.</summary>
    public const int DefaultMaxStatesPerAddress = 64;

    /// <summary>Distinct (exporter address, protocol, source id / observation domain) states kept.</summary>
    public int MaxExporters { get; init; } = DefaultMaxExporters;
    /// <summary>
    /// States kept per exporter address, across protocols and observation domains / source ids: one address cycling
    /// through domain ids cannot take every exporter slot (and every slot's templates) from the others. Further states of
    /// that address are dropped and counted in <see cref="ExportCounters.StatesDroppedByAddressLimit"/>.
    /// </summary>
    public int MaxStatesPerAddress { get; init; } = DefaultMaxStatesPerAddress;
    /// <summary>Templates kept per exporter state; a new template beyond this is dropped.</summary>
    public int MaxTemplatesPerExporter { get; init; } = DefaultMaxTemplatesPerExporter;
    /// <summary>Fields per template; a template with more is rejected.</summary>
    public int MaxFieldsPerTemplate { get; init; } = DefaultMaxFieldsPerTemplate;
    /// <summary>Bytes of data sets held per exporter state while their template is unknown.</summary>
    public int MaxPendingBytesPerExporter { get; init; } = DefaultMaxPendingBytesPerExporter;
    /// <summary>Data sets held per exporter state while their template is unknown.</summary>
    public int MaxPendingSetsPerExporter { get; init; } = DefaultMaxPendingSetsPerExporter;
    /// <summary>Sampler ids (options data) remembered per exporter state.</summary>
    public int MaxSamplersPerExporter { get; init; } = DefaultMaxSamplersPerExporter;
    /// <summary>Interface names and application names (options data) remembered per exporter state, each; further ones are counted in <see cref="ExportCounters.NamesDroppedByLimit"/>.</summary>
    public int MaxNamesPerExporter { get; init; } = DefaultMaxNamesPerExporter;

    public static ExportDecoderLimits Default { get; } = new();
}
