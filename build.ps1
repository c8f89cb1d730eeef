#Requires -Version 7.6
<#
.SYNOPSIS
    Builds, tests and packages FlowForensics.

.DESCRIPTION
    Build   dotnet build -c Release; the importable module lands in out/FlowForensics.
    Test    Build, then every test: the Pester specs in Pester/ under real Pester in real pwsh, and the xunit
            suite. Ends with the line "N passed, N failed, N skipped" summed over both, and exits 1 when anything
            failed. (The xunit suite runs Pester/SelfCheck.Failing.Tests.ps1 through -Task Spec and checks that
            every test of it fails and the run exits 1: a failing spec must fail the run.)
    Spec    The Pester specs only (or those named by -SpecPath), under real Pester, with the same closing line.
    Package Build with ReadyToRun code for every platform the module ships for (linux-x64, linux-arm64, win-x64,
            osx-arm64, each in bin/<platform>/ beside the IL set in bin/il/ that runs anywhere else), then zip
            out/FlowForensics into out/FlowForensics-<version>.zip. Build compiles ahead for this machine only.

    Pester is the Pester 5 NuGet package that the test project restores and lays out at out/Pester, so every
    machine runs the specs under the same version, with no gallery. pwsh itself is the PowerShell tool pinned in
    .config/dotnet-tools.json: 'dotnet tool restore' installs it, 'dotnet pwsh' runs it.

.EXAMPLE
    dotnet tool restore; dotnet pwsh -NoProfile -File ./build.ps1 -Task Test

.EXAMPLE
    ./build.ps1 -Task Spec -SpecPath ./Pester/Get-FlowRecord.Tests.ps1
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Spec', 'Package')]
    [string] $Task = 'Build',

    [ValidateSet('Release', 'Debug')]
    [string] $Configuration = 'Release',

    # The spec files for -Task Spec; every Pester/*.Tests.ps1 but the self-check when not given.
    [string[]] $SpecPath = @()
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$RepoRoot = $PSScriptRoot
$ModuleDir = Join-Path $RepoRoot 'out' 'FlowForensics'
$ResultsDir = Join-Path $RepoRoot 'out' 'TestResults'
$SelfCheckSpec = Join-Path $RepoRoot 'Pester' 'SelfCheck.Failing.Tests.ps1'

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

function Get-PwshCommand {
    # This pwsh again, for a child process: the pwsh executable, or dotnet with pwsh.dll when run as 'dotnet pwsh'.
    $exe = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'pwsh') { return @($exe) }
    $dll = Join-Path $PSHOME 'pwsh.dll'
    if (-not (Test-Path -LiteralPath $dll)) { throw "Cannot find pwsh.dll in $PSHOME to start a child pwsh." }
    @($exe, $dll)
}

