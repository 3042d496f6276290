#Requires -Version 7.4
# The sandbox limits of every cmdlet that runs ML (issue 11): the five parameters and
# $PSDefaultParameterValues on each cmdlet, each limit with its own MlDb.* id, budgets per call
# (per row, per batch), memory bombs measured in a child pwsh (peak working set against its
# baseline), the memory guard of a process without -MaxMemoryMB, timeouts and Ctrl+C inside one
# long operation, Import-MlScript writing output as it runs; and the consistent ML error texts of
# issue 12 item 6.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-MlTestModule
    $script:Ml = Join-Path $TestDrive 'limits.ml'
    Set-Content -LiteralPath $Ml -Value @'
function spin(x) { while (true) { } }
function strings(x) { let s = "x"; while (true) { s = s + s; } }
function wide(x) { let a = []; while (true) { a.push(1); } }
function long(x) { let s = ""; while (true) { s = s + "x"; } }
function work(x) {
  let i = 0;
  while (i < 1000) { i = i + 1; }
  if (typeName(x) == "object" && x.operations != null) { return {valid: true, errors: []}; }
  return x;
}
function hold(x) { let keep = []; let i = 0; while (i < 100) { keep.push("k".repeat(100000)); i = i + 1; } return x; }
function workBatch(b) { for (let r in b.records) { let i = 0; while (i < 1000) { i = i + 1; } } return b; }
function dags(n) { let a = [1]; let b = [1]; let i = 0; while (i < n) { a = [a, a]; b = [b, b]; i = i + 1; } return a == b; }
function down(n) { return down(n + 1); }
function bad(x) { throw "bad value: " + str(x); }
function badObject(x) { throw {type: "QuotaError", message: "over quota", limit: 5}; }
function nullRead(x) { let user = null; return user.city; }
'@
    # What every limit is exceeded with, and the id that says so.
    $script:Limits = @{
        MaxSteps          = @{ Value = 10000; Function = 'spin'; Id = 'MlDb.StepLimit' }
        TimeoutSeconds    = @{ Value = 1; Function = 'spin'; Id = 'MlDb.CommandTimeout' }
        MaxMemoryMB       = @{ Value = 32; Function = 'strings'; Id = 'MlDb.MemoryLimit' }
        MaxCollectionSize = @{ Value = 1000; Function = 'wide'; Id = 'MlDb.SizeLimit' }
        MaxStringLength   = @{ Value = 1000; Function = 'long'; Id = 'MlDb.SizeLimit' }
    }

    function Get-TopLevelScript([string] $Function) {
        # A script whose top-level code calls the function (for Import-MlScript and Test-MlScript).
        $path = Join-Path $TestDrive "top_$Function.ml"
        Set-Content -LiteralPath $path -Value ((Get-Content -LiteralPath $Ml -Raw) + "`n$Function(1);`n")
        $path
    }

    # Runs one cmdlet that runs ML with the function and the limit parameters; returns the first
    # error it reported (terminating or not), or $null.
    function Invoke-Limited([string] $Command, [string] $Function, [hashtable] $Limit = @{}, [object] $Argument = 1) {
        $errors = $null
        try {
            switch ($Command) {
                'Invoke-MlFunction' { $null = Invoke-MlFunction -Script $Ml -Function $Function -ArgumentList $Argument @Limit -ErrorVariable errors -ErrorAction SilentlyContinue }
                'Import-MlScript' { $null = Import-MlScript -Path (Get-TopLevelScript $Function) @Limit -ErrorVariable errors -ErrorAction SilentlyContinue }
                'Test-MlScript' { $null = Test-MlScript -Path (Get-TopLevelScript $Function) @Limit -ErrorVariable errors -ErrorAction SilentlyContinue }
                'Invoke-MlQuery' { $null = Invoke-MlQuery -Connection limits -Query 'SELECT 1 AS n' -Script $Ml -Function $Function @Limit -ErrorVariable errors -ErrorAction SilentlyContinue }
                'Add-MlRecord' { $null = @{ n = 1 } | Add-MlRecord -Connection limits -Table t -Script $Ml -Function $Function @Limit -ErrorVariable errors -ErrorAction SilentlyContinue }
                'Invoke-MlTransaction' { $null = Invoke-MlTransaction -Connection limits -Operations @(@{ type = 'insert'; table = 't'; values = @{ n = 1 } }) -Script $Ml -Function $Function @Limit -ErrorVariable errors -ErrorAction SilentlyContinue }
                'Get-MlCache' { $null = Get-MlCache -Connection cache -Key $CachedKey -Script $Ml -Function $Function @Limit -ErrorVariable errors -ErrorAction SilentlyContinue }
                'Set-MlCache' { $null = Set-MlCache -Connection cache -Key (New-MlTestName -Prefix 'mldb:limits') -InputObject 1 -Script $Ml -Function $Function @Limit -WhatIf -ErrorVariable errors -ErrorAction SilentlyContinue }
            }
        }
        catch { return $_ }
        if ($errors) { return $errors[0] }
        $null
    }

    $database = New-MlTestDatabase -Sql 'CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER)'
    Connect-MlDatabase -ConnectionString $database.ConnectionString -Name limits
    $script:Redis = Get-MlTestService -Name Redis
    $script:CachedKey = New-MlTestName -Prefix 'mldb:limits'
    if ($Redis) {
        Connect-MlDatabase -Provider Redis -ConnectionString $Redis -Name cache
        Set-MlCache -Connection cache -Key $CachedKey -InputObject 1 -ExpirySeconds 600
    }
}

