namespace FlowForensics.Synthesis;

internal enum TcpClose : byte
{
    Fin,
    Reset,
    Open,
}

/// <summary>The shape of one TCP session: round trips, per-round bytes each way, pacing and the close.</summary>
internal struct TcpShape
{
    public long Rtt;
    /// <summary>Microseconds between data segments of one burst (sets the throughput).</summary>
    public long SegmentGap;
    public int Rounds;
    public int UpMin, UpMax, DownMin, DownMax;
    /// <summary>Round 0 bytes client→server / server→client when positive (bulk transfers).</summary>
    public long BulkUp, BulkDown;
    /// <summary>Mean pause between rounds.</summary>
    public long Think;
    public TcpClose Close;

    public static TcpShape Exchange(long rtt, long up, long down, TcpClose close = TcpClose.Fin) => new()
    {
        Rtt = rtt, SegmentGap = 400, Rounds = 1, BulkUp = Math.Max(1, up), BulkDown = down, Close = close,
    };
}
