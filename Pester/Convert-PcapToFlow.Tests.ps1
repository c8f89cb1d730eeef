# Convert-PcapToFlow as a PowerShell user meets it.
BeforeAll {
    $modulePath = if ($env:FLOWFORENSICS_MODULE) { $env:FLOWFORENSICS_MODULE } else { "$PSScriptRoot/../out/FlowForensics/FlowForensics.psd1" }
    Import-Module $modulePath -Force
    $shared = Join-Path $PSScriptRoot '..' '..' 'shared' -Resolve
    $captures = Join-Path $shared 'data' 'pcap' 'chrissanders'
    $handshake = Join-Path $captures 'tcp_handshake.pcapng'
    $espn = Join-Path $captures 'http_espn.pcapng'
    $dualStack = Join-Path $captures 'http_ip4and6.pcapng'
    $echo = Join-Path $captures 'icmp_echo.pcapng'
    $fullId = 'FlowForensics.PowerShell.Commands.ConvertPcapToFlowCommand'
}

Describe 'Convert-PcapToFlow' {
    Context 'flows from a capture' {
        It 'meters a TCP handshake into one flow per direction, like nfpcapd' {
            $flows = @(Convert-PcapToFlow -Path $handshake)
            $flows | Should -HaveCount 2
            $flows[0] | Should -BeOfType ([FlowForensics.Flows.FlowRecord])
            $client = $flows | Where-Object SrcPort -eq 2826 | Select-Object -First 1
            $client.SrcAddr.ToString() | Should -Be '172.16.16.128'
            $client.DstAddr.ToString() | Should -Be '212.58.226.142'
            $client.DstPort | Should -Be 80
            $client.ProtocolName | Should -Be 'TCP'
            $client.Packets | Should -Be 2
            $client.Bytes | Should -Be 92
            $client.Flags | Should -Be '...A..S.'
            $client.Start.Kind | Should -Be ([DateTimeKind]::Utc)
            $client.Start.ToString('yyyy-MM-dd HH:mm:ss.fff') | Should -Be '2010-01-07 19:38:34.341'
        }

        It 'makes every ICMP packet a flow with type and code in the destination port' {
            $flows = @(Convert-PcapToFlow -Path $echo)
            $flows | Should -HaveCount 8
            $flows | Where-Object IcmpType -eq 8 | Should -HaveCount 4
            $flows | Where-Object { $_.DstPort -eq 2048 -and $_.SrcPort -eq 0 } | Should -HaveCount 4
            $flows | Group-Object Bytes | ForEach-Object Name | Should -Be '60'
        }

        It 'keeps IPv6 flows apart from IPv4 ones' {
            $flows = @(Convert-PcapToFlow -Path $dualStack)
            $byVersion = $flows | Group-Object IPVersion -AsHashTable -AsString
            $byVersion['6'] | Should -HaveCount 2
            $byVersion['4'] | Should -HaveCount 2
            ($byVersion['6'] | Where-Object DstPort -eq 80 | Select-Object -First 1).SrcAddr.ToString() | Should -Be '2001:db8:1:2::1002'
        }

        It 'answers to the nfdump short names' {
            $flow = Convert-PcapToFlow -Path $handshake | Where-Object sp -eq 2826 | Select-Object -First 1
            $flow.da.ToString() | Should -Be '212.58.226.142'
            $flow.dp | Should -Be 80
            $flow.pkt | Should -Be 2
            $flow.byt | Should -Be 92
            $flow.pr | Should -Be 'TCP'
            $flow.flg | Should -Be '...A..S.'
        }

        It 'composes with Where-Object like any object stream' {
            $web = @(Convert-PcapToFlow -Path $espn | Where-Object { $_.DstPort -eq 80 -and $_.Bytes -gt 1000 })
            $web.Count | Should -BeGreaterThan 5
            $web | Where-Object DstPort -ne 80 | Should -HaveCount 0
            $web.Bytes | Should -BeGreaterThan 1000
        }

        It 'counts every IP byte of the capture once' {
            (Convert-PcapToFlow -Path $espn | Measure-Object Packets -Sum).Sum | Should -Be 956
        }
    }

    Context 'paths' {
        BeforeAll {
            $dir = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'evidence')
            Copy-Item -LiteralPath $handshake -Destination (Join-Path $dir 'a.pcapng')
            Copy-Item -LiteralPath $echo -Destination (Join-Path $dir 'b.pcapng')
            $bracketed = Join-Path $dir 'case[1].pcapng'
            Copy-Item -LiteralPath $handshake -Destination $bracketed
        }

        It 'expands wildcards in -Path' {
            Convert-PcapToFlow -Path (Join-Path $dir '?.pcapng') | Should -HaveCount 10
        }

        It 'takes -LiteralPath literally' {
            @(Convert-PcapToFlow -LiteralPath $bracketed) | Should -HaveCount 2
        }

        It 'binds FileInfo objects from the pipeline' {
            Get-Item -LiteralPath $handshake, $echo | Convert-PcapToFlow | Should -HaveCount 10
            Get-ChildItem -Path (Join-Path $dir '?.pcapng') | Convert-PcapToFlow | Should -HaveCount 10
        }

        It 'binds path strings from the pipeline' {
            @($handshake | Convert-PcapToFlow) | Should -HaveCount 2
        }
    }

    Context 'bad input' {
        It 'names a path that does not exist' {
            { Convert-PcapToFlow -Path (Join-Path $TestDrive 'missing.pcap') -ErrorAction Stop } |
                Should -Throw -ErrorId "PathNotFound,$fullId"
        }

        It 'says when a file is not a capture' {
            $text = Join-Path $TestDrive 'notes.pcap'
            Set-Content -LiteralPath $text -Value 'this is not a capture file at all'
            { Convert-PcapToFlow -Path $text -ErrorAction Stop } | Should -Throw -ErrorId "CaptureUnsupported,$fullId"
        }

        It 'keeps the flows before the damage in a truncated capture and names the offset' {
            $bytes = Get-Content -LiteralPath $espn -AsByteStream -Raw
            $cut = Join-Path $TestDrive 'cut.pcapng'
            Set-Content -LiteralPath $cut -AsByteStream -Value $bytes[0..($bytes.Length / 2)]
            $flows = @(Convert-PcapToFlow -Path $cut -ErrorVariable damage -ErrorAction SilentlyContinue)
            $flows.Count | Should -BeGreaterThan 10
            $damage | Should -HaveCount 1
            $damage[0].FullyQualifiedErrorId | Should -Be "CaptureCorrupt,$fullId"
            $damage[0].TargetObject | Should -Be $cut
            $damage[0].ToString() | Should -Match 'at byte [0-9]+'
        }

        It 'goes on with the next file after a bad one' {
            $text = Join-Path $TestDrive 'bad.pcap'
            Set-Content -LiteralPath $text -Value 'garbage'
            $flows = @(Convert-PcapToFlow -Path $text, $handshake -ErrorVariable bad -ErrorAction SilentlyContinue)
            $flows | Should -HaveCount 2
            $bad | Should -HaveCount 1
        }

        It 'rejects a timeout of zero' {
            { Convert-PcapToFlow -Path $handshake -ActiveTimeout 0 -ErrorAction Stop } |
                Should -Throw -ErrorId "ParameterArgumentValidationError,$fullId"
        }
    }

    Context 'a bounded flow table' {
        It 'evicts the least recently seen flow when full, and warns' {
            $flows = @(Convert-PcapToFlow -Path $espn -MaxActiveFlows 2 -WarningVariable full -WarningAction SilentlyContinue)
            ($flows | Measure-Object Packets -Sum).Sum | Should -Be 956
            $full | Should -HaveCount 1
            $full[0].ToString() | Should -Match 'MaxActiveFlows'
        }
    }

    Context 'nothing lost silently' {
        It 'warns with counts per reason when packets give no flow (an unsupported link type)' {
            $pktap = Join-Path $shared 'data' 'pcap' 'tcpdump' 'LINKTYPE_PKTAP.pcap'
            $flows = @(Convert-PcapToFlow -Path $pktap -WarningVariable lost -WarningAction SilentlyContinue)
            $flows | Should -HaveCount 0
            $lost | Should -HaveCount 1
            $lost[0].ToString() | Should -Match '^(\d+) of \1 packets were not metered: \1 on a link type the decoder does not read'
        }

        It 'does not warn when every packet is metered' {
            $flows = @(Convert-PcapToFlow -Path $handshake -WarningVariable lost -WarningAction SilentlyContinue)
            $flows | Should -HaveCount 2
            $lost | Should -HaveCount 0
        }
    }

    Context 'filters, flow files and the demo' {
        BeforeAll {
            $demo = Join-Path (Get-Module FlowForensics).ModuleBase 'Samples' 'demo.pcap'
        }

        It 'keeps only the flows an nfdump filter selects' {
            $all = @(Convert-PcapToFlow -Path $espn)
            $web = @(Convert-PcapToFlow -Path $espn -Filter 'proto tcp and dst port 80')
            $web.Count | Should -Be @($all | Where-Object { $_.Protocol -eq 6 -and $_.DstPort -eq 80 }).Count
            $web.Count | Should -BeGreaterThan 0
        }

        It 'stops with FilterSyntax before reading when the filter is wrong' {
            { Convert-PcapToFlow -Path $espn -Filter 'dst prot 80' -ErrorAction Stop } |
                Should -Throw -ErrorId "FilterSyntax,$fullId"
        }

        It 'writes nfcapd files that Get-FlowRecord reads back as the same flows' {
            $out = Join-Path $TestDrive 'flows'
            $piped = @(Convert-PcapToFlow -Path $espn -OutputDirectory $out -PassThru)
            $read = @(Get-FlowRecord -Path $out)
            $read.Count | Should -Be $piped.Count
            ($read | Measure-Object Bytes -Sum).Sum | Should -Be ($piped | Measure-Object Bytes -Sum).Sum
            { Convert-PcapToFlow -Path $espn -OutputDirectory $out -ErrorAction Stop } |
                Should -Throw -ErrorId "OutputExists,$fullId"
        }

        It 'shows the exfiltration planted in the demo as its largest flow' {
            $largest = Convert-PcapToFlow -Path $demo | Sort-Object Bytes -Descending | Select-Object -First 1
            $largest.DstPort | Should -Be 4444
            $largest.Bytes | Should -BeGreaterThan 3000000
        }
    }
}
