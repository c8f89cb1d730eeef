# Measure-FlowTopN as a PowerShell user meets it: the seed playbooks (top talkers, top services, conversations,
# per-source aggregation), fan-out with -Distinct, -Filter, -Start/-End, reading nfcapd files with -Path, and errors.
# Every expected value is computed here, independently, with Group-Object and Measure-Object over the same flows.
# Rows go through ConvertTo-Json and Format-Table as a user would send them on.
BeforeAll {
    $modulePath = if ($env:FLOWFORENSICS_MODULE) { $env:FLOWFORENSICS_MODULE } else { "$PSScriptRoot/../out/FlowForensics/FlowForensics.psd1" }
    Import-Module $modulePath -Force
    $shared = Join-Path $PSScriptRoot '..' '..' 'shared' -Resolve
    $espn = Join-Path $shared 'data' 'pcap' 'chrissanders' 'http_espn.pcapng'
    $nfcapd = Join-Path $shared 'data' 'nfcapd' 'slips' 'test1-malicious.nfdump'
    $mixed = Join-Path $shared 'formats' 'samples' 'nfpcapd-ipv4v6-none.nfcapd'
    $fullId = 'FlowForensics.PowerShell.Commands.MeasureFlowTopNCommand'

    $flows = @(Convert-PcapToFlow -Path $espn)

    # Flows, packets and bytes per key (the key as text): the reference every spec below compares with.
    function Get-Totals($Flows, [scriptblock] $KeyOf) {
        $table = @{}
        foreach ($group in $Flows | Group-Object -Property $KeyOf -CaseSensitive) {
            $sum = @{}
            $group.Group | Measure-Object -Property Flows, Packets, OutPackets, Bytes, OutBytes -Sum | ForEach-Object { $sum[$_.Property] = [long] $_.Sum }
            $table[$group.Name] = [pscustomobject]@{
                Flows   = $sum.Flows
                Packets = $sum.Packets + $sum.OutPackets
                Bytes   = $sum.Bytes + $sum.OutBytes
            }
        }
        $table
    }

    # A top-N answer is right when each row's figures are the key's, ranks run 1..N, values never rise, and no key
    # left out beats the last row.
    function Assert-TopN($Rows, $Table, [scriptblock] $RowKey, [string] $By, [int] $Top) {
        $expected = [Math]::Min($Top, $Table.Count)
        $Rows | Should -HaveCount $expected
        $listed = @{}
        for ($i = 0; $i -lt $Rows.Count; $i++) {
            $r = $Rows[$i]
            $k = [string] (& $RowKey $r)
            $r.Rank | Should -Be ($i + 1)
            $Table.ContainsKey($k) | Should -BeTrue
            $r.Flows | Should -Be $Table[$k].Flows
            $r.Packets | Should -Be $Table[$k].Packets
            $r.Bytes | Should -Be $Table[$k].Bytes
            if ($i -gt 0) { $Rows[$i - 1].$By | Should -BeGreaterOrEqual $r.$By }
            $listed[$k] = $true
        }
        $last = $Rows[$Rows.Count - 1].$By
        $Table.Keys | Where-Object { -not $listed.ContainsKey($_) -and $Table[$_].$By -gt $last } | Should -HaveCount 0
    }
}

