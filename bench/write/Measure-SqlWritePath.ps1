#Requires -Version 7.4
<#
.SYNOPSIS
    The SQL write-path benchmark (issues 10 and 14): Add-MlRecord per record and in batches against
    what a user would write instead, hand-written PowerShell + ADO.NET, on SQLite and PostgreSQL.

.DESCRIPTION
    One run, one process, one machine. For each provider it times, over the same pre-built
    hashtables piped into the command:

      insert  baseline    a PowerShell script block: the same validation as the ML function, a
                          prepared INSERT … RETURNING id, all records in one transaction (the
                          driver MlDb itself loaded: Microsoft.Data.Sqlite / Npgsql)
              per record  Add-MlRecord -Table users -Script write.ml -Function check
              batch       Add-MlRecord -Table users -Script write.ml -BatchFunction checkBatch -BatchSize 1000
      upsert  (the table holds half of the records' keys already)
              baseline    the same, with a prepared INSERT … ON CONFLICT (email) DO UPDATE … RETURNING id
              per record  … -Function check -OnConflict Update -Key email
              batch       … -BatchFunction checkBatch -BatchSize 1000 -OnConflict Update -Key email

    Cases run round by round, each case once per round, so load changes on a shared machine fall
    on all of them alike; every case starts from the same table contents. The table is checked after
    every run (row count, and the domain column the validation adds). Printed: the median of each
    case and the ratios to the baseline (median over rounds of the per-round ratio, and the ratio of
    the medians). Goals: per record <= 1.5x the baseline, batch <= 1.0x.

.PARAMETER Records
    Records per case (default 100 000).

.PARAMETER Providers
    Sqlite, Postgres or both (default both; Postgres is skipped with a warning when no server is given).

.PARAMETER Rounds
    Measured rounds (default 3), after one warm-up round at a tenth of the records.

.PARAMETER PostgresConnectionString
    An Npgsql connection string; default $env:MLDB_TEST_POSTGRES, else the MLDB_TEST_POSTGRES line of
    -ServicesEnv. The run works in a schema of its own and drops it.

.PARAMETER ServicesEnv
    A services.env written by tests/services/services.sh start.

.PARAMETER Module
    The MlDb.psd1 to measure (default out/MlDb/MlDb.psd1 of this repository).

.PARAMETER OutFile
    Also write the report (Markdown) to this file.

.PARAMETER PassThru
    Return the result rows as objects (for a wrapper script) instead of only printing them.

.EXAMPLE
    ./build.sh build
    dotnet pwsh bench/write/Measure-SqlWritePath.ps1 -Records 100000 -ServicesEnv /tmp/svc/services.env -OutFile /tmp/write.md
#>
[CmdletBinding()]
param(
    [ValidateRange(100, 10000000)] [int] $Records = 100000,
    [ValidateSet('Sqlite', 'Postgres')] [string[]] $Providers = @('Sqlite', 'Postgres'),
    [ValidateRange(1, 50)] [int] $Rounds = 3,
    [string] $PostgresConnectionString,
    [string] $ServicesEnv,
    [string] $Module = (Join-Path $PSScriptRoot '../../out/MlDb/MlDb.psd1'),
    [string] $OutFile,
    [switch] $PassThru
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

Import-Module $Module -Force
$ml = Join-Path $PSScriptRoot 'write.ml'
$started = Get-Date

if (-not $PostgresConnectionString) { $PostgresConnectionString = $env:MLDB_TEST_POSTGRES }
if (-not $PostgresConnectionString -and $ServicesEnv) {
    foreach ($line in Get-Content -LiteralPath $ServicesEnv) {
        if ($line -match "^\s*MLDB_TEST_POSTGRES=['""]?([^'""]*)['""]?\s*$") { $PostgresConnectionString = $Matches[1] }
    }
}
if ('Postgres' -in $Providers -and -not $PostgresConnectionString) {
    Write-Warning 'Postgres skipped: no -PostgresConnectionString, MLDB_TEST_POSTGRES or -ServicesEnv.'
    $Providers = @($Providers | Where-Object { $_ -ne 'Postgres' })
}

# ---- data: the same hashtables for every case ------------------------------------------------------

function New-Feed([int] $Count) {
    # What an ops script pipes: one hashtable per record, every e-mail valid (nothing is rejected).
    $feed = [System.Collections.Generic.List[hashtable]]::new($Count)
    for ($i = 1; $i -le $Count; $i++) {
        $feed.Add(@{ name = "user $i"; email = "user$i@example$($i % 97).org"; age = 18 + $i % 60 })
    }
    , $feed.ToArray()
}

# ---- the driver MlDb loaded (its private load context), for the hand-written baseline ---------------

function Get-DriverType([string] $Assembly, [string] $Type) {
    $context = [System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -EQ 'MlDb'
    $asm = $context.Assemblies | Where-Object { $_.GetName().Name -eq $Assembly } | Select-Object -First 1
    if (-not $asm) { throw "$Assembly is not loaded in MlDb's load context (connect first)." }
    $asm.GetType($Type, $true)
}

# ---- providers ---------------------------------------------------------------------------------------

$folder = Join-Path ([IO.Path]::GetTempPath()) ("mldb-write-bench-" + [guid]::NewGuid().ToString('n').Substring(0, 8))
$null = New-Item -ItemType Directory -Path $folder
$schema = 'mldb_wb_' + [guid]::NewGuid().ToString('n').Substring(0, 8)

$setup = @{
    Sqlite   = @{
        Table       = 'CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL UNIQUE, age INTEGER, domain TEXT)'
        # half of the keys: the odd-numbered users, with other values (so an update changes them)
        Prefill     = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 2 FROM n WHERE i + 2 <= @count) INSERT INTO users (name, email, age) SELECT 'old ' || i, 'user' || i || '@example' || (i % 97) || '.org', 0 FROM n"
        Placeholder = '@'
    }
    Postgres = @{
        Table       = 'CREATE TABLE users (id bigserial PRIMARY KEY, name text NOT NULL, email text NOT NULL UNIQUE, age integer, domain text)'
        Prefill     = "INSERT INTO users (name, email, age) SELECT 'old ' || i, 'user' || i || '@example' || (i % 97) || '.org', 0 FROM generate_series(1, @count, 2) AS g(i)"
        Placeholder = '@'
    }
}

function Connect-Provider([string] $Provider, [int] $Round) {
    # A fresh database (SQLite: a new file; PostgreSQL: the table dropped and made again) per case run.
    Disconnect-MlDatabase -All
    if ($Provider -eq 'Sqlite') {
        $path = Join-Path $folder "bench-$Round.db"
        foreach ($f in $path, "$path-journal", "$path-wal") { Remove-Item -LiteralPath $f -Force -ErrorAction SilentlyContinue }
        Connect-MlDatabase -Provider Sqlite -ConnectionString "Data Source=$path"
        return "Data Source=$path"
    }
    $cs = "$PostgresConnectionString;Search Path=$schema"
    Connect-MlDatabase -Provider Postgres -ConnectionString $cs
    $null = Invoke-MlQuery -Query 'DROP TABLE IF EXISTS users'
    $cs
}

function Initialize-Table([string] $Provider, [bool] $Upsert, [int] $Count) {
    $null = Invoke-MlQuery -Query $setup[$Provider].Table
    if ($Upsert) { $null = Invoke-MlQuery -Query $setup[$Provider].Prefill -Parameters @{ count = $Count } }
}

# ---- the hand-written baseline ------------------------------------------------------------------------

function Invoke-Baseline([string] $Provider, [string] $ConnectionString, [object[]] $Feed, [bool] $Upsert) {
    if ($Provider -eq 'Sqlite') {
        $connectionType = Get-DriverType 'Microsoft.Data.Sqlite' 'Microsoft.Data.Sqlite.SqliteConnection'
    }
    else {
        $connectionType = Get-DriverType 'Npgsql' 'Npgsql.NpgsqlConnection'
    }
    $sql = 'INSERT INTO users (name, email, age, domain) VALUES (@name, @email, @age, @domain)'
    if ($Upsert) { $sql += ' ON CONFLICT (email) DO UPDATE SET name = excluded.name, age = excluded.age, domain = excluded.domain' }
    $sql += ' RETURNING id'
    # What a user writes instead of Add-MlRecord: open, one transaction, one prepared command, the
    # rule in PowerShell, parameters set per record, the key written out; commit at the end.
    $Feed | & {
        begin {
            $connection = [Activator]::CreateInstance($connectionType, [object[]] @($ConnectionString))
            $connection.Open()
            $transaction = $connection.BeginTransaction()
            $command = $connection.CreateCommand()
            $command.Transaction = $transaction
            $command.CommandText = $sql
            $parameters = @{}
            foreach ($name in 'name', 'email', 'age', 'domain') {
                $p = $command.CreateParameter()
                $p.ParameterName = $name
                $p.DbType = if ($name -eq 'age') { [System.Data.DbType]::Int32 } else { [System.Data.DbType]::String }
                $null = $command.Parameters.Add($p)
                $parameters[$name] = $p
            }
            $command.Prepare()
        }
        process {
            $email = [string] $_.email
            if (-not $email -or $email.IndexOf('@') -lt 1) { Write-Error "invalid email: record skipped"; return }
            $parameters.name.Value = $_.name
            $parameters.email.Value = $email
            $parameters.age.Value = $_.age
            $parameters.domain.Value = $email.Split('@')[1]
            $command.ExecuteScalar()
        }
        end {
            $transaction.Commit()
            $command.Dispose()
            $connection.Dispose()
        }
    }
}

# ---- the cases ----------------------------------------------------------------------------------------

$cases = @(
    @{ Name = 'insert'; Upsert = $false; Form = 'baseline' }
    @{ Name = 'insert'; Upsert = $false; Form = 'per record' }
    @{ Name = 'insert'; Upsert = $false; Form = 'batch' }
    @{ Name = 'upsert'; Upsert = $true; Form = 'baseline' }
    @{ Name = 'upsert'; Upsert = $true; Form = 'per record' }
    @{ Name = 'upsert'; Upsert = $true; Form = 'batch' }
)

function Invoke-Case([string] $Provider, [hashtable] $Case, [object[]] $Feed, [int] $Round) {
    $cs = Connect-Provider $Provider $Round
    Initialize-Table $Provider $Case.Upsert $Feed.Count
    $conflict = if ($Case.Upsert) { @{ OnConflict = 'Update'; Key = 'email' } } else { @{} }
    [GC]::Collect()
    $process = [Diagnostics.Process]::GetCurrentProcess()
    $cpu = $process.TotalProcessorTime
    $clock = [Diagnostics.Stopwatch]::StartNew()
    switch ($Case.Form) {
        'baseline' { $null = Invoke-Baseline $Provider $cs $Feed $Case.Upsert }
        'per record' { $null = $Feed | Add-MlRecord -Table users -Script $ml -Function check @conflict }
        'batch' { $null = $Feed | Add-MlRecord -Table users -Script $ml -BatchFunction checkBatch -BatchSize 1000 @conflict }
    }
    $clock.Stop()
    $process.Refresh()
    $cpu = ($process.TotalProcessorTime - $cpu).TotalSeconds
    # Every case must have written the same table.
    $check = Invoke-MlQuery -Query "SELECT count(*) AS n, count(domain) AS d, sum(CASE WHEN name LIKE 'old %' THEN 1 ELSE 0 END) AS old FROM users"
    if ($check.n -ne $Feed.Count -or $check.d -ne $Feed.Count -or $check.old -ne 0) {
        throw "$Provider $($Case.Name) $($Case.Form): the table holds $($check.n) rows, $($check.d) with a domain, $($check.old) not updated; expected $($Feed.Count), $($Feed.Count), 0."
    }
    Disconnect-MlDatabase -All
    [pscustomobject]@{ Wall = $clock.Elapsed.TotalSeconds; Cpu = $cpu }
}

# What one commit costs on this machine (SQLite: the journal and file fsyncs; PostgreSQL: the
# round trip and the WAL flush): 50 one-row transactions, median. Per record and batch commit once
# per 1000 records, the baseline once in all: this explains much of the difference on a slow disk.
function Measure-Commit([string] $Provider) {
    $null = Connect-Provider $Provider 0
    $null = Invoke-MlQuery -Query 'CREATE TABLE probe (n integer)'
    $times = foreach ($i in 1..50) {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $null = Invoke-MlTransaction -Operations @(@{ type = 'insert'; table = 'probe'; values = @{ n = $i } })
        $clock.Elapsed.TotalMilliseconds
    }
    Disconnect-MlDatabase -All
    Get-Median @($times)
}

function Get-Median([double[]] $Values) {
    $sorted = @($Values | Sort-Object)
    $sorted[[int][Math]::Floor(($sorted.Count - 1) / 2)]
}

$feed = New-Feed $Records
$warm = New-Feed ([Math]::Max(100, [int]($Records / 10)))
$results = [System.Collections.Generic.List[object]]::new()
$commitMs = @{}
$load = { if (Test-Path /proc/loadavg) { (Get-Content /proc/loadavg).Split(' ')[0..2] -join ' ' } else { 'n/a' } }
$loadStart = & $load

try {
    foreach ($provider in $Providers) {
        if ($provider -eq 'Postgres') {
            Connect-MlDatabase -Provider Postgres -ConnectionString $PostgresConnectionString -Name bench_setup
            $null = Invoke-MlQuery -Connection bench_setup -Query "CREATE SCHEMA $schema"
            Disconnect-MlDatabase -Name bench_setup
        }
        $commitMs[$provider] = Measure-Commit $provider
        $times = @{}
        foreach ($case in $cases) { $times["$($case.Name)/$($case.Form)"] = [System.Collections.Generic.List[object]]::new() }
        Write-Host "$provider warm-up ($($warm.Count) records per case)"
        foreach ($case in $cases) { $null = Invoke-Case $provider $case $warm 0 }
        for ($round = 1; $round -le $Rounds; $round++) {
            foreach ($case in $cases) {
                $time = Invoke-Case $provider $case $feed $round
                $times["$($case.Name)/$($case.Form)"].Add($time)
                Write-Host ("{0} round {1}: {2} {3,-10} {4,8:0.000} s  (process CPU {5:0.000} s)" -f $provider, $round, $case.Name, $case.Form, $time.Wall, $time.Cpu)
            }
        }
        foreach ($kind in 'insert', 'upsert') {
            $base = $times["$kind/baseline"]
            foreach ($form in 'baseline', 'per record', 'batch') {
                $t = $times["$kind/$form"]
                $goal = switch ($form) { 'baseline' { $null } 'per record' { 1.5 } 'batch' { 1.0 } }
                $ratio = Get-Median @(for ($i = 0; $i -lt $t.Count; $i++) { $t[$i].Wall / $base[$i].Wall })
                $cpuRatio = Get-Median @(for ($i = 0; $i -lt $t.Count; $i++) { $t[$i].Cpu / $base[$i].Cpu })
                $median = Get-Median @($t.Wall)
                $results.Add([pscustomobject]@{
                        Provider          = $provider
                        Case              = $kind
                        Form              = $form
                        Records           = $Records
                        MedianSeconds     = [Math]::Round($median, 3)
                        MedianCpuSeconds  = [Math]::Round((Get-Median @($t.Cpu)), 3)
                        Runs              = ($t.Wall | ForEach-Object { $_.ToString('0.000', [Globalization.CultureInfo]::InvariantCulture) }) -join ' / '
                        Ratio             = if ($goal) { [Math]::Round($ratio, 2) } else { $null }
                        RatioOfMedians    = if ($goal) { [Math]::Round($median / (Get-Median @($base.Wall)), 2) } else { $null }
                        CpuRatio          = if ($goal) { [Math]::Round($cpuRatio, 2) } else { $null }
                        Goal              = if ($goal) { "<= $goal" } else { '' }
                        Met               = if ($goal) { $ratio -le $goal } else { $null }
                    })
            }
        }
    }
}
finally {
    Disconnect-MlDatabase -All -ErrorAction SilentlyContinue
    if ('Postgres' -in $Providers) {
        Connect-MlDatabase -Provider Postgres -ConnectionString $PostgresConnectionString -Name bench_setup
        $null = Invoke-MlQuery -Connection bench_setup -Query "DROP SCHEMA IF EXISTS $schema CASCADE"
        Disconnect-MlDatabase -Name bench_setup
    }
    Remove-Item -LiteralPath $folder -Recurse -Force -ErrorAction SilentlyContinue
}

# ---- report --------------------------------------------------------------------------------------------

$header = @(
    "Write path, $(Get-Date -AsUTC -Format 'yyyy-MM-dd HH:mm') UTC: $Records records per case, median of $Rounds round(s) after a warm-up; took $([Math]::Round(((Get-Date) - $started).TotalMinutes, 1)) min."
    "Machine: $([Environment]::ProcessorCount) logical CPUs, $([Runtime.InteropServices.RuntimeInformation]::OSDescription), .NET $([Environment]::Version), PowerShell $($PSVersionTable.PSVersion); load average at start $loadStart, at end $(& $load)."
    'Ratio = median over rounds of (case time / baseline time in the same round), wall clock; goal: per record <= 1.5x, batch <= 1.0x (met is judged on the wall clock).'
    "CPU ratio: the same with this process's CPU time (client side only: PostgreSQL's own work is not in it), steadier than the wall clock on a busy machine."
    ($commitMs.Keys | Sort-Object | ForEach-Object { "One commit of a one-row transaction costs $($commitMs[$_].ToString('0.0', [Globalization.CultureInfo]::InvariantCulture)) ms on $_ here; per record and batch commit $([Math]::Ceiling($Records / 1000)) times, the baseline once." }) -join ' '
)
$lines = [System.Collections.Generic.List[string]]::new()
$header | ForEach-Object { $lines.Add($_) }
$lines.Add('')
$lines.Add('| provider | case | form | records | median s | runs s | CPU s | ratio | ratio of medians | CPU ratio | goal | met |')
$lines.Add('|---|---|---|---:|---:|---|---:|---:|---:|---:|---|---|')
$invariant = [Globalization.CultureInfo]::InvariantCulture
$x = { param($v) if ($null -ne $v) { $v.ToString('0.00', $invariant) + 'x' } }
foreach ($r in $results) {
    $lines.Add("| $($r.Provider) | $($r.Case) | $($r.Form) | $($r.Records.ToString('N0', $invariant)) | $($r.MedianSeconds.ToString('0.000', $invariant)) | $($r.Runs) | $($r.MedianCpuSeconds.ToString('0.000', $invariant)) | $(& $x $r.Ratio) | $(& $x $r.RatioOfMedians) | $(& $x $r.CpuRatio) | $($r.Goal) | $(if ($null -ne $r.Met) { if ($r.Met) { 'yes' } else { 'NO' } }) |")
}
$lines | ForEach-Object { Write-Host $_ }
if ($OutFile) { $lines | Set-Content -LiteralPath $OutFile }
if ($PassThru) { $results }
