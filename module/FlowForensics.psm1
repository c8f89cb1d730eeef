# Loads the cmdlets compiled ahead of time (ReadyToRun) for this OS and processor from bin/<os>-<arch>/, or else the
# IL build in bin/il/, which runs anywhere. Each folder holds a whole set (cmdlets, engine, dependencies): PowerShell
# resolves an assembly's dependencies from the folder it was loaded from.
# The platform comes from the OS and the process's processor, not RuntimeInformation.RuntimeIdentifier, which a
# distribution's own .NET build reports as, for example, ubuntu.24.04-x64; an x64 pwsh emulated on an Arm64 OS runs
# x64 code. Only .NET and Import-Module here: the hosted engine (FlowForensics.Host, the tests) has no
# Microsoft.PowerShell.Management, and in pwsh calling Join-Path or Test-Path would load that module first.
$architecture = switch ([System.Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture) {
    'X64' { 'x64' }
    'Arm64' { 'arm64' }
    default { '' }
}
$os = if ([System.OperatingSystem]::IsWindows()) { 'win' }
elseif ([System.OperatingSystem]::IsMacOS()) { 'osx' }
elseif ([System.OperatingSystem]::IsLinux()) { 'linux' }
else { '' }

$binaries = [System.IO.Path]::Combine($PSScriptRoot, 'bin', 'il')
if ($os -and $architecture) {
    $native = [System.IO.Path]::Combine($PSScriptRoot, 'bin', "$os-$architecture")
    if ([System.IO.File]::Exists([System.IO.Path]::Combine($native, 'FlowForensics.PowerShell.dll'))) {
        $binaries = $native
    }
}

Import-Module -Name ([System.IO.Path]::Combine($binaries, 'FlowForensics.PowerShell.dll')) -ErrorAction Stop
