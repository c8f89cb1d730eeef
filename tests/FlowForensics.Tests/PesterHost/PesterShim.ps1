# A Pester-5-compatible runner for the hosted engine (no pwsh, no Pester, no Utility cmdlets here).
# Written from Pester 5's documented behaviour. Dot-source it, then call Invoke-ShimSpec -Path <spec>.
#
# Semantics kept from Pester 5:
# - Two phases. Discovery runs the spec file (in its own script scope) and the Describe/Context bodies, which
#   only register blocks, setups and tests. The run phase then runs setups and tests. A variable set in a
#   Describe body or at file level is therefore NOT visible in an It.
# - Scopes. Each block runs in its own scope into which its BeforeAll/AfterAll are dot-sourced; each test
#   gets a child scope that its BeforeEach (outer first), body and AfterEach (inner first) share.
# - A failing BeforeAll fails every test below it; a failing AfterAll is reported as its own failure.
# - Should asserts piped items one by one, except -Be, -BeExactly, -Contain, -HaveCount and
#   -BeNullOrEmpty, which take the whole input.
# Every internal name starts with __Shim so spec code can not collide with it by accident.

$global:__ShimState = $null

function __ShimNewBlock([string] $__ShimName, $__ShimParent, [bool] $__ShimSkip) {
    @{
        Kind       = 'Block'
        Name       = $__ShimName
        Parent     = $__ShimParent
        Skip       = $__ShimSkip
        Children   = [System.Collections.Generic.List[object]]::new()
        BeforeAll  = [System.Collections.Generic.List[scriptblock]]::new()
        AfterAll   = [System.Collections.Generic.List[scriptblock]]::new()
        BeforeEach = [System.Collections.Generic.List[scriptblock]]::new()
        AfterEach  = [System.Collections.Generic.List[scriptblock]]::new()
    }
}

function __ShimCurrentBlock([string] $__ShimCaller) {
    if ($null -eq $global:__ShimState -or $null -eq $global:__ShimState.Current) {
        throw "$__ShimCaller can only be used inside a spec run by Invoke-ShimSpec."
    }
    if ($global:__ShimState.Phase -ne 'Discovery') {
        throw "$__ShimCaller can not be called from inside a test or setup block."
    }
    $global:__ShimState.Current
}

function __ShimAddBlock([string] $__ShimKind, [string] $__ShimName, [scriptblock] $__ShimFixture, [bool] $__ShimSkip) {
    $__ShimParent = __ShimCurrentBlock $__ShimKind
    if ($null -eq $__ShimFixture) { throw "$__ShimKind '$__ShimName' has no script block." }
    if ($__ShimKind -eq 'Context' -and $null -eq $__ShimParent.Parent) {
        throw "Context '$__ShimName' must be inside a Describe."
    }
    $__ShimBlock = __ShimNewBlock $__ShimName $__ShimParent $__ShimSkip
    $__ShimParent.Children.Add($__ShimBlock)
    $global:__ShimState.Current = $__ShimBlock
    try {
        # The body runs in a child scope: only registrations survive discovery.
        $null = & $__ShimFixture
    }
    finally {
        $global:__ShimState.Current = $__ShimParent
    }
}

function Describe {
    param(
        [Parameter(Mandatory, Position = 0)] [string] $Name,
        [Parameter(Position = 1)] [scriptblock] $Fixture,
        [string[]] $Tag,
        [switch] $Skip
    )
    __ShimAddBlock 'Describe' $Name $Fixture $Skip.IsPresent
}

function Context {
    param(
        [Parameter(Mandatory, Position = 0)] [string] $Name,
        [Parameter(Position = 1)] [scriptblock] $Fixture,
        [string[]] $Tag,
        [switch] $Skip
    )
    __ShimAddBlock 'Context' $Name $Fixture $Skip.IsPresent
}

