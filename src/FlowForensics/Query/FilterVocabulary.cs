namespace FlowForensics.Query;

/// <summary>
/// The words of nfdump's filter language that <see cref="FilterParser"/> understands, with a one-line meaning each:
/// what tab completion offers for -Filter. A test parses each one, so the list cannot name a word the parser does not know.
/// Which words may come next is the parser's own judgement (<see cref="WordsAfter"/>), not a second grammar.
/// </summary>
public static class FilterVocabulary
{
    /// <summary>Keywords, qualifiers and operators, in the order completion lists them.</summary>
    public static IReadOnlyList<(string Word, string Meaning)> Words { get; } =
    [
        ("and", "both sides must match"),
        ("or", "either side matches"),
        ("not", "the following must not match"),
        ("src", "qualifier: the source end"),
        ("dst", "qualifier: the destination end"),
        ("in", "qualifier: input (interface, source/destination MAC)"),
        ("out", "qualifier: output (interface, source/destination MAC)"),
        ("prev", "qualifier: previous AS"),
        ("next", "qualifier: next hop / next AS"),
        ("router", "qualifier: the exporting router (router ip)"),
        ("bgp", "qualifier: BGP next hop (bgp next ip)"),
        ("any", "every flow"),
        ("ipv4", "IPv4 flows"),
        ("inet", "IPv4 flows"),
        ("ipv6", "IPv6 flows"),
        ("inet6", "IPv6 flows"),
        ("proto", "IP protocol by name or number: proto tcp, proto 47"),
        ("host", "an address at either or the qualified end"),
        ("ip", "an address at either or the qualified end"),
        ("net", "a network: net 10.0.0.0/8, net 10.0.0.0 255.0.0.0"),
        ("port", "a port or a comparison: port 443, port > 1023, port in [80 443]"),
        ("as", "an AS number"),
        ("vlan", "a VLAN id"),
        ("mask", "a network mask length"),
        ("if", "an interface index"),
        ("tos", "type of service"),
        ("flags", "TCP flags: flags S and not flags A"),
        ("icmp", "ICMP flows; icmp-type and icmp-code select by type and code"),
        ("icmp-type", "ICMP type"),
        ("icmp-code", "ICMP code"),
        ("packets", "packet count comparison: packets > 10"),
        ("bytes", "byte count comparison: bytes > 1000000"),
        ("flows", "aggregated flow count comparison"),
        ("duration", "duration in milliseconds: duration > 60000"),
        ("pps", "packets per second"),
        ("bps", "bits per second"),
        ("bpp", "bytes per packet"),
        ("mac", "a MAC address"),
        ("ttl", "TTL comparison (min ttl, max ttl)"),
        ("min", "with ttl: the lowest TTL"),
        ("max", "with ttl: the highest TTL"),
        ("fwdstat", "forwarding status"),
        ("flowdir", "flow direction: flowdir ingress"),
        ("engine-type", "exporter engine type"),
        ("engine-id", "exporter engine id"),
        ("engine", "exporter engine: engine type/id"),
        ("exporter", "exporter id or address"),
        ("first", "first seen time comparison"),
        ("last", "last seen time comparison"),
        ("tcp", "with proto: TCP"),
        ("udp", "with proto: UDP"),
        ("icmp6", "with proto: ICMPv6"),
        ("gre", "with proto: GRE"),
        ("esp", "with proto: ESP"),
        ("sctp", "with proto: SCTP"),
    ];

    /// <summary>
    /// The words starting with <paramref name="prefix"/> (any case) that may follow <paramref name="before"/> (filter
    /// text that ends where a word starts, e.g. <c>"src "</c> or <c>""</c>): those after which the parser accepts the
    /// filter or asks for more. After <c>"src "</c> that is host, ip, net, port ..., not src, and, any. When the
    /// parser already fails inside <paramref name="before"/>, nothing can be judged and every word with the prefix is
    /// returned.
    /// </summary>
    public static IReadOnlyList<(string Word, string Meaning)> WordsAfter(string before, string prefix)
    {
        var matching = new List<(string Word, string Meaning)>();
        foreach (var w in Words)
            if (w.Word.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) matching.Add(w);
        if (!IsPrefix(before)) return matching;
        return matching.FindAll(w => IsPrefix(before + w.Word));
    }

    /// <summary>True when <paramref name="text"/> is a filter or the start of one: the parser accepts it, or fails only
    /// at its end (wanting more), not inside it.</summary>
    public static bool IsPrefix(string text)
    {
        try
        {
            FilterParser.Parse(text);
            return true;
        }
        catch (FilterSyntaxException e)
        {
            return e.Offset >= text.TrimEnd().Length;
        }
    }
}
