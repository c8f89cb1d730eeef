namespace FlowForensics.Capture;

/// <summary>A forward-only source of captured frames: a pcap or pcapng file, or a live interface.</summary>
public interface ICaptureSource : IDisposable
{
    /// <summary>The file path, or the interface name.</summary>
    string Name { get; }

    /// <summary>Total bytes for progress (compressed size for gzip files); -1 when unknown.</summary>
    long Length { get; }

    /// <summary>Bytes consumed so far, in the same units as <see cref="Length"/>.</summary>
    long Position { get; }

    /// <summary>
    /// Reads the next frame. Returns false at a clean end. Throws <see cref="Wire.FlowDataException"/>
    /// (source, offset, reason) at damage, only after every good packet before it was returned.
    /// The packet is valid until the next call.
    /// </summary>
    bool TryReadPacket(out CapturedPacket packet);
}
