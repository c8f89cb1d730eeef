# Start-FlowCollector as a PowerShell user meets it: a timed run and its summary, the
# templates file, argument and bind errors, and (on Linux, where bash can send UDP through /dev/udp) records received
# from a NetFlow v5 datagram of the shared corpus, with -Filter and -ScaleBySampling.
# Runs under real Pester 5 and under the hosted shim (no Start-Job or Start-Process there: the sender is a bash process
# started through .NET before the collector, which waits a moment and sends).
BeforeAll {
    $modulePath = if ($env:FLOWFORENSICS_MODULE) { $env:FLOWFORENSICS_MODULE } else { "$PSScriptRoot/../out/FlowForensics/FlowForensics.psd1" }
    Import-Module $modulePath -Force
    $shared = [IO.Path]::GetFullPath([IO.Path]::Combine($PSScriptRoot, '..', '..', 'shared'))
    $v5Capture = [IO.Path]::Combine($shared, 'data', 'export', 'akvorado', 'nfv5.pcap')
    $fullId = 'FlowForensics.PowerShell.Commands.StartFlowCollectorCommand'
    $canSend = [IO.File]::Exists('/bin/bash') -and [IO.File]::Exists($v5Capture)
    # bash -c SCRIPT, started now (it sleeps before sending, so the collector started next is listening).
    function Start-Bash([string] $Script) {
        $psi = [Diagnostics.ProcessStartInfo]::new('/bin/bash')
        $psi.ArgumentList.Add('-c')
        $psi.ArgumentList.Add($Script)
        $psi.UseShellExecute = $false
        [Diagnostics.Process]::Start($psi)
    }

    function New-TempFolder {
        $d = [IO.Path]::Combine([IO.Path]::GetTempPath(), 'ff-pester-collector-' + [Guid]::NewGuid().ToString('N'))
        [void][IO.Directory]::CreateDirectory($d)
        $d
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
            $dir = New-TempFolder
            $file = [IO.Path]::Combine($dir, 'templates.bin')
            $null = Start-FlowCollector -Port 0 -ListenAddress 127.0.0.1 -Duration 00:00:01 -TemplateFile $file
            [IO.File]::Exists($file) | Should -BeTrue
            [IO.Directory]::Delete($dir, $true)
        }

        It 'reports a corrupt templates file and still runs' {
            $dir = New-TempFolder
            $file = [IO.Path]::Combine($dir, 'templates.bin')
            [IO.File]::WriteAllBytes($file, [byte[]](1, 2, 3, 4, 5))
            $out = @(Start-FlowCollector -Port 0 -ListenAddress 127.0.0.1 -Duration 00:00:01 -TemplateFile $file -ErrorVariable bad -ErrorAction SilentlyContinue)
            $bad[0].FullyQualifiedErrorId | Should -Be "TemplateFileInvalid,$fullId"
            $out | Should -HaveCount 1
            [IO.Directory]::Delete($dir, $true)
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

    Context 'receiving (Linux: bash sends through /dev/udp)' {
        It 'receives every record of a NetFlow v5 datagram, filtered and scaled' {
            if (-not $canSend) { return }
            $dir = New-TempFolder
            # The v5 datagram's bytes: the capture's single UDP payload (Ethernet 14 + IPv4 20 + UDP 8 = offset 42).
            $frame = [IO.File]::ReadAllBytes($v5Capture)
            $packet = $frame[40..($frame.Length - 1)]   # after the 24-byte file header and 16-byte record header
            $payload = [byte[]]$packet[42..($packet.Length - 1)]
            [IO.File]::WriteAllBytes([IO.Path]::Combine($dir, 'd1.bin'), $payload)
            $expected = @(Convert-PcapToFlow -Path $v5Capture -ExportProtocol NetFlowV5 | Where-Object { $_.Protocol -eq 6 })
            $expected.Count | Should -BeGreaterThan 0
            $port = Get-FreePort
            $sender = Start-Bash "sleep 1.5; cat '$dir/d1.bin' > /dev/udp/127.0.0.1/$port"
            $out = @(Start-FlowCollector -Port $port -ListenAddress 127.0.0.1 -Duration 00:00:04 -Filter 'proto tcp' -ScaleBySampling)
            $sender.WaitForExit(10000) | Should -BeTrue
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
            [IO.Directory]::Delete($dir, $true)
        }

        It 'counts a malformed datagram under its exporter and reason' {
            if (-not $canSend) { return }
            $port = Get-FreePort
            $sender = Start-Bash "sleep 1.5; printf '\x00\x2a\x00\x00' > /dev/udp/127.0.0.1/$port"
            $out = @(Start-FlowCollector -Port $port -ListenAddress 127.0.0.1 -Duration 00:00:03 -WarningVariable warned -WarningAction SilentlyContinue)
            $sender.WaitForExit(10000) | Should -BeTrue
            $out[-1].Malformed | Should -Be 1
            $out[-1].MalformedByExporter | Should -Be '127.0.0.1 UnsupportedVersion=1'
            "$warned" | Should -Match 'from 127\.0\.0\.1: UnsupportedVersion'
        }
    }
}
