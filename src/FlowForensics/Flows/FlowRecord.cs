using System.Runtime.CompilerServices;
using System.Net;

namespace FlowForensics.Flows;

/// <summary>
/// One flow: what every reader produces and every analysis consumes. Times are UTC. Counters are as
/// received (unsampled); <see cref="SamplingInterval"/> records the sampling so analyses can scale.
/// Addresses are held as <see cref="FlowAddress"/> values; the <see cref="IPAddress"/> properties are made
/// on first use, so engine paths that never look at them never allocate them.
/// </summary>
public sealed class FlowRecord
{
    private FlowAddress _src, _dst, _nextHop, _bgpNextHop, _exporter, _tunnelSrc, _tunnelDst, _natSrc, _natDst;
    private IPAddress? _srcIp, _dstIp;

    // ---- time -------------------------------------------------------------------------------
    /// <summary>First packet of the flow (UTC).</summary>
    public DateTime Start { get; set; }

    /// <summary>Last packet of the flow (UTC).</summary>
    public DateTime End { get; set; }

    /// <summary><see cref="End"/> − <see cref="Start"/>.</summary>
    public TimeSpan Duration => End - Start;

    /// <summary>When the collector received or created the record (UTC); null when unknown.</summary>
    public DateTime? Received { get; set; }

    // ---- the 5-tuple -------------------------------------------------------------------------
    /// <summary>4 or 6; 0 when the record carries no addresses.</summary>
    public byte IPVersion => _src.Version != 0 ? _src.Version : _dst.Version;

    public IPAddress? SrcAddr
    {
        get => _srcIp ??= _src.ToIPAddress();
        set { _src = value is null ? default : FlowAddress.FromIPAddress(value); _srcIp = value; }
    }

    public IPAddress? DstAddr
    {
        get => _dstIp ??= _dst.ToIPAddress();
        set { _dst = value is null ? default : FlowAddress.FromIPAddress(value); _dstIp = value; }
    }

    /// <summary>Source port; 0 for ICMP and port-less protocols.</summary>
    public ushort SrcPort { get; set; }

    /// <summary>Destination port; for ICMP and ICMPv6, type × 256 + code (as nfdump stores it).</summary>
    public ushort DstPort { get; set; }

    /// <summary>IP protocol number.</summary>
    public byte Protocol { get; set; }

    /// <summary>The protocol's short name as nfdump prints it (TCP, UDP, ICMP, ICMP6 ...).</summary>
    public string ProtocolName => IpProtocolNames.GetName(Protocol);

    /// <summary>ICMP/ICMPv6 type (from <see cref="DstPort"/>); null for other protocols.</summary>
    public byte? IcmpType => IsIcmp ? (byte)(DstPort >> 8) : null;

    /// <summary>ICMP/ICMPv6 code (from <see cref="DstPort"/>); null for other protocols.</summary>
    public byte? IcmpCode => IsIcmp ? (byte)(DstPort & 0xFF) : null;

    private bool IsIcmp => Protocol is IpProtocolNames.Icmp or IpProtocolNames.Icmp6;

    /// <summary>TCP flags OR-ed over the flow's packets.</summary>
    public TcpFlags TcpFlags { get; set; }

    /// <summary>The flags in nfdump's notation, e.g. <c>...AP.SF</c>.</summary>
    public string Flags => TcpFlagsText.ToNfdump(TcpFlags);

    // ---- counters ----------------------------------------------------------------------------
    /// <summary>Packets (the forward, "in" counter).</summary>
    public long Packets { get; set; }

    /// <summary>Bytes at the IP layer (the forward, "in" counter).</summary>
    public long Bytes { get; set; }

    /// <summary>Reverse-direction packets of a bidirectional record (NSEL, IPFIX biflows, nfdump -b); 0 otherwise.</summary>
    public long OutPackets { get; set; }

    /// <summary>Reverse-direction bytes of a bidirectional record; 0 otherwise.</summary>
    public long OutBytes { get; set; }

    /// <summary>How many flows this record stands for: 1 unless aggregated.</summary>
    public long Flows { get; set; } = 1;

    // ---- optional fields exporters send --------------------------------------------------------
    public byte SrcTos { get; set; }
    public byte DstTos { get; set; }
    public byte ForwardingStatus { get; set; }
    public FlowDirection Direction { get; set; } = FlowDirection.Unknown;

