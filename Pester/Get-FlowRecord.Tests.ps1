# Get-FlowRecord and Get-FlowFileInfo as a PowerShell user meets them, composing with Export-Csv/Import-Csv and
# Format-Table like any other object stream.
BeforeAll {
    $modulePath = if ($env:FLOWFORENSICS_MODULE) { $env:FLOWFORENSICS_MODULE } else { "$PSScriptRoot/../out/FlowForensics/FlowForensics.psd1" }
    Import-Module $modulePath -Force
    $shared = Join-Path $PSScriptRoot '..' '..' 'shared' -Resolve
    $samples = Join-Path $shared 'formats' 'samples'
    $walkThrough = Join-Path $samples 'nfpcapd-ipv4v6-none.nfcapd'
    $softflowd = Join-Path $samples 'nfcapd-softflowd-v9-none.nfcapd'
    $slips = Join-Path $shared 'data' 'nfcapd' 'slips' 'test1-malicious.nfdump'
    $fullId = 'FlowForensics.PowerShell.Commands.GetFlowRecordCommand'
}

Describe 'Get-FlowRecord' {
    Context 'flows from an nfcapd file' {
        It 'reads every flow of a file nfpcapd wrote, as typed records' {
            $flows = @(Get-FlowRecord -Path $walkThrough)
            $flows | Should -HaveCount 14
            $flows[0] | Should -BeOfType ([FlowForensics.Flows.FlowRecord])
            $flows[0].Start.Kind | Should -Be ([DateTimeKind]::Utc)
            $http = $flows | Where-Object SrcPort -eq 40000 | Select-Object -First 1
            $http.SrcAddr.ToString() | Should -Be '10.0.0.1'
            $http.DstAddr.ToString() | Should -Be '10.0.0.2'
            $http.DstPort | Should -Be 80
            $http.ProtocolName | Should -Be 'TCP'
            $http.Flags | Should -Be '...AP.SF'
            $http.Packets | Should -Be 5
            $http.Bytes | Should -Be 227
            $http.Start.ToString('yyyy-MM-dd HH:mm:ss.fff') | Should -Be '2024-01-01 12:00:00.000'
        }

        It 'reads the same flows whatever the block compression' {
            foreach ($kind in 'lz4', 'lzo', 'bz2') {
                (Get-FlowRecord -Path (Join-Path $samples "nfpcapd-ipv4v6-$kind.nfcapd") | Measure-Object Bytes -Sum).Sum | Should -Be 1268
            }
        }

        It 'composes with Where-Object and the nfdump short names' {
            $scan = @(Get-FlowRecord -Path $slips | Where-Object { $_.dp -eq 902 -and $_.pr -eq 'TCP' })
            $scan.Count | Should -BeGreaterThan 1000
            $scan | Where-Object DstPort -ne 902 | Should -HaveCount 0
        }

        It 'gives with -Filter what Where-Object gives' {
            $byFilter = @(Get-FlowRecord -Path $slips -Filter 'proto tcp and dst port 902 and flags S and not flags A')
            $byWhere = @(Get-FlowRecord -Path $slips | Where-Object { $_.Protocol -eq 6 -and $_.DstPort -eq 902 -and $_.Flags -eq '......S.' })
            $byFilter.Count | Should -Be $byWhere.Count
            $byFilter.Count | Should -BeGreaterThan 0
        }

        It 'speaks nfdump filters pasted from a playbook' {
            @(Get-FlowRecord -Path $walkThrough -Filter 'ipv6 and proto tcp') | Should -HaveCount 2
            @(Get-FlowRecord -Path $walkThrough 'net 192.168.1.0/24') | Should -HaveCount 1
            Get-FlowRecord -Path $walkThrough -Filter 'not (proto tcp or proto udp)' | ForEach-Object ProtocolName | Should -Not -Contain 'TCP'
        }
    }

    Context 'time windows' {
        It 'keeps the flows that lie entirely inside -Start and -End, like nfdump -t' {
            $flows = @(Get-FlowRecord -Path $walkThrough -Start '2024-01-01T12:00:00.300Z' -End '2024-01-01T12:00:00.600Z')
            $flows | Should -HaveCount 6
            $flows | Where-Object Start -lt ([datetime]'2024-01-01 12:00:00.300') | Should -HaveCount 0
        }

        It 'takes text without a zone as UTC and honours an offset' {
            $utc = @(Get-FlowRecord -Path $walkThrough -Start '2024-01-01 12:00:00.3')
            $offset = @(Get-FlowRecord -Path $walkThrough -Start '2024-01-01T14:00:00.3+02:00')
            $utc.Count | Should -Be $offset.Count
            $utc.Count | Should -BeLessThan 14
        }

        It 'takes nfdump''s own time form' {
            @(Get-FlowRecord -Path $walkThrough -Start '2024/01/01.12:00:01') | Should -HaveCount 2
        }
    }

    Context 'folders' {
        BeforeAll {
            $evidence = Join-Path $TestDrive 'evidence'
            $router = New-Item -ItemType Directory -Path (Join-Path $evidence 'router2')
            Copy-Item -LiteralPath $walkThrough -Destination (Join-Path $evidence 'nfcapd.202401011200')
            Copy-Item -LiteralPath $softflowd -Destination (Join-Path $router 'nfcapd.202401011200')
            Set-Content -LiteralPath (Join-Path $evidence 'README.txt') -Value 'chain of custody notes'
        }

        It 'reads the flow files of a folder and passes over other files' {
            @(Get-FlowRecord -Path $evidence -ErrorVariable problems) | Should -HaveCount 14
            $problems | Should -HaveCount 0
        }

        It 'goes into sub-folders with -Recurse' {
            @(Get-FlowRecord -Path $evidence -Recurse) | Should -HaveCount 26
        }

        It 'gives one timeline across files with -OrderBy Start' {
            $flows = @(Get-FlowRecord -Path $evidence -Recurse -OrderBy Start)
            $flows | Should -HaveCount 26
            $flows.Start | Should -Be ($flows | Sort-Object Start).Start
        }

        It 'binds FileInfo objects from the pipeline' {
            Get-Item -LiteralPath $walkThrough, $softflowd | Get-FlowRecord | Should -HaveCount 26
            Get-ChildItem -LiteralPath $evidence -Recurse -Filter 'nfcapd.*' | Get-FlowRecord | Should -HaveCount 26
        }
    }

    Context 'composing with native PowerShell' {
        It 'survives an Export-Csv and Import-Csv round trip: addresses, ports, counters and times' {
            $flows = @(Get-FlowRecord -Path $walkThrough -OrderBy Start)
            $csv = Join-Path $TestDrive 'flows.csv'
            $flows | Export-Csv -LiteralPath $csv
            $rows = @(Import-Csv -LiteralPath $csv)
            $rows | Should -HaveCount 14
            $compared = 'SrcAddr', 'DstAddr', 'SrcPort', 'DstPort', 'Protocol', 'ProtocolName', 'Flags', 'Packets', 'Bytes', 'Flows', 'Duration'
            Compare-Object $rows $flows -Property $compared -SyncWindow 0 | Should -BeNullOrEmpty
            $rows | Where-Object { $_.sa -ne $_.SrcAddr -or $_.byt -ne $_.Bytes } | Should -BeNullOrEmpty
            $v6 = @($flows | Where-Object IPVersion -eq 6)
            $v6.Count | Should -BeGreaterThan 0
            $rows | Where-Object { ([ipaddress] $_.SrcAddr).AddressFamily -eq 'InterNetworkV6' } | Should -HaveCount $v6.Count
            $http = $rows | Where-Object SrcPort -eq 40000
            $http.DstAddr | Should -Be '10.0.0.2'
            [timespan] $http.Duration | Should -Be ($flows | Where-Object SrcPort -eq 40000).Duration
            # Export-Csv writes a DateTime in the culture's short form, to the second.
            for ($i = 0; $i -lt $flows.Count; $i++) {
                $start = $flows[$i].Start
                [datetime]::Parse($rows[$i].Start, (Get-Culture)) | Should -Be $start.AddTicks(-($start.Ticks % [timespan]::TicksPerSecond))
            }
        }

        It 'keeps the milliseconds through CSV when the times are written as ISO 8601' {
            $csv = Join-Path $TestDrive 'timeline.csv'
            Get-FlowRecord -Path $walkThrough -OrderBy Start |
                Select-Object @{ Name = 'Start'; Expression = { $_.Start.ToString('o') } }, SrcAddr, DstAddr, Bytes |
                Export-Csv -LiteralPath $csv
            $back = Import-Csv -LiteralPath $csv | ForEach-Object { [datetime]::Parse($_.Start, $null, 'RoundtripKind') }
            $back | Should -Be (Get-FlowRecord -Path $walkThrough -OrderBy Start).Start
            $back[0].Kind | Should -Be ([DateTimeKind]::Utc)
        }

        It 'shows the default table in 120 columns, like nfdump''s line output' {
            $table = Get-FlowRecord -Path $walkThrough | Format-Table | Out-String -Width 120
            $table | Should -Match 'Date first seen +Duration +Proto +Src IP Addr:Port +Dst IP Addr:Port +Flags +Packets +Bytes +Flows'
            $table | Should -Match '2024-01-01 12:00:00\.000 +00:00:00\.[0-9]{3} +TCP +10\.0\.0\.1:40000 -> 10\.0\.0\.2:80 .* 5 +227 +1'
            $table -split '\r?\n' | Where-Object Length -gt 120 | Should -BeNullOrEmpty
        }

        It 'sorts, groups and sums like any object stream' {
            $flows = @(Get-FlowRecord -Path $walkThrough)
            $byProtocol = $flows | Group-Object ProtocolName | Sort-Object Count -Descending
            ($byProtocol | Measure-Object Count -Sum).Sum | Should -Be 14
            ($byProtocol | Where-Object Name -eq 'TCP').Count | Should -Be (Get-FlowFileInfo -Path $walkThrough).FlowsTcp
            $largest = $flows | Sort-Object Bytes -Descending | Select-Object -First 3
            $largest[0].Bytes | Should -Be ($flows | Measure-Object Bytes -Maximum).Maximum
            $largest[0].Bytes | Should -BeGreaterOrEqual $largest[2].Bytes
        }
    }

    Context 'bad input' {
        It 'stops on a filter with a syntax error and points at the column' {
            { Get-FlowRecord -Path $walkThrough -Filter 'proto tcp and port 99999' -ErrorAction Stop } |
                Should -Throw -ErrorId "FilterSyntax,$fullId"
            try { Get-FlowRecord -Path $walkThrough -Filter 'dst prot 80' } catch { $err = $_ }
            $err.ToString() | Should -Match 'column 5'
            # pwsh draws the fault from the record's position: the filter, with ~ under 'prot'
            $err.InvocationInfo.PositionMessage | Should -Match "^At -Filter:1 char:5\r?\n\+ dst prot 80\r?\n\+     ~~~~$"
        }

        It 'says when a file is not a flow file, and reads the others' {
            $notes = Join-Path $TestDrive 'notes.nfcapd'
            Set-Content -LiteralPath $notes -Value 'not flows'
            $flows = @(Get-FlowRecord -LiteralPath $notes, $walkThrough -ErrorVariable bad -ErrorAction SilentlyContinue)
            $flows | Should -HaveCount 14
            $bad | Should -HaveCount 1
            $bad[0].FullyQualifiedErrorId | Should -Be "FlowFileUnsupported,$fullId"
            $bad[0].TargetObject | Should -Be $notes
        }

        It 'keeps the flows before the damage and names file, block and offset' {
            $bytes = Get-Content -LiteralPath $walkThrough -AsByteStream -Raw
            $damaged = Join-Path $TestDrive 'damaged.nfcapd'
            $bytes[44] = 0xFF; $bytes[45] = 0xFF; $bytes[46] = 0xFF; $bytes[47] = 0x7F   # the first block's size
            Set-Content -LiteralPath $damaged -AsByteStream -Value $bytes
            $flows = @(Get-FlowRecord -Path $damaged, $softflowd -ErrorVariable damage -ErrorAction SilentlyContinue)
            $flows | Should -HaveCount 12
            $damage | Should -HaveCount 1
            $damage[0].FullyQualifiedErrorId | Should -Be "FlowFileCorrupt,$fullId"
            $damage[0].TargetObject | Should -Be $damaged
            $damage[0].ToString() | Should -Match 'block 0: .* at byte 40'
        }

        It 'refuses an -End before the -Start' {
            { Get-FlowRecord -Path $walkThrough -Start '2024-01-02' -End '2024-01-01' -ErrorAction Stop } |
                Should -Throw -ErrorId "TimeWindowInvalid,$fullId"
        }

        It 'names a path that does not exist' {
            { Get-FlowRecord -Path (Join-Path $TestDrive 'missing.nfcapd') -ErrorAction Stop } |
                Should -Throw -ErrorId "PathNotFound,$fullId"
        }
    }
}

