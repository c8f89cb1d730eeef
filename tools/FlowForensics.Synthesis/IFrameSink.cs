namespace FlowForensics.Synthesis;

/// <summary>Where generated frames go (a pcap writer, a counter, a test's list). Frames arrive in timestamp order.</summary>
public interface IFrameSink
{
    /// <summary>One Ethernet II frame; the span is only valid during the call.</summary>
    void Write(DateTime timestampUtc, ReadOnlySpan<byte> frame);
}
