namespace FlowForensics.Export.Templates;

/// <summary>IANA IPFIX information element ids we map (ids below 128 are NetFlow v9's field types too).</summary>
internal static class InformationElementIds
{
    public const ushort OctetDeltaCount = 1, PacketDeltaCount = 2, DeltaFlowCount = 3, ProtocolIdentifier = 4, IpClassOfService = 5,
        TcpControlBits = 6, SourceTransportPort = 7, SourceIPv4Address = 8, SourceIPv4PrefixLength = 9, IngressInterface = 10,
        DestinationTransportPort = 11, DestinationIPv4Address = 12, DestinationIPv4PrefixLength = 13, EgressInterface = 14,
        IpNextHopIPv4Address = 15, BgpSourceAsNumber = 16, BgpDestinationAsNumber = 17, BgpNextHopIPv4Address = 18,
        FlowEndSysUpTime = 21, FlowStartSysUpTime = 22, PostOctetDeltaCount = 23, PostPacketDeltaCount = 24,
        SourceIPv6Address = 27, DestinationIPv6Address = 28, SourceIPv6PrefixLength = 29, DestinationIPv6PrefixLength = 30,
        IcmpTypeCodeIPv4 = 32, SamplingInterval = 34, EngineType = 38, EngineId = 39, SamplerId = 48, SamplerRandomInterval = 50,
        MinimumTtl = 52, MaximumTtl = 53, PostIpClassOfService = 55, SourceMacAddress = 56, PostDestinationMacAddress = 57,
        VlanId = 58, PostVlanId = 59, FlowDirection = 61, IpNextHopIPv6Address = 62, BgpNextHopIPv6Address = 63,
        DestinationMacAddress = 80, PostSourceMacAddress = 81, OctetTotalCount = 85, PacketTotalCount = 86, ForwardingStatus = 89,
        FlowEndReason = 136, ObservationPointId = 138, IcmpTypeCodeIPv6 = 139,
        FlowStartSeconds = 150, FlowEndSeconds = 151, FlowStartMilliseconds = 152, FlowEndMilliseconds = 153,
        FlowStartMicroseconds = 154, FlowEndMicroseconds = 155, FlowStartNanoseconds = 156, FlowEndNanoseconds = 157,
        FlowStartDeltaMicroseconds = 158, FlowEndDeltaMicroseconds = 159, SystemInitTimeMilliseconds = 160,
        IcmpTypeIPv4 = 176, IcmpCodeIPv4 = 177, IcmpTypeIPv6 = 178, IcmpCodeIPv6 = 179,
        IngressVrfId = 234, EgressVrfId = 235, BiflowDirection = 239, SelectorId = 302,
        SamplingPacketInterval = 305, SamplingPacketSpace = 306,
        MplsTopLabelStackSection = 70, DataLinkFrameSection = 315, MplsLabelStackSection10 = 79,
        SamplingAlgorithm = 35, SamplerMode = 49, BgpNextAdjacentAsNumber = 128, BgpPrevAdjacentAsNumber = 129,
        InterfaceName = 82, InterfaceDescription = 83, ApplicationDescription = 94, ApplicationId = 95, ApplicationName = 96,
        FlowDurationMilliseconds = 161, FlowDurationMicroseconds = 162, PostOctetTotalCount = 171, PostPacketTotalCount = 172,
        UdpSourcePort = 180, UdpDestinationPort = 181, TcpSourcePort = 182, TcpDestinationPort = 183, IpTtl = 192,
        PaddingOctets = 210,
        PostNatSourceIPv4Address = 225, PostNatDestinationIPv4Address = 226, PostNaptSourceTransportPort = 227,
        PostNaptDestinationTransportPort = 228, NatEvent = 230, InitiatorOctets = 231, ResponderOctets = 232, FirewallEvent = 233,
        PostNatSourceIPv6Address = 281, PostNatDestinationIPv6Address = 282, InitiatorPackets = 298, ResponderPackets = 299,
        SelectorAlgorithm = 304, SamplingSize = 309, SamplingPopulation = 310,
        ObservationTimeSeconds = 322, ObservationTimeMilliseconds = 323, ObservationTimeMicroseconds = 324, ObservationTimeNanoseconds = 325;

    /// <summary>NetFlow v9 field types of Cisco ASA NSEL and other vendors above IANA's range (v9 has no enterprise bit).</summary>
    public const ushort NselIngressAclId = 33000, NselEgressAclId = 33001, NselFirewallExtEvent = 33002, NselUsername = 40000,
        NselXlateSrcAddr84 = 40001, NselXlateDstAddr84 = 40002, NselXlateSrcPort84 = 40003, NselXlateDstPort84 = 40004,
        NselFirewallEvent84 = 40005, PaloAltoAppId = 56701,
        NprobeClientDelaySec = 57554, NprobeClientDelayUsec = 57555, NprobeServerDelaySec = 57556, NprobeServerDelayUsec = 57557,
        NprobeApplLatencySec = 57558, NprobeApplLatencyUsec = 57559;

    /// <summary>NetFlow v9 options scope field types (RFC 3954 §6.2).</summary>
    public const ushort ScopeSystem = 1, ScopeInterface = 2;
}
