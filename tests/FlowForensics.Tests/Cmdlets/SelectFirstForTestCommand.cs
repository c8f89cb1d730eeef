using System.Management.Automation;
using System.Reflection;

namespace FlowForensics.Tests.Cmdlets;

/// <summary>
/// Select-Object -First for the hosted engine, which lacks Microsoft.PowerShell.Utility: passes N objects on, then
/// stops the commands upstream the way Select-Object does (the engine's internal StopUpstreamCommandsException), so a test can check
/// that an upstream reader closes its files promptly.
/// </summary>
[Cmdlet("Select", "FirstForTest")]
public sealed class SelectFirstForTestCommand : PSCmdlet
{
    private int _seen;

    [Parameter(ValueFromPipeline = true)]
    public PSObject? InputObject { get; set; }

    [Parameter(Mandatory = true, Position = 0)]
    public int First { get; set; }

    protected override void ProcessRecord()
    {
        WriteObject(InputObject);
        if (++_seen >= First) throw StopUpstream(this);
    }

    /// <summary>The engine's internal StopUpstreamCommandsException (what Select-Object -First throws), made by reflection.</summary>
    private static Exception StopUpstream(Cmdlet requester)
    {
        Type type = typeof(PSCmdlet).Assembly.GetType("System.Management.Automation.StopUpstreamCommandsException", throwOnError: true)!;
        return (Exception)Activator.CreateInstance(type, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance, null, [requester], null)!;
    }
}