function It {
    param(
        [Parameter(Mandatory, Position = 0)] [string] $Name,
        [Parameter(Position = 1)] [scriptblock] $Test,
        [Alias('ForEach')] [System.Collections.IDictionary[]] $TestCases,
        [string[]] $Tag,
        [switch] $Skip
    )
    $__ShimParent = __ShimCurrentBlock 'It'
    if ($null -eq $__ShimParent.Parent) { throw "It '$Name' must be inside a Describe." }
    # Without test cases, one test with no data. (Built as a list: PowerShell would unroll @($null) to nothing.)
    $__ShimCases = [System.Collections.Generic.List[object]]::new()
    if ($PSBoundParameters.ContainsKey('TestCases')) { foreach ($__ShimC in $TestCases) { $__ShimCases.Add($__ShimC) } } else { $__ShimCases.Add($null) }
    foreach ($__ShimCase in $__ShimCases) {
        $__ShimTitle = $Name
        if ($null -ne $__ShimCase) {
            foreach ($__ShimKey in $__ShimCase.Keys) {
                $__ShimTitle = $__ShimTitle.Replace("<$__ShimKey>", "$($__ShimCase[$__ShimKey])")
            }
        }
        $__ShimParent.Children.Add(@{
                Kind   = 'Test'
                Name   = $__ShimTitle
                Parent = $__ShimParent
                Body   = $Test
                Data   = $__ShimCase
                Skip   = $Skip.IsPresent -or $null -eq $Test
            })
    }
}

function BeforeAll { param([Parameter(Mandatory, Position = 0)] [scriptblock] $Scriptblock) (__ShimCurrentBlock 'BeforeAll').BeforeAll.Add($Scriptblock) }
function AfterAll { param([Parameter(Mandatory, Position = 0)] [scriptblock] $Scriptblock) (__ShimCurrentBlock 'AfterAll').AfterAll.Add($Scriptblock) }
function BeforeEach { param([Parameter(Mandatory, Position = 0)] [scriptblock] $Scriptblock) (__ShimCurrentBlock 'BeforeEach').BeforeEach.Add($Scriptblock) }
function AfterEach { param([Parameter(Mandatory, Position = 0)] [scriptblock] $Scriptblock) (__ShimCurrentBlock 'AfterEach').AfterEach.Add($Scriptblock) }

function __ShimPath($__ShimNode) {
    $__ShimNames = [System.Collections.Generic.List[string]]::new()
    for ($__ShimN = $__ShimNode; $null -ne $__ShimN.Parent; $__ShimN = $__ShimN.Parent) { $__ShimNames.Insert(0, $__ShimN.Name) }
    $__ShimNames -join ' > '
}

function __ShimWhere($__ShimError) {
    $__ShimInfo = $__ShimError.InvocationInfo
    if ($null -ne $__ShimInfo -and $__ShimInfo.ScriptName) {
        return " (at $([System.IO.Path]::GetFileName($__ShimInfo.ScriptName)):$($__ShimInfo.ScriptLineNumber))"
    }
    ''
}

function __ShimRecord($__ShimNode, [string] $__ShimResult, $__ShimError, [string] $__ShimPrefix) {
    $__ShimMessage = ''
    $__ShimId = ''
    if ($null -ne $__ShimError) {
        $__ShimMessage = $__ShimPrefix + $__ShimError.Exception.Message + (__ShimWhere $__ShimError)
        $__ShimId = $__ShimError.FullyQualifiedErrorId
    }
    $global:__ShimState.Results.Add([pscustomobject]@{
            Path    = __ShimPath $__ShimNode
            Result  = $__ShimResult
            Message = $__ShimMessage
            ErrorId = $__ShimId
        })
}

function __ShimEachTest($__ShimBlock, [scriptblock] $__ShimAction) {
    foreach ($__ShimChild in $__ShimBlock.Children) {
        if ($__ShimChild.Kind -eq 'Test') { & $__ShimAction $__ShimChild } else { __ShimEachTest $__ShimChild $__ShimAction }
    }
}

