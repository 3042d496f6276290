#Requires -Version 7.4
<#
    MongoDB through the module: Connect-MlDatabase -Provider Mongo, Invoke-MlQuery -Collection
    (-Filter, -Limit, -Pipeline; streaming, aggregate and per-row modes) and Add-MlRecord
    -Collection (-AddMetadata, -BatchSize, -WhatIf), with the seed's mongo_processors.ml.

    The server is MLDB_TEST_MONGO: the MongoDB wire-protocol server that tests/services starts
    (@push.rocks/smartmongo's CongoServer, MLDB_TEST_MONGO_KIND=wire) or a real mongod given by
    the user (MLDB_TEST_MONGO_KIND=external). Without it every test here is skipped, loudly.
    The wire server's limits (tests/services/README.md, `mongo.sh probe`), which these tests stay
    inside: `_id` must be an ObjectId (no string or number `_id` is inserted); `$sum` over
    Decimal128 (and over Int64 beyond 2^53) returns 0, so the sums run over ints and doubles;
    unique indexes are not enforced (no test relies on one); it stores a Double with an integral
    value (5.0) as Int32 and an Int64 within ±2^53 as Int32 or Double, so round-tripped doubles
    have a fraction and round-tripped Int64 values lie beyond 2^53; its `$type` query operator
    does not match Int64, ObjectId, Decimal128 or Binary values although it stores them with
    their types (the xunit tests read the stored types with the driver), so stored BSON types
    are asked with `$type` only on a real mongod, and ObjectIds are told from strings with
    `{"$oid": …}` filters; it has no authentication, so
    -Credential is tested for what it shows and hides. Stopping and restarting the server
    (tests/services/mongo.sh stop-server / start-server) is done only on the wire server.
#>

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:HasMongo = Test-MlTestService Mongo -Loud
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-MlTestModule
    $script:Processors = Join-Path (Get-MlTestSharedPath) 'seed/ml/mongo_processors.ml'
    $script:Server = Get-MlTestService -Name Mongo
    $script:Functions = Join-Path $TestDrive 'functions.ml'
    Set-Content -LiteralPath $Functions -Value @'
function check(r) {
    if (!r.email || r.email.indexOf("@") < 0) { throw "Invalid email: " + r.email; }
    print("checked " + r.email);
    r.checked = true;
    return r;
}
function tag(r) { r.even = r.i % 2 == 0; return r; }
function count(data) { return {count: data.count, n: data.documents.length}; }
function evensOnly(d) { if (d.i % 2 == 1) { return null; } return {i: d.i}; }
function same(x) { return x; }
function tidy(r) { r.email = r.email.toLowerCase(); return r; }
function guard(r) { if (r.password.length < 4) { throw "password too short"; } return r; }
'@

    # The tests/services state folder that runs the wire server of MLDB_TEST_MONGO (it holds
    # mongo/port), or $null (a real mongod is not ours to stop). The build script starts each
    # service in a folder of its own, so MLDB_TEST_SERVICES_DIR may name another service's folder:
    # every candidate (that variable, such lines of MLDB_SERVICES_ENV, a 'mongo' folder beside
    # each) is checked against the server's port.
    function Get-TestMongoServicesDir {
        if ($env:MLDB_TEST_MONGO_KIND -ne 'wire') { return $null }
        $candidates = [Collections.Generic.List[string]]::new()
        if ($env:MLDB_TEST_SERVICES_DIR) { $candidates.Add($env:MLDB_TEST_SERVICES_DIR) }
        if ($env:MLDB_SERVICES_ENV -and (Test-Path -LiteralPath $env:MLDB_SERVICES_ENV)) {
            foreach ($line in Get-Content -LiteralPath $env:MLDB_SERVICES_ENV) {
                if ($line -match "^\s*MLDB_TEST_SERVICES_DIR=['`"]?([^'`"]+)") { $candidates.Add($Matches[1]) }
            }
        }
        foreach ($c in @($candidates)) { $candidates.Add((Join-Path (Split-Path $c.TrimEnd('/') -Parent) 'mongo')) }
        foreach ($c in $candidates) {
            $portFile = Join-Path $c 'mongo/port'
            if ((Test-Path -LiteralPath $portFile) -and $Server -match (':' + (Get-Content -LiteralPath $portFile -Raw).Trim() + '/')) { return $c }
        }
        $null
    }

    function Invoke-TestMongoScript([string] $Command, [string] $Dir) {
        $output = & bash (Join-Path (Get-MlTestRepositoryRoot) 'tests/services/mongo.sh') $Command $Dir 2>&1
        if ($LASTEXITCODE -ne 0) { throw "mongo.sh $Command $Dir failed ($LASTEXITCODE): $output" }
    }
}

Describe 'MongoDB' -Skip:(-not $HasMongo) {
    BeforeEach {
        $script:Db = New-MlTestDatabase -Provider Mongo
        Connect-MlDatabase -Provider Mongo -ConnectionString $Db.ConnectionString -Database $Db.Database
    }
    AfterEach { Disconnect-MlDatabase -All }

    Context 'connections' {
        It 'Connect-MlDatabase -Provider Mongo registers one connection with its default database' {
            $info = Get-MlConnection -Name default
            $info.Provider | Should -Be 'Mongo'
            $info.Database | Should -Be $Db.Database
            $info.ConnectionString | Should -Match '^mongodb://'
            $info.IsOpen | Should -BeTrue
        }

        It '-Credential is never shown: not in Get-MlConnection, -Verbose or an error' {
            $secret = 'pa55-W0rd:' + [guid]::NewGuid().ToString('n')
            $credential = [pscredential]::new('mldb_user', (ConvertTo-SecureString $secret -AsPlainText -Force))
            $verbose = $null
            try {
                Connect-MlDatabase -Provider Mongo -ConnectionString $Server -Database $Db.Database -Credential $credential -Name cred -Verbose 4>&1 |
                    Tee-Object -Variable verbose | Out-Null
                # a server without authentication accepts it
                $info = Get-MlConnection -Name cred
                $info.ConnectionString | Should -Match 'mldb_user@'
                $info.ConnectionString | Should -Not -Match ([regex]::Escape($secret))
                "$info" | Should -Not -Match ([regex]::Escape($secret))
            }
            catch {
                # the wire server has no authentication and a real mongod does not know this user
                $_.FullyQualifiedErrorId | Should -BeLike 'MlDb.ConnectionFailed*'
                "$_" | Should -Not -Match ([regex]::Escape($secret))
                "$($_.Exception)" | Should -Not -Match ([regex]::Escape($secret))
            }
            "$verbose" | Should -Not -Match ([regex]::Escape($secret))
            "$verbose" | Should -Not -Match ([regex]::Escape([uri]::EscapeDataString($secret)))
        }

        It 'collection commands refuse SQL connections and SQL commands refuse MongoDB ones' {
            $sqlite = New-MlTestDatabase
            Connect-MlDatabase -Provider Sqlite -ConnectionString $sqlite.ConnectionString -Name sql
            { Invoke-MlQuery -Connection sql -Collection users } | Should -Throw -ErrorId 'MlDb.WrongProvider*'
            { @{ a = 1 } | Add-MlRecord -Connection sql -Collection users } | Should -Throw -ErrorId 'MlDb.WrongProvider*'
            { Invoke-MlQuery -Query 'SELECT 1' } | Should -Throw -ErrorId 'MlDb.WrongProvider*'
            { @{ a = 1 } | Add-MlRecord -Table users } | Should -Throw -ErrorId 'MlDb.WrongProvider*'
        }

        It 'a missing database is a clear error naming -Database' {
            Connect-MlDatabase -Provider Mongo -ConnectionString $Server -Name nodb
            { Invoke-MlQuery -Connection nodb -Collection users } | Should -Throw -ErrorId 'MlDb.InvalidArgument*' -ExpectedMessage '*-Database*'
            @(Invoke-MlQuery -Connection nodb -Collection users -Database $Db.Database).Count | Should -Be 0
        }
    }

    Context 'the seed scenario (mongo_processors.ml, unchanged)' {
        BeforeEach {
            $users = @(
                [ordered]@{ name = 'Ann'; country = 'USA'; active = $true; last_login = [datetime]'2025-01-02' }
                [ordered]@{ name = 'Bob'; country = 'USA'; active = $true; last_login = $null }
                [ordered]@{ name = 'Céline'; country = 'France'; active = $true; last_login = [datetime]'2025-01-03' }
                [ordered]@{ name = 'Dee'; active = $true }
                [ordered]@{ name = 'Eve'; country = 'USA'; active = $false; last_login = [datetime]'2025-01-04' }
            )
            $users | Add-MlRecord -Collection users | Out-Null
        }

        It 'processUsers: users by country and the activity rate of the active ones' {
            $result = Invoke-MlQuery -Collection users -Filter @{ active = $true } -Limit 1000 -Script $Processors -Function processUsers
            $result.total_users | Should -Be 4
            $result.active_users | Should -Be 2
            $result.by_country.USA | Should -Be 2
            $result.by_country.France | Should -Be 1
            $result.by_country.Unknown | Should -Be 1
            $result.activity_rate | Should -Be 50.0
            $result.activity_rate | Should -BeOfType [double]
            ('Activity rate: {0:F1}%' -f $result.activity_rate) | Should -Be 'Activity rate: 50.0%'
        }

        It 'enrichUser: computed fields and metadata go in; a bad email is rejected, nothing of it inserted, the others go on' {
            $people = @(
                [ordered]@{ first_name = 'John'; last_name = 'Doe'; email = 'john@example.com'; age = 30; country = 'USA' }
                [ordered]@{ first_name = 'Bad'; last_name = 'Mail'; email = 'bad-email'; age = 70; country = 'UK' }
                [ordered]@{ first_name = 'Amy'; last_name = 'Lee'; email = 'amy@lee.org'; age = 25; country = 'CA' }
            )
            $errors = $null
            $ids = @($people | Add-MlRecord -Collection people -Script $Processors -Function enrichUser -AddMetadata -ErrorAction SilentlyContinue -ErrorVariable errors)
            $ids.Count | Should -Be 2
            $ids | ForEach-Object { $_ | Should -BeOfType [string]; $_ | Should -Match '^[0-9a-f]{24}$' }
            $errors.Count | Should -Be 1
            $errors[0].FullyQualifiedErrorId | Should -BeLike 'MlDb.RecordRejected*'
            $errors[0].Exception.Message | Should -Be 'Invalid email address'
            $errors[0].ErrorDetails.Message | Should -BeLike 'Record 2 was not inserted into *.people: enrichUser rejected it: Invalid email address'
            $errors[0].TargetObject.email | Should -Be 'bad-email'

            $john = Invoke-MlQuery -Collection people -Filter @{ _id = $ids[0] }
            $john.full_name | Should -Be 'John Doe'
            $john.email_domain | Should -Be 'example.com'
            $john.age_group | Should -Be 'adult'
            $john.processed_by_ml | Should -BeTrue
            $john.created_at | Should -BeOfType [datetime]
            $john.created_at.Kind | Should -Be 'Utc'
            ([datetime]::UtcNow - $john.created_at).TotalMinutes | Should -BeLessThan 5
            (Invoke-MlQuery -Collection people -Filter @{ _id = $ids[1] }).age_group | Should -Be 'young'
            @(Invoke-MlQuery -Collection people -Filter @{ email = 'bad-email' }).Count | Should -Be 0
            @(Invoke-MlQuery -Collection people).Count | Should -Be 2
        }

        It 'analyzeAggregation over a $match/$group/$sum pipeline, from dictionaries and from JSON' {
            @(
                @{ country = 'USA'; active = $true; amount = 100 }
                @{ country = 'USA'; active = $true; amount = 50.5 }
                @{ country = 'France'; active = $true; amount = 20 }
                @{ country = 'France'; active = $false; amount = 1000 }
            ) | Add-MlRecord -Collection orders | Out-Null
            $pipeline = @(
                @{ '$match' = @{ active = $true } }
                @{ '$group' = [ordered]@{ _id = '$country'; count = @{ '$sum' = 1 }; total = @{ '$sum' = '$amount' } } }
                @{ '$sort' = @{ _id = 1 } }
            )
            $result = Invoke-MlQuery -Collection orders -Pipeline $pipeline -Script $Processors -Function analyzeAggregation
            $result.total_records | Should -Be 2
            $result.total_value | Should -Be 170.5
            $result.data[0]._id | Should -Be 'France'
            $result.data[1].count | Should -Be 2
            $result.data[1].total | Should -Be 150.5

            $json = '[{"$match": {"active": true}}, {"$group": {"_id": "$country", "count": {"$sum": 1}, "total": {"$sum": "$amount"}}}]'
            (Invoke-MlQuery -Collection orders -Pipeline $json -Script $Processors -Function analyzeAggregation).total_value | Should -Be 170.5
            # without a function the results stream out
            @(Invoke-MlQuery -Collection orders -Pipeline $json | Sort-Object _id | ForEach-Object _id) | Should -Be @('France', 'USA')
        }
    }

    Context 'reading' {
        BeforeEach {
            1..30 | ForEach-Object { [ordered]@{ i = $_; name = "n$_"; group = if ($_ % 2) { 'odd' } else { 'even' } } } | Add-MlRecord -Collection items | Out-Null
        }

        It 'streams documents as PSCustomObjects with _id as a string, or as ordered dictionaries' {
            $docs = @(Invoke-MlQuery -Collection items -Filter @{ group = 'even' })
            $docs.Count | Should -Be 15
            $docs[0] | Should -BeOfType [pscustomobject]
            $docs[0].psobject.Properties.Name | Should -Be @('_id', 'i', 'name', 'group')
            $docs[0]._id | Should -BeOfType [string]
            $docs[0].i | Should -BeOfType [long]
            $hash = Invoke-MlQuery -Collection items -Filter @{ i = 3 } -AsHashtable
            $hash | Should -BeOfType [System.Collections.Specialized.OrderedDictionary]
            $hash['name'] | Should -Be 'n3'
            # Select-Object -First stops the cursor early
            @(Invoke-MlQuery -Collection items | Select-Object -First 2).Count | Should -Be 2
        }

        It 'takes -Filter as JSON text (Extended JSON) and -Limit' {
            $docs = @(Invoke-MlQuery -Collection items -Filter '{"i": {"$gt": 20}}' -Limit 4)
            $docs.Count | Should -Be 4
            $docs.i | ForEach-Object { $_ | Should -BeGreaterThan 20 }
            @(Invoke-MlQuery -Collection items -Limit 0).Count | Should -Be 0
            { Invoke-MlQuery -Collection items -Filter '{"i": ' } | Should -Throw -ErrorId 'MlDb.InvalidArgument*'
        }

        It 'aggregate mode passes {documents, count}; -PerRow calls per document and drops nulls' {
            $r = Invoke-MlQuery -Collection items -Filter @{ group = 'odd' } -Script $Functions -Function count
            $r.count | Should -Be 15
            $r.n | Should -Be 15
            $rows = @(Invoke-MlQuery -Collection items -Script $Functions -Function evensOnly -PerRow)
            $rows.Count | Should -Be 15
            $rows.i | ForEach-Object { $_ % 2 | Should -Be 0 }
            { Invoke-MlQuery -Collection items -PerRow } | Should -Throw -ErrorId 'MlDb.InvalidArgument*'
        }

        It 'logs the command with -Verbose, values hidden' {
            $verbose = Invoke-MlQuery -Collection items -Filter @{ name = 'secret-value' } -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
            "$verbose" | Should -Match 'find mldb_test_\w+\.items \{"name": \?\}'
            "$verbose" | Should -Not -Match 'secret-value'
        }

        It 'injection-like strings in filters are plain values; odd names are names' {
            [ordered]@{ name = '{"$ne": null}'; i = 99 } | Add-MlRecord -Collection items | Out-Null
            foreach ($attack in '{"$gt": ""}', "'; db.dropDatabase(); '", '"}, "$where": "sleep(1000)", "x": {"', '$where', 'this.i > 0 || true', '/.*/', '.*') {
                @(Invoke-MlQuery -Collection items -Filter @{ name = $attack }).Count | Should -Be 0 -Because "'$attack' is a plain string"
            }
            @(Invoke-MlQuery -Collection items -Filter @{ name = '{"$ne": null}' }).i | Should -Be 99
            @(Invoke-MlQuery -Collection items -Filter @{ "i'); db.items.drop(); ('" = 1 }).Count | Should -Be 0
            @(Invoke-MlQuery -Collection "items'); db.dropDatabase(); ('").Count | Should -Be 0
            { Invoke-MlQuery -Collection 'a$b' } | Should -Throw -ErrorId 'MlDb.InvalidIdentifier*'
            @(Invoke-MlQuery -Collection items).Count | Should -Be 31
        }
    }

    Context 'the BSON mapping, both ways through PowerShell' {
        It '<Name>: <Value> goes in as <Bson> and comes back as <Type>' -ForEach @(
            @{ Name = 'Int32'; Value = [int] 42; Bson = 'int'; Type = [long]; Expected = [long] 42 }
            @{ Name = 'Int64'; Value = [long] 1152921504606846977; Bson = 'long'; Type = [long]; Expected = [long] 1152921504606846977 }
            @{ Name = 'Double'; Value = [double] 2.5; Bson = 'double'; Type = [double]; Expected = [double] 2.5 }
            @{ Name = 'Decimal128'; Value = 12.50d; Bson = 'decimal'; Type = [decimal]; Expected = 12.50d }
            @{ Name = 'DateTime'; Value = [datetime]::new(2024, 2, 29, 13, 45, 30, 123, [DateTimeKind]::Utc); Bson = 'date'; Type = [datetime]; Expected = [datetime]::new(2024, 2, 29, 13, 45, 30, 123, [DateTimeKind]::Utc) }
            @{ Name = 'Binary'; Value = [byte[]] (0, 1, 254, 255); Bson = 'binData'; Type = [byte[]]; Expected = [byte[]] (0, 1, 254, 255) }
            @{ Name = 'Boolean'; Value = $true; Bson = 'bool'; Type = [bool]; Expected = $true }
            @{ Name = 'String'; Value = 'Zoë'; Bson = 'string'; Type = [string]; Expected = 'Zoë' }
            @{ Name = 'Guid (as string)'; Value = [guid] '0f8fad5b-d9cb-469f-a165-70867728950e'; Bson = 'string'; Type = [string]; Expected = '0f8fad5b-d9cb-469f-a165-70867728950e' }
        ) {
            $id = [ordered]@{ v = $Value } | Add-MlRecord -Collection types
            $doc = Invoke-MlQuery -Collection types -Filter @{ _id = $id }
            $doc.v.GetType() | Should -Be $Type
            if ($Type -eq [byte[]]) { [Convert]::ToHexString($doc.v) | Should -Be ([Convert]::ToHexString($Expected)) } else { $doc.v | Should -Be $Expected }
            if ($Type -eq [decimal]) { $doc.v.ToString([cultureinfo]::InvariantCulture) | Should -Be '12.50' }
            if ($Type -eq [datetime]) { $doc.v.Kind | Should -Be 'Utc' }
            # the same value as a filter finds the document
            @(Invoke-MlQuery -Collection types -Filter @{ _id = $id; v = $Value }).Count | Should -Be 1
            # and the server stored the BSON type of the table (asked with $type: a real mongod only, see the header)
            if ($env:MLDB_TEST_MONGO_KIND -ne 'wire') { @(Invoke-MlQuery -Collection types -Filter "{""_id"": ""$id"", ""v"": {""`$type"": ""$Bson""}}").Count | Should -Be 1 }
        }

        It 'null, nested documents and arrays; key order kept' {
            $id = [ordered]@{ none = $null; sub = [ordered]@{ z = 1; a = @(1, 'two', [ordered]@{ deep = 2.5 }) }; empty = @() } | Add-MlRecord -Collection types
            $doc = Invoke-MlQuery -Collection types -Filter @{ _id = $id }
            $doc.psobject.Properties.Name | Should -Be @('_id', 'none', 'sub', 'empty')
            $doc.none | Should -BeNullOrEmpty
            $doc.sub | Should -BeOfType [pscustomobject]
            $doc.sub.psobject.Properties.Name | Should -Be @('z', 'a')
            , $doc.sub.a | Should -BeOfType [object[]]
            $doc.sub.a[2].deep | Should -Be 2.5
            , $doc.empty | Should -BeOfType [object[]]
            @(Invoke-MlQuery -Collection types -Filter @{ none = $null; _id = $id }).Count | Should -Be 1
        }

        It 'ObjectIds: _id strings find their documents, and ObjectIds survive read, change, insert' {
            $ids = @(1..3 | ForEach-Object { @{ n = $_ } } | Add-MlRecord -Collection src)
            (Invoke-MlQuery -Collection src -Filter @{ _id = $ids[1] }).n | Should -Be 2
            (Invoke-MlQuery -Collection src -Filter @{ _id = $ids[1].ToUpperInvariant() }).n | Should -Be 2
            @(Invoke-MlQuery -Collection src -Filter @{ _id = @{ '$in' = @($ids[0], $ids[2]) } }).Count | Should -Be 2

            $doc = Invoke-MlQuery -Collection src -Filter @{ _id = $ids[0] }
            $copy = [ordered]@{ _id = $doc._id; parent_id = $ids[1]; note = $ids[2]; n = 10 }
            $copyId = $copy | Add-MlRecord -Collection dst
            $copyId | Should -Be $ids[0]
            # parent_id went in as an ObjectId, note (not an _id field) as a string
            @(Invoke-MlQuery -Collection dst -Filter "{""parent_id"": {""`$oid"": ""$($ids[1])""}}").Count | Should -Be 1
            @(Invoke-MlQuery -Collection dst -Filter "{""note"": {""`$oid"": ""$($ids[2])""}}").Count | Should -Be 0
            @(Invoke-MlQuery -Collection dst -Filter @{ note = $ids[2] }).Count | Should -Be 1
            (Invoke-MlQuery -Collection dst -Filter @{ parent_id = $ids[1] }).n | Should -Be 10
        }
    }

    Context 'writing' {
        It 'ten thousand records in batches of 1000, with -AddMetadata' {
            $ids = @(1..10000 | ForEach-Object { @{ i = $_ } } | Add-MlRecord -Collection many -Script $Functions -Function tag -AddMetadata -BatchSize 1000)
            $ids.Count | Should -Be 10000
            @($ids | Select-Object -Unique).Count | Should -Be 10000
            (Invoke-MlQuery -Collection many -Pipeline '[{"$match": {"processed_by_ml": true}}, {"$count": "n"}]').n | Should -Be 10000
            (Invoke-MlQuery -Collection many -Pipeline '[{"$match": {"even": true}}, {"$count": "n"}]').n | Should -Be 5000
            (Invoke-MlQuery -Collection many -Filter '{"created_at": {"$type": "date"}}' -Script $Functions -Function count).count | Should -Be 10000
        }

        It 'logs one insertMany per group with -Verbose (-BatchSize, the older name of -CommitSize)' {
            $verbose = 1..25 | ForEach-Object { @{ i = $_ } } | Add-MlRecord -Collection logged -BatchSize 10 -Verbose 4>&1 |
                Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and "$_" -like 'insertMany*' }
            # groups of at most 10 (the ~250 ms bound may close one earlier on a busy machine), 25 documents in all
            $sizes = @($verbose | ForEach-Object { if ("$_" -match 'group \d+, (\d+) document\(s\)') { [int] $Matches[1] } })
            $sizes.Count | Should -Be @($verbose).Count
            $sizes.Count | Should -BeGreaterOrEqual 3
            ($sizes | Measure-Object -Sum).Sum | Should -Be 25
            $sizes | ForEach-Object { $_ | Should -BeLessOrEqual 10 }
            { @{ i = 1 } | Add-MlRecord -Collection logged -BatchSize 10 -CommitSize 20 } | Should -Throw -ErrorId 'MlDb.InvalidArgument,*'
        }

        It '-WhatIf runs the ML (and its rejections) but writes nothing' {
            $errors = $null
            $out = @(
                [ordered]@{ email = 'a@x' }
                [ordered]@{ email = 'nope' }
            ) | Add-MlRecord -Collection whatif -Script $Functions -Function check -WhatIf -ErrorAction SilentlyContinue -ErrorVariable errors -InformationVariable printed
            $out.Count | Should -Be 0
            $errors.Count | Should -Be 1
            "$printed" | Should -Be 'checked a@x'
            @(Invoke-MlQuery -Collection whatif).Count | Should -Be 0
        }

        It 'a record the server refuses in the middle of a group: only it is missing, its error names it by position with the server''s message' {
            $first = @{ name = 'first' } | Add-MlRecord -Collection dup
            $errors = $null
            $ids = @(@{ name = 'a' }, @{ name = 'b' }, [ordered]@{ _id = $first; name = 'again' }, @{ name = 'd' }, @{ name = 'e' } |
                Add-MlRecord -Collection dup -CommitSize 5 -ErrorAction SilentlyContinue -ErrorVariable errors)
            $ids.Count | Should -Be 4
            $errors.Count | Should -Be 1
            $errors[0].FullyQualifiedErrorId | Should -BeLike 'MlDb.InsertFailed*'
            $errors[0].CategoryInfo.Category | Should -Be 'WriteError'
            "$($errors[0])" | Should -BeLike "Record 3 (_id ""$first"") was not inserted into *.dup: MongoDB refused it: *(code *)"
            "$($errors[0])" | Should -Match '11000|[Dd]uplicate'
            "$($errors[0])" | Should -Not -Match 'again'
            $errors[0].TargetObject.name | Should -Be 'again'
            @(Invoke-MlQuery -Collection dup | ForEach-Object name | Sort-Object) | Should -Be @('a', 'b', 'd', 'e', 'first')
        }
    }

    Context 'grouped writes (-CommitSize), acknowledged ids, Ctrl+C' {
        It 'sends groups of at most -CommitSize documents, the last at the end; the ids come out in input order' {
            $all = 1..7 | ForEach-Object { [ordered]@{ i = $_ } } | Add-MlRecord -Collection g -CommitSize 3 -Verbose 4>&1
            $ids = @($all | Where-Object { $_ -is [string] })
            $groups = @($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and "$_" -like 'insertMany*' })
            $ids.Count | Should -Be 7
            for ($k = 0; $k -lt 7; $k++) { (Invoke-MlQuery -Collection g -Filter @{ _id = $ids[$k] }).i | Should -Be ($k + 1) }
            # 3 + 3 + 1 (on a busy machine the ~250 ms bound may close a group earlier: never a larger one)
            $sizes = @($groups | ForEach-Object { if ("$_" -match 'group \d+, (\d+) document\(s\), unordered \(sent: (\d+ document\(s\)|open \d+ ms|at the end)\)$') { [int] $Matches[1] } })
            $sizes.Count | Should -Be $groups.Count
            $sizes.Count | Should -BeGreaterOrEqual 3
            ($sizes | Measure-Object -Sum).Sum | Should -Be 7
            $sizes | ForEach-Object { $_ | Should -BeLessOrEqual 3 }
        }

        It 'a stalled upstream: the open group is sent after about 250 ms though no record arrives; its ids come out with the next record' {
            $probe = @{}
            $out = [Collections.Generic.List[object]]::new()
            & {
                [ordered]@{ i = 1 }
                [ordered]@{ i = 2 }
                Start-Sleep -Milliseconds 1500
                $probe.Stored = @(Invoke-MlQuery -Collection stall).Count
                $probe.WrittenOut = @($out | Where-Object { $_ -is [string] }).Count
                [ordered]@{ i = 3 }
            } | Add-MlRecord -Collection stall -Verbose 4>&1 | ForEach-Object { $out.Add($_) }
            $probe.Stored | Should -Be 2 -Because 'the group was sent while the upstream slept'
            $probe.WrittenOut | Should -Be 0 -Because 'ids are written on the pipeline thread, when the next record arrives'
            $ids = @($out | Where-Object { $_ -is [string] })
            $ids.Count | Should -Be 3
            "$($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })" | Should -Match 'group 1, 2 document\(s\), unordered \(sent: open \d+ ms\)'
            @(Invoke-MlQuery -Collection stall).Count | Should -Be 3
        }

        It 'every _id on the pipeline is already stored: ids are written out only after their group is acknowledged' {
            $checked = 0
            $missing = 0
            1..300 | ForEach-Object { @{ i = $_ } } | Add-MlRecord -Collection acked -CommitSize 25 | ForEach-Object {
                $checked++
                if (@(Invoke-MlQuery -Collection acked -Filter @{ _id = $_ }).Count -ne 1) { $missing++ }
            }
            $checked | Should -Be 300
            $missing | Should -Be 0
        }

        It 'Ctrl+C (Stop) ends the load promptly: every _id written out is stored, nothing is written after it' {
            $manifest = Get-MlTestModuleManifest
            $out = [Collections.Concurrent.ConcurrentQueue[object]]::new()
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddScript({
                        param($Manifest, $Server, $Database, $Out)
                        Import-Module $Manifest
                        Connect-MlDatabase -Provider Mongo -ConnectionString $Server -Database $Database
                        1..300000 | ForEach-Object { @{ i = $_ } } | Add-MlRecord -Collection stop -CommitSize 100 | ForEach-Object { $Out.Enqueue($_) }
                    }.ToString()).AddArgument($manifest).AddArgument($Db.ConnectionString).AddArgument($Db.Database).AddArgument($out)
                $async = $ps.BeginInvoke()
                $wait = [Diagnostics.Stopwatch]::StartNew()
                while ($out.Count -lt 500 -and -not $async.IsCompleted -and $wait.Elapsed.TotalSeconds -lt 120) { Start-Sleep -Milliseconds 50 }
                # (not $ps.Streams.Error here: enumerating it blocks until the inner pipeline ends)
                $async.IsCompleted | Should -BeFalse -Because 'the load of 300 000 records is still running'
                $out.Count | Should -BeGreaterOrEqual 500
                $watch = [Diagnostics.Stopwatch]::StartNew()
                $ps.Stop()
                $watch.Elapsed.TotalSeconds | Should -BeLessThan 10
                $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            }
            finally { $ps.Dispose() }
            $count = { (Invoke-MlQuery -Collection stop -Pipeline '[{"$count": "n"}]').n }
            $stored = & $count
            Start-Sleep -Milliseconds 800 # more than the time bound: a live timer would have sent the open group
            & $count | Should -Be $stored
            $ids = @($out.ToArray())
            $ids.Count | Should -BeGreaterOrEqual 500
            (Invoke-MlQuery -Collection stop -Pipeline @(@{ '$match' = @{ _id = @{ '$in' = $ids } } }, @{ '$count' = 'n' })).n | Should -Be $ids.Count
            # beyond the ids written out: only groups acknowledged but not yet written out, or on the wire at Ctrl+C
            ($stored - $ids.Count) | Should -BeLessOrEqual 300
        }

        It '-PassThru writes the record as written: its fields in order, _id as a string (added after them), then Action' {
            $r = [ordered]@{ name = 'Ann'; email = 'Ann@X.org' } | Add-MlRecord -Collection pt -Script $Functions -Function tidy -AddMetadata -PassThru
            $r | Should -BeOfType [pscustomobject]
            $r.psobject.Properties.Name | Should -Be @('name', 'email', 'created_at', 'processed_by_ml', '_id', 'Action')
            $r._id | Should -BeOfType [string]
            $r._id | Should -Match '^[0-9a-f]{24}$'
            $r.email | Should -Be 'ann@x.org'
            $r.created_at | Should -BeOfType [datetime]
            $r.Action | Should -Be 'Inserted'
            (Invoke-MlQuery -Collection pt -Filter @{ _id = $r._id }).email | Should -Be 'ann@x.org'

            # its own _id keeps its place; its own Action field stays, the outcome goes to MlDbAction
            $own = (New-Guid).ToString('n').Substring(0, 24)
            $r2 = [ordered]@{ kind = 'order'; _id = $own; Action = 'ship' } | Add-MlRecord -Collection pt -PassThru
            $r2.psobject.Properties.Name | Should -Be @('kind', '_id', 'Action', 'MlDbAction')
            $r2._id | Should -Be $own
            $r2.Action | Should -Be 'ship'
            $r2.MlDbAction | Should -Be 'Inserted'
        }
    }

    Context 'upserts (-OnConflict Error|Ignore|Update -Key)' {
        BeforeEach {
            @(
                [ordered]@{ email = 'a@x'; name = 'A'; n = 1 }
                [ordered]@{ email = 'b@x'; name = 'B'; n = 2 }
            ) | Add-MlRecord -Collection up | Out-Null
            $script:UpIds = @{}
            Invoke-MlQuery -Collection up | ForEach-Object { $UpIds[$_.email] = $_._id }
        }

        It 'Update sets every field the record carries but the key; new keys are inserted; the output is the _id' {
            $out = @(
                [ordered]@{ email = 'a@x'; name = 'A2' }
                [ordered]@{ email = 'c@x'; name = 'C'; n = 3 }
            ) | Add-MlRecord -Collection up -OnConflict Update -Key email -PassThru
            $out.Action | Should -Be @('Updated', 'Inserted')
            $out[0]._id | Should -Be $UpIds['a@x']
            $out[0].psobject.Properties.Name | Should -Be @('email', 'name', '_id', 'Action')
            $a = Invoke-MlQuery -Collection up -Filter @{ email = 'a@x' }
            $a.name | Should -Be 'A2'
            $a.n | Should -Be 1 -Because 'a field the record does not carry is left as it is'
            (Invoke-MlQuery -Collection up -Filter @{ email = 'c@x' })._id | Should -Be $out[1]._id
            # without -PassThru: the _id, as for inserts
            [ordered]@{ email = 'b@x'; n = 20 } | Add-MlRecord -Collection up -OnConflict Update -Key email | Should -Be $UpIds['b@x']
            (Invoke-MlQuery -Collection up -Filter @{ email = 'b@x' }).n | Should -Be 20
            @(Invoke-MlQuery -Collection up).Count | Should -Be 3
        }

        It 'Ignore leaves the existing document as it is (Action Unchanged)' {
            $out = [ordered]@{ email = 'a@x'; name = 'ignored'; n = 99 }, [ordered]@{ email = 'd@x'; name = 'D' } |
                Add-MlRecord -Collection up -OnConflict Ignore -Key email -PassThru
            $out.Action | Should -Be @('Unchanged', 'Inserted')
            $out[0]._id | Should -Be $UpIds['a@x']
            $a = Invoke-MlQuery -Collection up -Filter @{ email = 'a@x' }
            ($a.name, $a.n) | Should -Be @('A', 1)
            @(Invoke-MlQuery -Collection up).Count | Should -Be 3
        }

        It 'Error (the default) with -Key: a conflicting record is skipped alone, its error names it by position and key' {
            $errors = $null
            $ids = @([ordered]@{ email = 'new1@x' }, [ordered]@{ email = 'a@x'; secret = 'zz-private' }, [ordered]@{ email = 'new2@x' } |
                Add-MlRecord -Collection up -Key email -ErrorAction SilentlyContinue -ErrorVariable errors)
            $ids.Count | Should -Be 2
            $errors.Count | Should -Be 1
            $errors[0].FullyQualifiedErrorId | Should -BeLike 'MlDb.InsertFailed,*'
            "$($errors[0])" | Should -BeLike 'Record 2 (email "a@x") was not written to *.up: a document with its key already exists*'
            "$($errors[0])" | Should -Not -Match 'zz-private'
            $errors[0].TargetObject.secret | Should -Be 'zz-private'
            (Invoke-MlQuery -Collection up -Filter @{ email = 'a@x' }).name | Should -Be 'A'
            @(Invoke-MlQuery -Collection up).Count | Should -Be 4
        }

        It 'a compound key: a document is the one whose fields all match' {
            [ordered]@{ region = 'eu'; email = 'a@x'; n = 5 }, [ordered]@{ region = 'us'; email = 'a@x'; n = 6 } | Add-MlRecord -Collection cmp | Out-Null
            $out = [ordered]@{ region = 'us'; email = 'a@x'; n = 60 }, [ordered]@{ region = 'asia'; email = 'a@x'; n = 70 } |
                Add-MlRecord -Collection cmp -OnConflict Update -Key region, email -PassThru
            $out.Action | Should -Be @('Updated', 'Inserted')
            (Invoke-MlQuery -Collection cmp -Filter @{ region = 'eu' }).n | Should -Be 5
            (Invoke-MlQuery -Collection cmp -Filter @{ region = 'us' }).n | Should -Be 60
            (Invoke-MlQuery -Collection cmp -Filter @{ region = 'asia' }).n | Should -Be 70
        }

        It '-WhatIf says which records would be inserted and which updated, by key, and writes nothing' {
            $transcript = Join-Path $TestDrive 'upsert-whatif.txt'
            $null = Start-Transcript -LiteralPath $transcript
            try {
                [ordered]@{ email = 'a@x'; name = 'secret-one' }, [ordered]@{ email = 'z@x'; name = 'secret-two' } |
                    Add-MlRecord -Collection up -OnConflict Update -Key email -WhatIf | Should -BeNullOrEmpty
            }
            finally { $null = Stop-Transcript }
            $text = Get-Content -LiteralPath $transcript -Raw
            $text | Should -Match ([regex]::Escape("What if: Performing the operation ""Update record 1 (email ""a@x""): the document with _id $($UpIds['a@x'])"""))
            $text | Should -Match ([regex]::Escape('What if: Performing the operation "Insert record 2 (email "z@x")"'))
            $text | Should -Not -Match 'secret-'
            @(Invoke-MlQuery -Collection up).Count | Should -Be 2
            (Invoke-MlQuery -Collection up -Filter @{ email = 'a@x' }).name | Should -Be 'A'
        }

        It 'without -Key, -OnConflict Update goes by _id' {
            $out = [ordered]@{ _id = $UpIds['b@x']; name = 'B2' }, [ordered]@{ name = 'fresh' } | Add-MlRecord -Collection up -OnConflict Update -PassThru
            $out.Action | Should -Be @('Updated', 'Inserted')
            $b = Invoke-MlQuery -Collection up -Filter @{ _id = $UpIds['b@x'] }
            ($b.email, $b.name, $b.n) | Should -Be @('b@x', 'B2', 2)
        }
    }

    Context 'examples/mongo-users.ps1' {
        It 'runs against the test server: inserts, the nightly upsert (one updated, one inserted), the reports' {
            $run = Invoke-MlTestPwsh -Parameters @{ Manifest = (Get-MlTestModuleManifest); Example = (Join-Path (Get-MlTestRepositoryRoot) 'examples/mongo-users.ps1'); Server = $Server; Database = $Db.Database } -Script {
                Import-Module $Manifest
                & $Example -ConnectionString $Server -Database $Database
            } -TimeoutSeconds 300
            $run.ExitCode | Should -Be 0 -Because $run.Errors
            $lines = @($run.Result)
            $lines | Should -Contain 'Error: Invalid email address  (ken.example.jp)'
            @($lines | Where-Object { $_ -match '^Sync: Updated\s+john@example\.com \([0-9a-f]{24}\)$' }).Count | Should -Be 1
            @($lines | Where-Object { $_ -match '^Sync: Inserted\s+lena@example\.se \([0-9a-f]{24}\)$' }).Count | Should -Be 1
            $lines | Should -Contain 'Activity rate: 50.0%'
            (Invoke-MlQuery -Collection users -Filter @{ email = 'john@example.com' }).country | Should -Be 'Canada'
        }
    }

    Context 'messages name a record by position and key, never by its values' {
        It 'no value of a record in any error, -WhatIf or -Verbose line of the MongoDB write and query flows' {
            $secrets = 'Secr3t-Pa55', 'private-note-77', 'hunter2-xyz'
            $existing = [ordered]@{ email = 'dup@x' } | Add-MlRecord -Collection safe
            $records = @(
                [ordered]@{ email = 'ok@x'; password = 'Secr3t-Pa55'; note = 'private-note-77' }
                [ordered]@{ email = 'short@x'; password = 'hu'; note = 'hunter2-xyz' }          # rejected by the function
                [ordered]@{ _id = $existing; email = 'dup@x'; password = 'Secr3t-Pa55' }        # refused by the server
            )
            $transcript = Join-Path $TestDrive 'safe.txt'
            $errors = [Collections.ArrayList]::new()
            $null = Start-Transcript -LiteralPath $transcript
            try {
                $records | Add-MlRecord -Collection safe -Script $Functions -Function guard -WhatIf -Verbose -ErrorAction SilentlyContinue -ErrorVariable +errors
                $records | Add-MlRecord -Collection safe -Script $Functions -Function guard -Verbose -ErrorAction SilentlyContinue -ErrorVariable +errors | Out-Null
                $records | Add-MlRecord -Collection safe -Script $Functions -Function guard -OnConflict Update -Key email -WhatIf -Verbose -ErrorAction SilentlyContinue -ErrorVariable +errors
                $records | Add-MlRecord -Collection safe -Script $Functions -Function guard -OnConflict Ignore -Key email -Verbose -ErrorAction SilentlyContinue -ErrorVariable +errors | Out-Null
                [ordered]@{ password = 'Secr3t-Pa55' } | Add-MlRecord -Collection safe -Key email -Verbose -ErrorAction SilentlyContinue -ErrorVariable +errors
                Invoke-MlQuery -Collection safe -Filter @{ password = 'Secr3t-Pa55' } -Verbose | Out-Null
            }
            finally { $null = Stop-Transcript }
            $errors.Count | Should -BeGreaterOrEqual 6
            $text = (Get-Content -LiteralPath $transcript -Raw) + ($errors | ForEach-Object { "$_`n$($_.Exception.Message)`n$($_.ErrorDetails.Message)`n" })
            $text | Should -Match 'Insert record 1 \(_id|Insert record 1"'
            $text | Should -Match 'Record 2 \(email "short@x"\) was not written to'
            foreach ($secret in $secrets) { $text | Should -Not -Match ([regex]::Escape($secret)) -Because "'$secret' is a value of a record" }
            # the record itself is the error's TargetObject
            @($errors | Where-Object { $_.TargetObject.note -eq 'hunter2-xyz' }).Count | Should -BeGreaterThan 0
        }
    }

    Context 'a server that is not there' {
        It 'nothing listening: one clear ConnectionFailed error within the selection timeout' {
            $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
            $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $err = $null
            try { Connect-MlDatabase -Provider Mongo -ConnectionString "mongodb://127.0.0.1:$port/?directConnection=true" -Name gone } catch { $err = $_ }
            $watch.Stop()
            $err | Should -Not -BeNullOrEmpty
            $err.FullyQualifiedErrorId | Should -BeLike 'MlDb.ConnectionFailed*'
            $err.CategoryInfo.Category | Should -Be 'ConnectionError'
            "$err" | Should -Match "^Cannot connect: no answer from the MongoDB server 127\.0\.0\.1:$port \(connection 'gone'\) within 5 s \(.+\)\.$"
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 15
            Get-MlConnection -Name gone -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        }

        It 'the test server stopped: one clear error; started again: the same connection works' {
            $dir = Get-TestMongoServicesDir
            if (-not $dir) {
                Set-ItResult -Skipped -Because 'the MongoDB server is a real mongod (MLDB_TEST_MONGO_KIND=external) or not started by tests/services in this run: it is not ours to stop. The test above covers a server that is not there.'
                return
            }
            @{ i = 1 } | Add-MlRecord -Collection outage | Out-Null
            Invoke-TestMongoScript stop-server $dir
            try {
                $Error.Clear()
                $watch = [Diagnostics.Stopwatch]::StartNew()
                $err = $null
                try { Invoke-MlQuery -Collection outage } catch { $err = $_ }
                $watch.Stop()
                $err.FullyQualifiedErrorId | Should -BeLike 'MlDb.ConnectionFailed*'
                "$err" | Should -Match "^Cannot find on mldb_test_\w+\.outage: (no answer from|lost the connection to) the MongoDB server 127\.0\.0\.1:\d+ \(connection 'default'\)"
                "$err" | Should -Not -Match "`n"
                $Error.Count | Should -Be 1
                $watch.Elapsed.TotalSeconds | Should -BeLessThan 15

                $err = $null
                try { 1..5 | ForEach-Object { @{ i = $_ } } | Add-MlRecord -Collection outage -CommitSize 2 } catch { $err = $_ }
                $err.FullyQualifiedErrorId | Should -BeLike 'MlDb.ConnectionFailed*'
                # the error names the group that was not acknowledged and its records
                "$err" | Should -Match '^Cannot insert group 1 \(records? 1(–2)?\) into mldb_test_\w+\.outage: '
            }
            finally {
                Invoke-TestMongoScript start-server $dir
            }
            @(Invoke-MlQuery -Collection outage).Count | Should -Be 1
            @{ i = 2 } | Add-MlRecord -Collection outage | Should -Match '^[0-9a-f]{24}$'
            @(Invoke-MlQuery -Collection outage).Count | Should -Be 2
        }
    }

    Context 'under Set-StrictMode -Version Latest' {
        It 'finds, aggregates and inserts' {
            Set-StrictMode -Version Latest
            $id = [ordered]@{ first_name = 'Strict'; last_name = 'Mode'; email = 's@m.io'; age = 61 } | Add-MlRecord -Collection strict -Script $Processors -Function enrichUser
            (Invoke-MlQuery -Collection strict -Filter @{ _id = $id }).age_group | Should -Be 'senior'
            (Invoke-MlQuery -Collection strict -Script $Processors -Function processUsers).total_users | Should -Be 1
        }
    }
}
