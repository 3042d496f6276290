#Requires -Version 7.4
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-MlTestModule
}

Describe 'Get-MlConnection' {
    AfterEach { Disconnect-MlDatabase -All }

    It 'lists the connections of the session sorted by name, with wildcards' {
        Connect-MlDatabase ':memory:' -Name beta
        Connect-MlDatabase ':memory:' -Name alpha
        (Get-MlConnection).Name | Should -Be @('alpha', 'beta')
        (Get-MlConnection -Name 'al*').Name | Should -Be 'alpha'
        (Get-MlConnection alpha).Provider | Should -Be 'Sqlite'
        (Get-MlConnection alpha).IsOpen | Should -BeTrue
    }

    It 'an unknown exact name is a non-terminating error; an unmatched wildcard is not' {
        Get-MlConnection -Name nope -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'MlDb.ConnectionNotFound,*'
        Get-MlConnection -Name 'zz*' -ErrorVariable errs2 | Should -BeNullOrEmpty
        $errs2 | Should -BeNullOrEmpty
    }

    It 'connections are per session (runspace)' {
        Connect-MlDatabase ':memory:' -Name mine
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$(Get-MlTestModuleManifest)'; @(Get-MlConnection).Count")
            $ps.Invoke() | Should -Be 0
        }
        finally { $ps.Dispose() }
    }

    It 'formats as a table' {
        Connect-MlDatabase ':memory:' -Name shown
        (Get-MlConnection | Out-String) | Should -Match 'Name\s+Provider\s+IsOpen\s+ConnectionString'
    }
}
