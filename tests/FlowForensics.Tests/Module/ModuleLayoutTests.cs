using System.Management.Automation;
using System.Management.Automation.Language;
using System.Net;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using FlowForensics.Tests.Hosting;
using Xunit;

namespace FlowForensics.Tests.Module;

/// <summary>The module as shipped in out/FlowForensics: import, formats, types, versions, exports (flat outputs: FlatOutputTests).</summary>
public sealed class ModuleLayoutTests
{
    private const string NewRecord = """
        $r = [FlowForensics.Flows.FlowRecord]::new()
        $r.Start = [datetime]::new(2024, 1, 2, 3, 4, 5, 678, [DateTimeKind]::Utc)
        $r.End = $r.Start.AddSeconds(90)
        $r.SrcAddr = [System.Net.IPAddress]::Parse('10.0.0.1')
        $r.DstAddr = [System.Net.IPAddress]::Parse('192.168.7.20')
        $r.SrcPort = 51234
        $r.DstPort = 443
        $r.Protocol = 6
        $r.TcpFlags = [FlowForensics.Flows.TcpFlags]'Syn, Ack'
        $r.Packets = 12
        $r.Bytes = 3456
        """;

    [Fact]
    public void The_module_imports_from_the_built_layout()
    {
        using PsSession s = PsSession.WithModule();
        PSObject module = Assert.Single(s.Invoke("Get-Module FlowForensics"));
        var info = (PSModuleInfo)module.BaseObject;
        Assert.Equal(RepoPaths.ModuleFolder, info.ModuleBase.TrimEnd('/', '\\'));
        Assert.Equal(ModuleType.Script, info.ModuleType);
        Assert.Equal("FlowForensics.psm1", Path.GetFileName(info.Path));

        // The loader imports the cmdlet assembly of this platform's set as the manifest's one nested module.
        Assembly cmdlets = CmdletAssembly(info);
        Assert.Equal("FlowForensics.PowerShell", cmdlets.GetName().Name);
        Assert.Equal(RepoPaths.ModuleBinaryFolder, Path.GetDirectoryName(cmdlets.Location));
        Assert.StartsWith(RepoPaths.ModuleFolder + Path.DirectorySeparatorChar, cmdlets.Location, StringComparison.Ordinal);
    }

    [Fact]
    public void The_module_ships_its_binaries_as_an_IL_set_and_one_set_per_platform_with_the_same_files()
    {
        string bin = Path.Combine(RepoPaths.ModuleFolder, "bin");
        Assert.Empty(Directory.GetFiles(RepoPaths.ModuleFolder, "*.dll"));
        string[] il = SetFiles(Path.Combine(bin, "il"));
        Assert.Contains("FlowForensics.PowerShell.dll", il);
        Assert.Contains("FlowForensics.dll", il);
        foreach (string folder in Directory.GetDirectories(bin))
        {
            string name = Path.GetFileName(folder);
            Assert.Matches("^(il|(linux|win|osx)-(x64|arm64))$", name);
            Assert.Equal(il, SetFiles(folder));
        }

        static string[] SetFiles(string folder) =>
            [.. Directory.GetFiles(folder, "*.dll").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];
    }

    [Fact]
    public void The_scenario_generators_do_not_ship_in_the_module()
    {
        string[] synthesis = Directory.GetFiles(RepoPaths.ModuleFolder, "*Synthesis*", SearchOption.AllDirectories);
        Assert.Empty(synthesis);

        string[] sets = Directory.GetDirectories(Path.Combine(RepoPaths.ModuleFolder, "bin"));
        Assert.Contains(Path.Combine(RepoPaths.ModuleFolder, "bin", "il"), sets);
        foreach (string set in sets)
        {
            string engine = Path.Combine(set, "FlowForensics.dll");
            Assert.True(File.Exists(engine), $"{engine} is missing.");
            foreach (string dll in Directory.GetFiles(set, "FlowForensics*.dll"))
            {
                List<string> types = TypeNames(dll);
                Assert.Contains(types, t => t.StartsWith("FlowForensics.", StringComparison.Ordinal));
                Assert.DoesNotContain(types, t => t.StartsWith("FlowForensics.Synthesis.", StringComparison.Ordinal) || t.EndsWith(".PcapFileWriter", StringComparison.Ordinal));
            }
            Assert.Contains("FlowForensics.Capture.PcapFileReader", TypeNames(engine));
        }
    }

