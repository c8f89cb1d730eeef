using System.Globalization;
using FlowForensics.Flows;
using FlowForensics.Query.Syntax;

namespace FlowForensics.Query;

/// <summary>
/// Recursive-descent parser for nfdump's filter language (1.7.1 and 1.7.8 spellings). Precedence is
/// nfdump's: <c>not</c> binds tighter than <c>and</c>, which binds tighter than <c>or</c>; parentheses group.
/// Every error is a <see cref="FilterSyntaxException"/> with the column of the offending token.
/// </summary>
public sealed class FilterParser
{
    private enum Qualifier
    {
        None, Src, Dst, SrcOrDst, SrcAndDst, In, Out, InSrc, InDst, OutSrc, OutDst, Prev, Next, BgpNext, Router,
    }

    private static readonly HashSet<string> Unsupported = new(StringComparer.OrdinalIgnoreCase)
    {
        "payload", "geo", "tor", "nat", "tun", "asa", "acl", "mpls", "latency", "client", "server", "observation",
        "vrf", "ingress", "egress", "pf", "ethertype", "xip", "xport", "xnet", "nip", "nport", "ident", "count", "cnt",
        "nbar", "pblock", "event", "xevent", "sampler", "@include", "include", "label", "ja3", "ja4", "sni", "tls",
        "dns", "vrfid", "fwd",
    };

    private readonly string _text;
    private readonly List<FilterToken> _tokens;
    private int _pos;

    private FilterParser(string text)
    {
        _text = text;
        _tokens = FilterTokenizer.Tokenize(text);
    }

