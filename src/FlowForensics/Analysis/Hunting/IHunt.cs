using FlowForensics.Flows;

namespace FlowForensics.Analysis.Hunting;

/// <summary>
/// A hunt: flows go in one at a time (<see cref="Add"/>), findings come out at the end (<see cref="GetFindings"/>), only
/// those scoring at least <see cref="HuntOptions.MinimumScore"/>. Find-* cmdlets and the report (Export-FlowReport) run
/// every hunt through this contract; a .NET program can too.
/// </summary>
public interface IHunt
{
    /// <summary>The hunt's name for people, e.g. "Beacons" (also the report's sheet name).</summary>
    string Title { get; }

    /// <summary>What the hunt looks for, in one line (said on the report's summary).</summary>
    string Description { get; }

    /// <summary>The type of its findings (an <see cref="IHuntFinding"/>).</summary>
    Type FindingType { get; }

    /// <summary>The settings the hunt runs with, the common ones included.</summary>
    HuntOptions Options { get; }

    /// <summary>Flow records added so far.</summary>
    long FlowCount { get; }

    /// <summary>One flow.</summary>
    void Add(FlowRecord flow);

    /// <summary>The findings scoring at least <see cref="HuntOptions.MinimumScore"/>, strongest first; call once, after the last flow.</summary>
    IReadOnlyList<IHuntFinding> GetFindings();

    /// <summary>What the hunt read and found, in one line (the cmdlets write it with -Verbose).</summary>
    string Summary { get; }

    /// <summary>Each bound the hunt reached and what it left out, one sentence each (the cmdlets write them as warnings); empty when none.</summary>
    IReadOnlyList<string> BoundsReached { get; }
}

/// <summary>A hunt whose findings are of type <typeparamref name="TFinding"/>.</summary>
public interface IHunt<out TFinding> : IHunt where TFinding : IHuntFinding
{
    /// <summary>The findings scoring at least <see cref="HuntOptions.MinimumScore"/>, strongest first.</summary>
    new IReadOnlyList<TFinding> GetFindings();
}
