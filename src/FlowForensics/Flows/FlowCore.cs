namespace FlowForensics.Flows;

/// <summary>
/// What statistics read of a flow, as a value: addresses, ports, protocol, ToS, AS numbers, interfaces, VLANs, the
/// start and end, and the counters (the two directions added). Measure-FlowTopN's -Path engine decodes it straight
/// from a file's bytes (<c>V3RecordReader.DecodeCore</c>), with no <see cref="FlowRecord"/> to fill, reset and read back;
/// records from the pipeline are turned into one by <see cref="From"/>. Both give the same values.
/// </summary>
internal struct FlowCore
{
    public FlowAddress Src, Dst;
    public long StartTicks, EndTicks;

    /// <summary>The flows the record stands for (at least 1), its packets and bytes in and out together.</summary>
    public long Flows, Packets, Bytes;

    public uint SrcAs, DstAs, InputInterface, OutputInterface;
    public ushort SrcPort, DstPort, SrcVlan, DstVlan;
    public byte Protocol, SrcTos, DstTos;

    /// <summary>The record's values.</summary>
    public static FlowCore From(FlowRecord flow) => new()
    {
        Src = flow.SrcAddress,
        Dst = flow.DstAddress,
        StartTicks = flow.Start.Ticks,
        EndTicks = flow.End.Ticks,
        Flows = flow.Flows > 0 ? flow.Flows : 1,
        Packets = flow.Packets + flow.OutPackets,
        Bytes = flow.Bytes + flow.OutBytes,
        SrcAs = flow.SrcAs,
        DstAs = flow.DstAs,
        InputInterface = flow.InputInterface,
        OutputInterface = flow.OutputInterface,
        SrcPort = flow.SrcPort,
        DstPort = flow.DstPort,
        SrcVlan = flow.SrcVlan,
        DstVlan = flow.DstVlan,
        Protocol = flow.Protocol,
        SrcTos = flow.SrcTos,
        DstTos = flow.DstTos,
    };
}

/// <summary>
/// Where decoded <see cref="FlowCore"/>s go, in batches of up to <see cref="FlowCoreBatch.Size"/> in file order, on one
/// thread. A batch is lent for the call only: the decoder writes the next one into the same memory.
/// </summary>
internal interface IFlowCoreSink
{
    void Add(ReadOnlySpan<FlowCore> flows);
}

internal static class FlowCoreBatch
{
    /// <summary>
    /// Flows handed over at a time: enough for a top-N table to overlap the cache misses of their keys (and to pay one
    /// call per batch, not per flow), few enough that the batch (30 KB) stays in the processor's nearest caches.
    /// </summary>
    internal const int Size = 256;
}

/// <summary>
/// Gathers <see cref="FlowCore"/>s into batches for an <see cref="IFlowCoreSink"/>: flows that come one at a time (from
/// the pipeline, or read with a filter) through <see cref="Add"/>, and the statistics decoder's, which are decoded in
/// place (<see cref="Next"/>, then <see cref="Commit"/> for those kept). <see cref="Flush"/> hands over the rest.
/// </summary>
internal sealed class FlowCoreBatcher(IFlowCoreSink sink)
{
    private readonly FlowCore[] _batch = new FlowCore[FlowCoreBatch.Size];
    private int _count;

    /// <summary>Where the next flow goes; it is handed over only once <see cref="Commit"/> is called.</summary>
    public ref FlowCore Next => ref _batch[_count];

    public void Commit()
    {
        if (++_count == _batch.Length) Flush();
    }

    public void Add(in FlowCore flow)
    {
        Next = flow;
        Commit();
    }

    public void Flush()
    {
        if (_count == 0) return;
        int count = _count;
        _count = 0;
        sink.Add(_batch.AsSpan(0, count));
    }

    /// <summary>Drops what waits, unhanded.</summary>
    public void Clear() => _count = 0;
}
