using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using FlowForensics.Query;

namespace FlowForensics.PowerShell.Completers;

/// <summary>
/// Tab completion for -Filter: the word under the cursor is completed to a filter keyword, qualifier or protocol name
/// (<see cref="FilterVocabulary"/>); the words before it are kept, and the result is one quoted string.
/// </summary>
public sealed class FlowFilterCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(
        string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string text = wordToComplete ?? string.Empty;
        char quote = text.Length > 0 && text[0] is '\'' or '"' ? text[0] : '\'';
        text = text.Trim('\'', '"');
        int cut = text.LastIndexOfAny([' ', '\t', '(', ')', '!']) + 1;
        string before = text[..cut], word = text[cut..];
        foreach (var (keyword, meaning) in FilterVocabulary.Words)
        {
            if (!keyword.StartsWith(word, StringComparison.OrdinalIgnoreCase)) continue;
            string full = before + keyword;
            string completion = quote == '"' ? $"\"{full.Replace("\"", "`\"", StringComparison.Ordinal)}\"" : $"'{full.Replace("'", "''", StringComparison.Ordinal)}'";
            yield return new CompletionResult(completion, keyword, CompletionResultType.ParameterValue, meaning);
        }
    }
}