    /// <summary>The full names of the types an assembly defines, read from its metadata without loading it.</summary>
    private static List<string> TypeNames(string path)
    {
        using var pe = new PEReader(File.OpenRead(path));
        MetadataReader md = pe.GetMetadataReader();
        var names = new List<string>();
        foreach (TypeDefinitionHandle h in md.TypeDefinitions)
        {
            TypeDefinition t = md.GetTypeDefinition(h);
            names.Add(md.GetString(t.Namespace) + "." + md.GetString(t.Name));
        }

        return names;
    }

    [Fact]
    public void A_flow_record_renders_through_the_nfdump_like_table_view()
    {
        using PsSession s = PsSession.WithModule(width: 160);
        string text = s.Render(NewRecord + "\n$r");
        Assert.False(s.HadErrors, string.Join("; ", s.Errors));
        Assert.DoesNotContain("\u001b", text, StringComparison.Ordinal);

        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string header = Assert.Single(lines, l => l.Contains("Date first seen", StringComparison.Ordinal));
        Assert.Matches(@"^Date first seen\s+Duration\s+Proto\s+Src IP Addr:Port\s+Dst IP Addr:Port\s+Flags\s+Packets\s+Bytes\s+Flows\s*$", header);
        string row = Assert.Single(lines, l => l.Contains("->", StringComparison.Ordinal));
        Assert.Matches(@"^2024-01-02 03:04:05\.678\s+00:01:30\.000\s+TCP\s+10\.0\.0\.1:51234 -> 192\.168\.7\.20:443\s+\S+\s+12\s+3456\s+1\s*$", row);
        Assert.True(header.TrimEnd().Length <= 120 && row.TrimEnd().Length <= 120, $"the view is wider than 120 columns:\n{header}\n{row}");
    }

    [Fact]
    public void The_host_width_decides_whether_the_table_fits()
    {
        // Not a tautology: at 80 columns the formatter must drop or cut columns of this 150-column view.
        using PsSession wide = PsSession.WithModule(width: 200);
        using PsSession narrow = PsSession.WithModule(width: 80);
        string wideText = wide.Render(NewRecord + "\n$r");
        string narrowText = narrow.Render(NewRecord + "\n$r");
        Assert.Contains("Flows", wideText, StringComparison.Ordinal);
        Assert.All(narrowText.Split('\n'), l => Assert.True(l.Length <= 80, $"line wider than 80: '{l}'"));
        Assert.NotEqual(wideText, narrowText);
    }

    [Fact]
    public void The_types_file_adds_nfdump_short_names()
    {
        using PsSession s = PsSession.WithModule();
        PSObject[] values = [.. s.Invoke(NewRecord + "\n$r.da; $r.byt; $r.flg; $r.sa; $r.dp; $r.pr")];
        Assert.False(s.HadErrors, string.Join("; ", s.Errors));
        Assert.Equal(6, values.Length);
        Assert.Equal(IPAddress.Parse("192.168.7.20"), values[0].BaseObject);
        Assert.Equal(3456L, values[1].BaseObject);
        Assert.Equal(s.Invoke(NewRecord + "\n$r.Flags")[0].BaseObject, values[2].BaseObject);
        Assert.Equal(IPAddress.Parse("10.0.0.1"), values[3].BaseObject);
        Assert.Equal((ushort)443, values[4].BaseObject);
        Assert.Equal("TCP", values[5].BaseObject);
    }

    [Fact]
    public void Manifest_props_and_assemblies_carry_one_version()
    {
        Version props = PropsVersion();
        using PsSession s = PsSession.WithModule();
        var info = (PSModuleInfo)s.Invoke("Get-Module FlowForensics")[0].BaseObject;
        Assert.Equal(props, info.Version);

        foreach (string set in Directory.GetDirectories(Path.Combine(RepoPaths.ModuleFolder, "bin")))
        {
            foreach (string dll in new[] { "FlowForensics.PowerShell.dll", "FlowForensics.dll" })
            {
                Version v = AssemblyName.GetAssemblyName(Path.Combine(set, dll)).Version!;
                Assert.Equal(props, new Version(v.Major, v.Minor, v.Build));
            }
        }
    }

