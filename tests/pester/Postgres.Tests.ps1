#Requires -Version 7.4
# MlDb on PostgreSQL through the cmdlets, against the server of tests/services (MLDB_TEST_POSTGRES):
# the seed scenario, the type table both ways, exact money, batches through COPY with a bad record,
# a server stopped mid-batch, transactions, 4 runspaces on one connection, injection, credentials,
# timeouts, Ctrl+C and notices. Every test is skipped loudly when there is no server.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-MlTestModule
    $script:Seed = Join-Path (Get-MlTestSharedPath) 'seed/ml'
    $script:Server = Get-MlTestService -Name Postgres
    if ($script:Server) {
        # The type table reads and writes citext; the test role owns its database, so it may add
        # the (trusted) extension itself — this file must not rely on another suite having done it.
        Connect-MlDatabase -Provider Postgres -ConnectionString $script:Server -Name pg_setup
        try { $null = Invoke-MlQuery -Connection pg_setup -Query 'CREATE EXTENSION IF NOT EXISTS citext SCHEMA public' }
        finally { Disconnect-MlDatabase -Name pg_setup }
    }

    # A schema of its own per test, first on the search path: tables of one test never meet another's.
    function script:New-PgSchema([string[]] $Sql = @()) {
        $schema = New-MlTestName -Prefix 'mldb_p'
        Connect-MlDatabase -Provider Postgres -ConnectionString $script:Server -Name pg_setup
        try { $null = Invoke-MlQuery -Connection pg_setup -Query "CREATE SCHEMA $schema" }
        finally { Disconnect-MlDatabase -Name pg_setup }
        $connectionString = "$($script:Server);Search Path=$schema,public"
        if ($Sql) {
            Connect-MlDatabase -Provider Postgres -ConnectionString $connectionString -Name pg_setup
            try { foreach ($s in $Sql) { $null = Invoke-MlQuery -Connection pg_setup -Query $s } }
            finally { Disconnect-MlDatabase -Name pg_setup }
        }
        [pscustomobject]@{ Schema = $schema; ConnectionString = $connectionString }
    }

    function script:Remove-PgSchema($Db) {
        if (-not $Db) { return }
        Connect-MlDatabase -Provider Postgres -ConnectionString $script:Server -Name pg_setup
        try { $null = Invoke-MlQuery -Connection pg_setup -Query "DROP SCHEMA IF EXISTS $($Db.Schema) CASCADE" }
        finally { Disconnect-MlDatabase -Name pg_setup }
    }

    # User and password of the test server (to hand them over as a PSCredential).
    function script:Get-PgLogin {
        $builder = [Data.Common.DbConnectionStringBuilder]::new()
        $builder.set_ConnectionString($script:Server)
        $rest = [Data.Common.DbConnectionStringBuilder]::new()
        foreach ($key in $builder.Keys) { if ($key -notin 'username', 'user id', 'userid', 'user name', 'password', 'pwd', 'psw') { $rest[$key] = $builder[$key] } }
        [pscustomobject]@{ User = [string] $builder['username']; Password = [string] $builder['password']; WithoutLogin = $rest.ConnectionString }
    }

    # Runs examples/<Name> in a fresh pwsh with -Credential and a schema of its own; checks that it
    # finished, never printed the password and dropped its schema; returns the run (Output: what it printed).
    function script:Invoke-PgExample([string] $Name, [hashtable] $Arguments = @{}) {
        $login = Get-PgLogin
        $schema = New-MlTestName -Prefix 'mldb_ex'
        $run = Invoke-MlTestPwsh -Parameters @{
            Manifest = (Get-MlTestModuleManifest); Example = (Join-Path (Get-MlTestRepositoryRoot) "examples/$Name")
            ConnectionString = $login.WithoutLogin; User = $login.User; Password = $login.Password; Schema = $schema; Arguments = $Arguments
        } -Script {
            Import-Module $Manifest
            $credential = [pscredential]::new($User, (ConvertTo-SecureString $Password -AsPlainText -Force))
            & $Example -ConnectionString $ConnectionString -Credential $credential -Schema $Schema @Arguments
            'finished'
        }
        $run.ExitCode | Should -Be 0 -Because $run.Errors
        $run.Result | Should -Be 'finished'
        $run.Output | Should -Not -Match ([regex]::Escape($login.Password))
        (Invoke-MlQuery -Query 'SELECT count(*) AS n FROM pg_namespace WHERE nspname = @s' -Parameters @{ s = $schema }).n | Should -Be 0
        $run
    }

    # The tests/services state folder that runs this server (postgres.sh stop-server/start-server take it).
    function script:Find-PgServicesDir {
        $builder = [Data.Common.DbConnectionStringBuilder]::new()
        $builder.set_ConnectionString($script:Server)
        $port = [string] $builder['port']
        $candidates = [Collections.Generic.List[string]]::new()
        if ($env:MLDB_TEST_SERVICES_DIR) { $candidates.Add($env:MLDB_TEST_SERVICES_DIR) }
        if ($env:MLDB_SERVICES_ENV -and (Test-Path -LiteralPath $env:MLDB_SERVICES_ENV)) {
            foreach ($line in Get-Content -LiteralPath $env:MLDB_SERVICES_ENV) {
                if ($line -match "^\s*MLDB_TEST_SERVICES_DIR=['""]?([^'""]+)['""]?\s*$") { $candidates.Add($Matches[1]) }
            }
        }
        foreach ($c in @($candidates)) { $candidates.Add((Join-Path (Split-Path $c -Parent) 'postgres')) }
        foreach ($c in $candidates) {
            $portFile = Join-Path $c 'postgres/port'
            if ((Test-Path -LiteralPath $portFile) -and (Get-Content -LiteralPath $portFile -Raw).Trim() -eq $port) { return $c }
        }
        $null
    }

    function script:Invoke-PostgresSh([string] $Command, [string] $Dir) {
        $script = Join-Path (Get-MlTestRepositoryRoot) 'tests/services/postgres.sh'
        $output = & bash $script $Command $Dir 2>&1
        if ($LASTEXITCODE -ne 0) { throw "postgres.sh $Command failed ($LASTEXITCODE): $output" }
    }

    # Waits until nothing MlDb started that matches $Like runs on the server any more.
    function script:Assert-NothingRunning([string] $Like) {
        Connect-MlDatabase -Provider Postgres -ConnectionString $script:Server -Name pg_watch
        try {
            for ($i = 0; $i -lt 50; $i++) {
                $n = (Invoke-MlQuery -Connection pg_watch -Query "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'MlDb' AND state = 'active' AND query LIKE @like AND pid <> pg_backend_pid()" -Parameters @{ like = $Like }).n
                if ($n -eq 0) { return }
                Start-Sleep -Milliseconds 100
            }
            throw "A statement like '$Like' is still running on the server."
        }
        finally { Disconnect-MlDatabase -Name pg_watch }
    }
}

