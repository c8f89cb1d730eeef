namespace FlowForensics.Flows;

/// <summary>The exporter's flow direction (NetFlow v9 field 61), when it sends one.</summary>
public enum FlowDirection : byte
{
    Ingress = 0,
    Egress = 1,
    Unknown = 0xFF,
}
