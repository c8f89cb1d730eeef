# EVERY test in this file MUST FAIL. It proves that a failing spec fails the test run: each Should operator, -Not,
# setup failures and -Throw mismatches, under real Pester. The xunit test SelfCheckTests runs it through
# build.ps1 -Task Spec and counts the failures; the normal spec run skips this file. Deliberate throws say
# 'SelfCheck deliberate failure'.

BeforeAll {
    $modulePath = if ($env:FLOWFORENSICS_MODULE) { $env:FLOWFORENSICS_MODULE } else { "$PSScriptRoot/../out/FlowForensics/FlowForensics.psd1" }
    Import-Module $modulePath -Force
}

Describe 'Each operator fails' {
    It 'Be' { 1 | Should -Be 2 }
    It 'Be on arrays of another length' { @(1, 2) | Should -Be @(1, 2, 3) }
    It 'Be null against a value' { $null | Should -Be 0 }
    It 'BeExactly' { 'Flow' | Should -BeExactly 'flow' }
    It 'BeGreaterThan' { 1 | Should -BeGreaterThan 1 }
    It 'BeGreaterThan per item' { 5, 1 | Should -BeGreaterThan 2 }
    It 'BeLessThan' { 2 | Should -BeLessThan 1 }
    It 'BeGreaterOrEqual' { 1 | Should -BeGreaterOrEqual 2 }
    It 'BeLessOrEqual' { 3 | Should -BeLessOrEqual 2 }
    It 'Match' { 'abc' | Should -Match '^b' }
    It 'MatchExactly' { 'ABC' | Should -MatchExactly 'abc' }
    It 'BeLike' { 'abc' | Should -BeLike 'b*' }
    It 'BeLikeExactly' { 'ABC' | Should -BeLikeExactly 'abc' }
    It 'Contain' { 1, 2, 3 | Should -Contain 4 }
    It 'HaveCount' { 1, 2, 3 | Should -HaveCount 2 }
    It 'HaveCount on empty input' { @() | Should -HaveCount 1 }
    It 'BeNullOrEmpty' { 'x' | Should -BeNullOrEmpty }
    It 'BeNullOrEmpty on a collection' { 1, 2 | Should -BeNullOrEmpty }
    It 'BeOfType' { 'x' | Should -BeOfType [int] }
    It 'BeOfType on null' { $null | Should -BeOfType [object] }
    It 'BeTrue' { $false | Should -BeTrue }
    It 'BeTrue per item' { $true, 0 | Should -BeTrue }
    It 'BeFalse' { 1 | Should -BeFalse }
    It 'BeIn' { 4 | Should -BeIn @(1, 2, 3) }
    It 'Exist' { [System.IO.Path]::Combine($TestDrive, 'missing.txt') | Should -Exist }
    It 'Be with -Because' { 1 | Should -Be 2 -Because 'the self-check must fail' }
    It 'Be with the actual value as a parameter' { Should -ActualValue 1 -Be 2 }
}

Describe 'Not inverts' {
    It 'Not Be' { 1 | Should -Not -Be 1 }
    It 'Not BeNullOrEmpty' { $null | Should -Not -BeNullOrEmpty }
    It 'Not Contain' { 1, 2 | Should -Not -Contain 2 }
    It 'Not Exist' { $TestDrive | Should -Not -Exist }
    It 'Not Throw' { { throw 'SelfCheck deliberate failure' } | Should -Not -Throw }
}

Describe 'Throw mismatches' {
    It 'Throw on a block that does not throw' { { 1 + 1 } | Should -Throw }
    It 'Throw with a wrong message' { { throw 'SelfCheck actual message' } | Should -Throw -ExpectedMessage 'other*' }
    It 'Throw with a wrong ErrorId' {
        { Import-Module ([System.IO.Path]::Combine($TestDrive, 'NoSuchModule.psd1')) -ErrorAction Stop } | Should -Throw -ErrorId 'SomeOtherId*'
    }
    It 'Throw with a wrong exception type' { { throw 'SelfCheck actual message' } | Should -Throw -ExceptionType ([System.IO.IOException]) }
    It 'Throw on something that is not a script block' { 'not a script block' | Should -Throw }
}

Describe 'Setup failures propagate' {
    Context 'a failing BeforeAll' {
        BeforeAll { throw 'SelfCheck deliberate failure in BeforeAll' }
        It 'first test under it fails' { 1 | Should -Be 1 }
        It 'second test under it fails' { 1 | Should -Be 1 }
        Context 'nested below the failing BeforeAll' {
            It 'fails too' { 1 | Should -Be 1 }
        }
    }

    Context 'a failing BeforeEach' {
        BeforeEach { throw 'SelfCheck deliberate failure in BeforeEach' }
        It 'fails although its body passes' { 1 | Should -Be 1 }
    }

    Context 'a failing AfterEach' {
        AfterEach { throw 'SelfCheck deliberate failure in AfterEach' }
        It 'fails although its body passes' { 1 | Should -Be 1 }
    }

    Context 'a failing AfterAll' {
        AfterAll { throw 'SelfCheck deliberate failure in AfterAll' }
        It 'fails on its own, and the AfterAll adds a failure' { 1 | Should -Be 2 }
    }

    Context 'a test that throws' {
        It 'fails on a plain throw' { throw 'SelfCheck deliberate failure in a test' }
    }
}

Describe 'Scoping is strict' {
    $setInDescribeBody = 'visible only during discovery'
    It 'a Describe-body variable is not visible in an It' { $setInDescribeBody | Should -Be 'visible only during discovery' }
    It 'a test case fails on its own values (<n>)' -TestCases @(@{ n = 1 }, @{ n = 2 }) { $n | Should -Be 3 }
}
