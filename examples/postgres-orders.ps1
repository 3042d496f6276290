#Requires -Version 7.4
<#
.SYNOPSIS
    PostgreSQL orders with ML on the way out and on the way in (the seed's PostgreSQL scenario,
    end to end).

.DESCRIPTION
    1. Connect-MlDatabase -Provider Postgres with -Credential: the password never appears in the
       connection string, in Get-MlConnection or in -Verbose output. The connection is pooled
       (Minimum/Maximum Pool Size in the connection string).
    2. Creates the tables orders (NUMERIC money, timestamptz) and products in a schema of its own.
    3. Seeds 500 orders of the last two weeks with one Add-MlRecord -BatchSize pipeline: the
       batches go in through binary COPY, one transaction each.
    4. Invoke-MlQuery runs "SELECT * FROM orders WHERE created_at > @since" with a DateTime
       parameter (bound as timestamptz) and calls summarizeOrders once with {rows, count}: the
       week's revenue is summed exactly (decimal), and grouped by status.
    5. Add-MlRecord -BatchFunction stampProducts stamps and flags a batch of new products
       (created_at, processed) and inserts it in one transaction.
    The ML functions are in ml/orders.ml beside this script.
    The schema is dropped at the end unless -Keep is given.

.PARAMETER ConnectionString
    An Npgsql connection string without the password, e.g. 'Host=localhost;Database=shop'.

.PARAMETER Credential
    User and password for the server (Get-Credential); never shown.

.PARAMETER Schema
    The schema to work in (created, and dropped at the end). Default: a new mldb_example_… name.

.PARAMETER Keep
    Keep the schema and its tables at the end.

.EXAMPLE
    ./examples/postgres-orders.ps1 -ConnectionString 'Host=localhost;Database=shop' -Credential (Get-Credential shop_app)

.EXAMPLE
    ./examples/postgres-orders.ps1 -ConnectionString 'Host=db.example.org;Database=shop;Maximum Pool Size=20' -Credential $cred -Keep
#>
[CmdletBinding()]
param(
    [string] $ConnectionString = 'Host=localhost;Database=postgres',
    [pscredential] $Credential,
    [ValidatePattern('^[a-z_][a-z0-9_]*$')]
    [string] $Schema = ('mldb_example_' + [guid]::NewGuid().ToString('n').Substring(0, 8)),
    [switch] $Keep
)

$ErrorActionPreference = 'Stop'
if (-not (Get-Module MlDb)) {
    # The module built from this repository (./build.sh build), else an installed one.
    $built = Join-Path $PSScriptRoot '../out/MlDb/MlDb.psd1'
    if (Test-Path -LiteralPath $built) { Import-Module $built } else { Import-Module MlDb }
}

$ml = Import-MlScript -Path (Join-Path $PSScriptRoot 'ml/orders.ml')
$connect = @{ Provider = 'Postgres'; ConnectionString = $ConnectionString; Name = 'shop' }
if ($Credential) { $connect.Credential = $Credential }

# 1. Connect, then work in a schema of our own (first on the search path of a second connection).
Connect-MlDatabase @connect
$null = Invoke-MlQuery -Connection shop -Query "CREATE SCHEMA IF NOT EXISTS $Schema"
Connect-MlDatabase @connect -ConnectionString "$ConnectionString;Search Path=$Schema"
Get-MlConnection -Name shop | Format-Table Name, Provider, ConnectionString -AutoSize | Out-String | Write-Host

try {
    # 2. Tables: money as NUMERIC, times as timestamptz.
    $null = Invoke-MlQuery -Connection shop -Query @'
CREATE TABLE orders (
    id         serial PRIMARY KEY,
    customer   text NOT NULL,
    status     text NOT NULL,
    total      numeric(10,2) NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE TABLE products (
    id         serial PRIMARY KEY,
    product    text NOT NULL,
    quantity   integer NOT NULL,
    price      numeric(10,2) NOT NULL,
    created_at timestamptz,
    processed  boolean NOT NULL DEFAULT false
);
'@

    # 3. Seed 500 orders of the last 14 days (batches of 200 through binary COPY).
    $statuses = 'pending', 'shipped', 'delivered', 'cancelled'
    $now = [datetime]::UtcNow
    $batches = 1..500 | ForEach-Object {
        [ordered]@{
            customer   = "customer $($_ % 37)"
            status     = $statuses[$_ % 4]
            total      = [decimal] (($_ * 7919) % 20000 + 99) / 100
            created_at = $now.AddHours(-($_ * 0.67))
        }
    } | Add-MlRecord -Connection shop -Table orders -BatchSize 200
    Write-Host "Seeded $(($batches | Measure-Object Inserted -Sum).Sum) orders in $(@($batches).Count) batches."

    # 4. summarizeOrders over last week's orders: the DateTime parameter compares with timestamptz.
    $week = Invoke-MlQuery -Connection shop -Query 'SELECT * FROM orders WHERE created_at > @since' `
        -Parameters @{ since = (Get-Date).AddDays(-7) } -Script $ml -Function summarizeOrders
    Write-Host ("Weekly revenue: {0:N2} from {1} orders (average {2:N2})" -f $week.total_revenue, $week.total_orders, $week.average_order)
    Write-Host "Orders by status:"
    foreach ($status in $week.by_status.psobject.Properties) {
        Write-Host ("  {0,-10} {1,4} orders  {2,10:N2}" -f $status.Name, $status.Value.count, $status.Value.revenue)
    }
    $check = Invoke-MlQuery -Connection shop -Query 'SELECT sum(total) AS revenue FROM orders WHERE created_at > @since' -Parameters @{ since = (Get-Date).AddDays(-7) }
    if ($check.revenue -ne $week.total_revenue) { throw "ML revenue $($week.total_revenue) differs from SQL $($check.revenue)" }
    Write-Host "SQL agrees: sum(total) = $($check.revenue) (decimal, exact)"

    # 5. Batch insert with processing: stampProducts stamps created_at and sets processed.
    $newRecords = @(
        @{ product = 'Widget'; quantity = 10; price = 29.99 }
        @{ product = 'Gadget'; quantity = 5; price = 49.99 }
    )
    $summary = $newRecords | Add-MlRecord -Connection shop -Table products -Script $ml -BatchFunction stampProducts
    Write-Host "Inserted $($summary.Inserted) records"
    Invoke-MlQuery -Connection shop -Query 'SELECT id, product, quantity, price, created_at, processed FROM products ORDER BY id' |
        Format-Table -AutoSize | Out-String | Write-Host
}
finally {
    if (-not $Keep) {
        Connect-MlDatabase @connect
        $null = Invoke-MlQuery -Connection shop -Query "DROP SCHEMA IF EXISTS $Schema CASCADE"
    }
    else {
        Write-Host "Kept the schema $Schema."
    }
    Disconnect-MlDatabase -Name shop
}