    /// <summary>IPFIX biflowDirection (0 arbitrary, 1 initiator, 2 reverse initiator, 3 perimeter); 0 when absent.</summary>
    public byte BiFlowDirection { get; set; }

    /// <summary>IPFIX flowEndReason (1 idle timeout, 2 active timeout, 3 end detected, 4 forced end, 5 lack of resources); 0 when absent.</summary>
    public byte FlowEndReason { get; set; }
    public byte SrcMask { get; set; }
    public byte DstMask { get; set; }
    public uint SrcAs { get; set; }
    public uint DstAs { get; set; }
    public uint NextAs { get; set; }
    public uint PrevAs { get; set; }
    public uint InputInterface { get; set; }
    public uint OutputInterface { get; set; }
    public ushort SrcVlan { get; set; }
    public ushort DstVlan { get; set; }

    /// <summary>Ingress source MAC as a 48-bit number (first octet most significant); 0 when absent.</summary>
    public ulong SrcMacValue { get; set; }

    /// <summary>Ingress destination MAC as a 48-bit number; 0 when absent.</summary>
    public ulong DstMacValue { get; set; }

    /// <summary>Egress source MAC (exporters with separate in/out MACs); 0 when absent.</summary>
    public ulong OutSrcMacValue { get; set; }

    /// <summary>Egress destination MAC; 0 when absent.</summary>
    public ulong OutDstMacValue { get; set; }

    public string? SrcMac => FormatMac(SrcMacValue);
    public string? DstMac => FormatMac(DstMacValue);

    /// <summary>MPLS label stack entries as on the wire (label &lt;&lt; 4 | exp &lt;&lt; 1 | bottom-of-stack), outermost first; null when absent.</summary>
    internal uint[]? MplsStack { get; set; }

    /// <summary>The MPLS labels, outermost first, as text (e.g. <c>18-0-0 24-0-1</c>: label-exp-bottom); null when absent.</summary>
    public string? MplsLabels => MplsStack is null ? null : string.Join(' ', MplsStack.Select(static e => $"{e >> 4}-{(e >> 1) & 7}-{e & 1}"));

    public IPAddress? NextHop { get => _nextHop.ToIPAddress(); set => _nextHop = value is null ? default : FlowAddress.FromIPAddress(value); }
    public IPAddress? BgpNextHop { get => _bgpNextHop.ToIPAddress(); set => _bgpNextHop = value is null ? default : FlowAddress.FromIPAddress(value); }

    /// <summary>The device that exported this flow (the address datagrams came from); null for flows metered from packets.</summary>
    public IPAddress? Exporter { get => _exporter.ToIPAddress(); set => _exporter = value is null ? default : FlowAddress.FromIPAddress(value); }

    /// <summary>nfdump's exporter system id within a file; 0 when none.</summary>
    public ushort ExporterId { get; set; }
    public byte EngineType { get; set; }
    public byte EngineId { get; set; }

    /// <summary>Source protocol as nfdump records it: 5, 9, 10 (IPFIX), 0x41 (from packets), 0x80|v (sFlow v); 0 unknown.</summary>
    public byte ExportVersion { get; set; }

    /// <summary>1-in-N packet sampling applied by the exporter; 0 or 1 when unsampled.</summary>
    public uint SamplingInterval { get; set; }

    public IPAddress? TunnelSrcAddr { get => _tunnelSrc.ToIPAddress(); set => _tunnelSrc = value is null ? default : FlowAddress.FromIPAddress(value); }
    public IPAddress? TunnelDstAddr { get => _tunnelDst.ToIPAddress(); set => _tunnelDst = value is null ? default : FlowAddress.FromIPAddress(value); }
    public byte TunnelProtocol { get; set; }

    public byte MinTtl { get; set; }
    public byte MaxTtl { get; set; }

    /// <summary>TCP round-trip latencies (nfpcapd -o fat, nProbe); null when absent.</summary>
    public TimeSpan? ClientLatency { get; set; }
    public TimeSpan? ServerLatency { get; set; }
    public TimeSpan? ApplicationLatency { get; set; }

