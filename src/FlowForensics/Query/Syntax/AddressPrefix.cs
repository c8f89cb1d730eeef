using System.Globalization;
using FlowForensics.Flows;

namespace FlowForensics.Query.Syntax;

/// <summary>
/// An address with a mask (a host is a full-length prefix). Host bits are cleared when it is made, so
/// <c>10.0.0.5/8</c> means <c>10.0.0.0/8</c> (nfdump 1.7.1's behaviour). Compared as two masked 64-bit words.
/// </summary>
public readonly struct AddressPrefix : IEquatable<AddressPrefix>
{
    private AddressPrefix(byte version, ulong high, ulong low, ulong maskHigh, ulong maskLow, int prefixLength)
    {
        Version = version;
        MaskHigh = maskHigh;
        MaskLow = maskLow;
        High = high & maskHigh;
        Low = low & maskLow;
        PrefixLength = prefixLength;
    }

    /// <summary>4 or 6.</summary>
    public byte Version { get; }
    public ulong High { get; }
    public ulong Low { get; }
    public ulong MaskHigh { get; }
    public ulong MaskLow { get; }

    /// <summary>The CIDR length, or -1 for a non-contiguous dotted mask.</summary>
    public int PrefixLength { get; }

    public bool IsHost => Version == 4 ? PrefixLength == 32 : PrefixLength == 128;

    /// <summary>A prefix of <paramref name="prefixLength"/> bits (0..32 for IPv4, 0..128 for IPv6).</summary>
    public static AddressPrefix FromCidr(FlowAddress address, int prefixLength)
    {
        if (address.IsIPv4)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan(prefixLength, 32);
            ulong mask = prefixLength == 0 ? 0 : (0xFFFF_FFFFUL << (32 - prefixLength)) & 0xFFFF_FFFFUL;
            return new AddressPrefix(4, 0, address.Low & 0xFFFF_FFFFUL, 0, mask, prefixLength);
        }
        if (address.IsIPv6)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan(prefixLength, 128);
            ulong hi = prefixLength >= 64 ? ulong.MaxValue : prefixLength == 0 ? 0 : ulong.MaxValue << (64 - prefixLength);
            ulong lo = prefixLength <= 64 ? 0 : prefixLength == 128 ? ulong.MaxValue : ulong.MaxValue << (128 - prefixLength);
            return new AddressPrefix(6, address.High, address.Low, hi, lo, prefixLength);
        }
        throw new ArgumentException("no address", nameof(address));
    }

    /// <summary>An IPv4 network with a dotted mask (<c>net 10.0.0.0 255.0.0.0</c>); the mask may be non-contiguous.</summary>
    public static AddressPrefix FromIPv4Mask(uint network, uint mask)
    {
        int len = -1;
        uint inverted = ~mask;
        if ((inverted & (inverted + 1)) == 0) len = 32 - System.Numerics.BitOperations.PopCount(inverted);
        return new AddressPrefix(4, 0, network, 0, mask, len);
    }

    /// <summary>True when <paramref name="address"/> lies inside this prefix (same IP version).</summary>
    public bool Contains(FlowAddress address) =>
        address.Version == Version && (address.Low & MaskLow) == Low && (address.High & MaskHigh) == High;

    public bool Equals(AddressPrefix other) =>
        Version == other.Version && High == other.High && Low == other.Low && MaskHigh == other.MaskHigh && MaskLow == other.MaskLow;

    public override bool Equals(object? obj) => obj is AddressPrefix p && Equals(p);
    public override int GetHashCode() => HashCode.Combine(Version, High, Low, MaskHigh, MaskLow);

    public static bool operator ==(AddressPrefix left, AddressPrefix right) => left.Equals(right);
    public static bool operator !=(AddressPrefix left, AddressPrefix right) => !left.Equals(right);

    public override string ToString()
    {
        var address = Version == 4 ? FlowAddress.FromIPv4((uint)Low) : FlowAddress.FromIPv6(High, Low);
        if (IsHost) return address.ToString();
        if (PrefixLength >= 0) return address + "/" + PrefixLength.ToString(CultureInfo.InvariantCulture);
        return address + " " + FlowAddress.FromIPv4((uint)MaskLow);
    }
}
