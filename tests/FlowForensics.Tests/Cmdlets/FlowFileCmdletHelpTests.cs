using System.Management.Automation;
using FlowForensics.Tests.Help;
using FlowForensics.Tests.PesterHost;
using Xunit;

namespace FlowForensics.Tests.Cmdlets;

/// <summary>docs/cmdlets/Get-FlowRecord.md and Get-FlowFileInfo.md describe exactly the parameters the cmdlets have.</summary>
public sealed class FlowFileCmdletHelpTests
{
    private static readonly HashSet<string> Common = new(StringComparer.OrdinalIgnoreCase)
    {
        "Verbose", "Debug", "ErrorAction", "WarningAction", "InformationAction", "ProgressAction", "ErrorVariable",
        "WarningVariable", "InformationVariable", "OutVariable", "OutBuffer", "PipelineVariable",
    };

    [Theory]
    [InlineData("Get-FlowRecord")]
    [InlineData("Get-FlowFileInfo")]
    public void TheMarkdownDocumentsEveryParameterAsDeclared(string name)
    {
        var doc = CmdletHelpMarkdown.Parse(Path.Combine(SharedData.RepoRoot, "docs", "cmdlets", name + ".md"));
        Assert.Equal(name, doc.Name);
        Assert.True(doc.Examples.Count >= 2, "at least two examples");
        Assert.NotEmpty(doc.Synopsis);
        Assert.NotEmpty(doc.Outputs);

        using var s = PsSession.WithModule();
        s.SetVariable("name", name);
        var command = (CmdletInfo)s.Invoke("Get-Command $name")[0].BaseObject;
        Assert.Equal(command.DefaultParameterSet, doc.DefaultSet);
        Assert.Equal(command.ParameterSets.Select(p => p.Name).Order(StringComparer.Ordinal), doc.SyntaxSets.Order(StringComparer.Ordinal));

        var declared = command.Parameters.Values.Where(p => !Common.Contains(p.Name)).ToList();
        Assert.Equal(declared.Select(p => p.Name).Order(StringComparer.Ordinal), doc.Parameters.Select(p => p.Name).Order(StringComparer.Ordinal));
        foreach (var p in declared)
        {
            var d = doc.Parameters.Single(x => x.Name == p.Name);
            Type type = Nullable.GetUnderlyingType(p.ParameterType) ?? p.ParameterType;
            Assert.Equal(type.Name, d.Type);
            Assert.Equal(p.Aliases.Order(StringComparer.Ordinal), d.Aliases.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
            foreach (var (set, meta) in p.ParameterSets)
            {
                Assert.True(set == "__AllParameterSets" ? d.Sets.Contains("(All)") : d.InSet(set), $"{name} -{p.Name}: set {set}");
                Assert.Equal(meta.IsMandatory, d.Required);
                Assert.Equal(meta.Position < 0 ? "Named" : meta.Position.ToString(System.Globalization.CultureInfo.InvariantCulture), d.Position);
                string pipeline = meta.ValueFromPipeline ? "True (ByValue)" : meta.ValueFromPipelineByPropertyName ? "True (ByPropertyName)" : "False";
                Assert.Equal(pipeline, d.PipelineInput);
            }
            bool wildcards = p.Attributes.OfType<SupportsWildcardsAttribute>().Any();
            Assert.Equal(wildcards, d.Wildcards);
        }
    }
}
