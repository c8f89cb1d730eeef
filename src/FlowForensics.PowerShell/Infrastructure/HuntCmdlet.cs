using System.Management.Automation;
using FlowForensics.Analysis.Hunting;
using FlowForensics.Flows;

namespace FlowForensics.PowerShell.Infrastructure;

/// <summary>
/// Base of the hunts (Find-Flow*): the flow input of <see cref="FlowAnalysisCmdlet"/> plus what every hunt shares:
/// <c>-Exclude</c>, the allowlist applied while the hunt reads (addresses, networks, ports, <c>port/protocol</c>);
/// <c>-MinimumScore</c>, one meaning and one default (<see cref="HuntOptions.DefaultMinimumScore"/>) on every hunt;
/// the hunt's option errors as terminating errors; its summary (-Verbose), its bound warnings and its findings, all
/// through the engine's <see cref="IHunt"/> contract. Each Find-* declares only its own parameters and makes its hunt.
/// </summary>
public abstract class HuntCmdlet : ExcludingAnalysisCmdlet
{
    private IHunt? _hunt;

    /// <summary>Findings scoring below this (0 to 1) are not written; the same meaning and the same default (0.5) on every hunt.</summary>
    [Parameter]
    [ValidateRange(0.0, 1.0)]
    [Alias("MinScore")]
    public double MinimumScore { get; set; } = HuntOptions.DefaultMinimumScore;

    /// <summary>The hunt with this cmdlet's parameters and <paramref name="minimumScore"/>; an <see cref="ArgumentException"/> becomes a terminating error.</summary>
    protected abstract IHunt CreateHunt(double minimumScore);

    /// <summary>The error id of an invalid option of this hunt.</summary>
    protected virtual string OptionErrorId => ErrorIds.HuntOptionInvalid;

    protected sealed override void BeginAnalysis()
    {
        try
        {
            _hunt = CreateHunt(MinimumScore);
        }
        catch (ArgumentException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, OptionErrorId, ErrorCategory.InvalidArgument, e.ParamName));
        }
    }

    protected sealed override void AddIncludedFlow(FlowRecord flow) => _hunt!.Add(flow);

    protected sealed override void EndAnalysis()
    {
        var hunt = _hunt!;
        var findings = hunt.GetFindings();
        WriteVerbose((ExcludedFlows > 0 ? $"{ExcludedFlows:N0} flows left out by -Exclude; " : "") + hunt.Summary);
        foreach (string bound in hunt.BoundsReached) WriteWarning(bound);
        foreach (var finding in findings)
        {
            ThrowIfStopping();
            WriteObject(finding);
        }
    }
}
