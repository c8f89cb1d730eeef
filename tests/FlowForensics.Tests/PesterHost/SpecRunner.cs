using System.Management.Automation;
using System.Management.Automation.Language;

namespace FlowForensics.Tests.PesterHost;

/// <summary>One It's outcome as the shim reports it.</summary>
internal sealed record SpecTestResult(string Path, string Result, string Message, string ErrorId)
{
    public bool Passed => Result == "Passed";
    public bool Failed => Result == "Failed";
    public bool Skipped => Result == "Skipped";

    public override string ToString() => Failed ? $"[{Result}] {Path}: {Message}" : $"[{Result}] {Path}";
}

/// <summary>
/// Runs a Pester spec through PesterShim.ps1 in a fresh runspace without the module pre-imported
/// (specs import it in BeforeAll from $env:FLOWFORENSICS_MODULE), after a static check that the spec
/// only calls commands this hosted engine has.
/// </summary>
internal static class SpecRunner
{
    private const string SelfCheckFileName = "SelfCheck.Failing.Tests.ps1";

    /// <summary>Specs that render through pwsh's formatter (Format-Table, Out-String), which this hosted engine lacks;
    /// only real Pester in real pwsh runs them.</summary>
    private static readonly string[] s_realPwshOnly = ["Help.Tests.ps1", "Views.Tests.ps1"];

    private static readonly Lazy<HashSet<string>> s_available = new(LoadAvailableCommands);

    /// <summary>The shim, copied beside the test assembly.</summary>
    public static string ShimPath => Path.Combine(AppContext.BaseDirectory, "PesterHost", "PesterShim.ps1");

    public static string SelfCheckPath => Path.Combine(RepoPaths.SpecFolder, SelfCheckFileName);

    /// <summary>File names of Pester/*.Tests.ps1 except the self-check spec, which must fail, and the real-pwsh-only specs.</summary>
    public static IEnumerable<string> NormalSpecFileNames() =>
        Directory.EnumerateFiles(RepoPaths.SpecFolder, "*.Tests.ps1")
            .Select(Path.GetFileName)
            .Where(n => !string.Equals(n, SelfCheckFileName, StringComparison.OrdinalIgnoreCase))
            .Where(n => !s_realPwshOnly.Contains(n, StringComparer.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)!;

    /// <summary>Commands a spec calls that neither the engine, the module, the shim nor the spec itself define.</summary>
    public static IReadOnlyList<string> MissingCommands(string specPath)
    {
        ScriptBlockAst ast = Parser.ParseFile(specPath, out _, out ParseError[] errors);
        if (errors.Length > 0)
        {
            string list = string.Join(Environment.NewLine, errors.Select(e => $"  line {e.Extent.StartLineNumber}: {e.Message}"));
            throw new InvalidOperationException($"{Path.GetFileName(specPath)} does not parse:{Environment.NewLine}{list}");
        }

        var defined = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (Ast f in ast.FindAll(a => a is FunctionDefinitionAst, searchNestedScriptBlocks: true))
        {
            defined.Add(((FunctionDefinitionAst)f).Name);
        }

        var missing = new SortedSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (Ast c in ast.FindAll(a => a is CommandAst, searchNestedScriptBlocks: true))
        {
            string? name = ((CommandAst)c).GetCommandName();
            if (string.IsNullOrEmpty(name) || defined.Contains(name) || s_available.Value.Contains(name))
            {
                continue;
            }

            // A path (./x.ps1) or a dynamic call is not checkable here.
            if (name.Contains('/') || name.Contains('\\') || name.EndsWith(".ps1", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            missing.Add(name);
        }

        return [.. missing];
    }

    /// <summary>Run a spec file; returns one result per It (and per failing AfterAll or discovery).</summary>
    public static IReadOnlyList<SpecTestResult> Run(string specPath)
    {
        Environment.SetEnvironmentVariable("FLOWFORENSICS_MODULE", RepoPaths.ModuleManifest);
        using PsSession session = PsSession.Bare();
        session.SetVariable("__ShimSpecPath", specPath);
        session.SetVariable("__ShimShimPath", ShimPath);
        var results = new List<SpecTestResult>();
        foreach (PSObject o in session.Invoke(". $__ShimShimPath; Invoke-ShimSpec -Path $__ShimSpecPath"))
        {
            results.Add(new SpecTestResult(
                (string)o.Properties["Path"].Value,
                (string)o.Properties["Result"].Value,
                (string)o.Properties["Message"].Value,
                (string)o.Properties["ErrorId"].Value));
        }

        if (session.State != PSInvocationState.Completed)
        {
            throw new InvalidOperationException($"The shim itself ended in state {session.State} running {specPath}.");
        }

        return results;
    }

    private static HashSet<string> LoadAvailableCommands()
    {
        using PsSession session = PsSession.WithModule();
        session.SetVariable("__ShimShimPath", ShimPath);
        session.SetVariable("__ShimHelpers", Path.Combine(RepoPaths.SpecFolder, "TestHelpers.psm1"));
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        string script = """
            . $__ShimShimPath
            if ([System.IO.File]::Exists($__ShimHelpers)) { Import-Module $__ShimHelpers }
            (Get-Command -CommandType Cmdlet, Function, Alias).Name
            """;
        foreach (PSObject o in session.Invoke(script))
        {
            names.Add((string)o.BaseObject);
        }

        if (session.HadErrors || names.Count < 20)
        {
            throw new InvalidOperationException("Could not list the hosted engine's commands: " + string.Join("; ", session.Errors));
        }

        return names;
    }
}
