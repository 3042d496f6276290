#Requires -Version 7.4
# MlDb beside another version of its own SQLite driver in one session: the private load context
# keeps the two apart. The "other module" is Microsoft.Data.Sqlite 8 with SQLitePCLRaw 2.1.12
# and its native e_sqlite3, published by tests/support into out/test-support.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $Manifest = Get-MlTestModuleManifest
    $Deps = Join-Path (Split-Path $Manifest -Parent) 'deps'
    $Support = if ($env:MLDB_TEST_SUPPORT) { $env:MLDB_TEST_SUPPORT } else { Join-Path (Get-MlTestRepositoryRoot) 'out/test-support' }
    $OtherSqlite = Join-Path $Support 'Microsoft.Data.Sqlite.dll'
    if (-not (Test-Path -LiteralPath $OtherSqlite)) {
        throw "The isolation fixture is missing at '$Support': ./build.sh test publishes tests/support there."
    }

    # One scenario, run in a fresh pwsh: $Order says whether the other SQLite or MlDb comes first.
    $Scenario = {
        function Use-OtherSqlite {
            $connection = [Microsoft.Data.Sqlite.SqliteConnection]::new('Data Source=:memory:')
            $connection.Open()
            try {
                $command = $connection.CreateCommand()
                $command.CommandText = "SELECT 'other ' || sqlite_version()"
                $command.ExecuteScalar()
            }
            finally {
                $connection.Dispose()
            }
        }
        function Use-MlDb {
            Connect-MlDatabase -Provider Sqlite -ConnectionString "Data Source=$DatabasePath" -Name iso
            try {
                $null = Invoke-MlQuery -Connection iso -Query 'CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT NOT NULL)'
                $null = Invoke-MlQuery -Connection iso -Query 'INSERT INTO people (name) VALUES (@name)' -Parameters @{ name = 'Ada' }
                Invoke-MlQuery -Connection iso -Query 'SELECT id, name FROM people'
            }
            finally {
                Disconnect-MlDatabase -Name iso
            }
        }

        $before = $after = $rows = $null
        if ($Order -eq 'OtherFirst') {
            Add-Type -Path $OtherSqlite
            $before = Use-OtherSqlite
            Import-Module $Manifest
            $rows = @(Use-MlDb)
            $after = Use-OtherSqlite
        }
        else {
            Import-Module $Manifest
            $rows = @(Use-MlDb)
            Add-Type -Path $OtherSqlite
            $after = Use-OtherSqlite
        }

        $assemblies = foreach ($assembly in [AppDomain]::CurrentDomain.GetAssemblies()) {
            $name = $assembly.GetName()
            if ($name.Name -match '^(MlDb\.|Microsoft\.Data\.Sqlite$|SQLitePCLRaw\.)') {
                [pscustomobject]@{
                    Name     = $name.Name
                    Version  = $name.Version.ToString()
                    Context  = [Runtime.Loader.AssemblyLoadContext]::GetLoadContext($assembly).Name
                    Location = $assembly.Location
                }
            }
        }
        $natives = if ($IsLinux) {
            @(Get-Content -LiteralPath "/proc/$PID/maps" | ForEach-Object { ($_ -split '\s+', 6)[5] } | Where-Object { $_ -match 'e_sqlite3\.so' } | Sort-Object -Unique)
        }
        [pscustomobject]@{ Before = $before; After = $after; Rows = $rows; Assemblies = @($assemblies); Natives = $natives }
    }

    function Get-Loaded($Report, [string] $Name) { @($Report.Assemblies | Where-Object Name -EQ $Name) }
}

Describe 'The isolation fixture' {
    It 'is really another version of the SQLite stack MlDb ships' {
        foreach ($name in 'Microsoft.Data.Sqlite', 'SQLitePCLRaw.core') {
            $other = [Reflection.AssemblyName]::GetAssemblyName((Join-Path $Support "$name.dll")).Version
            $ours = [Reflection.AssemblyName]::GetAssemblyName((Join-Path $Deps "$name.dll")).Version
            $other | Should -Not -Be $ours -Because "$name must differ for this test to mean anything"
        }
    }
}

