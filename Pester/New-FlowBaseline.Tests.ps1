# New-FlowBaseline as a PowerShell user meets it: learning from the demo capture's first four minutes, the summary's
# counts (computed here independently), the JSON file, -Force/-WhatIf, -Exclude, -Path over nfcapd files, the default
# table, and errors.
BeforeAll {
    $modulePath = if ($env:FLOWFORENSICS_MODULE) { $env:FLOWFORENSICS_MODULE } else { "$PSScriptRoot/../out/FlowForensics/FlowForensics.psd1" }
    Import-Module $modulePath -Force
    $demo = "$((Get-Module FlowForensics).ModuleBase)/Samples/demo.pcap"
    $fullId = 'FlowForensics.PowerShell.Commands.NewFlowBaselineCommand'
    $flows = @(Convert-PcapToFlow -Path $demo)
    $cut = [datetime]::new(2026, 1, 15, 9, 4, 0, [DateTimeKind]::Utc)
    $learned = @($flows | Where-Object { $_.End -le $cut })   # -End keeps the flows that end by it (nfdump -t)
    $private = [FlowForensics.Analysis.Hunting.AddressSet]::Private
}

Describe 'New-FlowBaseline' {
    Context 'learning from the demo' {
        It 'counts the flows and profiles every internal host of the period' {
            $hosts = @($learned | ForEach-Object { $_.SrcAddr; $_.DstAddr } | Where-Object { $private.Contains($_) } |
                    ForEach-Object ToString | Sort-Object -Unique)
            $summary = $flows | New-FlowBaseline -End $cut -Interval '00:01:00'
            $summary | Should -BeOfType ([FlowForensics.Analysis.Baselines.FlowBaselineSummary])
            $summary.Flows | Should -Be $learned.Count
            $summary.Hosts | Should -Be $hosts.Count
            $summary.Interval | Should -Be ([timespan]::FromMinutes(1))
            $summary.Path | Should -BeNullOrEmpty
            $summary.PeriodStart | Should -BeLessThan $summary.PeriodEnd
            $summary.PeriodEnd | Should -BeLessOrEqual $cut
            foreach ($h in $hosts) { $summary.GetBaseline().IsKnownHost([Net.IPAddress]::Parse($h)) | Should -BeTrue }
            $summary.GetBaseline().IsKnownHost([Net.IPAddress]::Parse('198.51.100.200')) | Should -BeFalse
        }

        It 'knows the peers and services it saw' {
            $b = ($learned | New-FlowBaseline -Interval '00:01:00').GetBaseline()
            $f = $learned | Where-Object { $private.Contains($_.SrcAddr) -and $_.Protocol -eq 6 -and $_.DstPort -lt 1024 } | Select-Object -First 1
            $b.IsKnownPeer($f.SrcAddr, $f.DstAddr) | Should -BeTrue
            $b.IsKnownPort($f.SrcAddr, $f.DstPort, 6) | Should -BeTrue
            $b.IsKnownPort($f.SrcAddr, 4444, 6) | Should -BeFalse
            $b.IsUsualHour($f.SrcAddr, 9) | Should -BeTrue
        }

        It 'profiles only -InternalNetwork and leaves -Exclude out' {
            $summary = $learned | New-FlowBaseline -InternalNetwork 10.20.0.0/24 -Exclude 10.20.0.26
            $b = $summary.GetBaseline()
            $b.IsKnownHost([Net.IPAddress]::Parse('10.20.0.26')) | Should -BeFalse
            @($b.Hosts | Where-Object { -not $_.Address.StartsWith('10.20.0.') }) | Should -HaveCount 0
            $b.Networks | Should -HaveCount 1
            $b.Networks[0].Address | Should -Be '10.20.0.0/24'
        }

        It 'reads nfcapd files itself with -Path and learns the same' {
            $dir = Join-Path $TestDrive 'nfcapd'
            $null = Convert-PcapToFlow -Path $demo -OutputDirectory $dir
            $fromFiles = New-FlowBaseline -Path $dir -End $cut -Interval '00:01:00'
            $fromPipe = $flows | New-FlowBaseline -End $cut -Interval '00:01:00'
            $fromFiles.Flows | Should -Be $fromPipe.Flows
            $fromFiles.Hosts | Should -Be $fromPipe.Hosts
        }
    }

    Context 'the baseline file' {
        It 'writes versioned JSON and reports the path' {
            $file = Join-Path $TestDrive 'base.json'
            $summary = $learned | New-FlowBaseline -OutputPath $file
            $summary.Path | Should -Be $file
            $file | Should -Exist
            $doc = Get-Content -LiteralPath $file -Raw | ConvertFrom-Json
            $doc.Format | Should -BeExactly 'FlowForensics.Baseline'
            $doc.FormatVersion | Should -Be 1
            $doc.FormatVersion | Should -BeOfType ([long])
            $doc.Hosts | Should -HaveCount $summary.Hosts
        }

        It 'refuses to overwrite without -Force, and overwrites with it' {
            $file = Join-Path $TestDrive 'again.json'
            Set-Content -LiteralPath $file -Value 'keep me' -NoNewline
            { $learned | New-FlowBaseline -OutputPath $file -ErrorAction Stop } | Should -Throw -ErrorId "OutputExists,$fullId"
            Get-Content -LiteralPath $file -Raw | Should -Be 'keep me'
            $null = $learned | New-FlowBaseline -OutputPath $file -Force
            Get-Content -LiteralPath $file -Raw | Should -Match 'FlowForensics.Baseline'
        }

        It 'writes nothing with -WhatIf' {
            $file = Join-Path $TestDrive 'whatif.json'
            $summary = $learned | New-FlowBaseline -OutputPath $file -WhatIf
            $file | Should -Not -Exist
            $summary.Path | Should -BeNullOrEmpty
        }
    }

    Context 'composing with native PowerShell' {
        It 'shows the summary as a table in 120 columns' {
            $summary = $flows | New-FlowBaseline -End $cut -Interval '00:01:00'
            $table = $summary | Format-Table | Out-String -Width 120
            $table | Should -Match 'PeriodStart +PeriodEnd +Interval +Flows +Hosts +Networks +Path'
            $table | Should -Match ('2026-01-15 09:00:[0-9]{{2}} +2026-01-15 09:0[0-4]:[0-9]{{2}} +00:01:00 +{0} +{1} ' -f $summary.Flows, $summary.Hosts)
            $table -split '\r?\n' | Where-Object Length -gt 120 | Should -BeNullOrEmpty
        }
    }

    Context 'errors' {
        It 'rejects a bad -InternalNetwork entry by name' {
            { $learned | New-FlowBaseline -InternalNetwork 10.0.0.0/33 -ErrorAction Stop } | Should -Throw -ErrorId "NetworkInvalid,$fullId"
        }

        It 'rejects an interval below one second' {
            { $learned | New-FlowBaseline -Interval '00:00:00.5' -ErrorAction Stop } | Should -Throw -ErrorId "BaselineSettingInvalid,$fullId"
        }
    }
}
