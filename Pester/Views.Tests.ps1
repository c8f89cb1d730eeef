# How pwsh shows FlowForensics' objects and errors: the shipped views rendered by real pwsh at 120 columns, the
# filter error's caret in the default ConciseView. Needs real pwsh and Pester 5 (Format-Table, Out-String).
BeforeAll {
    $modulePath = if ($env:FLOWFORENSICS_MODULE) { $env:FLOWFORENSICS_MODULE } else { "$PSScriptRoot/../out/FlowForensics/FlowForensics.psd1" }
    Import-Module $modulePath -Force
    $t0 = [datetime]::new(2024, 1, 1, 12, 0, 0, [DateTimeKind]::Utc)

    function New-Flow([string] $Src, [int] $SrcPort, [string] $Dst, [int] $DstPort, [string] $Flags = 'None',
                      [long] $Packets = 1, [long] $Bytes = 40, [long] $Flows = 1, [double] $Seconds = 0, [double] $At = 0) {
        [FlowForensics.Flows.FlowRecord]@{
            Start = $t0.AddSeconds($At); End = $t0.AddSeconds($At + $Seconds)
            SrcAddr = [ipaddress]$Src; DstAddr = [ipaddress]$Dst; SrcPort = $SrcPort; DstPort = $DstPort; Protocol = 6
            TcpFlags = $Flags; Packets = $Packets; Bytes = $Bytes; Flows = $Flows
        }
    }

    # The text pwsh prints for $InputObject at 120 columns, as lines without the blank ones.
    function Get-Rendered($InputObject, [int] $Width = 120) {
        @(($InputObject | Out-String -Width $Width) -split '\r?\n' | Where-Object { $_.Trim() })
    }
}

Describe 'The FlowRecord table' {
    BeforeAll {
        $probe = New-Flow 192.168.100.200 51234 10.20.30.40 445 -Flags 'Rst,Syn' -Packets 2 -Bytes 84
        $big = New-Flow 10.0.0.1 40000 10.0.0.2 80 -Flags 'Ack,Psh,Fin,Syn' -Packets 123456789 -Bytes 98765432109 -Flows 123456 -Seconds 3600
        $v6 = New-Flow 2001:db8:85a3:1234:5678:8a2e:370:7334 51234 fe80:1234:5678:9abc:def0:1234:5678:9abc 443 -Flags 'Ack,Syn'
        $lines = Get-Rendered @($probe, $big, $v6)
    }

    It 'fits 120 columns, and 119 (what a 120-column console gives a table) keeps every header on one line' {
        $lines | ForEach-Object { $_.Length | Should -BeLessOrEqual 120 }
        $narrow = Get-Rendered @($probe, $big, $v6) -Width 119
        $narrow[0] | Should -Match '^Date first seen\s+Duration\s+Proto\s+Src IP Addr:Port\s+Dst IP Addr:Port\s+Flags\s+Packets\s+Bytes\s+Flows$'
        $narrow[1] | Should -Match '^[- ]+$'
        $narrow[0].Length | Should -Be $narrow[1].Length
    }

    It "shows nfdump's 8 flag characters: a scan probe is .....RS." {
        $row = @($lines | Where-Object { $_ -like '*192.168.100.200:51234*' })
        $row | Should -HaveCount 1
        $row[0] | Should -Match '^2024-01-01 12:00:00\.000 00:00:00\.000 TCP\s+192\.168\.100\.200:51234 -> 10\.20\.30\.40:445\s+\.\.\.\.\.RS\.\s+2\s+84\s+1$'
    }

    It 'scales big counters like nfdump instead of cutting them, and keeps Flows on one line' {
        $row = @($lines | Where-Object { $_ -like '*10.0.0.1:40000*' })
        $row | Should -HaveCount 1
        $row[0] | Should -Match '\.\.\.AP\.SF 123\.5 M 98\.8 G 123 K$'
        $row[0] | Should -Not -Match ([regex]::Escape([string][char]0x2026))
    }

    It 'shows an IPv6 endpoint whole, broken after a colon, never cut' {
        $at = [array]::FindIndex([string[]]$lines, [Predicate[string]] { param($l) $l -like '*TCP *[[]2001:*' })
        $at | Should -BeGreaterThan 0
        $row = $lines[$at..($at + 2)]
        $row[0] | Should -Match '^2024-01-01 12:00:00\.000 00:00:00\.000 TCP\s+\[2001:db8:85a3:1234: -> \[fe80:1234:5678:9abc: \.\.\.A\.\.S\.\s+1\s+40\s+1$'
        # the endpoint columns on the row's lines: Src is characters 43-63, Dst 65-88 ('-> ' then the address)
        $src = ($row | ForEach-Object { $_.Substring(43, 21).Trim() }) -join ''
        $dst = ($row | ForEach-Object { if ($_.Length -gt 68) { $_.Substring(68, [Math]::Min(21, $_.Length - 68)).Trim() } }) -join ''
        $src | Should -Be '[2001:db8:85a3:1234:5678:8a2e:370:7334]:51234'
        $dst | Should -Be '[fe80:1234:5678:9abc:def0:1234:5678:9abc]:443'
        $lines | Where-Object { $_ -match [regex]::Escape([string][char]0x2026) } | Should -BeNullOrEmpty
    }
}

