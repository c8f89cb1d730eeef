# README.md as a spec. The powershell block of "A five-minute tour" runs verbatim, as a reader pastes it at the root
# of a checkout: the prelude (Import-Module ./out/FlowForensics, $demo) once, then each numbered step, and each step
# must give what the demo capture holds (module/Samples/README.md): an nfcapd archive, the 3 MB upload from
# 10.20.0.26 to port 4444, the top talkers and fan-out, the beacon 10.20.1.23 -> 203.0.113.50:443, the scan from
# 10.20.0.31, the SMB-then-WinRM chain from 10.20.1.21, and the case workbook. The FlowForensics commands of the
# "From nfdump" table run against the same archive.
# The relative paths land in a working folder under $TestDrive whose out/FlowForensics is a link to the built module.
BeforeAll {
    $modulePath = if ($env:FLOWFORENSICS_MODULE) { $env:FLOWFORENSICS_MODULE } else { "$PSScriptRoot/../out/FlowForensics/FlowForensics.psd1" }
    $moduleFolder = Split-Path -Parent (Resolve-Path -LiteralPath $modulePath).ProviderPath
    $readme = Get-Content -LiteralPath (Join-Path $PSScriptRoot '..' 'README.md') -Raw

    # The text under a '## ' heading of the README, up to the next one; nothing when there is no such heading.
    function Get-ReadmeSection([string] $Heading) {
        $m = [regex]::Match($readme, "(?ms)^## $([regex]::Escape($Heading))[ \t]*\r?\n(.*?)(?=^## |\z)")
        if ($m.Success) { $m.Groups[1].Value }
    }

    # A folder laid out like the root of a checkout after a build: out/FlowForensics is the built module.
    function New-CheckoutFolder([string] $Name) {
        $root = New-Item -ItemType Directory -Path (Join-Path $TestDrive $Name)
        $out = New-Item -ItemType Directory -Path (Join-Path $root 'out')
        $linkType = if ($IsWindows) { 'Junction' } else { 'SymbolicLink' }
        $null = New-Item -ItemType $linkType -Path (Join-Path $out 'FlowForensics') -Target $moduleFolder
        $root
    }

    # The link goes before the folder does, so nothing that cleans up follows it into the build output.
    function Remove-CheckoutLink($Root) {
        if (-not $Root) { return }
        $link = Get-Item -LiteralPath (Join-Path $Root 'out' 'FlowForensics') -ErrorAction Ignore
        if ($link -and $link.LinkType) { $link.Delete() }
    }

    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
}

