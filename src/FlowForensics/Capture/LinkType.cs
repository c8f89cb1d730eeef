namespace FlowForensics.Capture;

/// <summary>
/// The link-layer header type of captured frames (tcpdump's LINKTYPE_ values, as stored in pcap and
/// pcapng files). The DLT_RAW values 12 and 14 that some platforms write are read as <see cref="Raw"/>.
/// </summary>
public enum LinkType : ushort
{
    Null = 0,
    Ethernet = 1,
    Ppp = 9,
    PppSerial = 50,
    Raw = 101,
    CiscoHdlc = 104,
    Loop = 108,
    LinuxSll = 113,
    IPv4 = 228,
    IPv6 = 229,
    Nflog = 239,
    LinuxSll2 = 276,
}

internal static class LinkTypes
{
    /// <summary>The link type of a file header's link field (low 16 bits; the FCS bits above are ignored).</summary>
    internal static LinkType FromFileValue(uint value)
    {
        ushort v = (ushort)(value & 0xFFFF);
        return v is 12 or 14 ? LinkType.Raw : (LinkType)v;
    }
}
