using FlowForensics.Export.NetFlowV5;
using FlowForensics.Export.Sflow;
using FlowForensics.Export.Templates;
using FlowForensics.Flows;
using FlowForensics.Wire;

namespace FlowForensics.Export;

/// <summary>
/// Decodes export datagrams (NetFlow v5, NetFlow v9, IPFIX, sFlow v5) into <see cref="FlowRecord"/>s.
/// The protocol is recognised by the version field, never by the port. Template state is kept per
/// exporter address and v9 source id / IPFIX observation domain, so one exporter's bad datagram cannot
/// touch another's templates. <see cref="Decode"/> never throws on datagram content: a malformed datagram
/// returns (and counts) a reason, records decoded before the fault stay in the output.
/// One instance is used from one thread.
/// </summary>
public sealed class ExportDecoder
{
    private readonly Dictionary<ExporterKey, ExporterState> _exporters = new();
    private readonly Dictionary<FlowAddress, int> _statesPerAddress = new();
    private readonly Dictionary<(FlowAddress Exporter, ExportDecodeStatus Reason), long> _faults = new();
    private readonly TemplateSetDecoder _templates;
    private readonly SflowV5Decoder _sflow;

    public ExportDecoder() : this(ExportDecoderLimits.Default) { }

    public ExportDecoder(ExportDecoderLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        Limits = limits;
        _templates = new TemplateSetDecoder(limits, Counters);
        _sflow = new SflowV5Decoder(Counters);
    }

    public ExportDecoderLimits Limits { get; }

    private Func<FlowRecord> _newRecord = static () => new FlowRecord();