function __ShimRunBlock($__ShimBlock) {
    # A function call is a new scope: BeforeAll variables live here and are seen by everything below.
    $__ShimOwnsDrive = $false
    if ($null -ne $__ShimBlock.Parent -and $null -eq $__ShimBlock.Parent.Parent) {
        $TestDrive = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), 'ShimTestDrive-' + [guid]::NewGuid().ToString('N'))
        $null = [System.IO.Directory]::CreateDirectory($TestDrive)
        $__ShimOwnsDrive = $true
    }
    try {
        $__ShimSetupError = $null
        try {
            foreach ($__ShimSetup in $__ShimBlock.BeforeAll) { $null = . $__ShimSetup }
        }
        catch { $__ShimSetupError = $_ }

        if ($null -ne $__ShimSetupError) {
            __ShimEachTest $__ShimBlock {
                param($t)
                if ($t.Skip) { __ShimRecord $t 'Skipped' $null '' } else { __ShimRecord $t 'Failed' $__ShimSetupError 'BeforeAll failed: ' }
            }
        }
        else {
            foreach ($__ShimChild in $__ShimBlock.Children) {
                if ($__ShimChild.Kind -eq 'Test') { __ShimRunTest $__ShimChild }
                elseif ($__ShimChild.Skip) { __ShimEachTest $__ShimChild { param($t) __ShimRecord $t 'Skipped' $null '' } }
                else { __ShimRunBlock $__ShimChild }
            }
        }

        foreach ($__ShimTeardown in $__ShimBlock.AfterAll) {
            try { $null = . $__ShimTeardown }
            catch {
                $global:__ShimState.Results.Add([pscustomobject]@{
                        Path    = (__ShimPath $__ShimBlock) + ' > AfterAll'
                        Result  = 'Failed'
                        Message = 'AfterAll failed: ' + $_.Exception.Message + (__ShimWhere $_)
                        ErrorId = $_.FullyQualifiedErrorId
                    })
            }
        }
    }
    finally {
        if ($__ShimOwnsDrive -and [System.IO.Directory]::Exists($TestDrive)) {
            [System.IO.Directory]::Delete($TestDrive, $true)
        }
    }
}

function __ShimRunTest($__ShimTest) {
    if ($__ShimTest.Skip) { __ShimRecord $__ShimTest 'Skipped' $null ''; return }
    $__ShimChain = [System.Collections.Generic.List[object]]::new()
    for ($__ShimN = $__ShimTest.Parent; $null -ne $__ShimN; $__ShimN = $__ShimN.Parent) { $__ShimChain.Insert(0, $__ShimN) }

    if ($null -ne $__ShimTest.Data) {
        # Test-case keys become variables of the test's scope, as in Pester.
        foreach ($__ShimKey in $__ShimTest.Data.Keys) {
            $ExecutionContext.SessionState.PSVariable.Set([string] $__ShimKey, $__ShimTest.Data[$__ShimKey])
        }
    }

    $__ShimFailure = $null
    try {
        foreach ($__ShimBlockN in $__ShimChain) {
            foreach ($__ShimSetup in $__ShimBlockN.BeforeEach) { $null = . $__ShimSetup }
        }
        $null = . $__ShimTest.Body
    }
    catch { $__ShimFailure = $_ }

    for ($__ShimI = $__ShimChain.Count - 1; $__ShimI -ge 0; $__ShimI--) {
        foreach ($__ShimTeardown in $__ShimChain[$__ShimI].AfterEach) {
            try { $null = . $__ShimTeardown }
            catch { if ($null -eq $__ShimFailure) { $__ShimFailure = $_ } }
        }
    }

    if ($null -eq $__ShimFailure) { __ShimRecord $__ShimTest 'Passed' $null '' } else { __ShimRecord $__ShimTest 'Failed' $__ShimFailure '' }
}

function Invoke-ShimSpec {
    param([Parameter(Mandatory)] [string] $Path)
    $__ShimRoot = __ShimNewBlock ([System.IO.Path]::GetFileName($Path)) $null $false
    $global:__ShimState = @{
        Root    = $__ShimRoot
        Current = $__ShimRoot
        Phase   = 'Discovery'
        Results = [System.Collections.Generic.List[object]]::new()
    }
    try {
        try {
            # In its own script scope: file-level variables do not reach the run phase, as in Pester 5.
            $null = & $Path
        }
        catch {
            $global:__ShimState.Results.Add([pscustomobject]@{
                    Path    = [System.IO.Path]::GetFileName($Path) + ' (discovery)'
                    Result  = 'Failed'
                    Message = 'Discovery failed: ' + $_.Exception.Message + (__ShimWhere $_)
                    ErrorId = $_.FullyQualifiedErrorId
                })
            return $global:__ShimState.Results.ToArray()
        }
        $global:__ShimState.Phase = 'Run'
        __ShimRunBlock $__ShimRoot
        $global:__ShimState.Results.ToArray()
    }
    finally {
        $global:__ShimState.Current = $null
    }
}

