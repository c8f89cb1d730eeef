using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using FlowForensics.Flows;
using FlowForensics.Wire;

namespace FlowForensics.Storage.Nfcapd;

/// <summary>Where and why a block or record is unreadable.</summary>
internal readonly record struct NfcapdProblem(long Offset, string Reason)
{
    /// <summary>The error a reader throws for it: the file, the byte offset and the block's number.</summary>
    internal FlowDataException ToException(string source, long block) => new(source, Offset, $"block {block}: {Reason}");
}

/// <summary>One loaded block: header fields and the uncompressed payload.</summary>
internal struct NfcapdBlock
{
    internal uint NumRecords;
    internal ushort Type;
    internal long Offset;
    internal long PayloadOffset;
    internal long NextOffset;
    internal bool Compressed;
    internal bool Rented;
    internal bool RentedDecoded;
    internal byte[]? Stored;
    internal int StoredLength;
    internal byte[]? Decoded;
    internal int PayloadLength;

    internal readonly ReadOnlySpan<byte> Payload =>
        (Compressed ? Decoded : Stored).AsSpan(0, PayloadLength);

    /// <summary>Gives rented buffers back to the pool (buffers lent by the caller stay with it).</summary>
    internal void Return()
    {
        if (Rented && Stored is not null) NfcapdBlockBuffers.Pool.Return(Stored);
        if (RentedDecoded && Decoded is not null) NfcapdBlockBuffers.Pool.Return(Decoded);
        Stored = Decoded = null;
        Rented = RentedDecoded = false;
    }
}

/// <summary>
/// A stored and a decompressed buffer, each as large as a block may be (<see cref="NfcapdLimits"/>), rented once and
/// reused block after block.
/// </summary>
internal sealed class NfcapdBlockBuffers : IDisposable
{
    /// <summary>
    /// Where every block buffer is rented from. Not <see cref="ArrayPool{T}.Shared"/>: that pool keeps a returned array in
    /// a cache of the returning thread, and the read-ahead thread is a new thread each run, so each run lost an 8 MiB
    /// array with it (the appendix read when a file is opened there) and allocated another: 8.4 MB per Measure-FlowTopN
    /// run, and a full garbage collection every second or third run in a console session.
    /// </summary>
    internal static readonly ArrayPool<byte> Pool = ArrayPool<byte>.Create(NfcapdLimits.MaxUncompressedBlockSize, 16);

    internal byte[] Stored { get; private set; } = NfcapdBlockBuffers.Pool.Rent(NfcapdLimits.MaxBlockSize);

    internal byte[] Decoded { get; private set; } = NfcapdBlockBuffers.Pool.Rent(NfcapdLimits.MaxUncompressedBlockSize);

    public void Dispose()
    {
        if (Stored.Length != 0) NfcapdBlockBuffers.Pool.Return(Stored);
        if (Decoded.Length != 0) NfcapdBlockBuffers.Pool.Return(Decoded);
        Stored = Decoded = [];
    }
}

/// <summary>
/// Decodes the records of one file's data blocks, in file order: flows, and the exporter, sampler and extension-map
/// records that later flows of the same file refer to (<see cref="Tables"/>). One per file and reader of it.
/// </summary>
internal sealed class NfcapdBlockDecoder
{
    internal NfcapdTables Tables { get; } = new();

    /// <summary>Blocks of types nfdump 1.7 does not hold flows in (1, 4, ...) that were skipped.</summary>
    internal long SkippedBlocks { get; private set; }

    /// <summary>Records of unknown type that were skipped.</summary>
    internal long SkippedRecords { get; private set; }

    /// <summary>Flows handed over so far.</summary>
    internal long Delivered { get; private set; }

    /// <summary>
    /// Decodes one data block, handing each flow to <paramref name="onFlow"/>: a fresh record each, or
    /// <paramref name="reuse"/> reset and refilled when it is given. Returns the first corrupt record's problem, after
    /// every flow before it was handed over.
    /// </summary>
    internal NfcapdProblem? Decode(in NfcapdBlock block, FlowRecord? reuse, Action<FlowRecord> onFlow)
    {
        var records = new RecordTarget(reuse, onFlow);
        return Decode(block, ref records);
    }

    /// <summary>
    /// Decodes one data block into <see cref="FlowCore"/>s (only the fields statistics read; 1.6 records go through a
    /// <see cref="FlowRecord"/>), those inside the window by nfdump's <c>-t</c> reading (<see cref="Query.FlowSelection.InWindow(long, long)"/>:
    /// first packet at or after <paramref name="fromTicks"/>, last at or before <paramref name="toTicks"/>),
    /// straight into <paramref name="batcher"/>'s batch, which goes to its sink as it fills and at the block's end (the
    /// flows before a damaged record too). Same flows, same problems as the record decode.
    /// </summary>
    internal NfcapdProblem? DecodeCores(in NfcapdBlock block, FlowCoreBatcher batcher,
        long fromTicks = long.MinValue, long toTicks = long.MaxValue, FlowQueryCounts? counts = null)
    {
        var cores = new CoreTarget(batcher, this, fromTicks, toTicks, counts);
        var problem = Decode(block, ref cores);
        batcher.Flush();
        return problem;
    }

