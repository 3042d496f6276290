#Requires -Version 7.4
# Add-MlRecord on SQLite: validate -> insert per record (rejected records leave nothing, the next go
# on), keys out, pipeline streaming, -BatchFunction/-BatchSize (one transaction per batch), -WhatIf.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-MlTestModule
    $script:Seed = Join-Path (Get-MlTestSharedPath) 'seed/ml'
}

Describe 'Add-MlRecord' {
    BeforeEach {
        $script:db = New-MlTestDatabase -Sql @(
            'CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL, age INTEGER)'
            'CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL NOT NULL, stock INTEGER DEFAULT 0, quantity INTEGER, product TEXT, created_at DATETIME, processed BOOLEAN)'
        )
        Connect-MlDatabase -ConnectionString $db.ConnectionString
        $script:users = Import-MlScript (Join-Path $Seed 'db_processors.ml')
    }
    AfterEach {
        Disconnect-MlDatabase -All
        $db | Remove-MlTestDatabase
    }

    It 'inserts one record and writes its new key' {
        $key = Add-MlRecord -Table users -InputObject @{ name = 'John Doe'; email = 'john@example.com'; age = 30 } -Script $users -Function validateUser
        $key | Should -Be 1
        $key | Should -BeOfType [long]
        (Invoke-MlQuery -Query 'SELECT name FROM users WHERE id = 1').name | Should -Be 'John Doe'
    }

    It 'seed: a rejected record is not inserted, the error names it, the records after it go on' {
        $records = @(
            [ordered]@{ name = 'Ann'; email = 'ann@example.com'; age = 31 }
            [pscustomobject]@{ name = 'X'; email = 'bad'; age = 200 }
            [ordered]@{ name = 'Bob'; email = 'bob@example.org'; age = 45 }
        )
        $keys = $records | Add-MlRecord -Table users -Script $users -Function validateUser -ErrorVariable errs -ErrorAction SilentlyContinue
        $keys | Should -Be @(1, 2)
        $errs | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'MlDb.RecordRejected,*'
        $errs[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $errs[0].Exception.Message | Should -Be 'Validation failed: Name must be at least 2 characters, Invalid email address, Age must be between 0 and 150'
        $errs[0].TargetObject | Should -Be $records[1]
        $errs[0].ToString() | Should -Be 'Record 2 was not inserted: validateUser rejected it: Validation failed: Name must be at least 2 characters, Invalid email address, Age must be between 0 and 150'
        $errs[0].Exception.Line | Should -BeGreaterThan 0
        (Invoke-MlQuery -Query 'SELECT name FROM users ORDER BY id').name | Should -Be @('Ann', 'Bob')
    }

    It 'streams: each record is inserted before the next is read' {
        $seen = [System.Collections.Generic.List[long]]::new()
        1..3 | ForEach-Object {
            $seen.Add((Invoke-MlQuery -Query 'SELECT count(*) AS n FROM users').n)
            @{ name = "user$_"; email = "u$_@x"; age = 20 + $_ }
        } | Add-MlRecord -Table users | Out-Null
        $seen | Should -Be @(0, 1, 2)
    }

    It 'takes rows streamed from a query on the same database file' {
        1..30 | ForEach-Object { @{ name = "u$_"; email = "u$_@x"; age = $_ } } | Add-MlRecord -Table users | Out-Null
        Invoke-MlQuery 'CREATE TABLE archive (id INTEGER PRIMARY KEY, name TEXT, email TEXT, age INTEGER)'
        $keys = Invoke-MlQuery -Table users | Add-MlRecord -Table archive -TimeoutSeconds 10
        $keys | Should -HaveCount 30
        $batches = Invoke-MlQuery -Query 'SELECT name, email, age FROM users' | Add-MlRecord -Table archive -BatchSize 7 -TimeoutSeconds 10
        $batches.Inserted | Should -Be @(7, 7, 7, 7, 2)
        (Invoke-MlQuery -Query 'SELECT count(*) AS n FROM archive').n | Should -Be 60
    }

    It 'a record whose key is not a column is rejected, non-terminating' {
        $keys = @(@{ name = 'a'; email = 'a@x'; colour = 'red' }, @{ name = 'b'; email = 'b@x' }) | Add-MlRecord -Table users -ErrorVariable errs -ErrorAction SilentlyContinue
        $keys | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'MlDb.InvalidIdentifier,*'
        $errs[0].ToString() | Should -Match "colour"
    }

    It 'a constraint violation rejects only that record' {
        $keys = @(@{ name = 'no email' }, @{ name = 'b'; email = 'b@x' }) | Add-MlRecord -Table users -ErrorVariable errs -ErrorAction SilentlyContinue
        $keys | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'MlDb.InsertFailed,*'
        $errs[0].ToString() | Should -Match 'NOT NULL'
    }

    It 'an unknown table is terminating' {
        { @{ a = 1 } | Add-MlRecord -Table nope } | Should -Throw -ErrorId 'MlDb.InvalidIdentifier,*'
    }

    It 'a record that cannot be converted is reported with its path' {
        $cyclic = @{ name = 'loop'; email = 'l@x' }
        $cyclic.self = $cyclic
        @($cyclic, @{ name = 'ok'; email = 'ok@x' }) | Add-MlRecord -Table users -ErrorVariable errs -ErrorAction SilentlyContinue | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'MlDb.ConversionFailed,*'
        $errs[0].ToString() | Should -Match '\$\.self'
    }

    It 'an array given to -InputObject is a list of records' {
        Add-MlRecord -Table users -InputObject @(@{ name = 'a'; email = 'a@x' }, @{ name = 'b'; email = 'b@x' }) | Should -Be @(1, 2)
    }

    It 'ORM seed: validateProduct fills defaults and rejects bad products' {
        $orm = Join-Path $Seed 'orm_processors.ml'
        $key = Add-MlRecord -Table products -InputObject @{ name = 'Super Widget'; price = 39.99 } -Script $orm -Function validateProduct
        (Invoke-MlQuery -Table products -Filter @{ id = $key }).stock | Should -Be 0
        { Add-MlRecord -Table products -InputObject @{ name = 'ab'; price = -1 } -Script $orm -Function validateProduct -ErrorAction Stop } |
            Should -Throw -ExpectedMessage 'Validation failed: Name must be at least 3 characters, Price must be positive'
    }

    It '-WhatIf runs the ML and shows what would be written, but writes nothing' {
        Add-MlRecord -Table users -InputObject @{ name = 'Ann'; email = 'ann@x'; age = 3 } -Script $users -Function validateUser -WhatIf | Should -BeNullOrEmpty
        # What-if lines go to the host: look at them in a child pwsh
        $run = Invoke-MlTestPwsh -Parameters @{ Manifest = (Get-MlTestModuleManifest); Seed = $users.Path } -Script {
            Import-Module $Manifest
            Connect-MlDatabase ':memory:'
            Invoke-MlQuery 'CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL, age INTEGER)'
            Add-MlRecord -Table users -InputObject ([ordered]@{ name = 'Ann'; email = 'ann@x'; age = 3 }) -Script $Seed -Function validateUser -WhatIf
            (Invoke-MlQuery 'SELECT count(*) AS n FROM users').n
        }
        $run.ExitCode | Should -Be 0 -Because $run.Errors
        $run.Output | Should -Match 'What if: Performing the operation "Insert record 1: columns name, email, age" on target "users"'
        $run.Output | Should -Not -Match 'ann@x'
        $run.Result | Should -Be 0
        (Invoke-MlQuery -Query 'SELECT count(*) AS n FROM users').n | Should -Be 0
        # the ML still ran: a bad record under -WhatIf is still rejected
        { Add-MlRecord -Table users -InputObject @{ name = 'X' } -Script $users -Function validateUser -WhatIf -ErrorAction Stop } | Should -Throw -ErrorId 'MlDb.RecordRejected,*'
    }

    Context 'batches' {
        It 'seed processRecords: batches of -BatchSize, one summary per batch, one transaction each' {
            $pg = Join-Path $Seed 'postgres_processors.ml'
            $summaries = 1..5 | ForEach-Object { @{ product = "P$_"; name = "P$_"; quantity = $_; price = 1.5 } } |
                Add-MlRecord -Table products -Script $pg -BatchFunction processRecords -BatchSize 2
            $summaries | Should -HaveCount 3
            $summaries.Inserted | Should -Be @(2, 2, 1)
            $summaries[0].Table | Should -Be 'products'
            $summaries[0].GetType().Name | Should -Be 'MlInsertBatchResult'
            $rows = Invoke-MlQuery -Query 'SELECT * FROM products'
            $rows.processed | Should -Be @($true, $true, $true, $true, $true)
            $rows[0].created_at | Should -BeOfType [datetime]
        }

        It 'a failing record rolls back its whole batch; the next batch goes in' {
            $summaries = @(
                @{ name = 'a'; email = 'a@x' }, @{ name = 'b' },
                @{ name = 'c'; email = 'c@x' }, @{ name = 'd'; email = 'd@x' }
            ) | Add-MlRecord -Table users -BatchSize 2 -ErrorVariable errs -ErrorAction SilentlyContinue
            $summaries.Inserted | Should -Be 2
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'MlDb.BatchFailed,*'
            $errs[0].ToString() | Should -Match 'Batch 1 \(records 1-2\).*record 2 of the batch'
            (Invoke-MlQuery -Query 'SELECT name FROM users ORDER BY id').name | Should -Be @('c', 'd')
        }

        It 'a batch function that throws rejects that batch only' {
            $ml = Join-Path $TestDrive 'batch.ml'
            Set-Content $ml 'function b(d) { if (d.records[0].name == "bad") { throw "bad batch"; } return d; }'
            $summaries = @(@{ name = 'bad'; email = 'x' }, @{ name = 'good'; email = 'y' }) |
                Add-MlRecord -Table users -Script $ml -BatchFunction b -BatchSize 1 -ErrorVariable errs -ErrorAction SilentlyContinue
            $summaries.Inserted | Should -Be 1
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'MlDb.BatchRejected,*'
            $errs[0].Exception.Message | Should -Be 'bad batch'
        }

        It '-WhatIf with batches writes nothing' {
            1..3 | ForEach-Object { @{ name = "u$_"; email = "u$_@x" } } | Add-MlRecord -Table users -BatchSize 2 -WhatIf | Should -BeNullOrEmpty
            (Invoke-MlQuery -Query 'SELECT count(*) AS n FROM users').n | Should -Be 0
        }

        It 'reports progress when there is more than one batch' {
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddScript("Import-Module '$(Get-MlTestModuleManifest)'; Connect-MlDatabase ':memory:'; Invoke-MlQuery 'CREATE TABLE t (x INTEGER)'; 1..30 | ForEach-Object { @{ x = `$_ } } | Add-MlRecord -Table t -BatchSize 10")
                $out = $ps.Invoke()
                $out.Inserted | Should -Be @(10, 10, 10)
                $ps.Streams.Progress.Count | Should -BeGreaterThan 0
                $ps.Streams.Progress[-1].RecordType | Should -Be 'Completed'
            }
            finally { $ps.Dispose() }
        }
    }

    It 'injection strings in values are stored as data' {
        $evil = "x'); DROP TABLE users; --"
        Add-MlRecord -Table users -InputObject @{ name = $evil; email = $evil } | Should -Be 1
        (Invoke-MlQuery -Table users).name | Should -Be $evil
    }

    It 'works under Set-StrictMode -Version Latest' {
        Set-StrictMode -Version Latest
        @{ name = 'Ann'; email = 'a@x'; age = 5 } | Add-MlRecord -Table users -Script $users -Function validateUser | Should -Be 1
    }
}
