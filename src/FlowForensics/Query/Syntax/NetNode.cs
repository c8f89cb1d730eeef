namespace FlowForensics.Query.Syntax;

/// <summary><c>[src|dst] net A/len</c> or <c>net A M</c> (dotted IPv4 mask).</summary>
public sealed class NetNode(AddressSelector selector, AddressPrefix network, int offset, int length) : FilterNode(offset, length)
{
    public AddressSelector Selector { get; } = selector;
    public AddressPrefix Network { get; } = network;

    public override string ToString() => AddressSelectorText.Of(Selector) + "net " + Network;
}