Describe 'README.md: A five-minute tour' {
    BeforeAll {
        $section = Get-ReadmeSection 'A five-minute tour'
        $block = if ($section -match '(?s)```powershell\r?\n(.*?)```') { $Matches[1] }
        # The prelude is what comes before '# 1.'; a step runs from its '# N.' line to the next step.
        $prelude = if ($block) { ($block -split '(?m)^# \d+\.', 2)[0] }
        $steps = @{}
        foreach ($m in [regex]::Matches("$block", '(?ms)^# (\d+)\..*?(?=^# \d+\.|\z)')) { $steps[[int] $m.Groups[1].Value] = $m.Value }

        $work = New-CheckoutFolder 'tour'
        Push-Location -LiteralPath $work
        # A reader's session has not imported the module yet; the other specs in this process have, from another path.
        Remove-Module FlowForensics -ErrorAction Ignore
        $ErrorActionPreference = 'Stop'
        if ($prelude) { . ([scriptblock]::Create($prelude)) }

        # Step N as pasted, any error terminating; what it writes to the pipeline.
        function Invoke-TourStep([int] $Number) {
            $steps.ContainsKey($Number) | Should -BeTrue -Because "the tour has a step '# $Number.'"
            $ErrorActionPreference = 'Stop'
            @(. ([scriptblock]::Create($steps[$Number])))
        }
    }

    AfterAll {
        Pop-Location
        Remove-Module FlowForensics -ErrorAction Ignore
        Remove-CheckoutLink $work
    }

    It 'is in the README: a powershell block that imports the module and names the demo, then steps 1 to 5' {
        $section | Should -Not -BeNullOrEmpty -Because 'README.md has a "## A five-minute tour" section'
        $block | Should -Not -BeNullOrEmpty -Because 'the tour is a ```powershell block'
        $prelude | Should -Match '(?m)^Import-Module \./out/FlowForensics\s*$'
        $prelude | Should -Match '(?m)^\$demo = '
        $steps.Keys | Sort-Object | Should -Be 1, 2, 3, 4, 5
        (Get-Module FlowForensics).ModuleBase | Should -Be (Join-Path $work 'out' 'FlowForensics')
        $demo | Should -Exist
    }

    It 'step 1 turns the capture into an nfcapd archive under ./case, a file per five minutes' {
        Invoke-TourStep 1 | Should -BeNullOrEmpty
        (Get-ChildItem -LiteralPath ./case -File | Sort-Object Name).Name |
            Should -Be 'nfcapd.202601150900', 'nfcapd.202601150905', 'nfcapd.202601150910'
        (Get-FlowFileInfo -Path ./case | Measure-Object -Property Flows -Sum).Sum | Should -Be @(Convert-PcapToFlow -Path $demo).Count
    }

    It 'step 2 lists the flows that left the office outside the web ports, the 3 MB upload to port 4444 among them' {
        $flows = Invoke-TourStep 2
        $flows.Count | Should -BeGreaterThan 0
        $flows | ForEach-Object GetType | Select-Object -Unique | Should -Be ([FlowForensics.Flows.FlowRecord])
        # 10.0.0.0/8 as text: an IPv4 address that starts '10.' (no IPv6 address does)
        $leaving = @(Get-FlowRecord -Path ./case |
                Where-Object { "$($_.SrcAddr)" -like '10.*' -and "$($_.DstAddr)" -notlike '10.*' -and $_.DstPort -notin 80, 443 })
        $leaving.Count | Should -BeGreaterThan 0
        $flows | Should -HaveCount $leaving.Count
        $flows | Where-Object { "$($_.SrcAddr)" -notlike '10.*' -or "$($_.DstAddr)" -like '10.*' -or $_.DstPort -in 80, 443 } |
            Should -BeNullOrEmpty
        $upload = @($flows | Where-Object DstPort -eq 4444)
        $upload | Should -HaveCount 1
        $upload[0].SrcAddr.ToString() | Should -Be '10.20.0.26'
        $upload[0].DstAddr.ToString() | Should -Be '198.51.100.200'
        $upload[0].Bytes | Should -BeGreaterThan 3000000
    }

    It 'step 3 ranks the top talkers by bytes, the uploader first, and counts each source''s fan-out' {
        $rows = Invoke-TourStep 3
        $rows | Should -HaveCount 15
        $talkers = @($rows | Select-Object -First 10)
        $fanOut = @($rows | Select-Object -Skip 10)

        $talkers | ForEach-Object { $_.PSObject.TypeNames[0] } | Should -Not -Contain 'FlowForensics.Analysis.TopN.TopNRow#Distinct'
        $talkers | ForEach-Object Rank | Should -Be (1..10)
        $talkers[0].SrcAddr | Should -Be '10.20.0.26'
        $flows = @(Get-FlowRecord -Path ./case)
        $byHand = @($flows | Group-Object { $_.SrcAddr.ToString() } |
                Select-Object Name, @{ Name = 'Bytes'; Expression = { ($_.Group | Measure-Object -Property Bytes -Sum).Sum } } |
                Sort-Object Bytes -Descending | Select-Object -First 10)
        $talkers.Bytes | Should -Be $byHand.Bytes
        $talkers.SrcAddr | Should -Be $byHand.Name

        $fanOut | Should -HaveCount 5
        $fanOut | ForEach-Object { $_.PSObject.TypeNames[0] } | Should -Be (@('FlowForensics.Analysis.TopN.TopNRow#Distinct') * 5)
        $scanner = @($fanOut | Where-Object SrcAddr -eq '10.20.0.31')
        $scanner | Should -HaveCount 1
        $scanner[0].DistinctDstPort | Should -BeGreaterOrEqual 1024
        $scanner[0].DistinctDstPort |
            Should -Be @($flows | Where-Object { $_.SrcAddr.ToString() -eq '10.20.0.31' } | ForEach-Object DstPort | Sort-Object -Unique).Count
    }

    It 'step 4 names the beacon, the upload (in a table that fits 120 columns), the scanner and the lateral movement' {
        $out = Invoke-TourStep 4

        $beacon = @($out | Where-Object { $_ -is [FlowForensics.Analysis.Beacons.BeaconFinding] })
        $beacon | Should -HaveCount 1
        $beacon[0].SrcAddr | Should -Be '10.20.1.23'
        $beacon[0].DstAddr | Should -Be '203.0.113.50'
        $beacon[0].DstPort | Should -Be 443

        # Find-FlowExfiltration | Format-Table: the formatting objects, rendered as a 120-column console would.
        $table = $out | Where-Object { $_.GetType().Namespace -eq 'Microsoft.PowerShell.Commands.Internal.Format' } | Out-String -Width 120
        $table | Should -Match 'Kind +Technique +Host +Peers +BytesOut +Score'
        $table | Should -Match 'UnusualPort +T1048 +10\.20\.0\.26 +198\.51\.100\.200:4444/TCP +3[0-9]{6} '
        $table | Should -Match 'DnsTunnel +T1071\.004 +10\.20\.1\.29 '
        $table -split '\r?\n' | Where-Object Length -gt 120 | Should -BeNullOrEmpty

        $scan = @($out | Where-Object { $_ -is [FlowForensics.Analysis.Scan.ScanFinding] })
        $scan | Should -HaveCount 1
        $scan[0].Scanner | Should -Be '10.20.0.31'

        $lateral = @($out | Where-Object { $_ -is [FlowForensics.Analysis.LateralMovement.LateralMovementFinding] })
        $lateral.SrcAddr | Should -Contain '10.20.1.21'
        @($lateral | Where-Object Kind -eq 'Chain').Chain | Should -Contain '10.20.1.21 -> 10.20.0.22 -> 10.20.0.6'
    }

    It 'step 5 writes ./case.xlsx: the titled case with every evidence file''s SHA-256 and a sheet per hunt' {
        Invoke-TourStep 5 | Should -BeNullOrEmpty
        './case.xlsx' | Should -Exist
        $book = Read-Workbook (Resolve-Path -LiteralPath ./case.xlsx).ProviderPath
        $book.Sheets | Should -Contain 'Summary'
        $book.Sheets | Should -Contain 'Beacons'
        $book.Sheets | Should -Contain 'Lateral movement'
        $book.Strings | Should -Contain 'Demo case'
        # -HuntSetting gives the report step 4's settings: the chain starts at 10.20.1.21, not at the excluded admin workstation
        $book.Strings | Should -Contain '10.20.1.21 -> 10.20.0.22 -> 10.20.0.6'
        @($book.Strings | Where-Object { $_ -like '10.20.0.7 ->*' }) | Should -HaveCount 0
        foreach ($file in Get-ChildItem -LiteralPath ./case -File) {
            $book.Strings | Should -Contain (Get-FileHash -LiteralPath $file.FullName -Algorithm SHA256).Hash
        }
    }
}

