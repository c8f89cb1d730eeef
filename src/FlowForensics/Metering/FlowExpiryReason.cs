namespace FlowForensics.Metering;

/// <summary>Why a flow left the table.</summary>
public enum FlowExpiryReason : byte
{
    /// <summary>No packet for longer than the inactive timeout.</summary>
    Inactive,

    /// <summary>Older than the active timeout.</summary>
    Active,

    /// <summary>A TCP FIN or RST ended it (the packet carrying the flag is part of it).</summary>
    TcpEnd,

    /// <summary>Exported per packet: ICMP, ICMPv6 and DNS, as nfpcapd does.</summary>
    SinglePacket,

    /// <summary>The table was full and this was the least recently seen flow.</summary>
    Evicted,

    /// <summary>The input ended (or was stopped) while the flow was active.</summary>
    EndOfInput,
}
