using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using FlowForensics.Capture.Live;

namespace FlowForensics.PowerShell.Completers;

/// <summary>Tab completion for Convert-PcapToFlow -Interface: the interfaces libpcap can capture on.</summary>
public sealed class CaptureInterfaceCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(
        string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string prefix = (wordToComplete ?? string.Empty).Trim('\'', '"');
        IReadOnlyList<(string Name, string Description)> interfaces;
        try
        {
            interfaces = LiveCaptureSource.ListInterfaces();
        }
        catch (CaptureDeviceException)
        {
            yield break;   // no libpcap: nothing to offer
        }
        foreach (var (name, description) in interfaces)
        {
            if (!name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) continue;
            string text = name.IndexOfAny([' ', '{', '}', '\\']) >= 0 ? $"'{name}'" : name;
            yield return new CompletionResult(text, name, CompletionResultType.ParameterValue, string.IsNullOrEmpty(description) ? name : description);
        }
    }
}
