namespace FlowForensics.Flows;

/// <summary>IP protocol numbers to the short names nfdump prints (and accepts in <c>proto NAME</c>).</summary>
public static class IpProtocolNames
{
    public const byte Icmp = 1;
    public const byte Igmp = 2;
    public const byte IPv4InIP = 4;
    public const byte Tcp = 6;
    public const byte Udp = 17;
    public const byte IPv6InIP = 41;
    public const byte Rsvp = 46;
    public const byte Gre = 47;
    public const byte Esp = 50;
    public const byte Ah = 51;
    public const byte Icmp6 = 58;
    public const byte Eigrp = 88;
    public const byte Ospf = 89;
    public const byte Pim = 103;
    public const byte Vrrp = 112;
    public const byte L2tp = 115;
    public const byte Sctp = 132;

    private static readonly string[] Names = Build();
    private static readonly Dictionary<string, byte> ByName = BuildLookup();

    private static string[] Build()
    {
        var names = new string[256];
        for (int i = 0; i < names.Length; i++) names[i] = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        names[0] = "HOPOPT"; names[Icmp] = "ICMP"; names[Igmp] = "IGMP"; names[3] = "GGP"; names[IPv4InIP] = "IPIP";
        names[Tcp] = "TCP"; names[8] = "EGP"; names[9] = "IGP"; names[Udp] = "UDP"; names[IPv6InIP] = "IPv6";
        names[43] = "IPv6-Route"; names[44] = "IPv6-Frag"; names[Rsvp] = "RSVP"; names[Gre] = "GRE";
        names[Esp] = "ESP"; names[Ah] = "AH"; names[Icmp6] = "ICMP6"; names[59] = "IPv6-NoNxt"; names[60] = "IPv6-Opts";
        names[Eigrp] = "EIGRP"; names[Ospf] = "OSPF"; names[94] = "IPIP"; names[Pim] = "PIM"; names[Vrrp] = "VRRP";
        names[L2tp] = "L2TP"; names[Sctp] = "SCTP"; names[136] = "UDPLite"; names[137] = "MPLS-in-IP";
        return names;
    }

    private static Dictionary<string, byte> BuildLookup()
    {
        var map = new Dictionary<string, byte>(StringComparer.OrdinalIgnoreCase);
        for (int i = 255; i >= 0; i--)
        {
            if (!char.IsDigit(Names[i][0])) map[Names[i]] = (byte)i;
        }
        map["ipv6-icmp"] = Icmp6;
        map["icmpv6"] = Icmp6;
        map["ipinip"] = IPv4InIP;
        return map;
    }

    /// <summary>The name nfdump prints for the protocol (its number when it has none). No allocation.</summary>
    public static string GetName(byte protocol) => Names[protocol];

    /// <summary>Looks a protocol up by name (case-insensitive) or by number text.</summary>
    public static bool TryParse(string text, out byte protocol)
    {
        if (ByName.TryGetValue(text, out protocol)) return true;
        return byte.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out protocol);
    }
}
