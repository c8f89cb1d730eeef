#Requires -Version 7.4
<#
.SYNOPSIS
    The detection table of docs/detections.md: every labelled capture in ../shared/data/malicious and the demo's
    planted behaviours, found or missed at the hunts' defaults, with score and rank; and the findings at defaults on
    the ordinary captures of ../shared/data/pcap (false positives).
.DESCRIPTION
    Runs the four hunts (Find-FlowBeacon, Find-FlowExfiltration, Find-FlowScan, Find-FlowLateralMovement) with their
    default settings over each capture, metered by Convert-PcapToFlow. The rank of a labelled finding is its place
    among all the capture's findings of the four hunts, by score. Works with any build of the module (it reads the
    host from Host, Scanner or SrcAddr and the kind from Kind, ScanType or Technique), so the same script measures
    main and a branch:
        dotnet pwsh -NoProfile -File tools/DetectionTable/Measure-Detections.ps1 -ModulePath ./out/FlowForensics
    It prints markdown; paste it into docs/detections.md. Takes a few minutes (about 250 captures).
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [string] $SharedPath = (Join-Path $PSScriptRoot '..' '..' '..' 'shared'),
    [string] $Label = 'this build'
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath -Force
$demo = Join-Path (Get-Module FlowForensics).ModuleBase 'Samples' 'demo.pcap'
$malicious = Join-Path $SharedPath 'data' 'malicious'
$ordinary = Join-Path $SharedPath 'data' 'pcap'

# capture (relative to data/malicious, or 'demo'), hunt, the host the label names ('*': any finding of that hunt), what the label says
$labels = @(
    , @('demo', 'Beacon', '10.20.1.23', 'demo: beacon every minute to 203.0.113.50:443')
    , @('demo', 'Exfiltration', '10.20.0.26', 'demo: 3 MB upload to port 4444')
    , @('demo', 'Exfiltration', '10.20.1.29', 'demo: DNS tunnel')
    , @('demo', 'Scan', '10.20.0.31', 'demo: SYN scan of 1,024 ports')
    , @('demo', 'LateralMovement', '10.20.1.21', 'demo: SMB then WinRM chain')
    , @('ndpi/synscan.pcap', 'Scan', '172.16.0.8', 'nmap SYN scan')
    , @('ndpi/tcp_scan.pcapng', 'Scan', '192.168.1.178', 'SYN, connect, FIN, NULL, Xmas probes')
    , @('slips/test12-icmp-portscan.pcap', 'Scan', '192.168.1.109', 'ICMP sweep')
    , @('zeek/vnc-scanner.pcap', 'Scan', '*', 'VNC scanner')
    , @('pcap-attack/LM_WMI_ProcessCallCreate.pcapng', 'LateralMovement', '172.16.66.1', 'WMI (T1047)')
    , @('pcap-attack/LM_smbexec_smb_dcerpc_svcctl_epm.pcapng', 'LateralMovement', '172.16.66.1', 'smbexec (PsExec-like)')
    , @('pcap-attack/LM_rdp_sharprdp.pcapng', 'LateralMovement', '192.168.56.1', 'SharpRDP')
    , @('pcap-attack/Discovery_impacket_rpcdump.pcapng', 'LateralMovement', '10.0.2.15', 'rpcdump (discovery over RPC)')
    , @('slips/malicious-ssh-bruteforce.pcap', 'LateralMovement', '147.32.80.40', 'SSH brute force on port 902 of a public network')
    , @('zeek/ftp-bruteforce.pcap', 'LateralMovement', '*', 'FTP brute force')
    , @('ndpi/dns-tunnel-iodine.pcap', 'Exfiltration', '10.0.2.30', 'iodine DNS tunnel')
    , @('pcap-attack/C2_cmds_over_dns_txt.pcap', 'Exfiltration', '192.168.100.121', 'C2 commands over DNS TXT')
    , @('ndpi/dns-exf.pcap', 'Exfiltration', '*', 'DNS exfiltration')
    , @('ndpi/icmp-tunnel.pcap', 'Exfiltration', '192.168.154.131', 'ICMP tunnel')
    , @('slips/test-cc-capture-1.pcap', 'Beacon', '147.32.80.37', 'C2 check-in every 2 s')
    , @('zeek/merlin-c2-over-quic.pcapng', 'Beacon', '*', 'Merlin C2 over QUIC')
)

