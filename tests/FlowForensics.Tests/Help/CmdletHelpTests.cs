using System.Management.Automation;
using System.Reflection;
using FlowForensics.Tests.Hosting;
using Xunit;

namespace FlowForensics.Tests.Help;

/// <summary>
/// The cmdlets' help: authored as markdown in docs/cmdlets, shipped as MAML in module/en-US. Every exported
/// cmdlet and parameter is documented, the shipped MAML is exactly what the markdown gives, Get-Help finds it,
/// and (Pester/Help.Tests.ps1, in real pwsh) every example runs. After editing the markdown, regenerate the MAML with
/// <c>FLOWFORENSICS_UPDATE_HELP=1 dotnet test --filter FullyQualifiedName~CmdletHelpTests</c> (or build.ps1 with platyPS).
/// </summary>
public sealed class CmdletHelpTests
{
    private static readonly string[] CommonParameters =
    [
        "Verbose", "Debug", "ErrorAction", "WarningAction", "InformationAction", "ProgressAction", "ErrorVariable",
        "WarningVariable", "InformationVariable", "OutVariable", "OutBuffer", "PipelineVariable", "WhatIf", "Confirm",
    ];

    private static string MamlPath => RepoPaths.Path("module", "en-US", "FlowForensics.PowerShell.dll-Help.xml");

    private static IReadOnlyList<CmdletHelpMarkdown> Markdown() =>
        [.. Directory.GetFiles(RepoPaths.Path("docs", "cmdlets"), "*.md").Order(StringComparer.Ordinal).Select(CmdletHelpMarkdown.Parse)];

    public static TheoryData<string> ExportedCmdlets()
    {
        var data = new TheoryData<string>();
        foreach (var type in CmdletTypes()) data.Add(CmdletName(type));
        return data;
    }

    [Fact]
    public void The_shipped_maml_is_generated_from_the_markdown()
    {
        string expected = MamlWriter.Write(Markdown());
        if (Environment.GetEnvironmentVariable("FLOWFORENSICS_UPDATE_HELP") == "1")
            File.WriteAllText(MamlPath, expected);
        Assert.True(File.Exists(MamlPath), $"{MamlPath} is missing; generate it with FLOWFORENSICS_UPDATE_HELP=1.");
        Assert.True(expected == File.ReadAllText(MamlPath).ReplaceLineEndings("\n"),
            "module/en-US/FlowForensics.PowerShell.dll-Help.xml is stale: regenerate it from docs/cmdlets with FLOWFORENSICS_UPDATE_HELP=1.");
    }

    [Theory]
    [MemberData(nameof(ExportedCmdlets))]
    public void Every_parameter_is_documented_with_its_type_and_sets(string cmdlet)
    {
        Type type = CmdletTypes().Single(t => CmdletName(t) == cmdlet);
        string file = RepoPaths.Path("docs", "cmdlets", cmdlet + ".md");
        Assert.True(File.Exists(file), $"{cmdlet} has no help page at docs/cmdlets/{cmdlet}.md");
        var help = CmdletHelpMarkdown.Parse(file);
        Assert.Equal(cmdlet, help.Name);
        Assert.False(string.IsNullOrWhiteSpace(help.Synopsis), "no synopsis");
        Assert.False(string.IsNullOrWhiteSpace(help.Description), "no description");

        var declared = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.IsDefined(typeof(ParameterAttribute)))
            .ToDictionary(p => p.Name, StringComparer.Ordinal);
        var documented = help.Parameters.ToDictionary(p => p.Name, StringComparer.Ordinal);
        Assert.Equal(declared.Keys.Order(StringComparer.Ordinal), documented.Keys.Where(k => !CommonParameters.Contains(k)).Order(StringComparer.Ordinal));

