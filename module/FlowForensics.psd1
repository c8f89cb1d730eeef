@{
    RootModule           = 'FlowForensics.psm1'
    ModuleVersion        = '0.0.0-version'
    CompatiblePSEditions = @('Core')
    GUID                 = '5f0c2a5e-7a61-4d55-9f0e-3c1b2f4d8a17'
    Author               = 'FlowForensics contributors'
    CompanyName          = 'FlowForensics'
    Copyright            = '(c) FlowForensics contributors'
    Description          = 'Network-flow forensics for incident responders: pcap and nfdump flow files to typed flow records, nfdump filters, top-N statistics and hunts for beaconing, exfiltration, scans and lateral movement.'
    PowerShellVersion    = '7.6'
    FormatsToProcess     = @('FlowForensics.format.ps1xml', 'FlowForensics.Analysis.format.ps1xml', 'FlowForensics.Storage.format.ps1xml')
    TypesToProcess       = @('FlowForensics.types.ps1xml')
    CmdletsToExport      = @(
        'Convert-PcapToFlow'
        'Find-FlowLateralMovement'
        'Find-FlowScan'
        'Find-FlowBeacon'
        'Find-FlowExfiltration'
        'Get-FlowFileInfo'
        'Get-FlowRecord'
        'Measure-FlowTopN'
        'Start-FlowCollector'
        'Export-FlowReport'
        'New-FlowBaseline'
        'Find-FlowAnomaly'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('DFIR', 'NetFlow', 'IPFIX', 'nfdump', 'pcap', 'forensics', 'threat-hunting')
            ProjectUri   = 'https://example.invalid/flowforensics'
            ReleaseNotes = 'See README.md.'
        }
    }
}
