using FlowForensics.Flows;

namespace FlowForensics.Analysis.LateralMovement;

/// <summary>
/// The known host graph a lateral-movement hunt compares with: who reached whom on which port during a baseline period.
/// <see cref="LateralMovementDetector"/> learns one itself from the flows before <see cref="LateralMovementOptions.LearnUntil"/>;
/// a saved baseline (New-FlowBaseline) can be plugged in through <see cref="LateralMovementOptions.KnownEdges"/>.
/// </summary>
public interface IKnownEdges
{
    /// <summary>True when <paramref name="source"/> connected to <paramref name="destination"/> on <paramref name="port"/> in the baseline.</summary>
    bool Contains(FlowAddress source, FlowAddress destination, ushort port);
}