    [Fact]
    public void Readme_mentions_the_module_version()
    {
        string readme = RepoPaths.Path("README.md");
        Assert.True(File.Exists(readme), $"README.md is missing at the repository root ({readme}); it must exist and mention the module version {PropsVersion()}.");
        string text = File.ReadAllText(readme);
        string version = PropsVersion().ToString();
        Assert.True(Regex.IsMatch(text, @"(?<![\d.])" + Regex.Escape(version) + @"(?![\d.])"),
            $"README.md does not mention the module version {version} (the <ModuleVersion> in Directory.Build.props).");
    }

    [Fact]
    public void The_manifest_exports_exactly_the_cmdlets_the_dll_defines()
    {
        SortedSet<string> manifest = ManifestList("CmdletsToExport");

        using PsSession s = PsSession.WithModule();
        var info = (PSModuleInfo)s.Invoke("Get-Module FlowForensics")[0].BaseObject;
        var defined = new SortedSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (Type t in CmdletTypes(CmdletAssembly(info)))
        {
            CmdletAttribute a = t.GetCustomAttribute<CmdletAttribute>()!;
            defined.Add($"{a.VerbName}-{a.NounName}");
        }

        Assert.True(manifest.SetEquals(defined),
            $"CmdletsToExport ({string.Join(", ", manifest)}) differs from the [Cmdlet] types in the DLL ({string.Join(", ", defined)}).");

        var commands = new SortedSet<string>(s.Invoke("(Get-Command -Module FlowForensics).Name").Select(o => (string)o.BaseObject), StringComparer.OrdinalIgnoreCase);
        Assert.True(commands.SetEquals(defined), $"Get-Command -Module FlowForensics lists {string.Join(", ", commands)}.");
        var exported = new SortedSet<string>(info.ExportedCmdlets.Keys, StringComparer.OrdinalIgnoreCase);
        Assert.True(exported.SetEquals(defined), $"Get-Module FlowForensics exports {string.Join(", ", exported)}.");
    }

    internal static Version PropsVersion()
    {
        XDocument props = XDocument.Load(RepoPaths.Path("Directory.Build.props"));
        string text = props.Descendants("ModuleVersion").Single().Value.Trim();
        return Version.Parse(text);
    }

    /// <summary>The cmdlet assembly FlowForensics.psm1 imported: the manifest's one nested module.</summary>
    internal static Assembly CmdletAssembly(PSModuleInfo module)
    {
        PSModuleInfo cmdlets = Assert.Single(module.NestedModules);
        Assert.Equal(ModuleType.Binary, cmdlets.ModuleType);
        return Assert.IsAssignableFrom<Assembly>(cmdlets.ImplementingAssembly);
    }

    internal static IEnumerable<Type> CmdletTypes(Assembly assembly) =>
        assembly.GetTypes().Where(t => !t.IsAbstract && t.IsDefined(typeof(CmdletAttribute), inherit: false));

    private static SortedSet<string> ManifestList(string key)
    {
        ScriptBlockAst ast = Parser.ParseFile(RepoPaths.ModuleManifest, out _, out ParseError[] errors);
        Assert.Empty(errors);
        var table = (HashtableAst)ast.Find(a => a is HashtableAst, searchNestedScriptBlocks: false)!;
        var set = new SortedSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (Tuple<ExpressionAst, StatementAst> pair in table.KeyValuePairs)
        {
            if (pair.Item1 is StringConstantExpressionAst k && string.Equals(k.Value, key, StringComparison.OrdinalIgnoreCase))
            {
                foreach (Ast v in pair.Item2.FindAll(a => a is StringConstantExpressionAst, searchNestedScriptBlocks: false))
                {
                    set.Add(((StringConstantExpressionAst)v).Value);
                }
            }
        }

        return set;
    }
}