        foreach (var (name, property) in declared)
        {
            var doc = documented[name];
            Assert.False(string.IsNullOrWhiteSpace(doc.Description), $"-{name} has no description");
            Assert.Equal(TypeName(property.PropertyType), doc.Type);
            var sets = property.GetCustomAttributes<ParameterAttribute>(inherit: false).Select(a => a.ParameterSetName)
                .Select(s => s == ParameterAttribute.AllParameterSets ? "(All)" : s).Order(StringComparer.Ordinal);
            Assert.Equal(sets, doc.Sets.Order(StringComparer.Ordinal));
            bool mandatory = property.GetCustomAttributes<ParameterAttribute>(inherit: false).Any(a => a.Mandatory);
            Assert.True(mandatory == doc.Required, $"-{name}: Required is {doc.Required} in the help but {mandatory} in the code");
        }
    }

    [Theory]
    [MemberData(nameof(ExportedCmdlets))]
    public void Get_Help_Online_opens_the_cmdlets_page_in_the_repository_docs(string cmdlet)
    {
        // One base address: the manifest's ProjectUri; the page is docs/cmdlets/<Name>.md, which exists.
        string projectUri = System.Text.RegularExpressions.Regex.Match(
            File.ReadAllText(RepoPaths.Path("module", "FlowForensics.psd1")), @"ProjectUri\s*=\s*'([^']+)'").Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(projectUri), "the manifest has no ProjectUri");
        string expected = projectUri + "/blob/main/docs/cmdlets/" + cmdlet + ".md";
        Assert.True(File.Exists(RepoPaths.Path("docs", "cmdlets", cmdlet + ".md")));

        Type type = CmdletTypes().Single(t => CmdletName(t) == cmdlet);
        Assert.Equal(expected, type.GetCustomAttribute<CmdletAttribute>()!.HelpUri);
        Assert.Equal(expected, CmdletHelpMarkdown.Parse(RepoPaths.Path("docs", "cmdlets", cmdlet + ".md")).OnlineVersion);

        // what Get-Help -Online reads: the first related link of the shipped MAML, then the command's HelpUri
        using PsSession s = PsSession.WithModule();
        s.SetVariable("name", cmdlet);
        var uris = s.Invoke("@((Get-Help $name -Full).relatedLinks.navigationLink)[0].uri; (Get-Command $name).HelpUri");
        Assert.Equal([expected, expected], uris.Select(u => u.ToString()));
    }

    [Theory]
    [MemberData(nameof(ExportedCmdlets))]
    public void Every_cmdlet_has_at_least_two_examples(string cmdlet)
    {
        var help = CmdletHelpMarkdown.Parse(RepoPaths.Path("docs", "cmdlets", cmdlet + ".md"));
        Assert.True(help.Examples.Count >= 2, $"{cmdlet} has {help.Examples.Count} examples");
        Assert.All(help.Examples, e => Assert.False(string.IsNullOrWhiteSpace(e.Remarks), $"{e.Title} has no explanation"));
    }

    [Theory]
    [MemberData(nameof(ExportedCmdlets))]
    public void Get_Help_shows_the_authored_help(string cmdlet)
    {
        var help = CmdletHelpMarkdown.Parse(RepoPaths.Path("docs", "cmdlets", cmdlet + ".md"));
        using PsSession s = PsSession.WithModule();
        PSObject info = Assert.Single(s.Invoke($"Get-Help {cmdlet} -Full"));
        Assert.Equal(help.Synopsis, info.Properties["Synopsis"].Value?.ToString()?.Trim());
        string text = s.Render($"Get-Help {cmdlet} -Examples");
        Assert.Contains(help.Examples[0].Code.Split('\n')[0].Trim(), text, StringComparison.Ordinal);
    }

    private static IEnumerable<Type> CmdletTypes()
    {
        var assembly = Assembly.LoadFrom(Path.Combine(RepoPaths.ModuleBinaryFolder, "FlowForensics.PowerShell.dll"));
        return assembly.GetTypes().Where(t => !t.IsAbstract && t.IsDefined(typeof(CmdletAttribute), inherit: false))
            .OrderBy(CmdletName, StringComparer.Ordinal);
    }

    private static string CmdletName(Type t)
    {
        var a = t.GetCustomAttribute<CmdletAttribute>()!;
        return a.VerbName + "-" + a.NounName;
    }

    private static string TypeName(Type t)
    {
        Type core = Nullable.GetUnderlyingType(t) ?? t;
        if (core.IsArray) return TypeName(core.GetElementType()!) + "[]";
        if (core == typeof(SwitchParameter)) return "SwitchParameter";
        return core.Name;
    }
}
