namespace FlowForensics.Query.Syntax;

/// <summary><c>ipv4</c>/<c>inet</c> or <c>ipv6</c>/<c>inet6</c>.</summary>
public sealed class IPVersionNode(byte version, int offset, int length) : FilterNode(offset, length)
{
    public byte Version { get; } = version;

    public override string ToString() => Version == 6 ? "ipv6" : "ipv4";
}
