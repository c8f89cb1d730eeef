using FlowForensics.Analysis.Hunting;

namespace FlowForensics.Analysis.LateralMovement;

/// <summary>What <see cref="LateralMovementDetector"/> looks for and how much it may keep.</summary>
public sealed record LateralMovementOptions : HuntOptions
{
    /// <summary>SSH, RPC/DCOM/WMI, NetBIOS, SMB, Apple Remote Desktop, RDP, VNC, WinRM (MITRE ATT&amp;CK T1021, T1047).</summary>
    public static IReadOnlyList<ushort> DefaultPorts { get; } = [22, 135, 139, 445, 3283, 3389, 5900, 5985, 5986];

    /// <summary>The inside: only connections from an inside host to another inside host count.</summary>
    public AddressSet InternalNetwork { get; init; } = AddressSet.Private;

    /// <summary>The administration ports watched (TCP and UDP destination ports).</summary>
    public IReadOnlyList<ushort> Ports { get; init; } = DefaultPorts;

    /// <summary>Flows that start before this time form the known graph; only later connections can be new. Null: no learning period.</summary>
    public DateTime? LearnUntil { get; init; }

    /// <summary>A saved known graph (a baseline); an edge it contains is not new.</summary>
    public IKnownEdges? KnownEdges { get; init; }

    /// <summary>A hop B→C continues A→B when it is active no later than this after A→B.</summary>
    public TimeSpan ChainWindow { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Distinct hosts a source must newly reach within <see cref="FanOutWindow"/> to be reported as fanning out.</summary>
    public int FanOutThreshold { get; init; } = 5;

    public TimeSpan FanOutWindow { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// A destination port reached by at least this many inside hosts is a shared service (a file server's SMB, a domain
    /// controller's RPC): connections to it are ordinary and not reported.
    /// </summary>
    public int ServerThreshold { get; init; } = 10;

    /// <summary>TCP connections from one host to one admin service within <see cref="BruteForceWindow"/> that make a brute-force finding (password guessing).</summary>
    public int BruteForceThreshold { get; init; } = 10;

    /// <summary>The window of <see cref="BruteForceThreshold"/>: logins that many, this close together, are guessing, not work.</summary>
    public TimeSpan BruteForceWindow { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Hops in the longest chain followed.</summary>
    public int MaxChainLength { get; init; } = 8;

    /// <summary>(source, destination, port) edges kept; past it new edges are counted, not kept.</summary>
    public int MaxEdges { get; init; } = 500_000;

    public void Validate()
    {
        ValidateCommon();
        ArgumentNullException.ThrowIfNull(InternalNetwork, nameof(InternalNetwork));
        if (Ports is null || Ports.Count == 0) throw new ArgumentException("At least one port is needed.", nameof(Ports));
        if (ChainWindow <= TimeSpan.Zero) throw new ArgumentException("ChainWindow must be positive.", nameof(ChainWindow));
        if (FanOutWindow <= TimeSpan.Zero) throw new ArgumentException("FanOutWindow must be positive.", nameof(FanOutWindow));
        if (FanOutThreshold < 2) throw new ArgumentException("FanOutThreshold must be at least 2.", nameof(FanOutThreshold));
        if (ServerThreshold < 2) throw new ArgumentException("ServerThreshold must be at least 2.", nameof(ServerThreshold));
        if (BruteForceWindow <= TimeSpan.Zero) throw new ArgumentException("BruteForceWindow must be positive.", nameof(BruteForceWindow));
        if (BruteForceThreshold < 2) throw new ArgumentException("BruteForceThreshold must be at least 2.", nameof(BruteForceThreshold));
        if (MaxChainLength < 2) throw new ArgumentException("MaxChainLength must be at least 2.", nameof(MaxChainLength));
        if (MaxEdges < 16) throw new ArgumentException("MaxEdges must be at least 16.", nameof(MaxEdges));
    }
}
