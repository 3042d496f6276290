#Requires -Version 7.4
# Invoke-MlQuery on SQLite: streaming rows, aggregate {rows, count}, per-row, -Table/-Filter/-Limit
# with {items, count}, -ParameterFunction, -TimeoutSeconds, -AsHashtable, Ctrl+C, injection.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-MlTestModule
    $script:Seed = Join-Path (Get-MlTestSharedPath) 'seed/ml'
    $script:InfiniteCte = 'WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s) SELECT count(*) FROM s'
}

Describe 'Invoke-MlQuery' {
    BeforeEach {
        $script:db = New-MlTestDatabase -Sql @(
            'CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL, age INTEGER)'
            "INSERT INTO users (name, email, age) VALUES ('Ann', 'ann@example.com', 31), ('Bob', 'bob@example.org', 45), ('Cy', 'cy@example.com', 22)"
            'CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL NOT NULL, stock INTEGER DEFAULT 0, created_at DATETIME)'
            "INSERT INTO products (name, price, stock, created_at) VALUES ('Widget', 9.5, 5, '2024-05-01 10:00:00'), ('Gadget', 30, 50, '2024-05-02 11:00:00'), ('Gizmo', 80, 3, '2024-05-03 12:00:00')"
        )
        Connect-MlDatabase -ConnectionString $db.ConnectionString
    }
    AfterEach {
        Disconnect-MlDatabase -All
        $db | Remove-MlTestDatabase
    }

    Context 'rows without a function' {
        It 'streams one PSCustomObject per row with properties in column order and long/double/string types' {
            $rows = @(Invoke-MlQuery -Query 'SELECT * FROM users ORDER BY id')
            $rows.Count | Should -Be 3
            $rows[0] | Should -BeOfType [pscustomobject]
            $rows[0].psobject.Properties.Name | Should -Be @('id', 'name', 'email', 'age')
            $rows[0].id | Should -BeOfType [long]
            $rows[1].name | Should -Be 'Bob'
        }

        It 'binds -Parameters with @name, :name and $name markers' {
            (Invoke-MlQuery -Query 'SELECT name FROM users WHERE age > @age ORDER BY id' -Parameters @{ age = 30 }).name | Should -Be @('Ann', 'Bob')
            (Invoke-MlQuery -Query 'SELECT name FROM users WHERE name = :n' -Parameters @{ '@n' = 'Cy' }).name | Should -Be 'Cy'
            (Invoke-MlQuery -Query 'SELECT name FROM users WHERE name = $n' -Parameters @{ n = 'Ann' }).name | Should -Be 'Ann'
        }

        It 'reads declared DATETIME text as UTC DateTime' {
            $row = Invoke-MlQuery -Query 'SELECT created_at FROM products WHERE id = 1'
            $row.created_at | Should -BeOfType [datetime]
            $row.created_at.Kind | Should -Be 'Utc'
            $row.created_at | Should -Be ([datetime]::new(2024, 5, 1, 10, 0, 0, [DateTimeKind]::Utc))
        }

        It 'gives ordered dictionaries with -AsHashtable' {
            $row = Invoke-MlQuery -Query 'SELECT * FROM users WHERE id = 2' -AsHashtable
            $row | Should -BeOfType [System.Collections.Specialized.OrderedDictionary]
            @($row.Keys) | Should -Be @('id', 'name', 'email', 'age')
        }

        It 'streams: the first rows of an endless result arrive' {
            $first = Invoke-MlQuery -Query 'WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s) SELECT n FROM s' | Select-Object -First 3
            $first.n | Should -Be @(1, 2, 3)
        }

        It 'runs statements that return no rows' {
            Invoke-MlQuery -Query 'CREATE TABLE t (x INTEGER)' | Should -BeNullOrEmpty
            Invoke-MlQuery -Query 'INSERT INTO t VALUES (@x)' -Parameters @{ x = 5 } | Should -BeNullOrEmpty
            (Invoke-MlQuery -Query 'SELECT x FROM t').x | Should -Be 5
        }

        It 'logs the SQL with -Verbose, never parameter values' {
            $verbose = Invoke-MlQuery -Query 'SELECT * FROM users WHERE name = @secret' -Parameters @{ secret = 'hunter2' } -Verbose 4>&1 |
                Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
            ($verbose.Message -join "`n") | Should -Match 'SELECT \* FROM users WHERE name = @secret'
            ($verbose.Message -join "`n") | Should -Not -Match 'hunter2'
        }
    }

    Context 'seed scenario: SQLite users (db_processors.ml)' {
        It 'processUsers aggregates {rows, count} of the query' {
            $result = Invoke-MlQuery -Query 'SELECT * FROM users WHERE age > @age' -Parameters @{ age = 25 } -Script (Join-Path $Seed 'db_processors.ml') -Function processUsers
            $result.total_users | Should -Be 2
            $result.average_age | Should -Be 38.0
            $result.average_age | Should -BeOfType [double]
            $result.domains.'example.com' | Should -Be 1
            $result.domains.'example.org' | Should -Be 1
            $result.psobject.Properties.Name | Should -Be @('total_users', 'average_age', 'domains', 'users')
            $result.users | Should -HaveCount 2
            $result.users[0] | Should -BeOfType [pscustomobject]
        }
    }

    Context 'seed scenario: ORM-style products (orm_processors.ml, -Table/-Filter)' {
        It 'analyzeProducts gets {items, count} of the table' {
            $result = Invoke-MlQuery -Table products -Script (Join-Path $Seed 'orm_processors.ml') -Function analyzeProducts
            $result.total_products | Should -Be 3
            $result.low_stock_count | Should -Be 2
            $result.total_inventory_value | Should -Be (9.5 * 5 + 30 * 50 + 80 * 3)
            $result.price_distribution.psobject.Properties.Name | Should -Be @('budget', 'mid', 'premium')
            $result.price_distribution.budget | Should -Be 1
            $result.low_stock_items.name | Should -Be @('Widget', 'Gizmo')
        }

        It 'filters with validated, quoted columns and limits' {
            (Invoke-MlQuery -Table products -Filter @{ name = 'Gadget' }).price | Should -Be 30
            (Invoke-MlQuery -Table products -Filter '{"stock": 3}').name | Should -Be 'Gizmo'
            (Invoke-MlQuery -Table products -Filter ([pscustomobject]@{ NAME = 'Widget' })).id | Should -Be 1
            @(Invoke-MlQuery -Table products -Limit 2).Count | Should -Be 2
            (Invoke-MlQuery -Table products -Filter @{ name = 'Widget' } -Script (Join-Path $Seed 'orm_processors.ml') -Function analyzeProducts).total_products | Should -Be 1
        }

        It 'an unknown table or column is a clear terminating error' {
            { Invoke-MlQuery -Table nope } | Should -Throw -ErrorId 'MlDb.InvalidIdentifier,*' -ExpectedMessage "*'nope'*"
            { Invoke-MlQuery -Table products -Filter @{ colour = 'red' } } | Should -Throw -ErrorId 'MlDb.InvalidIdentifier,*' -ExpectedMessage '*id, name, price, stock, created_at*'
        }

        It 'calculateOptimalPrice runs per row' {
            $prices = Invoke-MlQuery -Query 'SELECT price AS current_price, stock FROM products ORDER BY id' -Script (Join-Path $Seed 'product_processors.ml') -Function calculateOptimalPrice -PerRow
            $prices.optimal_price | Should -Be @((9.5 * 1.1), 30.0, (80 * 1.1))
        }
    }

    Context 'per-row mode' {
        It 'calls the function per row; a null result writes nothing' {
            $ml = Join-Path $TestDrive 'filter.ml'
            Set-Content $ml 'function adults(u) { if (u.age < 30) { return null; } return {who: u.name, next: u.age + 1}; }'
            $out = @(Invoke-MlQuery -Query 'SELECT * FROM users ORDER BY id' -Script $ml -Function adults -PerRow)
            $out.who | Should -Be @('Ann', 'Bob')
            $out[0].next | Should -BeOfType [long]
        }

        It 'streams per row: memory stays flat because rows are not collected' {
            $ml = Join-Path $TestDrive 'id.ml'
            Set-Content $ml 'function n(r) { return r.n; }'
            $first = Invoke-MlQuery -Query 'WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s) SELECT n FROM s' -Script $ml -Function n -PerRow | Select-Object -First 2
            $first | Should -Be @(1, 2)
        }

        It '-PerRow without -Function is an error' {
            { Invoke-MlQuery -Query 'SELECT 1' -PerRow } | Should -Throw -ErrorId 'MlDb.InvalidArgument,*'
        }
    }

    Context 'seed scenario: query optimisation (query_optimization.ml, -ParameterFunction)' {
        It 'optimizeQuery caps the bound limit at 1000' {
            $rows = Invoke-MlQuery -Query 'WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s) SELECT n FROM s LIMIT @limit' `
                -Parameters @{ limit = 5000 } -Script (Join-Path $Seed 'query_optimization.ml') -ParameterFunction optimizeQuery
            @($rows).Count | Should -Be 1000
            $few = Invoke-MlQuery -Query 'SELECT * FROM users LIMIT @limit' -Parameters @{ limit = 2 } -Script (Join-Path $Seed 'query_optimization.ml') -ParameterFunction optimizeQuery
            @($few).Count | Should -Be 2
        }
    }

    Context 'errors, timeouts and Ctrl+C' {
        It 'an unknown function is terminating and lists the script''s functions' {
            { Invoke-MlQuery -Query 'SELECT 1' -Script (Join-Path $Seed 'db_processors.ml') -Function nope } |
                Should -Throw -ErrorId 'MlDb.UnknownFunction,*' -ExpectedMessage '*processUsers, validateUser*'
        }

        It '-Function without -Script is an error' {
            { Invoke-MlQuery -Query 'SELECT 1' -Function processUsers } | Should -Throw -ErrorId 'MlDb.ScriptRequired,*'
        }

        It 'an unknown connection name is terminating' {
            { Invoke-MlQuery -Connection nosuch -Query 'SELECT 1' } | Should -Throw -ErrorId 'MlDb.ConnectionNotFound,*'
        }

        It 'an ML runtime error carries file, line, column and the ML stack' {
            $ml = Join-Path $TestDrive 'bad.ml'
            Set-Content $ml "function f(d) {`n    return d.rows[0].missing.deeper;`n}"
            $err = $null
            try { Invoke-MlQuery -Query 'SELECT 1 AS x' -Script $ml -Function f } catch { $err = $_ }
            $err.FullyQualifiedErrorId | Should -BeLike 'MlDb.ScriptRuntime,*'
            $err.Exception.ErrorType | Should -Be 'TypeError'
            $err.Exception.File | Should -Be $ml
            $err.Exception.Line | Should -Be 2
            $err.Exception.Column | Should -BeGreaterThan 0
            $err.Exception.MlStackTrace | Should -Match 'at f \('
            $err.ToString() | Should -Match 'line 2'
        }

        It 'a thrown object keeps its data and its message' {
            $ml = Join-Path $TestDrive 'throw.ml'
            Set-Content $ml 'function f(d) { throw {message: "too few rows", count: d.count, type: "RowError"}; }'
            $err = $null
            try { Invoke-MlQuery -Query 'SELECT 1 AS x' -Script $ml -Function f } catch { $err = $_ }
            $err.Exception.Message | Should -Be 'too few rows'
            $err.Exception.ErrorType | Should -Be 'RowError'
            $err.TargetObject.count | Should -Be 1
            $err.Exception.Data['MlThrownData'].count | Should -Be 1
        }

        It '-TimeoutSeconds stops a long SQL command with MlDb.CommandTimeout' {
            $started = [datetime]::UtcNow
            { Invoke-MlQuery -Query $InfiniteCte -TimeoutSeconds 1 } | Should -Throw -ErrorId 'MlDb.CommandTimeout,*'
            ([datetime]::UtcNow - $started).TotalSeconds | Should -BeLessThan 15
        }

        It '-TimeoutSeconds stops a long ML call with MlDb.CommandTimeout' {
            $ml = Join-Path $TestDrive 'spin.ml'
            Set-Content $ml 'function spin(d) { let i = 0; while (true) { i = i + 1; } }'
            { Invoke-MlQuery -Query 'SELECT 1' -Script $ml -Function spin -TimeoutSeconds 1 } | Should -Throw -ErrorId 'MlDb.CommandTimeout,*'
        }

        It 'deep recursion is an ML error, not a crash' {
            $ml = Join-Path $TestDrive 'deep.ml'
            Set-Content $ml 'function down(n) { return down(n + 1); } function f(d) { return down(0); }'
            { Invoke-MlQuery -Query 'SELECT 1' -Script $ml -Function f } | Should -Throw -ErrorId 'MlDb.CallDepthLimit,*' -ExpectedMessage '*call depth*'
        }

        It 'Ctrl+C (Stop) ends a running SQL command and a running ML loop promptly' {
            $manifest = Get-MlTestModuleManifest
            $ml = Join-Path $TestDrive 'loop.ml'
            Set-Content $ml 'function spin(d) { let i = 0; while (true) { i = i + 1; } }'
            foreach ($body in @(
                    "Invoke-MlQuery -Query '$InfiniteCte'",
                    "Invoke-MlQuery -Query 'SELECT 1' -Script '$ml' -Function spin")) {
                $ps = [powershell]::Create()
                try {
                    $null = $ps.AddScript("Import-Module '$manifest'; Connect-MlDatabase ':memory:'; $body")
                    $async = $ps.BeginInvoke()
                    Start-Sleep -Milliseconds 1500
                    $async.IsCompleted | Should -BeFalse -Because 'the work is endless'
                    $watch = [Diagnostics.Stopwatch]::StartNew()
                    $ps.Stop()
                    $watch.Elapsed.TotalSeconds | Should -BeLessThan 10
                    $ps.InvocationStateInfo.State | Should -Be 'Stopped'
                }
                finally { $ps.Dispose() }
            }
        }
    }

    Context 'injection strings do nothing' {
        It 'in values' -ForEach @(
            @{ Evil = "x'; DROP TABLE users; --" }
            @{ Evil = 'Robert''); DELETE FROM users; --' }
        ) {
            Invoke-MlQuery -Query 'SELECT * FROM users WHERE name = @n' -Parameters @{ n = $Evil } | Should -BeNullOrEmpty
            Invoke-MlQuery -Table users -Filter @{ name = $Evil } | Should -BeNullOrEmpty
            (Invoke-MlQuery -Query 'SELECT count(*) AS n FROM users').n | Should -Be 3
        }

        It 'in identifiers' -ForEach @(
            @{ Evil = 'users; DROP TABLE users' }
            @{ Evil = 'users" WHERE 1=1; DROP TABLE users; --' }
        ) {
            { Invoke-MlQuery -Table $Evil } | Should -Throw -ErrorId 'MlDb.InvalidIdentifier,*'
            { Invoke-MlQuery -Table users -Filter @{ $Evil = 1 } } | Should -Throw -ErrorId 'MlDb.InvalidIdentifier,*'
            (Invoke-MlQuery -Query 'SELECT count(*) AS n FROM users').n | Should -Be 3
        }
    }

    Context 'under Set-StrictMode -Version Latest' {
        It 'every mode works' {
            Set-StrictMode -Version Latest
            $rows = @(Invoke-MlQuery -Query 'SELECT * FROM users')
            $rows.Count | Should -Be 3
            $agg = Invoke-MlQuery -Query 'SELECT * FROM users' -Script (Join-Path $Seed 'db_processors.ml') -Function processUsers
            $agg.total_users | Should -Be 3
            $agg.users[0].email | Should -Be 'ann@example.com'
            @(Invoke-MlQuery -Table users -Filter @{ name = 'Ann' } -AsHashtable)[0]['age'] | Should -Be 31
        }
    }
}