    /// <summary>The record a 1.6 (layout 1) flow is decoded into before it becomes a <see cref="FlowCore"/>; made when the first one comes.</summary>
    private FlowRecord Layout1Record => _layout1 ??= new FlowRecord();

    private FlowRecord? _layout1;

    /// <summary>What a decode fills and where each flow goes; a struct, so each kind gets a loop compiled for it.</summary>
    private interface IFlowTarget
    {
        RecordOutcome DecodeV3(ReadOnlySpan<byte> record, NfcapdTables tables, out string? why);

        RecordOutcome DecodeLayout1(ReadOnlySpan<byte> record, NfcapdTables tables, out string? why);

        void Deliver();
    }

    private struct RecordTarget(FlowRecord? reuse, Action<FlowRecord> onFlow) : IFlowTarget
    {
        private FlowRecord? _flow;

        public RecordOutcome DecodeV3(ReadOnlySpan<byte> record, NfcapdTables tables, out string? why) =>
            V3RecordReader.Decode(record, tables, _flow = Target(reuse), out why);

        public RecordOutcome DecodeLayout1(ReadOnlySpan<byte> record, NfcapdTables tables, out string? why) =>
            Layout1Reader.Decode(record, tables, _flow = Target(reuse), out why);

        public readonly void Deliver() => onFlow(_flow!);
    }

    /// <summary>Decodes each flow in place into the batcher's next slot and keeps it when it lies inside the window.</summary>
    private readonly struct CoreTarget(FlowCoreBatcher batcher, NfcapdBlockDecoder decoder, long fromTicks, long toTicks, FlowQueryCounts? counts)
        : IFlowTarget
    {
        public RecordOutcome DecodeV3(ReadOnlySpan<byte> record, NfcapdTables tables, out string? why) =>
            V3RecordReader.DecodeCore(record, ref batcher.Next, out why);

        public RecordOutcome DecodeLayout1(ReadOnlySpan<byte> record, NfcapdTables tables, out string? why)
        {
            var layout1 = decoder.Layout1Record;
            layout1.Reset();
            var outcome = Layout1Reader.Decode(record, tables, layout1, out why);
            if (outcome == RecordOutcome.Flow) batcher.Next = FlowCore.From(layout1);
            return outcome;
        }

        public void Deliver()
        {
            ref readonly var next = ref batcher.Next;
            if (next.StartTicks >= fromTicks && next.EndTicks <= toTicks)
            {
                batcher.Commit();
                counts?.Count(Query.FlowSelectionOutcome.Selected);
            }
            else
            {
                counts?.Count(Query.FlowSelectionOutcome.OutsideWindow);
            }
        }
    }

    private NfcapdProblem? Decode<TTarget>(in NfcapdBlock block, ref TTarget target) where TTarget : struct, IFlowTarget
    {
        if (block.Type != NfcapdLayout.BlockTypeV3 && block.Type != NfcapdLayout.BlockTypeV2)
        {
            SkippedBlocks++;
            return null;
        }
        var tables = Tables;
        var payload = block.Payload;
        int pos = 0;
        for (uint r = 0; r < block.NumRecords; r++)
        {
            long at = block.Compressed ? block.Offset : block.PayloadOffset + pos;
            if (payload.Length - pos < NfcapdLayout.RecordHeaderSize)
                return new NfcapdProblem(at, $"record {r} of {block.NumRecords} starts past the end of the {payload.Length}-byte payload");
            ushort type = BinaryPrimitives.ReadUInt16LittleEndian(payload[pos..]);
            ushort size = BinaryPrimitives.ReadUInt16LittleEndian(payload[(pos + 2)..]);
            if (size < NfcapdLayout.RecordHeaderSize || size > payload.Length - pos)
                return new NfcapdProblem(at, $"record {r} (type {type}) has size {size}, outside the {payload.Length}-byte payload");
            var record = payload.Slice(pos, size);
            RecordOutcome outcome = RecordOutcome.NotAFlow;
            string? why = null;
            switch (type)
            {
                case NfcapdLayout.V3RecordType:
                    outcome = target.DecodeV3(record, tables, out why);
                    break;
                case NfcapdLayout.CommonRecordType:
                    outcome = target.DecodeLayout1(record, tables, out why);
                    break;
                case NfcapdLayout.ExtensionMapType:
                    outcome = Layout1Reader.ReadExtensionMap(record, tables, out why);
                    break;
                case NfcapdLayout.ExporterInfoRecordType:
                    V3RecordReader.ReadExporterInfo(record, tables);
                    break;
                case NfcapdLayout.SamplerRecordType:
                    V3RecordReader.ReadSampler(record, tables);
                    break;
                case NfcapdLayout.SamplerLegacyRecordType:
                    V3RecordReader.ReadLegacySampler(record, tables);
                    break;
                case NfcapdLayout.ExporterStatRecordType:
                    break;
                default:
                    SkippedRecords++;
                    break;
            }
            if (outcome == RecordOutcome.Corrupt)
                return new NfcapdProblem(at, $"record {r}: {why}");
            if (outcome == RecordOutcome.Flow)
            {
                Delivered++;
                target.Deliver();
            }
            pos += size;
        }
        return null;
    }

    private static FlowRecord Target(FlowRecord? reuse)
    {
        if (reuse is null) return new FlowRecord();
        reuse.Reset();
        return reuse;
    }
}
