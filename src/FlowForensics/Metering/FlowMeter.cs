using FlowForensics.Capture;
using FlowForensics.Capture.Decoding;
using FlowForensics.Flows;

namespace FlowForensics.Metering;

/// <summary>
/// Reads captures, decodes each packet and meters it in one <see cref="FlowTable"/>. Several captures read
/// in turn continue the same flows (give them in time order). Flows are yielded as they end; flows still
/// active when the input ends come from <see cref="Flush"/>.
/// </summary>
public sealed class FlowMeter
{
    public FlowMeter(FlowTableOptions? options = null)
    {
        Table = new FlowTable(options);
    }

    /// <summary>Packets between cancellation checks and progress ticks.</summary>
    public const int TickInterval = 4096;

    public FlowTable Table { get; }

    /// <summary>Packets by how decoding went.</summary>
    public MeterDecodeCounts DecodeCounts { get; } = new();

    /// <summary>
    /// Meters every packet of <paramref name="source"/>, yielding flows as they end. When the source is damaged,
    /// the flows ended before the damage are yielded first and then the <see cref="Wire.FlowDataException"/> is thrown.
    /// Stops quietly (flows stay in the table) when <paramref name="cancel"/> is signalled. <paramref name="tick"/>,
    /// when given, is called on the reading thread every <see cref="TickInterval"/> packets (for progress).
    /// </summary>
    public IEnumerable<FlowRecord> Read(ICaptureSource source, CancellationToken cancel = default, Action? tick = null)
    {
        var table = Table;
        int sinceCheck = 0;
        while (true)
        {
            if (++sinceCheck == TickInterval)
            {
                sinceCheck = 0;
                if (cancel.IsCancellationRequested) yield break;
                tick?.Invoke();
            }
            if (!ReadOne(source, table)) break;
            while (table.TryTakeExported(out var flow)) yield return flow;
        }
        while (table.TryTakeExported(out var flow)) yield return flow;
    }

    /// <summary>Ends every flow still held, oldest first.</summary>
    public IEnumerable<FlowRecord> Flush()
    {
        Table.FlushAll();
        while (Table.TryTakeExported(out var flow)) yield return flow;
    }

    // Not an iterator: the packet is a ref struct and must not live across a yield.
    private bool ReadOne(ICaptureSource source, FlowTable table)
    {
        if (!source.TryReadPacket(out var captured)) return false;
        var outcome = PacketDecoder.Decode(captured.LinkType, captured.Data, out var decoded);
        DecodeCounts.Count(outcome);
        if (outcome == DecodeOutcome.Decoded) table.Add(captured.Timestamp, decoded);
        return true;
    }
}

/// <summary>Packets read, by decoding outcome.</summary>
public sealed class MeterDecodeCounts
{
    public long Decoded { get; private set; }
    public long NotIp { get; private set; }
    public long Truncated { get; private set; }
    public long Malformed { get; private set; }
    public long UnsupportedLinkType { get; private set; }
    public long Total => Decoded + NotIp + Truncated + Malformed + UnsupportedLinkType;

    internal void Count(DecodeOutcome outcome)
    {
        switch (outcome)
        {
            case DecodeOutcome.Decoded: Decoded++; break;
            case DecodeOutcome.NotIp: NotIp++; break;
            case DecodeOutcome.Truncated: Truncated++; break;
            case DecodeOutcome.Malformed: Malformed++; break;
            default: UnsupportedLinkType++; break;
        }
    }
}
