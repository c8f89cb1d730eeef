# Find-FlowBeacon as a PowerShell user meets it: the demo's planted beacon is found with its period, -Exclude
# removes it, findings are flat and explained, go through CSV, JSON and the default table intact, and bad arguments
# fail with their error ids.
BeforeAll {
    $modulePath = if ($env:FLOWFORENSICS_MODULE) { $env:FLOWFORENSICS_MODULE } else { "$PSScriptRoot/../out/FlowForensics/FlowForensics.psd1" }
    Import-Module $modulePath -Force
    $demo = "$((Get-Module FlowForensics).ModuleBase)/Samples/demo.pcap"
    $flows = @(Convert-PcapToFlow -Path $demo)
    $fullId = 'FlowForensics.PowerShell.Commands.FindFlowBeaconCommand'
}

Describe 'Find-FlowBeacon' {
    It 'finds the demo beacon 10.20.1.23 -> 203.0.113.50:443 about every 60 s' {
        $found = @($flows | Find-FlowBeacon)
        $found | Should -HaveCount 1
        $found[0].SrcAddr | Should -Be '10.20.1.23'
        $found[0].DstAddr | Should -Be '203.0.113.50'
        $found[0].DstPort | Should -Be 443
        $found[0].Protocol | Should -Be 'TCP'
        $found[0].MedianInterval.TotalSeconds | Should -BeGreaterThan 54
        $found[0].MedianInterval.TotalSeconds | Should -BeLessThan 66
        $found[0].Score | Should -BeGreaterThan 0.625   # 0.7 before the common scale (0.6 became 0.5)
        $found[0].Reason | Should -Match '10.20.1.23 connected to 203.0.113.50:443/TCP'
    }

    It 'writes flat findings: only strings, numbers, DateTime and TimeSpan' {
        $f = @($flows | Find-FlowBeacon)[0]
        foreach ($p in $f.PSObject.Properties) {
            ($p.Value -is [string] -or $p.Value -is [ValueType]) | Should -BeTrue
        }
    }

    It 'survives an Export-Csv and Import-Csv round trip' {
        $found = @($flows | Find-FlowBeacon)
        $csv = Join-Path $TestDrive 'beacons.csv'
        $found | Export-Csv -LiteralPath $csv
        $rows = @(Import-Csv -LiteralPath $csv)
        $rows | Should -HaveCount 1
        Compare-Object $rows $found -Property Host, DstAddr, DstPort, Protocol, Score, Connections, MissedBeats, JitterPercent, Reason |
            Should -BeNullOrEmpty
        $rows[0].Host | Should -Be '10.20.1.23'
        [int] $rows[0].DstPort | Should -Be 443
        [double] $rows[0].Score | Should -Be $found[0].Score
        [timespan] $rows[0].MedianInterval | Should -Be $found[0].MedianInterval
        $first = $found[0].FirstSeen
        [datetime]::Parse($rows[0].FirstSeen, (Get-Culture)) | Should -Be $first.AddTicks(-($first.Ticks % [timespan]::TicksPerSecond))
    }

    It 'converts to JSON and back with its numbers, times and reason' {
        $found = @($flows | Find-FlowBeacon)[0]
        $back = $found | ConvertTo-Json | ConvertFrom-Json
        $back.Host | Should -Be '10.20.1.23'
        $back.DstAddr | Should -Be '203.0.113.50'
        $back.DstPort | Should -Be 443
        $back.Score | Should -Be $found.Score
        $back.Connections | Should -Be $found.Connections
        $back.MedianInterval.Ticks | Should -Be $found.MedianInterval.Ticks
        $back.FirstSeen | Should -Be $found.FirstSeen
        $back.FirstSeen.Kind | Should -Be ([DateTimeKind]::Utc)
        $back.LastSeen | Should -Be $found.LastSeen
        $back.Reason | Should -BeExactly $found.Reason
    }

    It 'shows the default table in 120 columns' {
        $table = $flows | Find-FlowBeacon | Format-Table | Out-String -Width 120
        $table | Should -Match 'Score +Source +Destination +Conns +Period'
        $table | Should -Match '10\.20\.1\.23 +203\.0\.113\.50:443/TCP +12 '
        $table -split '\r?\n' | Where-Object Length -gt 120 | Should -BeNullOrEmpty
    }

    It 'leaves out allowlisted addresses and ports' {
        @($flows | Find-FlowBeacon -Exclude 203.0.113.50) | Should -HaveCount 0
        @($flows | Find-FlowBeacon -Exclude '443/tcp') | Should -HaveCount 0
    }

    It 'drops the beacon when more connections are required than it made' {
        @($flows | Find-FlowBeacon -MinimumConnections 20) | Should -HaveCount 0
    }

    It 'finds it by host pair with DstPort 0' {
        $found = @($flows | Find-FlowBeacon -ByHostPair | Where-Object SrcAddr -eq '10.20.1.23')
        $found | Should -HaveCount 1
        $found[0].DstPort | Should -Be 0
    }

    It 'rejects a bad -Exclude entry with ExcludeInvalid' {
        { $flows | Find-FlowBeacon -Exclude 'not-a-network' -ErrorAction Stop } | Should -Throw -ErrorId "ExcludeInvalid,$fullId"
    }

    It 'rejects a bad -InternalNetwork entry with NetworkInvalid' {
        { $flows | Find-FlowBeacon -InternalNetwork '10.0.0.0/99' -ErrorAction Stop } | Should -Throw -ErrorId "NetworkInvalid,$fullId"
    }
}