    /// <summary>
    /// Where each decoded flow record comes from: a new record by default; <see cref="FlowCollector"/> gives records it
    /// reuses. It must return a record in the state <c>new FlowRecord()</c> leaves it (see <c>FlowRecord.Reset</c>).
    /// </summary>
    internal Func<FlowRecord> NewRecord
    {
        get => _newRecord;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            _newRecord = value;
            _templates.NewRecord = value;
            _sflow.NewRecord = value;
        }
    }

    /// <summary>Test hook: called once per decoded options data record, in order with the flow records.</summary>
    internal Action? OptionsRecordObserved { set => _templates.OptionsRecordObserved = value; }

    public ExportCounters Counters { get; } = new();

    /// <summary>Exporter states (address, protocol, domain) currently holding templates or sampling.</summary>
    public int ExporterCount => _exporters.Count;

    /// <summary>Templates held over all exporters.</summary>
    public int TemplateCount
    {
        get
        {
            int n = 0;
            foreach (var s in _exporters.Values) n += s.Templates.Count;
            return n;
        }
    }

    /// <summary>Data sets held for a template that has not arrived, over all exporters.</summary>
    public int PendingSetCount
    {
        get
        {
            int n = 0;
            foreach (var s in _exporters.Values) n += s.Pending.Count;
            return n;
        }
    }

    /// <summary>Decodes one UDP payload from <paramref name="exporter"/>, appending flow records to <paramref name="output"/>.</summary>
    public ExportDecodeStatus Decode(ReadOnlySpan<byte> datagram, FlowAddress exporter, DateTime receivedUtc, List<FlowRecord> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        Counters.Datagrams++;
        var status = DecodeCore(datagram, exporter, receivedUtc, output);
        Counters.Count(status);
        if (status != ExportDecodeStatus.Decoded) CountFault(exporter, status);
        return status;
    }

    /// <summary>
    /// Malformed datagrams by exporter address and reason, most first (then by address). At most
    /// <see cref="ExportDecoderLimits.MaxExporters"/> (exporter, reason) pairs are told apart; faults beyond them are in
    /// <see cref="UntrackedFaults"/> (and always in <see cref="ExportCounters.Malformed"/>).
    /// </summary>
    public IReadOnlyList<ExportFault> Faults()
    {
        var list = new List<ExportFault>(_faults.Count);
        foreach (var ((exporter, reason), n) in _faults) list.Add(new ExportFault(exporter.ToIPAddress()!, reason, n));
        list.Sort(static (a, b) => a.Count != b.Count ? b.Count.CompareTo(a.Count)
            : string.CompareOrdinal(a.Exporter.ToString(), b.Exporter.ToString()) is int c && c != 0 ? c : a.Reason.CompareTo(b.Reason));
        return list;
    }

    /// <summary>Malformed datagrams whose (exporter, reason) pair was beyond the bound of <see cref="Faults"/>.</summary>
    public long UntrackedFaults { get; private set; }

    private void CountFault(FlowAddress exporter, ExportDecodeStatus status)
    {
        ref long n = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrNullRef(_faults, (exporter, status));
        if (!System.Runtime.CompilerServices.Unsafe.IsNullRef(ref n)) n++;
        else if (_faults.Count < Limits.MaxExporters) _faults.Add((exporter, status), 1);
        else UntrackedFaults++;
    }

    private ExportDecodeStatus DecodeCore(ReadOnlySpan<byte> datagram, FlowAddress exporter, DateTime receivedUtc, List<FlowRecord> output)
    {
        var r = new WireReader(datagram);
        if (!r.TryReadUInt16BigEndian(out ushort version)) return ExportDecodeStatus.TooShort;
        switch (version)
        {
            case 5:
                return NetFlowV5Decoder.Decode(datagram, exporter, receivedUtc, output, Counters, _newRecord);
            case 9:
            case 10:
            {
                var header = TemplateSetDecoder.TryReadHeader(datagram, (byte)version, out uint domain, out uint secs, out uint uptime, out int headerLength);
                if (header != ExportDecodeStatus.Decoded) return header;
                var state = GetState(new ExporterKey(exporter, (byte)version, domain));
                if (state is null) return ExportDecodeStatus.LimitReached;
                // IPFIX: the message length bounds the sets (the datagram may carry trailing bytes).
                int end = datagram.Length;
                if (version == 10) end = datagram[2] << 8 | datagram[3];
                return _templates.DecodeSets(datagram[headerLength..end], (byte)version, exporter, domain, secs, uptime, receivedUtc, state, output);
            }
            case 0:
                // sFlow starts with a 32-bit version: 0x00000005.
                if (!r.TryReadUInt16BigEndian(out ushort low)) return ExportDecodeStatus.TooShort;
                if (low != 5) return ExportDecodeStatus.UnsupportedVersion;
                return _sflow.Decode(datagram, exporter, receivedUtc, output);
            default:
                return ExportDecodeStatus.UnsupportedVersion;
        }
    }

    /// <summary>Writes every exporter's templates and announced sampling (not held data) to <paramref name="stream"/>.</summary>
    public void SaveTemplates(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        TemplateStore.Save(stream, _exporters);
    }

    /// <summary>
    /// Writes the same to the file <paramref name="path"/>, replacing it, through a temporary file in its folder that is
    /// flushed to the disk and renamed into place (<see cref="Files.AtomicFile"/>): a failed save leaves the previous file.
    /// </summary>
    public void SaveTemplates(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        TemplateStore.Save(path, _exporters);
    }

    /// <summary>
    /// Restores state written by <see cref="SaveTemplates(Stream)"/>, replacing the state of the exporters it names; returns the
    /// templates restored. A corrupt or over-limit file throws <see cref="FlowDataException"/> (with offset) and changes nothing.
    /// </summary>
    public int LoadTemplates(Stream stream, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        var loaded = TemplateStore.Load(copy.GetBuffer().AsSpan(0, (int)copy.Length), sourceName, Limits);
        int added = 0;
        var perAddress = new Dictionary<FlowAddress, int>(_statesPerAddress);
        foreach (var key in loaded.Keys)
        {
            if (_exporters.ContainsKey(key)) continue;
            if (_exporters.Count + added >= Limits.MaxExporters)
                throw new FlowDataException(sourceName, 0, $"restoring would exceed {Limits.MaxExporters} exporters");
            int n = perAddress.GetValueOrDefault(key.Address) + 1;
            if (n > Limits.MaxStatesPerAddress)
                throw new FlowDataException(sourceName, 0, $"restoring would exceed {Limits.MaxStatesPerAddress} exporter states for {key.Address}");
            perAddress[key.Address] = n;
            added++;
        }
        int templates = 0;
        foreach (var (key, state) in loaded)
        {
            if (!_exporters.ContainsKey(key)) _statesPerAddress[key.Address] = _statesPerAddress.GetValueOrDefault(key.Address) + 1;
            _exporters[key] = state;
            templates += state.Templates.Count;
        }
        return templates;
    }

    private ExporterState? GetState(ExporterKey key)
    {
        if (_exporters.TryGetValue(key, out var state)) return state;
        if (_exporters.Count >= Limits.MaxExporters)
        {
            Counters.ExportersDroppedByLimit++;
            return null;
        }
        int states = _statesPerAddress.GetValueOrDefault(key.Address);
        if (states >= Limits.MaxStatesPerAddress)
        {
            Counters.StatesDroppedByAddressLimit++;
            return null;
        }
        state = new ExporterState();
        _exporters.Add(key, state);
        _statesPerAddress[key.Address] = states + 1;
        return state;
    }
}
