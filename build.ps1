#Requires -Version 7.6
<#
.SYNOPSIS
    Builds, tests and packages FlowForensics (for machines with pwsh).

.DESCRIPTION
    Build   dotnet build -c Release; the importable module lands in out/FlowForensics.
    Test    Build, then the Pester specs with real Pester 5 (when installed), then dotnet test.
    Package Build with ReadyToRun code for every platform the module ships for (linux-x64, linux-arm64, win-x64,
            osx-arm64, each in bin/<platform>/ beside the IL set in bin/il/ that runs anywhere else), then zip
            out/FlowForensics into out/FlowForensics-<version>.zip. Build compiles ahead for this machine only.

    Machines without pwsh use the dotnet commands directly: the xunit suite runs the same Pester specs
    through the hosted engine.

.EXAMPLE
    ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Package')]
    [string] $Task = 'Build',

    [ValidateSet('Release', 'Debug')]
    [string] $Configuration = 'Release'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$RepoRoot = $PSScriptRoot
$ModuleDir = Join-Path $RepoRoot 'out' 'FlowForensics'

function Invoke-Native {
    param([Parameter(Mandatory)] [string] $FilePath, [string[]] $ArgumentList = @())
    Write-Host "> $FilePath $($ArgumentList -join ' ')"
    & $FilePath @ArgumentList
    if ($LASTEXITCODE -ne 0) {
        throw "$FilePath failed with exit code $LASTEXITCODE."
    }
}

function Get-ModuleVersion {
    [xml] $props = Get-Content -Raw -LiteralPath (Join-Path $RepoRoot 'Directory.Build.props')
    $node = $props.SelectSingleNode('/Project/PropertyGroup/ModuleVersion')
    if ($null -eq $node) { throw 'No <ModuleVersion> in Directory.Build.props.' }
    $node.InnerText.Trim()
}

function Invoke-Build {
    # -AllPlatforms: ReadyToRun code for every shipped platform (the cmdlet project's ModuleShippedRuntimes), not
    # only this machine's.
    param([switch] $AllPlatforms)
    $arguments = @('build', (Join-Path $RepoRoot 'FlowForensics.sln'), '-c', $Configuration)
    if ($AllPlatforms) { $arguments += '-p:ModuleAllPlatforms=true' }
    Invoke-Native dotnet $arguments
    $manifest = Join-Path $ModuleDir 'FlowForensics.psd1'
    if (-not (Test-Path -LiteralPath $manifest)) {
        throw "The build did not lay out the module at $ModuleDir."
    }
    Write-Host "Module: $manifest"
}

function Invoke-Test {
    Invoke-Build
    $pester = Get-Module -ListAvailable -Name Pester | Where-Object { $_.Version -ge [version] '5.0' } | Sort-Object Version -Descending | Select-Object -First 1
    if ($pester) {
        # Each spec runs in its own process so the module DLLs it loads do not outlive it.
        $env:FLOWFORENSICS_MODULE = Join-Path $ModuleDir 'FlowForensics.psd1'
        $specs = Get-ChildItem -LiteralPath (Join-Path $RepoRoot 'Pester') -Filter '*.Tests.ps1' |
            Where-Object { $_.Name -ne 'SelfCheck.Failing.Tests.ps1' }
        $script = "Import-Module Pester -MinimumVersion 5.0; `$c = New-PesterConfiguration; `$c.Run.Path = @('" +
            (($specs.FullName | ForEach-Object { $_.Replace("'", "''") }) -join "','") +
            "'); `$c.Run.Exit = `$true; `$c.Output.Verbosity = 'Detailed'; Invoke-Pester -Configuration `$c"
        Invoke-Native ([Environment]::ProcessPath) @('-NoProfile', '-Command', $script)
    }
    else {
        Write-Warning 'Pester 5 is not installed (Install-Module Pester -MinimumVersion 5.0); the specs still run inside dotnet test.'
    }
    Invoke-Native dotnet @('test', (Join-Path $RepoRoot 'tests' 'FlowForensics.Tests'), '-c', $Configuration)
}

function Invoke-Package {
    Invoke-Build -AllPlatforms
    foreach ($platform in 'il', 'linux-x64', 'linux-arm64', 'win-x64', 'osx-arm64') {
        if (-not (Test-Path -LiteralPath (Join-Path $ModuleDir 'bin' $platform 'FlowForensics.PowerShell.dll'))) {
            throw "The package build left no bin/$platform set in $ModuleDir."
        }
    }
    $version = Get-ModuleVersion
    $zip = Join-Path $RepoRoot 'out' "FlowForensics-$version.zip"
    if (Test-Path -LiteralPath $zip) { Remove-Item -LiteralPath $zip }
    # The zip holds the FlowForensics folder itself, ready to extract into a PSModulePath folder.
    Compress-Archive -LiteralPath $ModuleDir -DestinationPath $zip
    Write-Host "Package: $zip"
}

switch ($Task) {
    'Build' { Invoke-Build }
    'Test' { Invoke-Test }
    'Package' { Invoke-Package }
}
