namespace FlowForensics.Capture.Decoding;

/// <summary>How many frames ended in each <see cref="DecodeOutcome"/>; not thread-safe (one per reading loop).</summary>
public sealed class DecodeCounters
{
    private readonly long[] _counts = new long[(int)DecodeOutcome.UnsupportedLinkType + 1];

    public long Decoded => _counts[(int)DecodeOutcome.Decoded];
    public long NotIp => _counts[(int)DecodeOutcome.NotIp];
    public long Truncated => _counts[(int)DecodeOutcome.Truncated];
    public long Malformed => _counts[(int)DecodeOutcome.Malformed];
    public long UnsupportedLinkType => _counts[(int)DecodeOutcome.UnsupportedLinkType];

    /// <summary>All frames counted.</summary>
    public long Total
    {
        get
        {
            long total = 0;
            foreach (long c in _counts) total += c;
            return total;
        }
    }

    public long this[DecodeOutcome outcome] => _counts[(int)outcome];

    public void Add(DecodeOutcome outcome) => _counts[(int)outcome]++;

    public void Reset() => Array.Clear(_counts);

    public override string ToString() =>
        $"decoded {Decoded}, not IP {NotIp}, truncated {Truncated}, malformed {Malformed}, unsupported link type {UnsupportedLinkType}";
}
