# Find-FlowScan as a PowerShell user meets it: the demo's scan from the pipeline and from nfcapd files, thresholds,
# -Exclude, -MinimumScore, labelled captures, the finding's flat shape and default table, and errors.
BeforeAll {
    $modulePath = if ($env:FLOWFORENSICS_MODULE) { $env:FLOWFORENSICS_MODULE } else { "$PSScriptRoot/../out/FlowForensics/FlowForensics.psd1" }
    Import-Module $modulePath -Force
    $shared = Join-Path $PSScriptRoot '..' '..' 'shared' -Resolve
    $demo = "$((Get-Module FlowForensics).ModuleBase)/Samples/demo.pcap"
    $fullId = 'FlowForensics.PowerShell.Commands.FindFlowScanCommand'
    $flows = @(Convert-PcapToFlow -Path $demo)
}

Describe 'Find-FlowScan' {
    Context 'the demo capture' {
        It 'finds the SYN scan of ports 1-1024 from 10.20.0.31 and nothing else' {
            $found = @($flows | Find-FlowScan)
            $found | Should -HaveCount 1
            $s = $found[0]
            $s.Scanner | Should -Be '10.20.0.31'
            $s.ScanType | Should -Be 'Vertical'
            $s.Probe | Should -Be 'SYN'
            $s.Technique | Should -Be 'T1046'
            $s.Targets | Should -Be 1
            $s.TargetSample | Should -Be '10.20.0.22'
            $s.Ports | Should -Be 1024
            $s.PortRange | Should -Be '1-1024'
            $s.SuccessRatio | Should -BeLessThan 0.05
            $s.Rate | Should -BeGreaterThan 20
            $s.LastSeen | Should -BeGreaterThan $s.FirstSeen
            $s.Score | Should -BeGreaterThan 0.9
            $s.Reason | Should -Match '1,024 TCP ports'
        }

        It 'gives the same finding when it reads nfcapd files with -Path' {
            $out = Join-Path $TestDrive 'demo-flows'
            Convert-PcapToFlow -Path $demo -OutputDirectory $out
            $fromFiles = @(Find-FlowScan -Path $out)
            $fromFiles | Should -HaveCount 1
            $fromFiles[0].Scanner | Should -Be '10.20.0.31'
            $fromFiles[0].Flows | Should -Be 1024
        }

        It 'writes a flat object: strings, numbers and times only' {
            $s = @($flows | Find-FlowScan)[0]
            foreach ($p in $s.PSObject.Properties) {
                $p.Value.GetType().FullName | Should -BeIn @('System.String', 'System.Int64', 'System.Int32', 'System.Double', 'System.DateTime', 'System.TimeSpan', 'System.Boolean')
            }
        }

        It 'shows the default table in 120 columns' {
            $table = $flows | Find-FlowScan | Format-Table | Out-String -Width 120
            $table | Should -Match 'Score +First seen +Scanner +Type +Probe +Targets +Ports +Port range'
            $table | Should -Match '10\.20\.0\.31 +Vertical +SYN +1 +1024 +1-1024 '
            $table -split '\r?\n' | Where-Object Length -gt 120 | Should -BeNullOrEmpty
        }

        It 'leaves allowlisted hosts out with -Exclude' {
            @($flows | Find-FlowScan -Exclude 10.20.0.31) | Should -HaveCount 0
            @($flows | Find-FlowScan -Exclude 10.20.0.0/24) | Should -HaveCount 0
            @($flows | Find-FlowScan -Exclude 10.20.1.0/24) | Should -HaveCount 1
        }

        It 'respects the thresholds and -MinimumScore' {
            @($flows | Find-FlowScan -PortThreshold 2000) | Should -HaveCount 0
            @($flows | Find-FlowScan -MinimumScore 1) | Should -HaveCount 1
        }
    }

    Context 'labelled captures' {
        It 'finds the nmap SYN scan of scanme.nmap.org' {
            $p = Join-Path $shared 'data' 'malicious' 'ndpi' 'synscan.pcap'
            $s = @(Convert-PcapToFlow -Path $p | Find-FlowScan)
            $s | Should -HaveCount 1
            $s[0].Scanner | Should -Be '172.16.0.8'
            $s[0].Ports | Should -BeGreaterOrEqual 1000
        }

        It 'finds the ping sweep of 192.168.1.0/24' {
            $p = Join-Path $shared 'data' 'malicious' 'slips' 'test12-icmp-portscan.pcap'
            $s = @(Convert-PcapToFlow -Path $p | Find-FlowScan)
            $s | Should -HaveCount 1
            $s[0].ScanType | Should -Be 'Sweep'
            $s[0].Probe | Should -Be 'ICMP echo'
        }

        It 'names FIN, NULL and Xmas probes' {
            $p = Join-Path $shared 'data' 'malicious' 'ndpi' 'tcp_scan.pcapng'
            $s = @(Convert-PcapToFlow -Path $p | Find-FlowScan)
            $s | Should -HaveCount 1
            $s[0].Probe | Should -Match 'FIN'
            $s[0].Probe | Should -Match 'NULL'
            $s[0].Probe | Should -Match 'Xmas'
        }
    }

    Context 'errors' {
        It 'stops on a bad -Exclude entry' {
            { $flows | Find-FlowScan -Exclude 'not-a-host' -ErrorAction Stop } | Should -Throw -ErrorId "ExcludeInvalid,$fullId"
        }

        It 'refuses a threshold below 2' {
            { $flows | Find-FlowScan -PortThreshold 1 -ErrorAction Stop } | Should -Throw -ErrorId "ParameterArgumentValidationError,$fullId"
        }

        It 'refuses a window that is not positive' {
            { $flows | Find-FlowScan -Window 0 -ErrorAction Stop } | Should -Throw -ErrorId "HuntOptionInvalid,$fullId"
        }
    }
}