AfterAll {
    Disconnect-MlDatabase -All
    $PSDefaultParameterValues.Remove('*-Ml*:MaxMemoryMB')
}

Describe 'Sandbox limits on every cmdlet that runs ML' {
    BeforeDiscovery {
        $commands = 'Invoke-MlFunction', 'Import-MlScript', 'Test-MlScript', 'Invoke-MlQuery', 'Add-MlRecord', 'Invoke-MlTransaction', 'Get-MlCache', 'Set-MlCache'
        $limitNames = 'MaxSteps', 'TimeoutSeconds', 'MaxMemoryMB', 'MaxCollectionSize', 'MaxStringLength'
        $script:Matrix = foreach ($c in $commands) { foreach ($l in $limitNames) { @{ Command = $c; Limit = $l; NeedsRedis = $c -like '*-MlCache' } } }
        $script:Everywhere = foreach ($c in $commands) { @{ Command = $c; NeedsRedis = $c -like '*-MlCache' } }
    }

    It '<Command> takes -TimeoutSeconds -MaxSteps -MaxMemoryMB -MaxCollectionSize -MaxStringLength' -ForEach $Everywhere {
        $parameters = (Get-Command $Command).Parameters
        foreach ($name in 'TimeoutSeconds', 'MaxSteps', 'MaxMemoryMB', 'MaxCollectionSize', 'MaxStringLength') {
            $parameters.ContainsKey($name) | Should -BeTrue -Because "$Command -$name"
        }
    }

    It '<Command> -<Limit> stops the ML with its own id' -ForEach $Matrix {
        if ($NeedsRedis -and (Skip-IfNoService Redis)) { return }
        $case = $Limits[$Limit]
        $err = Invoke-Limited $Command $case.Function @{ $Limit = $case.Value }
        $err | Should -Not -BeNullOrEmpty -Because "$Command -$Limit $($case.Value) must stop $($case.Function)"
        $err.FullyQualifiedErrorId | Should -BeLike "$($case.Id),*"
        $err.Exception.ErrorType | Should -Be 'LimitError'
    }

    It '<Command> takes a module-wide default from $PSDefaultParameterValues' -ForEach $Everywhere {
        if ($NeedsRedis -and (Skip-IfNoService Redis)) { return }
        $PSDefaultParameterValues['*-Ml*:MaxMemoryMB'] = 32
        try {
            $err = Invoke-Limited $Command strings
            $err.FullyQualifiedErrorId | Should -BeLike 'MlDb.MemoryLimit,*'
            $err.ToString() | Should -Match 'over the limit of 32 MB'
        }
        finally { $PSDefaultParameterValues.Remove('*-Ml*:MaxMemoryMB') }
        Invoke-Limited $Command work | Should -BeNullOrEmpty -Because 'without the default the same call is allowed'
    }

    It 'every limit works as a $PSDefaultParameterValues default: <Limit>' -ForEach @(
        @{ Limit = 'MaxSteps' }, @{ Limit = 'TimeoutSeconds' }, @{ Limit = 'MaxMemoryMB' }, @{ Limit = 'MaxCollectionSize' }, @{ Limit = 'MaxStringLength' }
    ) {
        $case = $Limits[$Limit]
        $PSDefaultParameterValues["*-Ml*:$Limit"] = $case.Value
        try {
            (Invoke-Limited Invoke-MlFunction $case.Function).FullyQualifiedErrorId | Should -BeLike "$($case.Id),*"
            (Invoke-Limited Invoke-MlQuery $case.Function).FullyQualifiedErrorId | Should -BeLike "$($case.Id),*"
        }
        finally { $PSDefaultParameterValues.Remove("*-Ml*:$Limit") }
    }

    Context 'a budget per ML call: per row, per record, per batch' {
        BeforeAll {
            $script:Rows = 'WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 20) SELECT n FROM s'
        }

        It 'Invoke-MlQuery -PerRow: each row gets the whole budget' {
            # 20 rows of about 2 000 steps each: 40 000 steps in all, 5 000 per call allowed.
            $out = Invoke-MlQuery -Connection limits -Query $Rows -Script $Ml -Function work -PerRow -MaxSteps 5000
            $out | Should -HaveCount 20
            { Invoke-MlQuery -Connection limits -Query $Rows -Script $Ml -Function work -MaxSteps 5000 } | Should -Not -Throw -Because 'one aggregate call does 2 000 steps'
        }

        It 'Invoke-MlFunction with pipeline input: each object gets the whole budget, memory too' {
            $out = 1..20 | Invoke-MlFunction -Script $Ml -Function work -MaxSteps 5000
            $out | Should -Be (1..20)
            # each call holds about 20 MB and gives it back
            (1..5 | Invoke-MlFunction -Script $Ml -Function hold -MaxMemoryMB 32) | Should -Be (1..5)
        }

        It 'Add-MlRecord: per record, and per batch in batch mode' {
            $records = 1..20 | ForEach-Object { @{ n = $_ } }
            @($records | Add-MlRecord -Connection limits -Table t -Script $Ml -Function work -MaxSteps 5000) | Should -HaveCount 20
            # Batches of 5 records of about 2 000 steps each: 10 000 per batch call, 40 000 in all.
            $summaries = @($records | Add-MlRecord -Connection limits -Table t -Script $Ml -BatchFunction workBatch -BatchSize 5 -MaxSteps 15000)
            $summaries | Should -HaveCount 4
            ($summaries | Measure-Object Inserted -Sum).Sum | Should -Be 20
            $errs = $null
            $null = $records | Add-MlRecord -Connection limits -Table t -Script $Ml -BatchFunction workBatch -BatchSize 10 -MaxSteps 15000 -ErrorVariable errs -ErrorAction SilentlyContinue
            $errs | Should -HaveCount 2 -Because 'a batch of 10 takes 20 000 steps'
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'MlDb.StepLimit,*'
        }

        It 'a record stopped by a limit is skipped with the limit id; the next goes on' {
            $errs = $null
            $keys = @(@{ n = 1 }, @{ n = 2 }) | Add-MlRecord -Connection limits -Table t -Script $Ml -Function long -MaxStringLength 100 -ErrorVariable errs -ErrorAction SilentlyContinue
            $keys | Should -BeNullOrEmpty
            $errs | Should -HaveCount 2
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'MlDb.SizeLimit,*'
            $errs[0].ToString() | Should -Match '-MaxStringLength'
            $errs[1].TargetObject.n | Should -Be 2
        }
    }
}

