namespace FlowForensics.Capture;

/// <summary>Ends another source cleanly after a given number of packets (a live capture's -PacketCount).</summary>
public sealed class PacketLimitSource : ICaptureSource
{
    private readonly ICaptureSource _inner;
    private readonly long _limit;
    private long _read;

    public PacketLimitSource(ICaptureSource inner, long limit)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        _inner = inner;
        _limit = limit;
    }

    public string Name => _inner.Name;
    public long Length => _inner.Length;
    public long Position => _inner.Position;

    /// <summary>Packets returned so far.</summary>
    public long PacketsRead => _read;

    public bool TryReadPacket(out CapturedPacket packet)
    {
        if (_read >= _limit || !_inner.TryReadPacket(out packet))
        {
            packet = default;
            return false;
        }
        _read++;
        return true;
    }

    public void Dispose() => _inner.Dispose();
}
