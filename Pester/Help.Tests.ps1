# Every example of every cmdlet's help, as Get-Help shows it to a user (the MAML shipped in the module), runs as
# written in real pwsh, each in an empty folder of its own, and writes no error.
BeforeDiscovery {
    $modulePath = if ($env:FLOWFORENSICS_MODULE) { $env:FLOWFORENSICS_MODULE } else { "$PSScriptRoot/../out/FlowForensics/FlowForensics.psd1" }
    Import-Module $modulePath -Force
    $examples = foreach ($command in Get-Command -Module FlowForensics | Sort-Object Name) {
        $number = 0
        foreach ($example in (Get-Help $command.Name -Examples).examples.example) {
            $number++
            @{ Cmdlet = $command.Name; Number = $number; Title = $example.title.Trim('- '); Code = $example.code }
        }
    }
}

BeforeAll {
    $modulePath = if ($env:FLOWFORENSICS_MODULE) { $env:FLOWFORENSICS_MODULE } else { "$PSScriptRoot/../out/FlowForensics/FlowForensics.psd1" }
    Import-Module $modulePath -Force
}

Describe 'Get-Help examples' {
    It 'every cmdlet has at least two examples' -TestCases @{ Cmdlets = @($examples | ForEach-Object { $_.Cmdlet }) } {
        $perCmdlet = $Cmdlets | Group-Object
        $perCmdlet | Where-Object Count -lt 2 | Select-Object -ExpandProperty Name | Should -BeNullOrEmpty
        $perCmdlet.Count | Should -Be (Get-Command -Module FlowForensics).Count
    }

    It '<Cmdlet> example <Number> runs: <Title>' -TestCases $examples {
        $folder = New-Item -ItemType Directory -Path (Join-Path $TestDrive "$Cmdlet-$Number")
        Push-Location $folder
        try {
            $ErrorActionPreference = 'Stop'
            $null = . ([scriptblock]::Create($Code))
        }
        finally {
            Pop-Location
        }
    }
}
