# Start-FlowCollector as a PowerShell user meets it: a timed run and its summary, the templates file, argument and
# bind errors, and records received from a NetFlow v5 datagram of the shared corpus, with -Filter and
# -ScaleBySampling. The sender is a thread job, in this process so it starts at once: it gives the collector started
# next a 1.5 s head start, sends one datagram to 127.0.0.1 and ends; the test waits for it and reads its errors.
BeforeAll {
    $modulePath = if ($env:FLOWFORENSICS_MODULE) { $env:FLOWFORENSICS_MODULE } else { "$PSScriptRoot/../out/FlowForensics/FlowForensics.psd1" }
    Import-Module $modulePath -Force
    $shared = Join-Path $PSScriptRoot '..' '..' 'shared' -Resolve
    $v5Capture = Join-Path $shared 'data' 'export' 'akvorado' 'nfv5.pcap'
    $fullId = 'FlowForensics.PowerShell.Commands.StartFlowCollectorCommand'

    # One UDP datagram to 127.0.0.1:Port, 1.5 s from now (the collector started next is listening by then).
    function Start-Sender([byte[]] $Datagram, [int] $Port) {
        Start-ThreadJob -ArgumentList $Datagram, $Port -ScriptBlock {
            param([byte[]] $Datagram, [int] $Port)
            Start-Sleep -Milliseconds 1500
            $client = [Net.Sockets.UdpClient]::new([Net.Sockets.AddressFamily]::InterNetwork)
            try { $null = $client.Send($Datagram, $Datagram.Length, [Net.IPEndPoint]::new([Net.IPAddress]::Loopback, $Port)) }
            finally { $client.Dispose() }
        }
    }

    # The sender has ended, having sent without an error.
    function Complete-Sender($Job) {
        try {
            $Job | Wait-Job -Timeout 10 | Should -Not -BeNullOrEmpty -Because 'the sender ends by itself once it has sent'
            $Job | Receive-Job -ErrorAction Stop
            $Job.State | Should -Be 'Completed'
        }
        finally { $Job | Remove-Job -Force }
    }

    function Get-FreePort {
        $probe = [Net.Sockets.UdpClient]::new([Net.IPEndPoint]::new([Net.IPAddress]::Loopback, 0))
        try { $probe.Client.LocalEndPoint.Port } finally { $probe.Dispose() }
    }
}

Describe 'Start-FlowCollector' {
    Context 'a timed run' {
        It 'stops after -Duration and writes one summary with the port it listened on' {
            $port = Get-FreePort
            $out = @(Start-FlowCollector -Port $port -ListenAddress 127.0.0.1 -Duration 00:00:01)
            $out | Should -HaveCount 1
            $out[0] | Should -BeOfType ([FlowForensics.PowerShell.Commands.FlowCollectorSummary])
            $out[0].ListenEndPoint | Should -Be "127.0.0.1:$port"
            $out[0].Records | Should -Be 0
            $out[0].Malformed | Should -Be 0
            $out[0].MalformedByExporter | Should -BeNullOrEmpty
            $out[0].Elapsed.TotalSeconds | Should -BeGreaterOrEqual 1
        }

        It 'saves the templates file at stop' {
            $file = Join-Path $TestDrive 'saved-templates.bin'
            $null = Start-FlowCollector -Port 0 -ListenAddress 127.0.0.1 -Duration 00:00:01 -TemplateFile $file
            $file | Should -Exist
        }

        It 'reports a corrupt templates file and still runs' {
            $file = Join-Path $TestDrive 'corrupt-templates.bin'
            Set-Content -LiteralPath $file -AsByteStream -Value ([byte[]] (1, 2, 3, 4, 5))
            $out = @(Start-FlowCollector -Port 0 -ListenAddress 127.0.0.1 -Duration 00:00:01 -TemplateFile $file -ErrorVariable bad -ErrorAction SilentlyContinue)
            $bad[0].FullyQualifiedErrorId | Should -Be "TemplateFileInvalid,$fullId"
            $out | Should -HaveCount 1
        }
    }

    Context 'errors' {
        It 'refuses a -Duration that is not positive' {
            { Start-FlowCollector -Port 0 -ListenAddress 127.0.0.1 -Duration 00:00:00 -ErrorAction Stop } |
                Should -Throw -ErrorId "DurationNotPositive,$fullId"
        }

        It 'names the port when it is already in use' {
            $holder = [Net.Sockets.UdpClient]::new([Net.IPEndPoint]::new([Net.IPAddress]::Loopback, 0))
            try {
                $port = $holder.Client.LocalEndPoint.Port
                { Start-FlowCollector -Port $port -ListenAddress 127.0.0.1 -Duration 00:00:01 -ErrorAction Stop } |
                    Should -Throw -ErrorId "CollectorBindFailed,$fullId"
            }
            finally { $holder.Dispose() }
        }
    }

    Context 'receiving on loopback' {
        It 'receives every record of a NetFlow v5 datagram, filtered and scaled' {
            # The v5 datagram's bytes: the capture's single UDP payload (Ethernet 14 + IPv4 20 + UDP 8 = offset 42).
            $frame = Get-Content -LiteralPath $v5Capture -AsByteStream -Raw
            $packet = $frame[40..($frame.Length - 1)]   # after the 24-byte file header and 16-byte record header
            $payload = [byte[]]$packet[42..($packet.Length - 1)]
            $expected = @(Convert-PcapToFlow -Path $v5Capture -ExportProtocol NetFlowV5 | Where-Object Protocol -eq 6)
            $expected.Count | Should -BeGreaterThan 0
            $port = Get-FreePort
            $sender = Start-Sender $payload $port
            try { $out = @(Start-FlowCollector -Port $port -ListenAddress 127.0.0.1 -Duration 00:00:04 -Filter 'proto tcp' -ScaleBySampling) }
            finally { Complete-Sender $sender }
            $flows = @($out | Where-Object { $_ -is [FlowForensics.Flows.FlowRecord] })
            $summary = $out[-1]
            $summary.Datagrams | Should -Be 1
            $flows | Should -HaveCount $expected.Count
            $summary.RecordsOutput | Should -Be $expected.Count
            for ($i = 0; $i -lt $flows.Count; $i++) {
                $flows[$i].SrcAddr | Should -Be $expected[$i].SrcAddr
                $flows[$i].Exporter | Should -Be ([Net.IPAddress]::Loopback)
                $factor = [Math]::Max(1, $expected[$i].SamplingInterval)
                $flows[$i].Bytes | Should -Be ($expected[$i].Bytes * $factor)
            }
        }

        It 'counts a malformed datagram under its exporter and reason' {
            $port = Get-FreePort
            $sender = Start-Sender ([byte[]] (0x00, 0x2a, 0x00, 0x00)) $port
            try { $out = @(Start-FlowCollector -Port $port -ListenAddress 127.0.0.1 -Duration 00:00:03 -WarningVariable warned -WarningAction SilentlyContinue) }
            finally { Complete-Sender $sender }
            $out[-1].Malformed | Should -Be 1
            $out[-1].MalformedByExporter | Should -Be '127.0.0.1 UnsupportedVersion=1'
            "$warned" | Should -Match 'from 127\.0\.0\.1: UnsupportedVersion'
        }
    }
}
