# Find-FlowExfiltration as a PowerShell user meets it: the demo's 3 MB upload to 4444/tcp and its DNS tunnel are
# found with their ATT&CK ids, -Exclude and -AllowedPort change the verdicts, findings go through CSV, JSON and the
# default table intact, and bad arguments fail with their ids.
BeforeAll {
    $modulePath = if ($env:FLOWFORENSICS_MODULE) { $env:FLOWFORENSICS_MODULE } else { "$PSScriptRoot/../out/FlowForensics/FlowForensics.psd1" }
    Import-Module $modulePath -Force
    $demo = "$((Get-Module FlowForensics).ModuleBase)/Samples/demo.pcap"
    $flows = @(Convert-PcapToFlow -Path $demo)
    $fullId = 'FlowForensics.PowerShell.Commands.FindFlowExfiltrationCommand'
}

Describe 'Find-FlowExfiltration' {
    It 'finds the 3 MB upload from 10.20.0.26 to 198.51.100.200:4444/tcp' {
        $found = @($flows | Find-FlowExfiltration | Where-Object Kind -eq 'UnusualPort')
        $found | Should -HaveCount 1
        $found[0].Host | Should -Be '10.20.0.26'
        $found[0].Peers | Should -Be '198.51.100.200:4444/TCP'
        $found[0].Technique | Should -Be 'T1048'
        $found[0].BytesOut | Should -BeGreaterThan 3000000
        $found[0].Ratio | Should -BeGreaterThan 0.9
        $found[0].Reason | Should -Match 'outside the allowlist'
    }

    It 'finds the DNS tunnel from 10.20.1.29 through the resolver, not the resolver itself' {
        $found = @($flows | Find-FlowExfiltration | Where-Object Kind -eq 'DnsTunnel')
        $found | Should -HaveCount 1
        $found[0].Host | Should -Be '10.20.1.29'
        $found[0].Peers | Should -Be '10.20.0.2'
        $found[0].Technique | Should -Be 'T1071.004'
    }

    It 'survives an Export-Csv and Import-Csv round trip' {
        $found = @($flows | Find-FlowExfiltration | Sort-Object Score -Descending)
        $csv = Join-Path $TestDrive 'exfiltration.csv'
        $found | Export-Csv -LiteralPath $csv
        $rows = @(Import-Csv -LiteralPath $csv)
        $rows | Should -HaveCount $found.Count
        Compare-Object $rows $found -Property Kind, Technique, Host, Peers, PeerCount, BytesOut, BytesIn, Ratio, Flows, Score, Reason -SyncWindow 0 |
            Should -BeNullOrEmpty
        $upload = $rows | Where-Object Kind -eq 'UnusualPort'
        $upload.Host | Should -Be '10.20.0.26'
        $upload.Peers | Should -Be '198.51.100.200:4444/TCP'
        [long] $upload.BytesOut | Should -BeGreaterThan 3000000
        $rows | Group-Object Technique -NoElement | Sort-Object Name | ForEach-Object Name | Should -Be 'T1048', 'T1071.004'
        for ($i = 0; $i -lt $found.Count; $i++) {
            $first = $found[$i].FirstSeen
            [datetime]::Parse($rows[$i].FirstSeen, (Get-Culture)) | Should -Be $first.AddTicks(-($first.Ticks % [timespan]::TicksPerSecond))
        }
    }

    It 'converts to JSON and back with its numbers, times and reason' {
        $upload = $flows | Find-FlowExfiltration | Where-Object Kind -eq 'UnusualPort'
        $back = $upload | ConvertTo-Json | ConvertFrom-Json
        $back.Host | Should -Be '10.20.0.26'
        $back.Technique | Should -Be 'T1048'
        $back.BytesOut | Should -Be $upload.BytesOut
        $back.Ratio | Should -Be $upload.Ratio
        $back.Score | Should -Be $upload.Score
        $back.FirstSeen | Should -Be $upload.FirstSeen
        $back.FirstSeen.Kind | Should -Be ([DateTimeKind]::Utc)
        $back.Reason | Should -BeExactly $upload.Reason
    }

    It 'shows the default table in 120 columns' {
        $table = $flows | Find-FlowExfiltration | Format-Table | Out-String -Width 120
        $table | Should -Match 'Score +Kind +ATT&CK +Host +Peers +BytesOut +BytesIn +Ratio +Flows'
        $table | Should -Match 'UnusualPort +T1048 +10\.20\.0\.26 +198\.51\.100\.200:4444/TCP +3082372 '
        $table | Should -Match 'DnsTunnel +T1071\.004 +10\.20\.1\.29 +10\.20\.0\.2 '
        $table -split '\r?\n' | Where-Object Length -gt 120 | Should -BeNullOrEmpty
    }

    It 'leaves out allowlisted hosts' {
        @($flows | Find-FlowExfiltration -Exclude 198.51.100.200, 10.20.1.29) | Should -HaveCount 0
    }

    It 'reports the upload as a large upload once its port is allowed and the threshold lowered' {
        $found = @($flows | Find-FlowExfiltration -AllowedPort 443, 4444 -LargeFlowBytes 2000000)
        @($found | Where-Object Kind -eq 'UnusualPort') | Should -HaveCount 0
        @($found | Where-Object Kind -eq 'LargeUpload' | Where-Object Host -eq '10.20.0.26') | Should -HaveCount 1
    }

    It 'hunts only the given inside networks' {
        @($flows | Find-FlowExfiltration -InternalNetwork 10.99.0.0/16) | Should -HaveCount 0
    }

    It 'rejects a port outside 0..65535 with HuntOptionInvalid' {
        { $flows | Find-FlowExfiltration -AllowedPort 70000 -ErrorAction Stop } | Should -Throw -ErrorId "HuntOptionInvalid,$fullId"
    }
}
