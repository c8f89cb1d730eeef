using FlowForensics.Analysis.Hunting;

namespace FlowForensics.Analysis.Baselines;

/// <summary>How a baseline is learned: the interval volumes are counted in, which hosts are profiled, how networks are cut.</summary>
public sealed record FlowBaselineOptions
{
    /// <summary>The interval volumes are counted in (one hour by default; at least one second, at most one day).</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromHours(1);

    /// <summary>The hosts profiled: every address of a flow inside these networks (RFC 1918 and fc00::/7 by default).</summary>
    public AddressSet InternalNetworks { get; init; } = AddressSet.Private;

    /// <summary>The IPv4 prefix length of the per-network profiles (/24 by default).</summary>
    public int NetworkPrefixLengthV4 { get; init; } = 24;

    /// <summary>The IPv6 prefix length of the per-network profiles (/64 by default).</summary>
    public int NetworkPrefixLengthV6 { get; init; } = 64;

    public BaselineLimits Limits { get; init; } = BaselineLimits.Default;

    internal void Validate()
    {
        if (Interval < TimeSpan.FromSeconds(1) || Interval > TimeSpan.FromDays(1) || Interval.Ticks % TimeSpan.TicksPerSecond != 0)
            throw new ArgumentOutOfRangeException(nameof(Interval), Interval, "The interval must be whole seconds, from one second to one day.");
        ArgumentOutOfRangeException.ThrowIfLessThan(NetworkPrefixLengthV4, 0, nameof(NetworkPrefixLengthV4));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(NetworkPrefixLengthV4, 32, nameof(NetworkPrefixLengthV4));
        ArgumentOutOfRangeException.ThrowIfLessThan(NetworkPrefixLengthV6, 0, nameof(NetworkPrefixLengthV6));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(NetworkPrefixLengthV6, 128, nameof(NetworkPrefixLengthV6));
        ArgumentNullException.ThrowIfNull(InternalNetworks, nameof(InternalNetworks));
        ArgumentNullException.ThrowIfNull(Limits, nameof(Limits));
        Limits.Validate();
    }
}
