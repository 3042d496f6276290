#Requires -Version 7.4
# Set-MlCache on a real Redis: the seed's enrichCache with an expiry (TTL checked), JSON as MlDb maps
# it, -Raw, -WhatIf, -PassThru, rejected values, connection errors, credentials never shown.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    . (Join-Path $PSScriptRoot 'Redis.TestSupport.ps1')
    Import-MlTestModule
    $script:Processors = Join-Path (Get-MlTestSharedPath) 'seed/ml/redis_processors.ml'
    $script:Server = Get-MlTestService -Name Redis
    $script:Checks = Join-Path $TestDrive 'checks.ml'
    Set-Content -LiteralPath $Checks -Value @'
function requireEmail(user) {
    if (!user.email) { throw "email is required"; }
    user.checked = true;
    return user;
}
function shout(text) { return text.toUpperCase(); }
function nothing(v) { return null; }
'@
}

Describe 'Set-MlCache' {
    BeforeEach {
        if ($Server) {
            Connect-MlDatabase -Provider Redis -ConnectionString $Server
            $script:Prefix = (New-MlTestName -Prefix 'mldb:set') + ':'
        }
    }
    AfterEach {
        Disconnect-MlDatabase -All
    }

    It 'runs the seed: enrichCache, stored as JSON with the expiry' {
        if (Skip-IfNoService Redis) { return }
        $key = "${Prefix}user:123"
        Set-MlCache -Key $key -InputObject ([ordered]@{ name = 'John'; email = 'john@example.com' }) -Script $Processors -Function enrichCache -ExpirySeconds 3600
        $ttl = [int] (Invoke-TestRedisCli -Server $Server TTL $key)
        $ttl | Should -BeGreaterThan 3590
        $ttl | Should -BeLessOrEqual 3600
        $json = Invoke-TestRedisCli -Server $Server GET $key
        $json | Should -Match '^\{"name":"John","email":"john@example\.com","cached_at":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z","ttl":3600\}$'
    }

    It 'stores no expiry unless asked' {
        if (Skip-IfNoService Redis) { return }
        Set-MlCache -Key "${Prefix}k" -InputObject @{ a = 1 }
        Invoke-TestRedisCli -Server $Server TTL "${Prefix}k" | Should -Be '-1'
    }

    It 'writes JSON with MlDb''s mapping: ints, doubles, key order, ISO dates, nesting' {
        if (Skip-IfNoService Redis) { return }
        $value = [ordered]@{
            i      = 1
            d      = 2.5
            whole  = 2.0
            when   = [datetime]::new(2024, 5, 6, 7, 8, 9, [DateTimeKind]::Utc)
            list   = @(1, 'a', $null)
            nested = [pscustomobject]@{ b = $true; s = 'é "q"' }
        }
        Set-MlCache -Key "${Prefix}types" -InputObject $value
        Invoke-TestRedisCli -Server $Server GET "${Prefix}types" |
            Should -BeExactly '{"i":1,"d":2.5,"whole":2.0,"when":"2024-05-06T07:08:09.000Z","list":[1,"a",null],"nested":{"b":true,"s":"é \"q\""}}'
    }

    It 'takes values from the pipeline with -PassThru writing what was stored' {
        if (Skip-IfNoService Redis) { return }
        $out = [pscustomobject]@{ name = 'Ann'; email = 'ann@example.com' } |
            Set-MlCache -Key "${Prefix}ann" -Script $Checks -Function requireEmail -PassThru
        $out.checked | Should -BeTrue
        $out.psobject.Properties.Name | Should -Be @('name', 'email', 'checked')
    }

    It 'a value the function rejects is a non-terminating error, nothing stored, the next goes on' {
        if (Skip-IfNoService Redis) { return }
        $records = @(
            [pscustomobject]@{ Key = "${Prefix}1"; email = 'a@example.com' }
            [pscustomobject]@{ Key = "${Prefix}2" }
            [pscustomobject]@{ Key = "${Prefix}3"; email = 'c@example.com' }
        )
        $records | Set-MlCache -Script $Checks -Function requireEmail -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures.Count | Should -Be 1
        $failures[0].Exception.Message | Should -Be 'email is required'
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'MlDb.ScriptRuntime,*'
        Invoke-TestRedisCli -Server $Server EXISTS "${Prefix}1" "${Prefix}2" "${Prefix}3" | Should -Be '2'
        Invoke-TestRedisCli -Server $Server EXISTS "${Prefix}2" | Should -Be '0'
    }

    It 'a function returning null stores nothing and says so' {
        if (Skip-IfNoService Redis) { return }
        Set-MlCache -Key "${Prefix}n" -InputObject @{ a = 1 } -Script $Checks -Function nothing -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'MlDb.InvalidResult,*'
        $failures[0].Exception.Message | Should -BeLike "*'${Prefix}n'*"
        Invoke-TestRedisCli -Server $Server EXISTS "${Prefix}n" | Should -Be '0'
    }

    It '-WhatIf runs the function but writes nothing' {
        if (Skip-IfNoService Redis) { return }
        Set-MlCache -Key "${Prefix}w" -InputObject @{ name = 'W'; email = 'w@example.com' } -Script $Processors -Function enrichCache -ExpirySeconds 60 -WhatIf
        Invoke-TestRedisCli -Server $Server EXISTS "${Prefix}w" | Should -Be '0'
        # the function still runs under -WhatIf: a value it rejects is reported
        Set-MlCache -Key "${Prefix}w" -InputObject @{ name = 'W' } -Script $Checks -Function requireEmail -WhatIf -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].Exception.Message | Should -Be 'email is required'
        Invoke-TestRedisCli -Server $Server EXISTS "${Prefix}w" | Should -Be '0'
    }

    It '-Raw stores plain text, and refuses values that are not text' {
        if (Skip-IfNoService Redis) { return }
        Set-MlCache -Key "${Prefix}raw" -InputObject 'not json, just text' -Script $Checks -Function shout -Raw
        Invoke-TestRedisCli -Server $Server GET "${Prefix}raw" | Should -BeExactly 'NOT JSON, JUST TEXT'
        Set-MlCache -Key "${Prefix}raw2" -InputObject 42 -Raw -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'MlDb.InvalidValue,*'
        $failures[0].Exception.Message | Should -BeLike "*'${Prefix}raw2'*"
        Invoke-TestRedisCli -Server $Server EXISTS "${Prefix}raw2" | Should -Be '0'
    }

    It 'logs the Redis command with -Verbose (its size, not the value)' {
        if (Skip-IfNoService Redis) { return }
        $verbose = Set-MlCache -Key "${Prefix}v" -InputObject @{ secret = 'value-xyz' } -ExpirySeconds 30 -Verbose 4>&1
        $set = @($verbose | Where-Object { "$_" -like 'SET *' })
        $set.Count | Should -Be 1
        "$($set[0])" | Should -BeExactly "SET ${Prefix}v <22 characters> EX 30  [$Server]"
    }

    It 'messages of the cache cmdlets name the key, never the value: -WhatIf, -Verbose and errors' {
        if (Skip-IfNoService Redis) { return }
        $secret = 'Secr3t-' + [guid]::NewGuid().ToString('n').Substring(0, 10)
        Invoke-TestRedisCli -Server $Server SET "${Prefix}bad" "not json $secret" | Out-Null
        $transcript = Join-Path $TestDrive 'cache-safe.txt'
        $errors = [Collections.ArrayList]::new()
        $null = Start-Transcript -LiteralPath $transcript
        try {
            Set-MlCache -Key "${Prefix}s1" -InputObject @{ password = $secret } -ExpirySeconds 30 -WhatIf -Verbose
            Set-MlCache -Key "${Prefix}s1" -InputObject @{ password = $secret } -ExpirySeconds 30 -Verbose
            Set-MlCache -Key "${Prefix}s2" -InputObject @{ password = $secret } -Script $Checks -Function requireEmail -Verbose -ErrorAction SilentlyContinue -ErrorVariable +errors
            Set-MlCache -Key "${Prefix}s3" -InputObject @{ password = $secret } -Script $Checks -Function nothing -ErrorAction SilentlyContinue -ErrorVariable +errors
            Set-MlCache -Key "${Prefix}s4" -InputObject @{ password = $secret } -Raw -ErrorAction SilentlyContinue -ErrorVariable +errors
            Get-MlCache -Key "${Prefix}s1" -Verbose | Out-Null
            Get-MlCache -Key "${Prefix}bad" -Verbose -ErrorAction SilentlyContinue -ErrorVariable +errors
            Get-MlCache -Pattern "${Prefix}*" -Verbose -ErrorAction SilentlyContinue -ErrorVariable +errors | Out-Null
            Remove-MlCache -Key "${Prefix}s1" -WhatIf -Verbose
        }
        finally { $null = Stop-Transcript }
        $errors.Count | Should -BeGreaterOrEqual 5
        $text = (Get-Content -LiteralPath $transcript -Raw) + ($errors | ForEach-Object { "$_`n$($_.Exception.Message)`n$($_.ErrorDetails.Message)`n" })
        $text | Should -Match ([regex]::Escape("What if: Performing the operation ""Set cache value (JSON, ") + '\d+ characters, expires in 30 s\)" on target "' + [regex]::Escape("${Prefix}s1"))
        $text | Should -Match ([regex]::Escape("The value at the key '${Prefix}bad' is not JSON (invalid JSON at line 1, column ") + '\d+\)\.')
        $text | Should -Not -Match ([regex]::Escape($secret))
        # the value itself stays in the error's TargetObject
        @($errors | Where-Object { $_.TargetObject.password -eq $secret }).Count | Should -BeGreaterThan 0
    }

    It 'needs a Redis connection' {
        if (Skip-IfNoService Redis) { return }
        Connect-MlDatabase -Provider Sqlite -ConnectionString ':memory:' -Name sql
        { Set-MlCache -Connection sql -Key k -InputObject 1 } | Should -Throw -ErrorId 'MlDb.WrongProvider,*'
    }

    It 'validates its parameters' {
        { Set-MlCache -Key '' -InputObject 1 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,*'
        { Set-MlCache -Key k -InputObject 1 -ExpirySeconds 0 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,*'
    }
}

Describe 'Set-MlCache connections' {
    AfterEach { Disconnect-MlDatabase -All }

    It 'a server that does not answer gives one error naming the endpoint, within the connect timeout' {
        $port = Get-TestFreePort
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $err = $null
        try { Connect-MlDatabase -Provider Redis -ConnectionString "127.0.0.1:$port,connectTimeout=1500" -ErrorVariable all }
        catch { $err = $_ }
        $clock.Stop()
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike 'MlDb.ConnectionFailed,*'
        $err.Exception.Message | Should -BeLike "Cannot connect to Redis at 127.0.0.1:${port}:*"
        $all.Count | Should -Be 1
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 4
    }

    It 'takes the password from -Credential and never shows it' {
        if (Skip-IfNoService Redis) { return }
        $auth = [Environment]::GetEnvironmentVariable('MLDB_TEST_REDIS_AUTH')
        $password = [Environment]::GetEnvironmentVariable('MLDB_TEST_REDIS_PASSWORD')
        if (-not $auth -or -not $password) { Set-ItResult -Skipped -Because 'MLDB_TEST_REDIS_AUTH / MLDB_TEST_REDIS_PASSWORD are not set (no password-protected Redis)'; return }
        $credential = [pscredential]::new('default', (ConvertTo-SecureString $password -AsPlainText -Force))
        $shown = Connect-MlDatabase -Provider Redis -ConnectionString $auth -Credential $credential -Name secure -PassThru -Verbose 4>&1 | Out-String
        $key = (New-MlTestName -Prefix 'mldb:auth') + ':k'
        $shown += Set-MlCache -Connection secure -Key $key -InputObject @{ a = 1 } -Verbose 4>&1 | Out-String
        $shown += Get-MlCache -Connection secure -Key $key -Verbose 4>&1 | Out-String
        $shown += Get-MlConnection | Format-List * | Out-String
        $shown | Should -Match ([regex]::Escape($auth))
        $shown | Should -Not -Match ([regex]::Escape($password))
        Invoke-TestRedisCli -Server $auth -Password $password GET $key | Should -Be '{"a":1}'

        $wrong = [pscredential]::new('default', (ConvertTo-SecureString 'not-the-password-42' -AsPlainText -Force))
        $err = $null
        try { Connect-MlDatabase -Provider Redis -ConnectionString $auth -Credential $wrong -Name bad } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'MlDb.ConnectionFailed,*'
        $err.Exception.Message | Should -BeLike "*$auth*authentication failed*"
        ($err | Format-List * -Force | Out-String) + $err.Exception.ToString() | Should -Not -Match 'not-the-password-42'
    }
}
