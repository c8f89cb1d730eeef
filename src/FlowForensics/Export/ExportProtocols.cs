namespace FlowForensics.Export;

/// <summary>Export protocols, recognised by a datagram's version field (never by its port).</summary>
[Flags]
public enum ExportProtocols
{
    None = 0,
    /// <summary>Version 0x0005.</summary>
    NetFlowV5 = 1,
    /// <summary>Version 0x0009.</summary>
    NetFlowV9 = 2,
    /// <summary>Version 0x000a (RFC 7011).</summary>
    Ipfix = 4,
    /// <summary>32-bit version 0x00000005.</summary>
    SflowV5 = 8,
    /// <summary>Every protocol the decoder knows.</summary>
    Auto = NetFlowV5 | NetFlowV9 | Ipfix | SflowV5,
}

internal static class ExportProtocolSniffer
{
    /// <summary>The protocol the datagram's version field names; <see cref="ExportProtocols.None"/> for anything else.</summary>
    public static ExportProtocols Sniff(ReadOnlySpan<byte> datagram)
    {
        if (datagram.Length < 2 || datagram[0] != 0) return ExportProtocols.None;
        return datagram[1] switch
        {
            5 => ExportProtocols.NetFlowV5,
            9 => ExportProtocols.NetFlowV9,
            10 => ExportProtocols.Ipfix,
            0 when datagram.Length >= 4 && datagram[2] == 0 && datagram[3] == 5 => ExportProtocols.SflowV5,
            _ => ExportProtocols.None,
        };
    }
}
