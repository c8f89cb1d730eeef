using System.Buffers.Binary;

namespace FlowForensics.Wire;

/// <summary>
/// The one bounds-checked reader over untrusted bytes. Every read is a Try-call that fails instead of
/// throwing when the bytes run out; <see cref="Consumed"/> gives the offset for error messages.
/// Big-endian reads serve network protocols, little-endian reads serve nfcapd files.
/// </summary>
public ref struct WireReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public WireReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    /// <summary>Bytes read so far: the offset of the next read within the span.</summary>
    public readonly int Consumed => _position;

    /// <summary>Bytes left to read.</summary>
    public readonly int Remaining => _data.Length - _position;

    /// <summary>The unread bytes.</summary>
    public readonly ReadOnlySpan<byte> UnreadSpan => _data[_position..];

    public bool TryReadByte(out byte value)
    {
        if (_position >= _data.Length) { value = 0; return false; }
        value = _data[_position++];
        return true;
    }

    public bool TryReadUInt16BigEndian(out ushort value)
    {
        if (Remaining < 2) { value = 0; return false; }
        value = BinaryPrimitives.ReadUInt16BigEndian(_data.Slice(_position, 2));
        _position += 2;
        return true;
    }

    public bool TryReadUInt32BigEndian(out uint value)
    {
        if (Remaining < 4) { value = 0; return false; }
        value = BinaryPrimitives.ReadUInt32BigEndian(_data.Slice(_position, 4));
        _position += 4;
        return true;
    }

    public bool TryReadUInt64BigEndian(out ulong value)
    {
        if (Remaining < 8) { value = 0; return false; }
        value = BinaryPrimitives.ReadUInt64BigEndian(_data.Slice(_position, 8));
        _position += 8;
        return true;
    }

    public bool TryReadUInt16LittleEndian(out ushort value)
    {
        if (Remaining < 2) { value = 0; return false; }
        value = BinaryPrimitives.ReadUInt16LittleEndian(_data.Slice(_position, 2));
        _position += 2;
        return true;
    }

    public bool TryReadUInt32LittleEndian(out uint value)
    {
        if (Remaining < 4) { value = 0; return false; }
        value = BinaryPrimitives.ReadUInt32LittleEndian(_data.Slice(_position, 4));
        _position += 4;
        return true;
    }

    public bool TryReadUInt64LittleEndian(out ulong value)
    {
        if (Remaining < 8) { value = 0; return false; }
        value = BinaryPrimitives.ReadUInt64LittleEndian(_data.Slice(_position, 8));
        _position += 8;
        return true;
    }

    public bool TryReadInt64LittleEndian(out long value)
    {
        if (Remaining < 8) { value = 0; return false; }
        value = BinaryPrimitives.ReadInt64LittleEndian(_data.Slice(_position, 8));
        _position += 8;
        return true;
    }

    /// <summary>Takes the next <paramref name="length"/> bytes as a slice, or fails when fewer remain (or the length is negative).</summary>
    public bool TrySlice(int length, out ReadOnlySpan<byte> slice)
    {
        if (length < 0 || length > Remaining) { slice = default; return false; }
        slice = _data.Slice(_position, length);
        _position += length;
        return true;
    }

    public bool TrySkip(int length)
    {
        if (length < 0 || length > Remaining) return false;
        _position += length;
        return true;
    }
}
