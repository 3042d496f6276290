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

    It 'a SQLite password is refused with an MlDb error id before any file is made' {
        Push-Location $TestDrive
        try {
            { Connect-MlDatabase -ConnectionString 'Data Source=locked.db;Password=hunter2' -Name locked } |
                Should -Throw -ErrorId 'MlDb.InvalidArgument,*' -ExpectedMessage '*no encryption*'
            $cred = [pscredential]::new('u', (ConvertTo-SecureString 'hunter2' -AsPlainText -Force))
            { Connect-MlDatabase -ConnectionString 'locked.db' -Credential $cred -Name locked } | Should -Throw -ErrorId 'MlDb.InvalidArgument,*'
            Test-Path (Join-Path $TestDrive 'locked.db') | Should -BeFalse
            Get-MlConnection -Name locked -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        }
        finally { Pop-Location }
    }

    It 'replacing an open connection of the same name writes a warning naming it (no password)' {
        $null = Connect-MlDatabase ':memory:' -Name twice -WarningVariable first
        $first | Should -BeNullOrEmpty
        $null = Connect-MlDatabase (Join-Path $TestDrive 'twice.db') -Name twice -WarningVariable second
        $second.Count | Should -Be 1
        "$($second[0])" | Should -Match "'twice' \(Sqlite: Data Source=:memory:\) was open and has been closed"
        (Get-MlConnection twice).Database | Should -Be (Join-Path $TestDrive 'twice.db')
    }

    It 'a failed connect leaves the old connection of that name open' {
        $old = Connect-MlDatabase ':memory:' -Name keep -PassThru
        { Connect-MlDatabase '/no/such/folder/x.db' -Name keep } | Should -Throw -ErrorId 'MlDb.ConnectionFailed,*'
        $old.IsOpen | Should -BeTrue
        (Get-MlConnection keep).Database | Should -Be ':memory:'
    }

    It 'completes -Connection with registered names' {
        Connect-MlDatabase ':memory:' -Name reporting
        $r = TabExpansion2 -inputScript 'Invoke-MlQuery -Connection rep' -cursorColumn 'Invoke-MlQuery -Connection rep'.Length
        $r.CompletionMatches.CompletionText | Should -Contain 'reporting'
    }
}

