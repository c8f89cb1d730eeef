using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace FlowForensics.Flows;

/// <summary>
/// An IPv4 or IPv6 address as two 64-bit halves (IPv4 as ::ffff:a.b.c.d), compared and hashed without
/// allocation. The flow table, the filter and the aggregators work on this; <see cref="IPAddress"/>
/// objects are made only when a user looks.
/// </summary>
public readonly struct FlowAddress : IEquatable<FlowAddress>, IComparable<FlowAddress>
{
    private const ulong V4MappedMarker = 0x0000_FFFF_0000_0000UL;

    /// <summary>The first 8 bytes of the 16-byte (IPv6 or IPv4-mapped) form, big-endian.</summary>
    public ulong High { get; }

    /// <summary>The last 8 bytes of the 16-byte form, big-endian.</summary>
    public ulong Low { get; }

    /// <summary>0 when no address is present, else 4 or 6.</summary>
    public byte Version { get; }

    private FlowAddress(ulong high, ulong low, byte version)
    {
        High = high;
        Low = low;
        Version = version;
    }

    public static FlowAddress None => default;

    public bool IsNone => Version == 0;
    public bool IsIPv4 => Version == 4;
    public bool IsIPv6 => Version == 6;

    /// <summary>The IPv4 address as a number (10.0.0.1 = 0x0A000001); 0 for IPv6.</summary>
    public uint IPv4Value => Version == 4 ? (uint)Low : 0;

    public static FlowAddress FromIPv4(uint address) => new(0, V4MappedMarker | address, 4);

    /// <summary>From a big-endian 4-byte span (as in an IPv4 header).</summary>
    public static FlowAddress FromIPv4(ReadOnlySpan<byte> fourBytes) =>
        FromIPv4(BinaryPrimitives.ReadUInt32BigEndian(fourBytes));

    public static FlowAddress FromIPv6(ulong high, ulong low) => new(high, low, 6);

    /// <summary>From a 16-byte span in network order (as in an IPv6 header).</summary>
    public static FlowAddress FromIPv6(ReadOnlySpan<byte> sixteenBytes) =>
        new(BinaryPrimitives.ReadUInt64BigEndian(sixteenBytes),
            BinaryPrimitives.ReadUInt64BigEndian(sixteenBytes[8..]), 6);

    public static FlowAddress FromIPAddress(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            address.TryWriteBytes(bytes, out _);
            return FromIPv4(bytes[..4]);
        }
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            address.TryWriteBytes(bytes, out _);
            return FromIPv6(bytes);
        }
        throw new ArgumentException($"'{address}' is neither an IPv4 nor an IPv6 address.", nameof(address));
    }

    public static bool TryParse(ReadOnlySpan<char> text, out FlowAddress address)
    {
        if (IPAddress.TryParse(text, out var ip) &&
            (ip.AddressFamily == AddressFamily.InterNetwork || ip.AddressFamily == AddressFamily.InterNetworkV6))
        {
            address = FromIPAddress(ip);
            return true;
        }
        address = default;
        return false;
    }

    /// <summary>Writes the 4 (IPv4) or 16 (IPv6) bytes in network order; returns the count written, 0 for none.</summary>
    public int WriteBytes(Span<byte> destination)
    {
        if (Version == 4)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)Low);
            return 4;
        }
        if (Version == 6)
        {
            BinaryPrimitives.WriteUInt64BigEndian(destination, High);
            BinaryPrimitives.WriteUInt64BigEndian(destination[8..], Low);
            return 16;
        }
        return 0;
    }

    public IPAddress? ToIPAddress()
    {
        if (Version == 0) return null;
        Span<byte> bytes = stackalloc byte[16];
        int n = WriteBytes(bytes);
        return new IPAddress(bytes[..n]);
    }

    /// <summary>Keeps the first <paramref name="prefixLength"/> bits (of 32 for IPv4, of 128 for IPv6).</summary>
    public FlowAddress Mask(int prefixLength)
    {
        if (Version == 4)
        {
            prefixLength = Math.Clamp(prefixLength, 0, 32);
            uint mask = prefixLength == 0 ? 0 : uint.MaxValue << (32 - prefixLength);
            return FromIPv4((uint)Low & mask);
        }
        if (Version == 6)
        {
            prefixLength = Math.Clamp(prefixLength, 0, 128);
            ulong hiMask = prefixLength >= 64 ? ulong.MaxValue : prefixLength == 0 ? 0 : ulong.MaxValue << (64 - prefixLength);
            ulong loMask = prefixLength <= 64 ? 0 : prefixLength == 128 ? ulong.MaxValue : ulong.MaxValue << (128 - prefixLength);
            return new FlowAddress(High & hiMask, Low & loMask, 6);
        }
        return this;
    }

    public bool Equals(FlowAddress other) => High == other.High && Low == other.Low && Version == other.Version;
    public override bool Equals(object? obj) => obj is FlowAddress other && Equals(other);
    public override int GetHashCode() => HashCode.Combine(High, Low, Version);

    public int CompareTo(FlowAddress other)
    {
        int c = Version.CompareTo(other.Version);
        if (c != 0) return c;
        c = High.CompareTo(other.High);
        return c != 0 ? c : Low.CompareTo(other.Low);
    }

    public static bool operator ==(FlowAddress left, FlowAddress right) => left.Equals(right);
    public static bool operator !=(FlowAddress left, FlowAddress right) => !left.Equals(right);
    public static bool operator <(FlowAddress left, FlowAddress right) => left.CompareTo(right) < 0;
    public static bool operator >(FlowAddress left, FlowAddress right) => left.CompareTo(right) > 0;
    public static bool operator <=(FlowAddress left, FlowAddress right) => left.CompareTo(right) <= 0;
    public static bool operator >=(FlowAddress left, FlowAddress right) => left.CompareTo(right) >= 0;

    public override string ToString() => ToIPAddress()?.ToString() ?? string.Empty;
}
