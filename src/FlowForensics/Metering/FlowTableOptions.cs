namespace FlowForensics.Metering;

/// <summary>
/// How packets become flows. Defaults are nfpcapd's: active timeout 300 s, inactive 60 s, expiry
/// checked on a 10-second sweep of packet time.
/// </summary>
public sealed record FlowTableOptions
{
    /// <summary>A flow older than this (since its first packet) is exported and a new one begins.</summary>
    public TimeSpan ActiveTimeout { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>A flow idle for longer than this is exported.</summary>
    public TimeSpan InactiveTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How often, in packet time, the table looks for expired flows (nfpcapd's EXPIREINTERVALL, 10 s), after the
    /// packet that moved the clock: a flow with a packet every 10 s is cut at 310 s, as nfpcapd cuts it. Debian's
    /// 1.7.1 was observed sweeping about every 12 whole seconds, so boundaries within one sweep of a timeout can
    /// differ from it (docs/metering.md, "Where we differ from nfpcapd").
    /// </summary>
    public TimeSpan SweepInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The bound on flows held at once; when full the least recently seen flow is exported early and counted.</summary>
    public int MaxActiveFlows { get; init; } = 1_000_000;

    /// <summary>How long fragments of a datagram whose first fragment has not arrived are held.</summary>
    public TimeSpan FragmentTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The bound on datagrams being tracked for fragments.</summary>
    public int MaxFragmentedDatagrams { get; init; } = 65_536;

    /// <summary>nfpcapd exports every DNS (UDP port 53) packet as its own flow; false keeps DNS flows like any UDP flow.</summary>
    public bool DnsPacketPerFlow { get; init; } = true;

    /// <summary>
    /// A TCP FIN or RST ends the flow at the next sweep (the rest of the close joins it; a new SYN on the same
    /// 5-tuple starts a new flow at once). False reproduces Debian's nfpcapd 1.7.1, which ends TCP flows only by
    /// timeouts, so a reused 5-tuple within the inactive timeout joins the old flow.
    /// </summary>
    public bool TcpFinRstEndsFlow { get; init; } = true;

    internal void Validate()
    {
        if (ActiveTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(ActiveTimeout), "must be positive");
        if (InactiveTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(InactiveTimeout), "must be positive");
        if (SweepInterval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(SweepInterval), "must be positive");
        if (MaxActiveFlows < 1) throw new ArgumentOutOfRangeException(nameof(MaxActiveFlows), "must be at least 1");
        if (MaxFragmentedDatagrams < 1) throw new ArgumentOutOfRangeException(nameof(MaxFragmentedDatagrams), "must be at least 1");
    }
}
