#Requires -Version 7.4
# Add-MlRecord -Table, the write path of issues 10 and 14 on SQLite files: group commit (keys only
# after commit, groups by size and time), Ctrl+C (PowerShell.Stop()) mid-group, the process killed
# mid-load, -PassThru, -OnConflict/-Key per record and in batches, -WhatIf by key, and messages that
# name records by position and key but never print their values.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-MlTestModule
    $script:Manifest = Get-MlTestModuleManifest

    # The rule of the write-path benchmark (the issue's scenario): the e-mail must be an address; the
    # domain is added. check per record, checkBatch per batch.
    $script:Rules = Join-Path (Get-MlTestRepositoryRoot) 'bench/write/write.ml'

    # Starts a script in a brand-new pwsh and returns its process (for tests that kill it).
    function script:Start-Pwsh([string] $ScriptText, [string] $Folder) {
        $file = Join-Path $Folder 'child.ps1'
        Set-Content -LiteralPath $file -Value $ScriptText
        $commandLine = @(Get-MlTestPwshCommandLine) + @('-NoLogo', '-NoProfile', '-NonInteractive', '-File', $file)
        $info = [Diagnostics.ProcessStartInfo]::new($commandLine[0])
        foreach ($argument in $commandLine | Select-Object -Skip 1) { $info.ArgumentList.Add($argument) }
        $info.UseShellExecute = $false
        $info.RedirectStandardOutput = $true
        $info.RedirectStandardError = $true
        [Diagnostics.Process]::Start($info)
    }

    function script:Wait-Until([scriptblock] $Condition, [string] $What, [int] $Seconds = 60) {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        while (-not (& $Condition)) {
            if ($clock.Elapsed.TotalSeconds -gt $Seconds) { throw "Timed out waiting for $What." }
            Start-Sleep -Milliseconds 50
        }
    }
}

