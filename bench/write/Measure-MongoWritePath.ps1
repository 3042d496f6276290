#Requires -Version 7.4
<#
.SYNOPSIS
    MongoDB write path: Add-MlRecord -Collection per record (with a validating ML function) against
    a hand-written PowerShell + MongoDB.Driver InsertMany, in one run, on the same pipeline.

.DESCRIPTION
    Generates -Records user records (untimed), then times, round by round (cases interleaved, so
    that load changes on a shared machine fall on all of them alike):

      handwritten   $records | ForEach-Object { validate in PowerShell; BsonDocument; InsertMany
                    of 1000, unordered }  — what a user would write instead, with the MongoDB.Driver
                    that MlDb itself ships (loaded from out/MlDb/deps into the default context)
      mldb          $records | Add-MlRecord -Collection -Script check.ml -Function check
                    (groups of -CommitSize, default 1000; ids written out after acknowledgement)
      mldb-nofn     the same without a function (what the ML step costs, by difference)
      upsert-*      with -Upserts: half of the records exist; Add-MlRecord -OnConflict Update -Key email
                    against a hand-written unordered BulkWrite of UpdateOne(upsert) per 1000

    The ML function and the PowerShell check do the same: reject an e-mail without '@' (none in
    the data), add the lower-cased domain. Every run writes into a fresh collection, is checked
    (document count, a sample's domain) and the collection is dropped. Prints a Markdown table:
    medians, min–max, records/s and the ratio to the hand-written baseline.

.PARAMETER Records
    Records per run (default 100 000).

.PARAMETER ConnectionString
    MongoDB URI; default MLDB_TEST_MONGO (from the environment or the -ServicesEnv file).

.EXAMPLE
    ./build.sh build
    tests/services/services.sh start /tmp/svc mongo
    dotnet pwsh -File bench/write/Measure-MongoWritePath.ps1 -ServicesEnv /tmp/svc/services.env -Records 100000
#>
[CmdletBinding()]
param(
    [ValidateRange(1000, 10000000)] [int] $Records = 100000,
    [string] $ConnectionString,
    [string] $ServicesEnv,
    [string] $Database = ('mldb_bench_' + [guid]::NewGuid().ToString('n').Substring(0, 8)),
    [ValidateRange(1, 20)] [int] $Rounds = 3,
    [ValidateRange(1, 1000000)] [int] $CommitSize = 1000,
    [switch] $Upserts,
    [string] $Module = (Join-Path $PSScriptRoot '../../out/MlDb/MlDb.psd1')
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

# ---- where ------------------------------------------------------------------------------------
if (-not $ConnectionString) {
    $ConnectionString = $env:MLDB_TEST_MONGO
    if (-not $ConnectionString -and $ServicesEnv) {
        foreach ($line in Get-Content -LiteralPath $ServicesEnv) {
            if ($line -match "^\s*MLDB_TEST_MONGO='(.*)'\s*$") { $ConnectionString = $Matches[1] }
            if ($line -match "^\s*MLDB_TEST_MONGO_KIND='(.*)'\s*$") { $env:MLDB_TEST_MONGO_KIND = $Matches[1] }
        }
    }
}
if (-not $ConnectionString) { throw 'No MongoDB server: give -ConnectionString, -ServicesEnv <dir>/services.env, or set MLDB_TEST_MONGO.' }
$Module = (Resolve-Path -LiteralPath $Module).Path
Import-Module $Module
$deps = Join-Path (Split-Path $Module -Parent) 'deps'

# The hand-written side uses the driver MlDb ships, in the default load context (MlDb keeps its
# own copy in a private one): its dependencies are loaded first so that nothing needs resolving later.
$loaded = [AppDomain]::CurrentDomain.GetAssemblies() | ForEach-Object { $_.GetName().Name }
foreach ($name in 'MongoDB.Bson', 'DnsClient', 'SharpCompress', 'Snappier', 'ZstdSharp', 'Microsoft.Extensions.Logging.Abstractions', 'MongoDB.Driver') {
    if ($name -notin $loaded) { $null = [Reflection.Assembly]::LoadFrom((Join-Path $deps "$name.dll")) }
}

$mlFile = Join-Path ([IO.Path]::GetTempPath()) ("mldb-bench-check-{0}.ml" -f [guid]::NewGuid().ToString('n').Substring(0, 8))
Set-Content -LiteralPath $mlFile -Value @'
function check(r) {
    if (!r.email || r.email.indexOf("@") < 1) { throw "invalid email"; }
    r.domain = r.email.split("@")[1].toLowerCase();
    return r;
}
'@

Connect-MlDatabase -Provider Mongo -ConnectionString $ConnectionString -Database $Database -Name bench
$client = [MongoDB.Driver.MongoClient]::new($ConnectionString)
$db = $client.GetDatabase($Database, $null)
$none = [Threading.CancellationToken]::None

function New-Records([int] $Count, [int] $Offset = 0) {
    $list = [Collections.Generic.List[object]]::new($Count)
    for ($i = $Offset; $i -lt $Offset + $Count; $i++) {
        $list.Add([ordered]@{ name = "user $i"; email = "user$i@Example$($i % 97).com"; age = 20 + $i % 50; active = ($i % 3) -ne 0 })
    }
    , $list.ToArray()
}

function Invoke-HandWritten([object[]] $Data, [string] $Name, [int] $Size) {
    $collection = $db.GetCollection[MongoDB.Bson.BsonDocument]($Name, $null)
    $options = [MongoDB.Driver.InsertManyOptions]::new()
    $options.IsOrdered = $false
    $Data | ForEach-Object -Begin {
        $batch = [Collections.Generic.List[MongoDB.Bson.BsonDocument]]::new($Size)
    } -Process {
        $email = $_['email']
        if (-not $email -or $email.IndexOf('@') -lt 1) { Write-Error 'invalid email'; return }
        $doc = [MongoDB.Bson.BsonDocument]::new([Collections.IDictionary] $_)
        $doc['domain'] = [MongoDB.Bson.BsonString]::new($email.Split('@')[1].ToLowerInvariant())
        $batch.Add($doc)
        if ($batch.Count -ge $Size) { $collection.InsertMany($batch, $options, $none); $batch.Clear() }
    } -End {
        if ($batch.Count -gt 0) { $collection.InsertMany($batch, $options, $none) }
    }
}

function Invoke-HandWrittenUpsert([object[]] $Data, [string] $Name, [int] $Size) {
    $collection = $db.GetCollection[MongoDB.Bson.BsonDocument]($Name, $null)
    $options = [MongoDB.Driver.BulkWriteOptions]::new()
    $options.IsOrdered = $false
    $Data | ForEach-Object -Begin {
        $batch = [Collections.Generic.List[MongoDB.Driver.WriteModel[MongoDB.Bson.BsonDocument]]]::new($Size)
    } -Process {
        $email = $_['email']
        if (-not $email -or $email.IndexOf('@') -lt 1) { Write-Error 'invalid email'; return }
        $set = [MongoDB.Bson.BsonDocument]::new([Collections.IDictionary] $_)
        $set.Remove('email')
        $set['domain'] = [MongoDB.Bson.BsonString]::new($email.Split('@')[1].ToLowerInvariant())
        $filter = [MongoDB.Driver.BsonDocumentFilterDefinition[MongoDB.Bson.BsonDocument]]::new([MongoDB.Bson.BsonDocument]::new('email', [MongoDB.Bson.BsonString]::new($email)))
        $update = [MongoDB.Driver.BsonDocumentUpdateDefinition[MongoDB.Bson.BsonDocument]]::new([MongoDB.Bson.BsonDocument]::new('$set', $set))
        $model = [MongoDB.Driver.UpdateOneModel[MongoDB.Bson.BsonDocument]]::new($filter, $update)
        $model.IsUpsert = $true
        $batch.Add($model)
        if ($batch.Count -ge $Size) { $null = $collection.BulkWrite($batch, $options, $none); $batch.Clear() }
    } -End {
        if ($batch.Count -gt 0) { $null = $collection.BulkWrite($batch, $options, $none) }
    }
}

function Assert-Written([string] $Name, [int] $Expected, [bool] $Validated) {
    $collection = $db.GetCollection[MongoDB.Bson.BsonDocument]($Name, $null)
    $empty = [MongoDB.Driver.BsonDocumentFilterDefinition[MongoDB.Bson.BsonDocument]]::new([MongoDB.Bson.BsonDocument]::new())
    $count = $collection.CountDocuments($empty, $null, $none)
    if ($count -ne $Expected) { throw "$Name holds $count documents, not $Expected." }
    $sample = [MongoDB.Driver.IFindFluentExtensions]::FirstOrDefault([MongoDB.Driver.IMongoCollectionExtensions]::Find($collection, $empty, $null), $none)
    if ($Validated -and -not ($sample.Contains('domain') -and $sample['domain'].AsString -like 'example*.com')) { throw "$Name has a document without its domain." }
}

$seed = 0
function Measure-Case([string] $Case, [object[]] $Data, [int] $Expected, [object[]] $Existing) {
    $script:seed++
    $name = "c$($script:seed)_$($Case -replace '\W', '')"
    if ($Existing) { $null = $Existing | Add-MlRecord -Connection bench -Collection $name -CommitSize 1000 }
    [GC]::Collect(); [GC]::WaitForPendingFinalizers()
    $watch = [Diagnostics.Stopwatch]::StartNew()
    switch ($Case) {
        'handwritten' { Invoke-HandWritten $Data $name $CommitSize }
        'mldb' { $null = $Data | Add-MlRecord -Connection bench -Collection $name -Script $mlFile -Function check -CommitSize $CommitSize }
        'mldb-nofn' { $null = $Data | Add-MlRecord -Connection bench -Collection $name -CommitSize $CommitSize }
        'upsert-handwritten' { Invoke-HandWrittenUpsert $Data $name $CommitSize }
        'upsert-mldb' { $null = $Data | Add-MlRecord -Connection bench -Collection $name -Script $mlFile -Function check -CommitSize $CommitSize -OnConflict Update -Key email }
    }
    $watch.Stop()
    Assert-Written $name $Expected ($Case -ne 'mldb-nofn')
    $db.DropCollection($name, $none)
    $watch.Elapsed.TotalSeconds
}

function Get-Load { (Get-Content -LiteralPath /proc/loadavg -ErrorAction SilentlyContinue) -split ' ' | Select-Object -First 1 }

$cases = @('handwritten', 'mldb', 'mldb-nofn')
if ($Upserts) { $cases += 'upsert-handwritten', 'upsert-mldb' }
$started = [DateTime]::UtcNow
$loadStart = Get-Load
$data = New-Records $Records
# upserts: the first half exists (inserted untimed before each run), the second half is new
$existing = if ($Upserts) { New-Records ([int]($Records / 2)) } else { $null }

Write-Host "warm-up (5 000 records per case) ..."
$warm = New-Records 5000
foreach ($case in $cases) { $null = Measure-Case $case $warm 5000 $null }

$times = @{}
foreach ($case in $cases) { $times[$case] = [Collections.Generic.List[double]]::new() }
for ($round = 1; $round -le $Rounds; $round++) {
    foreach ($case in $cases) {
        $isUpsert = $case -like 'upsert-*'
        $seconds = Measure-Case $case $data $Records ($(if ($isUpsert) { $existing } else { $null }))
        $times[$case].Add($seconds)
        Write-Host ("round {0}/{1} {2,-20} {3,8:N2} s" -f $round, $Rounds, $case, $seconds)
    }
}
$loadEnd = Get-Load

function Get-Median([double[]] $Values) {
    $sorted = @($Values | Sort-Object)
    $n = $sorted.Count
    if ($n % 2) { $sorted[($n - 1) / 2] } else { ($sorted[$n / 2 - 1] + $sorted[$n / 2]) / 2 }
}

$commit = try { (git -C (Split-Path $Module -Parent) rev-parse --short HEAD 2>$null) } catch { '?' }
$kind = switch ($env:MLDB_TEST_MONGO_KIND) { 'wire' { 'the npm wire-protocol server of tests/services' } 'external' { 'a mongod' } default { 'given by -ConnectionString' } }
"## MongoDB write path, $($started.ToString('yyyy-MM-dd HH:mm')) UTC"
''
"* $Records records per run, $Rounds rounds (cases interleaved), medians; groups of $CommitSize; server $($ConnectionString -replace '//[^@/]*@', '//') ($kind)"
"* MlDb $((Get-Module MlDb).Version) at $commit; PowerShell $($PSVersionTable.PSVersion); .NET $([Environment]::Version); $([Environment]::ProcessorCount) cores; 1-min load average $loadStart at start, $loadEnd at end"
''
'| case | median s | min–max s | records/s | ÷ hand-written (ratio of medians) | ÷ hand-written (median of per-round ratios) |'
'|---|---:|---:|---:|---:|---:|'
foreach ($case in $cases) {
    $median = Get-Median $times[$case]
    $baseCase = if ($case -like 'upsert-*') { 'upsert-handwritten' } else { 'handwritten' }
    $base = Get-Median $times[$baseCase]
    # each round ran every case back to back: its ratio shares that round's load
    $paired = Get-Median @(for ($r = 0; $r -lt $times[$case].Count; $r++) { $times[$case][$r] / $times[$baseCase][$r] })
    $min = ($times[$case] | Measure-Object -Minimum).Minimum
    $max = ($times[$case] | Measure-Object -Maximum).Maximum
    '| {0} | {1:N2} | {2:N2}–{3:N2} | {4:N0} | {5:N2} | {6:N2} |' -f $case, $median, $min, $max, ($Records / $median), ($median / $base), $paired
}

Disconnect-MlDatabase -Name bench
$db.Client.DropDatabase($Database, $none)
Remove-Item -LiteralPath $mlFile -ErrorAction SilentlyContinue
