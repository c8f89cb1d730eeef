using System.Management.Automation;
using FlowForensics.Analysis.Hunting;
using FlowForensics.Flows;

namespace FlowForensics.PowerShell.Infrastructure;

/// <summary>
/// An analysis with <c>-Exclude</c>, the allowlist applied while it reads (addresses, networks, ports,
/// <c>port/protocol</c>), and the parsing of network lists such as <c>-InternalNetwork</c> with errors that name the
/// bad entry: the base of the hunts (<see cref="HuntCmdlet"/>) and of New-FlowBaseline.
/// </summary>
public abstract class ExcludingAnalysisCmdlet : FlowAnalysisCmdlet
{
    /// <summary>Allowlisted addresses, networks and ports (10.0.0.53, 10.8.0.0/16, 123, 53/udp): flows touching them are left out of the hunt.</summary>
    [Parameter]
    [ValidateNotNull]
    public string[] Exclude { get; set; } = [];

    /// <summary>-Exclude, parsed in BeginProcessing.</summary>
    protected FlowExclusion Exclusion { get; private set; } = FlowExclusion.None;

    /// <summary>Flows -Exclude left out so far.</summary>
    protected long ExcludedFlows { get; private set; }

    /// <summary>-Exclude is applied here; the other flows reach <see cref="AddIncludedFlow"/>.</summary>
    protected sealed override void AddFlow(FlowRecord flow)
    {
        if (Exclusion.Excludes(flow))
        {
            ExcludedFlows++;
            return;
        }
        AddIncludedFlow(flow);
    }

    /// <summary>One selected flow that -Exclude does not allowlist.</summary>
    protected abstract void AddIncludedFlow(FlowRecord flow);

    protected override void BeginProcessing()
    {
        try
        {
            Exclusion = FlowExclusion.Parse(Exclude);
        }
        catch (FormatException e)
        {
            ThrowTerminatingError(new ErrorRecord(new ArgumentException(e.Message, nameof(Exclude), e),
                ErrorIds.ExcludeInvalid, ErrorCategory.InvalidArgument, Exclude));
        }
        base.BeginProcessing();
    }

    /// <summary>Parses a list of networks given to <paramref name="parameterName"/>; null or empty gives <paramref name="fallback"/>.</summary>
    protected AddressSet ParseNetworks(string[]? networks, string parameterName, AddressSet fallback)
    {
        if (networks is null || networks.Length == 0) return fallback;
        try
        {
            return AddressSet.Parse(networks);
        }
        catch (FormatException e)
        {
            ThrowTerminatingError(new ErrorRecord(new ArgumentException($"-{parameterName}: {e.Message}", parameterName, e),
                ErrorIds.NetworkInvalid, ErrorCategory.InvalidArgument, networks));
            return fallback;
        }
    }
}
