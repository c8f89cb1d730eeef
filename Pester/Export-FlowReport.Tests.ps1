# Export-FlowReport as a PowerShell user meets it: a workbook from the pipeline or from nfcapd files, -PassThru,
# -Force/-WhatIf on an existing file, errors, and formula-like text made harmless. The workbook is opened with the
# Open XML SDK that ships in the module folder.
BeforeAll {
    $modulePath = if ($env:FLOWFORENSICS_MODULE) { $env:FLOWFORENSICS_MODULE } else { "$PSScriptRoot/../out/FlowForensics/FlowForensics.psd1" }
    Import-Module $modulePath -Force
    $demo = Join-Path (Get-Module FlowForensics).ModuleBase 'Samples' 'demo.pcap'
    $fullId = 'FlowForensics.PowerShell.Commands.ExportFlowReportCommand'
    $flows = @(Convert-PcapToFlow -Path $demo)

    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
}

Describe 'Export-FlowReport' {
    It 'writes a workbook of the flows it is piped and returns it with -PassThru' {
        $book = Join-Path $TestDrive 'pipe.xlsx'
        $file = $flows | Export-FlowReport -Path $book -PassThru
        $file | Should -BeOfType ([IO.FileInfo])
        $file.FullName | Should -Be $book
        $wb = Read-Workbook $book
        $wb.Sheets | Should -Be @('Summary', 'Traffic', 'Top talkers', 'Top ports', 'Top conversations', 'Beacons', 'Exfiltration', 'Scans', 'Lateral movement', 'Timeline', 'Evidence')
        $wb.Strings | Should -Contain 'Flow records'
    }

    It 'lists the flows themselves only with -IncludeFlows, the earliest -FlowLimit' {
        $book = Join-Path $TestDrive 'list.xlsx'
        $flows | Export-FlowReport -Path $book -IncludeFlows -FlowLimit 100
        $wb = Read-Workbook $book
        $wb.Sheets | Should -Contain 'Flows'
        $wb.Strings | Should -Contain 'Source address'
        $wb.Strings | Should -Contain "the flows in start order: 100 of $('{0:N0}' -f $flows.Count) (the earliest 100; $('{0:N0}' -f ($flows.Count - 100)) later flows are counted in the totals but not listed)"
    }

    It 'writes no workbook when none of the flow files given can be read' {
        $dir = Join-Path $TestDrive 'junk'
        New-Item -ItemType Directory -Path $dir | Out-Null
        $junk = Join-Path $dir 'nfcapd.202601150900'
        Set-Content -LiteralPath $junk -Value 'not flows at all'
        $book = Join-Path $TestDrive 'junk.xlsx'
        # the file's own error is not terminating; the refusal to write an empty workbook is
        $refusal = { Export-FlowReport -FlowPath $junk -Path $book -ErrorAction SilentlyContinue } | Should -Throw -PassThru
        $refusal.FullyQualifiedErrorId | Should -Be "NoReadableInput,$fullId"
        $refusal.Exception.Message | Should -BeLike '*no workbook was written*'
        $book | Should -Not -Exist
    }

    It 'writes nothing without -PassThru' {
        $book = Join-Path $TestDrive 'quiet.xlsx'
        $flows | Export-FlowReport -Path $book | Should -HaveCount 0
        $book | Should -Exist
    }

    It 'lists nfcapd files read with -FlowPath as evidence with their SHA-256' {
        $dir = Join-Path $TestDrive 'flows'
        Convert-PcapToFlow -Path $demo -OutputDirectory $dir -RotateEvery 00:05:00
        $book = Join-Path $TestDrive 'files.xlsx'
        Export-FlowReport -FlowPath $dir -Path $book
        $wb = Read-Workbook $book
        foreach ($info in Get-FlowFileInfo -Path $dir) {
            $wb.Strings | Should -Contain $info.Sha256
            $wb.Strings | Should -Contain $info.Path
            $wb.Strings | Should -Contain (Get-FileHash -LiteralPath $info.Path -Algorithm SHA256).Hash
        }
    }

    It 'gives findings a sheet named after their type and neutralises formula text' {
        $book = Join-Path $TestDrive 'findings.xlsx'
        $finding = [pscustomobject]@{ PSTypeName = 'Spec.ExfilFinding'; FirstSeen = [datetime]::UtcNow; SrcAddr = '10.20.0.5'; Reason = '=HYPERLINK("http://x","y")' }
        $finding | Export-FlowReport -Path $book -WarningAction SilentlyContinue
        $wb = Read-Workbook $book
        $wb.Sheets | Should -Contain 'ExfilFinding'
        $wb.Strings | Should -Contain '''=HYPERLINK("http://x","y")'
        $wb.Strings | Should -Not -Contain '=HYPERLINK("http://x","y")'
    }

    It 'refuses to replace an existing file without -Force' {
        $book = Join-Path $TestDrive 'exists.xlsx'
        Set-Content -LiteralPath $book -Value 'keep me' -NoNewline
        { $flows | Export-FlowReport -Path $book -ErrorAction Stop } | Should -Throw -ErrorId "OutputExists,$fullId"
        Get-Content -LiteralPath $book -Raw | Should -Be 'keep me'
    }

    It 'replaces an existing file with -Force' {
        $book = Join-Path $TestDrive 'force.xlsx'
        Set-Content -LiteralPath $book -Value 'old'
        $flows | Export-FlowReport -Path $book -Force
        (Read-Workbook $book).Sheets[0] | Should -Be 'Summary'
    }

    It 'writes nothing with -WhatIf' {
        $book = Join-Path $TestDrive 'whatif.xlsx'
        $flows | Export-FlowReport -Path $book -WhatIf
        $book | Should -Not -Exist
    }

    It 'rejects a bad filter with the column of the mistake' {
        $book = Join-Path $TestDrive 'badfilter.xlsx'
        { $flows | Export-FlowReport -Path $book -Filter 'proto tcp and' -ErrorAction Stop } | Should -Throw -ErrorId 'FilterSyntax*'
        $book | Should -Not -Exist
    }

    It 'says so when the folder of the workbook does not exist' {
        $book = Join-Path $TestDrive 'no-such-folder' 'x.xlsx'
        { $flows | Export-FlowReport -Path $book -ErrorAction Stop } | Should -Throw -ErrorId "OutputWriteFailed,$fullId"
    }

    It 'rejects a -Top of <Top>' -TestCases @(@{ Top = 0 }, @{ Top = 10001 }) {
        { Export-FlowReport -Path (Join-Path $TestDrive 'top.xlsx') -Top $Top } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
    }
}
