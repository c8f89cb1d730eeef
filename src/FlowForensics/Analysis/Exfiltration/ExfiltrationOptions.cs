using FlowForensics.Analysis.Hunting;

namespace FlowForensics.Analysis.Exfiltration;

/// <summary>Settings of <see cref="ExfiltrationDetector"/>; the defaults are documented in docs/detections.md.</summary>
public sealed record ExfiltrationOptions : HuntOptions
{
    /// <summary>The inside: hosts whose outbound transfers are hunted. Peers outside it are "outbound".</summary>
    public AddressSet InternalNetwork { get; init; } = AddressSet.Private;

    /// <summary>One outbound flow of at least this many bytes is a large upload.</summary>
    public long LargeFlowBytes { get; init; } = 10_000_000;

    /// <summary>A host that sends at least this many bytes out in total is reported.</summary>
    public long HostBytes { get; init; } = 50_000_000;

    /// <summary>Outbound ports considered ordinary; uploads of <see cref="UnusualPortBytes"/> or more to other ports are reported.</summary>
    public IReadOnlySet<ushort> AllowedPorts { get; init; } = DefaultAllowedPorts;

    /// <summary>Bytes to one peer on a port outside <see cref="AllowedPorts"/> that make a finding.</summary>
    public long UnusualPortBytes { get; init; } = 1_000_000;

    /// <summary>The time slice of the producer-consumer ratio baseline (also the resolution of the off-hours check: keep it at most an hour).</summary>
    public TimeSpan RatioWindow { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Bytes out a slice needs before its ratio counts as a shift.</summary>
    public long RatioMinimumBytes { get; init; } = 5_000_000;

    /// <summary>Bytes out in the network's quiet hours that make an off-hours finding (needs 24 h of evidence).</summary>
    public long OffHoursBytes { get; init; } = 10_000_000;

    /// <summary>DNS queries a host must send before its volume is compared with its peers'.</summary>
    public int DnsMinimumQueries { get; init; } = 50;

    /// <summary>How many times the peers' median DNS query count a host must send to stand out.</summary>
    public double DnsPeerFactor { get; init; } = 10;

    /// <summary>A DNS query flow of at least this many IP bytes carries an unusually long name (≈ 90+ characters).</summary>
    public int DnsLongQueryBytes { get; init; } = 140;

    /// <summary>Mean IP bytes of a host's DNS answers above which it pulls data through DNS (TXT/NULL answers).</summary>
    public int DnsLargeAnswerBytes { get; init; } = 250;

    /// <summary>ICMP echo bytes a host must send before its packet sizes are judged.</summary>
    public long IcmpMinimumBytes { get; init; } = 10_000;

    /// <summary>Mean IP bytes per ICMP echo packet above which echo carries data (ordinary pings are 60–84 bytes).</summary>
    public int IcmpLargePacketBytes { get; init; } = 150;

    /// <summary>Inside hosts tracked at once; flows of further hosts are counted in <see cref="ExfiltrationDetector.HostsDropped"/>.</summary>
    public int MaxHosts { get; init; } = 250_000;

    /// <summary>Peers, unusual-port services and ratio slices kept per host.</summary>
    public int MaxEntriesPerHost { get; init; } = 256;

    /// <summary>20, 21, 22, 25, 53, 80, 110, 123, 143, 443, 465, 587, 853, 993, 995.</summary>
    public static IReadOnlySet<ushort> DefaultAllowedPorts { get; } =
        new HashSet<ushort> { 20, 21, 22, 25, 53, 80, 110, 123, 143, 443, 465, 587, 853, 993, 995 };

    internal void Validate()
    {
        ValidateCommon();
        ArgumentNullException.ThrowIfNull(InternalNetwork);
        ArgumentNullException.ThrowIfNull(AllowedPorts);
        ArgumentOutOfRangeException.ThrowIfLessThan(LargeFlowBytes, 1, nameof(LargeFlowBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(HostBytes, 1, nameof(HostBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(UnusualPortBytes, 1, nameof(UnusualPortBytes));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RatioWindow, TimeSpan.Zero, nameof(RatioWindow));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxHosts, 1, nameof(MaxHosts));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxEntriesPerHost, 1, nameof(MaxEntriesPerHost));
    }
}
