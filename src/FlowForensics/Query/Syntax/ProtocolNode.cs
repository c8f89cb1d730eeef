namespace FlowForensics.Query.Syntax;

/// <summary><c>proto tcp</c>, <c>proto 47</c>.</summary>
public sealed class ProtocolNode(byte protocol, int offset, int length) : FilterNode(offset, length)
{
    public byte Protocol { get; } = protocol;

    public override string ToString() => "proto " + Protocol.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
