using FlowForensics.Flows;

namespace FlowForensics.Analysis.Baselines;

/// <summary>A service as a baseline keys it: protocol, service port and the host's role.</summary>
internal readonly record struct ServiceKey(byte Protocol, ushort Port, bool Server)
{
    public string Role => Server ? "Server" : "Client";

    public override string ToString() => Protocol is IpProtocolNames.Icmp or IpProtocolNames.Icmp6
        ? $"{IpProtocolNames.GetName(Protocol).ToLowerInvariant()} {Port >> 8}/{Port & 0xFF}"
        : $"{Port}/{IpProtocolNames.GetName(Protocol).ToLowerInvariant()}";
}

/// <summary>The keys a baseline and the anomaly hunt derive from a flow, in one place so both derive them alike.</summary>
internal static class BaselineKeys
{
    /// <summary>
    /// The service a flow belongs to, seen from one end: for TCP, UDP and SCTP the lower of the two ports is the
    /// service (a request and its reply give the same service, which unidirectional flows need); the end that owns it
    /// is the server. ICMP keeps nfdump's type/code port; the sender is the client. Other protocols have port 0.
    /// </summary>
    public static ServiceKey ServiceOf(FlowRecord flow, bool fromSource)
    {
        byte p = flow.Protocol;
        if (p is IpProtocolNames.Tcp or IpProtocolNames.Udp or 132)
        {
            bool sourceIsServer = flow.SrcPort < flow.DstPort;
            ushort port = sourceIsServer ? flow.SrcPort : flow.DstPort;
            return new ServiceKey(p, port, fromSource == sourceIsServer);
        }
        if (p is IpProtocolNames.Icmp or IpProtocolNames.Icmp6) return new ServiceKey(p, flow.DstPort, !fromSource);
        return new ServiceKey(p, 0, !fromSource);
    }

    /// <summary>The index of the interval a flow starts in (intervals counted from 0001-01-01).</summary>
    public static long IntervalOf(DateTime start, long intervalTicks) => start.Ticks / intervalTicks;

    public static DateTime IntervalStart(long interval, long intervalTicks) => new(interval * intervalTicks, DateTimeKind.Utc);
}
