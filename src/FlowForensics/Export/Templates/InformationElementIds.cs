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
        MplsTopLabelStackSection = 70, DataLinkFrameSection = 315, MplsLabelStackSection10 = 79;
}