function Get-HostOf($f) {
    foreach ($n in 'Host', 'Scanner', 'SrcAddr') { if ($null -ne $f.PSObject.Properties[$n]) { return [string]$f.$n } }
}
function Get-KindOf($f, $hunt) {
    if ($null -ne $f.PSObject.Properties['Kind']) { return [string]$f.Kind }
    if ($null -ne $f.PSObject.Properties['ScanType']) { return [string]$f.ScanType }
    if ($hunt -eq 'Exfiltration') { return [string]$f.Technique }
    return $hunt
}
function Invoke-Hunts([string] $path) {
    $flows = @(Convert-PcapToFlow -Path $path -ErrorAction SilentlyContinue -WarningAction SilentlyContinue)
    $all = [System.Collections.Generic.List[object]]::new()
    if ($flows.Count -eq 0) { return , $all }
    foreach ($hunt in 'Beacon', 'Exfiltration', 'Scan', 'LateralMovement') {
        foreach ($f in @($flows | & "Find-Flow$hunt" -ErrorAction SilentlyContinue -WarningAction SilentlyContinue)) {
            $all.Add([pscustomobject]@{ Hunt = $hunt; Host = Get-HostOf $f; Kind = Get-KindOf $f $hunt; Score = [double]$f.Score })
        }
    }
    $sorted = [System.Collections.Generic.List[object]]::new()
    foreach ($f in ($all | Sort-Object Score -Descending -Stable)) { $sorted.Add($f) }
    return , $sorted
}

$cache = @{}
"### Labelled captures and scenarios at the defaults ($Label)"
''
'| capture | label | hunt | found | kind | score | rank of | findings |'
'|---|---|---|---|---|---|---|---|'
foreach ($l in $labels) {
    $capture, $hunt, $who, $what = $l
    $path = if ($capture -eq 'demo') { $demo } else { Join-Path $malicious $capture }
    if (-not $cache.ContainsKey($path)) { $cache[$path] = Invoke-Hunts $path }
    $findings = $cache[$path]
    $hit = $null; $rank = 0
    for ($i = 0; $i -lt $findings.Count; $i++) {
        $f = $findings[$i]
        if ($f.Hunt -eq $hunt -and ($who -eq '*' -or $f.Host -eq $who)) { $hit = $f; $rank = $i + 1; break }
    }
    $name = if ($capture -eq 'demo') { 'module/Samples/demo.pcap' } else { "``$capture``" }
    if ($hit) { "| $name | $what | $hunt | found | $($hit.Kind) | $('{0:0.00}' -f $hit.Score) | $rank of | $($findings.Count) |" }
    else { "| $name | $what | $hunt | missed | | | | $($findings.Count) |" }
}
$labelled = @($labels | ForEach-Object { if ($_[0] -ne 'demo') { Join-Path $malicious $_[0] } })
''
"### Other captures in ../shared/data/malicious: findings at the defaults ($Label)"
''
'| capture | findings (hunt kind host score) |'
'|---|---|'
foreach ($file in Get-ChildItem -LiteralPath $malicious -Recurse -File -Include *.pcap, *.pcapng | Sort-Object FullName) {
    if ($file.FullName -in $labelled) { continue }
    $findings = Invoke-Hunts $file.FullName
    $text = if ($findings.Count -eq 0) { 'none' } else { ($findings | Select-Object -First 4 | ForEach-Object { "$($_.Hunt) $($_.Kind) $($_.Host) $('{0:0.00}' -f $_.Score)" }) -join '; ' }
    if ($findings.Count -gt 4) { $text += "; … ($($findings.Count) in all)" }
    "| ``$([System.IO.Path]::GetRelativePath($malicious, $file.FullName))`` | $text |"
}
''
"### Ordinary captures in ../shared/data/pcap: false positives at the defaults ($Label)"
''
$captures = 0; $byHunt = [ordered]@{ Beacon = 0; Exfiltration = 0; Scan = 0; LateralMovement = 0 }; $where = [System.Collections.Generic.List[string]]::new()
foreach ($file in Get-ChildItem -LiteralPath $ordinary -Recurse -File -Include *.pcap, *.pcapng | Sort-Object FullName) {
    $captures++
    $findings = Invoke-Hunts $file.FullName
    foreach ($f in $findings) {
        $byHunt[$f.Hunt]++
        $where.Add("``$([System.IO.Path]::GetRelativePath($ordinary, $file.FullName))``: $($f.Hunt) $($f.Kind) $($f.Host) $('{0:0.00}' -f $f.Score)")
    }
}
"$captures captures; findings: " + (($byHunt.GetEnumerator() | ForEach-Object { "$($_.Key) $($_.Value)" }) -join ', ') + '.'
''
foreach ($w in $where) { "- $w" }