Describe 'Add-MlRecord -Table: the write path' {
    BeforeEach {
        $script:db = New-MlTestDatabase -Sql @(
            'CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL UNIQUE, age INTEGER CHECK (age >= 0), domain TEXT)'
            'CREATE TABLE tasks (id INTEGER PRIMARY KEY, title TEXT, action TEXT)'
        )
        Connect-MlDatabase -ConnectionString $db.ConnectionString
        # A second connection to the same file: it sees only what is committed.
        Connect-MlDatabase -ConnectionString $db.ConnectionString -Name observer
    }
    AfterEach {
        Disconnect-MlDatabase -All
        $db | Remove-MlTestDatabase
    }

    Context 'group commit' {
        It 'a key comes out only once its row is committed, group by group' {
            $inputs = [System.Collections.Generic.List[int]]::new()
            $seen = 1..10 | ForEach-Object { $inputs.Add($_); @{ name = "u$_"; email = "u$_@example.org" } } |
                Add-MlRecord -Table users -CommitSize 4 | ForEach-Object {
                    [pscustomobject]@{
                        Key       = $_
                        ReadSoFar = $inputs.Count
                        Committed = (Invoke-MlQuery -Connection observer -Query 'SELECT count(*) AS n FROM users WHERE id = @id' -Parameters @{ id = $_ }).n
                    }
                }
            $seen.Key | Should -Be (1..10)
            $seen.Committed | Should -Be (@(1) * 10)
            # groups of four: keys 1-4 after the 4th record was read, 5-8 after the 8th, 9-10 at the end
            $seen.ReadSoFar | Should -Be @(4, 4, 4, 4, 8, 8, 8, 8, 10, 10)
        }

        It '-CommitSize 1 commits each record on its own, as before' {
            $seen = 1..3 | ForEach-Object { @{ name = "u$_"; email = "u$_@example.org" } } | Add-MlRecord -Table users -CommitSize 1 -Verbose 4>&1 |
                Where-Object { $_ -isnot [Management.Automation.VerboseRecord] -or $_.Message -match '^(BEGIN|COMMIT|SAVEPOINT)' }
            $seen | Should -Be @(1, 2, 3)
        }

        It 'a record the database refuses in the middle of a group is the only one missing, and its error names it' {
            $records = 1..6 | ForEach-Object { [ordered]@{ name = "u$_"; email = if ($_ -eq 4) { 'u1@example.org' } else { "u$_@example.org" }; age = 30 } }
            $keys = $records | Add-MlRecord -Table users -ErrorVariable errs -ErrorAction SilentlyContinue
            $keys | Should -HaveCount 5
            (Invoke-MlQuery -Connection observer -Query 'SELECT name FROM users ORDER BY id').name | Should -Be @('u1', 'u2', 'u3', 'u5', 'u6')
            $errs | Should -HaveCount 1
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'MlDb.InsertFailed,*'
            $errs[0].CategoryInfo.Category | Should -Be 'WriteError'
            $errs[0].ToString() | Should -Be "Record 4 was not inserted: SQLite Error 19: 'UNIQUE constraint failed: users.email'."
            $errs[0].TargetObject | Should -Be $records[3]
        }

        It 'a stalled input does not hold the transaction: the group commits after about 250 ms' {
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddScript({
                        param($Manifest, $ConnectionString)
                        Import-Module $Manifest
                        Connect-MlDatabase -ConnectionString $ConnectionString
                        1..3 | ForEach-Object { if ($_ -eq 3) { Start-Sleep -Seconds 60 }; @{ name = "u$_"; email = "u$_@example.org" } } | Add-MlRecord -Table users
                    }).AddArgument($Manifest).AddArgument($db.ConnectionString)
                $async = $ps.BeginInvoke()
                $clock = [Diagnostics.Stopwatch]::StartNew()
                Wait-Until { (Invoke-MlQuery -Connection observer -Query 'SELECT count(*) AS n FROM users').n -eq 2 } 'the time bound to commit while the input waits' -Seconds 20
                $clock.Elapsed.TotalSeconds | Should -BeLessThan 10
                # the write lock is free: this connection can write now (a held lock would fail it after 2 s)
                $null = Invoke-MlQuery -Connection observer -Query "INSERT INTO tasks (title) VALUES ('meanwhile')" -TimeoutSeconds 2
                (Invoke-MlQuery -Connection observer -Query 'SELECT count(*) AS n FROM tasks').n | Should -Be 1
                $ps.Stop()
            }
            finally { $ps.Dispose() }
        }
    }

    Context 'Ctrl+C and a killed process' {
        It 'Ctrl+C (PowerShell.Stop()) in the middle of a group: every key written out is a row, and no row lacks its key' {
            # Record 2500's INSERT runs long (a trigger with a big cross join), so Stop() lands while
            # group 3 is open; SQLite is interrupted and the open group is rolled back.
            $null = Invoke-MlQuery -Query 'CREATE TABLE big (x INTEGER)'
            $null = Invoke-MlQuery -Query 'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) INSERT INTO big SELECT i FROM n'
            $null = Invoke-MlQuery -Query "CREATE TRIGGER slow BEFORE INSERT ON users WHEN NEW.name = 'u2500' BEGIN SELECT count(*) FROM big a, big b, big c; END"
            $keys = [System.Collections.Concurrent.ConcurrentQueue[long]]::new()
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddScript({
                        param($Manifest, $ConnectionString, $Keys)
                        Import-Module $Manifest
                        Connect-MlDatabase -ConnectionString $ConnectionString
                        1..5000 | ForEach-Object { @{ name = "u$_"; email = "u$_@example.org" } } | Add-MlRecord -Table users | ForEach-Object { $Keys.Enqueue($_) }
                    }).AddArgument($Manifest).AddArgument($db.ConnectionString).AddArgument($keys)
                $async = $ps.BeginInvoke()
                $clock = [Diagnostics.Stopwatch]::StartNew()
                while ($keys.Count -lt 2000) {
                    if ($async.IsCompleted -or $clock.Elapsed.TotalSeconds -gt 180) {
                        throw "After $($keys.Count) keys the load is $($ps.InvocationStateInfo.State): $($ps.Streams.Error -join '; ') $($ps.InvocationStateInfo.Reason)"
                    }
                    Start-Sleep -Milliseconds 50
                }
                Start-Sleep -Seconds 1
                $clock = [Diagnostics.Stopwatch]::StartNew()
                $ps.Stop()
                $clock.Elapsed.TotalSeconds | Should -BeLessThan 10
            }
            finally { $ps.Dispose() }
            $rows = @((Invoke-MlQuery -Connection observer -Query 'SELECT id FROM users ORDER BY id').id)
            $keys.Count | Should -BeGreaterOrEqual 2000
            $keys.Count | Should -BeLessThan 2500
            $rows | Should -Be @($keys.ToArray())
        }

        It 'Ctrl+C after the time bound committed records while the input waited: the host is told which records and keys' {
            $run = Invoke-MlTestPwsh -Parameters @{ Manifest = $Manifest; ConnectionString = $db.ConnectionString } -Script {
                Import-Module $Manifest
                Connect-MlDatabase -ConnectionString $ConnectionString -Name watch
                $runspace = [runspacefactory]::CreateRunspace($Host)
                $runspace.Open()
                $ps = [powershell]::Create()
                $ps.Runspace = $runspace
                $null = $ps.AddScript("Import-Module '$Manifest'; Connect-MlDatabase -ConnectionString '$ConnectionString'; 1..3 | ForEach-Object { if (`$_ -eq 3) { Start-Sleep -Seconds 60 }; @{ name = `"u`$_`"; email = `"u`$_@example.org`" } } | Add-MlRecord -Table users")
                $null = $ps.BeginInvoke()
                for ($i = 0; $i -lt 400 -and (Invoke-MlQuery -Connection watch -Query 'SELECT count(*) AS n FROM users').n -lt 2; $i++) { Start-Sleep -Milliseconds 50 }
                $ps.Stop()
                (Invoke-MlQuery -Connection watch -Query 'SELECT count(*) AS n FROM users').n
            }
            $run.ExitCode | Should -Be 0 -Because $run.Errors
            $run.Result | Should -Be 2
            $run.Output | Should -Match 'WARNING: Add-MlRecord -Table users was stopped after 2 record\(s\) were committed while the input waited; they are in the table but were not written out: records 1-2; their keys: 1, 2\.'
        }

        It 'the process killed mid-load: every key it wrote out is a row, and the rows without one are at most the last group' {
            $keysFile = Join-Path $TestDrive 'keys.txt'
            $child = Start-Pwsh -Folder $TestDrive -ScriptText @"
Import-Module '$Manifest'
Connect-MlDatabase -ConnectionString '$($db.ConnectionString)'
`$out = [IO.StreamWriter]::new('$keysFile')
`$out.AutoFlush = `$true
1..1000000 | ForEach-Object { @{ name = "u`$_"; email = "u`$_@example.org"; age = 20 } } | Add-MlRecord -Table users -Script '$Rules' -Function check -CommitSize 500 | ForEach-Object { `$out.WriteLine(`$_) }
"@
            try {
                $lines = { if (Test-Path -LiteralPath $keysFile) { $s = [IO.FileStream]::new($keysFile, 'Open', 'Read', 'ReadWrite'); try { ([IO.StreamReader]::new($s)).ReadToEnd() } finally { $s.Dispose() } } else { '' } }
                Wait-Until { ((& $lines) -split "`n").Count -gt 3000 } 'the child to write 3000 keys' -Seconds 120
                $child.Kill($true)
                $child.WaitForExit()
            }
            finally { if (-not $child.HasExited) { $child.Kill($true) } }
            $text = & $lines
            # only whole lines: the kill may cut the last one
            $written = @($text.Substring(0, $text.LastIndexOf("`n")) -split "`n" | ForEach-Object { [long] $_ })
            Disconnect-MlDatabase -All
            Connect-MlDatabase -ConnectionString $db.ConnectionString
            $rows = @((Invoke-MlQuery -Query 'SELECT id FROM users ORDER BY id').id)
            $rowSet = [Collections.Generic.HashSet[long]]::new([long[]] $rows)
            @($written | Where-Object { -not $rowSet.Contains($_) }) | Should -BeNullOrEmpty -Because 'every key written out is a durable row'
            $keySet = [Collections.Generic.HashSet[long]]::new([long[]] $written)
            $unannounced = @($rows | Where-Object { -not $keySet.Contains($_) })
            $unannounced.Count | Should -BeLessOrEqual 500 -Because 'only the last group can be committed without its keys written out'
            if ($unannounced) { $unannounced[0] | Should -BeGreaterThan ($written | Measure-Object -Maximum).Maximum }
            $rows.Count | Should -BeGreaterOrEqual 3000
        }
    }

    Context '-PassThru' {
        It 'writes each record as written, its key in the key column, and Action' {
            $out = @(
                [ordered]@{ name = 'Ann'; email = 'ann@example.org' }
                [ordered]@{ id = 50; name = 'Bob'; email = 'bob@example.net' }
            ) | Add-MlRecord -Table users -Script $Rules -Function check -PassThru
            $out | Should -HaveCount 2
            $out[0] | Should -BeOfType [pscustomobject]
            $out[0].psobject.Properties.Name | Should -Be @('name', 'email', 'domain', 'id', 'Action')
            $out[0].id | Should -Be 1
            $out[0].domain | Should -Be 'example.org'
            $out[0].Action | Should -Be 'Inserted'
            $out[1].psobject.Properties.Name | Should -Be @('id', 'name', 'email', 'domain', 'Action')
            $out[1].id | Should -Be 50
        }

        It 'a record with its own Action field keeps it; the action goes in MlDbAction' {
            $out = [ordered]@{ title = 'deploy'; Action = 'restart' } | Add-MlRecord -Table tasks -PassThru
            $out.psobject.Properties.Name | Should -Be @('title', 'Action', 'id', 'MlDbAction')
            $out.Action | Should -Be 'restart'
            $out.MlDbAction | Should -Be 'Inserted'
            (Invoke-MlQuery -Query 'SELECT action FROM tasks').action | Should -Be 'restart'
        }
    }

    Context 'upserts' {
        BeforeEach {
            $null = Invoke-MlQuery -Query "INSERT INTO users (name, email, age) VALUES ('Ann', 'ann@example.org', 30), ('Bob', 'bob@example.org', 40)"
            $script:feed = @(
                [ordered]@{ name = 'Ann B.'; email = 'ann@example.org'; age = 31 }
                [ordered]@{ name = 'Cy'; email = 'cy@example.org'; age = 22 }
                [ordered]@{ name = 'Bob B.'; email = 'bob@example.org'; age = 41 }
                [ordered]@{ name = 'Cy C.'; email = 'cy@example.org'; age = 23 }
            )
        }

        It '-OnConflict Update: inserts new keys, updates existing rows, says which with -PassThru' {
            $out = $feed | Add-MlRecord -Table users -Script $Rules -Function check -OnConflict Update -Key email -PassThru
            $out.Action | Should -Be @('Updated', 'Inserted', 'Updated', 'Updated')
            $out.id | Should -Be @(1, 3, 2, 3)
            $rows = Invoke-MlQuery -Query 'SELECT name, email, age, domain FROM users ORDER BY id'
            $rows.name | Should -Be @('Ann B.', 'Bob B.', 'Cy C.')
            $rows.age | Should -Be @(31, 41, 23)
            $rows.domain | Should -Be @('example.org', 'example.org', 'example.org')
        }

        It '-OnConflict Ignore: existing rows stay, their keys still come out' {
            $keys = $feed | Add-MlRecord -Table users -OnConflict Ignore -Key email
            $keys | Should -Be @(1, 3, 2, 3)
            (Invoke-MlQuery -Query 'SELECT name FROM users ORDER BY id').name | Should -Be @('Ann', 'Bob', 'Cy')
        }

        It '-OnConflict Error (the default): a conflicting record is skipped alone with an error naming it by key' {
            $keys = $feed | Add-MlRecord -Table users -Key email -ErrorVariable errs -ErrorAction SilentlyContinue
            $keys | Should -Be 3
            $errs | Should -HaveCount 3
            $errs[0].ToString() | Should -Be "Record 1 (email = `"ann@example.org`") was not inserted: SQLite Error 19: 'UNIQUE constraint failed: users.email'."
        }

        It 'batches give the same table as record by record, and summaries count inserted, updated and ignored' {
            $summary = $feed | Add-MlRecord -Table users -Script $Rules -BatchFunction checkBatch -BatchSize 10 -OnConflict Update -Key email
            $summary | Should -HaveCount 1
            $summary.GetType().Name | Should -Be 'MlInsertBatchResult'
            ($summary.Records, $summary.Inserted, $summary.Updated, $summary.Ignored) | Should -Be @(4, 1, 3, 0)
            $batched = Invoke-MlQuery -Query 'SELECT name, email, age, domain FROM users ORDER BY email' | ConvertTo-Json -Compress
            ($summary | Out-String) | Should -Match 'Inserted\s+Updated\s+Ignored'

            Disconnect-MlDatabase -All
            $other = New-MlTestDatabase -Sql @(
                'CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL UNIQUE, age INTEGER CHECK (age >= 0), domain TEXT)'
                "INSERT INTO users (name, email, age) VALUES ('Ann', 'ann@example.org', 30), ('Bob', 'bob@example.org', 40)"
            )
            try {
                Connect-MlDatabase -ConnectionString $other.ConnectionString
                $null = $feed | Add-MlRecord -Table users -Script $Rules -Function check -OnConflict Update -Key email
                Invoke-MlQuery -Query 'SELECT name, email, age, domain FROM users ORDER BY email' | ConvertTo-Json -Compress | Should -Be $batched
            }
            finally {
                Disconnect-MlDatabase -All
                $other | Remove-MlTestDatabase
            }
            Connect-MlDatabase -ConnectionString $db.ConnectionString
            $ignored = $feed | Add-MlRecord -Table users -BatchSize 10 -OnConflict Ignore -Key email
            ($ignored.Inserted, $ignored.Updated, $ignored.Ignored) | Should -Be @(0, 0, 4)
        }

        It 'a key that is not unique, or no key, is a terminating error before anything is written' {
            { $feed | Add-MlRecord -Table users -OnConflict Update -Key name } | Should -Throw -ErrorId 'MlDb.InvalidKey,*' -ExpectedMessage "The key (name) is not a primary key or unique constraint of 'users'*its keys are: primary key (id); unique (email)*"
            { $feed | Add-MlRecord -Table users -BatchSize 5 -OnConflict Ignore } | Should -Throw -ErrorId 'MlDb.InvalidKey,*' -ExpectedMessage '-OnConflict Ignore needs -Key*'
            { $feed | Add-MlRecord -Table users -OnConflict Update -Key nosuch } | Should -Throw -ErrorId 'MlDb.InvalidIdentifier,*'
            (Invoke-MlQuery -Query 'SELECT count(*) AS n FROM users').n | Should -Be 2
        }

        It '-WhatIf shows by key which records would be inserted and which updated, and writes nothing' {
            $run = Invoke-MlTestPwsh -Parameters @{ Manifest = $Manifest; ConnectionString = $db.ConnectionString } -Script {
                Import-Module $Manifest
                Connect-MlDatabase -ConnectionString $ConnectionString
                $feed = @([ordered]@{ name = 'Ann X'; email = 'ann@example.org' }, [ordered]@{ name = 'Dee'; email = 'dee@example.org' })
                $feed | Add-MlRecord -Table users -OnConflict Update -Key email -WhatIf
                $feed | Add-MlRecord -Table users -OnConflict Update -Key email -BatchSize 10 -WhatIf
                (Invoke-MlQuery -Query "SELECT count(*) AS n FROM users WHERE name IN ('Ann X', 'Dee')").n
            }
            $run.ExitCode | Should -Be 0 -Because $run.Errors
            $run.Result | Should -Be 0
            $run.Output | Should -Match 'What if: Performing the operation "Update record 1 \(email = "ann@example\.org"\): columns name, email" on target "users"'
            $run.Output | Should -Match 'What if: Performing the operation "Insert record 2 \(email = "dee@example\.org"\): columns name, email" on target "users"'
            $run.Output | Should -Match 'insert record 2 of the batch \(email = "dee@example\.org"\); update record 1 of the batch \(email = "ann@example\.org"\)'
            $run.Output | Should -Not -MatchExactly 'Ann X|Dee\b'
        }
    }

    Context 'messages name records by position and key, never by their values' {
        It 'errors, -Verbose and -WhatIf of Add-MlRecord and Invoke-MlTransaction never print a value of a record' {
            $secret = 'S3cr3t-Value'
            $rules = Join-Path $TestDrive 'strict.ml'
            Set-Content -LiteralPath $rules -Value @'
function strict(u) { if (u.age > 150) { throw "age out of range"; } return u; }
function reject(b) { return {records: b.records.map(function(r) { return 42; })}; }
function review(t) { return {valid: false, errors: ["not today"]}; }
'@
            $records = @(
                [ordered]@{ name = "$secret-1"; email = "$secret@a"; age = 200 }          # ML rejects it
                [ordered]@{ name = "$secret-2"; email = "$secret@b"; age = -1 }           # CHECK constraint
                [ordered]@{ name = "$secret-3"; email = "$secret@c"; colour = $secret }    # not a column
                [ordered]@{ name = "$secret-4"; email = "$secret@d"; age = 5 }            # fine
                [ordered]@{ name = "$secret-5"; email = "$secret@d"; age = 6 }            # unique email
            )
            $all = [System.Collections.Generic.List[string]]::new()
            $collect = { param($items) foreach ($i in $items) { $all.Add([string] $i); if ($i -is [Management.Automation.ErrorRecord]) { $all.Add($i.Exception.Message); $all.Add([string] $i.ErrorDetails) } } }
            $null = $records | Add-MlRecord -Table users -Script $rules -Function strict -Verbose -ErrorVariable e1 -ErrorAction SilentlyContinue 4>&1 | ForEach-Object { & $collect $_ }
            & $collect $e1
            $null = $records | Add-MlRecord -Table users -BatchSize 2 -Verbose -ErrorVariable e2 -ErrorAction SilentlyContinue 4>&1 | ForEach-Object { & $collect $_ }
            & $collect $e2
            $null = $records | Add-MlRecord -Table users -Script $rules -BatchFunction reject -ErrorVariable e3 -ErrorAction SilentlyContinue
            & $collect $e3
            $null = $records | Add-MlRecord -Table users -OnConflict Update -Key email -Verbose -ErrorVariable e4 -ErrorAction SilentlyContinue 4>&1 | ForEach-Object { & $collect $_ }
            & $collect $e4
            try { Invoke-MlTransaction -Operations @(@{ type = 'insert'; table = 'users'; values = @{ name = $secret; email = "$secret@t" } }) -Script $rules -Function review } catch { & $collect $_ }
            try { Invoke-MlTransaction -Operations @(@{ type = 'upsert'; table = 'users'; key = 'email'; values = @{ name = $secret; email = "$secret@d"; age = -5 } }) -Verbose 4>&1 | ForEach-Object { & $collect $_ } } catch { & $collect $_ }
            ($e1.Count + $e2.Count + $e3.Count + $e4.Count) | Should -BeGreaterThan 6
            $all.Count | Should -BeGreaterThan 20
            @($all | Where-Object { $_ -match [regex]::Escape($secret) -and $_ -notmatch "email = `"$([regex]::Escape($secret))@" }) | Should -BeNullOrEmpty -Because 'no value other than a key may appear'

            $run = Invoke-MlTestPwsh -Parameters @{ Manifest = $Manifest; ConnectionString = $db.ConnectionString; Secret = $secret } -Script {
                Import-Module $Manifest
                Connect-MlDatabase -ConnectionString $ConnectionString
                [ordered]@{ name = "$Secret-9"; email = 'x@example.org'; age = 1 } | Add-MlRecord -Table users -WhatIf
                [ordered]@{ name = "$Secret-9"; email = 'x@example.org'; age = 1 } | Add-MlRecord -Table users -BatchSize 3 -WhatIf
                Invoke-MlTransaction -Operations @(@{ type = 'update'; table = 'users'; id = 1; values = @{ name = $Secret } }) -WhatIf
            }
            $run.ExitCode | Should -Be 0 -Because $run.Errors
            $run.Output | Should -Match 'What if: '
            $run.Output | Should -Not -Match ([regex]::Escape($secret))
        }
    }
}