Describe 'README.md: the FlowForensics column of "From nfdump"' {
    # Discovery: one case per row whose second cell is a FlowForensics command ('\|' in a table cell is a pipe).
    $readmeText = Get-Content -LiteralPath (Join-Path $PSScriptRoot '..' 'README.md') -Raw
    $table = [regex]::Match($readmeText, '(?ms)^## From nfdump[ \t]*\r?\n(.*?)(?=^## |\z)').Groups[1].Value
    $commands = @(foreach ($line in $table -split '\r?\n') {
            if ($line -match '^\|.*\|\s*`(?<command>[A-Z][a-z]+-Flow[^`]*)`\s*\|\s*$') {
                @{ Command = $Matches.command -replace '\\\|', '|' }
            }
        })

    BeforeAll {
        Import-Module $modulePath -Force
        $work = New-CheckoutFolder 'from-nfdump'
        Push-Location -LiteralPath $work
        # The archive the tour's step 1 writes, which the table's commands read.
        Convert-PcapToFlow -Path (Join-Path (Get-Module FlowForensics).ModuleBase 'Samples' 'demo.pcap') -OutputDirectory ./case -RotateEvery 5m
    }

    AfterAll {
        Pop-Location
        Remove-CheckoutLink $work
    }

    It 'has FlowForensics commands for the nfdump ones' -ForEach @{ Found = $commands.Count } {
        $Found | Should -BeGreaterOrEqual 5 -Because 'README.md has a "## From nfdump" table of commands'
    }

    It 'runs <Command>' -ForEach $commands {
        $ErrorActionPreference = 'Stop'
        $out = @(. ([scriptblock]::Create($Command)))
        if ($Command -match 'Export-Csv (?<file>\S+)') {
            $csv = $Matches.file
            $csv | Should -Exist
            @(Import-Csv -LiteralPath $csv).Count | Should -BeGreaterThan 0
        }
        else {
            $out.Count | Should -BeGreaterThan 0
        }
    }
}
