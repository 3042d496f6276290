#Requires -Version 7.4
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-MlTestModule
}

Describe 'Connect-MlDatabase' {
    AfterEach { Disconnect-MlDatabase -All }

    It 'registers the connection as default and writes it with -PassThru' {
        $c = Connect-MlDatabase -Provider Sqlite -ConnectionString ':memory:' -PassThru
        $c.Name | Should -Be 'default'
        $c.Provider | Should -Be 'Sqlite'
        $c.GetType().Name | Should -Be 'MlConnectionInfo'
        (Get-MlConnection).Name | Should -Be 'default'
        Connect-MlDatabase ':memory:' | Should -BeNullOrEmpty
    }

    It 'accepts a plain path relative to the current location' {
        Push-Location $TestDrive
        try {
            $c = Connect-MlDatabase -ConnectionString 'rel.db' -PassThru
            $c.Database | Should -Be (Join-Path $TestDrive 'rel.db')
            Invoke-MlQuery 'CREATE TABLE t (x INTEGER)'
            Test-Path (Join-Path $TestDrive 'rel.db') | Should -BeTrue
        }
        finally { Pop-Location }
    }

    It 'resolves PowerShell drives in a Data Source= string' {
        $c = Connect-MlDatabase -ConnectionString 'Data Source=TestDrive:/drive.db' -PassThru
        $c.Database | Should -Be (Join-Path (Get-PSDrive TestDrive).Root 'drive.db')
        $c.ConnectionString | Should -BeLike 'Data Source=*drive.db'
    }

    It ':memory: keeps its data across commands' {
        Connect-MlDatabase ':memory:'
        Invoke-MlQuery 'CREATE TABLE t (x INTEGER)'
        Invoke-MlQuery 'INSERT INTO t VALUES (7)'
        (Invoke-MlQuery 'SELECT x FROM t').x | Should -Be 7
    }

    It 'connecting to a name in use closes the old connection and replaces it' {
        $old = Connect-MlDatabase ':memory:' -Name work -PassThru
        $new = Connect-MlDatabase ':memory:' -Name work -PassThru
        $old.IsOpen | Should -BeFalse
        $new.IsOpen | Should -BeTrue
        @(Get-MlConnection -Name work).Count | Should -Be 1
        { Invoke-MlQuery -Connection $old -Query 'SELECT 1' } | Should -Throw -ErrorId 'MlDb.ConnectionNotFound,*'
    }

    It 'takes -Connection as a name or as the object' {
        $c = Connect-MlDatabase ':memory:' -Name other -PassThru
        (Invoke-MlQuery -Connection other -Query 'SELECT 1 AS one').one | Should -Be 1
        (Invoke-MlQuery -Connection $c -Query 'SELECT 2 AS two').two | Should -Be 2
        { Invoke-MlQuery -Query 'SELECT 1' } | Should -Throw -ErrorId 'MlDb.ConnectionNotFound,*' -ExpectedMessage "*'default'*"
    }

    It 'a bad path is a terminating connection error' {
        { Connect-MlDatabase -ConnectionString '/no/such/folder/x.db' } | Should -Throw -ErrorId 'MlDb.ConnectionFailed,*'
    }

    It 'never shows a password' {
        $c = Connect-MlDatabase -ConnectionString 'Data Source=:memory:' -PassThru
        $c.ConnectionString | Should -Not -Match 'Password'
        $err = $null
        try { Connect-MlDatabase -ConnectionString 'Data Source=x.db;Password=hunter2' -Name secret } catch { $err = $_ }
        if ($err) { $err.ToString() | Should -Not -Match 'hunter2' }
        (Get-MlConnection | Out-String) | Should -Not -Match 'hunter2'
    }

    It 'completes -Connection with registered names' {
        Connect-MlDatabase ':memory:' -Name reporting
        $r = TabExpansion2 -inputScript 'Invoke-MlQuery -Connection rep' -cursorColumn 'Invoke-MlQuery -Connection rep'.Length
        $r.CompletionMatches.CompletionText | Should -Contain 'reporting'
    }
}
