namespace FlowForensics.Capture.Decoding;

/// <summary>What <see cref="PacketDecoder"/> made of one frame.</summary>
public enum DecodeOutcome : byte
{
    /// <summary>An IP packet: addresses, protocol and (when present) ports were read.</summary>
    Decoded,

    /// <summary>A well-formed frame that carries no IP packet (ARP, LLDP, STP, ...).</summary>
    NotIp,

    /// <summary>The frame ends inside a header the decoder needs.</summary>
    Truncated,

    /// <summary>A header contradicts itself (wrong IP version, header length below the minimum, too many layers ...).</summary>
    Malformed,

    /// <summary>The capture's link type is not one the decoder reads.</summary>
    UnsupportedLinkType,
}
