using System.Xml.Linq;

namespace FlowForensics.Tests.Help;

/// <summary>
/// Writes MAML (what Get-Help reads for a compiled cmdlet) from the authored markdown, in the shape
/// platyPS's New-ExternalHelp produces, so `build.ps1` with platyPS and this writer agree.
/// </summary>
internal static class MamlWriter
{
    private static readonly XNamespace Msh = "http://msh";
    private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Cmd = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    public static string Write(IEnumerable<CmdletHelpMarkdown> cmdlets)
    {
        var root = new XElement(Msh + "helpItems", new XAttribute("schema", "maml"));
        foreach (var c in cmdlets.OrderBy(c => c.Name, StringComparer.Ordinal))
            root.Add(CommandElement(c));
        var doc = new XDocument(new XDeclaration("1.0", "utf-8", null), root);
        return doc.Declaration + "\n" + doc.Root!.ToString() + "\n";
    }

    private static XElement CommandElement(CmdletHelpMarkdown c)
    {
        string[] verbNoun = c.Name.Split('-', 2);
        var element = new XElement(Cmd + "command",
            new XAttribute(XNamespace.Xmlns + "maml", Maml),
            new XAttribute(XNamespace.Xmlns + "command", Cmd),
            new XAttribute(XNamespace.Xmlns + "dev", Dev),
            new XElement(Cmd + "details",
                new XElement(Cmd + "name", c.Name),
                new XElement(Cmd + "verb", verbNoun[0]),
                new XElement(Cmd + "noun", verbNoun[1]),
                Description(c.Synopsis)),
            Description(c.Description),
            new XElement(Cmd + "syntax", c.SyntaxSets.Select(set =>
                new XElement(Cmd + "syntaxItem",
                    new XElement(Maml + "name", c.Name),
                    c.Parameters.Where(p => p.InSet(set)).Select(Parameter)))),
            new XElement(Cmd + "parameters", c.Parameters.Select(Parameter)),
            new XElement(Cmd + "inputTypes", c.Inputs.Select(i =>
                new XElement(Cmd + "inputType", TypeElement(i.Type), Description(i.Description)))),
            new XElement(Cmd + "returnValues", c.Outputs.Select(o =>
                new XElement(Cmd + "returnValue", TypeElement(o.Type), Description(o.Description)))));
        if (c.Notes.Length > 0)
            element.Add(new XElement(Maml + "alertSet", new XElement(Maml + "alert", Paras(c.Notes))));
        element.Add(new XElement(Cmd + "examples", c.Examples.Select(e =>
            new XElement(Cmd + "example",
                new XElement(Maml + "title", $"-------------------------- {e.Title} --------------------------"),
                new XElement(Dev + "code", e.Code),
                new XElement(Dev + "remarks", Paras(e.Remarks))))));
        // platyPS's first related link is the front matter's "online version": the page Get-Help -Online opens
        var online = c.OnlineVersion.Length == 0 ? null
            : new XElement(Maml + "navigationLink", new XElement(Maml + "linkText", "Online Version:"), new XElement(Maml + "uri", c.OnlineVersion));
        element.Add(new XElement(Cmd + "relatedLinks", online, c.RelatedLinks.Select(l =>
            new XElement(Maml + "navigationLink", new XElement(Maml + "linkText", l), new XElement(Maml + "uri")))));
        return element;
    }

    private static XElement Parameter(HelpParameter p)
    {
        bool isSwitch = p.Type is "SwitchParameter" or "System.Management.Automation.SwitchParameter";
        return new XElement(Cmd + "parameter",
            new XAttribute("required", p.Required ? "true" : "false"),
            new XAttribute("variableLength", p.Type.EndsWith("[]", StringComparison.Ordinal) ? "true" : "false"),
            new XAttribute("globbing", p.Wildcards ? "true" : "false"),
            new XAttribute("pipelineInput", p.PipelineInput),
            new XAttribute("position", p.Position.ToLowerInvariant() == "named" ? "named" : p.Position),
            new XAttribute("aliases", p.Aliases.Length == 0 ? "none" : p.Aliases),
            new XElement(Maml + "name", p.Name),
            Description(p.Description),
            isSwitch ? null : new XElement(Cmd + "parameterValue",
                new XAttribute("required", "true"), new XAttribute("variableLength", "false"), p.Type),
            TypeElement(p.Type),
            new XElement(Dev + "defaultValue", p.DefaultValue));
    }

    private static XElement TypeElement(string type) =>
        new(Dev + "type", new XElement(Maml + "name", type), new XElement(Maml + "uri"));

    private static XElement Description(string text) => new(Maml + "description", Paras(text));

    private static IEnumerable<XElement> Paras(string text) =>
        CmdletHelpMarkdown.Paragraphs(text).Select(p => new XElement(Maml + "para", p));
}
