#Requires -Version 7.4
# Tab completion of -Table (SQLite, PostgreSQL), -Collection and -Database (MongoDB) on
# Invoke-MlQuery and Add-MlRecord, through TabExpansion2 as the console calls it: the connection
# is the -Connection typed on the line, else 'default'.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-MlTestModule

    function script:Complete([string] $line) {
        @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText)
    }
}

Describe 'Completion of -Table on SQLite' {
    BeforeAll {
        Connect-MlDatabase ':memory:'
        Invoke-MlQuery 'CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)'
        Invoke-MlQuery 'CREATE TABLE user_events (id INTEGER PRIMARY KEY)'
        Invoke-MlQuery 'CREATE TABLE "order lines" (id INTEGER PRIMARY KEY)'
        Invoke-MlQuery 'CREATE VIEW active_users AS SELECT * FROM users'
        Invoke-MlQuery "ATTACH DATABASE '$(Join-Path $TestDrive 'aux.db')' AS aux"
        Invoke-MlQuery 'CREATE TABLE aux.archive (id INTEGER PRIMARY KEY)'
        Invoke-MlQuery 'CREATE TEMP TABLE scratch (x INTEGER)'
        Connect-MlDatabase ':memory:' -Name other
        Invoke-MlQuery -Connection other 'CREATE TABLE invoices (id INTEGER PRIMARY KEY)'
    }
    AfterAll { Disconnect-MlDatabase -All }

    It 'offers the tables and views of the default connection, attached and temp ones qualified' {
        Complete 'Invoke-MlQuery -Table ' | Should -Be @('active_users', 'order lines', 'user_events', 'users', 'temp.scratch', 'aux.archive').ForEach({ if ($_ -match ' ') { "'$_'" } else { $_ } })
    }

    It 'matches the word typed (also the name after the schema)' {
        Complete 'Invoke-MlQuery -Table us' | Should -Be @('user_events', 'users')
        Complete 'Invoke-MlQuery -Table arch' | Should -Be @('aux.archive')
        Complete 'Invoke-MlQuery -Table ''ord' | Should -Be @("'order lines'")
    }

    It 'uses the -Connection typed on the line, by name or as a variable' {
        Complete 'Invoke-MlQuery -Connection other -Table ' | Should -Be @('invoices')
        $global:completionConnection = Get-MlConnection other
        try { Complete 'Invoke-MlQuery -Connection $completionConnection -Table inv' | Should -Be @('invoices') }
        finally { Remove-Variable completionConnection -Scope Global }
    }

    It 'works on Add-MlRecord too, and a completed name is one -Table takes' {
        Complete 'Add-MlRecord -Table user' | Should -Be @('user_events', 'users')
        Complete '@{ id = 1 } | Add-MlRecord -Connection other -Table ' | Should -Be @('invoices')
        foreach ($name in 'aux.archive', 'temp.scratch', 'order lines') {
            { Invoke-MlQuery -Table $name -Limit 1 } | Should -Not -Throw
        }
    }

    It 'never hangs the prompt: a connection busy elsewhere offers nothing after a few seconds' {
        # Another runspace streams rows from the same in-memory database and holds its only
        # connection while the consumer sleeps.
        $busy = Connect-MlDatabase ':memory:' -Name busy -PassThru
        Invoke-MlQuery -Connection busy 'CREATE TABLE waiting (x INTEGER)'
        Complete 'Invoke-MlQuery -Connection busy -Table ' | Should -Be @('waiting')
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript({
                    param($c, $manifest)
                    Import-Module $manifest
                    Invoke-MlQuery -Connection $c -Query 'SELECT 1 AS x UNION ALL SELECT 2' | ForEach-Object { Start-Sleep -Seconds 20 }
                }).AddArgument($busy).AddArgument((Get-MlTestModuleManifest))
            $handle = $ps.BeginInvoke()
            Start-Sleep -Seconds 2
            $clock = [Diagnostics.Stopwatch]::StartNew()
            Complete 'Invoke-MlQuery -Connection busy -Table ' | Should -BeNullOrEmpty
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 10
            $handle.IsCompleted | Should -BeFalse -Because 'the other pipeline still held the connection'
        }
        finally {
            $ps.Stop()
            $ps.Dispose()
        }
    }

    It 'offers nothing for an unknown connection or a closed one' {
        Complete 'Invoke-MlQuery -Connection nosuch -Table ' | Should -BeNullOrEmpty
        $closed = Connect-MlDatabase ':memory:' -Name closing -PassThru
        Disconnect-MlDatabase -Name closing
        $global:closedConnection = $closed
        try { Complete 'Invoke-MlQuery -Connection $closedConnection -Table ' | Should -BeNullOrEmpty }
        finally { Remove-Variable closedConnection -Scope Global }
    }
}

