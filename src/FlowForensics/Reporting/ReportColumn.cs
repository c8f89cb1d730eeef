using System.Net;

namespace FlowForensics.Reporting;

/// <summary>How a column's cells are written and shown in the workbook.</summary>
public enum ReportColumnKind
{
    /// <summary>Text (strings, addresses, enums); text that a spreadsheet would read as a formula is neutralised.</summary>
    Text,

    /// <summary>A whole number shown as it is (ports, protocol numbers, ranks, AS numbers).</summary>
    Integer,

    /// <summary>A whole number with thousands separators (bytes, packets, flows, counts).</summary>
    Count,

    /// <summary>A number with two decimals and thousands separators.</summary>
    Decimal,

    /// <summary>A percentage: the object holds 0–100, the cell holds the fraction and shows <c>0.00%</c>.</summary>
    Percent,

    /// <summary>A date and time (UTC), shown <c>yyyy-mm-dd hh:mm:ss</c>.</summary>
    DateTime,

    /// <summary>A duration, shown <c>[h]:mm:ss</c> (hours past 24 keep counting).</summary>
    TimeSpan,

    /// <summary>TRUE or FALSE.</summary>
    Boolean,
}

/// <summary>One column of a <see cref="ReportTable"/>: its header and how its cells are written.</summary>
public sealed record ReportColumn(string Name, ReportColumnKind Kind)
{
    /// <summary>Width (characters) past which a text column wraps; null for the writer's default (<see cref="ExcelWorkbookWriter.WrapWidth"/>).</summary>
    public double? WrapAt { get; init; }

    /// <summary>Words in a whole-number column's name that call for thousands separators.</summary>
    private static readonly string[] CountWords = ["Bytes", "Packets", "Flows", "Count", "Records", "Length", "Pps", "Bps", "Bpp", "Distinct", "Total"];

    /// <summary>
    /// The kind for a property of <paramref name="type"/> named <paramref name="name"/>: integers named like a
    /// quantity (Bytes, Packets, Flows, …Count …) get thousands separators, doubles named …Percent are percentages.
    /// Types that are not flat are written as their text.
    /// </summary>
    public static ReportColumnKind KindOf(string name, Type type)
    {
        Type t = Nullable.GetUnderlyingType(type) ?? type;
        if (t == typeof(string) || t.IsEnum || t == typeof(IPAddress) || t == typeof(char) || t == typeof(Guid)) return ReportColumnKind.Text;
        if (t == typeof(bool)) return ReportColumnKind.Boolean;
        if (t == typeof(DateTime) || t == typeof(DateTimeOffset)) return ReportColumnKind.DateTime;
        if (t == typeof(TimeSpan)) return ReportColumnKind.TimeSpan;
        if (t == typeof(double) || t == typeof(float) || t == typeof(decimal))
            return name.EndsWith("Percent", StringComparison.Ordinal) ? ReportColumnKind.Percent : ReportColumnKind.Decimal;
        if (IsInteger(t))
        {
            foreach (string word in CountWords)
            {
                if (name.Contains(word, StringComparison.Ordinal)) return ReportColumnKind.Count;
            }
            return ReportColumnKind.Integer;
        }
        return ReportColumnKind.Text;
    }

    internal static bool IsInteger(Type t) =>
        t == typeof(byte) || t == typeof(sbyte) || t == typeof(short) || t == typeof(ushort) || t == typeof(int) ||
        t == typeof(uint) || t == typeof(long) || t == typeof(ulong);

