# Find-FlowExfiltration as a PowerShell user meets it: the demo's 3 MB upload to 4444/tcp and its DNS tunnel are
# found with their ATT&CK ids, -Exclude and -AllowedPort change the verdicts, and bad arguments fail with their ids.
BeforeAll {
    $modulePath = if ($env:FLOWFORENSICS_MODULE) { $env:FLOWFORENSICS_MODULE } else { "$PSScriptRoot/../out/FlowForensics/FlowForensics.psd1" }
    Import-Module $modulePath -Force
    $demo = "$((Get-Module FlowForensics).ModuleBase)/Samples/demo.pcap"
    $flows = @(Convert-PcapToFlow -Path $demo)
    $fullId = 'FlowForensics.PowerShell.Commands.FindFlowExfiltrationCommand'
}

Describe 'Find-FlowExfiltration' {
    It 'finds the 3 MB upload from 10.20.0.26 to 198.51.100.200:4444/tcp' {
        $found = @($flows | Find-FlowExfiltration | Where-Object Technique -eq 'UnusualPort')
        $found | Should -HaveCount 1
        $found[0].Host | Should -Be '10.20.0.26'
        $found[0].Peers | Should -Be '198.51.100.200:4444/TCP'
        $found[0].MitreTechnique | Should -Be 'T1048'
        $found[0].BytesOut | Should -BeGreaterThan 3000000
        $found[0].Ratio | Should -BeGreaterThan 0.9
        $found[0].Reason | Should -Match 'outside the allowlist'
    }

    It 'finds the DNS tunnel from 10.20.1.29 through the resolver, not the resolver itself' {
        $found = @($flows | Find-FlowExfiltration | Where-Object Technique -eq 'DnsTunnel')
        $found | Should -HaveCount 1
        $found[0].Host | Should -Be '10.20.1.29'
        $found[0].Peers | Should -Be '10.20.0.2'
        $found[0].MitreTechnique | Should -Be 'T1071.004'
    }

    It 'leaves out allowlisted hosts' {
        @($flows | Find-FlowExfiltration -Exclude 198.51.100.200, 10.20.1.29) | Should -HaveCount 0
    }

    It 'reports the upload as a large upload once its port is allowed and the threshold lowered' {
        $found = @($flows | Find-FlowExfiltration -AllowedPort 443, 4444 -LargeFlowBytes 2000000)
        @($found | Where-Object Technique -eq 'UnusualPort') | Should -HaveCount 0
        @($found | Where-Object Technique -eq 'LargeUpload' | Where-Object Host -eq '10.20.0.26') | Should -HaveCount 1
    }

    It 'hunts only the given inside networks' {
        @($flows | Find-FlowExfiltration -InternalNetwork 10.99.0.0/16) | Should -HaveCount 0
    }

    It 'rejects a port outside 0..65535 with HuntOptionInvalid' {
        { $flows | Find-FlowExfiltration -AllowedPort 70000 -ErrorAction Stop } | Should -Throw -ErrorId "HuntOptionInvalid,$fullId"
    }
}