Describe 'Measure-FlowTopN' {
    Context 'seed playbooks over flows from the pipeline' {
        It 'finds the top 10 source IPs by bytes' {
            $rows = @($flows | Measure-FlowTopN -Property SrcAddr -OrderBy Bytes -Top 10)
            $table = Get-Totals $flows { $_.SrcAddr.ToString() }
            Assert-TopN $rows $table { param($r) $r.SrcAddr } 'Bytes' 10
            $rows[0] | Should -BeOfType ([FlowForensics.Analysis.TopN.TopNRow])
            $total = ($flows | Measure-Object -Property Bytes -Sum).Sum
            [Math]::Abs($rows[0].BytesPercent - 100.0 * $rows[0].Bytes / $total) | Should -BeLessThan 1e-9
            $rows[0].DstAddr | Should -BeNullOrEmpty
        }

        It 'finds the top destination IPs by flows (the default order)' {
            $rows = @($flows | Measure-FlowTopN DstAddr)
            $table = Get-Totals $flows { $_.DstAddr.ToString() }
            Assert-TopN $rows $table { param($r) $r.DstAddr } 'Flows' 10
        }

        It 'finds the top destination ports by bytes' {
            $rows = @($flows | Measure-FlowTopN -Property DstPort -OrderBy Bytes -Top 5)
            $table = Get-Totals $flows { [int] $_.DstPort }
            Assert-TopN $rows $table { param($r) [int] $r.DstPort } 'Bytes' 5
            $rows[0].Key | Should -Be ([string] $rows[0].DstPort)
        }

        It 'finds the top conversations by bytes, as nfdump -s record' {
            $rows = @($flows | Measure-FlowTopN -Property Conversation -OrderBy Bytes -Top 5)
            $table = Get-Totals $flows { '{0} {1}:{2} {3}:{4}' -f $_.Protocol, $_.SrcAddr, $_.SrcPort, $_.DstAddr, $_.DstPort }
            Assert-TopN $rows $table { param($r) '{0} {1}:{2} {3}:{4}' -f $r.Protocol, $r.SrcAddr, $r.SrcPort, $r.DstAddr, $r.DstPort } 'Bytes' 5
            $rows[0].Key | Should -Match '^TCP .+:[0-9]+ -> .+:[0-9]+$'
        }

        It 'aggregates per source and destination port, as nfdump -A srcip,dstport, with -Top 0 for every key' {
            $rows = @($flows | Measure-FlowTopN -Property SrcAddr, DstPort -OrderBy Packets -Top 0)
            $table = Get-Totals $flows { '{0}|{1}' -f $_.SrcAddr, $_.DstPort }
            Assert-TopN $rows $table { param($r) '{0}|{1}' -f $r.SrcAddr, $r.DstPort } 'Packets' $table.Count
        }

        It 'counts both directions of a conversation as one with -Bidirectional' {
            $rows = @($flows | Measure-FlowTopN -Property Conversation -Bidirectional -Top 0)
            $pairs = @($flows | ForEach-Object {
                    $a = '{0}:{1}' -f $_.SrcAddr, $_.SrcPort
                    $b = '{0}:{1}' -f $_.DstAddr, $_.DstPort
                    # TCP and UDP pair with their reverse (either order of the ends is one key); other protocols do not, as nfdump -b.
                    $ends = if (($_.Protocol -eq 6 -or $_.Protocol -eq 17) -and [string]::CompareOrdinal($a, $b) -gt 0) { "$b $a" } else { "$a $b" }
                    "$($_.Protocol) $ends"
                } | Sort-Object -Unique -CaseSensitive)
            $pairs.Count | Should -BeLessThan $flows.Count
            $rows | Should -HaveCount $pairs.Count
            ($rows | Measure-Object -Property Flows -Sum).Sum | Should -Be $flows.Count
            $rows[0].Key | Should -Match '<->'
        }
    }

    Context 'fan-out with -Distinct' {
        It 'counts the distinct destinations and ports each source reached' {
            $rows = @($flows | Measure-FlowTopN -Property SrcAddr -Distinct DstAddr, DstPort -Top 0)
            $bySource = $flows | Group-Object -Property { $_.SrcAddr.ToString() } -AsHashTable
            $rows | Should -HaveCount $bySource.Count
            foreach ($r in $rows) {
                $reached = $bySource[$r.SrcAddr]
                $r.DistinctDstAddr | Should -Be @($reached | ForEach-Object { $_.DstAddr.ToString() } | Sort-Object -Unique).Count
                $r.DistinctDstPort | Should -Be @($reached.DstPort | Sort-Object -Unique).Count
                $r.DistinctIsExact | Should -BeTrue
                $r.DistinctSrcPort | Should -BeNullOrEmpty
            }
            @($rows | Where-Object DistinctDstPort -gt 1).Count | Should -BeGreaterThan 0
        }

        It 'marks rows with distinct counts for the table view that shows them' {
            $rows = @($flows | Measure-FlowTopN -Property SrcAddr -Distinct DstPort -Top 2)
            $rows[0].PSObject.TypeNames[0] | Should -Be 'FlowForensics.Analysis.TopN.TopNRow#Distinct'
            $plain = @($flows | Measure-FlowTopN -Property SrcAddr -Top 2)
            $plain[0].PSObject.TypeNames[0] | Should -Be 'FlowForensics.Analysis.TopN.TopNRow'
        }
    }

    Context 'composing with native PowerShell' {
        It 'converts a row to JSON with its key, counters and times' {
            $row = $flows | Measure-FlowTopN -Property SrcAddr -OrderBy Bytes -Top 1
            $back = $row | ConvertTo-Json | ConvertFrom-Json
            $back.Rank | Should -Be 1
            $back.Key | Should -Be $row.Key
            $back.SrcAddr | Should -Be $row.SrcAddr
            $back.DstAddr | Should -BeNullOrEmpty
            $back.Flows | Should -Be $row.Flows
            $back.Packets | Should -Be $row.Packets
            $back.Bytes | Should -Be $row.Bytes
            $back.BytesPercent | Should -Be $row.BytesPercent
            $back.FirstSeen | Should -Be $row.FirstSeen
            $back.FirstSeen.Kind | Should -Be ([DateTimeKind]::Utc)
            $back.LastSeen | Should -Be $row.LastSeen
            $back.Duration.Ticks | Should -Be $row.Duration.Ticks
        }

        It 'converts fan-out rows to JSON with their distinct counts' {
            $rows = @($flows | Measure-FlowTopN -Property SrcAddr -Distinct DstAddr, DstPort -Top 3)
            $back = @($rows | ConvertTo-Json | ConvertFrom-Json)
            $back | Should -HaveCount 3
            $back.Key | Should -Be $rows.Key
            $back.DistinctDstAddr | Should -Be $rows.DistinctDstAddr
            $back.DistinctDstPort | Should -Be $rows.DistinctDstPort
        }

        It 'shows the key and the counters of the default table in 120 columns' {
            $rows = @($flows | Measure-FlowTopN -Property SrcAddr -OrderBy Bytes -Top 5)
            $table = $rows | Format-Table | Out-String -Width 120
            $table | Should -Match 'Rank +Key +Flows\(%\) +Packets\(%\) +Bytes\(%\) +Date first seen +Duration +pps +bps +bpp'
            $table | Should -Match ('(?m)^ +1 {0} +{1}\( *[0-9.]+\) +{2}\( *[0-9.]+\) +{3}\( *[0-9.]+\) +{4} +{5} ' -f
                [regex]::Escape($rows[0].Key), $rows[0].Flows, $rows[0].Packets, $rows[0].Bytes,
                $rows[0].FirstSeen.ToString('yyyy-MM-dd HH:mm:ss.fff'), [regex]::Escape($rows[0].Duration.ToString('hh\:mm\:ss\.fff')))
            $table -split '\r?\n' | Where-Object Length -gt 120 | Should -BeNullOrEmpty
        }

        It 'shows the distinct counts of the fan-out table in 120 columns' {
            $rows = @($flows | Measure-FlowTopN -Property SrcAddr -Distinct DstAddr, DstPort -Top 5)
            $table = $rows | Format-Table | Out-String -Width 120
            $table | Should -Match 'Rank +Key +Flows\(%\) +Packets\(%\) +Bytes\(%\) +Distinct'
            $table | Should -Match ('DstAddr {0}, DstPort {1}' -f $rows[0].DistinctDstAddr, $rows[0].DistinctDstPort)
            $table -split '\r?\n' | Where-Object Length -gt 120 | Should -BeNullOrEmpty
        }

        It 'agrees with Group-Object and Measure-Object, Sort-Object and Select-Object -First' {
            $rows = @($flows | Measure-FlowTopN -Property DstPort -OrderBy Bytes -Top 3)
            $byHand = @($flows | Group-Object DstPort |
                    Select-Object Name, @{ Name = 'Bytes'; Expression = { ($_.Group | Measure-Object Bytes -Sum).Sum } } |
                    Sort-Object Bytes -Descending | Select-Object -First 3)
            $rows.Key | Should -Be $byHand.Name
            $rows.Bytes | Should -Be $byHand.Bytes
        }
    }

    Context '-Filter in nfdump syntax' {
        It 'counts only the flows the filter matches' {
            $rows = @($flows | Measure-FlowTopN -Property DstAddr -OrderBy Bytes -Top 0 -Filter 'proto tcp and dst port 80')
            $web = @($flows | Where-Object { $_.Protocol -eq 6 -and $_.DstPort -eq 80 })
            $web.Count | Should -BeGreaterThan 0
            $table = Get-Totals $web { $_.DstAddr.ToString() }
            Assert-TopN $rows $table { param($r) $r.DstAddr } 'Bytes' $table.Count
            $total = ($web | Measure-Object -Property Bytes -Sum).Sum
            [Math]::Abs(($rows | Measure-Object -Property BytesPercent -Sum).Sum - 100.0) | Should -BeLessThan 1e-6
            ($rows | Measure-Object -Property Bytes -Sum).Sum | Should -Be $total
        }

        It 'stops with FilterSyntax, naming the column and drawing a caret under it' {
            $err = $null
            try { $flows | Measure-FlowTopN -Property SrcAddr -Filter 'proto tcp and port 99999' } catch { $err = $_ }
            $err | Should -Not -BeNullOrEmpty
            $err.FullyQualifiedErrorId | Should -Be "FilterSyntax,$fullId"
            $err.CategoryInfo.Category | Should -Be 'ParserError'
            $err.TargetObject | Should -Be 'proto tcp and port 99999'
            $err.ToString() | Should -Match 'column 20'
            $lines = $err.InvocationInfo.PositionMessage -split '\r?\n'
            $lines[0] | Should -Be 'At -Filter:1 char:20'
            $lines[1] | Should -Be '+ proto tcp and port 99999'
            $lines[2] | Should -Be "+ $(' ' * 19)~~~~~"
            $err.Exception.Errors[0].Extent.StartColumnNumber | Should -Be 20
        }
    }

    Context 'nfcapd files with -Path' {
        It 'reads the files itself and agrees with the same flows piped in' {
            $nf = @(Get-FlowRecord -Path $nfcapd)
            $nf.Count | Should -BeGreaterThan 100
            $fromPath = @(Measure-FlowTopN -Path $nfcapd -Property DstPort -OrderBy Bytes -Top 10)
            $fromPipe = @($nf | Measure-FlowTopN -Property DstPort -OrderBy Bytes -Top 10)
            $table = Get-Totals $nf { [int] $_.DstPort }
            Assert-TopN $fromPath $table { param($r) [int] $r.DstPort } 'Bytes' 10
            ($fromPath.Key -join ',') | Should -Be ($fromPipe.Key -join ',')
        }

        It 'binds FileInfo objects from the pipeline to -LiteralPath' {
            $rows = @(Get-Item -LiteralPath $mixed | Measure-FlowTopN -Property Protocol -Top 0)
            $table = Get-Totals (Get-FlowRecord -Path $mixed) { [int] $_.Protocol }
            Assert-TopN $rows $table { param($r) [int] $r.Protocol } 'Flows' $table.Count
            $rows | Where-Object Protocol -eq 58 | Should -HaveCount 1
        }

        It 'reads a folder with -Recurse' {
            $dir = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'archive' '2024' '01')
            Copy-Item -LiteralPath $mixed -Destination (Join-Path $dir 'nfcapd.202401011200')
            $rows = @(Measure-FlowTopN -Path (Join-Path $TestDrive 'archive') -Recurse -Property SrcAddr -Top 0)
            ($rows | Measure-Object -Property Flows -Sum).Sum | Should -Be 14
        }

        It 'counts only flows that lie inside -Start .. -End, like nfdump -t (inclusive, UTC)' {
            $rows = @(Measure-FlowTopN -Path $mixed -Property SrcAddr -Top 0 -Start '2024-01-01T12:00:00.300' -End '2024-01-01 12:00:00.500')
            $nf = @(Get-FlowRecord -Path $mixed)
            $from = [DateTime]::new(2024, 1, 1, 12, 0, 0, 300, [DateTimeKind]::Utc)
            $to = [DateTime]::new(2024, 1, 1, 12, 0, 0, 500, [DateTimeKind]::Utc)
            $inside = @($nf | Where-Object { $_.Start -ge $from -and $_.End -le $to })
            $inside.Count | Should -BeGreaterThan 0
            $inside.Count | Should -BeLessThan $nf.Count
            $table = Get-Totals $inside { $_.SrcAddr.ToString() }
            Assert-TopN $rows $table { param($r) $r.SrcAddr } 'Flows' $table.Count
        }

        It 'reads a time with an offset as that instant, and a DateTime as given' {
            $a = @(Measure-FlowTopN -Path $mixed -Property SrcAddr -Top 0 -Start '2024-01-01T14:00:00.300+02:00')
            $b = @(Measure-FlowTopN -Path $mixed -Property SrcAddr -Top 0 -Start ([DateTime]::new(2024, 1, 1, 12, 0, 0, 300, [DateTimeKind]::Utc)))
            $a.Count | Should -BeGreaterThan 0
            ($a.Key -join ',') | Should -Be ($b.Key -join ',')
            ($a.Flows -join ',') | Should -Be ($b.Flows -join ',')
        }
    }

    Context 'errors' {
        It 'rejects an unknown property with TopNPropertyInvalid' {
            { $flows | Measure-FlowTopN -Property Colour } | Should -Throw -ErrorId "TopNPropertyInvalid,$fullId"
        }

        It 'rejects -Bidirectional on a one-ended key' {
            { $flows | Measure-FlowTopN -Property SrcAddr -Bidirectional } | Should -Throw -ErrorId "TopNPropertyInvalid,$fullId"
        }

        It 'rejects a window that ends before it starts with TimeWindowInvalid' {
            { Measure-FlowTopN -Path $mixed -Property SrcAddr -Start '2024-01-02' -End '2024-01-01' } | Should -Throw -ErrorId "TimeWindowInvalid,$fullId"
        }

        It 'rejects text that is not a time' {
            { Measure-FlowTopN -Path $mixed -Property SrcAddr -Start 'yesterday-ish' } | Should -Throw -ErrorId "ParameterArgumentTransformationError,$fullId"
        }

        It 'reports a file that is not an nfcapd file and still reads the others' {
            $text = Join-Path $TestDrive 'notes.nfcapd'
            Set-Content -LiteralPath $text -Value 'this is not a flow file at all'
            $rows = @(Measure-FlowTopN -Path $text, $mixed -Property SrcAddr -Top 0 -ErrorVariable bad -ErrorAction SilentlyContinue)
            ($rows | Measure-Object -Property Flows -Sum).Sum | Should -Be 14
            $bad | Should -HaveCount 1
            $bad[0].FullyQualifiedErrorId | Should -Be "FlowFileUnsupported,$fullId"
            $bad[0].TargetObject | Should -Be $text
        }

        It 'names a path that does not exist' {
            { Measure-FlowTopN -Path (Join-Path $TestDrive 'missing.nfcapd') -Property SrcAddr -ErrorAction Stop } |
                Should -Throw -ErrorId "PathNotFound,$fullId"
        }
    }
}