    /// <summary>Parses a filter; the empty filter (or only comments) is <see cref="AnyNode"/>.</summary>
    public static FilterNode Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parser = new FilterParser(text);
        if (parser.Peek.Kind == FilterTokenKind.End) return new AnyNode(0, 0);
        FilterNode root = parser.ParseOr(0);
        var end = parser.Peek;
        if (end.Kind == FilterTokenKind.RightParen)
            throw parser.Error(end, "unbalanced ')': no '(' is open here");
        if (end.Kind != FilterTokenKind.End)
            throw parser.Error(end, $"expected 'and', 'or' or the end of the filter but found {end}");
        return root;
    }

    private FilterToken Peek => _tokens[_pos];
    private FilterToken PeekAt(int ahead) => _tokens[Math.Min(_pos + ahead, _tokens.Count - 1)];
    private FilterToken Take() => _tokens[_pos < _tokens.Count - 1 ? _pos++ : _pos];

    private FilterSyntaxException Error(FilterToken at, string message) =>
        new(_text, at.Offset, at.Length, message);

    private bool IsOr(FilterToken t) => t.Kind == FilterTokenKind.OrOr || t.Is("or");
    private bool IsAnd(FilterToken t) => t.Kind == FilterTokenKind.AndAnd || t.Is("and");

    // ---- expressions -------------------------------------------------------------------------
    private FilterNode ParseOr(int depth)
    {
        var first = ParseAnd(depth);
        if (!IsOr(Peek)) return first;
        var operands = new List<FilterNode> { first };
        while (IsOr(Peek))
        {
            Take();
            operands.Add(ParseAnd(depth));
        }
        var last = operands[^1];
        return new OrNode(operands, first.Offset, last.Offset + last.Length - first.Offset);
    }

    private FilterNode ParseAnd(int depth)
    {
        var first = ParseUnary(depth);
        if (!IsAnd(Peek)) return first;
        var operands = new List<FilterNode> { first };
        while (IsAnd(Peek))
        {
            Take();
            operands.Add(ParseUnary(depth));
        }
        var last = operands[^1];
        return new AndNode(operands, first.Offset, last.Offset + last.Length - first.Offset);
    }

    private FilterNode ParseUnary(int depth)
    {
        var t = Peek;
        if (t.Kind == FilterTokenKind.Bang || t.Is("not"))
        {
            CheckDepth(t, depth);
            Take();
            var operand = ParseUnary(depth + 1);
            return new NotNode(operand, t.Offset, operand.Offset + operand.Length - t.Offset);
        }
        if (t.Kind == FilterTokenKind.LeftParen)
        {
            CheckDepth(t, depth);
            Take();
            if (Peek.Kind == FilterTokenKind.RightParen) throw Error(Peek, "empty parentheses: expected a filter expression");
            var inner = ParseOr(depth + 1);
            var close = Peek;
            if (close.Kind != FilterTokenKind.RightParen)
            {
                throw close.Kind == FilterTokenKind.End
                    ? Error(t, $"unbalanced '(': missing ')' for the '(' at column {t.Offset + 1}")
                    : Error(close, $"expected ')' to close the '(' at column {t.Offset + 1} but found {close}");
            }
            Take();
            return inner;
        }
        return ParseTerm();
    }

    private void CheckDepth(FilterToken at, int depth)
    {
        if (depth >= FilterLimits.MaxDepth)
            throw Error(at, $"the filter nests parentheses and 'not' more than {FilterLimits.MaxDepth} deep (FilterLimits.MaxDepth)");
    }

    // ---- primitives ---------------------------------------------------------------------------
    private FilterNode ParseTerm()
    {
        var t = Peek;
        if (t.Kind == FilterTokenKind.End) throw Error(t, "unexpected end of filter: expected a filter primitive such as 'host', 'port' or 'proto'");
        if (t.Kind == FilterTokenKind.RightParen) throw Error(t, "unbalanced ')': expected a filter primitive");
        if (t.Kind != FilterTokenKind.Word)
            throw Error(t, $"expected a filter primitive such as 'host', 'port' or 'proto' but found {t}");

        string k = t.Text.ToLowerInvariant();
        switch (k)
        {
            case "any": Take(); return new AnyNode(t.Offset, t.Length);
            case "ipv4": case "inet": Take(); return new IPVersionNode(4, t.Offset, t.Length);
            case "ipv6": case "inet6": Take(); return new IPVersionNode(6, t.Offset, t.Length);
            case "proto": return ParseProto();
            case "flags": return ParseFlags();
            case "icmp-type": Take(); return ParseIcmp(t, false);
            case "icmp-code": Take(); return ParseIcmp(t, true);
            case "icmp":
                {
                    Take();
                    var w = Peek;
                    if (w.Is("type")) { Take(); return ParseIcmp(t, false); }
                    if (w.Is("code")) { Take(); return ParseIcmp(t, true); }
                    throw Error(w, $"expected 'type' or 'code' after 'icmp' but found {w} (to select ICMP flows write 'proto icmp')");
                }
            case "duration": Take(); return Numeric(t, "duration", FlowFieldCatalog.Duration, ulong.MaxValue);
            case "pps": Take(); return Numeric(t, "pps", FlowFieldCatalog.Pps, ulong.MaxValue);
            case "bps": Take(); return Numeric(t, "bps", FlowFieldCatalog.Bps, ulong.MaxValue);
            case "bpp": Take(); return Numeric(t, "bpp", FlowFieldCatalog.Bpp, ulong.MaxValue);
            case "flows": Take(); return Numeric(t, "flows", FlowFieldCatalog.Flows, ulong.MaxValue);
            case "fwdstat": Take(); return Numeric(t, "fwdstat", FlowFieldCatalog.ForwardingStatus, 255);
            case "engine-type": Take(); return Numeric(t, "engine-type", FlowFieldCatalog.EngineType, 255);
            case "engine-id": Take(); return Numeric(t, "engine-id", FlowFieldCatalog.EngineId, 255);
            case "engine":
                {
                    Take();
                    var w = Peek;
                    if (w.Is("type")) { Take(); return Numeric(t, "engine-type", FlowFieldCatalog.EngineType, 255); }
                    if (w.Is("id")) { Take(); return Numeric(t, "engine-id", FlowFieldCatalog.EngineId, 255); }
                    throw Error(w, $"expected 'type' or 'id' after 'engine' but found {w}");
                }
            case "exporter":
                {
                    Take();
                    var w = Peek;
                    if (w.Is("id") || w.Is("sysid")) { Take(); return Numeric(t, "exporter id", FlowFieldCatalog.ExporterId, 65535); }
                    throw Error(w, $"expected 'id' or 'sysid' after 'exporter' but found {w}");
                }
            case "flowdir": return ParseFlowDir();
            case "first":
            case "last": return ParseSeen();
            case "ttl":
            case "min":
            case "max": return ParseTtl();
        }

        if (Unsupported.Contains(k)) throw NotSupported(t);

        int start = _pos;
        var q = ParseQualifier();
        var kw = Peek;
        if (kw.Kind != FilterTokenKind.Word)
            throw Error(kw, $"expected a primitive such as 'ip', 'net', 'port' after the qualifier but found {kw}");
        string prim = kw.Text.ToLowerInvariant();
        if (Unsupported.Contains(prim)) throw NotSupported(kw);
        Take();
        switch (prim)
        {
            case "ip":
            case "host": return ParseHost(t, q, kw);
            case "net": return ParseNet(t, q, kw);
            case "port": return ParsePortOrAs(t, q, kw, "port", FlowFieldCatalog.SrcPort, FlowFieldCatalog.DstPort, 65535);
            case "as":
                if (q == Qualifier.Prev) return FinishNumeric(t, "prev as", [FlowFieldCatalog.PrevAs], FieldCombination.Any, uint.MaxValue, allowList: true);
                if (q == Qualifier.Next) return FinishNumeric(t, "next as", [FlowFieldCatalog.NextAs], FieldCombination.Any, uint.MaxValue, allowList: true);
                return ParsePortOrAs(t, q, kw, "as", FlowFieldCatalog.SrcAs, FlowFieldCatalog.DstAs, uint.MaxValue);
            case "vlan": return ParsePortOrAs(t, q, kw, "vlan", FlowFieldCatalog.SrcVlan, FlowFieldCatalog.DstVlan, 65535);
            case "mask": return ParsePortOrAs(t, q, kw, "mask", FlowFieldCatalog.SrcMask, FlowFieldCatalog.DstMask, 128);
            case "if":
                return q switch
                {
                    Qualifier.None => FinishNumeric(t, "if", [FlowFieldCatalog.InputInterface, FlowFieldCatalog.OutputInterface], FieldCombination.Any, uint.MaxValue, false),
                    Qualifier.In => FinishNumeric(t, "in if", [FlowFieldCatalog.InputInterface], FieldCombination.Any, uint.MaxValue, false),
                    Qualifier.Out => FinishNumeric(t, "out if", [FlowFieldCatalog.OutputInterface], FieldCombination.Any, uint.MaxValue, false),
                    _ => throw BadQualifier(t, kw, "'in' or 'out'"),
                };
            case "tos":
                return q switch
                {
                    Qualifier.None or Qualifier.Src => FinishNumeric(t, q == Qualifier.None ? "tos" : "src tos", [FlowFieldCatalog.SrcTos], FieldCombination.Any, 255, false),
                    Qualifier.Dst => FinishNumeric(t, "dst tos", [FlowFieldCatalog.DstTos], FieldCombination.Any, 255, false),
                    _ => throw BadQualifier(t, kw, "'src' or 'dst'"),
                };
            case "packets":
            case "bytes":
                {
                    bool bytes = prim == "bytes";
                    return q switch
                    {
                        Qualifier.None or Qualifier.In => FinishNumeric(t, (q == Qualifier.In ? "in " : "") + prim, [bytes ? FlowFieldCatalog.Bytes : FlowFieldCatalog.Packets], FieldCombination.Any, ulong.MaxValue, false),
                        Qualifier.Out => FinishNumeric(t, "out " + prim, [bytes ? FlowFieldCatalog.OutBytes : FlowFieldCatalog.OutPackets], FieldCombination.Any, ulong.MaxValue, false),
                        _ => throw BadQualifier(t, kw, "'in' or 'out'"),
                    };
                }
            case "mac": return ParseMac(t, q, kw);
        }
        _pos = start;
        if (q != Qualifier.None)
            throw Error(kw, $"expected 'ip', 'net', 'port', 'as', 'if', 'vlan', 'mac', 'mask', 'tos', 'packets' or 'bytes' after the qualifier but found {kw}");
        throw Error(t, $"unknown filter keyword {t}: expected a primitive such as 'host', 'net', 'port', 'proto', 'flags', 'bytes'");
    }

    private FilterSyntaxException NotSupported(FilterToken t) =>
        Error(t, $"'{t.Text}' is valid nfdump syntax but is not supported by FlowForensics");

    private FilterSyntaxException BadQualifier(FilterToken start, FilterToken kw, string allowed) =>
        new(_text, start.Offset, kw.Offset + kw.Length - start.Offset, $"'{kw.Text}' takes only {allowed} as a qualifier");

    private Qualifier ParseQualifier()
    {
        var t = Peek;
        if (t.Is("src"))
        {
            Take();
            if ((Peek.Is("or") || Peek.Kind == FilterTokenKind.OrOr) && PeekAt(1).Is("dst")) { Take(); Take(); return Qualifier.SrcOrDst; }
            if ((Peek.Is("and") || Peek.Kind == FilterTokenKind.AndAnd) && PeekAt(1).Is("dst")) { Take(); Take(); return Qualifier.SrcAndDst; }
            return Qualifier.Src;
        }
        if (t.Is("dst")) { Take(); return Qualifier.Dst; }
        if (t.Is("in") || t.Is("out"))
        {
            bool inbound = t.Is("in");
            Take();
            if (Peek.Is("src")) { Take(); return inbound ? Qualifier.InSrc : Qualifier.OutSrc; }
            if (Peek.Is("dst")) { Take(); return inbound ? Qualifier.InDst : Qualifier.OutDst; }
            return inbound ? Qualifier.In : Qualifier.Out;
        }
        if (t.Is("prev")) { Take(); return Qualifier.Prev; }
        if (t.Is("next")) { Take(); return Qualifier.Next; }
        if (t.Is("router")) { Take(); return Qualifier.Router; }
        if (t.Is("bgp"))
        {
            Take();
            if (!Peek.Is("next")) throw Error(Peek, $"expected 'next' after 'bgp' but found {Peek}");
            Take();
            return Qualifier.BgpNext;
        }
        return Qualifier.None;
    }

    private static AddressSelector? EndpointSelector(Qualifier q) => q switch
    {
        Qualifier.None or Qualifier.SrcOrDst => AddressSelector.SrcOrDst,
        Qualifier.Src => AddressSelector.Src,
        Qualifier.Dst => AddressSelector.Dst,
        Qualifier.SrcAndDst => AddressSelector.SrcAndDst,
        _ => null,
    };

    private FilterNode ParseHost(FilterToken start, Qualifier q, FilterToken kw)
    {
        AddressSelector selector = q switch
        {
            Qualifier.Next => AddressSelector.NextHop,
            Qualifier.BgpNext => AddressSelector.BgpNextHop,
            Qualifier.Router => AddressSelector.Router,
            _ => EndpointSelector(q) ?? throw BadQualifier(start, kw, "'src', 'dst', 'src or dst', 'src and dst', 'next', 'bgp next' or 'router'"),
        };
        if (Peek.Is("in"))
        {
            Take();
            var entries = ParseList(AddressListEntry);
            return new AddressListNode(selector, entries, start.Offset, End() - start.Offset);
        }
        if (Peek.Is("tor")) throw NotSupported(Peek);
        var at = Peek;
        var address = ParseAddress(allowShortIPv4: false);
        if (Peek.Kind == FilterTokenKind.Slash)
            throw Error(Peek, $"'{kw.Text}' takes a single address; for a prefix write '{AddressSelectorText.Of(selector)}net {at.Text}/...'");
        return new HostNode(selector, AddressPrefix.FromCidr(address, address.IsIPv4 ? 32 : 128), start.Offset, End() - start.Offset);
    }

    private FilterNode ParseNet(FilterToken start, Qualifier q, FilterToken kw)
    {
        var selector = EndpointSelector(q) ?? throw BadQualifier(start, kw, "'src', 'dst', 'src or dst' or 'src and dst'");
        var at = Peek;
        bool slash = PeekAt(1).Kind == FilterTokenKind.Slash;
        var address = ParseAddress(allowShortIPv4: slash);
        AddressPrefix prefix;
        if (Peek.Kind == FilterTokenKind.Slash)
        {
            Take();
            prefix = AddressPrefix.FromCidr(address, ParsePrefixLength(address));
        }
        else if (address.IsIPv4 && Peek.Kind == FilterTokenKind.Word && TryParseIPv4(Peek.Text, false, out uint mask))
        {
            Take();
            prefix = AddressPrefix.FromIPv4Mask(address.IPv4Value & mask, mask);
        }
        else
        {
            throw Error(Peek, address.IsIPv4
                ? $"expected '/length' or a dotted mask after the network {at.Text} but found {Peek}"
                : $"expected '/length' after the network {at.Text} but found {Peek}");
        }
        return new NetNode(selector, prefix, start.Offset, End() - start.Offset);
    }

    private AddressPrefix AddressListEntry()
    {
        bool slash = PeekAt(1).Kind == FilterTokenKind.Slash;
        var address = ParseAddress(allowShortIPv4: slash);
        if (Peek.Kind != FilterTokenKind.Slash) return AddressPrefix.FromCidr(address, address.IsIPv4 ? 32 : 128);
        Take();
        return AddressPrefix.FromCidr(address, ParsePrefixLength(address));
    }

    private int ParsePrefixLength(FlowAddress address)
    {
        int max = address.IsIPv4 ? 32 : 128;
        return (int)ParseNumber((ulong)max, address.IsIPv4 ? "an IPv4 prefix length" : "an IPv6 prefix length");
    }

    private FlowAddress ParseAddress(bool allowShortIPv4)
    {
        var t = Peek;
        if (t.Kind is not (FilterTokenKind.Word or FilterTokenKind.QuotedString))
            throw Error(t, $"expected an IP address but found {t}");
        string text = t.Text;
        if (text.Contains(':', StringComparison.Ordinal))
        {
            if (FlowAddress.TryParse(text, out var v6) && v6.IsIPv6)
            {
                Take();
                return v6;
            }
            throw Error(t, $"'{text}' is not a valid IPv6 address");
        }
        if (TryParseIPv4(text, allowShortIPv4, out uint v4))
        {
            Take();
            return FlowAddress.FromIPv4(v4);
        }
        bool hasLetter = false;
        foreach (char c in text) hasLetter |= char.IsAsciiLetter(c);
        throw Error(t, hasLetter
            ? $"'{text}' is not an IP address (FlowForensics does not resolve host names)"
            : $"'{text}' is not a valid IPv4 address (expected four numbers 0-255 separated by dots)");
    }

    /// <summary>Dotted-quad IPv4; with <paramref name="allowShort"/> also nfdump 1.7.1's <c>172.16</c> (padded with zeros).</summary>
    internal static bool TryParseIPv4(string text, bool allowShort, out uint value)
    {
        value = 0;
        int parts = 0, i = 0;
        while (true)
        {
            int start = i, n = 0;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                n = n * 10 + (text[i] - '0');
                if (n > 255 || i - start >= 3) return false;
                i++;
            }
            if (i == start) return false;
            value = (value << 8) | (uint)n;
            parts++;
            if (i == text.Length) break;
            if (text[i] != '.' || parts == 4) return false;
            i++;
        }
        if (parts != 4 && !allowShort) return false;
        value <<= 8 * (4 - parts);
        return true;
    }

    private FilterNode ParsePortOrAs(FilterToken start, Qualifier q, FilterToken kw, string name, FlowField src, FlowField dst, ulong max)
    {
        return q switch
        {
            Qualifier.None or Qualifier.SrcOrDst => FinishNumeric(start, name, [src, dst], FieldCombination.Any, max, allowList: name != "mask"),
            Qualifier.SrcAndDst => FinishNumeric(start, "src and dst " + name, [src, dst], FieldCombination.All, max, allowList: name != "mask"),
            Qualifier.Src => FinishNumeric(start, "src " + name, [src], FieldCombination.Any, max, allowList: name != "mask"),
            Qualifier.Dst => FinishNumeric(start, "dst " + name, [dst], FieldCombination.Any, max, allowList: name != "mask"),
            _ => throw BadQualifier(start, kw, "'src', 'dst', 'src or dst' or 'src and dst'"),
        };
    }

    private FilterNode FinishNumeric(FilterToken start, string keyword, FlowField[] fields, FieldCombination combination, ulong max, bool allowList)
    {
        if (allowList && Peek.Is("in"))
        {
            Take();
            var values = ParseList(() => ParseNumber(max, "a " + keyword.Split(' ')[^1] + " number"));
            return new NumberListNode(keyword, fields, combination, values, start.Offset, End() - start.Offset);
        }
        var op = ParseComparator();
        ulong value = ParseNumber(max, "a " + keyword.Split(' ')[^1] + " number");
        return new FieldComparisonNode(keyword, fields, combination, op, value, start.Offset, End() - start.Offset);
    }

    private FilterNode Numeric(FilterToken start, string keyword, FlowField field, ulong max) =>
        FinishNumeric(start, keyword, [field], FieldCombination.Any, max, allowList: false);

    private int End()
    {
        var last = _tokens[Math.Max(0, _pos - 1)];
        return last.Offset + last.Length;
    }

    private List<T> ParseList<T>(Func<T> entry)
    {
        var open = Peek;
        if (open.Kind != FilterTokenKind.LeftBracket) throw Error(open, $"expected '[' to start the list but found {open}");
        Take();
        var items = new List<T>();
        while (true)
        {
            var t = Peek;
            if (t.Kind == FilterTokenKind.RightBracket)
            {
                if (items.Count == 0) throw Error(t, "empty list: expected at least one entry between '[' and ']'");
                Take();
                return items;
            }
            if (t.Kind == FilterTokenKind.End) throw Error(open, $"unterminated list: missing ']' for the '[' at column {open.Offset + 1}");
            if (t.Kind == FilterTokenKind.Comma)
            {
                if (items.Count == 0) throw Error(t, "expected a list entry before ','");
                Take();
                continue;
            }
            if (items.Count >= FilterLimits.MaxListEntries)
                throw Error(t, $"the list has more than {FilterLimits.MaxListEntries} entries (FilterLimits.MaxListEntries)");
            items.Add(entry());
        }
    }

    private ComparisonOperator ParseComparator()
    {
        var t = Peek;
        ComparisonOperator? op = null;
        if (t.Kind == FilterTokenKind.Comparator)
        {
            op = t.Text switch
            {
                ">" => ComparisonOperator.Greater,
                "<" => ComparisonOperator.Less,
                ">=" => ComparisonOperator.GreaterOrEqual,
                "<=" => ComparisonOperator.LessOrEqual,
                _ => ComparisonOperator.Equal,
            };
        }
        else if (t.Is("eq")) op = ComparisonOperator.Equal;
        else if (t.Is("gt")) op = ComparisonOperator.Greater;
        else if (t.Is("lt")) op = ComparisonOperator.Less;
        else if (t.Is("ge")) op = ComparisonOperator.GreaterOrEqual;
        else if (t.Is("le")) op = ComparisonOperator.LessOrEqual;
        if (op is null) return ComparisonOperator.Equal;
        Take();
        return op.Value;
    }

    private ulong ParseNumber(ulong max, string what)
    {
        var t = Peek;
        if (t.Kind != FilterTokenKind.Word)
            throw Error(t, $"expected {what} but found {t}");
        if (!TryParseNumber(t.Text, out ulong value, out bool overflow))
            throw Error(t, overflow ? $"the number '{t.Text}' is too large" : $"expected {what} but found {t}");
        if (value > max)
            throw Error(t, $"{t.Text} is out of range for {what} (0..{max.ToString(CultureInfo.InvariantCulture)})");
        Take();
        return value;
    }

    /// <summary>nfdump numbers: decimal, <c>0x</c> hex, or decimal with a k/M/G/T suffix (×1000 powers).</summary>
    internal static bool TryParseNumber(string text, out ulong value, out bool overflow)
    {
        value = 0;
        overflow = false;
        if (text.Length > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
        {
            if (!IsHex(text.AsSpan(2))) return false;
            if (text.Length > 18) { overflow = true; return false; }
            return ulong.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
        }
        ulong multiplier = 1;
        ReadOnlySpan<char> digits = text;
        switch (char.ToLowerInvariant(text[^1]))
        {
            case 'k': multiplier = 1_000UL; break;
            case 'm': multiplier = 1_000_000UL; break;
            case 'g': multiplier = 1_000_000_000UL; break;
            case 't': multiplier = 1_000_000_000_000UL; break;
        }
        if (multiplier != 1) digits = digits[..^1];
        if (digits.IsEmpty) return false;
        foreach (char c in digits)
            if (!char.IsAsciiDigit(c)) return false;
        if (!ulong.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out ulong n)) { overflow = true; return false; }
        if (n > ulong.MaxValue / multiplier) { overflow = true; return false; }
        value = n * multiplier;
        return true;
    }

    private static bool IsHex(ReadOnlySpan<char> s)
    {
        foreach (char c in s) if (!char.IsAsciiHexDigit(c)) return false;
        return true;
    }

    private FilterNode ParseProto()
    {
        var start = Take();
        var t = Peek;
        if (t.Kind is not (FilterTokenKind.Word or FilterTokenKind.QuotedString))
            throw Error(t, $"expected a protocol name or number after 'proto' but found {t}");
        if (char.IsAsciiDigit(t.Text[0]))
        {
            ulong n = ParseNumber(255, "a protocol number");
            return new ProtocolNode((byte)n, start.Offset, End() - start.Offset);
        }
        if (!IpProtocolNames.TryParse(t.Text, out byte p))
            throw Error(t, $"unknown protocol '{t.Text}' (use a name such as tcp, udp, icmp, icmp6, gre, esp, ah, sctp or a number 0-255)");
        Take();
        return new ProtocolNode(p, start.Offset, End() - start.Offset);
    }

    private FilterNode ParseFlags()
    {
        var start = Take();
        var t = Peek;
        if (t.Kind == FilterTokenKind.Comparator && t.Text == "=" && PeekAt(1).Kind == FilterTokenKind.Word && !char.IsAsciiDigit(PeekAt(1).Text[0]))
        {
            Take();
            var letters = Take();
            return new TcpFlagsNode(TcpFlagsMatch.Exactly, ComparisonOperator.Equal, ParseFlagLetters(letters), start.Offset, End() - start.Offset);
        }
        var op = ParseComparator();
        t = Peek;
        if (t.Kind == FilterTokenKind.Word && !char.IsAsciiDigit(t.Text[0]))
        {
            if (op != ComparisonOperator.Equal)
                throw Error(t, "flag letters take no comparator: write 'flags SA' (all set) or 'flags =SA' (exactly)");
            Take();
            return new TcpFlagsNode(TcpFlagsMatch.AllOf, ComparisonOperator.Equal, ParseFlagLetters(t), start.Offset, End() - start.Offset);
        }
        ulong value = ParseNumber(255, "a TCP flags value (0-255) or flag letters such as 'SA'");
        return new TcpFlagsNode(TcpFlagsMatch.Numeric, op, (byte)value, start.Offset, End() - start.Offset);
    }

    private byte ParseFlagLetters(FilterToken t)
    {
        int mask = 0;
        foreach (char c in t.Text)
        {
            mask |= char.ToUpperInvariant(c) switch
            {
                'F' => 0x01, 'S' => 0x02, 'R' => 0x04, 'P' => 0x08, 'A' => 0x10, 'U' => 0x20, 'E' => 0x40, 'C' => 0x80, 'X' => 0x3F,
                _ => throw Error(t, $"'{c}' is not a TCP flag letter (expected F S R P A U E C or X)"),
            };
        }
        return (byte)mask;
    }

    private FilterNode ParseIcmp(FilterToken start, bool code)
    {
        var op = ParseComparator();
        ulong v = ParseNumber(255, code ? "an ICMP code (0-255)" : "an ICMP type (0-255)");
        return new IcmpNode(code, op, (byte)v, start.Offset, End() - start.Offset);
    }

    private FilterNode ParseFlowDir()
    {
        var start = Take();
        var t = Peek;
        ulong v;
        if (t.Is("ingress")) { Take(); v = 0; }
        else if (t.Is("egress")) { Take(); v = 1; }
        else v = ParseNumber(1, "a flow direction (0, 1, ingress or egress)");
        return new FieldComparisonNode("flowdir", [FlowFieldCatalog.Direction], FieldCombination.Any, ComparisonOperator.Equal, v, start.Offset, End() - start.Offset);
    }

    private FilterNode ParseTtl()
    {
        var start = Take();
        FlowField[] fields = [FlowFieldCatalog.MinTtl, FlowFieldCatalog.MaxTtl];
        string keyword = "ttl";
        if (start.Is("min") || start.Is("max"))
        {
            if (!Peek.Is("ttl")) throw Error(Peek, $"expected 'ttl' after '{start.Text}' but found {Peek}");
            Take();
            bool min = start.Is("min");
            fields = [min ? FlowFieldCatalog.MinTtl : FlowFieldCatalog.MaxTtl];
            keyword = min ? "min ttl" : "max ttl";
        }
        else if (Peek.Is("equal"))
        {
            throw NotSupported(Peek);
        }
        return FinishNumeric(start, keyword, fields, FieldCombination.Any, 255, allowList: false);
    }

    private FilterNode ParseSeen()
    {
        var start = Take();
        if (!Peek.Is("seen")) throw Error(Peek, $"expected 'seen' after '{start.Text}' but found {Peek}");
        Take();
        var op = ParseComparator();
        var first = Peek;
        if (first.Kind is not (FilterTokenKind.Word or FilterTokenKind.QuotedString))
            throw Error(first, $"expected a time such as 2024-07-11T09:15:00 but found {first}");
        // The legacy form 2024/07/11.09:15 lexes as several adjacent tokens; join what touches.
        int endOffset = first.Offset + first.Length;
        Take();
        while (first.Kind == FilterTokenKind.Word && Peek.Offset == endOffset && Peek.Kind is FilterTokenKind.Word or FilterTokenKind.Slash)
        {
            endOffset = Peek.Offset + Peek.Length;
            Take();
        }
        string text = first.Kind == FilterTokenKind.QuotedString ? first.Text : _text[first.Offset..endOffset];
        if (!TryParseTime(text, out DateTime utc))
            throw new FilterSyntaxException(_text, first.Offset, endOffset - first.Offset,
                $"'{text}' is not a time: expected yyyy-MM-ddTHH:mm:ss.fff (trailing parts optional, UTC) or yyyy/MM/dd.HH:mm:ss");
        return new TimeNode(start.Is("last"), op, utc, start.Offset, End() - start.Offset);
    }

    private static readonly string[] TimeFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ss.fff", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH", "yyyy-MM-dd", "yyyy-MM", "yyyy",
        "yyyy/MM/dd.HH:mm:ss", "yyyy/MM/dd.HH:mm", "yyyy/MM/dd.HH", "yyyy/MM/dd", "yyyy/MM",
    ];

    internal static bool TryParseTime(string text, out DateTime utc) =>
        DateTime.TryParseExact(text, TimeFormats, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out utc);

    private FilterNode ParseMac(FilterToken start, Qualifier q, FilterToken kw)
    {
        MacSelector selector = q switch
        {
            Qualifier.None => MacSelector.All,
            Qualifier.Src => MacSelector.InSrc | MacSelector.OutSrc,
            Qualifier.Dst => MacSelector.InDst | MacSelector.OutDst,
            Qualifier.In => MacSelector.InSrc | MacSelector.InDst,
            Qualifier.Out => MacSelector.OutSrc | MacSelector.OutDst,
            Qualifier.InSrc => MacSelector.InSrc,
            Qualifier.InDst => MacSelector.InDst,
            Qualifier.OutSrc => MacSelector.OutSrc,
            Qualifier.OutDst => MacSelector.OutDst,
            _ => throw BadQualifier(start, kw, "'in', 'out', 'src', 'dst' and their combinations"),
        };
        var t = Peek;
        if (t.Kind is not (FilterTokenKind.Word or FilterTokenKind.QuotedString) || !TryParseMac(t.Text, out ulong mac))
            throw Error(t, $"expected a MAC address such as 00:11:22:33:44:55 but found {t}");
        Take();
        return new MacNode(selector, mac, start.Offset, End() - start.Offset);
    }

    internal static bool TryParseMac(string text, out ulong mac)
    {
        mac = 0;
        string[] parts = text.Split(':', '-');
        if (parts.Length != 6) return false;
        foreach (var p in parts)
        {
            if (p.Length is < 1 or > 2 || !byte.TryParse(p, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte b)) return false;
            mac = (mac << 8) | b;
        }
        return true;
    }
}
