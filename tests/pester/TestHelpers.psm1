#Requires -Version 7.4
<#
    Shared helpers for every tests/pester/*.Tests.ps1 file:

        BeforeAll {
            Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
            Import-MlTestModule
        }

    ./build.sh test runs each file in a fresh pwsh and sets:
      MLDB_MODULE_MANIFEST  out/MlDb/MlDb.psd1 (the built module under test)
      MLDB_REPO_ROOT        the repository
      MLDB_SHARED           ../shared (spec and seed), when it exists
      MLDB_TEST_SUPPORT     out/test-support (Pester, the isolation fixture)
      MLDB_PACKAGE          out/MlDb.<version>.nupkg
      MLDB_SERVICES_ENV     <state>/services.env written by tests/services/services.sh, and every
                            KEY=value of that file (MLDB_TEST_POSTGRES, MLDB_TEST_REDIS,
                            MLDB_TEST_REDIS_CLUSTER, MLDB_TEST_MONGO)
    Run by hand (Invoke-Pester after ./build.sh build) the same defaults are derived from the
    repository layout, and services are read from MLDB_SERVICES_ENV when only that is set.
#>

Set-StrictMode -Version Latest

$script:RepoRoot = if ($env:MLDB_REPO_ROOT) { $env:MLDB_REPO_ROOT } else { (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path }

# Service name -> the variable that enables it, and what it is, for skip messages.
$script:Services = [ordered]@{
    Postgres     = @{ Variable = 'MLDB_TEST_POSTGRES'; Server = 'PostgreSQL server' }
    Redis        = @{ Variable = 'MLDB_TEST_REDIS'; Server = 'Redis server' }
    RedisCluster = @{ Variable = 'MLDB_TEST_REDIS_CLUSTER'; Server = 'Redis cluster' }
    Mongo        = @{ Variable = 'MLDB_TEST_MONGO'; Server = 'MongoDB server' }
}

function Get-MlTestRepositoryRoot {
    <# .SYNOPSIS The repository root. #>
    [OutputType([string])]
    param()
    $script:RepoRoot
}

function Get-MlTestSharedPath {
    <# .SYNOPSIS The shared/ folder (spec, seed scripts) beside the repository; throws when it is absent. #>
    [OutputType([string])]
    param()
    $path = if ($env:MLDB_SHARED) { $env:MLDB_SHARED } else { Join-Path (Split-Path $script:RepoRoot -Parent) 'shared' }
    if (-not (Test-Path -LiteralPath $path)) { throw "The shared folder was not found at '$path' (set MLDB_SHARED)." }
    (Resolve-Path -LiteralPath $path).Path
}

function Get-MlTestModuleManifest {
    <# .SYNOPSIS The MlDb.psd1 of the built module under test (out/MlDb). #>
    [OutputType([string])]
    param()
    $path = if ($env:MLDB_MODULE_MANIFEST) { $env:MLDB_MODULE_MANIFEST } else { Join-Path $script:RepoRoot 'out/MlDb/MlDb.psd1' }
    if (-not (Test-Path -LiteralPath $path)) {
        throw "The built module was not found at '$path': run ./build.sh build first."
    }
    (Resolve-Path -LiteralPath $path).Path
}

function Import-MlTestModule {
    <#
    .SYNOPSIS Imports the built MlDb module (never an installed copy) into the global scope.
    .PARAMETER PassThru Returns the PSModuleInfo.
    #>
    [OutputType([Management.Automation.PSModuleInfo])]
    param([switch] $PassThru)
    $manifest = Get-MlTestModuleManifest
    $loaded = Get-Module MlDb
    if ($loaded -and $loaded.ModuleBase -ne (Split-Path $manifest -Parent)) {
        throw "Another MlDb is already loaded from '$($loaded.ModuleBase)'; a binary module cannot be unloaded. Run this file in a fresh pwsh."
    }
    Import-Module $manifest -Global -PassThru:$PassThru -ErrorAction Stop
}

function Read-MlTestServicesFile {
    # KEY=value lines of the file named by MLDB_SERVICES_ENV, as a hashtable.
    $values = @{}
    if ($env:MLDB_SERVICES_ENV -and (Test-Path -LiteralPath $env:MLDB_SERVICES_ENV)) {
        foreach ($line in Get-Content -LiteralPath $env:MLDB_SERVICES_ENV) {
            if ($line -match '^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$') {
                $value = $Matches[2].Trim()
                if ($value.Length -ge 2 -and $value[0] -eq $value[-1] -and $value[0] -in '"', "'") { $value = $value.Substring(1, $value.Length - 2) }
                $values[$Matches[1]] = $value
            }
        }
    }
    $values
}

function Get-MlTestServiceVariable([string] $Variable) {
    # A variable of services.env: from the environment, else from the file MLDB_SERVICES_ENV names.
    $value = [Environment]::GetEnvironmentVariable($Variable)
    if ([string]::IsNullOrWhiteSpace($value)) { $value = (Read-MlTestServicesFile)[$Variable] }
    if ([string]::IsNullOrWhiteSpace($value)) { return $null }
    $value
}

function Get-MlTestService {
    <#
    .SYNOPSIS The connection string of a test server, or $null when that server is not available.
    .PARAMETER Name Postgres, Redis, RedisCluster or Mongo.
    #>
    [OutputType([string])]
    param([Parameter(Mandatory)] [ValidateSet('Postgres', 'Redis', 'RedisCluster', 'Mongo')] [string] $Name)
    Get-MlTestServiceVariable $script:Services[$Name].Variable
}

function Test-MlTestService {
    <#
    .SYNOPSIS True when the named test server is available. With -Loud a missing server is announced.
    .EXAMPLE Describe 'Postgres' -Skip:(-not (Test-MlTestService Postgres -Loud)) { ... }   # in BeforeDiscovery scope
    #>
    [OutputType([bool])]
    param(
        [Parameter(Mandatory)] [ValidateSet('Postgres', 'Redis', 'RedisCluster', 'Mongo')] [string] $Name,
        [switch] $Loud
    )
    $available = $null -ne (Get-MlTestService -Name $Name)
    if (-not $available -and $Loud) { Write-MlSkipNotice -Name $Name }
    $available
}

function Get-MlTestSkipReason {
    <# .SYNOPSIS The sentence that explains why tests of a missing server are skipped. #>
    [OutputType([string])]
    param([Parameter(Mandatory)] [ValidateSet('Postgres', 'Redis', 'RedisCluster', 'Mongo')] [string] $Name)
    $service = $script:Services[$Name]
    "no $($service.Server): $($service.Variable) is not set. ./build.sh test sets it by starting tests/services/services.sh; by hand: tests/services/services.sh start <dir>, then export the lines of <dir>/services.env"
}

function Write-MlSkipNotice([string] $Name) {
    # Loud on purpose (the warning stream shows on the console): a skip is never silent.
    Write-Warning ("SKIPPED ($Name): " + (Get-MlTestSkipReason -Name $Name))
}

function Skip-IfNoService {
    <#
    .SYNOPSIS Inside an It block: marks the test skipped, loudly, when the named server is not available.
    .DESCRIPTION
        Returns $true when the test was skipped, so the test can stop:
            It 'reads from PostgreSQL' {
                if (Skip-IfNoService Postgres) { return }
                ...
            }
        The skip names the server and the variable that enables it.
    #>
    [OutputType([bool])]
    param([Parameter(Mandatory, Position = 0)] [ValidateSet('Postgres', 'Redis', 'RedisCluster', 'Mongo')] [string] $Name)
    if (Test-MlTestService -Name $Name) { return $false }
    Write-MlSkipNotice -Name $Name
    Set-ItResult -Skipped -Because (Get-MlTestSkipReason -Name $Name)
    $true
}

function New-MlTestName {
    <# .SYNOPSIS A short unique lower-case name with a prefix, for databases, tables, keys and connections. #>
    [OutputType([string])]
    param([string] $Prefix = 'mldb_test')
    '{0}_{1}' -f $Prefix, [guid]::NewGuid().ToString('n').Substring(0, 12)
}

function New-MlTestDatabase {
    <#
    .SYNOPSIS Creates an empty database for one test and returns where it is.
    .DESCRIPTION
        Sqlite (default): a new file under TestDrive (or the temp folder outside Pester); -Sql
        statements run on it first through the module (it must be imported).
        Postgres: a new database on the test server (CREATE DATABASE), -Sql run in it.
        Mongo: a unique database name on the test server (MongoDB creates it on first write).
        Redis: a unique key prefix on the test server.
        The result has Provider, ConnectionString, Database, Path and KeyPrefix (those that apply).
        For Postgres and Mongo the test must check Test-MlTestService (or Skip-IfNoService) first.
    .EXAMPLE
        $db = New-MlTestDatabase -Sql 'CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)'
        Connect-MlDatabase -Provider Sqlite -ConnectionString $db.ConnectionString
    #>
    [OutputType([pscustomobject])]
    param(
        [ValidateSet('Sqlite', 'Postgres', 'Mongo', 'Redis')] [string] $Provider = 'Sqlite',
        [string[]] $Sql = @()
    )
    switch ($Provider) {
        'Sqlite' {
            $testDrive = Get-PSDrive -Name TestDrive -PSProvider FileSystem -ErrorAction SilentlyContinue
            $folder = if ($testDrive) { $testDrive.Root } else { [IO.Path]::GetTempPath() }
            $path = Join-Path $folder ((New-MlTestName -Prefix 'mldb') + '.db')
            $database = [pscustomobject]@{ Provider = 'Sqlite'; ConnectionString = "Data Source=$path"; Database = $null; Path = $path; KeyPrefix = $null }
            # Creating the file through SQLite itself, so it is a real (empty) database.
            Invoke-MlTestSql -Database $database -Sql (@('PRAGMA user_version = 0') + $Sql)
            $database
        }
        'Postgres' {
            $server = Get-MlTestService -Name Postgres
            if (-not $server) { throw (Get-MlTestSkipReason -Name Postgres) }
            $name = New-MlTestName
            $builder = [Data.Common.DbConnectionStringBuilder]::new()
            # set_ConnectionString: on an IDictionary, "$builder.ConnectionString = ..." would add a key named ConnectionString.
            $builder.set_ConnectionString($server)
            # Created by the superuser (the test role may not create databases), owned by the test role.
            $owner = foreach ($key in 'Username', 'User ID', 'User', 'UserID') { if ($builder.ContainsKey($key)) { $builder[$key]; break } }
            $create = if ($owner) { "CREATE DATABASE $name OWNER ""$($owner -replace '"', '""')""" } else { "CREATE DATABASE $name" }
            Invoke-MlTestSql -Database (Get-MlTestPostgresAdmin) -Sql $create
            $builder['Database'] = $name
            $database = [pscustomobject]@{ Provider = 'Postgres'; ConnectionString = $builder.ConnectionString; Database = $name; Path = $null; KeyPrefix = $null }
            if ($Sql) { Invoke-MlTestSql -Database $database -Sql $Sql }
            $database
        }
        'Mongo' {
            $server = Get-MlTestService -Name Mongo
            if (-not $server) { throw (Get-MlTestSkipReason -Name Mongo) }
            [pscustomobject]@{ Provider = 'Mongo'; ConnectionString = $server; Database = (New-MlTestName); Path = $null; KeyPrefix = $null }
        }
        'Redis' {
            $server = Get-MlTestService -Name Redis
            if (-not $server) { throw (Get-MlTestSkipReason -Name Redis) }
            [pscustomobject]@{ Provider = 'Redis'; ConnectionString = $server; Database = $null; Path = $null; KeyPrefix = (New-MlTestName -Prefix 'mldb') + ':' }
        }
    }
}

function Get-MlTestPostgresAdmin {
    # The superuser connection of the test server (services.sh writes MLDB_TEST_POSTGRES_ADMIN);
    # a server given by hand without one is used through MLDB_TEST_POSTGRES itself.
    $admin = Get-MlTestServiceVariable 'MLDB_TEST_POSTGRES_ADMIN'
    if (-not $admin) { $admin = Get-MlTestService -Name Postgres }
    [pscustomobject]@{ Provider = 'Postgres'; ConnectionString = $admin }
}

function Invoke-MlTestSql {
    # Runs statements on a test database through a private connection of the module under test;
    # any error stops the caller (a set-up that half worked is worse than one that failed).
    param([Parameter(Mandatory)] [pscustomobject] $Database, [string[]] $Sql)
    if (-not $Sql) { return }
    $connection = New-MlTestName -Prefix 'mldb_setup'
    Connect-MlDatabase -Provider $Database.Provider -ConnectionString $Database.ConnectionString -Name $connection -ErrorAction Stop
    try {
        foreach ($statement in $Sql) { $null = Invoke-MlQuery -Connection $connection -Query $statement -ErrorAction Stop }
    }
    finally {
        Disconnect-MlDatabase -Name $connection -ErrorAction Stop
    }
}

function Remove-MlTestDatabase {
    <#
    .SYNOPSIS Removes what New-MlTestDatabase created: the SQLite file, or the PostgreSQL database.
    .DESCRIPTION Mongo databases and Redis keys live on throw-away test servers and are left as they are.
    #>
    param([Parameter(Mandatory, ValueFromPipeline)] [pscustomobject] $Database)
    process {
        switch ($Database.Provider) {
            'Sqlite' {
                foreach ($file in $Database.Path, "$($Database.Path)-wal", "$($Database.Path)-shm", "$($Database.Path)-journal") {
                    if (Test-Path -LiteralPath $file) { Remove-Item -LiteralPath $file -Force }
                }
            }
            'Postgres' {
                Invoke-MlTestSql -Database (Get-MlTestPostgresAdmin) -Sql "DROP DATABASE IF EXISTS $($Database.Database) WITH (FORCE)"
            }
        }
    }
}

function Get-MlTestPwshCommandLine {
    <# .SYNOPSIS How to start a fresh pwsh of the version running now (a dotnet tool: dotnet <PSHOME>/pwsh.dll): the program, then its first arguments. #>
    $process = [Environment]::ProcessPath
    $pwshDll = Join-Path $PSHOME 'pwsh.dll'
    if ([IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet' -and (Test-Path -LiteralPath $pwshDll)) {
        return @($process, $pwshDll)
    }
    @($process)
}

function Invoke-MlTestPwsh {
    <#
    .SYNOPSIS Runs a script in a brand-new pwsh process and returns what it produced.
    .DESCRIPTION
        For what a loaded binary module makes impossible in the test's own process: measuring
        an import, loading other assemblies before MlDb, importing another copy of the module.
        -Parameters become variables of the script. The script's output is returned as Result
        (through JSON, so objects come back as PSCustomObject); ExitCode, Output (stdout) and
        Errors (stderr) come with it. A script that throws exits with 1.
    .EXAMPLE
        $run = Invoke-MlTestPwsh -Parameters @{ Manifest = $m } -Script { Import-Module $Manifest; (Get-Module MlDb).Version.ToString() }
        $run.ExitCode | Should -Be 0 -Because $run.Errors
    #>
    [OutputType([pscustomobject])]
    param(
        [Parameter(Mandatory)] [scriptblock] $Script,
        [hashtable] $Parameters = @{},
        [hashtable] $Environment = @{},
        [string] $WorkingDirectory = (Get-Location).ProviderPath,
        [int] $TimeoutSeconds = 300
    )
    $work = Join-Path ([IO.Path]::GetTempPath()) (New-MlTestName -Prefix 'mldb-pwsh')
    $null = New-Item -ItemType Directory -Path $work
    try {
        $parametersFile = Join-Path $work 'parameters.json'
        $resultFile = Join-Path $work 'result.json'
        $scriptFile = Join-Path $work 'script.ps1'
        $Parameters | ConvertTo-Json -Depth 10 | Set-Content -LiteralPath $parametersFile
        $text = @"
`$ErrorActionPreference = 'Stop'
`$__parameters = Get-Content -LiteralPath '$($parametersFile -replace "'", "''")' -Raw | ConvertFrom-Json -AsHashtable
foreach (`$__name in `$__parameters.Keys) { Set-Variable -Name `$__name -Value `$__parameters[`$__name] }
`$__result = & {
$($Script.ToString())
}
ConvertTo-Json -InputObject @(`$__result) -Depth 10 | Set-Content -LiteralPath '$($resultFile -replace "'", "''")'
"@
        Set-Content -LiteralPath $scriptFile -Value $text

        $commandLine = @(Get-MlTestPwshCommandLine) + @('-NoLogo', '-NoProfile', '-NonInteractive', '-File', $scriptFile)
        $info = [Diagnostics.ProcessStartInfo]::new($commandLine[0])
        foreach ($argument in $commandLine | Select-Object -Skip 1) { $info.ArgumentList.Add($argument) }
        $info.UseShellExecute = $false
        $info.RedirectStandardOutput = $true
        $info.RedirectStandardError = $true
        $info.WorkingDirectory = $WorkingDirectory
        $info.Environment['NO_COLOR'] = '1'
        foreach ($key in $Environment.Keys) { $info.Environment[$key] = [string] $Environment[$key] }
        $process = [Diagnostics.Process]::Start($info)
        try {
            $stdout = $process.StandardOutput.ReadToEndAsync()
            $stderr = $process.StandardError.ReadToEndAsync()
            if (-not $process.WaitForExit($TimeoutSeconds * 1000)) {
                $process.Kill($true)
                throw "The child pwsh ran longer than $TimeoutSeconds s and was stopped."
            }
            $process.WaitForExit()
            # One output object comes back as itself, several as an array, none as $null.
            $result = if (Test-Path -LiteralPath $resultFile) { Get-Content -LiteralPath $resultFile -Raw | ConvertFrom-Json } else { $null }
            [pscustomobject]@{
                ExitCode = $process.ExitCode
                Result   = $result
                Output   = $stdout.Result
                Errors   = $stderr.Result
            }
        }
        finally {
            $process.Dispose()
        }
    }
    finally {
        Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
    }
}

Export-ModuleMember -Function @(
    'Get-MlTestRepositoryRoot'
    'Get-MlTestSharedPath'
    'Get-MlTestModuleManifest'
    'Import-MlTestModule'
    'Get-MlTestService'
    'Test-MlTestService'
    'Get-MlTestSkipReason'
    'Skip-IfNoService'
    'New-MlTestName'
    'New-MlTestDatabase'
    'Remove-MlTestDatabase'
    'Invoke-MlTestPwsh'
    'Get-MlTestPwshCommandLine'
)