Describe 'PostgreSQL provider' {
    BeforeEach {
        $script:db = $null
        if ($script:Server) {
            $script:db = New-PgSchema -Sql @(
                'CREATE TABLE orders (id serial PRIMARY KEY, customer text NOT NULL, status text NOT NULL, total numeric(10,2) NOT NULL, created_at timestamptz NOT NULL DEFAULT now())'
                'CREATE TABLE products (id serial PRIMARY KEY, product text NOT NULL, quantity integer NOT NULL, price numeric(10,2) NOT NULL, created_at timestamptz, processed boolean DEFAULT false)'
            )
            Connect-MlDatabase -Provider Postgres -ConnectionString $db.ConnectionString
        }
    }
    AfterEach {
        Disconnect-MlDatabase -All
        Remove-PgSchema $script:db
    }

    It 'seed: processOrders over last week''s orders, with a DateTime parameter compared against timestamptz' {
        if (Skip-IfNoService Postgres) { return }
        $null = Invoke-MlQuery -Query @'
INSERT INTO orders (customer, status, total, created_at) VALUES
  ('ann', 'shipped', 19.99, now() - interval '1 day'),
  ('bob', 'shipped', 0.01, now() - interval '2 days'),
  ('cyd', 'pending', 100.10, now() - interval '6 days 23 hours'),
  ('dan', 'cancelled', 5.00, now() - interval '3 hours'),
  ('old', 'shipped', 999.99, now() - interval '8 days')
'@
        $result = Invoke-MlQuery -Query 'SELECT * FROM orders WHERE created_at > @since' -Parameters @{ since = (Get-Date).AddDays(-7) } `
            -Script (Join-Path $Seed 'postgres_processors.ml') -Function processOrders
        $result.total_orders | Should -Be 4
        $result.total_revenue | Should -BeOfType [decimal]
        $result.total_revenue | Should -Be 125.10
        $result.total_revenue.ToString([cultureinfo]::InvariantCulture) | Should -Be '125.10'
        $result.average_order | Should -BeOfType [double]
        $result.by_status.psobject.Properties.Name | Should -Be @('shipped', 'pending', 'cancelled')
        $result.by_status.shipped.count | Should -Be 2
        $result.by_status.shipped.revenue.ToString([cultureinfo]::InvariantCulture) | Should -Be '20.00'
    }

    It 'seed: processRecords batch insert goes in through binary COPY, one summary per batch' {
        if (Skip-IfNoService Postgres) { return }
        $records = @(
            @{ product = 'Widget'; quantity = 10; price = 29.99 }
            @{ product = 'Gadget'; quantity = 5; price = 49.99 }
        )
        $verbose = $records | Add-MlRecord -Table products -Script (Join-Path $Seed 'postgres_processors.ml') -BatchFunction processRecords -Verbose 4>&1
        $summary = $verbose | Where-Object { $_ -isnot [Management.Automation.VerboseRecord] }
        $summary.Table | Should -Be 'products'
        $summary.Inserted | Should -Be 2
        ($verbose | Where-Object { $_ -is [Management.Automation.VerboseRecord] }).Message | Should -Contain 'COMMIT  -- batch 1: 2 inserted, 0 updated, 0 ignored'
        ($verbose | Where-Object { $_ -is [Management.Automation.VerboseRecord] -and $_.Message -like 'COPY *binary' }) | Should -HaveCount 1
        $rows = Invoke-MlQuery -Query 'SELECT product, quantity, price, created_at, processed FROM products ORDER BY id'
        $rows.product | Should -Be @('Widget', 'Gadget')
        $rows[0].price | Should -BeOfType [decimal]
        $rows[0].price | Should -Be 29.99
        $rows[0].processed | Should -BeTrue
        $rows[0].created_at.Kind | Should -Be 'Utc'
        ((Get-Date).ToUniversalTime() - $rows[0].created_at).TotalMinutes | Should -BeLessThan 5
    }

    It 'money stays exact through an ML aggregate: 19.99 + 0.01 is 20.00' {
        if (Skip-IfNoService Postgres) { return }
        $null = Invoke-MlQuery -Query 'CREATE TABLE payments (amount numeric(12,2) NOT NULL); INSERT INTO payments VALUES (19.99), (0.01)'
        $script = Join-Path TestDrive: 'sum.ml'
        Set-Content -LiteralPath $script -Value 'function total(d) { return d.rows.reduce(function(s, r) { return s + r.amount; }, 0); }'
        $sum = Invoke-MlQuery -Query 'SELECT amount FROM payments' -Script $script -Function total
        $sum | Should -BeOfType [decimal]
        $sum.ToString([cultureinfo]::InvariantCulture) | Should -Be '20.00'
    }

    Context 'type mapping (the README table), read' {
        It 'reads every PostgreSQL type as the table says' {
            if (Skip-IfNoService Postgres) { return }
            $row = Invoke-MlQuery -Query @'
SELECT 1::smallint AS i2, 2::integer AS i4, 9007199254740993::bigint AS i8, 19.99::real AS f4, 0.1::double precision AS f8,
       19.90::numeric(10,2) AS num, true AS b, 'plain'::text AS t, 'abc'::varchar(10) AS vc, 'ab'::char(4) AS ch, 'MiXeD'::citext AS ci,
       'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'::uuid AS u, '2024-03-01 12:34:56.789+02'::timestamptz AS tz,
       '2024-03-01 12:34:56'::timestamp AS ts, '2024-03-01'::date AS d, '1 year 2 mons 3 days 04:05:06'::interval AS iv,
       '{"b": 1, "a": [true, null]}'::json AS j, '{"b": 1, "a": 2}'::jsonb AS jb, ARRAY[1, NULL, 3] AS arr,
       ARRAY[['x', 'y'], ['z', NULL]] AS arr2, '\x00ff'::bytea AS by, NULL::text AS n
'@
            $row.psobject.Properties.Name | Should -Be @('i2', 'i4', 'i8', 'f4', 'f8', 'num', 'b', 't', 'vc', 'ch', 'ci', 'u', 'tz', 'ts', 'd', 'iv', 'j', 'jb', 'arr', 'arr2', 'by', 'n')
            foreach ($name in 'i2', 'i4', 'i8') { $row.$name | Should -BeOfType [long] }
            $row.i8 | Should -Be 9007199254740993
            $row.f4 | Should -BeOfType [double]
            $row.f4 | Should -Be 19.99
            $row.f8 | Should -Be 0.1
            $row.num | Should -BeOfType [decimal]
            $row.num.ToString([cultureinfo]::InvariantCulture) | Should -Be '19.90'
            $row.b | Should -BeOfType [bool]
            $row.t, $row.vc, $row.ch, $row.ci | Should -Be @('plain', 'abc', 'ab  ', 'MiXeD')
            $row.u | Should -BeExactly 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'
            foreach ($name in 'tz', 'ts', 'd') { $row.$name | Should -BeOfType [datetime]; $row.$name.Kind | Should -Be 'Utc' }
            $row.tz | Should -Be ([datetime]::SpecifyKind([datetime] '2024-03-01T10:34:56.789', 'Utc'))
            $row.ts | Should -Be ([datetime]::SpecifyKind([datetime] '2024-03-01T12:34:56', 'Utc'))
            $row.d | Should -Be ([datetime]::SpecifyKind([datetime] '2024-03-01', 'Utc'))
            $row.iv | Should -Be '1 year 2 mons 3 days 04:05:06'
            $row.j | Should -BeOfType [pscustomobject]
            $row.j.psobject.Properties.Name | Should -Be @('b', 'a')
            $row.j.a | Should -HaveCount 2
            $row.j.a[0] | Should -BeTrue
            $row.jb.psobject.Properties.Name | Should -Be @('a', 'b')
            $row.arr.GetType() | Should -Be ([object[]])
            $row.arr | Should -HaveCount 3
            $row.arr[0] | Should -BeOfType [long]
            $row.arr[1] | Should -BeNullOrEmpty
            $row.arr2[1][0] | Should -Be 'z'
            $row.by.GetType() | Should -Be ([byte[]])
            $row.by | Should -Be @(0, 255)
            $row.n | Should -BeNullOrEmpty
        }

        It '-AsHashtable gives ordered dictionaries, json objects included' {
            if (Skip-IfNoService Postgres) { return }
            $row = Invoke-MlQuery -Query 'SELECT 1 AS a, ''{"k": {"z": 1}}''::jsonb AS j' -AsHashtable
            $row | Should -BeOfType [Collections.Specialized.OrderedDictionary]
            $row.j | Should -BeOfType [Collections.Specialized.OrderedDictionary]
            $row.j.k.z | Should -Be 1
        }
    }

    Context 'type mapping (the README table), written' {
        BeforeEach {
            if ($script:Server) {
                $null = Invoke-MlQuery -Query @'
CREATE TABLE golden (id serial PRIMARY KEY, i2 smallint, i4 integer, i8 bigint, f4 real, f8 double precision, num numeric(10,2), b boolean,
  t text, vc varchar(10), ch char(4), ci citext, u uuid, tz timestamptz, ts timestamp, d date, iv interval, j json, jb jsonb,
  arr integer[], tarr text[], by bytea, n text)
'@
            }
        }

        It 'writes PowerShell values the same way one by one and in a COPY batch' {
            if (Skip-IfNoService Postgres) { return }
            $when = [datetime]::SpecifyKind([datetime] '2024-03-01T10:34:56.789', 'Utc')
            $record = [ordered]@{
                i2 = 7; i4 = [int] -7; i8 = [long] 9007199254740993; f4 = 19.99; f8 = 0.1; num = [decimal] 19.99; b = $true
                t = "o'Reilly`"; DROP TABLE golden; --"; vc = 'abc'; ch = 'ab'; ci = 'MiXeD'; u = [guid] 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'
                tz = $when; ts = $when; d = $when; iv = '1 day 02:00:00'; j = [ordered]@{ b = 1; a = @($true, $null) }; jb = @{ k = 'v' }
                arr = @(1, $null, 3); tarr = @('a', 'b c'); by = [byte[]] (0, 255); n = $null
            }
            $expected = [ordered]@{
                i2 = '7'; i4 = '-7'; i8 = '9007199254740993'; f4 = '19.99'; f8 = '0.1'; num = '19.99'; b = 'true'
                t = "o'Reilly`"; DROP TABLE golden; --"; vc = 'abc'; ch = 'ab'; ci = 'MiXeD'; u = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'
                tz = '2024-03-01 10:34:56.789+00'; ts = '2024-03-01 10:34:56.789'; d = '2024-03-01'; iv = '1 day 02:00:00'
                j = '{"b":1,"a":[true,null]}'; jb = '{"k": "v"}'; arr = '{1,NULL,3}'; tarr = '{a,"b c"}'; by = '\x00ff'; n = 'NULL'
            }
            $key = Add-MlRecord -Table golden -InputObject $record
            $key | Should -Be 1
            $key | Should -BeOfType [long]
            $batch = @($record, $record) | Add-MlRecord -Table golden -BatchSize 10 -Verbose 4>&1
            ($batch | Where-Object { $_ -is [Management.Automation.VerboseRecord] -and $_.Message -like 'COPY *' }) | Should -HaveCount 0 -Because 'the interval string makes the server convert: multi-row INSERT'
            ($batch | Where-Object { $_ -isnot [Management.Automation.VerboseRecord] }).Inserted | Should -Be 2
            $select = ($expected.Keys | ForEach-Object { "coalesce($_::text, 'NULL') AS $_" }) -join ', '
            $rows = Invoke-MlQuery -Query "SELECT $select FROM golden ORDER BY id"
            $rows | Should -HaveCount 3
            foreach ($row in $rows) {
                foreach ($name in $expected.Keys) { $row.$name | Should -BeExactly $expected[$name] -Because "column $name" }
            }
            # without the interval every value has an exact binary form: COPY
            $record.Remove('iv')
            $copy = @($record) | Add-MlRecord -Table golden -BatchSize 10 -Verbose 4>&1
            ($copy | Where-Object { $_ -is [Management.Automation.VerboseRecord] -and $_.Message -like 'COPY *binary' }) | Should -HaveCount 1
            $last = Invoke-MlQuery -Query "SELECT $select FROM golden ORDER BY id DESC LIMIT 1"
            foreach ($name in $expected.Keys) { if ($name -ne 'iv') { $last.$name | Should -BeExactly $expected[$name] -Because "column $name (COPY)" } }
        }
    }

    It 'every SQL mode: rows, per-row, table and filter, parameter function, validated insert with its key' {
        if (Skip-IfNoService Postgres) { return }
        $ml = Join-Path TestDrive: 'modes.ml'
        Set-Content -LiteralPath $ml -Value @'
function twice(r) { if (r.g % 2 == 0) { return null; } return r.g * 2; }
function cap(p) { if (p.n > 3) { p.n = 3; } return p; }
function howMany(d) { return d.count; }
'@
        (Invoke-MlQuery -Query 'SELECT g FROM generate_series(1, 5) g').g | Should -Be @(1, 2, 3, 4, 5)
        Invoke-MlQuery -Query 'SELECT g FROM generate_series(1, 5) g' -Script $ml -Function twice -PerRow | Should -Be @(2, 6, 10)
        (Invoke-MlQuery -Query 'SELECT g FROM generate_series(1, @n) g' -Parameters @{ n = 10 } -Script $ml -ParameterFunction cap).g | Should -Be @(1, 2, 3)
        $users = Join-Path $Seed 'db_processors.ml'
        $null = Invoke-MlQuery -Query 'CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL, email text NOT NULL, age integer)'
        $keys = @(
            @{ name = 'Ann'; email = 'ann@example.com'; age = 31 }
            @{ name = 'X'; email = 'bad'; age = 200 }
            @{ name = 'Bob'; email = 'bob@example.org'; age = 45 }
        ) | Add-MlRecord -Table users -Script $users -Function validateUser -ErrorVariable errs -ErrorAction SilentlyContinue
        $keys | Should -Be @(1, 2)
        $errs | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'MlDb.RecordRejected,*'
        (Invoke-MlQuery -Table users -Filter @{ name = 'Bob' }).email | Should -Be 'bob@example.org'
        Invoke-MlQuery -Table users -Script $ml -Function howMany | Should -Be 2
        { Invoke-MlQuery -Table users -Filter @{ nope = 1 } } | Should -Throw -ErrorId 'MlDb.InvalidIdentifier,*'
    }

    It 'a batch of 10 000 with one bad record: that batch is absent, the error names the record, the others go in' {
        if (Skip-IfNoService Postgres) { return }
        $records = foreach ($i in 0..29999) { @{ product = if ($i -eq 17320) { $null } else { "p$i" }; quantity = $i; price = [decimal] 1.25 } }
        $summaries = $records | Add-MlRecord -Table products -BatchSize 10000 -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'MlDb.BatchFailed,*'
        $errs[0].ToString() | Should -BeLike 'Batch 2 (records 10001-20000) was not inserted: record 7321 of the batch failed: null value in column "product"*the whole batch was rolled back'
        $summaries.Inserted | Should -Be @(10000, 10000)
        (Invoke-MlQuery -Query 'SELECT count(*) AS n FROM products').n | Should -Be 20000
        (Invoke-MlQuery -Query 'SELECT count(*) AS n FROM products WHERE quantity BETWEEN 10000 AND 19999').n | Should -Be 0
    }

    It 'a failing operation inside Invoke-MlTransaction rolls back the others' {
        if (Skip-IfNoService Postgres) { return }
        $null = Invoke-MlQuery -Query 'CREATE TABLE accounts (id integer PRIMARY KEY, owner text NOT NULL, balance numeric(12,2) NOT NULL CHECK (balance >= 0)); INSERT INTO accounts VALUES (1, ''ann'', 100.00), (2, ''bob'', 50.00)'
        $before = (Invoke-MlQuery -Query 'SELECT string_agg(id || '':'' || owner || '':'' || balance, '','' ORDER BY id) AS s FROM accounts').s
        $ops = @(
            @{ type = 'update'; table = 'accounts'; id = 1; values = @{ balance = [decimal] 70 } }
            @{ type = 'insert'; table = 'accounts'; values = @{ id = 3; owner = 'cyd'; balance = [decimal] 30 } }
            @{ type = 'delete'; table = 'accounts'; id = 2 }
            @{ type = 'update'; table = 'accounts'; id = 3; values = @{ balance = [decimal] -1 } }
        )
        { Invoke-MlTransaction -Operations $ops -Script (Join-Path $Seed 'transaction_validators.ml') -Function validateTransaction } |
            Should -Throw -ErrorId 'MlDb.TransactionFailed,*' -ExpectedMessage '*operation 4*accounts_balance_check*'
        (Invoke-MlQuery -Query 'SELECT string_agg(id || '':'' || owner || '':'' || balance, '','' ORDER BY id) AS s FROM accounts').s | Should -Be $before
        $ok = Invoke-MlTransaction -Operations $ops[0..2]
        $ok.Operations | Should -Be 3
        $ok.Affected | Should -Be 3
        (Invoke-MlQuery -Query 'SELECT string_agg(id || '':'' || owner, '','' ORDER BY id) AS s FROM accounts').s | Should -Be '1:ann,3:cyd'
    }

    It '4 parallel runspaces share one named connection for 1000 queries each with no errors' {
        if (Skip-IfNoService Postgres) { return }
        $connection = Connect-MlDatabase -Provider Postgres -ConnectionString "$($db.ConnectionString);Maximum Pool Size=4" -Name shared -PassThru
        $iss = [Management.Automation.Runspaces.InitialSessionState]::CreateDefault2()
        $iss.ImportPSModule((Get-MlTestModuleManifest))
        $pool = [runspacefactory]::CreateRunspacePool(4, 4, $iss, $Host)
        $pool.Open()
        try {
            $workers = foreach ($t in 1..4) {
                $ps = [powershell]::Create()
                $ps.RunspacePool = $pool
                $null = $ps.AddScript({
                        param($Connection, $T)
                        $errors = 0; $wrong = 0
                        foreach ($i in 1..1000) {
                            $n = 1 + ($i + $T) % 100
                            try {
                                $r = Invoke-MlQuery -Connection $Connection -Query 'SELECT sum(g) AS s FROM generate_series(1, @n) g' -Parameters @{ n = $n } -ErrorAction Stop
                                if ($r.s -ne [decimal] ($n * ($n + 1) / 2)) { $wrong++ }
                            }
                            catch { $errors++ }
                        }
                        [pscustomobject]@{ Errors = $errors; Wrong = $wrong; Runspace = [runspace]::DefaultRunspace.Id }
                    }).AddArgument($connection).AddArgument($t)
                [pscustomobject]@{ PowerShell = $ps; Handle = $ps.BeginInvoke() }
            }
            $results = foreach ($w in $workers) { $w.PowerShell.EndInvoke($w.Handle); $w.PowerShell.Streams.Error | ForEach-Object { throw $_ }; $w.PowerShell.Dispose() }
        }
        finally {
            $pool.Dispose()
        }
        $results | Should -HaveCount 4
        ($results.Runspace | Sort-Object -Unique) | Should -HaveCount 4
        ($results.Errors | Measure-Object -Sum).Sum | Should -Be 0
        ($results.Wrong | Measure-Object -Sum).Sum | Should -Be 0
    }

    It 'injection strings in values and identifiers do nothing' {
        if (Skip-IfNoService Postgres) { return }
        $null = Invoke-MlQuery -Query 'CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL)'
        $evil = @("'; DROP TABLE users; --", '"); DELETE FROM users; --', '$$; DROP TABLE users; $$', '@name', ':name', "Robert'); DROP TABLE students;--")
        $evil | ForEach-Object { @{ name = $_ } } | Add-MlRecord -Table users | Should -HaveCount $evil.Count
        $evil | ForEach-Object { @{ name = $_ } } | Add-MlRecord -Table users -BatchSize 100 | Out-Null
        foreach ($e in $evil) {
            (Invoke-MlQuery -Query 'SELECT count(*) AS n FROM users WHERE name = @v' -Parameters @{ v = $e }).n | Should -Be 2
            @(Invoke-MlQuery -Table users -Filter @{ name = $e }) | Should -HaveCount 2
        }
        { Invoke-MlQuery -Table 'users; DROP TABLE users' } | Should -Throw -ErrorId 'MlDb.InvalidIdentifier,*'
        { Invoke-MlQuery -Table users -Filter @{ 'name = name OR 1=1 --' = 'x' } } | Should -Throw -ErrorId 'MlDb.InvalidIdentifier,*'
        @{ 'name") VALUES (''x''); DROP TABLE users; --' = 'x' } | Add-MlRecord -Table users -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'MlDb.InvalidIdentifier,*'
        (Invoke-MlQuery -Query 'SELECT count(*) AS n FROM users').n | Should -Be ($evil.Count * 2)
    }

    It '-Credential supplies user and password; the password is never in Get-MlConnection or -Verbose output' {
        if (Skip-IfNoService Postgres) { return }
        $login = Get-PgLogin
        $credential = [pscredential]::new($login.User, (ConvertTo-SecureString $login.Password -AsPlainText -Force))
        $out = Connect-MlDatabase -Provider Postgres -ConnectionString $login.WithoutLogin -Credential $credential -Name cred -PassThru -Verbose 4>&1
        $info = $out | Where-Object { $_ -isnot [Management.Automation.VerboseRecord] }
        $info.Provider | Should -Be 'Postgres'
        $info.ConnectionString | Should -Not -BeLike "*$($login.Password)*"
        $info.ConnectionString | Should -BeLike "*Username=$($login.User)*"
        (Get-MlConnection -Name cred | Out-String) | Should -Not -BeLike "*$($login.Password)*"
        (Get-MlConnection | Format-List * | Out-String) | Should -Not -BeLike "*$($login.Password)*"
        $verbose = Invoke-MlQuery -Connection cred -Query 'SELECT current_user AS u' -Verbose 4>&1
        ($verbose | Where-Object { $_ -isnot [Management.Automation.VerboseRecord] }).u | Should -Be $login.User
        ($out + $verbose | Out-String) | Should -Not -BeLike "*$($login.Password)*"

        $wrong = [pscredential]::new($login.User, (ConvertTo-SecureString 'not-the-password-42' -AsPlainText -Force))
        $err = $null
        try { Connect-MlDatabase -Provider Postgres -ConnectionString $login.WithoutLogin -Credential $wrong -Name bad -Verbose 4>&1 | Out-Null }
        catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'MlDb.ConnectionFailed,*'
        $err.ToString() | Should -BeLike '*password authentication failed*'
        ($err | Format-List * -Force | Out-String) | Should -Not -BeLike '*not-the-password-42*'
    }

    It '-TimeoutSeconds stops the statement with the error id MlDb.CommandTimeout' {
        if (Skip-IfNoService Postgres) { return }
        $clock = [Diagnostics.Stopwatch]::StartNew()
        { Invoke-MlQuery -Query 'SELECT pg_sleep(30)' -TimeoutSeconds 1 } | Should -Throw -ErrorId 'MlDb.CommandTimeout,*'
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 6
        Assert-NothingRunning 'SELECT pg_sleep(30)%'
    }

    It 'Ctrl+C (StopProcessing) cancels the running statement on the server' {
        if (Skip-IfNoService Postgres) { return }
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript({
                    param($Manifest, $ConnectionString)
                    Import-Module $Manifest
                    Connect-MlDatabase -Provider Postgres -ConnectionString $ConnectionString
                    Invoke-MlQuery -Query 'SELECT pg_sleep(30) AS slept'
                }).AddArgument((Get-MlTestModuleManifest)).AddArgument($db.ConnectionString)
            $handle = $ps.BeginInvoke()
            Start-Sleep -Seconds 2
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 5
            $handle.IsCompleted | Should -BeTrue
        }
        finally { $ps.Dispose() }
        Assert-NothingRunning 'SELECT pg_sleep(30)%'
    }

    It 'server NOTICEs go to the verbose stream' {
        if (Skip-IfNoService Postgres) { return }
        $out = Invoke-MlQuery -Query "DO `$`$ BEGIN RAISE NOTICE 'hello from plpgsql %', 42; END `$`$" -Verbose 4>&1
        ($out | Where-Object { $_ -is [Management.Automation.VerboseRecord] }).Message | Should -Contain 'NOTICE: hello from plpgsql 42'
    }

    It 'examples/postgres-orders.ps1 runs the seed scenario end to end with -Credential in a fresh pwsh' {
        if (Skip-IfNoService Postgres) { return }
        $run = Invoke-PgExample 'postgres-orders.ps1'
        $run.Output | Should -Match 'Seeded 500 orders in 3 batches\.'
        $run.Output | Should -Match 'Weekly revenue: [\d,]+\.\d\d from \d+ orders'
        $run.Output | Should -Match 'SQL agrees: sum\(total\) = \d+\.\d\d'
        $run.Output | Should -Match 'Inserted 2 records'
    }

    It 'examples/nightly-sync.ps1 syncs two nights of a CSV feed (inserts, updates, rejected rows) with -Credential in a fresh pwsh' {
        if (Skip-IfNoService Postgres) { return }
        $run = Invoke-PgExample 'nightly-sync.ps1' @{ Customers = 200 }
        $run.Output | Should -Match '(?s)== Night 1 ==.*Inserted\s+200'
        $run.Output | Should -Match '(?s)== Night 2 ==.*Inserted\s+20.*Updated\s+198'
        $run.Output | Should -Match 'Record 4 \(email = "not an address"\) was not written: syncCustomer rejected it: Customer rejected: email is not an address'
        $run.Output | Should -Match 'Record 8 .* was not written: syncCustomer rejected it: Customer rejected: credit limit is not a number'
        $run.Output | Should -Match 'The table now holds 220 customers, 22 of them moved\.'
        $run.Output | Should -Match 'customers\s+1\s+220\s+0\s+220\s+0'
    }

    Context 'the write path: group commit and upserts' {
        BeforeEach {
            if ($script:Server) {
                $null = Invoke-MlQuery -Query @'
CREATE TABLE people (id bigserial PRIMARY KEY, email citext NOT NULL UNIQUE, name text NOT NULL, visits integer NOT NULL DEFAULT 0 CHECK (visits >= 0), domain text);
INSERT INTO people (email, name, visits) VALUES ('ann@example.org', 'Ann', 1), ('bob@example.org', 'Bob', 2);
'@
                Connect-MlDatabase -Provider Postgres -ConnectionString $db.ConnectionString -Name observer
            }
            # The rule of the write-path benchmark: the e-mail must be an address; the domain is added.
            $script:rules = Join-Path (Get-MlTestRepositoryRoot) 'bench/write/write.ml'
            $script:feed = @(
                [ordered]@{ email = 'Ann@Example.org'; name = 'Ann B.'; visits = 5 }    # existing (citext key)
                [ordered]@{ email = 'cy@example.org'; name = 'Cy'; visits = 1 }
                [ordered]@{ email = 'bob@example.org'; name = 'Bob B.'; visits = 7 }
                [ordered]@{ email = 'cy@example.org'; name = 'Cy C.'; visits = 2 }
            )
        }

        It 'per record: keys come out once committed, a refused record is the only one missing' {
            if (Skip-IfNoService Postgres) { return }
            $records = 1..7 | ForEach-Object { [ordered]@{ email = "p$_@example.org"; name = "P$_"; visits = if ($_ -eq 5) { -1 } else { $_ } } }
            $seen = $records | Add-MlRecord -Table people -Script $rules -Function check -CommitSize 3 -ErrorVariable errs -ErrorAction SilentlyContinue |
                ForEach-Object { (Invoke-MlQuery -Connection observer -Query 'SELECT count(*) AS n FROM people WHERE id = @id' -Parameters @{ id = $_ }).n }
            $seen | Should -Be @(1, 1, 1, 1, 1, 1)
            $errs | Should -HaveCount 1
            $errs[0].ToString() | Should -Be 'Record 5 was not inserted: new row for relation "people" violates check constraint "people_visits_check" [SQLSTATE 23514]'
            (Invoke-MlQuery -Query "SELECT count(*) AS n FROM people WHERE name LIKE 'P%'").n | Should -Be 6
        }

        It 'Ctrl+C (PowerShell.Stop()) mid-group: the open group is rolled back, the statement cancelled on the server, every key written out is a row' {
            if (Skip-IfNoService Postgres) { return }
            $null = Invoke-MlQuery -Query @'
CREATE FUNCTION hold_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.name = 'P1500' THEN PERFORM pg_sleep(60); END IF; RETURN NEW; END $$;
CREATE TRIGGER hold_row BEFORE INSERT ON people FOR EACH ROW EXECUTE FUNCTION hold_row();
'@
            $keys = [System.Collections.Concurrent.ConcurrentQueue[long]]::new()
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddScript({
                        param($Manifest, $ConnectionString, $Keys)
                        Import-Module $Manifest
                        Connect-MlDatabase -Provider Postgres -ConnectionString $ConnectionString
                        1..3000 | ForEach-Object { @{ email = "p$_@example.org"; name = "P$_" } } | Add-MlRecord -Table people | ForEach-Object { $Keys.Enqueue($_) }
                    }).AddArgument((Get-MlTestModuleManifest)).AddArgument($db.ConnectionString).AddArgument($keys)
                $null = $ps.BeginInvoke()
                for ($i = 0; $i -lt 600 -and (Invoke-MlQuery -Connection observer -Query "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'MlDb' AND wait_event = 'PgSleep'").n -eq 0; $i++) { Start-Sleep -Milliseconds 50 }
                $clock = [Diagnostics.Stopwatch]::StartNew()
                $ps.Stop()
                $clock.Elapsed.TotalSeconds | Should -BeLessThan 10
            }
            finally { $ps.Dispose() }
            Assert-NothingRunning 'INSERT INTO %people%'
            $rows = @((Invoke-MlQuery -Query "SELECT id FROM people WHERE name LIKE 'P%' ORDER BY id").id)
            # Groups close at 1000 records or after 250 ms, whichever comes first (on a slow machine
            # the timer closes them earlier): some groups committed before P1500, whose group did not.
            $keys.Count | Should -BeGreaterThan 0
            $keys.Count | Should -BeLessThan 1500
            $rows | Should -Be @($keys.ToArray())
        }

        It 'upserts per record (-PassThru says what happened) and in a batch give the same table' {
            if (Skip-IfNoService Postgres) { return }
            $out = $feed | Add-MlRecord -Table people -Script $rules -Function check -OnConflict Update -Key email -PassThru
            $out.Action | Should -Be @('Updated', 'Inserted', 'Updated', 'Updated')
            $out[0].id | Should -Be 1
            $out[0].psobject.Properties.Name | Should -Be @('email', 'name', 'visits', 'domain', 'id', 'Action')
            $out[1].id | Should -Be $out[3].id
            $perRecord = Invoke-MlQuery -Query 'SELECT email::text, name, visits, domain FROM people ORDER BY email' | ConvertTo-Json -Compress

            $null = Invoke-MlQuery -Query "TRUNCATE people; INSERT INTO people (email, name, visits) VALUES ('ann@example.org', 'Ann', 1), ('bob@example.org', 'Bob', 2)"
            $summary = $feed | Add-MlRecord -Table people -Script $rules -BatchFunction checkBatch -BatchSize 100 -OnConflict Update -Key email
            ($summary.Inserted, $summary.Updated, $summary.Ignored) | Should -Be @(1, 3, 0)
            Invoke-MlQuery -Query 'SELECT email::text, name, visits, domain FROM people ORDER BY email' | ConvertTo-Json -Compress | Should -Be $perRecord

            $ignored = $feed | Add-MlRecord -Table people -BatchSize 100 -OnConflict Ignore -Key email
            ($ignored.Inserted, $ignored.Updated, $ignored.Ignored) | Should -Be @(0, 0, 4)
            $kept = $feed | Add-MlRecord -Table people -OnConflict Ignore -Key email -PassThru
            $kept.Action | Should -Be @('Unchanged', 'Unchanged', 'Unchanged', 'Unchanged')
        }

        It 'Invoke-MlTransaction runs upsert operations with a key' {
            if (Skip-IfNoService Postgres) { return }
            $result = Invoke-MlTransaction -Operations @(
                @{ type = 'upsert'; table = 'people'; key = 'email'; values = @{ email = 'ann@example.org'; name = 'Ann T.' } }
                @{ type = 'upsert'; table = 'people'; key = 'email'; values = @{ email = 'tess@example.org'; name = 'Tess' } }
            )
            $result.Affected | Should -Be 2
            (Invoke-MlQuery -Query 'SELECT name FROM people ORDER BY id').name | Should -Be @('Ann T.', 'Bob', 'Tess')
        }

        It 'a value the server cannot read is named by record and column type, not shown' {
            if (Skip-IfNoService Postgres) { return }
            $null = [ordered]@{ email = 'v@example.org'; name = 'V'; visits = 'S3cr3t' } | Add-MlRecord -Table people -ErrorVariable errs -ErrorAction SilentlyContinue
            $null = [ordered]@{ email = 'w@example.org'; name = 'W'; visits = 'S3cr3t' } | Add-MlRecord -Table people -BatchSize 10 -ErrorVariable errs2 -ErrorAction SilentlyContinue
            "$($errs[0])" | Should -Be 'Record 1 was not inserted: invalid input syntax for type integer: "…" [SQLSTATE 22P02]'
            "$($errs2[0])" | Should -BeLike 'Batch 1 (record 1) was not inserted: record 1 of the batch failed: invalid input syntax for type integer: "…" *'
            "$($errs[0]) $($errs2[0])" | Should -Not -Match 'S3cr3t'
        }
    }

    It 'the server stopped in the middle of a batch load: no partial batch, one clear error, and after a restart the next command works' {
        if (Skip-IfNoService Postgres) { return }
        $dir = Find-PgServicesDir
        if (-not $dir) {
            $reason = 'no tests/services state folder (MLDB_TEST_SERVICES_DIR, or the lines of MLDB_SERVICES_ENV) runs the server of MLDB_TEST_POSTGRES, so it cannot be stopped and restarted'
            Write-Warning "SKIPPED (Postgres outage): $reason"
            Set-ItResult -Skipped -Because $reason
            return
        }
        $null = Invoke-MlQuery -Query @'
CREATE TABLE items (n integer NOT NULL, label text);
CREATE FUNCTION hold_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.n = 3500 THEN PERFORM pg_sleep(60); END IF; RETURN NEW; END $$;
CREATE TRIGGER hold_row BEFORE INSERT ON items FOR EACH ROW EXECUTE FUNCTION hold_row();
'@
        # In the background: once the COPY of batch 4 is held at row 3500 on the server, stop the server.
        $bin = (Get-Content -LiteralPath (Join-Path $dir 'postgres/bindir') -Raw).Trim()
        $login = Get-PgLogin
        $port = (Get-Content -LiteralPath (Join-Path $dir 'postgres/port') -Raw).Trim()
        $stopper = Start-ThreadJob -ArgumentList $bin, $login.User, $login.Password, $port, (Join-Path (Get-MlTestRepositoryRoot) 'tests/services/postgres.sh'), $dir -ScriptBlock {
            param($Bin, $User, $Password, $Port, $Script, $Dir)
            $env:PGPASSWORD = $Password
            for ($i = 0; $i -lt 400; $i++) {
                $held = & "$Bin/psql" -X -At -h 127.0.0.1 -p $Port -U $User -d postgres -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'MlDb' AND wait_event = 'PgSleep' AND query LIKE 'COPY %'"
                if ($held -eq '1') { break }
                Start-Sleep -Milliseconds 50
            }
            & bash $Script stop-server $Dir 2>&1
        }
        try {
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $err = $null
            try {
                0..7999 | ForEach-Object { @{ n = $_; label = "item $_" } } |
                    Add-MlRecord -Table items -BatchSize 1000 -OutVariable summaries -ErrorVariable errs
            }
            catch { $err = $_ }
            $clock.Stop()
            $null = $stopper | Wait-Job -Timeout 60
            # One terminating error for the command (the connection is gone): no batch after it is tried.
            $summaries.Inserted | Should -Be @(1000, 1000, 1000)
            $err | Should -Not -BeNullOrEmpty
            $err.FullyQualifiedErrorId | Should -BeLike 'MlDb.ConnectionFailed,*'
            $err.ToString() | Should -BeLike "The connection to the PostgreSQL server of 'default' was lost during the COPY of 1000 record(s) into *That batch was rolled back: none of its records were written."
            @($errs) | Should -HaveCount 1 -Because 'the one error is the terminating one, no batch error before or after it'
            "$($errs[0])" | Should -BeLike '*was lost during the COPY of 1000 record(s)*'
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 40
        }
        finally {
            $null = $stopper | Wait-Job -Timeout 60
            $stopper | Remove-Job -Force
            Invoke-PostgresSh start-server $dir
        }
        (Invoke-MlQuery -Query 'SELECT count(*) AS n, max(n) AS top FROM items') | Should -Not -BeNullOrEmpty
        $after = Invoke-MlQuery -Query 'SELECT count(*) AS n, max(n) AS top FROM items'
        $after.n | Should -Be 3000 -Because 'batches 1-3 were committed, batch 4 was rolled back, 5-8 never ran'
        $after.top | Should -Be 2999
    }
}
