namespace FlowForensics.Query.Syntax;

/// <summary><c>[src|dst|next|bgp next|router] ip|host A</c>.</summary>
public sealed class HostNode(AddressSelector selector, AddressPrefix address, int offset, int length) : FilterNode(offset, length)
{
    public AddressSelector Selector { get; } = selector;
    public AddressPrefix Address { get; } = address;

    public override string ToString() => AddressSelectorText.Of(Selector) + "ip " + Address;
}