# ---------------------------------------------------------------- Should

function __ShimFormat($__ShimValue) {
    if ($null -eq $__ShimValue) { return '$null' }
    if ($__ShimValue -is [string]) { return "'$__ShimValue'" }
    if ($__ShimValue -is [scriptblock]) { return "{$__ShimValue}" }
    if ($__ShimValue -is [type]) { return "[$($__ShimValue.FullName)]" }
    if ($__ShimValue -is [bool]) { return "`$$__ShimValue".ToLowerInvariant() }
    if ($__ShimValue -is [System.Collections.IEnumerable] -and $__ShimValue -isnot [System.Collections.IDictionary]) {
        $__ShimParts = [System.Collections.Generic.List[string]]::new()
        foreach ($__ShimItem in $__ShimValue) { $__ShimParts.Add((__ShimFormat $__ShimItem)) }
        return '@(' + ($__ShimParts -join ', ') + ')'
    }
    "$__ShimValue"
}

function __ShimIsNullOrEmpty($__ShimValue) {
    # $__ShimValue is the collected input (an array).
    if ($__ShimValue.Count -eq 0) { return $true }
    if ($__ShimValue.Count -gt 1) { return $false }
    $__ShimOnly = $__ShimValue[0]
    if ($null -eq $__ShimOnly) { return $true }
    if ($__ShimOnly -is [string]) { return $__ShimOnly.Length -eq 0 }
    if ($__ShimOnly -is [System.Collections.ICollection]) { return $__ShimOnly.Count -eq 0 }
    $false
}

function __ShimArraysEqual($__ShimActual, $__ShimExpected, [bool] $__ShimCase) {
    $__ShimE = @($__ShimExpected)
    $__ShimAEmpty = __ShimIsNullOrEmpty $__ShimActual
    $__ShimEEmpty = __ShimIsNullOrEmpty $__ShimE
    if ($__ShimAEmpty -or $__ShimEEmpty) {
        if (-not ($__ShimAEmpty -and $__ShimEEmpty)) { return $false }
        # '' and $null are different values; two empties of the same kind are equal.
        if ($__ShimActual.Count -eq 1 -and $__ShimE.Count -eq 1) {
            return ($null -eq $__ShimActual[0]) -eq ($null -eq $__ShimE[0])
        }
        return $true
    }
    if ($__ShimActual.Count -ne $__ShimE.Count) { return $false }
    for ($__ShimI = 0; $__ShimI -lt $__ShimE.Count; $__ShimI++) {
        $__ShimX = $__ShimE[$__ShimI]
        $__ShimY = $__ShimActual[$__ShimI]
        if ($null -eq $__ShimX -or $null -eq $__ShimY) {
            if (-not ($null -eq $__ShimX -and $null -eq $__ShimY)) { return $false }
            continue
        }
        $__ShimSame = if ($__ShimCase) { $__ShimX -ceq $__ShimY } else { $__ShimX -eq $__ShimY }
        if (-not $__ShimSame) { return $false }
    }
    $true
}

