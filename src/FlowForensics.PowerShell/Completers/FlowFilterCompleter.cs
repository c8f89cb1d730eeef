using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using FlowForensics.Query;

namespace FlowForensics.PowerShell.Completers;

/// <summary>
/// Tab completion for -Filter: the word under the cursor is completed to a filter keyword, qualifier or protocol name
/// that may stand there (<see cref="FilterVocabulary.WordsAfter"/>: the parser judges what may follow the words
/// before it). A word that is already a whole keyword is also offered with each word that may follow it, so
/// <c>'src</c> offers <c>'src'</c>, <c>'src host'</c>, <c>'src net'</c>, <c>'src port'</c> ...; after <c>'src </c> only
/// what may follow src. The words before are kept, and each result is one quoted string.
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
        bool wholeKeyword = false;
        foreach (var (keyword, meaning) in FilterVocabulary.WordsAfter(before, word))
        {
            wholeKeyword |= string.Equals(keyword, word, StringComparison.OrdinalIgnoreCase);
            yield return Result(quote, before + keyword, keyword, meaning);
        }
        if (!wholeKeyword) yield break;
        string then = before + word + " ";
        foreach (var (next, meaning) in FilterVocabulary.WordsAfter(then, ""))
            yield return Result(quote, then + next, word + " " + next, meaning);
    }

    private static CompletionResult Result(char quote, string filter, string listItem, string meaning)
    {
        string completion = quote == '"' ? $"\"{filter.Replace("\"", "`\"", StringComparison.Ordinal)}\"" : $"'{filter.Replace("'", "''", StringComparison.Ordinal)}'";
        return new CompletionResult(completion, listItem, CompletionResultType.ParameterValue, meaning);
    }
}
