# Exercises the Pester 5 features the specs rely on. It passes under real Pester 5 and under the
# hosted shim (tests/FlowForensics.Tests/PesterHost/PesterShim.ps1), so the two agree on these points.

BeforeAll {
    $modulePath = if ($env:FLOWFORENSICS_MODULE) { $env:FLOWFORENSICS_MODULE } else { "$PSScriptRoot/../out/FlowForensics/FlowForensics.psd1" }
    Import-Module $modulePath -Force
    $fileLevel = 'from the file-level BeforeAll'
}

$discoveryOnly = 'set during discovery'

Describe 'Two-phase scoping' {
    $describeBodyVariable = 'set in a Describe body'

    BeforeAll {
        $fromBeforeAll = 'set in BeforeAll'
    }

    It 'does not see a variable set in the Describe body' {
        $describeBodyVariable | Should -BeNullOrEmpty
    }

    It 'does not see a variable set at file level outside BeforeAll' {
        $discoveryOnly | Should -BeNullOrEmpty
    }

    It 'sees variables from its own and outer BeforeAll' {
        $fromBeforeAll | Should -Be 'set in BeforeAll'
        $fileLevel | Should -Be 'from the file-level BeforeAll'
    }

    It 'does not leak a variable set in one It into the next (set)' {
        $leaked = 'from an earlier It'
        $leaked | Should -Not -BeNullOrEmpty
    }

    It 'does not leak a variable set in one It into the next (check)' {
        $leaked | Should -BeNullOrEmpty
    }

    It 'has the module loaded by the file-level BeforeAll' {
        (Get-Module FlowForensics).Name | Should -Be 'FlowForensics'
    }
}

Describe 'BeforeEach and AfterEach' {
    BeforeAll {
        $log = [System.Collections.Generic.List[string]]::new()
    }

    BeforeEach {
        $log.Add('outer-before')
        $perTest = 'from BeforeEach'
    }

    AfterEach {
        $log.Add('outer-after')
    }

    Context 'nested' {
        BeforeEach {
            $log.Add('inner-before')
        }

        AfterEach {
            $log.Add('inner-after')
        }

        It 'runs outer BeforeEach before inner, and shares the test scope' {
            $perTest | Should -Be 'from BeforeEach'
            $log -join ',' | Should -Be 'outer-before,inner-before'
        }

        It 'ran AfterEach inner first after the previous test' {
            $log -join ',' | Should -Be 'outer-before,inner-before,inner-after,outer-after,outer-before,inner-before'
        }
    }
}

Describe 'TestCases' {
    It 'adds <a> and <b> to give <sum>' -TestCases @(
        @{ a = 1; b = 2; sum = 3 }
        @{ a = -5; b = 5; sum = 0 }
    ) {
        $a + $b | Should -Be $sum
    }

    It 'accepts -ForEach as an alias of -TestCases (<word>)' -ForEach @(@{ word = 'flow' }) {
        $word | Should -BeExactly 'flow'
    }
}

Describe 'Skipping' {
    It 'is skipped with -Skip' -Skip {
        throw 'a skipped test must not run'
    }

    It 'is skipped when it has no body'

    Context 'a skipped Context' -Skip {
        BeforeAll { throw 'the BeforeAll of a skipped block must not run' }
        It 'is skipped with its Context' { throw 'must not run' }
    }
}