Describe 'The Measure-FlowTopN table' {
    BeforeAll {
        $flows = @(
            New-Flow 192.168.100.200 51234 172.16.254.199 44321 -Packets 10 -Bytes 5000 -Seconds 2.5 -At 1
            New-Flow 172.16.254.199 44321 192.168.100.200 51234 -Packets 8 -Bytes 900 -Seconds 2 -At 1.1
            New-Flow 10.0.0.1 40000 10.0.0.2 80 -Packets 5 -Bytes 227 -Seconds 0.013 -At 3
        )
    }

    It 'sizes the key to a bidirectional conversation with ports and keeps first seen and duration visible' {
        $rows = @($flows | Measure-FlowTopN -Property Conversation -Bidirectional -OrderBy Bytes)
        $rows[0].Key | Should -Be 'TCP 192.168.100.200:51234 <-> 172.16.254.199:44321'
        $lines = Get-Rendered $rows
        $lines | ForEach-Object { $_.Length | Should -BeLessOrEqual 120 }
        $lines[0] | Should -Match '^Rank\s+Key\s+Flows\s+Packets\s+Bytes\s+Date first seen\s+Duration$'
        $lines[2] | Should -Match '^\s+1 TCP 192\.168\.100\.200:51234 <-> 172\.16\.254\.199:44321\s+2\s+18\s+5900 2024-01-01 12:00:01\.000 00:00:02\.500$'
    }

    It 'shows an address key with the percentages, the times and the rates' {
        $lines = Get-Rendered @($flows | Measure-FlowTopN -Property SrcAddr -OrderBy Bytes)
        $lines | ForEach-Object { $_.Length | Should -BeLessOrEqual 120 }
        $lines[0] | Should -Match '^Rank\s+Key\s+Flows\(%\)\s+Packets\(%\)\s+Bytes\(%\)\s+Date first seen\s+Duration\s+pps\s+bps\s+bpp$'
        $lines[2] | Should -Match '^\s+1 192\.168\.100\.200\s+1\(33\.3\)\s+10\(43\.5\)\s+5000\(81\.6\) 2024-01-01 12:00:01\.000 00:00:02\.500\s+4\s+16000\s+500$'
    }
}

Describe 'A filter syntax error in the default ConciseView' {
    BeforeAll {
        $savedView = $global:ErrorView
        $global:ErrorView = 'ConciseView'
        $file = Join-Path $PSScriptRoot '..' '..' 'shared' 'formats' 'samples' 'nfpcapd-ipv4v6-none.nfcapd'
    }
    AfterAll { $global:ErrorView = $savedView }

    It 'puts the ~ under the faulty token of the filter' -TestCases @(
        @{ Filter = 'src port 8o'; Column = 10; Marks = 2 }
        @{ Filter = 'proto tcp and port 99999'; Column = 20; Marks = 5 }
        @{ Filter = 'src hots 10.0.0.1'; Column = 5; Marks = 4 }
    ) {
        $err = $null
        try { Get-FlowRecord -Path $file -Filter $Filter } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Be 'FilterSyntax,FlowForensics.PowerShell.Commands.GetFlowRecordCommand'
        $lines = @(($err | Out-String -Width 120) -replace '\x1b\[[0-9;]*m' -split '\r?\n')
        $source = [array]::IndexOf([string[]]$lines, "   1 |  $Filter")
        $source | Should -BeGreaterThan 0
        $lines[$source - 2] | Should -Be 'Get-FlowRecord: -Filter:1'
        $lines[$source + 1] | Should -Be ('     |  ' + ' ' * ($Column - 1) + '~' * $Marks)
        $lines[$source + 2] | Should -BeLike "     | Filter error at column $Column*"
    }
}
