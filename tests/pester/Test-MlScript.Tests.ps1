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

Describe 'Test-MlScript over many files' {
    BeforeAll {
        $script:Folder = Join-Path $TestDrive 'rules'
        $null = New-Item -ItemType Directory -Path $Folder
        Set-Content (Join-Path $Folder 'a_good.ml') 'function price(p) { return p.net * 1.25; } function tax(p) { return 0; }'
        Set-Content (Join-Path $Folder 'b_bad.ml') "function f() {`n    let x = ;`n}`nfunction g() {`n    return );`n}"
        Set-Content (Join-Path $Folder 'c_good.ml') 'function ok() { return true; }'
    }

    It 'keeps $true/$false as the default, so if (Test-MlScript ...) works' {
        $results = Get-ChildItem $Folder -Filter *.ml | Sort-Object Name | Test-MlScript -ErrorAction SilentlyContinue
        $results | Should -Be @($true, $false, $true)
        $results | ForEach-Object { $_ | Should -BeOfType [bool] }
        if (Test-MlScript (Join-Path $Folder 'a_good.ml')) { $took = 'then' } else { $took = 'else' }
        $took | Should -Be 'then'
    }

    It '-Detailed writes one object per file with Path, IsValid and Errors (line and column), and no error records' {
        $results = Get-ChildItem $Folder -Filter *.ml | Sort-Object Name | Test-MlScript -Detailed -ErrorVariable errs
        $errs | Should -BeNullOrEmpty
        $results.Count | Should -Be 3
        $results | ForEach-Object { $_.GetType().Name | Should -Be 'MlScriptTestResult' }
        $results.Path | Should -Be @((Join-Path $Folder 'a_good.ml'), (Join-Path $Folder 'b_bad.ml'), (Join-Path $Folder 'c_good.ml'))
        $results.IsValid | Should -Be @($true, $false, $true)
        $results[0].Errors | Should -BeNullOrEmpty
        $results[0].Functions | Should -Be @('price', 'tax')
        $bad = $results[1]
        $bad.Name | Should -Be 'b_bad.ml'
        $bad.Errors.Count | Should -BeGreaterOrEqual 1
        $bad.Errors[0].Line | Should -Be 2
        $bad.Errors[0].Column | Should -BeGreaterThan 0
        $bad.Errors[0].ErrorType | Should -Be 'SyntaxError'
        $bad.Errors[0].Message | Should -Not -BeNullOrEmpty
    }

    It '-Detailed reports a missing file as not valid, with a ScriptNotFound entry' {
        $result = Test-MlScript (Join-Path $Folder 'none.ml') -Detailed -ErrorVariable errs
        $errs | Should -BeNullOrEmpty
        $result.IsValid | Should -BeFalse
        $result.Errors[0].ErrorType | Should -Be 'ScriptNotFound'
        $result.Errors[0].Line | Should -Be 0
    }

    It 'expands wildcards when no file has the literal name' {
        (Test-MlScript (Join-Path $Folder '*_good.ml') -Detailed).Name | Should -Be @('a_good.ml', 'c_good.ml')
        Test-MlScript (Join-Path $Folder '*.ml') -ErrorAction SilentlyContinue | Should -Be @($true, $false, $true)
        Test-MlScript (Join-Path $Folder 'zz*.ml') -ErrorAction SilentlyContinue | Should -BeFalse
    }

    It 'the table view names each file and its problems' {
        $text = Test-MlScript (Join-Path $Folder '*.ml') -Detailed | Out-String -Width 200
        $text | Should -Match 'IsValid\s+Path\s+Errors'
        $text | Should -Match 'False\s+\S*b_bad\.ml\s+line 2, column \d+: SyntaxError'
        $text | Should -Match 'True\s+\S*c_good\.ml'
    }

    It 'its results export as plain data' {
        $json = Test-MlScript (Join-Path $Folder 'b_bad.ml') -Detailed | ConvertTo-Json -Depth 4 | ConvertFrom-Json
        $json.IsValid | Should -BeFalse
        $json.Errors[0].Line | Should -Be 2
    }
}