Describe 'Connect-MlDatabase without -Provider: the provider is read from the string' {
    BeforeAll {
        # Everything a connection shows or says, as one text: properties, formatted views, -Verbose
        # lines, warnings and errors. A password must be in none of it.
        function script:Get-EverythingShown([scriptblock] $Connect) {
            $errorText = ''
            $stream = try { & $Connect *>&1 } catch { $errorText = "$_ $($_.Exception | Format-List * -Force | Out-String) $($_.TargetObject)" }
            $shown = Get-MlConnection | ForEach-Object { $_ | Format-List * | Out-String; $_ | Format-Table | Out-String; $_.ToString() }
            ($stream | Out-String) + ($shown -join "`n") + $errorText
        }
        $script:PgServer = Get-MlTestService -Name Postgres
        if ($script:PgServer) {
            $b = [Data.Common.DbConnectionStringBuilder]::new()
            $b.set_ConnectionString($script:PgServer)
            $script:Pg = @{ Host = $b['Host']; Port = $b['Port']; User = $b['Username']; Password = $b['Password']; Database = $b['Database'] }
        }
    }
    AfterEach { Disconnect-MlDatabase -All }

    It 'the reported bug: a PostgreSQL key=value string opens no SQLite file and shows no password' {
        Push-Location $TestDrive
        try {
            $text = Get-EverythingShown { Connect-MlDatabase 'Host=127.0.0.1;Port=1;Username=ops;Password=hunter2;Database=x' -Name x -Verbose }
            $text | Should -Match 'No -Provider given: Postgres, from the key Host'
            $text | Should -Match 'Cannot connect to PostgreSQL'
            $text | Should -Not -Match 'hunter2'
            @(Get-ChildItem -LiteralPath $TestDrive -Filter '*Host*').Count | Should -Be 0
            @(Get-MlConnection).Count | Should -Be 0
        }
        finally { Pop-Location }
    }

    It 'refuses a string that fits no provider, naming only its keys: <Label>' -ForEach @(
        @{ Label = 'keys of no provider'; Text = 'Username=ops;Password=hunter2'; Message = '*keys Username, Password*' }
        @{ Label = 'keys of two providers'; Text = 'Host=db;Data Source=x.db;Password=hunter2'; Message = '*both Host= (PostgreSQL) and Data Source= (SQLite)*' }
        @{ Label = 'an unknown URI scheme'; Text = 'mysql://ops:hunter2@db/shop'; Message = "*'mysql://' is not one MlDb knows*" }
        @{ Label = 'an empty string'; Text = '   '; Message = '*empty*' }
    ) {
        $err = $null
        try { Connect-MlDatabase $Text -Name nope } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'MlDb.InvalidArgument,*'
        $err.Exception.Message | Should -BeLike $Message
        "$err $($err.TargetObject)" | Should -Not -Match 'hunter2'
        Get-ChildItem -LiteralPath (Get-Location) -Filter '*hunter2*' | Should -BeNullOrEmpty
    }

    It 'refuses a SQLite Data Source that is really a key=value string or another URI: <Text>' -ForEach @(
        @{ Text = 'Host=db;Username=ops;Password=hunter2;Database=shop' }
        @{ Text = 'Data Source="Server=db;Password=hunter2"' }
        @{ Text = 'postgresql://ops:hunter2@db/shop' }
        @{ Text = 'localhost:6379' }
    ) {
        Push-Location $TestDrive
        try {
            $err = $null
            try { Connect-MlDatabase -Provider Sqlite -ConnectionString $Text -Name wrong } catch { $err = $_ }
            $err.FullyQualifiedErrorId | Should -BeLike 'MlDb.InvalidArgument,*'
            $err.Exception.Message | Should -Match 'not a file path'
            "$err" | Should -Not -Match 'hunter2'
            @(Get-ChildItem -LiteralPath $TestDrive).Count | Should -Be 0
        }
        finally { Pop-Location }
    }

    It 'SQLite: Data Source=, a path, :memory: and a file: URI (relative to the current location)' {
        Push-Location $TestDrive
        try {
            (Connect-MlDatabase 'Data Source=a.db' -Name a -PassThru).Provider | Should -Be 'Sqlite'
            (Connect-MlDatabase './b.db' -Name b -PassThru).Database | Should -Be (Join-Path $TestDrive 'b.db')
            (Connect-MlDatabase ':memory:' -Name m -PassThru).Provider | Should -Be 'Sqlite'
            $u = Connect-MlDatabase 'file:c.db?mode=rwc' -Name c -PassThru
            $u.Provider | Should -Be 'Sqlite'
            Invoke-MlQuery -Connection c -Query 'CREATE TABLE t (x INTEGER)'
            Test-Path (Join-Path $TestDrive 'c.db') | Should -BeTrue
            $shared = Connect-MlDatabase 'file::memory:?cache=shared' -Name shared -PassThru
            Invoke-MlQuery -Connection shared -Query 'CREATE TABLE kept (x INTEGER)'
            Invoke-MlQuery -Connection shared -Query 'INSERT INTO kept VALUES (1)'
            (Invoke-MlQuery -Connection shared -Query 'SELECT count(*) AS n FROM kept').n | Should -Be 1
        }
        finally { Pop-Location }
    }

    It 'PostgreSQL: <Label>, without -Provider, a query runs and no password is shown' -ForEach @(
        @{ Label = 'the key=value string'; Form = 'kv' }
        @{ Label = 'a postgresql:// URI'; Form = 'uri' }
        @{ Label = 'a postgres:// URI with options'; Form = 'uri-options' }
        @{ Label = 'a URI and -Credential'; Form = 'uri-credential' }
    ) {
        if (Skip-IfNoService Postgres) { return }
        $password = [uri]::EscapeDataString($Pg.Password)
        $cred = $null
        $uri = switch ($Form) {
            'kv' { $PgServer }
            'uri' { "postgresql://$($Pg.User):$password@$($Pg.Host):$($Pg.Port)/$($Pg.Database)" }
            'uri-options' { "postgres://$($Pg.User):$password@$($Pg.Host):$($Pg.Port)/$($Pg.Database)?sslmode=disable&application_name=mldb-uri&Maximum%20Pool%20Size=3" }
            'uri-credential' {
                $cred = [pscredential]::new($Pg.User, (ConvertTo-SecureString $Pg.Password -AsPlainText -Force))
                "postgresql://$($Pg.Host):$($Pg.Port)/$($Pg.Database)"
            }
        }
        $connect = { if ($cred) { Connect-MlDatabase $uri -Credential $cred -Name pg -Verbose } else { Connect-MlDatabase $uri -Name pg -Verbose } }
        $text = Get-EverythingShown $connect
        $text | Should -Not -Match ([regex]::Escape($Pg.Password))
        $c = Get-MlConnection pg
        $c.Provider | Should -Be 'Postgres'
        $c.Database | Should -Be $Pg.Database
        $c.ConnectionString | Should -Match "Host=$([regex]::Escape($Pg.Host))"
        (Invoke-MlQuery -Connection pg -Query 'SELECT current_user AS who, current_setting(''application_name'') AS app').who | Should -Be $Pg.User
        if ($Form -eq 'uri-options') {
            (Invoke-MlQuery -Connection pg -Query 'SELECT current_setting(''application_name'') AS app').app | Should -Be 'mldb-uri'
            $c.ConnectionString | Should -Match 'Maximum Pool Size=3'
        }
    }

    It 'PostgreSQL: a wrong password in a URI fails with ConnectionFailed and does not show it' {
        if (Skip-IfNoService Postgres) { return }
        $text = Get-EverythingShown { Connect-MlDatabase "postgresql://$($Pg.User):not-the-pw-42@$($Pg.Host):$($Pg.Port)/$($Pg.Database)" -Name pg -Verbose }
        $text | Should -Match 'MlDb.ConnectionFailed|password authentication failed'
        $text | Should -Not -Match 'not-the-pw-42'
        @(Get-MlConnection).Count | Should -Be 0
    }

    It 'PostgreSQL: a URI option that is neither libpq nor Npgsql is refused by name' {
        { Connect-MlDatabase 'postgresql://ops:hunter2@db/shop?colour=blue' -Name pg } |
            Should -Throw -ErrorId 'MlDb.InvalidArgument,*' -ExpectedMessage "*option 'colour'*"
    }

    It 'MongoDB: a mongodb:// URI without -Provider' {
        if (Skip-IfNoService Mongo) { return }
        $db = New-MlTestName
        $uri = (Get-MlTestService -Name Mongo) -replace '/\?', "/${db}?"
        $c = Connect-MlDatabase $uri -Name mongo -PassThru
        $c.Provider | Should -Be 'Mongo'
        $c.Database | Should -Be $db
        @{ name = 'probe' } | Add-MlRecord -Connection mongo -Collection probes | Should -Match '^[0-9a-f]{24}$'
        (Invoke-MlQuery -Connection mongo -Collection probes).name | Should -Be 'probe'
    }

    It 'Redis: <Label> without -Provider' -ForEach @(
        @{ Label = 'host:port'; Form = 'plain' }
        @{ Label = 'a redis:// URI with a database index'; Form = 'uri' }
    ) {
        if (Skip-IfNoService Redis) { return }
        $server = Get-MlTestService -Name Redis
        $text = if ($Form -eq 'plain') { $server } else { "redis://$server/2" }
        $c = Connect-MlDatabase $text -Name cache -PassThru
        $c.Provider | Should -Be 'Redis'
        $key = (New-MlTestName -Prefix 'mldb') + ':probe'
        Set-MlCache -Connection cache -Key $key -InputObject @{ n = 1 } -ExpirySeconds 60
        (Get-MlCache -Connection cache -Key $key).n | Should -Be 1
        if ($Form -eq 'uri') {
            $c.ConnectionString | Should -Match 'defaultDatabase=2'
            # the key went to database 2, not 0
            Connect-MlDatabase $server -Name db0
            Get-MlCache -Connection db0 -Key $key | Should -BeNullOrEmpty
        }
        Remove-MlCache -Connection cache -Key $key
    }

    It 'Redis: the password of a redis:// URI logs in and is never shown; a wrong one is refused' {
        $auth = [Environment]::GetEnvironmentVariable('MLDB_TEST_REDIS_AUTH')
        $password = [Environment]::GetEnvironmentVariable('MLDB_TEST_REDIS_PASSWORD')
        if (-not $auth -or -not $password) {
            Set-ItResult -Skipped -Because 'no password-protected Redis server: MLDB_TEST_REDIS_AUTH and MLDB_TEST_REDIS_PASSWORD are not set (tests/services/services.sh start <dir> sets them)'
            return
        }
        $text = Get-EverythingShown { Connect-MlDatabase "redis://:$password@$auth" -Name locked -Verbose }
        $text | Should -Not -Match $password
        $key = (New-MlTestName -Prefix 'mldb') + ':auth'
        Set-MlCache -Connection locked -Key $key -InputObject 1 -ExpirySeconds 60
        Get-MlCache -Connection locked -Key $key | Should -Be 1
        Disconnect-MlDatabase -All
        $wrong = Get-EverythingShown { Connect-MlDatabase "rediss-is-not-it://x" -Name bad }
        $wrong | Should -Match 'not one MlDb knows'
        $refused = Get-EverythingShown { Connect-MlDatabase "redis://:wrong-secret-7@$auth" -Name bad }
        $refused | Should -Match 'authentication failed'
        $refused | Should -Not -Match 'wrong-secret-7'
    }
}