Describe 'MlDb imported after another version of its SQLite driver was loaded' {
    BeforeAll {
        $run = Invoke-MlTestPwsh -Script $Scenario -Parameters @{
            Order = 'OtherFirst'; Manifest = $Manifest; OtherSqlite = $OtherSqlite; DatabasePath = (Join-Path $TestDrive 'other-first.db')
        }
        $report = $run.Result
    }

    It 'runs a real SQLite query through Invoke-MlQuery' {
        $run.ExitCode | Should -Be 0 -Because $run.Errors
        $report.Rows.Count | Should -Be 1
        $report.Rows[0].name | Should -Be 'Ada'
        $report.Rows[0].id | Should -Be 1
    }

    It 'leaves the session''s own SQLite working before and after' {
        $report.Before | Should -BeLike 'other 3.*'
        $report.After | Should -BeLike 'other 3.*'
    }

    It 'holds MlDb.Data, MlDb.Language and MlDb''s driver in the private MlDb load context' {
        foreach ($name in 'MlDb.Data', 'MlDb.Language') {
            $loaded = Get-Loaded $report $name
            $loaded.Count | Should -Be 1
            $loaded[0].Context | Should -Be 'MlDb'
            $loaded[0].Location | Should -BeLike "$Deps*"
        }
        foreach ($name in 'Microsoft.Data.Sqlite', 'SQLitePCLRaw.core', 'SQLitePCLRaw.provider.e_sqlite3') {
            $ours = @(Get-Loaded $report $name | Where-Object Context -EQ 'MlDb')
            $ours.Count | Should -Be 1 -Because "MlDb's own $name loads privately"
            $ours[0].Location | Should -BeLike "$Deps*"
        }
    }

    It 'leaves the other version alone in the default load context' {
        foreach ($name in 'Microsoft.Data.Sqlite', 'SQLitePCLRaw.core') {
            $other = @(Get-Loaded $report $name | Where-Object Context -EQ 'Default')
            $other.Count | Should -Be 1
            $other[0].Location | Should -BeLike "$Support*"
            $other[0].Version | Should -Not -Be (Get-Loaded $report $name | Where-Object Context -EQ 'MlDb')[0].Version
        }
    }

    It 'loads each native SQLite library from its own package' -Skip:(-not $IsLinux) {
        @($report.Natives | Where-Object { $_ -like "$Deps*" }).Count | Should -Be 1
        @($report.Natives | Where-Object { $_ -like "$Support*" }).Count | Should -Be 1
    }
}

Describe 'Another version of the SQLite driver loaded after MlDb was used' {
    BeforeAll {
        $run = Invoke-MlTestPwsh -Script $Scenario -Parameters @{
            Order = 'MlDbFirst'; Manifest = $Manifest; OtherSqlite = $OtherSqlite; DatabasePath = (Join-Path $TestDrive 'mldb-first.db')
        }
        $report = $run.Result
    }

    It 'loads and works beside MlDb' {
        $run.ExitCode | Should -Be 0 -Because $run.Errors
        $report.Rows[0].name | Should -Be 'Ada'
        $report.After | Should -BeLike 'other 3.*'
        (Get-Loaded $report 'Microsoft.Data.Sqlite').Count | Should -Be 2
    }
}

Describe 'The same module without its private load context (control)' {
    # The same files laid out flat, as a naive module would ship them: with no deps/ folder the
    # loader stands aside and the default context must load MlDb's driver. This shows that the
    # scenario above really does collide without the private context.
    BeforeAll {
        $flat = Join-Path $TestDrive 'flat/MlDb'
        $null = New-Item -ItemType Directory -Path $flat
        Copy-Item -Path (Join-Path $Deps '*') -Destination $flat -Recurse
        Get-ChildItem -LiteralPath (Split-Path $Manifest -Parent) -File | Copy-Item -Destination $flat
        $run = Invoke-MlTestPwsh -Script $Scenario -Parameters @{
            Order = 'OtherFirst'; Manifest = (Join-Path $flat 'MlDb.psd1'); OtherSqlite = $OtherSqlite; DatabasePath = (Join-Path $TestDrive 'flat.db')
        }
    }

    It 'fails to use SQLite: the versions collide in the default load context' {
        $run.ExitCode | Should -Not -Be 0
        $run.Errors | Should -Match 'Could not load|manifest definition|Microsoft\.Data\.Sqlite'
    }
}
