using System.Globalization;
using FlowForensics.Flows;
using FlowForensics.Query;
using FlowForensics.Query.Syntax;

namespace FlowForensics.Analysis.Hunting;

/// <summary>
/// A set of IPv4 and IPv6 networks (<c>10.0.0.0/8</c>, <c>192.168.1.5</c>, <c>fd00::/8</c>), looked up without
/// allocation: one hash set per prefix length, as the filter's <c>net in [...]</c> does. The hunts use it for
/// <c>-InternalNetwork</c> and for the address part of <c>-Exclude</c>.
/// </summary>
public sealed class AddressSet
{
    private readonly PrefixSet _set;

    private AddressSet(IReadOnlyList<AddressPrefix> prefixes, IReadOnlyList<string> text)
    {
        _set = new PrefixSet(prefixes);
        Networks = text;
        IsEmpty = prefixes.Count == 0;
    }

    /// <summary>The networks as given (normalised to CIDR text).</summary>
    public IReadOnlyList<string> Networks { get; }

    public bool IsEmpty { get; }

    /// <summary>RFC 1918 (10/8, 172.16/12, 192.168/16) and IPv6 unique local addresses (fc00::/7): the default inside.</summary>
    public static AddressSet Private { get; } = Parse(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"]);

    public static AddressSet Empty { get; } = Parse([]);

    /// <summary>Parses addresses and CIDR networks; throws <see cref="FormatException"/> naming the entry that is neither.</summary>
    public static AddressSet Parse(IEnumerable<string> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var prefixes = new List<AddressPrefix>();
        var text = new List<string>();
        foreach (string entry in entries)
        {
            if (!TryParsePrefix(entry, out var prefix))
                throw new FormatException($"'{entry}' is not an IP address or network (expected 10.1.2.3, 10.0.0.0/8 or fd00::/8).");
            prefixes.Add(prefix);
            text.Add(FormatPrefix(entry, prefix));
        }
        return new AddressSet(prefixes, text);
    }

    /// <summary>True when <paramref name="text"/> is an address or an address/length network.</summary>
    public static bool TryParsePrefix(string? text, out AddressPrefix prefix)
    {
        prefix = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        string t = text.Trim();
        int slash = t.IndexOf('/');
        if (!FlowAddress.TryParse(slash < 0 ? t : t[..slash], out var address)) return false;
        int max = address.IsIPv4 ? 32 : 128;
        int length = max;
        if (slash >= 0 && (!int.TryParse(t.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out length) || length > max))
            return false;
        prefix = AddressPrefix.FromCidr(address, length);
        return true;
    }

    public bool Contains(FlowAddress address) => _set.Contains(address);

    /// <summary>True when <paramref name="address"/> (an IP address in text or an IPAddress) is in the set.</summary>
    public bool Contains(System.Net.IPAddress address) => _set.Contains(FlowAddress.FromIPAddress(address));

    public override string ToString() => string.Join(",", Networks);

    private static string FormatPrefix(string entry, AddressPrefix prefix)
    {
        string t = entry.Trim();
        return t.Contains('/') ? t : $"{t}/{prefix.PrefixLength}";
    }
}
