# Find-FlowLateralMovement as a PowerShell user meets it: the demo's chain among ordinary administration, -Exclude,
# -LearnUntil, -Port and -InternalNetwork, labelled captures, the finding's flat shape and default table, and errors.
BeforeAll {
    $modulePath = if ($env:FLOWFORENSICS_MODULE) { $env:FLOWFORENSICS_MODULE } else { "$PSScriptRoot/../out/FlowForensics/FlowForensics.psd1" }
    Import-Module $modulePath -Force
    $shared = Join-Path $PSScriptRoot '..' '..' 'shared' -Resolve
    $demo = "$((Get-Module FlowForensics).ModuleBase)/Samples/demo.pcap"
    $fullId = 'FlowForensics.PowerShell.Commands.FindFlowLateralMovementCommand'
    $flows = @(Convert-PcapToFlow -Path $demo)
}

Describe 'Find-FlowLateralMovement' {
    Context 'the demo capture' {
        It 'finds the SMB-then-WinRM chain once the admin workstation is allowlisted' {
            $found = @($flows | Find-FlowLateralMovement -Exclude 10.20.0.7)
            $chain = $found[0]
            $chain.Kind | Should -Be 'Chain'
            $chain.Chain | Should -Be '10.20.1.21 -> 10.20.0.22 -> 10.20.0.6'
            $chain.SrcAddr | Should -Be '10.20.1.21'
            $chain.DstAddr | Should -Be '10.20.0.22, 10.20.0.6'
            $chain.Hops | Should -Be 2
            $chain.Ports | Should -Be '445, 5985'
            $chain.Technique | Should -Be 'T1021.002, T1021.006'
            $chain.Score | Should -BeGreaterOrEqual 0.8
            $chain.LastSeen | Should -BeGreaterThan $chain.FirstSeen
            @($found | Where-Object Score -ge 0.5) | Should -HaveCount 1
        }

        It 'shows the admin workstation fanning out when it is not allowlisted' {
            $found = @($flows | Find-FlowLateralMovement)
            $fan = @($found | Where-Object Kind -eq 'FanOut')
            $fan | Should -HaveCount 1
            $fan[0].SrcAddr | Should -Be '10.20.0.7'
            $fan[0].Destinations | Should -BeGreaterOrEqual 5
        }

        It 'finds nothing new when the whole capture is the learning period' {
            @($flows | Find-FlowLateralMovement -LearnUntil '2026-01-15T10:00:00Z') | Should -HaveCount 0
        }

        It 'watches only the ports given with -Port' {
            # alone on SMB, the first hop is a new edge (0.4), below the default -MinimumScore of 0.5
            $found = @($flows | Find-FlowLateralMovement -Exclude 10.20.0.7 -Port 445 -MinimumScore 0)
            $found | Should -HaveCount 1
            $found[0].Kind | Should -Be 'NewEdge'
            $found[0].Ports | Should -Be '445'
        }

        It 'shows the default table in 120 columns' {
            $table = $flows | Find-FlowLateralMovement -Exclude 10.20.0.7 | Format-Table | Out-String -Width 120
            $table | Should -Match 'Score +Kind +First seen +Ports +Technique +Path'
            $table | Should -Match 'Chain +2026-01-15 [0-9:]+ +445, 5985 +T1021\.002, T1021\.006 +10\.20\.1\.21 -> 10\.20\.0\.22 -> 10\.20\.0\.6'
            $table -split '\r?\n' | Where-Object Length -gt 120 | Should -BeNullOrEmpty
            $all = $flows | Find-FlowLateralMovement | Format-Table | Out-String -Width 120
            $all | Should -Match 'FanOut .* 10\.20\.0\.7 -> '
            $all -split '\r?\n' | Where-Object Length -gt 120 | Should -BeNullOrEmpty
        }

        It 'writes a flat object: strings, numbers and times only' {
            foreach ($f in @($flows | Find-FlowLateralMovement)) {
                foreach ($p in $f.PSObject.Properties) {
                    $p.Value.GetType().FullName | Should -BeIn @('System.String', 'System.Int64', 'System.Int32', 'System.Double', 'System.DateTime', 'System.TimeSpan')
                }
            }
        }
    }

    Context 'a saved baseline (-Baseline)' {
        It 'knows every edge of the period it learned, so nothing is new' {
            $base = $flows | New-FlowBaseline -InternalNetwork 10.20.0.0/16
            @($flows | Find-FlowLateralMovement -Exclude 10.20.0.7) | Should -Not -HaveCount 0
            @($flows | Find-FlowLateralMovement -Exclude 10.20.0.7 -Baseline $base) | Should -HaveCount 0
        }

        It 'takes the file New-FlowBaseline saved and still finds what the baseline never saw' {
            $file = Join-Path $TestDrive 'before.json'
            $null = $flows | New-FlowBaseline -InternalNetwork 10.20.0.0/16 -End '2026-01-15T09:01' -OutputPath $file
            $withFile = @($flows | Find-FlowLateralMovement -Exclude 10.20.0.7 -Baseline $file)
            $withFile | Should -Not -HaveCount 0
            $withFile.Count | Should -BeLessOrEqual @($flows | Find-FlowLateralMovement -Exclude 10.20.0.7).Count
        }

        It 'rejects a value that is not a baseline' {
            { $flows | Find-FlowLateralMovement -Baseline 42 -ErrorAction Stop } | Should -Throw -ErrorId "BaselineInvalid,$fullId"
        }
    }

    Context 'labelled captures' {
        It 'finds the impacket smbexec movement over SMB and RPC' {
            $p = Join-Path $shared 'data' 'malicious' 'pcap-attack' 'LM_smbexec_smb_dcerpc_svcctl_epm.pcapng'
            $f = @(Convert-PcapToFlow -Path $p | Find-FlowLateralMovement)
            $f | Should -HaveCount 1
            $f[0].SrcAddr | Should -Be '172.16.66.1'
            $f[0].DstAddr | Should -Be '172.16.66.36'
            $f[0].Technique | Should -Match 'T1021.002'
        }

        It 'finds the SSH brute force on port 902 of a public network given as inside' {
            $p = Join-Path $shared 'data' 'malicious' 'slips' 'malicious-ssh-bruteforce.pcap'
            $f = @(Convert-PcapToFlow -Path $p | Find-FlowLateralMovement -InternalNetwork 147.32.0.0/16 -Port 902)
            $f | Should -HaveCount 1
            $f[0].Kind | Should -Be 'BruteForce'
            $f[0].SrcAddr | Should -Be '147.32.80.40'
        }
    }

    Context 'errors' {
        It 'stops on a bad -InternalNetwork entry' {
            { $flows | Find-FlowLateralMovement -InternalNetwork '10.0.0.0/33' -ErrorAction Stop } | Should -Throw -ErrorId "NetworkInvalid,$fullId"
        }

        It 'stops on a bad -Exclude entry' {
            { $flows | Find-FlowLateralMovement -Exclude '10.0.0.1/99' -ErrorAction Stop } | Should -Throw -ErrorId "ExcludeInvalid,$fullId"
        }

        It 'refuses a chain window that is not positive' {
            { $flows | Find-FlowLateralMovement -ChainWindow 0 -ErrorAction Stop } | Should -Throw -ErrorId "HuntOptionInvalid,$fullId"
        }
    }
}
