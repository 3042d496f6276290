#Requires -Version 7.4
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-MlTestModule
}

Describe 'Disconnect-MlDatabase' {
    AfterEach { Disconnect-MlDatabase -All }

    It 'closes default; the SQLite file can be deleted at once' {
        $db = New-MlTestDatabase -Sql 'CREATE TABLE t (x INTEGER)', 'INSERT INTO t VALUES (1)'
        Connect-MlDatabase $db.ConnectionString
        (Invoke-MlQuery 'SELECT x FROM t').x | Should -Be 1
        $null = Invoke-MlQuery -Table t -Script (New-Item (Join-Path $TestDrive 'f.ml') -Value 'function f(d) { return d.count; }').FullName -Function f
        Disconnect-MlDatabase
        Remove-Item -LiteralPath $db.Path
        Test-Path -LiteralPath $db.Path | Should -BeFalse
        Get-MlConnection | Should -BeNullOrEmpty
    }

    It 'closes by name, by piped connection objects, and -All' {
        Connect-MlDatabase ':memory:' -Name a
        Connect-MlDatabase ':memory:' -Name b
        Connect-MlDatabase ':memory:' -Name c
        Disconnect-MlDatabase -Name a
        (Get-MlConnection).Name | Should -Be @('b', 'c')
        Get-MlConnection -Name b | Disconnect-MlDatabase
        (Get-MlConnection).Name | Should -Be 'c'
        Disconnect-MlDatabase -All
        Get-MlConnection | Should -BeNullOrEmpty
    }

    It 'an unknown name is a non-terminating error' {
        Disconnect-MlDatabase -Name nope -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'MlDb.ConnectionNotFound,*'
    }
}
