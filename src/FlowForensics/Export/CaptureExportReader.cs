using FlowForensics.Capture;
using FlowForensics.Capture.Decoding;
using FlowForensics.Flows;

namespace FlowForensics.Export;

/// <summary>What a <see cref="CaptureExportReader"/> saw in the captures it read.</summary>
public sealed class CaptureExportCounters
{
    public long Packets { get; internal set; }
    /// <summary>Packets that were not UDP (or did not decode as IP), skipped.</summary>
    public long NotUdp { get; internal set; }
    /// <summary>UDP packets that were IP fragments: an export datagram split by IP cannot be read from one packet; skipped.</summary>
    public long Fragments { get; internal set; }
    /// <summary>
    /// UDP datagrams skipped: their port was not selected, their version field names a protocol not selected, or (when
    /// no ports were given) no export protocol at all. With ports given, an unknown version on them is decoded, so it
    /// is reported as malformed (<see cref="ExportDecodeStatus.UnsupportedVersion"/>).
    /// </summary>
    public long NotExport { get; internal set; }
    /// <summary>Export datagrams given to the decoder.</summary>
    public long ExportDatagrams { get; internal set; }
    /// <summary>Export datagrams cut by the capture's snap length (decoded as far as they go).</summary>
    public long CutBySnapLength { get; internal set; }
}

/// <summary>
/// Reads the NetFlow v5/v9, IPFIX and sFlow datagrams inside capture files (as <c>nfcapd -f</c> reads a pcap), through
/// the same <see cref="ExportDecoder"/> as the live collector: templates are kept per datagram source address and
/// observation domain / source id, and carry over from one capture file to the next given to the same reader. Each
/// record's <see cref="FlowRecord.Received"/> is the packet's capture time. Nothing is copied per packet: the UDP payload
/// is a view into the capture buffer (<see cref="DecodedPacket.TryGetUdpPayload"/>).
/// </summary>
public sealed class CaptureExportReader
{
    private readonly ExportProtocols _protocols;
    private readonly HashSet<int>? _ports;
    private readonly List<FlowRecord> _batch = new(64);

    /// <param name="decoder">Templates and counters; one reader, one thread.</param>
    /// <param name="protocols">The protocols to decode (<see cref="ExportProtocols.Auto"/>: all); other UDP is skipped and counted.</param>
    /// <param name="ports">When not empty, only datagrams to these UDP destination ports are read.</param>
    public CaptureExportReader(ExportDecoder decoder, ExportProtocols protocols = ExportProtocols.Auto, IEnumerable<int>? ports = null)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        if ((protocols & ExportProtocols.Auto) == ExportProtocols.None)
            throw new ArgumentOutOfRangeException(nameof(protocols), protocols, "Select at least one export protocol.");
        Decoder = decoder;
        _protocols = protocols & ExportProtocols.Auto;
        if (ports is not null)
        {
            _ports = new HashSet<int>(ports);
            if (_ports.Count == 0) _ports = null;
        }
    }

    public ExportDecoder Decoder { get; }

    public CaptureExportCounters Counters { get; } = new();

    /// <summary>
    /// Decodes every selected export datagram of <paramref name="source"/>, yielding records in capture order. A damaged
    /// capture throws <see cref="Wire.FlowDataException"/> after the records before the damage; malformed datagrams never
    /// throw (they are counted in <see cref="ExportDecoder.Counters"/> and <see cref="ExportDecoder.Faults"/>).
    /// <paramref name="tick"/> is called every 4096 packets (progress); <paramref name="cancel"/> stops quietly.
    /// </summary>
    public IEnumerable<FlowRecord> Read(ICaptureSource source, CancellationToken cancel = default, Action? tick = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        int sinceCheck = 0;
        while (true)
        {
            if (++sinceCheck == 4096)
            {
                sinceCheck = 0;
                if (cancel.IsCancellationRequested) yield break;
                tick?.Invoke();
            }
            _batch.Clear();
            if (!ReadOne(source)) yield break;
            for (int i = 0; i < _batch.Count; i++) yield return _batch[i];
        }
    }

    // Not an iterator: the packet and the payload are views that must not live across a yield.
    private bool ReadOne(ICaptureSource source)
    {
        if (!source.TryReadPacket(out var captured)) return false;
        Counters.Packets++;
        var outcome = PacketDecoder.Decode(captured.LinkType, captured.Data, out var packet);
        if (outcome != DecodeOutcome.Decoded || packet.Protocol != 17)
        {
            Counters.NotUdp++;
            return true;
        }
        if (packet.IsFragment)
        {
            Counters.Fragments++;
            return true;
        }
        if (!packet.TryGetUdpPayload(captured.Data, out var payload, out bool cut)
            || (_ports is not null && !_ports.Contains(packet.DstPort)))
        {
            Counters.NotExport++;
            return true;
        }
        var protocol = ExportProtocolSniffer.Sniff(payload);
        // On a port named as export traffic, an unknown version is a malformed datagram (reported); elsewhere it is other UDP.
        if (protocol == ExportProtocols.None ? _ports is null : (protocol & _protocols) == ExportProtocols.None)
        {
            Counters.NotExport++;
            return true;
        }
        Counters.ExportDatagrams++;
        if (cut) Counters.CutBySnapLength++;
        Decoder.Decode(payload, packet.Src, captured.Timestamp, _batch);
        return true;
    }
}