Describe 'Memory bombs in a process of their own' {
    BeforeAll {
        # Each bomb, and whether the size limits and the step limit stop it themselves (a loop of
        # many small steps does; one huge builtin call does not).
        $script:Bombs = @(
            @{ Name = 'string doubling'; Body = 'let s = "x"; while (true) { s = s + s; }'; Size = $true; Steps = $false }
            @{ Name = 'array push'; Body = 'let a = []; let i = 0; while (true) { a.push(i); i = i + 1; }'; Size = $true; Steps = $true }
            @{ Name = 'object keys'; Body = 'let o = {}; let i = 0; while (true) { o["k" + str(i)] = i; i = i + 1; }'; Size = $true; Steps = $true }
            @{ Name = 'nesting a = [a, a]'; Body = 'let a = []; while (true) { a = [a, a]; }'; Size = $false; Steps = $true }
            @{ Name = 'repeat'; Body = 'return "abc".repeat(500000000).length;'; Size = $true; Steps = $false }
            @{ Name = 'join'; Body = 'let a = range(100000); while (true) { let s = a.join(","); a = a.concat(a); }'; Size = $true; Steps = $false }
            @{ Name = 'split'; Body = 'return "ab,".repeat(5000000).split(",").length;'; Size = $true; Steps = $false }
            @{ Name = 'range'; Body = 'return range(200000000).length;'; Size = $true; Steps = $false }
            @{ Name = 'map'; Body = 'return range(2000000).map(fn(x) => "row " + str(x) + " ".repeat(100)).length;'; Size = $true; Steps = $false }
            @{ Name = 'JSON.stringify of a shared structure'; Body = 'let a = [1]; let i = 0; while (i < 40) { a = [a, a]; i = i + 1; } return JSON.stringify(a).length;'; Size = $true; Steps = $false }
            @{ Name = 'JSON.parse'; Body = 'let t = "1,".repeat(5000000); return JSON.parse("[" + t + "1]").length;'; Size = $true; Steps = $false }
            @{ Name = 'regex sub'; Body = 'return regex.sub("a", "bbbbbbbbbb", "a".repeat(20000000)).length;'; Size = $true; Steps = $false }
            @{ Name = 'spread (concat, flat)'; Body = 'let a = [[1, 2]]; while (true) { a = a.concat(a, a).flat(); }'; Size = $true; Steps = $false }
        )

        # Runs every bomb in one fresh pwsh with the given limits; the peak working set is reset
        # (Linux: /proc/self/clear_refs) before each bomb, so each peak is that bomb's alone.
        function Invoke-Bombs([hashtable] $Limit, [hashtable] $Environment = @{}) {
            $run = Invoke-MlTestPwsh -Environment $Environment -Parameters @{ Manifest = (Get-MlTestModuleManifest); Bombs = $Bombs; Limit = $Limit; Folder = $TestDrive } -TimeoutSeconds 600 -Script {
                Import-Module $Manifest
                $path = Join-Path $Folder ('bombs_' + [guid]::NewGuid().ToString('n') + '.ml')
                $text = "import regex;`nfunction warm() { return [1, 2].map(fn(x) => str(x)).join(`"`"); }`n"
                for ($i = 0; $i -lt $Bombs.Count; $i++) { $text += "function bomb$i() {`n$($Bombs[$i].Body)`n}`n" }
                Set-Content -LiteralPath $path -Value $text
                $process = [Diagnostics.Process]::GetCurrentProcess()
                for ($i = 0; $i -lt $Bombs.Count; $i++) {
                    $null = Invoke-MlFunction $path warm
                    [GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
                    $reset = try { [IO.File]::WriteAllText('/proc/self/clear_refs', '5'); $true } catch { $false }
                    $process.Refresh()
                    $baseline = $process.WorkingSet64
                    $id = try { $null = Invoke-MlFunction $path "bomb$i" @Limit; 'none' } catch { $_.FullyQualifiedErrorId.Split(',')[0] }
                    $process.Refresh()
                    [pscustomobject]@{ Name = $Bombs[$i].Name; Id = $id; GrownMB = [int] (($process.PeakWorkingSet64 - $baseline) / 1MB); PeakReset = $reset; After = (Invoke-MlFunction $path warm) }
                }
            }
            $run.ExitCode | Should -Be 0 -Because $run.Errors
            $run.Result | Should -HaveCount $Bombs.Count
            foreach ($r in $run.Result) { Write-Host ("    {0}: {1}, the process grew by {2} MB" -f $r.Name, $r.Id, $r.GrownMB) }
            $run.Result
        }
    }

    It 'under -MaxMemoryMB 64 every bomb is MlDb.MemoryLimit, and the process grows by less than 2 x 64 MB' {
        foreach ($r in Invoke-Bombs @{ MaxMemoryMB = 64; TimeoutSeconds = 120 }) {
            $r.Id | Should -Be 'MlDb.MemoryLimit' -Because $r.Name
            if ($r.PeakReset) { $r.GrownMB | Should -BeLessThan 128 -Because $r.Name }
            $r.After | Should -Be '12' -Because 'the session keeps working'
        }
    }

    It 'under the size limits every bomb that builds one big value is MlDb.SizeLimit, and the process stays small' {
        # In a process limited to 768 MB (a container), so that what the size limits do not stop
        # (a = [a, a] only nests) meets the memory guard instead of the machine's memory.
        $results = Invoke-Bombs @{ MaxCollectionSize = 100000; MaxStringLength = 1000000; TimeoutSeconds = 120 } @{ DOTNET_GCHeapHardLimit = '0x30000000' }
        foreach ($r in $results) {
            $bomb = $Bombs | Where-Object Name -EQ $r.Name
            if ($bomb.Size) {
                $r.Id | Should -Be 'MlDb.SizeLimit' -Because $r.Name
                if ($r.PeakReset) { $r.GrownMB | Should -BeLessThan 128 -Because $r.Name }
            }
            else { $r.Id | Should -Be 'MlDb.OutOfMemory' -Because $r.Name }
            $r.After | Should -Be '12'
        }
    }

    It 'under -MaxSteps or -TimeoutSeconds alone, a bomb ends in its limit or the memory guard: never a crash' -ForEach @(
        @{ Limit = @{ MaxSteps = 100000 }; Id = 'MlDb.StepLimit'; Key = 'Steps' }
        @{ Limit = @{ TimeoutSeconds = 3 }; Id = 'MlDb.CommandTimeout'; Key = $null }
    ) {
        # In a process limited to 768 MB, the guard (half of it) stops what the limit does not.
        $results = Invoke-Bombs $Limit @{ DOTNET_GCHeapHardLimit = '0x30000000' }
        foreach ($r in $results) {
            $bomb = $Bombs | Where-Object Name -EQ $r.Name
            if ($Key -and $bomb[$Key]) { $r.Id | Should -Be $Id -Because $r.Name }
            else { $r.Id | Should -BeIn @($Id, 'MlDb.OutOfMemory', 'none') -Because $r.Name }
            $r.GrownMB | Should -BeLessThan 768 -Because $r.Name
            $r.After | Should -Be '12'
        }
    }

    It 'without -MaxMemoryMB, a bomb in a process limited to 768 MB (a container) is MlDb.OutOfMemory, not a crash' {
        $run = Invoke-MlTestPwsh -Environment @{ DOTNET_GCHeapHardLimit = '0x30000000' } -Parameters @{ Manifest = (Get-MlTestModuleManifest); Folder = $TestDrive } -Script {
            Import-Module $Manifest
            $path = Join-Path $Folder 'guard.ml'
            Set-Content -LiteralPath $path -Value 'function strings() { let s = "x"; while (true) { s = s + s; } }
function pushes() { let a = []; let i = 0; while (true) { a.push(i); i = i + 1; } }
function ok() { return 42; }'
            $ids = foreach ($f in 'strings', 'pushes') {
                try { $null = Invoke-MlFunction $path $f -TimeoutSeconds 30; 'none' } catch { $_.FullyQualifiedErrorId + ' | ' + $_.ToString() }
            }
            [pscustomobject]@{ Ids = $ids; After = (Invoke-MlFunction $path ok); Peak = [Diagnostics.Process]::GetCurrentProcess().PeakWorkingSet64 }
        }
        $run.ExitCode | Should -Be 0 -Because $run.Errors
        foreach ($id in $run.Result.Ids) {
            $id | Should -BeLike 'MlDb.OutOfMemory,*'
            $id | Should -Match 'no -MaxMemoryMB was set'
        }
        $run.Result.After | Should -Be 42
        $run.Result.Peak / 1MB | Should -BeLessThan 1024
    }
}

Describe 'Limits inside one long operation' {
    It '-TimeoutSeconds stops a single comparison that would run for ages' {
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $err = Invoke-Limited Invoke-MlFunction dags @{ TimeoutSeconds = 2 } -Argument 60
        $watch.Stop()
        $err.FullyQualifiedErrorId | Should -BeLike 'MlDb.CommandTimeout,*'
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 15
    }

    It 'Ctrl+C (Stop) ends it promptly, and the runspace goes on' {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$(Get-MlTestModuleManifest)'; Invoke-MlFunction -Script '$Ml' -Function dags -ArgumentList 60")
            $async = $ps.BeginInvoke()
            Start-Sleep -Milliseconds 1500
            $async.IsCompleted | Should -BeFalse -Because 'the comparison is endless'
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 5
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            $ps.Commands.Clear()
            $null = $ps.AddScript("Invoke-MlFunction -Script '$Ml' -Function work -ArgumentList 7")
            $ps.Invoke() | Should -Be 7
        }
        finally { $ps.Dispose() }
    }
}

