#Requires -Version 7.4
<#
.SYNOPSIS
    A nightly sync of a CSV feed into PostgreSQL, validated by ML: new customers are inserted,
    changed ones updated, bad rows reported by position, in one pipeline.

.DESCRIPTION
    An upstream system drops customers.csv every night: every customer it knows, some new, some
    changed, now and then a broken row. This script loads two such nights:

    1. Connects with -Credential (the password never appears anywhere) and creates the table
       customers (a unique e-mail, NUMERIC credit limit, timestamptz) in a schema of its own.
    2. Night 1: Import-Csv | Add-MlRecord -Function syncCustomer -OnConflict Update -Key email
       -PassThru. syncCustomer (ml/sync.ml) trims, lower-cases and checks each row; rejected rows
       are non-terminating errors that name the row by its position, never by its values. Records
       go in with group commit (one transaction per 1000 records or about 250 ms); each record
       comes out with its row's id and Action (Inserted / Updated) once its group is committed.
    3. Night 2: a feed where some customers changed, some are new and two rows are broken: the
       same command updates and inserts, and the summary counts each.
    4. The batch form for large feeds: -BatchFunction syncBatch -BatchSize 1000 with the same
       -OnConflict/-Key (binary COPY into a temporary table, then one INSERT … ON CONFLICT per
       batch); the summary counts Inserted, Updated and Ignored.
    The schema is dropped at the end unless -Keep is given.

.PARAMETER ConnectionString
    An Npgsql connection string without the password, e.g. 'Host=localhost;Database=crm'.

.PARAMETER Credential
    User and password for the server (Get-Credential); never shown.

.PARAMETER Customers
    How many customers the first night's feed holds (default 500).

.PARAMETER Schema
    The schema to work in (created, and dropped at the end). Default: a new mldb_example_… name.

.PARAMETER Keep
    Keep the schema and its table at the end.

.EXAMPLE
    ./examples/nightly-sync.ps1 -ConnectionString 'Host=localhost;Database=crm' -Credential (Get-Credential crm_loader)
#>
[CmdletBinding()]
param(
    [string] $ConnectionString = 'Host=localhost;Database=postgres',
    [pscredential] $Credential,
    [ValidateRange(10, 1000000)] [int] $Customers = 500,
    [ValidatePattern('^[a-z_][a-z0-9_]*$')]
    [string] $Schema = ('mldb_example_' + [guid]::NewGuid().ToString('n').Substring(0, 8)),
    [switch] $Keep
)

. (Join-Path $PSScriptRoot '_common.ps1')
$ml = Import-MlScript -Path (Join-Path $MlFolder 'sync.ml')
$connect = @{ Provider = 'Postgres'; ConnectionString = $ConnectionString; Name = 'crm' }
if ($Credential) { $connect.Credential = $Credential }

# The feed the upstream system would drop: one CSV file per night.
function Write-Feed([string] $Path, [int] $Count, [int] $Night) {
    $start = [datetime]::new(2026, 1, 1, 0, 0, 0, [DateTimeKind]::Utc).AddDays($Night)
    1..$Count | ForEach-Object {
        $changed = $Night -gt 1 -and $_ % 10 -eq 0           # every 10th customer changed since night 1
        [pscustomobject]@{
            email        = "  Customer$_@Example.org "         # the feed's own spelling: trimmed and lower-cased by ML
            name         = if ($changed) { "Customer $_ (moved)" } else { "Customer $_" }
            country      = if ($changed) { 'de' } else { 'nl' }
            credit_limit = if ($changed) { '2500.00' } else { '1000.50' }
            changed_at   = $start.AddMinutes($_).ToString('o')
        }
    } | Export-Csv -LiteralPath $Path -NoTypeInformation
}

Connect-MlDatabase @connect
$null = Invoke-MlQuery -Connection crm -Query "CREATE SCHEMA IF NOT EXISTS $Schema"
Connect-MlDatabase @connect -ConnectionString "$ConnectionString;Search Path=$Schema"

try {
    # 1. The table: the e-mail identifies a customer.
    $null = Invoke-MlQuery -Connection crm -Query @'
CREATE TABLE customers (
    id           bigserial PRIMARY KEY,
    email        text NOT NULL UNIQUE,
    name         text NOT NULL,
    country      char(2) NOT NULL,
    credit_limit numeric(12,2) NOT NULL CHECK (credit_limit >= 0),
    changed_at   timestamptz NOT NULL,
    synced_at    timestamptz NOT NULL DEFAULT now()
)
'@

    # 2. Night 1: every customer is new.
    $night1 = Join-Path $WorkFolder 'customers-night1.csv'
    Write-Feed $night1 $Customers 1
    $written = Import-Csv -LiteralPath $night1 |
        Add-MlRecord -Connection crm -Table customers -Script $ml -Function syncCustomer -OnConflict Update -Key email -PassThru
    Show 'Night 1' ($written | Group-Object Action -NoElement | Select-Object Name, Count)
    Show 'First two rows written (as the ML left them, with their ids)' ($written | Select-Object -First 2 | Format-Table id, email, name, country, credit_limit, Action -AutoSize)

    # 3. Night 2: the same customers (every 10th changed), 10% new ones, and two broken rows.
    $night2 = Join-Path $WorkFolder 'customers-night2.csv'
    $newCount = [int]($Customers * 1.1)
    Write-Feed $night2 $newCount 2
    $rows = @(Import-Csv -LiteralPath $night2)
    $rows[3].email = 'not an address'
    $rows[7].credit_limit = 'lots'
    $written = $rows |
        Add-MlRecord -Connection crm -Table customers -Script $ml -Function syncCustomer -OnConflict Update -Key email -PassThru -ErrorVariable rejected -ErrorAction SilentlyContinue
    Show 'Night 2' ($written | Group-Object Action -NoElement | Select-Object Name, Count)
    Show 'Rejected rows (position and reason; the rows themselves are in TargetObject)' ($rejected | ForEach-Object { $_.ToString() })
    $check = Invoke-MlQuery -Connection crm -Query "SELECT count(*) AS customers, count(*) FILTER (WHERE country = 'DE') AS moved FROM customers"
    Write-Host "The table now holds $($check.customers) customers, $($check.moved) of them moved."
    # The two broken rows are existing customers: they keep last night's row.
    if ($check.customers -ne $newCount) { throw "Expected $newCount customers, found $($check.customers)." }

    # 4. The batch form for big feeds: one statement per 1000 records, a summary per batch.
    $summary = Import-Csv -LiteralPath $night2 |
        Add-MlRecord -Connection crm -Table customers -Script $ml -BatchFunction syncBatch -BatchSize 1000 -OnConflict Update -Key email
    Show 'Night 2 again, in batches (every customer exists now: all updated)' $summary
}
finally {
    Remove-Item -LiteralPath $WorkFolder -Recurse -Force -ErrorAction SilentlyContinue
    if (-not $Keep) {
        Connect-MlDatabase @connect
        $null = Invoke-MlQuery -Connection crm -Query "DROP SCHEMA IF EXISTS $Schema CASCADE"
    }
    else {
        Write-Host "Kept the schema $Schema."
    }
    Disconnect-MlDatabase -Name crm
}