    public uint ObservationDomainId { get; set; }
    public ulong ObservationPointId { get; set; }
    public uint IngressVrf { get; set; }
    public uint EgressVrf { get; set; }

    // ---- NAT, firewall, application (NSEL, NEL, IPFIX) --------------------------------------------
    /// <summary>Post-NAT source address (IPFIX postNATSourceIPv4/IPv6Address 225/281, NSEL xlate source); null when absent.</summary>
    public IPAddress? NatSrcAddr { get => _natSrc.ToIPAddress(); set => _natSrc = value is null ? default : FlowAddress.FromIPAddress(value); }

    /// <summary>Post-NAT destination address (226/282, NSEL xlate destination); null when absent.</summary>
    public IPAddress? NatDstAddr { get => _natDst.ToIPAddress(); set => _natDst = value is null ? default : FlowAddress.FromIPAddress(value); }

    /// <summary>Post-NAPT source port (227, NSEL xlate source port); 0 when absent.</summary>
    public ushort NatSrcPort { get; set; }

    /// <summary>Post-NAPT destination port (228); 0 when absent.</summary>
    public ushort NatDstPort { get; set; }

    /// <summary>IPFIX natEvent (230; 1 create, 2 delete, 3 pool exhausted, ... RFC 8158); 0 when absent.</summary>
    public byte NatEvent { get; set; }

    /// <summary>Firewall event (IPFIX firewallEvent 233, NSEL NF_F_FW_EVENT: 1 created, 2 deleted, 3 denied, 4 alert, 5 update); 0 when absent.</summary>
    public byte FirewallEvent { get; set; }

    /// <summary>NSEL extended firewall event (33002, e.g. 1001 denied by ingress ACL, 2025 ...); 0 when absent.</summary>
    public ushort FirewallExtEvent { get; set; }

    /// <summary>When the exporter observed the event the record reports (observationTime* 322–325, NSEL event time); null when absent.</summary>
    public DateTime? EventTime { get; set; }

    /// <summary>Application id (IPFIX/NBAR applicationId 95) as nfdump prints it: <c>engine..selector</c>, or <c>20..PEN..selector</c>; null when absent.</summary>
    public string? ApplicationId { get; set; }

    /// <summary>Application name: from the exporter's option table (95 → 96) or sent with the flow (Palo Alto); null when unknown.</summary>
    public string? ApplicationName { get; set; }

    /// <summary>Name of <see cref="InputInterface"/> from the exporter's interface option table (interfaceName 82); null when unknown.</summary>
    public string? InputInterfaceName { get; set; }

    /// <summary>Name of <see cref="OutputInterface"/> from the exporter's interface option table; null when unknown.</summary>
    public string? OutputInterfaceName { get; set; }

    /// <summary>Sampling algorithm as announced (v9 samplingAlgorithm 35 / samplerMode 49: 1 deterministic, 2 random; IPFIX selectorAlgorithm 304); 0 when not announced.</summary>
    public byte SamplingAlgorithm { get; set; }

    /// <summary>
    /// Every other element the exporter sent, by name: <c>name=value</c> entries separated by <c>;</c> in template order
    /// (IANA names, NSEL/NEL names, vendor names for the common PENs, else <c>PEN.id</c>); numbers in decimal, addresses
    /// as text, strings as text, other bytes as hex; null when none (docs/export-fields.md). Not stored in nfcapd files.
    /// </summary>
    public string? ExtraFields { get; set; }

    /// <summary>
    /// IPFIX enterprise-specific elements the decoder has no meaning for, kept raw as
    /// <c>PEN.ElementId=hex</c> entries separated by <c>;</c> in template order (e.g. <c>29305.1=00000f3c;9.12235=0a</c>);
    /// null when the record had none. Not stored in nfcapd files.
    /// </summary>
    public string? EnterpriseFields { get; set; }

    /// <summary>A label attached by a filter or collector (nfdump EXlabel); null when absent.</summary>
    public string? Label { get; set; }

