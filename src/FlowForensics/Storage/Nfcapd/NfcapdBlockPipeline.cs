using System.Runtime.ExceptionServices;
using FlowForensics.Wire;

namespace FlowForensics.Storage.Nfcapd;

/// <summary>
/// Reads and decompresses nfcapd files a few blocks ahead on a thread of its own, and hands every block, in file order,
/// to each of a fixed number of consumers, which decode it. The file I/O and decompression of the next blocks (LZ4 is a
/// fifth to a third of reading a file) then overlap the decoding and counting of this one, and consumers that each count
/// a share of the keys (Measure-FlowTopN's threads) share each block instead of each reading and decompressing it.
/// </summary>
/// <remarks>
/// <para>A block decompressed on this thread has to travel to the consumer's processor cache. That made a bare read
/// (decode and drop every flow) slower on a two-processor machine (0.15 s against 0.13 s for 2 M flows) than
/// decompressing where the block is decoded, but every real consumer does more per flow than that: Measure-FlowTopN over
/// the same flows took 0.13–0.16 s against 0.16–0.17 s for `-s srcip` and 0.23–0.26 s against 0.31–0.32 s for
/// `-s record` (docs/performance.md).</para>
/// <para>Memory is <see cref="SlotCount"/> pairs of block buffers whatever the files hold. A file that cannot be opened,
/// or whose block cannot be loaded, ends in a <see cref="ItemKind.FileEnd"/> item carrying the error after the blocks
/// before it; the next file follows. Every consumer must take every item in turn and release it; <see cref="Stop"/> (or
/// cancelling the token) wakes and stops everyone.</para>
/// </remarks>
internal sealed class NfcapdBlockPipeline : IDisposable
{
    /// <summary>Blocks in flight: read ahead, or being decoded by some consumer.</summary>
    internal const int SlotCount = 4;

    internal enum ItemKind : byte
    {
        Block,
        FileEnd,
        Done,
    }

    /// <summary>One slot of the ring: a loaded block, or the end of a file, or of all of them.</summary>
    internal sealed class Item
    {
        internal readonly NfcapdBlockBuffers Buffers = new();
        internal ItemKind Kind;
        internal int File;
        internal long BlockIndex;
        internal NfcapdBlock Block;

        /// <summary>At a file's end: its length in bytes (0 when it could not be looked at) and its error, if any.</summary>
        internal long FileLength;

        internal FlowDataException? Error;

        /// <summary>Consumers that have yet to release the item.</summary>
        internal int Pending;
    }

    private readonly IReadOnlyList<string> _files;
    private readonly int _consumers;
    private readonly Item[] _slots = new Item[SlotCount];
    private readonly object _gate = new();
    private readonly CancellationTokenSource _stop;
    private readonly CancellationTokenRegistration _wake;
    private readonly Thread _producer;
    private long _published;
    private Exception? _fault;

    /// <summary>Starts reading <paramref name="files"/>, in this order, for <paramref name="consumers"/> consumers.</summary>
    public NfcapdBlockPipeline(IReadOnlyList<string> files, int consumers, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentOutOfRangeException.ThrowIfLessThan(consumers, 1);
        _files = files;
        _consumers = consumers;
        for (int i = 0; i < SlotCount; i++) _slots[i] = new Item();
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        _wake = _stop.Token.Register(() =>
        {
            lock (_gate) Monitor.PulseAll(_gate);
        });
        _producer = new Thread(Produce) { IsBackground = true, Name = "FlowForensics nfcapd read-ahead" };
        _producer.Start();
    }

    /// <summary>Stops the reading and wakes every consumer (each then throws <see cref="OperationCanceledException"/>).</summary>
    internal void Stop() => _stop.Cancel();

    /// <summary>The item of sequence number <paramref name="sequence"/> (0, 1, 2 ... for each consumer), once it is read.</summary>
    internal Item Take(long sequence)
    {
        _stop.Token.ThrowIfCancellationRequested();
        lock (_gate)
        {
            while (_published <= sequence)
            {
                if (_fault is not null) ExceptionDispatchInfo.Throw(_fault);
                _stop.Token.ThrowIfCancellationRequested();
                Monitor.Wait(_gate);
            }
        }
        return _slots[sequence % SlotCount];
    }

    /// <summary>Tells the reader this consumer is done with <paramref name="item"/>.</summary>
    internal void Release(Item item)
    {
        lock (_gate)
        {
            if (--item.Pending == 0) Monitor.PulseAll(_gate);
        }
    }

