using System.Net;

namespace FlowForensics.Synthesis;

/// <summary>
/// The simulated network's fixed addresses. Internal: 10.20.0.0/16, one /24 per segment, servers in segment 0.
/// External: documentation and benchmark ranges only (198.18.0.0/15, 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24,
/// 2001:db8::/32), so no real public address ever appears in a generated capture.
/// </summary>
public static class ScenarioNetwork
{
    public const int HostsPerSegment = 200;
    public const int FirstHostOctet = 20;

    public static IPAddress Resolver { get; } = IPAddress.Parse("10.20.0.2");
    public static IPAddress DomainController { get; } = IPAddress.Parse("10.20.0.5");
    public static IPAddress FileServer { get; } = IPAddress.Parse("10.20.0.6");
    /// <summary>The IT admin workstation whose ordinary admin sessions (WinRM, RDP, SSH, SMB) are lateral-movement noise.</summary>
    public static IPAddress AdminWorkstation { get; } = IPAddress.Parse("10.20.0.7");
    public static IPAddress UpstreamResolver { get; } = IPAddress.Parse("192.0.2.53");
    public static IPAddress NtpServer { get; } = IPAddress.Parse("192.0.2.123");
    public static IPAddress UpdateServer { get; } = IPAddress.Parse("198.51.100.10");

    /// <summary>Number of /24 segments for a host count (at least two, so routed internal traffic exists).</summary>
    public static int Segments(int internalHosts) => Math.Max(2, (internalHosts + HostsPerSegment - 1) / HostsPerSegment);

    /// <summary>The address of workstation <paramref name="index"/> (0-based) in a network of <paramref name="internalHosts"/>.</summary>
    public static IPAddress InternalHost(int index, int internalHosts)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, internalHosts);
        int segments = Segments(internalHosts);
        return new IPAddress(new byte[] { 10, 20, (byte)(index % segments), (byte)(FirstHostOctet + index / segments) });
    }

    /// <summary>External server <paramref name="index"/> of the background pool, spread over 198.18.0.0/15.</summary>
    public static IPAddress ExternalServer(int index)
    {
        uint n = (uint)((ulong)(uint)index * 2654435761UL % (2 * 65536 - 1024));
        uint high = n / (254 * 256), rest = n % (254 * 256);
        return new IPAddress(new byte[] { 198, (byte)(18 + high), (byte)(rest / 254), (byte)(rest % 254 + 1) });
    }
}
