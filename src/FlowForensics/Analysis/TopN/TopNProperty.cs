namespace FlowForensics.Analysis.TopN;

/// <summary>How a <see cref="TopNProperty"/> turns a record into keys.</summary>
public enum TopNPropertyKind
{
    /// <summary>One field of the record (SrcAddr, DstPort ...): one key per record.</summary>
    Single,

    /// <summary>Either end (Address, Port ...): the source-side and the destination-side value each count the record once, as nfdump's ip/port statistics.</summary>
    BothEnds,

    /// <summary>nfdump's <c>record</c>: protocol, addresses and ports together.</summary>
    Conversation,
}

/// <summary>
/// One term of <c>-Property</c>: a name such as <c>SrcAddr</c>, <c>Port</c>, <c>SrcNet/24</c> or <c>Conversation</c>
/// (nfdump's names are accepted too: <c>srcip</c>, <c>ip</c>, <c>dstport</c>, <c>proto</c>, <c>record</c> ...).
/// Network terms take the prefix length as <c>/N</c> (applied to IPv4 and IPv6 alike, clamped to 32 for IPv4)
/// or <c>/V4/V6</c> (e.g. <c>SrcNet/24/64</c>).
/// </summary>
public sealed class TopNProperty
{
    private static readonly (string Name, string[] Aliases, TopNPropertyKind Kind, TopNField Field, bool IsNet)[] Table =
    [
        ("SrcAddr", ["srcip", "sa"], TopNPropertyKind.Single, TopNField.SrcAddr, false),
        ("DstAddr", ["dstip", "da"], TopNPropertyKind.Single, TopNField.DstAddr, false),
        ("Address", ["ip", "addr"], TopNPropertyKind.BothEnds, TopNField.SrcAddr, false),
        ("SrcNet", ["srcnet"], TopNPropertyKind.Single, TopNField.SrcAddr, true),
        ("DstNet", ["dstnet"], TopNPropertyKind.Single, TopNField.DstAddr, true),
        ("Net", ["net"], TopNPropertyKind.BothEnds, TopNField.SrcAddr, true),
        ("SrcPort", ["sp"], TopNPropertyKind.Single, TopNField.SrcPort, false),
        ("DstPort", ["dp"], TopNPropertyKind.Single, TopNField.DstPort, false),
        ("Port", [], TopNPropertyKind.BothEnds, TopNField.SrcPort, false),
        ("Protocol", ["proto", "pr"], TopNPropertyKind.Single, TopNField.Protocol, false),
        ("SrcAs", [], TopNPropertyKind.Single, TopNField.SrcAs, false),
        ("DstAs", [], TopNPropertyKind.Single, TopNField.DstAs, false),
        ("As", [], TopNPropertyKind.BothEnds, TopNField.SrcAs, false),
        ("InputInterface", ["inif", "in"], TopNPropertyKind.Single, TopNField.InputInterface, false),
        ("OutputInterface", ["outif", "out"], TopNPropertyKind.Single, TopNField.OutputInterface, false),
        ("Interface", ["if"], TopNPropertyKind.BothEnds, TopNField.InputInterface, false),
        ("SrcTos", ["stos"], TopNPropertyKind.Single, TopNField.SrcTos, false),
        ("DstTos", ["dtos"], TopNPropertyKind.Single, TopNField.DstTos, false),
        ("Tos", [], TopNPropertyKind.BothEnds, TopNField.SrcTos, false),
        ("SrcVlan", ["svln"], TopNPropertyKind.Single, TopNField.SrcVlan, false),
        ("DstVlan", ["dvln"], TopNPropertyKind.Single, TopNField.DstVlan, false),
        ("Vlan", [], TopNPropertyKind.BothEnds, TopNField.SrcVlan, false),
        ("Conversation", ["record"], TopNPropertyKind.Conversation, TopNField.Protocol, false),
    ];

    private TopNProperty(string name, TopNPropertyKind kind, TopNField field, bool isNetwork, int prefixV4, int prefixV6)
    {
        Name = name;
        IsNetwork = isNetwork;
        Kind = kind;
        Field = field;
        PrefixLengthV4 = prefixV4;
        PrefixLengthV6 = prefixV6;
    }

    /// <summary>The canonical name, also the row's column (SrcAddr, Port, SrcNet ...).</summary>
    public string Name { get; }

