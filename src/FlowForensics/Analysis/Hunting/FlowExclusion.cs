using FlowForensics.Query;
using System.Globalization;
using FlowForensics.Flows;
using FlowForensics.Query.Syntax;

namespace FlowForensics.Analysis.Hunting;

/// <summary>
/// The allowlist of a hunt (<c>-Exclude</c>): addresses and networks (<c>10.0.0.53</c>, <c>10.8.0.0/16</c>, <c>fd00::/8</c>),
/// ports (<c>123</c>) and protocol-qualified ports (<c>123/udp</c>, <c>443/tcp</c>). A flow is left out of the analysis
/// when either of its addresses is in a listed network, or either of its ports is a listed port (with the protocol,
/// when one is given). It is applied while the hunt reads, so the files and the pipeline stay untouched.
/// </summary>
public sealed class FlowExclusion
{
    private readonly AddressSet _addresses;
    private readonly NumberSet _anyProtocolPorts;
    private readonly HashSet<(byte Protocol, ushort Port)> _protocolPorts;

    private FlowExclusion(AddressSet addresses, NumberSet anyProtocolPorts, HashSet<(byte, ushort)> protocolPorts, IReadOnlyList<string> entries)
    {
        _addresses = addresses;
        _anyProtocolPorts = anyProtocolPorts;
        _protocolPorts = protocolPorts;
        Entries = entries;
    }

    /// <summary>Nothing excluded.</summary>
    public static FlowExclusion None { get; } = Parse([]);

    /// <summary>The entries as given.</summary>
    public IReadOnlyList<string> Entries { get; }

    public bool IsEmpty => Entries.Count == 0;

    /// <summary>Parses the entries; throws <see cref="FormatException"/> naming the first that is not an address, network or port.</summary>
    public static FlowExclusion Parse(IEnumerable<string> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var list = entries.Where(static e => !string.IsNullOrWhiteSpace(e)).Select(static e => e.Trim()).ToList();
        var networks = new List<string>();
        var ports = new List<(byte? Protocol, ushort Port)>();
        foreach (string entry in list)
        {
            if (AddressSet.TryParsePrefix(entry, out AddressPrefix _)) networks.Add(entry);
            else if (TryParsePort(entry, out var port)) ports.Add(port);
            else
                throw new FormatException(
                    $"-Exclude entry '{entry}' is not an address (10.1.2.3), a network (10.0.0.0/8), a port (123) or a port with its protocol (53/udp).");
        }
        var anyProtocol = new List<ulong>();
        var withProtocol = new HashSet<(byte, ushort)>();
        foreach (var (protocol, port) in ports)
        {
            if (protocol is { } p) withProtocol.Add((p, port));
            else anyProtocol.Add(port);
        }
        return new FlowExclusion(AddressSet.Parse(networks), new NumberSet(anyProtocol), withProtocol, list);
    }

    /// <summary>True when the flow is allowlisted and the hunt must not count it.</summary>
    public bool Excludes(FlowRecord flow)
    {
        if (IsEmpty) return false;
        if (IsListed(flow.Protocol, flow.SrcPort) || IsListed(flow.Protocol, flow.DstPort)) return true;
        return !_addresses.IsEmpty && (_addresses.Contains(flow.Src) || _addresses.Contains(flow.Dst));
    }

    private bool IsListed(byte protocol, ushort port) =>
        _anyProtocolPorts.Contains(port) ||
        (_protocolPorts.Count > 0 && _protocolPorts.Contains((protocol, port)));

    private static bool TryParsePort(string entry, out (byte? Protocol, ushort Port) port)
    {
        port = default;
        int slash = entry.IndexOf('/');
        string number = slash < 0 ? entry : entry[..slash];
        if (!ushort.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out ushort value)) return false;
        if (slash < 0)
        {
            port = (null, value);
            return true;
        }
        if (!IpProtocolNames.TryParse(entry[(slash + 1)..], out byte protocol)) return false;
        port = (protocol, value);
        return true;
    }
}