    /// <summary>
    /// A property value as the cell will hold it: null, string, long, ulong, double, decimal, bool, DateTime or TimeSpan.
    /// Values that do not fit <paramref name="kind"/> are written as their text.
    /// </summary>
    public static object? Normalize(object? value, ReportColumnKind kind)
    {
        switch (value)
        {
            case null:
                return null;
            case string s:
                return s;
            case bool b:
                return kind == ReportColumnKind.Boolean ? b : b.ToString();
            case DateTime d:
                return kind == ReportColumnKind.DateTime ? d : d.ToString("o", System.Globalization.CultureInfo.InvariantCulture);
            case DateTimeOffset o:
                return kind == ReportColumnKind.DateTime ? o.UtcDateTime : o.ToString("o", System.Globalization.CultureInfo.InvariantCulture);
            case TimeSpan ts:
                return kind == ReportColumnKind.TimeSpan ? ts : ts.ToString();
            case ulong u:
                return kind is ReportColumnKind.Integer or ReportColumnKind.Count ? u : u.ToString(System.Globalization.CultureInfo.InvariantCulture);
            case double or float or decimal:
                return kind is ReportColumnKind.Decimal or ReportColumnKind.Percent or ReportColumnKind.Integer or ReportColumnKind.Count
                    ? Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture)
                    : Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture);
            case Enum e:
                return e.ToString();
        }
        if (IsInteger(value.GetType()))
        {
            long l = Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
            return kind is ReportColumnKind.Integer or ReportColumnKind.Count or ReportColumnKind.Decimal ? l : l.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        return Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>
/// The header a person reads over a column: a property name split into words (<c>BytesOutPerConnection</c> →
/// "Bytes out per connection"), flow abbreviations spelled out (<c>SrcAddr</c> → "Source address") and acronyms kept
/// (<c>Sha256</c> → "SHA-256"). The property names stay the names in scripts (Export-Csv, ConvertTo-Json);
/// docs/reporting.md lists both.
/// </summary>
public static class ReportHeaders
{
    private static readonly Dictionary<string, string> Whole = new(StringComparer.Ordinal)
    {
        ["Sha256"] = "SHA-256", ["MitreTechnique"] = "ATT&CK technique", ["Pps"] = "Packets/s", ["Bps"] = "Bits/s", ["Bpp"] = "Bytes/packet",
        ["Tos"] = "ToS", ["SrcTos"] = "Source ToS", ["DstTos"] = "Destination ToS", ["LeftOut"] = "Left out",
        ["Ident"] = "Ident", ["Item"] = "Item", ["Value"] = "Value",
    };

    private static readonly Dictionary<string, string> Words = new(StringComparer.Ordinal)
    {
        ["Src"] = "source", ["Dst"] = "destination", ["Addr"] = "address", ["Addrs"] = "addresses", ["Percent"] = "%", ["Pct"] = "%",
        ["Tos"] = "ToS", ["Vlan"] = "VLAN", ["As"] = "AS", ["Ip"] = "IP", ["Tcp"] = "TCP", ["Udp"] = "UDP", ["Icmp"] = "ICMP", ["Dns"] = "DNS",
        ["Mac"] = "MAC", ["Mpls"] = "MPLS", ["Nat"] = "NAT", ["Url"] = "URL", ["Id"] = "ID", ["Ids"] = "IDs", ["Pps"] = "packets/s",
        ["Bps"] = "bits/s", ["Bpp"] = "bytes/packet", ["Sha256"] = "SHA-256", ["Ttl"] = "TTL", ["Ipv4"] = "IPv4", ["Ipv6"] = "IPv6",
    };

    /// <summary>The header for a column named <paramref name="name"/>.</summary>
    public static string Friendly(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (Whole.TryGetValue(name, out string? whole)) return whole;
        var words = new List<string>();
        int i = 0;
        while (i < name.Length)
        {
            int start = i;
            if (char.IsUpper(name[i]))
            {
                // an acronym run (DNSQueries → DNS, Queries) or a capitalised word
                int upper = i;
                while (upper < name.Length && char.IsUpper(name[upper])) upper++;
                if (upper - i > 1)
                    i = upper < name.Length && char.IsLower(name[upper]) ? upper - 1 : upper;
                else
                    for (i++; i < name.Length && (char.IsLower(name[i]) || char.IsDigit(name[i])); i++) { }
            }
            else if (char.IsDigit(name[i]))
                for (i++; i < name.Length && char.IsDigit(name[i]); i++) { }
            else if (char.IsLetter(name[i]))
                for (i++; i < name.Length && (char.IsLower(name[i]) || char.IsDigit(name[i])); i++) { }
            else
            {
                i++;
                if (name[start] is '_' or ' ' or '-') continue;
            }
            words.Add(name[start..i]);
        }
        if (words.Count == 0) return name;
        var text = new List<string>(words.Count);
        foreach (string w in words)
        {
            if (Words.TryGetValue(w, out string? spelled)) text.Add(spelled);
            else if (w.Length > 1 && w.All(char.IsUpper)) text.Add(w);
            else if (w.All(char.IsDigit) && text.Count > 0)
            {
                text[^1] += w;   // a number after an acronym stays with it: ASN2 → "ASN2"
                continue;
            }
            else text.Add(w.ToLowerInvariant());
        }
        string first = text[0];
        if (first.Length > 0 && char.IsLower(first[0])) text[0] = char.ToUpperInvariant(first[0]) + first[1..];
        return string.Join(' ', text);
    }
}