    public TopNPropertyKind Kind { get; }

    /// <summary>The field (for both-ends terms, the source-side field; the other end is its partner).</summary>
    public TopNField Field { get; }

    /// <summary>Prefix kept of IPv4 addresses: 32 unless a network term.</summary>
    public int PrefixLengthV4 { get; }

    /// <summary>Prefix kept of IPv6 addresses: 128 unless a network term.</summary>
    public int PrefixLengthV6 { get; }

    /// <summary>True for SrcNet, DstNet and Net: addresses are masked to the prefix lengths.</summary>
    public bool IsNetwork { get; }

    /// <summary>The canonical names, for tab completion and help (network terms shown with a sample prefix).</summary>
    public static IReadOnlyList<string> SupportedNames { get; } = BuildNames();

    private static string[] BuildNames()
    {
        var names = new string[Table.Length];
        for (int i = 0; i < Table.Length; i++) names[i] = Table[i].IsNet ? Table[i].Name + "/24" : Table[i].Name;
        return names;
    }

    /// <summary>Parses one term; on failure returns false with a message naming the bad value and the supported set.</summary>
    public static bool TryParse(string text, out TopNProperty? property, out string? error)
    {
        property = null;
        error = null;
        string trimmed = (text ?? string.Empty).Trim();
        string head = trimmed;
        string? prefixText = null;
        int slash = trimmed.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            head = trimmed[..slash];
            prefixText = trimmed[(slash + 1)..];
        }
        foreach (var row in Table)
        {
            if (!string.Equals(row.Name, head, StringComparison.OrdinalIgnoreCase) &&
                Array.FindIndex(row.Aliases, a => string.Equals(a, head, StringComparison.OrdinalIgnoreCase)) < 0)
                continue;
            int v4 = 32, v6 = 128;
            if (row.IsNet)
            {
                if (prefixText is null || !TryParsePrefixes(prefixText, out v4, out v6))
                {
                    error = $"'{text}': a network property needs a prefix length, e.g. {row.Name}/24 or {row.Name}/24/64 (IPv4/IPv6).";
                    return false;
                }
            }
            else if (prefixText is not null)
            {
                error = $"'{text}': only SrcNet, DstNet and Net take a prefix length.";
                return false;
            }
            property = new TopNProperty(row.Name, row.Kind, row.Field, row.IsNet, v4, v6);
            return true;
        }
        error = $"'{text}' is not a supported property. Supported: {string.Join(", ", SupportedNames)}.";
        return false;
    }

    private static bool TryParsePrefixes(string text, out int v4, out int v6)
    {
        v4 = 32;
        v6 = 128;
        var ci = System.Globalization.CultureInfo.InvariantCulture;
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            if (!int.TryParse(text, System.Globalization.NumberStyles.None, ci, out int n) || n > 128) return false;
            v4 = Math.Min(n, 32);
            v6 = n;
            return true;
        }
        return int.TryParse(text.AsSpan(0, slash), System.Globalization.NumberStyles.None, ci, out v4) && v4 <= 32 &&
               int.TryParse(text.AsSpan(slash + 1), System.Globalization.NumberStyles.None, ci, out v6) && v6 <= 128;
    }

    /// <summary>The partner field at the other end of a record.</summary>
    public static TopNField OtherEnd(TopNField field) => field switch
    {
        TopNField.SrcAddr => TopNField.DstAddr,
        TopNField.DstAddr => TopNField.SrcAddr,
        TopNField.SrcPort => TopNField.DstPort,
        TopNField.DstPort => TopNField.SrcPort,
        TopNField.SrcAs => TopNField.DstAs,
        TopNField.DstAs => TopNField.SrcAs,
        TopNField.InputInterface => TopNField.OutputInterface,
        TopNField.OutputInterface => TopNField.InputInterface,
        TopNField.SrcTos => TopNField.DstTos,
        TopNField.DstTos => TopNField.SrcTos,
        TopNField.SrcVlan => TopNField.DstVlan,
        TopNField.DstVlan => TopNField.SrcVlan,
        _ => field,
    };

    public override string ToString() =>
        !IsNetwork ? Name : PrefixLengthV4 == Math.Min(PrefixLengthV6, 32) ? $"{Name}/{PrefixLengthV6}" : $"{Name}/{PrefixLengthV4}/{PrefixLengthV6}";
}
