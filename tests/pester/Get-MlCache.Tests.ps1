#Requires -Version 7.4
# Get-MlCache on a real Redis: the seed's processCachedUser and analyzeCache, -Default, JSON types,
# values that are not JSON, -Raw, SCAN over 10 000 keys, every primary of a 3-node cluster, and the
# server stopped mid-run.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    . (Join-Path $PSScriptRoot 'Redis.TestSupport.ps1')
    Import-MlTestModule
    $script:Processors = Join-Path (Get-MlTestSharedPath) 'seed/ml/redis_processors.ml'
    $script:Server = Get-MlTestService -Name Redis
    $script:Cluster = Get-MlTestService -Name RedisCluster
    $script:Functions = Join-Path $TestDrive 'functions.ml'
    Set-Content -LiteralPath $Functions -Value @'
function summary(data) {
    let seen = {};
    let distinct = 0;
    for (item in data.items) {
        let k = str(item.i);
        if (!seen[k]) { seen[k] = true; distinct = distinct + 1; }
    }
    return {count: data.count, distinct: distinct};
}
function nameOnly(user) { return user.name; }
function dropAll(user) { return null; }
function forever(x) { while (true) { } }
'@
}

Describe 'Get-MlCache' {
    BeforeEach {
        if ($Server) {
            Connect-MlDatabase -Provider Redis -ConnectionString $Server
            $script:Prefix = (New-MlTestName -Prefix 'mldb:get') + ':'
        }
    }
    AfterEach { Disconnect-MlDatabase -All }

    Context 'the seed scenario' {
        It 'enrichCache with an expiry, processCachedUser on read, analyzeCache over user:*' {
            if (Skip-IfNoService Redis) { return }
            # database 9 of the throw-away server holds exactly the seed's keys
            Invoke-TestRedisCli -Server $Server -Database 9 FLUSHDB | Out-Null
            Connect-MlDatabase -Provider Redis -ConnectionString "$Server,defaultDatabase=9" -Name seed
            Set-MlCache -Connection seed -Key 'user:123' -InputObject ([ordered]@{ name = 'John'; email = 'john@example.com' }) -Script $Processors -Function enrichCache -ExpirySeconds 3600
            Set-MlCache -Connection seed -Key 'user:456' -InputObject ([ordered]@{ name = 'Jane'; email = 'jane@example.com' }) -Script $Processors -Function enrichCache -ExpirySeconds 3600
            Set-MlCache -Connection seed -Key 'session:1' -InputObject @{ user = 123 }
            [int] (Invoke-TestRedisCli -Server $Server -Database 9 TTL 'user:123') | Should -BeGreaterThan 3590

            $user = Get-MlCache -Connection seed -Key 'user:123' -Script $Processors -Function processCachedUser
            $user | Should -BeOfType [pscustomobject]
            $user.psobject.Properties.Name | Should -Be @('name', 'email', 'cached_at', 'ttl', 'last_accessed', 'access_count')
            $user.access_count | Should -Be 1
            $user.access_count | Should -BeOfType [long]
            $user.ttl | Should -BeOfType [long]
            $user.last_accessed | Should -Match '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$'
            "User accessed $($user.access_count) times" | Should -Be 'User accessed 1 times'

            $result = Get-MlCache -Connection seed -Pattern 'user:*' -Script $Processors -Function analyzeCache
            $result.total_items | Should -Be 2
            @($result.items.name | Sort-Object) | Should -Be @('Jane', 'John')
            $expected = 0
            foreach ($key in 'user:123', 'user:456') { $expected += (Invoke-TestRedisCli -Server $Server -Database 9 GET $key).Length }
            $result.estimated_size_bytes | Should -Be $expected
        }
    }

    Context 'one key' {
        It 'writes the value as PowerShell objects: longs, doubles, key order, dates as ISO strings' {
            if (Skip-IfNoService Redis) { return }
            Invoke-TestRedisCli -Server $Server SET "${Prefix}v" '{"z":1,"a":2.0,"m":0.5,"when":"2024-05-06T07:08:09.000Z","list":[1,"x",null],"o":{"b":true}}' | Out-Null
            $v = Get-MlCache -Key "${Prefix}v"
            $v.psobject.Properties.Name | Should -Be @('z', 'a', 'm', 'when', 'list', 'o')
            $v.z | Should -BeOfType [long]
            $v.a | Should -BeOfType [double]
            $v.when | Should -BeExactly '2024-05-06T07:08:09.000Z'
            $v.list.Count | Should -Be 3
            $v.o.b | Should -BeTrue
            (Get-MlCache -Key "${Prefix}v" -AsHashtable) | Should -BeOfType [System.Collections.Specialized.OrderedDictionary]
        }

        It 'a missing key writes nothing, or -Default as given (without calling the function)' {
            if (Skip-IfNoService Redis) { return }
            @(Get-MlCache -Key "${Prefix}none").Count | Should -Be 0
            Get-MlCache -Key "${Prefix}none" -Default 'fallback' | Should -Be 'fallback'
            $d = Get-MlCache -Key "${Prefix}none" -Default @{ n = 1 } -Script $Functions -Function forever -TimeoutSeconds 1
            $d.n | Should -Be 1
        }

        It 'a value that is not JSON is an error naming the key; -Raw reads the text' {
            if (Skip-IfNoService Redis) { return }
            Invoke-TestRedisCli -Server $Server SET "${Prefix}bad" 'hello, not json' | Out-Null
            Get-MlCache -Key "${Prefix}bad" -ErrorVariable failures -ErrorAction SilentlyContinue
            $failures.Count | Should -Be 1
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'MlDb.CacheValueNotJson,*'
            $failures[0].Exception.Message | Should -BeLike "*'${Prefix}bad'*-Raw*"
            $failures[0].TargetObject | Should -Be "${Prefix}bad"
            $failures[0].CategoryInfo.Category | Should -Be 'InvalidData'
            Get-MlCache -Key "${Prefix}bad" -Raw | Should -BeExactly 'hello, not json'
        }

        It 'piped keys go on after a bad one' {
            if (Skip-IfNoService Redis) { return }
            Invoke-TestRedisCli -Server $Server SET "${Prefix}a" '{"name":"A"}' | Out-Null
            Invoke-TestRedisCli -Server $Server SET "${Prefix}bad" '{oops' | Out-Null
            Invoke-TestRedisCli -Server $Server HSET "${Prefix}hash" f v | Out-Null
            Invoke-TestRedisCli -Server $Server SET "${Prefix}b" '{"name":"B"}' | Out-Null
            $names = "${Prefix}a", "${Prefix}missing", "${Prefix}bad", "${Prefix}hash", "${Prefix}b" |
                Get-MlCache -Script $Functions -Function nameOnly -ErrorVariable failures -ErrorAction SilentlyContinue
            $names | Should -Be @('A', 'B')
            $failures.FullyQualifiedErrorId | ForEach-Object { ($_ -split ',')[0] } | Should -Be @('MlDb.CacheValueNotJson', 'MlDb.CacheWrongType')
        }

        It 'a function returning null writes nothing' {
            if (Skip-IfNoService Redis) { return }
            Invoke-TestRedisCli -Server $Server SET "${Prefix}a" '{"name":"A"}' | Out-Null
            @(Get-MlCache -Key "${Prefix}a" -Script $Functions -Function dropAll).Count | Should -Be 0
        }

        It '-TimeoutSeconds stops a runaway function' {
            if (Skip-IfNoService Redis) { return }
            Invoke-TestRedisCli -Server $Server SET "${Prefix}a" '{"name":"A"}' | Out-Null
            { Get-MlCache -Key "${Prefix}a" -Script $Functions -Function forever -TimeoutSeconds 1 } | Should -Throw -ErrorId 'MlDb.CommandTimeout,*'
        }

        It 'names an unknown function before reading anything' {
            if (Skip-IfNoService Redis) { return }
            { Get-MlCache -Key "${Prefix}a" -Script $Processors -Function nope } | Should -Throw -ErrorId 'MlDb.UnknownFunction,*'
        }
    }

    Context 'a pattern' {
        It 'streams the values without a function, and finds 10 000 keys exactly once with SCAN' {
            if (Skip-IfNoService Redis) { return }
            Add-TestRedisKey -Server $Server -Prefix "${Prefix}n:" -Count 10000
            Invoke-TestRedisCli -Server $Server SET "${Prefix}other" '{"i":-1}' | Out-Null
            $log = $null
            $items = Get-MlCache -Pattern "${Prefix}n:*" -PageSize 500 -Verbose 4>&1 | Where-Object {
                if ($_ -is [System.Management.Automation.VerboseRecord]) { $log += "$_`n"; $false } else { $true }
            }
            $items.Count | Should -Be 10000
            @($items.i | Sort-Object -Unique).Count | Should -Be 10000
            $log | Should -Match ([regex]::Escape("SCAN 0 MATCH ${Prefix}n:* COUNT 500"))
            $log | Should -Not -Match '(?m)^KEYS '

            $summary = Get-MlCache -Pattern "${Prefix}n:*" -Script $Functions -Function summary
            $summary.count | Should -Be 10000
            $summary.distinct | Should -Be 10000
            Remove-TestRedisKey -Server $Server -Pattern "${Prefix}*"
            @(Get-MlCache -Pattern "${Prefix}*" -KeyOnly).Count | Should -Be 0
        }

        It 'reports values that are not JSON one by one and passes the others to the function' {
            if (Skip-IfNoService Redis) { return }
            Invoke-TestRedisCli -Server $Server SET "${Prefix}p:1" '{"i":1}' | Out-Null
            Invoke-TestRedisCli -Server $Server SET "${Prefix}p:2" 'plain' | Out-Null
            Invoke-TestRedisCli -Server $Server SET "${Prefix}p:3" '{"i":3}' | Out-Null
            $summary = Get-MlCache -Pattern "${Prefix}p:*" -Script $Functions -Function summary -ErrorVariable failures -ErrorAction SilentlyContinue
            $summary.count | Should -Be 2
            $failures.Count | Should -Be 1
            $failures[0].TargetObject | Should -Be "${Prefix}p:2"
            @(Get-MlCache -Pattern "${Prefix}p:*" -Raw | Sort-Object) | Should -Be @('plain', '{"i":1}', '{"i":3}' | Sort-Object)
        }

        It '-KeyOnly writes the keys, which Remove-MlCache takes from the pipeline' {
            if (Skip-IfNoService Redis) { return }
            Add-TestRedisKey -Server $Server -Prefix "${Prefix}k:" -Count 25
            $keys = @(Get-MlCache -Pattern "${Prefix}k:*" -KeyOnly -PageSize 200)
            $keys.Count | Should -Be 25
            $keys[0] | Should -BeOfType [string]
            ($keys | Sort-Object { [int] ($_ -split ':')[-1] })[0] | Should -Be "${Prefix}k:0"
            { Get-MlCache -Pattern "${Prefix}k:*" -KeyOnly -Script $Functions -Function summary } | Should -Throw -ErrorId 'MlDb.InvalidArgument,*'
            $keys | Remove-MlCache
            @(Get-MlCache -Pattern "${Prefix}k:*" -KeyOnly).Count | Should -Be 0
        }

        It 'reports Write-Progress on a long scan and completes it' {
            if (Skip-IfNoService Redis) { return }
            Add-TestRedisKey -Server $Server -Prefix "${Prefix}pr:" -Count 2000
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddScript(@"
Import-Module '$(Get-MlTestModuleManifest)'
Connect-MlDatabase -Provider Redis -ConnectionString '$Server'
`$n = 0
Get-MlCache -Pattern '${Prefix}pr:*' -PageSize 100 | ForEach-Object { if (`$n++ -eq 0) { Start-Sleep -Milliseconds 1200 } }
`$n
"@)
                $out = $ps.Invoke()
                $ps.HadErrors | Should -BeFalse -Because ($ps.Streams.Error -join '; ')
                $out[-1] | Should -Be 2000
                $progress = @($ps.Streams.Progress)
                $progress.Count | Should -BeGreaterThan 1
                $progress[0].Activity | Should -Be 'Get-MlCache'
                $progress[0].CurrentOperation | Should -Be "-Pattern ${Prefix}pr:*"
                $progress[-1].RecordType | Should -Be 'Completed'
            }
            finally { $ps.Dispose() }
            Remove-TestRedisKey -Server $Server -Pattern "${Prefix}pr:*"
        }

        It 'finds nothing for a pattern nothing matches' {
            if (Skip-IfNoService Redis) { return }
            @(Get-MlCache -Pattern "${Prefix}nothing:*").Count | Should -Be 0
            (Get-MlCache -Pattern "${Prefix}nothing:*" -Script $Processors -Function analyzeCache).total_items | Should -Be 0
        }
    }

    Context 'examples/redis-cache.ps1' {
        It 'runs the seed scenario end to end in a fresh pwsh and cleans up' {
            if (Skip-IfNoService Redis) { return }
            $example = Join-Path (Get-MlTestRepositoryRoot) 'examples/redis-cache.ps1'
            $run = Invoke-MlTestPwsh -Parameters @{ Manifest = (Get-MlTestModuleManifest); Example = $example; Server = $Server; Prefix = $Prefix } -Script {
                Import-Module $Manifest
                & $Example -ConnectionString $Server -KeyPrefix $Prefix
            }
            $run.ExitCode | Should -Be 0 -Because $run.Errors
            ($run.Result -join "`n") | Should -Match 'User accessed 1 times'
            $run.Result | Should -Contain 'Cached users: 2'
            $run.Result | Should -Contain 'user:999 is not cached'
            $run.Result[0] | Should -Match '^Stored: \{"name":"John","email":"john@example\.com","cached_at":"[^"]+","ttl":3600\}$'
            Invoke-TestRedisCli -Server $Server EXISTS "${Prefix}user:123" "${Prefix}user:456" | Should -Be '0'
        }
    }

    Context 'Ctrl+C and strict mode' {
        It 'Ctrl+C (Stop) ends a running ML function promptly' {
            if (Skip-IfNoService Redis) { return }
            Invoke-TestRedisCli -Server $Server SET "${Prefix}spin" '{"a":1}' | Out-Null
            $manifest = Get-MlTestModuleManifest
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddScript("Import-Module '$manifest'; Connect-MlDatabase -Provider Redis -ConnectionString '$Server'; Get-MlCache -Key '${Prefix}spin' -Script '$Functions' -Function forever")
                $async = $ps.BeginInvoke()
                Start-Sleep -Milliseconds 1500
                $async.IsCompleted | Should -BeFalse -Because 'the function never returns'
                $watch = [Diagnostics.Stopwatch]::StartNew()
                $ps.Stop()
                $watch.Elapsed.TotalSeconds | Should -BeLessThan 10
                $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            }
            finally { $ps.Dispose() }
        }

        It 'works under Set-StrictMode -Version Latest' {
            if (Skip-IfNoService Redis) { return }
            Set-StrictMode -Version Latest
            Set-MlCache -Key "${Prefix}user:1" -InputObject ([ordered]@{ name = 'S'; email = 's@example.com' }) -Script $Processors -Function enrichCache -ExpirySeconds 60
            (Get-MlCache -Key "${Prefix}user:1" -Script $Processors -Function processCachedUser).access_count | Should -Be 1
            (Get-MlCache -Pattern "${Prefix}user:*" -Script $Processors -Function analyzeCache).total_items | Should -Be 1
            Remove-MlCache -Key "${Prefix}user:1"
            @(Get-MlCache -Pattern "${Prefix}*").Count | Should -Be 0
        }
    }

    Context 'a 3-primary Redis Cluster' {
        It 'finds the keys of every primary' {
            if (Skip-IfNoService RedisCluster) { return }
            Connect-MlDatabase -Provider Redis -ConnectionString $Cluster -Name cluster
            $cp = (New-MlTestName -Prefix 'mldb:cluster') + ':'
            0..299 | ForEach-Object { [pscustomobject]@{ Key = "${cp}user:$_"; name = "user$_" } } |
                Set-MlCache -Connection cluster -Script $Processors -Function enrichCache -ExpirySeconds 600
            $perNode = foreach ($node in $Cluster -split ',') { @(Invoke-TestRedisCli -Server $node --scan --pattern "${cp}*").Count }
            $perNode.Count | Should -Be 3
            $perNode | ForEach-Object { $_ | Should -BeGreaterThan 0 -Because "every primary holds keys ($($perNode -join ', '))" }
            ($perNode | Measure-Object -Sum).Sum | Should -Be 300

            $verbose = Get-MlCache -Connection cluster -Pattern "${cp}user:*" -PageSize 50 -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | Out-String
            foreach ($node in $Cluster -split ',') { $verbose | Should -Match ([regex]::Escape("[$node]")) }
            $result = Get-MlCache -Connection cluster -Pattern "${cp}user:*" -Script $Processors -Function analyzeCache
            $result.total_items | Should -Be 300
            @($result.items.name | Sort-Object -Unique).Count | Should -Be 300
            (Get-MlCache -Connection cluster -Key "${cp}user:42" -Script $Processors -Function processCachedUser).access_count | Should -Be 1
        }
    }

    Context 'the server stops mid-run' {
        It 'gives one clear error naming the endpoint, and works again after the restart' {
            if (Skip-IfNoService Redis) { return }
            $dir = Get-TestRedisServicesDir
            if (-not $dir) { Set-ItResult -Skipped -Because 'no tests/services state folder runs the Redis of MLDB_TEST_REDIS: it cannot be stopped and restarted'; return }
            Connect-MlDatabase -Provider Redis -ConnectionString "$Server,connectTimeout=2000" -Name fragile
            Add-TestRedisKey -Server $Server -Prefix "${Prefix}s:" -Count 400
            $seen = 0
            $caught = $null
            $clock = [Diagnostics.Stopwatch]::new()
            try {
                try {
                    Get-MlCache -Connection fragile -Pattern "${Prefix}s:*" -PageSize 20 -ErrorVariable failures | ForEach-Object {
                        if ($seen++ -eq 0) { Invoke-TestRedisService stop-server $dir; $clock.Start() }
                    }
                }
                catch { $caught = $_ }
                $clock.Stop()
                $caught | Should -Not -BeNullOrEmpty
                $failures.Count | Should -Be 1
                $caught.FullyQualifiedErrorId | Should -BeLike 'MlDb.ConnectionFailed,*'
                $caught.CategoryInfo.Category | Should -Be 'ConnectionError'
                $caught.Exception.Message | Should -BeLike "Cannot reach Redis at $Server*"
                $seen | Should -BeLessThan 400
                $clock.Elapsed.TotalSeconds | Should -BeLessThan 9

                $clock.Restart()
                $err = $null
                try { Get-MlCache -Connection fragile -Key "${Prefix}s:1" } catch { $err = $_ }
                $clock.Stop()
                $err.FullyQualifiedErrorId | Should -BeLike 'MlDb.ConnectionFailed,*'
                $err.Exception.Message | Should -BeLike "Cannot reach Redis at $Server (GET ${Prefix}s:1):*"
                $clock.Elapsed.TotalSeconds | Should -BeLessThan 5
            }
            finally {
                Invoke-TestRedisService start-server $dir
            }
            # the same connection comes back by itself (the data is gone: persistence is off)
            @(Get-MlCache -Connection fragile -Key "${Prefix}s:1").Count | Should -Be 0
            Set-MlCache -Connection fragile -Key "${Prefix}again" -InputObject @{ ok = $true }
            (Get-MlCache -Connection fragile -Key "${Prefix}again").ok | Should -BeTrue
        }
    }
}

