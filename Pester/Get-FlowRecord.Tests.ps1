# Get-FlowRecord and Get-FlowFileInfo as a PowerShell user meets them. Runs under real Pester 5 and under the hosted shim.
BeforeAll {
    $modulePath = if ($env:FLOWFORENSICS_MODULE) { $env:FLOWFORENSICS_MODULE } else { "$PSScriptRoot/../out/FlowForensics/FlowForensics.psd1" }
    Import-Module $modulePath -Force
    $shared = [IO.Path]::GetFullPath([IO.Path]::Combine($PSScriptRoot, '..', '..', 'shared'))
    $samples = [IO.Path]::Combine($shared, 'formats', 'samples')
    $walkThrough = [IO.Path]::Combine($samples, 'nfpcapd-ipv4v6-none.nfcapd')
    $softflowd = [IO.Path]::Combine($samples, 'nfcapd-softflowd-v9-none.nfcapd')
    $slips = [IO.Path]::Combine($shared, 'data', 'nfcapd', 'slips', 'test1-malicious.nfdump')
    $fullId = 'FlowForensics.PowerShell.Commands.GetFlowRecordCommand'
}

Describe 'Get-FlowRecord' {
    Context 'flows from an nfcapd file' {
        It 'reads every flow of a file nfpcapd wrote, as typed records' {
            $flows = @(Get-FlowRecord -Path $walkThrough)
            $flows | Should -HaveCount 14
            $flows[0] | Should -BeOfType ([FlowForensics.Flows.FlowRecord])
            $flows[0].Start.Kind | Should -Be ([DateTimeKind]::Utc)
            $http = @($flows.Where({ $_.SrcPort -eq 40000 }))[0]
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
                $file = [IO.Path]::Combine($samples, "nfpcapd-ipv4v6-$kind.nfcapd")
                [Linq.Enumerable]::Sum([long[]]@(Get-FlowRecord -Path $file).Bytes) | Should -Be 1268
            }
        }

        It 'composes with Where-Object and the nfdump short names' {
            $scan = @(Get-FlowRecord -Path $slips | Where-Object { $_.dp -eq 902 -and $_.pr -eq 'TCP' })
            $scan.Count | Should -BeGreaterThan 1000
            @($scan.Where({ $_.DstPort -ne 902 })) | Should -HaveCount 0
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
            @(Get-FlowRecord -Path $walkThrough -Filter 'not (proto tcp or proto udp)').ForEach({ $_.ProtocolName }) | Should -Not -Contain 'TCP'
        }
    }

    Context 'time windows' {
        It 'keeps the flows that lie entirely inside -Start and -End, like nfdump -t' {
            $flows = @(Get-FlowRecord -Path $walkThrough -Start '2024-01-01T12:00:00.300Z' -End '2024-01-01T12:00:00.600Z')
            $flows | Should -HaveCount 6
            @($flows.Where({ $_.Start -lt [datetime]'2024-01-01 12:00:00.300' })) | Should -HaveCount 0
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
            $evidence = [IO.Path]::Combine($TestDrive, 'evidence')
            $router = [IO.Path]::Combine($evidence, 'router2')
            $null = [IO.Directory]::CreateDirectory($router)
            [IO.File]::Copy($walkThrough, [IO.Path]::Combine($evidence, 'nfcapd.202401011200'))
            [IO.File]::Copy($softflowd, [IO.Path]::Combine($router, 'nfcapd.202401011200'))
            [IO.File]::WriteAllText([IO.Path]::Combine($evidence, 'README.txt'), 'chain of custody notes')
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
            $late = 0
            for ($i = 1; $i -lt $flows.Count; $i++) { if ($flows[$i].Start -lt $flows[$i - 1].Start) { $late++ } }
            $late | Should -Be 0
        }

        It 'binds FileInfo objects from the pipeline' {
            @([IO.FileInfo]::new($walkThrough), [IO.FileInfo]::new($softflowd) | Get-FlowRecord) | Should -HaveCount 26
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
            $notes = [IO.Path]::Combine($TestDrive, 'notes.nfcapd')
            [IO.File]::WriteAllText($notes, 'not flows')
            $flows = @(Get-FlowRecord -LiteralPath $notes, $walkThrough -ErrorVariable bad -ErrorAction SilentlyContinue)
            $flows | Should -HaveCount 14
            $bad | Should -HaveCount 1
            $bad[0].FullyQualifiedErrorId | Should -Be "FlowFileUnsupported,$fullId"
            $bad[0].TargetObject | Should -Be $notes
        }

        It 'keeps the flows before the damage and names file, block and offset' {
            $bytes = [IO.File]::ReadAllBytes($walkThrough)
            $damaged = [IO.Path]::Combine($TestDrive, 'damaged.nfcapd')
            $bytes[44] = 0xFF; $bytes[45] = 0xFF; $bytes[46] = 0xFF; $bytes[47] = 0x7F   # the first block's size
            [IO.File]::WriteAllBytes($damaged, $bytes)
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
            { Get-FlowRecord -Path ([IO.Path]::Combine($TestDrive, 'missing.nfcapd')) -ErrorAction Stop } |
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
        $expected = [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData([IO.File]::ReadAllBytes($walkThrough)))
        $info.Sha256 | Should -Be $expected
    }

    It 'agrees with the flows it describes' {
        $info = Get-FlowFileInfo -Path $slips
        @(Get-FlowRecord -Path $slips).Count | Should -Be $info.Flows
    }

    It 'gives one object per flow file of a folder' {
        @(Get-FlowFileInfo -Path ([IO.Path]::Combine($samples, 'nfpcapd-ipv4v6-*.nfcapd'))).ForEach({ $_.Compression.ToString() }) |
            Should -Be @('Bzip2', 'Lz4', 'Lzo', 'None')
    }

    It 'says when a file is not a flow file' {
        $pcap = [IO.Path]::Combine($samples, 'source-test.pcap')
        { Get-FlowFileInfo -Path $pcap -ErrorAction Stop } |
            Should -Throw -ErrorId 'FlowFileUnsupported,FlowForensics.PowerShell.Commands.GetFlowFileInfoCommand'
    }
}
