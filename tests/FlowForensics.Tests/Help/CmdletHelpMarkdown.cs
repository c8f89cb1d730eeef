using System.Text;
using System.Text.RegularExpressions;

namespace FlowForensics.Tests.Help;

/// <summary>
/// One cmdlet's help as authored in docs/cmdlets/&lt;Name&gt;.md, in platyPS's markdown schema 2.0.0
/// (SYNOPSIS, SYNTAX, DESCRIPTION, EXAMPLES, PARAMETERS with yaml blocks, INPUTS, OUTPUTS, NOTES, RELATED LINKS).
/// </summary>
internal sealed partial class CmdletHelpMarkdown
{
    public required string Name { get; init; }
    public required string Synopsis { get; init; }
    public required string Description { get; init; }
    public required List<HelpExample> Examples { get; init; }
    public required List<HelpParameter> Parameters { get; init; }
    public required List<string> SyntaxSets { get; init; }
    public string? DefaultSet { get; init; }
    public required List<(string Type, string Description)> Inputs { get; init; }
    public required List<(string Type, string Description)> Outputs { get; init; }
    public required string Notes { get; init; }
    public required List<string> RelatedLinks { get; init; }

    /// <summary>The front matter's "online version": the page Get-Help -Online opens; empty when none.</summary>
    public required string OnlineVersion { get; init; }

    public static CmdletHelpMarkdown Parse(string path)
    {
        string text = File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal);
        var sections = SplitSections(text, "\n## ");
        string title = TitleRegex().Match(text).Groups[1].Value.Trim();
        string Section(string name) => sections.TryGetValue(name, out var s) ? s.Trim() : throw new InvalidDataException($"{path}: no '## {name}' section");

        var syntaxSets = new List<string>();
        string? defaultSet = null;
        foreach (Match m in SubHeadingRegex().Matches(Section("SYNTAX")))
        {
            string set = m.Groups[1].Value.Trim();
            if (set.EndsWith("(Default)", StringComparison.Ordinal))
            {
                set = set[..^"(Default)".Length].Trim();
                defaultSet = set;
            }
            syntaxSets.Add(set);
        }

        var examples = new List<HelpExample>();
        foreach (var (heading, body) in SplitSubsections(Section("EXAMPLES")))
        {
            var code = CodeRegex().Match(body);
            if (!code.Success) throw new InvalidDataException($"{path}: example '{heading}' has no code block");
            string remarks = body[(code.Index + code.Length)..].Trim();
            examples.Add(new HelpExample(heading, code.Groups[1].Value.TrimEnd('\n'), remarks));
        }

        var parameters = new List<HelpParameter>();
        foreach (var (heading, body) in SplitSubsections(Section("PARAMETERS")))
        {
            if (heading == "CommonParameters") continue;
            var yaml = YamlRegex().Match(body);
            if (!yaml.Success) throw new InvalidDataException($"{path}: parameter '{heading}' has no yaml block");
            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (string line in yaml.Groups[1].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                int colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0) fields[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }
            parameters.Add(new HelpParameter(
                heading.TrimStart('-'),
                body[..yaml.Index].Trim(),
                fields.GetValueOrDefault("Type", "SwitchParameter"),
                fields.GetValueOrDefault("Parameter Sets", "(All)").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
                fields.GetValueOrDefault("Aliases", string.Empty),
                string.Equals(fields.GetValueOrDefault("Required", "False"), "True", StringComparison.OrdinalIgnoreCase),
                fields.GetValueOrDefault("Position", "Named"),
                fields.GetValueOrDefault("Default value", "None"),
                fields.GetValueOrDefault("Accept pipeline input", "False"),
                string.Equals(fields.GetValueOrDefault("Accept wildcard characters", "False"), "True", StringComparison.OrdinalIgnoreCase)));
        }

        List<(string, string)> TypeList(string name) =>
            SplitSubsections(Section(name)).Select(t => (t.Heading, t.Body.Trim())).ToList();

        return new CmdletHelpMarkdown
        {
            Name = title,
            Synopsis = Section("SYNOPSIS"),
            Description = Section("DESCRIPTION"),
            Examples = examples,
            Parameters = parameters,
            SyntaxSets = syntaxSets,
            DefaultSet = defaultSet,
            Inputs = TypeList("INPUTS"),
            Outputs = TypeList("OUTPUTS"),
            Notes = sections.TryGetValue("NOTES", out var notes) ? notes.Trim() : string.Empty,
            RelatedLinks = LinkRegex().Matches(sections.GetValueOrDefault("RELATED LINKS", string.Empty))
                .Select(m => m.Groups[1].Value).ToList(),
            OnlineVersion = OnlineVersionRegex().Match(text) is { Success: true } online ? online.Groups[1].Value.Trim() : string.Empty,
        };
    }

    private static Dictionary<string, string> SplitSections(string text, string marker)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var parts = text.Split(marker);
        foreach (string part in parts.Skip(1))
        {
            int nl = part.IndexOf('\n', StringComparison.Ordinal);
            result[part[..nl].Trim()] = part[(nl + 1)..];
        }
        return result;
    }

    private static List<(string Heading, string Body)> SplitSubsections(string section)
    {
        var list = new List<(string, string)>();
        var parts = ("\n" + section).Split("\n### ");
        foreach (string part in parts.Skip(1))
        {
            int nl = part.IndexOf('\n', StringComparison.Ordinal);
            list.Add(nl < 0 ? (part.Trim(), string.Empty) : (part[..nl].Trim(), part[(nl + 1)..]));
        }
        return list;
    }

    /// <summary>
    /// Paragraphs of plain text (blank-line separated), for maml:para; the lines of a paragraph are joined. A line that
    /// starts a list item ("- ") starts a paragraph of its own, so a list stays a list: Get-Help prints each maml:para
    /// on its own lines.
    /// </summary>
    public static IEnumerable<string> Paragraphs(string text)
    {
        foreach (string block in text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var para = new List<string>();
            foreach (string line in block.Split('\n', StringSplitOptions.TrimEntries))
            {
                if (line.StartsWith("- ", StringComparison.Ordinal) && para.Count > 0)
                {
                    yield return string.Join(' ', para);
                    para.Clear();
                }
                para.Add(line);
            }
            yield return string.Join(' ', para);
        }
    }

    [GeneratedRegex(@"^# (.+)$", RegexOptions.Multiline)]
    private static partial Regex TitleRegex();

    [GeneratedRegex(@"^### (.+)$", RegexOptions.Multiline)]
    private static partial Regex SubHeadingRegex();

    [GeneratedRegex(@"```(?:powershell|PowerShell)?\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CodeRegex();

    [GeneratedRegex(@"```yaml\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex YamlRegex();

    [GeneratedRegex(@"\[([^\]]+)\]")]
    private static partial Regex LinkRegex();

    [GeneratedRegex(@"\A---\n(?:.*\n)*?online version:(.*)\n(?:.*\n)*?---\n")]
    private static partial Regex OnlineVersionRegex();
}

internal sealed record HelpExample(string Title, string Code, string Remarks);

internal sealed record HelpParameter(
    string Name, string Description, string Type, string[] Sets, string Aliases, bool Required,
    string Position, string DefaultValue, string PipelineInput, bool Wildcards)
{
    public bool InSet(string set) => Sets.Contains("(All)") || Sets.Contains(set);
}
