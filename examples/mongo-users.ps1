#Requires -Version 7.4
<#
.SYNOPSIS
    MongoDB documents with ML on the way in and on the way out (the seed's MongoDB scenario, end
    to end).

.DESCRIPTION
    1. Add-MlRecord -Collection passes each new user through prepareUser (full_name, email_domain,
       age_group; a bad email is rejected with its message and nothing of it is inserted),
       -AddMetadata stamps created_at and processed_by_ml, and the users go in with insertMany;
       each new _id comes out as a string. Then the next night's feed is upserted by email
       (-OnConflict Update -Key email -PassThru): one user updated in place, one inserted.
    2. Invoke-MlQuery -Collection -Filter -Limit finds the active users and calls userReport once
       with {documents, count}: totals, users by country, activity rate.
    3. Invoke-MlQuery -Collection -Pipeline runs $match/$group/$sum over orders and calls
       totalGroups once with {results, count}.
    The documents stay in their own database (-Database, a new name by default), whose name is
    printed at the end.
    The ML functions are in ml/people.ml beside this script.

.PARAMETER ConnectionString
    A MongoDB URI: 'mongodb://localhost:27017', a replica set, 'mongodb+srv://…'.

.PARAMETER Credential
    User and password of a server with authentication; never shown.

.PARAMETER Database
    The database to work in (created by the first insert). Default: a new mldb_example_… name.

.EXAMPLE
    ./examples/mongo-users.ps1 -ConnectionString mongodb://localhost:27017

.EXAMPLE
    ./examples/mongo-users.ps1 -ConnectionString 'mongodb://db.example.org/?authSource=admin' -Credential (Get-Credential app)
#>
[CmdletBinding()]
param(
    [string] $ConnectionString = 'mongodb://localhost:27017',
    [pscredential] $Credential,
    [string] $Database = ('mldb_example_' + [guid]::NewGuid().ToString('n').Substring(0, 8))
)

$ErrorActionPreference = 'Stop'
if (-not (Get-Module MlDb)) {
    # The module built from this repository (./build.sh build), else an installed one.
    $built = Join-Path $PSScriptRoot '../out/MlDb/MlDb.psd1'
    if (Test-Path -LiteralPath $built) { Import-Module $built } else { Import-Module MlDb }
}

$ml = Import-MlScript -Path (Join-Path $PSScriptRoot 'ml/people.ml')
$connect = @{ Provider = 'Mongo'; ConnectionString = $ConnectionString; Database = $Database; Name = 'mongo' }
if ($Credential) { $connect.Credential = $Credential }
Connect-MlDatabase @connect

try {
    # 1. Insert with ML processing: prepareUser validates and adds computed fields.
    $newUsers = @(
        [ordered]@{ first_name = 'John'; last_name = 'Doe'; email = 'john@example.com'; age = 30; country = 'USA'; active = $true; last_login = [datetime]::UtcNow.AddDays(-1) }
        [ordered]@{ first_name = 'Maria'; last_name = 'Rossi'; email = 'maria@example.it'; age = 64; country = 'Italy'; active = $true; last_login = $null }
        [ordered]@{ first_name = 'Ken'; last_name = 'Sato'; email = 'ken.example.jp'; age = 41; country = 'Japan'; active = $true }
        [ordered]@{ first_name = 'Amy'; last_name = 'Lee'; email = 'amy@lee.org'; age = 25; country = 'USA'; active = $true; last_login = [datetime]::UtcNow }
        [ordered]@{ first_name = 'Old'; last_name = 'Account'; email = 'old@example.com'; age = 52; country = 'France'; active = $false; last_login = [datetime]'2020-01-01' }
    )
    $ids = $newUsers | Add-MlRecord -Connection mongo -Collection users -Script $ml -Function prepareUser -AddMetadata -ErrorAction SilentlyContinue -ErrorVariable rejected
    "Inserted users: $($ids -join ', ')"
    foreach ($e in $rejected) { "Error: $($e.Exception.Message)  ($($e.TargetObject.email))" }

    $john = Invoke-MlQuery -Connection mongo -Collection users -Filter @{ _id = $ids[0] }
    "John: $($john.full_name), $($john.email_domain), $($john.age_group), processed by ML: $($john.processed_by_ml)"

    # 1b. The next night's feed: John moved, Lena is new. An upsert by email updates John's
    #     document in place (same _id, his other fields kept) and inserts Lena; -PassThru says which.
    $feed = @(
        [ordered]@{ first_name = 'John'; last_name = 'Doe'; email = 'john@example.com'; age = 31; country = 'Canada'; active = $true }
        [ordered]@{ first_name = 'Lena'; last_name = 'Berg'; email = 'lena@example.se'; age = 35; country = 'Sweden'; active = $true }
    )
    $synced = $feed | Add-MlRecord -Connection mongo -Collection users -Script $ml -Function prepareUser -AddMetadata -OnConflict Update -Key email -PassThru
    $synced | ForEach-Object { 'Sync: {0,-9} {1} ({2})' -f $_.Action, $_.email, $_._id }

    # 2. Find and process: the active users, at most 1000, analysed by userReport.
    $result = Invoke-MlQuery -Connection mongo -Collection users -Filter @{ active = $true } -Limit 1000 -Script $ml -Function userReport
    "Total users: $($result.total_users)"
    "Active: $($result.active_users)"
    'Activity rate: {0:F1}%' -f $result.activity_rate
    "By country: $(($result.by_country.psobject.Properties | ForEach-Object { "$($_.Name)=$($_.Value)" }) -join ', ')"

    # 3. Aggregation with ML: orders of active customers, grouped by country.
    @(
        @{ country = 'USA'; active = $true; amount = 120.5 }
        @{ country = 'USA'; active = $true; amount = 80 }
        @{ country = 'Italy'; active = $true; amount = 42 }
        @{ country = 'France'; active = $false; amount = 999 }
    ) | Add-MlRecord -Connection mongo -Collection orders | Out-Null
    $pipeline = @(
        @{ '$match' = @{ active = $true } }
        @{ '$group' = [ordered]@{ _id = '$country'; count = @{ '$sum' = 1 }; total = @{ '$sum' = '$amount' } } }
        @{ '$sort' = @{ total = -1 } }
    )
    $summary = Invoke-MlQuery -Connection mongo -Collection orders -Pipeline $pipeline -Script $ml -Function totalGroups
    "Countries with orders: $($summary.total_records), total value: $($summary.total_value)"
    $summary.data | ForEach-Object { '  {0,-8} {1,3} orders {2,8}' -f $_._id, $_.count, $_.total }
}
finally {
    Disconnect-MlDatabase -Name mongo
}
# MlDb has no cmdlet that deletes documents; the example's data stays in its own database.
"The example's documents are in the database '$Database' (drop it with mongosh: db.getSiblingDB('$Database').dropDatabase())."