Describe 'Should operators' {
    It 'compares with -Be and -BeExactly' {
        5 | Should -Be 5
        'Flow' | Should -Be 'flow'
        'Flow' | Should -BeExactly 'Flow'
        'Flow' | Should -Not -BeExactly 'flow'
        @(1, 2, 3) | Should -Be @(1, 2, 3)
        $null | Should -Be $null
        Should -ActualValue 7 -Be 7
    }

    It 'compares numbers' {
        5 | Should -BeGreaterThan 4
        5 | Should -BeLessThan 6
        5 | Should -BeGreaterOrEqual 5
        5 | Should -BeLessOrEqual 5
        5, 6, 7 | Should -BeGreaterThan 4
    }

    It 'matches strings' {
        'nfdump 1.7.1' | Should -Match '^nfdump \d'
        'nfdump' | Should -MatchExactly 'nf'
        'NFDUMP' | Should -Not -MatchExactly 'nf'
        'nfcapd.202401010000' | Should -BeLike 'nfcapd.*'
        'nfcapd' | Should -BeLikeExactly 'nf*'
        'NFCAPD' | Should -Not -BeLikeExactly 'nf*'
    }

    It 'checks collections' {
        1, 2, 3 | Should -Contain 2
        1, 2, 3 | Should -HaveCount 3
        @() | Should -HaveCount 0
        @() | Should -BeNullOrEmpty
        '' | Should -BeNullOrEmpty
        2 | Should -BeIn @(1, 2, 3)
        4 | Should -Not -BeIn @(1, 2, 3)
    }

    It 'checks types and truth' {
        5 | Should -BeOfType [int]
        'x' | Should -BeOfType 'string'
        $true | Should -BeTrue
        $false | Should -BeFalse
        0 | Should -BeFalse
        1, 'a' | Should -BeTrue
    }

    It 'uses -Because without changing the outcome' {
        1 | Should -Be 1 -Because 'one is one'
    }

    It 'checks thrown errors' {
        { throw 'boom here' } | Should -Throw
        { throw 'boom here' } | Should -Throw -ExpectedMessage 'boom*'
        { throw 'boom here' } | Should -Throw 'boom here'
        { [int]::Parse('x') } | Should -Throw -ExceptionType ([System.Management.Automation.MethodInvocationException])
        { 1 + 1 } | Should -Not -Throw
    }

    It 'matches -ErrorId on a real cmdlet error and passes the record through' {
        $err = { Import-Module ([System.IO.Path]::Combine($TestDrive, 'NoSuchModule.psd1')) -ErrorAction Stop } |
            Should -Throw -ErrorId 'Modules_ModuleNotFound*' -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike '*ImportModuleCommand'
        $err.CategoryInfo.Category | Should -Be 'ResourceUnavailable'
    }

    It 'catches parameter validation as a terminating error' {
        { Get-Module -Name $null } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
    }
}

Describe 'TestDrive' {
    BeforeAll {
        $file = [System.IO.Path]::Combine($TestDrive, 'note.txt')
        [System.IO.File]::WriteAllText($file, 'hello')
    }

    It 'is an existing folder' {
        $TestDrive | Should -Exist
    }

    It 'keeps files across the Its of one Describe' {
        $file | Should -Exist
        [System.IO.File]::ReadAllText($file) | Should -Be 'hello'
    }

    It 'can be written from a test' {
        $other = [System.IO.Path]::Combine($TestDrive, 'other.txt')
        [System.IO.File]::WriteAllText($other, 'x')
        $other | Should -Exist
        [System.IO.Path]::Combine($TestDrive, 'missing.txt') | Should -Not -Exist
    }

    Context 'nested' {
        It 'shares the Describe''s TestDrive' {
            [System.IO.Path]::Combine($TestDrive, 'note.txt') | Should -Exist
        }
    }
}

Describe 'The module in a spec' {
    It 'renders a FlowRecord with the types file aliases' {
        $r = [FlowForensics.Flows.FlowRecord]::new()
        $r.Bytes = 1234
        $r.DstPort = 443
        $r.byt | Should -Be 1234
        $r.dp | Should -Be 443
        $r | Should -BeOfType ([FlowForensics.Flows.FlowRecord])
    }
}

Describe '$PSScriptRoot' {
    BeforeAll {
        $rootInSetup = $PSScriptRoot
    }

    It 'is the spec folder in BeforeAll and in It' {
        [System.IO.File]::Exists([System.IO.Path]::Combine($rootInSetup, 'Shim.Tests.ps1')) | Should -BeTrue
        [System.IO.File]::Exists([System.IO.Path]::Combine($PSScriptRoot, 'Shim.Tests.ps1')) | Should -BeTrue
    }
}
