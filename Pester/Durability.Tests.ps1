# Issue 18 items 1 and 2 as a responder meets them: link loops and FIFOs in evidence folders end and are skipped.
# The engine tests (tests/FlowForensics.Tests/Durability) bound the same cases by time; these show the cmdlets.
BeforeAll {
    $modulePath = if ($env:FLOWFORENSICS_MODULE) { $env:FLOWFORENSICS_MODULE } else { "$PSScriptRoot/../out/FlowForensics/FlowForensics.psd1" }
    Import-Module $modulePath -Force
    $shared = Join-Path $PSScriptRoot '..' '..' 'shared' -Resolve
    $samples = Join-Path $shared 'formats' 'samples'
    $walkThrough = Join-Path $samples 'nfpcapd-ipv4v6-none.nfcapd'
    $capture = Join-Path $samples 'source-test.pcap'
}

Describe 'Evidence folders that fight back' {
    BeforeEach {
        $root = Join-Path ([IO.Path]::GetTempPath()) ("ff-durability-" + [guid]::NewGuid().ToString('n'))
        $null = New-Item -ItemType Directory -Path $root
    }
    AfterEach {
        Remove-Item -LiteralPath $root -Recurse -Force
    }

    It 'reads a folder with a link loop under -Recurse once, like nfdump -R' {
        # mkdir -p L/sub; cp any.nfcapd L/sub/; ln -s .. L/sub/up; ln -s ../L L/self
        $l = Join-Path $root 'L'
        $sub = Join-Path $l 'sub'
        $null = New-Item -ItemType Directory -Path $sub
        Copy-Item -LiteralPath $walkThrough -Destination (Join-Path $sub 'nfcapd.202401011200')
        ln -s .. (Join-Path $sub 'up')
        ln -s ../L (Join-Path $l 'self')
        $flows = @(Get-FlowRecord -Path $l -Recurse)
        $flows | Should -HaveCount 14
        (Measure-FlowTopN -Path $l -Recurse -Property DstPort -Top 1000 | Measure-Object Flows -Sum).Sum | Should -Be 14
        @(Get-FlowFileInfo -Path $l -Recurse) | Should -HaveCount 1
    }

    It 'skips a FIFO beside a real file instead of blocking' {
        Copy-Item -LiteralPath $walkThrough -Destination (Join-Path $root 'nfcapd.202401011200')
        mkfifo (Join-Path $root 'nfcapd.202601010000')
        $verbose = Get-FlowRecord -Path $root -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        @(Get-FlowRecord -Path $root) | Should -HaveCount 14
        ($verbose.Message -join "`n") | Should -Match 'FIFO'
    }

    It 'converts the captures of dir/* and names the FIFO among them in an error' {
        Copy-Item -LiteralPath $capture -Destination (Join-Path $root 'a.pcap')
        $fifo = Join-Path $root 'b.pcap'
        mkfifo $fifo
        $flows = @(Convert-PcapToFlow -Path (Join-Path $root '*') -ErrorVariable problems -ErrorAction SilentlyContinue)
        $flows.Count | Should -BeGreaterThan 0
        $problems | Should -HaveCount 1
        $problems[0].TargetObject | Should -Be $fifo
        $problems[0].Exception.Message | Should -Match 'FIFO'
    }
}
