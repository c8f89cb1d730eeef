namespace FlowForensics.Query.Syntax;

/// <summary><c>[src|dst] ip in [ A B/len ... ]</c>: addresses and CIDRs, IPv4 and IPv6 mixed.</summary>
public sealed class AddressListNode(AddressSelector selector, IReadOnlyList<AddressPrefix> entries, int offset, int length) : FilterNode(offset, length)
{
    public AddressSelector Selector { get; } = selector;
    public IReadOnlyList<AddressPrefix> Entries { get; } = entries;

    public override string ToString() => AddressSelectorText.Of(Selector) + "ip in [" + string.Join(' ', Entries) + "]";
}
