# Helpers shared by the specs. Import with: Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force

# Sheet names and every shared string of a workbook (the Open XML SDK ships in the module folder, so import
# FlowForensics first).
function Read-Workbook([string] $File) {
    $doc = [DocumentFormat.OpenXml.Packaging.SpreadsheetDocument]::Open($File, $false)
    try {
        $wb = $doc.WorkbookPart
        [pscustomobject]@{
            Sheets  = @($wb.Workbook.Sheets.ChildElements | ForEach-Object { $_.Name.Value })
            Strings = @($wb.SharedStringTablePart.SharedStringTable.ChildElements | ForEach-Object { $_.InnerText })
        }
    } finally { $doc.Dispose() }
}

Export-ModuleMember -Function Read-Workbook
