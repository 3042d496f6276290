#Requires -Version 7.4
# Invoke-MlTransaction on SQLite: ML validation {operations} -> {valid, errors}; valid operations run
# in one transaction; any failure rolls every one back (the file stays byte-for-byte the same).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-MlTestModule
    $script:Validators = Join-Path (Get-MlTestSharedPath) 'seed/ml/transaction_validators.ml'
}

Describe 'Invoke-MlTransaction' {
    BeforeEach {
        $script:db = New-MlTestDatabase -Sql @(
            'CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL)'
            "INSERT INTO users (name, email) VALUES ('a', 'a@x'), ('b', 'b@x')"
            'CREATE TABLE items (sku TEXT PRIMARY KEY, qty INTEGER)'
            "INSERT INTO items VALUES ('A1', 1)"
        )
        Connect-MlDatabase -ConnectionString $db.ConnectionString
    }
    AfterEach {
        Disconnect-MlDatabase -All
        $db | Remove-MlTestDatabase
    }

    It 'seed validateTransaction: valid operations all run, output {Operations, Affected}' {
        $result = Invoke-MlTransaction -Script $Validators -Function validateTransaction -Operations @(
            @{ type = 'insert'; table = 'users'; values = @{ name = 'c'; email = 'c@x' } }
            @{ type = 'update'; table = 'users'; values = @{ email = 'new@x' }; id = 1 }
            @{ type = 'delete'; table = 'users'; id = 2 }
        )
        $result.Operations | Should -Be 3
        $result.Affected | Should -Be 3
        (Invoke-MlQuery -Query 'SELECT email FROM users ORDER BY id').email | Should -Be @('new@x', 'c@x')
    }

    It 'seed validateTransaction: invalid operations run nothing; the error lists the errors' {
        $err = $null
        try {
            Invoke-MlTransaction -Script $Validators -Function validateTransaction -Operations @(
                @{ type = 'insert'; table = 'users'; values = @{ name = 'c'; email = 'c@x' } }
                @{ type = 'update'; table = 'users'; values = @{ email = 'x' } }
                @{ type = 'merge'; table = 'users' }
            )
        }
        catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'MlDb.TransactionInvalid,*'
        $err.Exception.Message | Should -Match 'Update requires ID'
        $err.Exception.Message | Should -Match 'Invalid operation type: merge'
        $err.TargetObject | Should -Be @('Update requires ID', 'Invalid operation type: merge')
        (Invoke-MlQuery -Query 'SELECT count(*) AS n FROM users').n | Should -Be 2
    }

    It 'a failing operation rolls all back and leaves the database file byte-for-byte as before' {
        Disconnect-MlDatabase
        $before = [IO.File]::ReadAllBytes($db.Path)
        Connect-MlDatabase -ConnectionString $db.ConnectionString
        $err = $null
        try {
            Invoke-MlTransaction -Operations @(
                @{ type = 'insert'; table = 'users'; values = @{ name = 'c'; email = 'c@x' } }
                @{ type = 'update'; table = 'users'; values = @{ name = 'changed' }; id = 1 }
                @{ type = 'insert'; table = 'users'; values = @{ name = 'no email' } }
            )
        }
        catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'MlDb.TransactionFailed,*'
        $err.Exception.Message | Should -Match 'operation 3 \(insert into users\)'
        Disconnect-MlDatabase
        [IO.File]::ReadAllBytes($db.Path) | Should -Be $before
    }

    It 'takes a custom key and piped operations' {
        $result = @{ type = 'update'; table = 'items'; values = @{ qty = 5 }; id = 'A1'; key = 'sku' } | Invoke-MlTransaction
        $result.Affected | Should -Be 1
        (Invoke-MlQuery -Table items).qty | Should -Be 5
    }

    It 'identifiers are validated before anything runs (injection does nothing)' {
        { Invoke-MlTransaction -Operations @{ type = 'delete'; table = 'users; DROP TABLE users'; id = 1 } } | Should -Throw -ErrorId 'MlDb.InvalidIdentifier,*'
        { Invoke-MlTransaction -Operations @{ type = 'delete'; table = 'users'; id = 1; key = 'id = id OR 1=1 --' } } | Should -Throw -ErrorId 'MlDb.InvalidIdentifier,*'
        { Invoke-MlTransaction -Operations @{ type = 'drop'; table = 'users' } } | Should -Throw -ErrorId 'MlDb.InvalidOperationSpec,*'
        (Invoke-MlQuery -Query 'SELECT count(*) AS n FROM users').n | Should -Be 2
    }

    It '-WhatIf validates with ML but writes nothing' {
        Invoke-MlTransaction -Script $Validators -Function validateTransaction -Operations @{ type = 'delete'; table = 'users'; id = 1 } -WhatIf | Should -BeNullOrEmpty
        (Invoke-MlQuery -Query 'SELECT count(*) AS n FROM users').n | Should -Be 2
        { Invoke-MlTransaction -Script $Validators -Function validateTransaction -Operations @{ type = 'bad'; table = 'users' } -WhatIf } | Should -Throw -ErrorId 'MlDb.TransactionInvalid,*'
    }

    It 'works under Set-StrictMode -Version Latest' {
        Set-StrictMode -Version Latest
        (Invoke-MlTransaction -Script $Validators -Function validateTransaction -Operations @{ type = 'delete'; table = 'users'; id = 2 }).Affected | Should -Be 1
    }
}
