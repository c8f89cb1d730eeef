using System.Management.Automation.Language;
using FlowForensics.Tests.Hosting;
using Xunit;

namespace FlowForensics.Tests.Module;

/// <summary>build.ps1 parses, offers its tasks and calls nothing but its own functions and pwsh's (SelfCheckTests runs it).</summary>
public sealed class BuildScriptTests
{
    [Fact]
    public void Build_script_parses_and_offers_Build_Test_Spec_and_Package()
    {
        ScriptBlockAst ast = Parser.ParseFile(RepoPaths.Path("build.ps1"), out _, out ParseError[] errors);
        Assert.True(errors.Length == 0, "build.ps1 has syntax errors: " + string.Join("; ", errors.Select(e => $"line {e.Extent.StartLineNumber}: {e.Message}")));

        ParameterAst task = Assert.Single(ast.ParamBlock!.Parameters, p => p.Name.VariablePath.UserPath == "Task");
        AttributeAst validateSet = Assert.Single(task.Attributes.OfType<AttributeAst>(), a => a.TypeName.Name == "ValidateSet");
        string[] tasks = [.. validateSet.PositionalArguments.OfType<StringConstantExpressionAst>().Select(s => s.Value)];
        Assert.Equal(["Build", "Test", "Spec", "Package"], tasks);

        string[] functions = [.. ast.FindAll(a => a is FunctionDefinitionAst, searchNestedScriptBlocks: true).Cast<FunctionDefinitionAst>().Select(f => f.Name)];
        Assert.Contains("Invoke-Build", functions);
        Assert.Contains("Invoke-Test", functions);
        Assert.Contains("Invoke-Package", functions);
        Assert.Contains("Invoke-Spec", functions);
    }

    [Fact]
    public void Build_script_calls_only_functions_it_defines_or_that_ship_with_pwsh()
    {
        ScriptBlockAst ast = Parser.ParseFile(RepoPaths.Path("build.ps1"), out _, out _);
        var defined = ast.FindAll(a => a is FunctionDefinitionAst, true).Cast<FunctionDefinitionAst>().Select(f => f.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);

        // pwsh 7.6's own cmdlets the script may use; nothing from an extra module (Pester is imported in a child pwsh).
        string[] pwshCommands =
        [
            "Write-Host", "Write-Warning", "Join-Path", "Test-Path", "Get-Content", "Remove-Item", "Compress-Archive",
            "Get-Module", "Get-ChildItem", "Where-Object", "ForEach-Object", "Sort-Object", "Select-Object", "Set-StrictMode", "dotnet",
            "New-Item", "Set-Content", "ConvertTo-Json", "ConvertFrom-Json", "Out-Host", "Resolve-Path",
        ];
        string[] unknown =
        [
            .. ast.FindAll(a => a is CommandAst, true).Cast<CommandAst>().Select(c => c.GetCommandName())
                .Where(n => n is not null && !defined.Contains(n) && !pwshCommands.Contains(n, StringComparer.OrdinalIgnoreCase))
                .Distinct()
                .Select(n => n!),
        ];
        Assert.True(unknown.Length == 0, "build.ps1 calls commands that are neither its own nor pwsh's: " + string.Join(", ", unknown));
    }
}
