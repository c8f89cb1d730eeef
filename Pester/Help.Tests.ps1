# Help and tab completion as pwsh shows them: every example of every cmdlet's help, as Get-Help shows it (the MAML
# shipped in the module), runs as written, each in an empty folder of its own, with no error; Get-Help's text at
# 120 columns, Get-Help -Online, and TabExpansion2 on -Filter.
BeforeDiscovery {
    $modulePath = if ($env:FLOWFORENSICS_MODULE) { $env:FLOWFORENSICS_MODULE } else { "$PSScriptRoot/../out/FlowForensics/FlowForensics.psd1" }
    Import-Module $modulePath -Force
    $examples = foreach ($command in Get-Command -Module FlowForensics | Sort-Object Name) {
        $number = 0
        foreach ($example in (Get-Help $command.Name -Examples).examples.example) {
            $number++
            @{ Cmdlet = $command.Name; Number = $number; Title = $example.title.Trim('- '); Code = $example.code }
        }
    }
}

BeforeAll {
    $modulePath = if ($env:FLOWFORENSICS_MODULE) { $env:FLOWFORENSICS_MODULE } else { "$PSScriptRoot/../out/FlowForensics/FlowForensics.psd1" }
    Import-Module $modulePath -Force
    $docs = (Resolve-Path (Join-Path $PSScriptRoot '..' 'docs' 'cmdlets')).ProviderPath

    # The list items of a help page's DESCRIPTION, as authored ("- " lines).
    function Get-ListItem([string] $Page) {
        $text = (Get-Content -Raw -LiteralPath $Page) -replace '\r\n', "`n"
        $description = ($text -split '\n## DESCRIPTION\n', 2)[1] -split '\n## ', 2 | Select-Object -First 1
        @($description -split '\n' | Where-Object { $_.StartsWith('- ') })
    }

    function Get-Completion([string] $InputScript) {
        @((TabExpansion2 -inputScript $InputScript -cursorColumn $InputScript.Length).CompletionMatches.CompletionText)
    }
}

Describe 'Get-Help' {
    It 'keeps every bulleted list of a description a list: each item starts its own paragraph' {
        $pages = @(Get-ChildItem -LiteralPath $docs -Filter '*.md' | Where-Object { (Get-ListItem $_.FullName).Count -gt 0 })
        $pages.Count | Should -BeGreaterOrEqual 5   # beacon scoring, exfiltration techniques, anomaly types, report sheets, baseline
        foreach ($page in $pages) {
            $name = $page.BaseName
            $lines = @((Get-Help $name -Full | Out-String -Width 120) -split '\r?\n')
            foreach ($item in Get-ListItem $page.FullName) {
                $start = $item.Substring(0, [Math]::Min(40, $item.Length))
                $at = [array]::FindIndex([string[]]$lines, [Predicate[string]] { param($l) $l.Trim().StartsWith($start) })
                $at | Should -BeGreaterThan 0 -Because "'$start' of $name starts a line of Get-Help -Full"
                $lines[$at - 1].Trim() | Should -BeNullOrEmpty -Because "'$start' of $name starts a paragraph"
                $lines[$at] | Should -Match '^ {4}- ' -Because "'$start' of $name is indented like its description"
            }
        }
    }

    It 'opens the cmdlet page in the repository docs with -Online' -Skip:(-not $IsLinux) {
        $bin = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'online-bin')).FullName
        $opened = Join-Path $bin 'opened'
        try {
            # .NET opens a URL on Linux with xdg-open: a stand-in on PATH records what it was given
            Set-Content -LiteralPath (Join-Path $bin 'xdg-open') -Value "#!/bin/sh`necho `"`$1`" > '$opened'"
            & chmod +x (Join-Path $bin 'xdg-open')
            $savedPath = $env:PATH
            $env:PATH = $bin + [IO.Path]::PathSeparator + $env:PATH
            try { Get-Help Measure-FlowTopN -Online } finally { $env:PATH = $savedPath }
            $deadline = [DateTime]::UtcNow.AddSeconds(10)
            while (-not (Test-Path -LiteralPath $opened) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
            $uri = (Get-Content -Raw -LiteralPath $opened).Trim()
            $uri | Should -Be ((Get-Command Measure-FlowTopN).HelpUri)
            $uri | Should -BeLike '*/docs/cmdlets/Measure-FlowTopN.md'
            Join-Path $docs (Split-Path -Leaf $uri) | Should -Exist
        }
        finally { Remove-Item -LiteralPath $bin -Recurse -Force }
    }

    It 'links every cmdlet to its own page under the manifest''s ProjectUri' {
        $projectUri = (Get-Module FlowForensics).PrivateData.PSData.ProjectUri
        $projectUri | Should -Match '^https://'
        $commands = @(Get-Command -Module FlowForensics -CommandType Cmdlet)
        $commands.Count | Should -BeGreaterThan 10
        foreach ($c in $commands) {
            $c.HelpUri | Should -Be "$projectUri/blob/main/docs/cmdlets/$($c.Name).md"
            @((Get-Help $c.Name -Full).relatedLinks.navigationLink)[0].uri | Should -Be $c.HelpUri
            Join-Path $docs "$($c.Name).md" | Should -Exist
        }
    }
}

Describe 'Tab completion of -Filter' {
    It 'continues a whole keyword with what may follow it' {
        $offered = Get-Completion "Get-FlowRecord -Path x -Filter 'src"
        $offered[0] | Should -Be "'src'"
        foreach ($c in "'src port'", "'src net'", "'src host'", "'src ip'") { $offered | Should -Contain $c }
        $offered | Should -Not -Contain "'src src'"
    }

    It 'offers after a keyword and a space only the words the parser takes there' {
        $offered = Get-Completion "Get-FlowRecord -Path x -Filter 'src "
        $offered | Should -Contain "'src port'"
        foreach ($c in "'src src'", "'src and'", "'src any'", "'src proto'") { $offered | Should -Not -Contain $c }
        Get-Completion "Get-FlowRecord -Path x -Filter 'proto tcp " | Should -Be @("'proto tcp and'", "'proto tcp or'")
    }
}

Describe 'Get-Help examples' {
    It 'every cmdlet has at least two examples' -TestCases @{ Cmdlets = @($examples | ForEach-Object { $_.Cmdlet }) } {
        $perCmdlet = $Cmdlets | Group-Object
        $perCmdlet | Where-Object Count -lt 2 | Select-Object -ExpandProperty Name | Should -BeNullOrEmpty
        $perCmdlet.Count | Should -Be (Get-Command -Module FlowForensics).Count
    }

    It '<Cmdlet> example <Number> runs: <Title>' -TestCases $examples {
        $folder = New-Item -ItemType Directory -Path (Join-Path $TestDrive "$Cmdlet-$Number")
        Push-Location $folder
        try {
            $ErrorActionPreference = 'Stop'
            $null = . ([scriptblock]::Create($Code))
        }
        finally {
            Pop-Location
        }
    }
}
