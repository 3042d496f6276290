#Requires -Version 7.4
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-MlTestModule
    $script:Seed = Join-Path (Get-MlTestSharedPath) 'seed/ml'
}

Describe 'Test-MlScript' {
    It 'is $true for every seed script' {
        Get-ChildItem $Seed -Filter *.ml | ForEach-Object { Test-MlScript $_.FullName | Should -BeTrue }
    }

    It 'is $false with one error per problem, each with its line' {
        $path = Join-Path $TestDrive 'two.ml'
        Set-Content $path "function f() {`n    let x = ;`n}`nfunction g() {`n    return );`n}"
        $result = Test-MlScript $path -ErrorVariable errs -ErrorAction SilentlyContinue
        $result | Should -BeFalse
        $errs.Count | Should -BeGreaterOrEqual 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'MlDb.ScriptCompile,*'
        $errs[0].Exception.Line | Should -Be 2
    }

    It 'refuses sandboxed imports' {
        $path = Join-Path $TestDrive 'io.ml'
        Set-Content $path 'import file; function f() { return 1; }'
        Test-MlScript $path -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeFalse
        $errs[0].ToString() | Should -Match 'not available in the sandbox'
    }

    It 'is $false for a missing file' {
        Test-MlScript (Join-Path $TestDrive 'none.ml') -ErrorAction SilentlyContinue | Should -BeFalse
    }

    It 'takes paths from the pipeline' {
        (Get-ChildItem $Seed -Filter *.ml | Test-MlScript) -notcontains $false | Should -BeTrue
    }
}