function Should {
    [CmdletBinding()]
    param(
        [Parameter(ValueFromPipeline)] [AllowNull()] [AllowEmptyCollection()] $ActualValue,
        [Parameter(Position = 0)] [AllowNull()] [Alias('ExpectedType', 'RegularExpression')] $ExpectedValue,
        [Parameter(Position = 1)] [string] $Because,
        [switch] $Not,
        [switch] $Be, [switch] $BeExactly,
        [switch] $BeGreaterThan, [switch] $BeLessThan, [switch] $BeGreaterOrEqual, [switch] $BeLessOrEqual,
        [switch] $Match, [switch] $MatchExactly, [switch] $BeLike, [switch] $BeLikeExactly,
        [switch] $Contain, [switch] $HaveCount, [switch] $BeNullOrEmpty, [switch] $BeOfType,
        [switch] $BeTrue, [switch] $BeFalse, [switch] $BeIn, [switch] $Exist,
        [switch] $Throw, [string] $ExpectedMessage, [string] $ErrorId, [type] $ExceptionType, [switch] $PassThru
    )
    begin {
        $__ShimOps = [System.Collections.Generic.List[string]]::new()
        foreach ($__ShimOp in 'Be', 'BeExactly', 'BeGreaterThan', 'BeLessThan', 'BeGreaterOrEqual', 'BeLessOrEqual', 'Match', 'MatchExactly',
            'BeLike', 'BeLikeExactly', 'Contain', 'HaveCount', 'BeNullOrEmpty', 'BeOfType', 'BeTrue', 'BeFalse', 'BeIn', 'Exist', 'Throw') {
            if ($PSBoundParameters.ContainsKey($__ShimOp)) { $__ShimOps.Add($__ShimOp) }
        }
        if ($__ShimOps.Count -ne 1) {
            throw "Should needs exactly one operator (-Be, -Match, -Throw ...); got $($__ShimOps.Count): $($__ShimOps -join ', ')."
        }
        $__ShimOperator = $__ShimOps[0]
        $__ShimInput = [System.Collections.Generic.List[object]]::new()
    }
    process {
        $__ShimInput.Add($ActualValue)
    }
    end {
        $__ShimReason = if ($Because) { ", because $Because," } else { '' }
        $__ShimNot = $Not.IsPresent

        function __ShimFail([string] $__ShimText) {
            $__ShimException = [System.Exception]::new($__ShimText)
            $__ShimRecordE = [System.Management.Automation.ErrorRecord]::new($__ShimException, 'PesterAssertionFailed',
                [System.Management.Automation.ErrorCategory]::InvalidResult, $null)
            $PSCmdlet.ThrowTerminatingError($__ShimRecordE)
        }

        if ($__ShimOperator -eq 'Throw') {
            if ($__ShimInput.Count -ne 1 -or $__ShimInput[0] -isnot [scriptblock]) {
                __ShimFail "Should -Throw needs a script block as input, but got $(__ShimFormat $__ShimInput.ToArray())."
            }
            if (-not $ExpectedMessage -and $PSBoundParameters.ContainsKey('ExpectedValue')) { $ExpectedMessage = [string] $ExpectedValue }
            $__ShimThrown = $null
            try { $null = & $__ShimInput[0] } catch { $__ShimThrown = $_ }
            if ($__ShimNot) {
                if ($null -ne $__ShimThrown) {
                    __ShimFail "Expected no exception to be thrown$__ShimReason but an exception `"$($__ShimThrown.Exception.Message)`" was thrown$(__ShimWhere $__ShimThrown)."
                }
                return
            }
            if ($null -eq $__ShimThrown) { __ShimFail "Expected an exception to be thrown$__ShimReason but no exception was thrown." }
            $__ShimProblems = [System.Collections.Generic.List[string]]::new()
            if ($ExceptionType -and $__ShimThrown.Exception -isnot $ExceptionType) {
                $__ShimProblems.Add("type [$($ExceptionType.FullName)] but got [$($__ShimThrown.Exception.GetType().FullName)]")
            }
            if ($ExpectedMessage -and $__ShimThrown.Exception.Message -notlike $ExpectedMessage) {
                $__ShimProblems.Add("message like '$ExpectedMessage' but got '$($__ShimThrown.Exception.Message)'")
            }
            if ($ErrorId -and $__ShimThrown.FullyQualifiedErrorId -notlike $ErrorId) {
                $__ShimProblems.Add("error id like '$ErrorId' but got '$($__ShimThrown.FullyQualifiedErrorId)'")
            }
            if ($__ShimProblems.Count -gt 0) {
                __ShimFail ("Expected an exception with " + ($__ShimProblems -join ' and ') + "$__ShimReason.")
            }
            if ($PassThru) { return $__ShimThrown }
            return
        }

        $__ShimWhole = $__ShimOperator -in 'Be', 'BeExactly', 'Contain', 'HaveCount', 'BeNullOrEmpty'
        if ($__ShimWhole) {
            $__ShimSubjects = , $__ShimInput.ToArray()
        }
        elseif ($__ShimInput.Count -eq 0) {
            $__ShimSubjects = , $null
        }
        else {
            $__ShimSubjects = $__ShimInput.ToArray()
        }

        foreach ($__ShimSubject in $__ShimSubjects) {
            $__ShimA = $__ShimSubject
            $__ShimE = $ExpectedValue
            switch ($__ShimOperator) {
                'Be' { $__ShimOk = __ShimArraysEqual $__ShimA $__ShimE $false; $__ShimA = if ($__ShimA.Count -eq 1) { $__ShimA[0] } else { $__ShimA }; $__ShimWhat = "$(__ShimFormat $__ShimE)" }
                'BeExactly' { $__ShimOk = __ShimArraysEqual $__ShimA $__ShimE $true; $__ShimA = if ($__ShimA.Count -eq 1) { $__ShimA[0] } else { $__ShimA }; $__ShimWhat = "exactly $(__ShimFormat $__ShimE)" }
                'BeGreaterThan' { $__ShimOk = $__ShimA -gt $__ShimE; $__ShimWhat = "a value greater than $(__ShimFormat $__ShimE)" }
                'BeLessThan' { $__ShimOk = $__ShimA -lt $__ShimE; $__ShimWhat = "a value less than $(__ShimFormat $__ShimE)" }
                'BeGreaterOrEqual' { $__ShimOk = $__ShimA -ge $__ShimE; $__ShimWhat = "a value greater than or equal to $(__ShimFormat $__ShimE)" }
                'BeLessOrEqual' { $__ShimOk = $__ShimA -le $__ShimE; $__ShimWhat = "a value less than or equal to $(__ShimFormat $__ShimE)" }
                'Match' { $__ShimOk = [string] $__ShimA -match $__ShimE; $__ShimWhat = "a string matching regex $(__ShimFormat $__ShimE)" }
                'MatchExactly' { $__ShimOk = [string] $__ShimA -cmatch $__ShimE; $__ShimWhat = "a string case-sensitively matching regex $(__ShimFormat $__ShimE)" }
                'BeLike' { $__ShimOk = [string] $__ShimA -like $__ShimE; $__ShimWhat = "a string like $(__ShimFormat $__ShimE)" }
                'BeLikeExactly' { $__ShimOk = [string] $__ShimA -clike $__ShimE; $__ShimWhat = "a string case-sensitively like $(__ShimFormat $__ShimE)" }
                'Contain' { $__ShimOk = $__ShimA -contains $__ShimE; $__ShimWhat = "a collection containing $(__ShimFormat $__ShimE)" }
                'HaveCount' {
                    $__ShimCount = if (__ShimIsNullOrEmpty $__ShimA) { 0 } else { $__ShimA.Count }
                    $__ShimOk = $__ShimCount -eq [int] $__ShimE
                    $__ShimWhat = "a collection with size $__ShimE"
                    $__ShimA = "$(__ShimFormat $__ShimA) with size $__ShimCount"
                }
                'BeNullOrEmpty' { $__ShimOk = __ShimIsNullOrEmpty $__ShimA; $__ShimWhat = '$null or empty' }
                'BeOfType' {
                    $__ShimType = if ($__ShimE -is [type]) { $__ShimE } else { [type] ([string] $__ShimE -replace '^\[(.+)\]$', '$1') }
                    $__ShimOk = $null -ne $__ShimA -and $__ShimA -is $__ShimType
                    $__ShimWhat = "a value of type [$($__ShimType.FullName)]"
                    $__ShimA = if ($null -eq $__ShimA) { '$null' } else { "$(__ShimFormat $__ShimA) of type [$($__ShimA.GetType().FullName)]" }
                }
                'BeTrue' { $__ShimOk = [bool] $__ShimA; $__ShimWhat = '$true' }
                'BeFalse' { $__ShimOk = -not $__ShimA; $__ShimWhat = '$false' }
                'BeIn' { $__ShimOk = @($__ShimE) -contains $__ShimA; $__ShimWhat = "a value in collection $(__ShimFormat $__ShimE)" }
                'Exist' {
                    $__ShimOk = $null -ne $__ShimA -and ([System.IO.File]::Exists([string] $__ShimA) -or [System.IO.Directory]::Exists([string] $__ShimA))
                    $__ShimWhat = 'an existing path'
                }
            }
            if ([bool] $__ShimOk -eq $__ShimNot) {
                $__ShimActualText = if ($__ShimOperator -eq 'HaveCount' -or $__ShimOperator -eq 'BeOfType') { $__ShimA } else { __ShimFormat $__ShimA }
                $__ShimPrefix = if ($__ShimNot) { 'Expected not ' } else { 'Expected ' }
                __ShimFail "$__ShimPrefix$__ShimWhat$__ShimReason but got $__ShimActualText."
            }
        }
    }
}
