using FlowForensics.Capture;

namespace FlowForensics.Synthesis;

/// <summary>
/// Writes generated frames to a classic pcap file (LINKTYPE_ETHERNET, microsecond timestamps) through
/// <see cref="PcapFileWriter"/>: frames longer than the snap length are cut to it, their original length kept.
/// </summary>
public sealed class PcapFrameSink : IFrameSink, IDisposable
{
    /// <summary>The snap length of an uncut capture (tcpdump's default).</summary>
    public const int FullSnapLength = 262_144;

    private readonly PcapFileWriter _writer;

    /// <summary>Writes the pcap file header to <paramref name="stream"/>; the stream stays open when the sink is disposed.</summary>
    public PcapFrameSink(Stream stream, int snapLength = FullSnapLength)
    {
        _writer = new PcapFileWriter(stream, LinkType.Ethernet, snapLength, nanosecond: false, leaveOpen: true);
    }

    public void Write(DateTime timestampUtc, ReadOnlySpan<byte> frame) => _writer.Write(timestampUtc, frame);

    /// <summary>Flushes the stream (which the caller owns and closes).</summary>
    public void Dispose() => _writer.Dispose();
}
