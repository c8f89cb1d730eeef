namespace FlowForensics.Capture;

/// <summary>Hard bounds on what a capture file may ask the reader to hold; anything larger is damage.</summary>
public static class CaptureLimits
{
    /// <summary>Largest captured length of one packet record (pcap record or pcapng packet block data).</summary>
    public const int MaxPacketLength = 256 * 1024;

    /// <summary>Largest pcapng block of any type. Non-packet blocks up to this size are skipped without being held in memory.</summary>
    public const int MaxBlockLength = 16 * 1024 * 1024;

    /// <summary>Most interface description blocks one pcapng section may declare.</summary>
    public const int MaxInterfaces = 65536;

    /// <summary>Largest pcapng block that is held in memory whole (packet and interface blocks).</summary>
    internal const int MaxBufferedBlockLength = MaxPacketLength + 64 * 1024;
}
