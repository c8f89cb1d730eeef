namespace FlowForensics.Export;

/// <summary>What became of one export datagram. Anything other than <see cref="Decoded"/> is counted
/// under that reason in <see cref="ExportCounters"/>; records decoded before a fault are kept.</summary>
public enum ExportDecodeStatus : byte
{
    /// <summary>Every set/record in the datagram was understood (data waiting for a template counts as understood).</summary>
    Decoded,
    /// <summary>Shorter than the protocol's header.</summary>
    TooShort,
    /// <summary>The version field names no protocol we decode.</summary>
    UnsupportedVersion,
    /// <summary>A header field is impossible (v5 count over 30, IPFIX message length disagreeing with the datagram...).</summary>
    BadHeader,
    /// <summary>The records announced do not fit in the datagram; the rest of it was dropped.</summary>
    Truncated,
    /// <summary>A v9 flowset / IPFIX set has length below 4 or beyond the datagram; the rest was dropped.</summary>
    BadSetLength,
    /// <summary>A template or options template could not be parsed; it was ignored.</summary>
    BadTemplate,
    /// <summary>A set id in 4..255 (v9: 2..255 except 0,1) that is neither template nor data.</summary>
    BadSetId,
    /// <summary>A sFlow sample or record is malformed.</summary>
    BadSample,
    /// <summary>A bound of <see cref="ExportDecoderLimits"/> was hit; what did not fit was dropped and counted.</summary>
    LimitReached,
}
