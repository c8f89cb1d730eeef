namespace FlowForensics.Export;

/// <summary>Running totals of an <see cref="ExportDecoder"/>. Not thread-safe: one decoder, one thread.</summary>
public sealed class ExportCounters
{
    private readonly long[] _byStatus = new long[(int)ExportDecodeStatus.LimitReached + 1];

    public long Datagrams { get; internal set; }
    public long Records { get; internal set; }
    public long OptionsRecords { get; internal set; }
    public long TemplatesAdded { get; internal set; }
    public long TemplatesWithdrawn { get; internal set; }
    /// <summary>Data sets held because their template had not arrived yet.</summary>
    public long SetsHeld { get; internal set; }
    /// <summary>Held data sets decoded once their template arrived.</summary>
    public long SetsReleased { get; internal set; }
    /// <summary>Flow records decoded from held data sets (included in <see cref="Records"/>).</summary>
    public long RecordsFromHeldSets { get; internal set; }
    /// <summary>Held or incoming data sets dropped because a bound was hit.</summary>
    public long SetsDroppedByLimit { get; internal set; }
    public long TemplatesDroppedByLimit { get; internal set; }
    public long ExportersDroppedByLimit { get; internal set; }
    /// <summary>Exporter states not kept because their address already had <see cref="ExportDecoderLimits.MaxStatesPerAddress"/> (one per datagram refused).</summary>
    public long StatesDroppedByAddressLimit { get; internal set; }
    /// <summary>Interface or application names from options data not kept because <see cref="ExportDecoderLimits.MaxNamesPerExporter"/> was reached.</summary>
    public long NamesDroppedByLimit { get; internal set; }
    /// <summary>Data records cut short by the end of their set (a field, often a variable-length one, running past it): dropped, and the datagram reported <see cref="ExportDecodeStatus.Truncated"/>.</summary>
    public long TruncatedRecords { get; internal set; }
    /// <summary>sFlow counter samples seen (exposed as a count; not flows).</summary>
    public long CounterSamples { get; internal set; }
    /// <summary>sFlow flow samples whose sampled header the packet decoder could not read.</summary>
    public long UndecodableSamples { get; internal set; }

    /// <summary>Datagrams that ended with <paramref name="status"/>.</summary>
    public long this[ExportDecodeStatus status] => _byStatus[(int)status];

    /// <summary>Datagrams that ended with any status other than <see cref="ExportDecodeStatus.Decoded"/>.</summary>
    public long Malformed
    {
        get
        {
            long n = 0;
            for (int i = 1; i < _byStatus.Length; i++) n += _byStatus[i];
            return n;
        }
    }

    internal void Count(ExportDecodeStatus status) => _byStatus[(int)status]++;
}
