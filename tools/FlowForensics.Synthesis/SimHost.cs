using System.Net;

namespace FlowForensics.Synthesis;

/// <summary>One simulated host: its addresses, the MAC and VLAN its frames carry on the capture point.</summary>
internal sealed class SimHost
{
    public SimHost(IPAddress v4, IPAddress? v6, ulong mac, ushort vlan, bool isExternal, byte initialTtl)
    {
        Address = v4;
        V4 = v4.GetAddressBytes();
        V6Address = v6;
        V6 = v6?.GetAddressBytes();
        Mac = mac;
        Vlan = vlan;
        IsExternal = isExternal;
        InitialTtl = initialTtl;
    }

    public IPAddress Address { get; }
    public byte[] V4 { get; }
    public IPAddress? V6Address { get; }
    public byte[]? V6 { get; }
    /// <summary>48-bit MAC in the low bits; external hosts are seen behind the gateway's MAC.</summary>
    public ulong Mac { get; }
    /// <summary>802.1Q VLAN of the host's segment; 0 = untagged.</summary>
    public ushort Vlan { get; }
    public bool IsExternal { get; }
    public byte InitialTtl { get; }

    /// <summary>The TTL this host's packets carry when they reach the capture point (external: a few hops away).</summary>
    public byte TtlAtTap => IsExternal ? (byte)(InitialTtl - 9) : InitialTtl;

    public override string ToString() => Address.ToString();
}
