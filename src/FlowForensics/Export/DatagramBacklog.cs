using FlowForensics.Flows;

namespace FlowForensics.Export;

/// <summary>
/// The bounded backlog between <see cref="FlowCollector"/>'s receive thread (the one producer) and its decode thread (the
/// one consumer): one byte buffer used as a ring for the datagrams' bytes and a ring of slots (offset, length, exporter,
/// receive time), both allocated once. The producer receives straight into the span <see cref="TryReserve"/> gives and
/// publishes it with <see cref="Publish"/>; the consumer reads slots from <see cref="Tail"/> up to <see cref="Head"/> and
/// gives them back with <see cref="Release"/>. Nothing is allocated per datagram.
/// </summary>
internal sealed class DatagramBacklog
{
    private readonly DatagramSlot[] _slots;
    private readonly byte[] _bytes;
    private readonly int _maxDatagram;
    private long _head;
    private long _tail;
    // The producer's next offset in _bytes (only the producer touches it).
    private int _write;

    public DatagramBacklog(int slots, int bytes, int maxDatagram)
    {
        if (slots < 1) throw new ArgumentOutOfRangeException(nameof(slots), slots, "At least one slot.");
        if (maxDatagram < 1 || bytes < maxDatagram) throw new ArgumentOutOfRangeException(nameof(bytes), bytes, $"At least {maxDatagram} bytes.");
        _slots = new DatagramSlot[slots];
        _bytes = GC.AllocateUninitializedArray<byte>(bytes);
        _maxDatagram = maxDatagram;
    }

    /// <summary>Datagrams published (the producer's index).</summary>
    public long Head => Volatile.Read(ref _head);

    /// <summary>Datagrams released (the consumer's index).</summary>
    public long Tail => Volatile.Read(ref _tail);

    /// <summary>Datagrams waiting.</summary>
    public int Count => (int)(Head - Tail);

    /// <summary>Producer: room for one datagram of up to the maximum size, or false when the slots or the bytes are full.</summary>
    public bool TryReserve(out Span<byte> space)
    {
        long head = _head;
        long tail = Volatile.Read(ref _tail);
        space = default;
        if (head - tail >= _slots.Length) return false;
        if (head == tail) _write = 0;
        else
        {
            int oldest = _slots[tail % _slots.Length].Offset;
            if (_write >= oldest)
            {
                // The waiting bytes are [oldest, _write): room after them, or else before them.
                if (_bytes.Length - _write < _maxDatagram)
                {
                    if (oldest <= _maxDatagram) return false;
                    _write = 0;
                }
            }
            // The waiting bytes are [oldest, end) and [0, _write); _write never reaches oldest (equal would read as empty).
            else if (oldest - _write <= _maxDatagram) return false;
        }
        space = _bytes.AsSpan(_write, _maxDatagram);
        return true;
    }

    /// <summary>
    /// Producer: publishes the datagram received into the last reserved space. A full fence: a consumer that looks at
    /// <see cref="Head"/> after resetting its event either sees this datagram or the producer sees the event reset.
    /// </summary>
    public void Publish(int length, FlowAddress exporter, DateTime received)
    {
        if ((uint)length > (uint)_maxDatagram) throw new ArgumentOutOfRangeException(nameof(length));
        long head = _head;
        _slots[head % _slots.Length] = new DatagramSlot(_write, length, exporter, received);
        _write += length;
        Interlocked.Exchange(ref _head, head + 1);
    }

    /// <summary>Consumer: the datagram at <paramref name="index"/> (from <see cref="Tail"/> up to <see cref="Head"/>).</summary>
    public ref readonly DatagramSlot Slot(long index) => ref _slots[index % _slots.Length];

    /// <summary>Consumer: the bytes of a slot (valid until it is released).</summary>
    public ReadOnlySpan<byte> Bytes(in DatagramSlot slot) => _bytes.AsSpan(slot.Offset, slot.Length);

    /// <summary>Consumer: every datagram before <paramref name="tail"/> is done; its slot and bytes may be received over.</summary>
    public void Release(long tail) => Volatile.Write(ref _tail, tail);
}

/// <summary>One received datagram: where its bytes are in the backlog, who sent it and when it came.</summary>
internal readonly record struct DatagramSlot(int Offset, int Length, FlowAddress Exporter, DateTime Received);
