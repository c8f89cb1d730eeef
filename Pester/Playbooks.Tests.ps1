# docs/playbooks.md as a spec: every FlowForensics block of the page runs as written, in page order, against the demo
# capture shipped with the module, and the answers name the behaviours planted in it (module/Samples/README.md).
# The CSV the page writes is read back with Import-Csv.
BeforeAll {
    $modulePath = if ($env:FLOWFORENSICS_MODULE) { $env:FLOWFORENSICS_MODULE } else { "$PSScriptRoot/../out/FlowForensics/FlowForensics.psd1" }
    Import-Module $modulePath -Force
    $work = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'playbook')
    Push-Location -LiteralPath $work   # the page's relative paths land here

    $pageBlocks = @([regex]::Matches((Get-Content -LiteralPath "$PSScriptRoot/../docs/playbooks.md" -Raw), '(?s)```powershell\r?\n(.*?)```') |
        ForEach-Object { $_.Groups[1].Value })
    $setup = $pageBlocks[0]
    # The setup runs here, dot-sourced, so $demo and $archive reach every block; each block below is dot-sourced in
    # its test with errors made terminating, so any error fails it.
    . ([scriptblock]::Create($setup))
}

AfterAll {
    Pop-Location
}

Describe 'docs/playbooks.md' {
    # Discovery: the page's powershell blocks, the setup (the first) aside.
    $page = Get-Content -LiteralPath "$PSScriptRoot/../docs/playbooks.md" -Raw
    $blocks = @([regex]::Matches($page, '(?s)```powershell\r?\n(.*?)```') | ForEach-Object { $_.Groups[1].Value })
    $answers = @()
    $writers = @()
    for ($i = 1; $i -lt $blocks.Count; $i++) {
        $case = @{ Number = $i; Code = $blocks[$i] }
        if ($blocks[$i] -match 'Export-(Csv|FlowReport)') { $writers += $case } else { $answers += $case }
    }

    It 'has a setup block and the blocks of every section' {
        $pageBlocks.Count | Should -BeGreaterThan 20
        $setup | Should -Match 'Convert-PcapToFlow -Path \$demo -OutputDirectory'
        $archive | Should -Be './case/flows'
        @(Get-ChildItem -LiteralPath (Join-Path $work 'case' 'flows') -File).Count | Should -BeGreaterThan 1
    }

    It 'block <Number> runs and answers' -TestCases $answers {
        $ErrorActionPreference = 'Stop'
        $out = @(. ([scriptblock]::Create($Code)))
        $out.Count | Should -BeGreaterThan 0
    }

    It 'block <Number> writes its file' -TestCases @($writers | Where-Object { $_.Code -notmatch 'Export-Csv' }) {
        $ErrorActionPreference = 'Stop'
        $null = . ([scriptblock]::Create($Code))
        Join-Path $work 'case' 'report.xlsx' | Should -Exist
    }

    It 'block <Number> writes CSV that Import-Csv reads back' -TestCases @($writers | Where-Object { $_.Code -match 'Export-Csv' }) {
        $ErrorActionPreference = 'Stop'
        $null = . ([scriptblock]::Create($Code))
        $written = @([regex]::Matches($Code, 'Export-Csv \./(\S+)'))
        $written.Count | Should -BeGreaterThan 0
        foreach ($m in $written) {
            $csv = Join-Path $work $m.Groups[1].Value
            $csv | Should -Exist
            @(Import-Csv -LiteralPath $csv).Count | Should -BeGreaterThan 0
        }
    }

    It 'hands over CSV that keeps the timeline of 10.20.0.26 and the beacon written by the page''s blocks' {
        $flows = @(Get-FlowRecord -Path $archive -OrderBy Start -Filter 'host 10.20.0.26')
        $rows = @(Import-Csv -LiteralPath (Join-Path $work 'timeline.csv'))
        $rows | Should -HaveCount $flows.Count
        Compare-Object $rows $flows -Property SrcAddr, DstAddr, SrcPort, DstPort, ProtocolName, Packets, Bytes -SyncWindow 0 | Should -BeNullOrEmpty
        $rows | Where-Object { $_.SrcAddr -ne '10.20.0.26' -and $_.DstAddr -ne '10.20.0.26' } | Should -BeNullOrEmpty
        $beacon = @(Import-Csv -LiteralPath (Join-Path $work 'beacons.csv') | Where-Object Host -eq '10.20.1.23')
        $beacon | Should -HaveCount 1
        $beacon[0].DstAddr | Should -Be '203.0.113.50'
        [int] $beacon[0].DstPort | Should -Be 443
    }
}

Describe 'the playbook answers name what is planted in the demo' {
    It 'ranks the 3 MB upload port 4444 first by bytes' {
        $top = @(Measure-FlowTopN -Path $archive -Property DstPort -OrderBy Bytes -Top 1)
        $top[0].DstPort | Should -Be 4444
    }

    It 'finds the beacon 10.20.1.23 -> 203.0.113.50:443' {
        $b = @(Find-FlowBeacon -Path $archive -MinimumConnections 8 | Where-Object { $_.SrcAddr -eq '10.20.1.23' -and $_.DstAddr -eq '203.0.113.50' })
        $b.Count | Should -Be 1
        $b[0].DstPort | Should -Be 443
    }

    It 'finds the upload from 10.20.0.26 and the DNS tunnel from 10.20.1.29' {
        $found = @(Find-FlowExfiltration -Path $archive)
        @($found | Where-Object Host -eq '10.20.0.26').Count | Should -BeGreaterThan 0
        @($found | Where-Object { $_.Host -eq '10.20.1.29' -and $_.Technique -eq 'T1071.004' }).Count | Should -Be 1
    }

    It 'finds the scanner 10.20.0.31 and the chain from 10.20.1.21' {
        @(Find-FlowScan -Path $archive | Where-Object Scanner -eq '10.20.0.31').Count | Should -Be 1
        @(Find-FlowLateralMovement -Path $archive -InternalNetwork 10.20.0.0/16 -Exclude 10.20.0.7 |
            Where-Object { $_.Chain -match '^10\.20\.1\.21 ' }).Count | Should -BeGreaterThan 0
    }
}