    /// <summary>
    /// Takes every item in turn and hands every block, decompressed, to <paramref name="decode"/> with the decoder of its
    /// file (which holds the file's exporter and sampler tables). When <paramref name="reports"/>, a damaged or
    /// unreadable file goes to <paramref name="onFileError"/> (null: thrown) after the flows before the damage, and
    /// <paramref name="onProgress"/> is told the bytes done (of all the files' lengths) after each block; otherwise errors
    /// are passed over (another consumer reports them). <paramref name="onFileOpened"/> (reporting consumer only) is told
    /// each file's path when its first block arrives.
    /// </summary>
    internal void Consume(Func<NfcapdBlockDecoder, NfcapdBlock, NfcapdProblem?> decode, bool reports,
        Action<FlowDataException>? onFileError, Action<long>? onProgress, Action<string>? onFileOpened = null)
    {
        long sequence = 0, bytesDone = 0;
        int file = -1;
        NfcapdBlockDecoder? decoder = null;
        FlowDataException? damage = null;
        while (true)
        {
            var item = Take(sequence++);
            try
            {
                switch (item.Kind)
                {
                    case ItemKind.Done:
                        return;
                    case ItemKind.Block:
                        if (item.File != file)
                        {
                            file = item.File;
                            decoder = new NfcapdBlockDecoder();
                            damage = null;
                            if (reports) onFileOpened?.Invoke(_files[file]);
                        }
                        if (damage is null && decode(decoder!, item.Block) is { } problem)
                            damage = problem.ToException(_files[file], item.BlockIndex);   // the rest of the file is passed over
                        if (reports) onProgress?.Invoke(bytesDone + item.Block.NextOffset);
                        break;
                    default:
                        var error = (item.File == file ? damage : null) ?? item.Error;
                        file = -1;
                        decoder = null;
                        damage = null;
                        bytesDone += item.FileLength;
                        if (!reports) break;
                        if (error is not null)
                        {
                            if (onFileError is null) ExceptionDispatchInfo.Throw(error);
                            onFileError(error);
                        }
                        onProgress?.Invoke(bytesDone);
                        break;
                }
            }
            finally
            {
                Release(item);
            }
        }
    }

    private void Produce()
    {
        try
        {
            long sequence = 0;
            for (int i = 0; i < _files.Count; i++) sequence = ProduceFile(i, sequence);
            var done = BeginWrite(sequence);
            done.Kind = ItemKind.Done;
            Publish(done);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // a consumer stopped, or the caller cancelled: the consumers see it themselves
        }
        catch (Exception e)
        {
            lock (_gate)
            {
                _fault = e;
                Monitor.PulseAll(_gate);
            }
        }
    }

    /// <summary>Publishes file <paramref name="index"/>'s blocks and its end item from <paramref name="sequence"/> on; returns the next sequence number.</summary>
    private long ProduceFile(int index, long sequence)
    {
        string path = _files[index];
        long length = 0;
        FlowDataException? error = null;
        try
        {
            using var reader = NfcapdFileReader.Open(path);
            length = reader.Length;
            long offset = reader.DataStart;
            for (long b = 0; b < reader.BlockCount; b++)
            {
                var item = BeginWrite(sequence);
                if ((reader.ReadBlock(offset, item.Buffers, out item.Block)
                     ?? reader.Decompress(ref item.Block, item.Buffers.Decoded)) is { } problem)
                {
                    error = problem.ToException(path, b);
                    break;
                }
                item.Kind = ItemKind.Block;
                item.File = index;
                item.BlockIndex = b;
                Publish(item);
                sequence++;
                offset = item.Block.NextOffset;
            }
        }
        catch (FlowDataException e)
        {
            error = e;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = new FlowDataException(path, 0, e.Message, e);
        }
        if (error is not null && length == 0) length = LengthOf(path);   // not opened: progress still counts the file
        var end = BeginWrite(sequence);
        end.Kind = ItemKind.FileEnd;
        end.File = index;
        end.FileLength = length;
        end.Error = error;
        Publish(end);
        return sequence + 1;
    }

    private static long LengthOf(string path)
    {
        try
        {
            return new FileInfo(path).Length;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    /// <summary>The slot for <paramref name="sequence"/>, once every consumer has released what it held.</summary>
    private Item BeginWrite(long sequence)
    {
        var item = _slots[sequence % SlotCount];
        lock (_gate)
        {
            while (item.Pending != 0)
            {
                _stop.Token.ThrowIfCancellationRequested();
                Monitor.Wait(_gate);
            }
        }
        _stop.Token.ThrowIfCancellationRequested();
        return item;
    }

    private void Publish(Item item)
    {
        lock (_gate)
        {
            item.Pending = _consumers;
            _published++;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Stops the reader if it is still running, waits for it, and gives the buffers back.</summary>
    public void Dispose()
    {
        _stop.Cancel();
        _producer.Join();
        _wake.Dispose();
        _stop.Dispose();
        foreach (var item in _slots) item.Buffers.Dispose();
    }
}