Describe 'Completion of -Table on PostgreSQL' {
    BeforeAll {
        $script:Server = Get-MlTestService -Name Postgres
        if ($Server) {
            $script:Schema = New-MlTestName -Prefix 'mldb_c'
            $script:Other = New-MlTestName -Prefix 'mldb_o'
            Connect-MlDatabase -Provider Postgres -ConnectionString $Server -Name pg_setup
            foreach ($sql in "CREATE SCHEMA $Schema", "CREATE SCHEMA $Other", "CREATE TABLE $Schema.orders (id int PRIMARY KEY)",
                "CREATE TABLE $Schema.""Order Lines"" (id int PRIMARY KEY)", "CREATE VIEW $Schema.open_orders AS SELECT * FROM $Schema.orders",
                "CREATE TABLE $Other.audit_log (id int PRIMARY KEY)") {
                $null = Invoke-MlQuery -Connection pg_setup -Query $sql
            }
            Disconnect-MlDatabase -Name pg_setup
            Connect-MlDatabase "$Server;Search Path=$Schema" -Name pg
        }
    }
    AfterAll {
        if ($Server) {
            Disconnect-MlDatabase -All
            Connect-MlDatabase -Provider Postgres -ConnectionString $Server -Name pg_setup
            $null = Invoke-MlQuery -Connection pg_setup -Query "DROP SCHEMA $Schema, $Other CASCADE"
            Disconnect-MlDatabase -All
        }
    }

    It 'offers tables on the search path by name and the others schema-qualified' {
        if (Skip-IfNoService Postgres) { return }
        $all = Complete 'Invoke-MlQuery -Connection pg -Table '
        $all | Should -Contain 'orders'
        $all | Should -Contain 'open_orders'
        $all | Should -Contain "'Order Lines'"
        $all | Should -Contain "$Other.audit_log"
        $all | Should -Not -Contain 'audit_log'
        $all | Where-Object { $_ -like 'pg_catalog.*' -or $_ -like 'information_schema.*' } | Should -BeNullOrEmpty
        Complete 'Invoke-MlQuery -Connection pg -Table audit' | Should -Be @("$Other.audit_log")
        Complete 'Add-MlRecord -Connection pg -Table ord' | Sort-Object | Should -Be @("'Order Lines'", 'orders')
        Complete 'Add-MlRecord -Connection pg -Table open' | Should -Be @('open_orders')
    }

    It 'the names it offers are names -Table finds' {
        if (Skip-IfNoService Postgres) { return }
        foreach ($name in 'orders', 'open_orders', 'Order Lines', "$Other.audit_log") {
            { Invoke-MlQuery -Connection pg -Table $name -Limit 1 } | Should -Not -Throw
        }
    }
}

Describe 'Completion of -Collection and -Database on MongoDB' {
    BeforeAll {
        $script:Uri = Get-MlTestService -Name Mongo
        if ($Uri) {
            $script:Db = New-MlTestName
            $script:Db2 = New-MlTestName
            Connect-MlDatabase -Provider Mongo -ConnectionString $Uri -Database $Db -Name mongo
            $null = @{ n = 1 } | Add-MlRecord -Connection mongo -Collection people
            $null = @{ n = 1 } | Add-MlRecord -Connection mongo -Collection people_archive
            $null = @{ n = 1 } | Add-MlRecord -Connection mongo -Collection orders
            $null = @{ n = 1 } | Add-MlRecord -Connection mongo -Database $Db2 -Collection invoices
        }
    }
    AfterAll { Disconnect-MlDatabase -All }

    It '-Collection offers the collections of the connection''s database' {
        if (Skip-IfNoService Mongo) { return }
        Complete 'Invoke-MlQuery -Connection mongo -Collection ' | Should -Be @('orders', 'people', 'people_archive')
        Complete 'Invoke-MlQuery -Connection mongo -Collection peo' | Should -Be @('people', 'people_archive')
        Complete '@{} | Add-MlRecord -Connection mongo -Collection ord' | Should -Be @('orders')
    }

    It '-Collection follows the -Database typed on the line' {
        if (Skip-IfNoService Mongo) { return }
        Complete "Invoke-MlQuery -Connection mongo -Database $Db2 -Collection " | Should -Be @('invoices')
    }

    It '-Database offers the server''s databases' {
        if (Skip-IfNoService Mongo) { return }
        $databases = Complete 'Invoke-MlQuery -Connection mongo -Collection x -Database mldb_test_'
        $databases | Should -Contain $Db
        $databases | Should -Contain $Db2
        Complete "Add-MlRecord -Connection mongo -Collection x -Database $Db" | Should -Be @($Db)
    }

    It 'a SQL connection offers no collections, a MongoDB connection no tables' {
        if (Skip-IfNoService Mongo) { return }
        Connect-MlDatabase ':memory:' -Name sql
        Complete 'Invoke-MlQuery -Connection sql -Collection ' | Should -BeNullOrEmpty
        Complete 'Invoke-MlQuery -Connection mongo -Table ' | Should -BeNullOrEmpty
    }
}
