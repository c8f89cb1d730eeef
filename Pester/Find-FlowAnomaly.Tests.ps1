# Find-FlowAnomaly as a PowerShell user meets it: a baseline of the demo's first four minutes, then the rest compared
# with it; the 3 MB upload from 10.20.0.26 is a volume surge; -Baseline takes a file, the summary or the baseline;
# -Type, -Exclude and the thresholds; flat findings and their default table; errors naming the file.
BeforeAll {
    $modulePath = if ($env:FLOWFORENSICS_MODULE) { $env:FLOWFORENSICS_MODULE } else { "$PSScriptRoot/../out/FlowForensics/FlowForensics.psd1" }
    Import-Module $modulePath -Force
    $demo = "$((Get-Module FlowForensics).ModuleBase)/Samples/demo.pcap"
    $fullId = 'FlowForensics.PowerShell.Commands.FindFlowAnomalyCommand'
    $flows = @(Convert-PcapToFlow -Path $demo)
    $cut = [datetime]::new(2026, 1, 15, 9, 4, 0, [DateTimeKind]::Utc)
}

Describe 'Find-FlowAnomaly' {
    BeforeAll {
        $file = Join-Path $TestDrive 'demo-base.json'
        $summary = $flows | New-FlowBaseline -End $cut -Interval '00:01:00' -OutputPath $file -Force
        $findings = @($flows | Find-FlowAnomaly -Baseline $file -Start $cut)
    }

    Context 'the demo compared with its first four minutes' {
        It 'finds the 3 MB upload from 10.20.0.26 as a volume surge in its minute' {
            $sent = ($flows | Where-Object { $_.SrcAddr.ToString() -eq '10.20.0.26' -and $_.Start.Minute -eq 5 } | Measure-Object Bytes -Sum).Sum
            $surge = @($findings | Where-Object { $_.Host -eq '10.20.0.26' -and $_.AnomalyType -eq 'VolumeSurge' })
            $surge | Should -HaveCount 1
            $surge[0].Window | Should -Be ([datetime]::new(2026, 1, 15, 9, 5, 0, [DateTimeKind]::Utc))
            $surge[0].Scope | Should -Be 'Host'
            $surge[0].Deviation | Should -BeGreaterThan 3.5
            $surge[0].Bytes | Should -BeGreaterOrEqual 3000000
            $surge[0].Reason | Should -Match ([regex]::Escape("sent $([Math]::Round($sent / 1e6, 1)) MB"))
        }

        It 'finds the port scan of 10.20.0.22 as a surge of both ends' {
            @($findings | Where-Object { $_.AnomalyType -eq 'VolumeSurge' -and $_.Host -eq '10.20.0.31' }) | Should -HaveCount 1
            @($findings | Where-Object { $_.AnomalyType -eq 'VolumeSurge' -and $_.Host -eq '10.20.0.22' }) | Should -HaveCount 1
        }

        It 'writes flat findings with a reason, by window' {
            $findings[0] | Should -BeOfType ([FlowForensics.Analysis.Baselines.AnomalyFinding])
            foreach ($f in $findings) {
                $f.Reason | Should -Match '\.$'
                foreach ($p in $f.PSObject.Properties) {
                    $p.Value.GetType().FullName | Should -BeIn @('System.String', 'System.Double', 'System.Int32', 'System.Int64', 'System.DateTime', 'System.TimeSpan')
                }
            }
            $findings.Window | Should -Be ($findings | Sort-Object Window).Window
        }
    }

    Context 'composing with native PowerShell' {
        It 'shows the default table in 120 columns' {
            $table = $findings | Format-Table | Out-String -Width 120
            $table | Should -Match 'Window +Host +Kind +Technique +Metric +Observed +Expected +Deviation +Score'
            $table | Should -Match '2026-01-15 09:05 +10\.20\.0\.26 +VolumeSurge '
            $table -split '\r?\n' | Where-Object Length -gt 120 | Should -BeNullOrEmpty
        }

        It 'counts findings per type with Group-Object' {
            $byType = $findings | Group-Object AnomalyType
            ($byType | Measure-Object Count -Sum).Sum | Should -Be $findings.Count
            $byType.Name | Should -Contain 'VolumeSurge'
        }
    }

    Context '-Baseline, -Type, -Exclude and thresholds' {
        It 'takes the summary or the baseline object as well as the file' {
            @($flows | Find-FlowAnomaly -Baseline $summary -Start $cut) | Should -HaveCount $findings.Count
            @($flows | Find-FlowAnomaly -Baseline $summary.GetBaseline() -Start $cut) | Should -HaveCount $findings.Count
        }

        It 'reports only the -Type asked for' {
            $surges = @($flows | Find-FlowAnomaly -Baseline $file -Start $cut -Type VolumeSurge)
            $surges.Count | Should -Be @($findings | Where-Object { $_.AnomalyType -eq 'VolumeSurge' }).Count
            @($surges | Where-Object { $_.AnomalyType -ne 'VolumeSurge' }) | Should -HaveCount 0
        }

        It 'leaves -Exclude hosts out' {
            @($flows | Find-FlowAnomaly -Baseline $file -Start $cut -Exclude 10.20.0.26 | Where-Object { $_.Host -eq '10.20.0.26' }) | Should -HaveCount 0
        }

        It 'reports fewer surges with a higher -Threshold' {
            $strict = @($flows | Find-FlowAnomaly -Baseline $file -Start $cut -Type VolumeSurge -Threshold 1000)
            $strict.Count | Should -BeLessThan @($findings | Where-Object { $_.AnomalyType -eq 'VolumeSurge' }).Count
        }
    }

    Context 'errors' {
        It 'names a corrupt baseline file' {
            $bad = Join-Path $TestDrive 'bad.json'
            Set-Content -LiteralPath $bad -Value '{"Format": "FlowForensics.Baseline", "FormatVersion": 1, "Hosts": ['
            $err = $null
            try { $flows | Find-FlowAnomaly -Baseline $bad -ErrorAction Stop } catch { $err = $_ }
            $err.FullyQualifiedErrorId | Should -Be "BaselineInvalid,$fullId"
            $err.Exception.Message | Should -Match ([regex]::Escape($bad))
        }

        It 'refuses a baseline of another format version' {
            $old = Join-Path $TestDrive 'v9.json'
            (Get-Content -LiteralPath $file -Raw) -replace '"FormatVersion":1', '"FormatVersion":9' | Set-Content -LiteralPath $old
            { $flows | Find-FlowAnomaly -Baseline $old -ErrorAction Stop } | Should -Throw -ErrorId "BaselineInvalid,$fullId"
        }

        It 'reports a missing baseline file' {
            { $flows | Find-FlowAnomaly -Baseline (Join-Path $TestDrive 'none.json') -ErrorAction Stop } | Should -Throw -ErrorId "PathNotFound,$fullId"
        }

        It 'refuses a value that is not a baseline' {
            { $flows | Find-FlowAnomaly -Baseline 42 -ErrorAction Stop } | Should -Throw -ErrorId "BaselineInvalid,$fullId"
        }
    }
}
