using FlowForensics.Capture;
using FlowForensics.Capture.Decoding;
using FlowForensics.Flows;
using FlowForensics.Wire;

namespace FlowForensics.Export.Sflow;

/// <summary>
/// sFlow v5 (sflow.org/sflow_version_5.txt). Each flow sample becomes one record of one packet: the
/// sampled header goes through <see cref="PacketDecoder"/>, the sample's rate becomes
/// <see cref="FlowRecord.SamplingInterval"/>, extended switch/router records fill VLANs, next hop and masks.
/// Counter samples are counted, not turned into flows. Stateless apart from the counters.
/// </summary>
internal sealed class SflowV5Decoder
{
    /// <summary>Samples per datagram beyond which the datagram is rejected (a corrupt count must not drive a long loop).</summary>
    public const int MaxSamplesPerDatagram = 1024;
    /// <summary>Flow records per sample beyond which the sample is rejected.</summary>
    public const int MaxRecordsPerSample = 256;

    private const uint FlowSample = 1, CounterSample = 2, ExpandedFlowSample = 3, ExpandedCounterSample = 4;
    private const uint RawHeader = 1, SampledIPv4 = 3, SampledIPv6 = 4, ExtendedSwitch = 1001, ExtendedRouter = 1002;
    private const uint HeaderEthernet = 1, HeaderIPv4 = 11, HeaderIPv6 = 12;
    public const byte ExportVersionSflow5 = 0x80 | 5;

    private readonly ExportCounters _counters;

    public SflowV5Decoder(ExportCounters counters) => _counters = counters;

    /// <summary>Where each flow record comes from (see <see cref="ExportDecoder.NewRecord"/>).</summary>
    public Func<FlowRecord> NewRecord { get; set; } = static () => new FlowRecord();

    public ExportDecodeStatus Decode(ReadOnlySpan<byte> datagram, FlowAddress exporter, DateTime receivedUtc, List<FlowRecord> output)
    {
        var r = new WireReader(datagram);
        if (!r.TryReadUInt32BigEndian(out _) || !r.TryReadUInt32BigEndian(out uint agentType)) return ExportDecodeStatus.TooShort;
        int agentLength = agentType switch { 1 => 4, 2 => 16, _ => -1 };
        if (agentLength < 0) return ExportDecodeStatus.BadHeader;
        if (!r.TrySkip(agentLength) || !r.TryReadUInt32BigEndian(out _) || !r.TryReadUInt32BigEndian(out _)
            || !r.TryReadUInt32BigEndian(out _) || !r.TryReadUInt32BigEndian(out uint samples))
            return ExportDecodeStatus.TooShort;
        if (samples > MaxSamplesPerDatagram) return ExportDecodeStatus.BadHeader;

        for (uint s = 0; s < samples; s++)
        {
            if (!r.TryReadUInt32BigEndian(out uint format) || !r.TryReadUInt32BigEndian(out uint length)
                || length > int.MaxValue || !r.TrySlice((int)length, out var body))
                return ExportDecodeStatus.Truncated;
            if (format >> 12 != 0) continue; // enterprise-specific sample: skipped
            switch (format)
            {
                case FlowSample or ExpandedFlowSample:
                    if (!DecodeFlowSample(body, format == ExpandedFlowSample, exporter, receivedUtc, output)) return ExportDecodeStatus.BadSample;
                    break;
                case CounterSample or ExpandedCounterSample:
                    _counters.CounterSamples++;
                    break;
            }
        }
        return ExportDecodeStatus.Decoded;
    }

