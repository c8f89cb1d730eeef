using FlowForensics.Flows;

namespace FlowForensics.Query.Syntax;

/// <summary>Which MAC fields <c>mac</c> tests.</summary>
[Flags]
public enum MacSelector
{
    None = 0,
    InSrc = 1,
    InDst = 2,
    OutSrc = 4,
    OutDst = 8,
    All = InSrc | InDst | OutSrc | OutDst,
}

/// <summary><c>[in|out] [src|dst] mac 00:11:22:33:44:55</c>: any selected MAC equals the address. An absent
/// MAC (all zero) never matches.</summary>
public sealed class MacNode(MacSelector selector, ulong mac, int offset, int length) : FilterNode(offset, length)
{
    public MacSelector Selector { get; } = selector;
    public ulong Mac { get; } = mac;

    public override string ToString() => "mac(" + Selector + ") " + Mac.ToString("x12", System.Globalization.CultureInfo.InvariantCulture);
}
