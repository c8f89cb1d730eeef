namespace FlowForensics.Capture;

/// <summary>
/// One captured frame as a view into the reader's buffer: valid until the next
/// <see cref="ICaptureSource.TryReadPacket"/> call on the same source. Nothing is copied.
/// </summary>
public readonly ref struct CapturedPacket
{
    public CapturedPacket(DateTime timestamp, LinkType linkType, ReadOnlySpan<byte> data, int originalLength, int interfaceId, long fileOffset)
    {
        Timestamp = timestamp;
        LinkType = linkType;
        Data = data;
        OriginalLength = originalLength;
        InterfaceId = interfaceId;
        FileOffset = fileOffset;
    }

    /// <summary>Capture time, UTC, in 100 ns ticks (finer file resolutions are truncated).</summary>
    public DateTime Timestamp { get; }

    public LinkType LinkType { get; }

    /// <summary>The captured bytes (at most the snap length the capture used).</summary>
    public ReadOnlySpan<byte> Data { get; }

    /// <summary>The frame's length on the wire.</summary>
    public int OriginalLength { get; }

    /// <summary>The pcapng interface the frame was captured on; 0 for pcap and live sources.</summary>
    public int InterfaceId { get; }

    /// <summary>Offset of the packet record in the (decompressed) file; for live sources, the byte count before it.</summary>
    public long FileOffset { get; }
}