    private bool DecodeFlowSample(ReadOnlySpan<byte> body, bool expanded, FlowAddress exporter, DateTime receivedUtc, List<FlowRecord> output)
    {
        var r = new WireReader(body);
        uint rate, input, output_, records;
        if (!r.TryReadUInt32BigEndian(out _)) return false; // sequence
        if (!r.TrySkip(expanded ? 8 : 4)) return false;   // source id (type/index)
        if (!r.TryReadUInt32BigEndian(out rate) || !r.TrySkip(8)) return false; // rate, pool, drops
        if (expanded)
        {
            if (!r.TrySkip(4) || !r.TryReadUInt32BigEndian(out input) || !r.TrySkip(4) || !r.TryReadUInt32BigEndian(out output_)) return false;
        }
        else
        {
            if (!r.TryReadUInt32BigEndian(out input) || !r.TryReadUInt32BigEndian(out output_)) return false;
            // compact form: top two bits are the format, the rest the value
            input &= 0x3FFFFFFF;
            output_ &= 0x3FFFFFFF;
        }
        if (!r.TryReadUInt32BigEndian(out records) || records > MaxRecordsPerSample) return false;

        var f = NewRecord();
        f.Packets = 1;
        f.Start = receivedUtc;
        f.End = receivedUtc;
        f.Received = receivedUtc;
        f.ExporterAddress = exporter;
        f.ExportVersion = ExportVersionSflow5;
        f.SamplingInterval = rate;
        f.InputInterface = input;
        f.OutputInterface = output_;
        bool hasFlow = false;
        for (uint i = 0; i < records; i++)
        {
            if (!r.TryReadUInt32BigEndian(out uint format) || !r.TryReadUInt32BigEndian(out uint length)
                || length > int.MaxValue || !r.TrySlice((int)length, out var rec))
                return false;
            var rr = new WireReader(rec);
            switch (format)
            {
                case RawHeader:
                    if (!rr.TryReadUInt32BigEndian(out uint proto) || !rr.TryReadUInt32BigEndian(out uint frameLength)
                        || !rr.TryReadUInt32BigEndian(out uint stripped) || !rr.TryReadUInt32BigEndian(out uint headerLength)
                        || headerLength > int.MaxValue || !rr.TrySlice((int)headerLength, out var header))
                        return false;
                    LinkType link = proto switch { HeaderEthernet => LinkType.Ethernet, HeaderIPv4 or HeaderIPv6 => LinkType.Raw, _ => (LinkType)0 };
                    if (link == 0 || PacketDecoder.Decode(link, header, out var p) != DecodeOutcome.Decoded)
                    {
                        _counters.UndecodableSamples++;
                        break;
                    }
                    hasFlow = true;
                    f.Src = p.Src;
                    f.Dst = p.Dst;
                    f.Protocol = p.Protocol;
                    f.SrcPort = p.SrcPort;
                    f.DstPort = p.DstPort;
                    f.TcpFlags = p.TcpFlags;
                    f.SrcTos = p.Tos;
                    f.MinTtl = f.MaxTtl = p.Ttl;
                    if (p.Vlan != 0) f.SrcVlan = p.Vlan;
                    f.SrcMacValue = p.SrcMac;
                    f.DstMacValue = p.DstMac;
                    // Bytes at the IP layer, as our metering counts them; the frame length when the IP header gives none.
                    f.Bytes = p.IpLength > 0 ? p.IpLength : Math.Max(0, (long)frameLength - stripped);
                    break;
                case SampledIPv4 or SampledIPv6:
                {
                    int addr = format == SampledIPv4 ? 4 : 16;
                    if (!rr.TryReadUInt32BigEndian(out uint ipLength) || !rr.TryReadUInt32BigEndian(out uint ipProto)
                        || !rr.TrySlice(addr, out var src) || !rr.TrySlice(addr, out var dst)
                        || !rr.TryReadUInt32BigEndian(out uint sport) || !rr.TryReadUInt32BigEndian(out uint dport)
                        || !rr.TryReadUInt32BigEndian(out uint flags) || !rr.TryReadUInt32BigEndian(out uint tos))
                        return false;
                    if (hasFlow) break; // the raw header, when present, is the better source
                    hasFlow = true;
                    f.Src = addr == 4 ? FlowAddress.FromIPv4(src) : FlowAddress.FromIPv6(src);
                    f.Dst = addr == 4 ? FlowAddress.FromIPv4(dst) : FlowAddress.FromIPv6(dst);
                    f.Protocol = (byte)ipProto;
                    f.SrcPort = (ushort)sport;
                    f.DstPort = (ushort)dport;
                    f.TcpFlags = (TcpFlags)(byte)flags;
                    f.SrcTos = (byte)tos;
                    f.Bytes = ipLength;
                    break;
                }
                case ExtendedSwitch:
                    if (!rr.TryReadUInt32BigEndian(out uint srcVlan) || !rr.TrySkip(4) || !rr.TryReadUInt32BigEndian(out uint dstVlan)) return false;
                    f.SrcVlan = (ushort)srcVlan;
                    f.DstVlan = (ushort)dstVlan;
                    break;
                case ExtendedRouter:
                {
                    if (!rr.TryReadUInt32BigEndian(out uint type)) return false;
                    int len = type switch { 1 => 4, 2 => 16, _ => -1 };
                    if (len < 0 || !rr.TrySlice(len, out var hop) || !rr.TryReadUInt32BigEndian(out uint sm) || !rr.TryReadUInt32BigEndian(out uint dm)) return false;
                    f.NextHopAddress = len == 4 ? FlowAddress.FromIPv4(hop) : FlowAddress.FromIPv6(hop);
                    f.SrcMask = (byte)sm;
                    f.DstMask = (byte)dm;
                    break;
                }
            }
        }
        if (hasFlow)
        {
            output.Add(f);
            _counters.Records++;
        }
        return true;
    }
}
