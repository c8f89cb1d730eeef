namespace FlowForensics.Analysis.TopN;

/// <summary>
/// What ranks the rows (nfdump's <c>-s stat/ORDER</c> and <c>-O</c>). Counters and rates rank descending,
/// <see cref="Start"/> and <see cref="End"/> ascending (earliest first), as nfdump's tstart/tend. Packets, bytes
/// and the rates use both directions (in + out), as nfdump's unprefixed orders do.
/// </summary>
public enum TopNOrder
{
    Flows,
    Packets,
    Bytes,
    Pps,
    Bps,
    Bpp,
    Start,
    End,
}