function Invoke-Spec {
    # Runs spec files under real Pester in a child pwsh (the module's DLLs stay out of this process) and returns
    # the counts. A child that dies before it reports counts as one failure.
    param([Parameter(Mandatory)] [string[]] $Path, [Parameter(Mandatory)] [string] $Name)
    $pester = Join-Path $RepoRoot 'out' 'Pester' 'Pester.psd1'
    if (-not (Test-Path -LiteralPath $pester)) {
        throw "Real Pester is not laid out at ${pester}: build the test project first (dotnet build FlowForensics.sln -c Release)."
    }
    $null = New-Item -ItemType Directory -Force -Path $ResultsDir
    $resultFile = Join-Path $ResultsDir "$Name.json"
    Remove-Item -LiteralPath $resultFile -ErrorAction Ignore
    $quoted = ($Path | ForEach-Object { "'" + $_.Replace("'", "''") + "'" }) -join ','
    $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$($pester.Replace("'", "''"))'
`$c = New-PesterConfiguration
`$c.Run.Path = @($quoted)
`$c.Run.PassThru = `$true
`$c.Output.Verbosity = 'Detailed'
`$c.TestResult.Enabled = `$true
`$c.TestResult.OutputPath = '$((Join-Path $ResultsDir "$Name.xml").Replace("'", "''"))'
`$r = Invoke-Pester -Configuration `$c
[ordered]@{ Passed = `$r.PassedCount; Failed = `$r.FailedCount + `$r.FailedContainersCount; Skipped = `$r.SkippedCount
    Result = `$r.Result } | ConvertTo-Json | Set-Content -LiteralPath '$($resultFile.Replace("'", "''"))'
"@
    $env:FLOWFORENSICS_MODULE = Join-Path $ModuleDir 'FlowForensics.psd1'
    $pwsh = Get-PwshCommand
    $pwshArgs = @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-Command', $script)
    & $pwsh[0] @pwshArgs | Out-Host
    if (-not (Test-Path -LiteralPath $resultFile)) {
        Write-Warning "${Name}: the Pester run ended (exit code $LASTEXITCODE) without reporting its results."
        return [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0; Result = 'Failed' }
    }
    # Failed counts the failed tests and each spec file that did not even load (a syntax error, a failing file-level
    # BeforeAll). A run Pester calls failed with none of those (a failing AfterAll) still counts one failure.
    $r = Get-Content -Raw -LiteralPath $resultFile | ConvertFrom-Json
    if ($r.Result -eq 'Failed' -and $r.Failed -eq 0) { $r.Failed = 1 }
    $r
}

function Get-SpecFiles {
    Get-ChildItem -LiteralPath (Join-Path $RepoRoot 'Pester') -Filter '*.Tests.ps1' |
        Where-Object { $_.FullName -ne $SelfCheckSpec } | Sort-Object Name | ForEach-Object FullName
}

function Invoke-XunitSuite {
    # dotnet test with a TRX logger: the counts come from its <Counters>, not from console text.
    $trx = Join-Path $ResultsDir 'xunit.trx'
    Remove-Item -LiteralPath $trx -ErrorAction Ignore
    & dotnet test (Join-Path $RepoRoot 'tests' 'FlowForensics.Tests') -c $Configuration --no-build `
        --logger 'trx;LogFileName=xunit.trx' --logger 'console;verbosity=minimal' --results-directory $ResultsDir | Out-Host
    $exit = $LASTEXITCODE
    if (-not (Test-Path -LiteralPath $trx)) {
        Write-Warning "xunit: dotnet test ended (exit code $exit) without a result file."
        return [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 }
    }
    [xml] $doc = Get-Content -Raw -LiteralPath $trx
    $c = $doc.TestRun.ResultSummary.Counters
    $failed = [int] $c.failed + [int] $c.error + [int] $c.timeout + [int] $c.aborted
    if ($exit -ne 0 -and $failed -eq 0) { $failed = 1 }   # the test host failed outside any test
    [pscustomobject]@{ Passed = [int] $c.passed; Failed = $failed; Skipped = [int] $c.notExecuted }
}

function Write-Summary {
    param([Parameter(Mandatory)] [System.Collections.Specialized.OrderedDictionary] $Parts)
    $passed = 0; $failed = 0; $skipped = 0
    foreach ($name in $Parts.Keys) {
        $p = $Parts[$name]
        Write-Host ("{0}: {1} passed, {2} failed, {3} skipped" -f $name, $p.Passed, $p.Failed, $p.Skipped)
        $passed += $p.Passed; $failed += $p.Failed; $skipped += $p.Skipped
    }
    # The closing line CI reads, alone on its line.
    Write-Host ("{0} passed, {1} failed, {2} skipped" -f $passed, $failed, $skipped)
    if ($failed -gt 0) { exit 1 }
}

function Invoke-Test {
    Invoke-Build
    $parts = [ordered]@{}
    $parts['pester'] = Invoke-Spec -Path @(Get-SpecFiles) -Name 'pester'
    $parts['xunit'] = Invoke-XunitSuite
    Write-Summary $parts
}

function Invoke-SpecTask {
    $paths = if ($SpecPath.Count -gt 0) { @($SpecPath | ForEach-Object { (Resolve-Path -LiteralPath $_).ProviderPath }) } else { @(Get-SpecFiles) }
    Write-Summary ([ordered]@{ pester = (Invoke-Spec -Path $paths -Name 'pester') })
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
    'Spec' { Invoke-SpecTask }
    'Package' { Invoke-Package }
}