Describe 'Import-MlScript runs top-level code under the limits' {
    It 'writes what the code prints while it runs, and a stopped import shows it' {
        $path = Join-Path $TestDrive 'printing.ml'
        Set-Content -LiteralPath $path -Value "print(`"loading`");`nconsole.warn(`"careful`");`nwhile (true) { }`nfunction f() { return 1; }"
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$(Get-MlTestModuleManifest)'; Import-MlScript '$path'")
            $async = $ps.BeginInvoke()
            $watch = [Diagnostics.Stopwatch]::StartNew()
            while ($ps.Streams.Information.Count -eq 0 -and $watch.Elapsed.TotalSeconds -lt 30) { Start-Sleep -Milliseconds 50 }
            $async.IsCompleted | Should -BeFalse -Because 'the top-level code never ends'
            $ps.Streams.Information.MessageData | Should -Be 'loading'
            $ps.Streams.Warning.Message | Should -Be 'careful'
            $ps.Stop()
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
        }
        finally { $ps.Dispose() }
    }

    It 'a runtime error in top-level code is a runtime error with file and line, not a compile error' {
        $path = Join-Path $TestDrive 'toplevel.ml'
        Set-Content -LiteralPath $path -Value "let user = null;`nprint(`"before`");`nlet city = user.city;`nfunction f() { return 1; }"
        $err = $null
        try { Import-MlScript $path -InformationVariable info } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'MlDb.ScriptRuntime,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidOperation'
        $err.Exception.ErrorType | Should -Be 'TypeError'
        $err.Exception.Line | Should -Be 3
        $err.TargetObject | Should -Be $path
        $err.ToString() | Should -Match ([regex]::Escape("at <top> ($path, line 3, column"))
        $info.MessageData | Should -Be 'before'
        (Test-MlScript $path -ErrorVariable tested -ErrorAction SilentlyContinue) | Should -BeFalse
        $tested[0].FullyQualifiedErrorId | Should -BeLike 'MlDb.ScriptRuntime,*'
    }
}

Describe 'Consistent ML errors (issue 12, item 6)' {
    It 'a thrown string shows file:line as a TypeError does; its message stays the thrown text' {
        $lineOf = { param($name) (Select-String -LiteralPath $Ml -Pattern "^function $name\(").LineNumber }
        $err = Invoke-Limited Invoke-MlFunction bad
        $err.Exception.Message | Should -Be 'bad value: 1'
        $err.ToString() | Should -Match ([regex]::Escape("Error: bad value: 1`n  at bad ($Ml, line $(& $lineOf bad), column"))
        $typeError = Invoke-Limited Invoke-MlFunction nullRead
        $typeError.Exception.Message | Should -Be "cannot read property 'city' of null"
        $typeError.ToString() | Should -Match ([regex]::Escape("TypeError: cannot read property 'city' of null`n  at nullRead ($Ml, line $(& $lineOf nullRead), column"))
    }

    It 'deep recursion shows a short stack: first and last frames and how many were left out' {
        $err = Invoke-Limited Invoke-MlFunction down
        $err.FullyQualifiedErrorId | Should -BeLike 'MlDb.CallDepthLimit,*'
        $lines = $err.ToString() -split "`n"
        $lines | Should -HaveCount 8
        $lines[0] | Should -BeLike 'LimitError: call depth limit exceeded*'
        $lines[4] | Should -Be '  ... 9994 more frames ...'
    }

    It 'an ML timeout names the limit and its parameter' {
        $err = Invoke-Limited Invoke-MlFunction spin @{ TimeoutSeconds = 2 }
        $err.ToString() | Should -Match ([regex]::Escape('did not finish within the time limit of 2 seconds (-TimeoutSeconds)'))
        $err.CategoryInfo.Category | Should -Be 'OperationTimeout'
        $steps = Invoke-Limited Invoke-MlFunction spin @{ MaxSteps = 5000 }
        $steps.ToString() | Should -Match ([regex]::Escape('5,000 steps of -MaxSteps'))
        $memory = Invoke-Limited Invoke-MlFunction strings @{ MaxMemoryMB = 16 }
        $memory.ToString() | Should -Match 'over the limit of 16 MB\): set by -MaxMemoryMB'
        $memory.CategoryInfo.Category | Should -Be 'LimitsExceeded'
    }

    It 'Invoke-MlFunction errors target the function, not the argument array (a thrown object stays the target)' {
        (Invoke-Limited Invoke-MlFunction bad).TargetObject | Should -Be 'bad'
        (Invoke-Limited Invoke-MlFunction spin @{ MaxSteps = 1000 }).TargetObject | Should -Be 'spin'
        $thrown = Invoke-Limited Invoke-MlFunction badObject
        $thrown.TargetObject.limit | Should -Be 5
        $thrown.ToString() | Should -Match 'QuotaError: over quota'
    }

    It 'a result that would expand into a huge copy is MlDb.SizeLimit, not an OutOfMemoryException' {
        $path = Join-Path $TestDrive 'dag.ml'
        Set-Content -LiteralPath $path -Value 'function dag(n) { let a = [1]; let i = 0; while (i < n) { a = [a, a]; i = i + 1; } return a; }'
        { Invoke-MlFunction $path dag 40 } | Should -Throw -ErrorId 'MlDb.SizeLimit,*' -ExpectedMessage '*shares its parts so often*'
        @(Invoke-MlFunction $path dag 3) | Should -HaveCount 2
    }
}
