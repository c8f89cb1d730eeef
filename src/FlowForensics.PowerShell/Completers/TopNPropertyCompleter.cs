using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using FlowForensics.Analysis.TopN;

namespace FlowForensics.PowerShell.Completers;

/// <summary>Tab completion for Measure-FlowTopN -Property: the supported property names.</summary>
public sealed class TopNPropertyCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(
        string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string prefix = (wordToComplete ?? string.Empty).Trim('\'', '"');
        foreach (string name in TopNProperty.SupportedNames)
        {
            if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                yield return new CompletionResult(name, name, CompletionResultType.ParameterValue, name);
        }
    }
}
