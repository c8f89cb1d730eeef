namespace FlowForensics.Query.Syntax;

/// <summary>Which address(es) of a flow an address primitive tests.</summary>
public enum AddressSelector
{
    /// <summary>No qualifier or <c>src or dst</c>: either end.</summary>
    SrcOrDst,
    Src,
    Dst,
    /// <summary><c>src and dst</c>: both ends (nfdump 1.7.1).</summary>
    SrcAndDst,
    /// <summary><c>next ip</c>: IP next hop.</summary>
    NextHop,
    /// <summary><c>bgp next ip</c>.</summary>
    BgpNextHop,
    /// <summary><c>router ip</c>: the exporter.</summary>
    Router,
}

internal static class AddressSelectorText
{
    public static string Of(AddressSelector s) => s switch
    {
        AddressSelector.Src => "src ",
        AddressSelector.Dst => "dst ",
        AddressSelector.SrcAndDst => "src and dst ",
        AddressSelector.NextHop => "next ",
        AddressSelector.BgpNextHop => "bgp next ",
        AddressSelector.Router => "router ",
        _ => string.Empty,
    };
}
