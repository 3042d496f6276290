#Requires -Version 7.4
<#
.SYNOPSIS
    Redis as a cache of processed records, with ML on the way in and on the way out (the seed's
    Redis scenario, end to end).

.DESCRIPTION
    1. Set-MlCache passes two users through stampEntry (adds cached_at and ttl) and stores them as
       JSON with a one-hour expiry.
    2. Get-MlCache -Key reads one back through touchUser (adds last_accessed and
       access_count).
    3. Get-MlCache -Pattern finds every cached user with SCAN (on every primary of a cluster, never
       KEYS) and calls cacheReport once with {items, count}.
    4. Remove-MlCache deletes the example's keys again.
    The ML functions are in ml/cache.ml beside this script.

.PARAMETER ConnectionString
    A StackExchange.Redis configuration string: 'localhost:6379', several endpoints
    ('host1:6379,host2:6379'), the nodes of a cluster, options such as 'defaultDatabase=2'.

.PARAMETER Credential
    The password (and, for Redis ACLs, the user) of a protected server; it is never shown.

.PARAMETER KeyPrefix
    Put in front of every key, so that the example's 'user:*' never meets keys of your own.

.EXAMPLE
    ./examples/redis-cache.ps1 -ConnectionString localhost:6379

.EXAMPLE
    ./examples/redis-cache.ps1 -ConnectionString 'redis.example.org:6380,ssl=true' -Credential (Get-Credential default)
#>
[CmdletBinding()]
param(
    [string] $ConnectionString = 'localhost:6379',
    [pscredential] $Credential,
    [string] $KeyPrefix = 'mldb-example:'
)

$ErrorActionPreference = 'Stop'
if (-not (Get-Module MlDb)) {
    # The module built from this repository (./build.sh build), else an installed one.
    $built = Join-Path $PSScriptRoot '../out/MlDb/MlDb.psd1'
    if (Test-Path -LiteralPath $built) { Import-Module $built } else { Import-Module MlDb }
}

$ml = Import-MlScript -Path (Join-Path $PSScriptRoot 'ml/cache.ml')
$connect = @{ Provider = 'Redis'; ConnectionString = $ConnectionString; Name = 'cache' }
if ($Credential) { $connect.Credential = $Credential }
Connect-MlDatabase @connect

$keys = "${KeyPrefix}user:123", "${KeyPrefix}user:456"
try {
    # 1. Process with ML, then store as JSON with an expiry of one hour.
    Set-MlCache -Connection cache -Key $keys[0] -InputObject ([ordered]@{ name = 'John'; email = 'john@example.com' }) `
        -Script $ml -Function stampEntry -ExpirySeconds 3600
    Set-MlCache -Connection cache -Key $keys[1] -InputObject ([ordered]@{ name = 'Jane'; email = 'jane@example.com' }) `
        -Script $ml -Function stampEntry -ExpirySeconds 3600
    "Stored: $(Get-MlCache -Connection cache -Key $keys[0] -Raw)"

    # 2. Read one back and process it with ML.
    $user = Get-MlCache -Connection cache -Key $keys[0] -Script $ml -Function touchUser
    "User accessed $($user.access_count) times (last at $($user.last_accessed))"

    # A key that does not exist gives -Default (or nothing).
    $missing = Get-MlCache -Connection cache -Key "${KeyPrefix}user:999" -Default 'not cached'
    "user:999 is $missing"

    # 3. Analyse every cached user: SCAN page by page, then one ML call with {items, count}.
    $result = Get-MlCache -Connection cache -Pattern "${KeyPrefix}user:*" -Script $ml -Function cacheReport
    "Cached users: $($result.total_items)"
    "Total size: $($result.estimated_size_bytes) bytes"
}
finally {
    # 4. Clean up.
    Remove-MlCache -Connection cache -Key $keys
    Disconnect-MlDatabase -Name cache
}
