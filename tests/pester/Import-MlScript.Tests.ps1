#Requires -Version 7.4
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-MlTestModule
    $script:Seed = Join-Path (Get-MlTestSharedPath) 'seed/ml'
}

Describe 'Import-MlScript' {
    It 'compiles a script and describes it' {
        $s = Import-MlScript -Path (Join-Path $Seed 'db_processors.ml')
        $s.Name | Should -Be 'db_processors.ml'
        $s.Functions | Should -Be @('processUsers', 'validateUser')
        $s.Path | Should -Be (Join-Path $Seed 'db_processors.ml')
        $s.GetType().Name | Should -Be 'MlScriptInfo'
    }

    It 'compiles every seed script' {
        $scripts = Get-ChildItem $Seed -Filter *.ml | Import-MlScript
        $scripts | Should -HaveCount (Get-ChildItem $Seed -Filter *.ml).Count
    }

    It 'resolves relative paths and PowerShell drives' {
        Set-Content TestDrive:/rel.ml 'function one() { return 1; }'
        (Import-MlScript TestDrive:/rel.ml).Functions | Should -Be 'one'
        Push-Location TestDrive:/
        try { (Import-MlScript ./rel.ml).Path | Should -Be (Join-Path (Get-PSDrive TestDrive).Root 'rel.ml') }
        finally { Pop-Location }
    }

    It 'caches by path and last-write time' {
        $path = Join-Path $TestDrive 'cache.ml'
        Set-Content $path 'function v() { return 1; }'
        $a = Import-MlScript $path
        $b = Import-MlScript $path
        [object]::ReferenceEquals($a, $b) | Should -BeTrue
        Set-Content $path 'function v() { return 2; } function w() { return 3; }'
        (Get-Item $path).LastWriteTimeUtc = [datetime]::UtcNow.AddMinutes(1)
        $c = Import-MlScript $path
        $c.Functions | Should -Be @('v', 'w')
        Invoke-MlFunction -Script $path -Function v | Should -Be 2
    }

    It 'a compile error is terminating with file, line and column' {
        $path = Join-Path $TestDrive 'broken.ml'
        Set-Content $path "function f() {`n    let x = ;`n}"
        $err = $null
        try { Import-MlScript $path } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'MlDb.ScriptCompile,*'
        $err.CategoryInfo.Category | Should -Be 'ParserError'
        $err.Exception.Line | Should -Be 2
        $err.Exception.Column | Should -BeGreaterThan 0
        $err.Exception.File | Should -Be $path
        $err.ToString() | Should -Match 'line 2'
    }

    It 'a missing file is terminating' {
        { Import-MlScript (Join-Path $TestDrive 'none.ml') } | Should -Throw -ErrorId 'MlDb.ScriptNotFound,*'
    }

    It 'completes -Function from a script object or a path' {
        $path = Join-Path $Seed 'db_processors.ml'
        $line = "Invoke-MlFunction -Script '$path' -Function val"
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be 'validateUser'
        $global:MlDbCompletionScript = Import-MlScript $path
        try {
            $line = 'Invoke-MlQuery -Query x -Script $global:MlDbCompletionScript -Function pro'
            (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be 'processUsers'
        }
        finally { Remove-Variable MlDbCompletionScript -Scope Global }
    }
}