Describe 'Get-FlowFileInfo' {
    It 'shows what nfdump -I shows, plus the SHA-256 for evidence notes' {
        $info = Get-FlowFileInfo -Path $walkThrough
        $info | Should -BeOfType ([FlowForensics.Storage.FlowFileInfo])
        $info.Layout | Should -Be 2
        $info.Compression.ToString() | Should -Be 'None'
        $info.Ident | Should -Be 'pcaptest'
        $info.NfdumpVersion | Should -Be '1.7.1'
        $info.Flows | Should -Be 14
        $info.FlowsTcp | Should -Be 4
        $info.BytesOther | Should -Be 112
        $info.BlockCount | Should -Be 1
        $info.LastSeen.ToString('yyyy-MM-dd HH:mm:ss.fff') | Should -Be '2024-01-01 12:00:01.201'
        $info.Sha256 | Should -BeExactly (Get-FileHash -LiteralPath $walkThrough -Algorithm SHA256).Hash
    }

    It 'agrees with the flows it describes' {
        $info = Get-FlowFileInfo -Path $slips
        @(Get-FlowRecord -Path $slips).Count | Should -Be $info.Flows
    }

    It 'gives one object per flow file of a folder' {
        Get-FlowFileInfo -Path (Join-Path $samples 'nfpcapd-ipv4v6-*.nfcapd') | ForEach-Object { $_.Compression.ToString() } |
            Should -Be @('Bzip2', 'Lz4', 'Lzo', 'None')
    }

    It 'shows one line per file in 120 columns' {
        $table = Get-FlowFileInfo -Path (Join-Path $samples 'nfpcapd-ipv4v6-*.nfcapd') | Format-Table | Out-String -Width 120
        $table | Should -Match 'nfpcapd-ipv4v6-lz4\.nfcapd +2 +Lz4 '
        $table -split '\r?\n' | Where-Object Length -gt 120 | Should -BeNullOrEmpty
    }

    It 'says when a file is not a flow file' {
        $pcap = Join-Path $samples 'source-test.pcap'
        { Get-FlowFileInfo -Path $pcap -ErrorAction Stop } |
            Should -Throw -ErrorId 'FlowFileUnsupported,FlowForensics.PowerShell.Commands.GetFlowFileInfoCommand'
    }
}