    // ---- raw access for the engine (no allocation) ------------------------------------------------
    internal FlowAddress Src { get => _src; set { _src = value; _srcIp = null; } }
    internal FlowAddress Dst { get => _dst; set { _dst = value; _dstIp = null; } }
    internal FlowAddress NextHopAddress { get => _nextHop; set => _nextHop = value; }
    internal FlowAddress BgpNextHopAddress { get => _bgpNextHop; set => _bgpNextHop = value; }
    internal FlowAddress ExporterAddress { get => _exporter; set => _exporter = value; }
    internal FlowAddress TunnelSrc { get => _tunnelSrc; set => _tunnelSrc = value; }
    internal FlowAddress TunnelDst { get => _tunnelDst; set => _tunnelDst = value; }
    internal FlowAddress NatSrc { get => _natSrc; set => _natSrc = value; }
    internal FlowAddress NatDst { get => _natDst; set => _natDst = value; }

    /// <summary>Source address without allocating an <see cref="IPAddress"/>.</summary>
    internal FlowAddress SrcAddress { get => _src; set => Src = value; }

    /// <summary>Destination address without allocating an <see cref="IPAddress"/>.</summary>
    internal FlowAddress DstAddress { get => _dst; set => Dst = value; }

    /// <summary>
    /// Puts every field back to what <c>new FlowRecord()</c> holds, so a reader can decode the next record into the
    /// same object (see <c>NfcapdFileReader.ReadFlowsInto</c>). A test checks by reflection that no field is missed.
    /// </summary>
    // Per-record code, compiled optimised at once: a run of a few seconds otherwise spends much of itself in the
    // unoptimised tiers before tiering promotes it (docs/performance.md, Measure-FlowTopN).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void Reset()
    {
        _src = _dst = _nextHop = _bgpNextHop = _exporter = _tunnelSrc = _tunnelDst = _natSrc = _natDst = default;
        _srcIp = _dstIp = null;
        Start = End = default;
        Received = null;
        SrcPort = DstPort = 0;
        Protocol = 0;
        TcpFlags = default;
        Packets = Bytes = OutPackets = OutBytes = 0;
        Flows = 1;
        SrcTos = DstTos = ForwardingStatus = BiFlowDirection = FlowEndReason = SrcMask = DstMask = 0;
        Direction = FlowDirection.Unknown;
        SrcAs = DstAs = NextAs = PrevAs = InputInterface = OutputInterface = 0;
        SrcVlan = DstVlan = 0;
        SrcMacValue = DstMacValue = OutSrcMacValue = OutDstMacValue = 0;
        MplsStack = null;
        ExporterId = 0;
        EngineType = EngineId = ExportVersion = 0;
        SamplingInterval = 0;
        TunnelProtocol = MinTtl = MaxTtl = 0;
        ClientLatency = ServerLatency = ApplicationLatency = null;
        ObservationDomainId = 0;
        ObservationPointId = 0;
        IngressVrf = EgressVrf = 0;
        Label = null;
        EnterpriseFields = null;
        NatSrcPort = NatDstPort = FirewallExtEvent = 0;
        NatEvent = FirewallEvent = SamplingAlgorithm = 0;
        EventTime = null;
        ApplicationId = ApplicationName = InputInterfaceName = OutputInterfaceName = ExtraFields = null;
    }

    /// <summary>A field-by-field copy (addresses shared, they are values).</summary>
    public FlowRecord Clone()
    {
        var copy = (FlowRecord)MemberwiseClone();
        copy.MplsStack = MplsStack is null ? null : (uint[])MplsStack.Clone();
        return copy;
    }

    private static string? FormatMac(ulong value)
    {
        if (value == 0) return null;
        return string.Create(17, value, static (span, v) =>
        {
            const string hex = "0123456789abcdef";
            for (int i = 0; i < 6; i++)
            {
                byte b = (byte)(v >> (40 - 8 * i));
                span[i * 3] = hex[b >> 4];
                span[i * 3 + 1] = hex[b & 0xF];
                if (i < 5) span[i * 3 + 2] = ':';
            }
        });
    }

    public override string ToString() =>
        $"{Start:yyyy-MM-dd HH:mm:ss.fff} {ProtocolName} {FormatEndpoint(_src, SrcPort)} -> {FormatEndpoint(_dst, DstPort)} {Packets} {Bytes}";

    private static string FormatEndpoint(FlowAddress a, ushort port) =>
        a.IsIPv6 ? $"[{a}]:{port}" : $"{a}:{port}";
}