# The help pages of the three Redis cmdlets: synopsis, description, every parameter, and examples
# that run (their 'localhost:6379' is the test server here).
Describe 'Help of <_>' -ForEach @('Get-MlCache', 'Set-MlCache', 'Remove-MlCache') {
    BeforeAll {
        $script:name = $_
        $script:help = Get-Help -Name $_ -Full
    }

    It 'has a synopsis and a description' {
        $help.Synopsis | Should -Not -Match ([regex]::Escape($name) + '\s*\[')
        ($help.description.Text -join ' ').Length | Should -BeGreaterThan 50
    }

    It 'describes every parameter' {
        $common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
        foreach ($p in (Get-Command $name).Parameters.Keys | Where-Object { $_ -notin $common }) {
            $entry = $help.parameters.parameter | Where-Object name -EQ $p
            ($entry.description.Text -join ' ') | Should -Not -BeNullOrEmpty -Because "-$p needs a description"
        }
    }

    It 'has examples, and each runs against a Redis server' {
        @($help.examples.example).Count | Should -BeGreaterThan 0
        if (Skip-IfNoService Redis) { return }
        foreach ($example in $help.examples.example) {
            $example.code | Should -Match 'localhost:6379'
            $work = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
            $null = New-Item -ItemType Directory -Path $work
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddScript("Set-Location -LiteralPath '$work'; Import-Module '$(Get-MlTestModuleManifest)'; `$ErrorActionPreference = 'Stop'").AddStatement()
                $null = $ps.AddScript($example.code.Replace('localhost:6379', $Server)).AddStatement()
                $null = $ps.AddScript('Disconnect-MlDatabase -All')
                $output = $ps.Invoke()
                $ps.HadErrors | Should -BeFalse -Because "$($example.title) should run: $($ps.Streams.Error -join '; ')"
                $output.Count | Should -BeGreaterThan 0 -Because "$($example.title) shows something"
            }
            finally { $ps.Dispose() }
        }
    }
}
