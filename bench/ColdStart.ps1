#Requires -Version 7.4
<#
.SYNOPSIS
    Cold start of the module: a fresh pwsh that imports MlDb, connects to SQLite and runs a first
    query through an ML function, against a fresh pwsh that does nothing, each run many times.

.DESCRIPTION
    Both cases start the same pwsh (the one running this script) with -NoProfile -NonInteractive,
    in fresh processes, interleaved run by run so that a change of load on the machine falls on
    both alike. The first run of each case is a warm-up (disk cache) and is not counted.

    Per run: the wall time from starting the process to its exit (measured here), and, reported by
    the child itself just before it exits, the wall time since its process started and the CPU
    time its process used (all threads: the JIT's background compilation and the GC included).
    CPU time is the steadier number on a busy machine: waiting for a core does not count.
    The MlDb case also reports its three steps (Import-Module, Connect-MlDatabase, Invoke-MlQuery)
    from a stopwatch inside the child.

    Prints a Markdown table of the medians and the difference MlDb - pwsh alone (the goal:
    under 0.5 s of wall time on a quiet machine).

.EXAMPLE
    ./build.sh build; dotnet tool run pwsh -NoProfile -File bench/ColdStart.ps1 -Runs 21
#>
param(
    [int] $Runs = 15,
    [string] $Module = (Join-Path $PSScriptRoot '../out/MlDb/MlDb.psd1'),
    [string] $Out
)

$ErrorActionPreference = 'Stop'
$Module = (Resolve-Path -LiteralPath $Module).Path
$work = Join-Path ([IO.Path]::GetTempPath()) ("mldb-coldstart-" + [guid]::NewGuid().ToString('N'))
$null = New-Item -ItemType Directory -Path $work
$script = Join-Path $work 'first.ml'
Set-Content -LiteralPath $script -Value 'function summarize(data) { return {"count": data.count, "answer": data.rows[0].answer}; }'

# The same pwsh as this one: run as 'dotnet pwsh.dll' when it is the repository's dotnet tool.
$exe = [Environment]::ProcessPath
$prefix = @()
if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $prefix = @(Join-Path $PSHOME 'pwsh.dll') }

$report = '$p = [Diagnostics.Process]::GetCurrentProcess(); "REPORT {0:F1} {1:F1} {2}" -f ([datetime]::Now - $p.StartTime).TotalMilliseconds, $p.TotalProcessorTime.TotalMilliseconds, $steps'
$cases = [ordered]@{
    'pwsh alone' = '$steps = ""; ' + $report
    'pwsh + MlDb (Import + Connect + first ML query)' = @"
`$w = [Diagnostics.Stopwatch]::StartNew()
Import-Module '$Module'
`$t1 = `$w.Elapsed.TotalMilliseconds
Connect-MlDatabase -Provider Sqlite -ConnectionString 'Data Source=:memory:' -Name cold
`$t2 = `$w.Elapsed.TotalMilliseconds
`$r = Invoke-MlQuery -Connection cold -Query 'SELECT 41 + 1 AS answer' -Script '$script' -Function summarize
`$t3 = `$w.Elapsed.TotalMilliseconds
if (`$r.answer -ne 42) { exit 3 }
`$steps = '{0:F1} {1:F1} {2:F1}' -f `$t1, (`$t2 - `$t1), (`$t3 - `$t2)
$report
"@
}

function Invoke-Case([string] $command) {
    $psi = [Diagnostics.ProcessStartInfo]::new($exe)
    foreach ($a in $prefix + @('-NoLogo', '-NoProfile', '-NonInteractive', '-Command', $command)) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.UseShellExecute = $false
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $process = [Diagnostics.Process]::Start($psi)
    $stdout = $process.StandardOutput.ReadToEndAsync()
    $stderr = $process.StandardError.ReadToEndAsync()
    $process.WaitForExit()
    $watch.Stop()
    if ($process.ExitCode -ne 0) { throw "A run failed (exit $($process.ExitCode)): $($stderr.Result)$($stdout.Result)" }
    $line = ($stdout.Result -split "`n" | Where-Object { $_ -like 'REPORT *' } | Select-Object -Last 1)
    $f = $line.Trim().Split(' ')
    [pscustomobject]@{
        Outer   = $watch.Elapsed.TotalMilliseconds
        Inner   = [double]$f[1]
        Cpu     = [double]$f[2]
        Import  = if ($f.Count -gt 5) { [double]$f[3] } else { $null }
        Connect = if ($f.Count -gt 5) { [double]$f[4] } else { $null }
        Query   = if ($f.Count -gt 5) { [double]$f[5] } else { $null }
    }
}

function Get-Median([double[]] $values) {
    $sorted = $values | Sort-Object
    $n = $sorted.Count
    if ($n % 2) { $sorted[($n - 1) / 2] } else { ($sorted[$n / 2 - 1] + $sorted[$n / 2]) / 2 }
}

$results = @{}
foreach ($name in $cases.Keys) { $results[$name] = [Collections.Generic.List[object]]::new() }
$load0 = try { (Get-Content /proc/loadavg -ErrorAction Stop).Split(' ')[0..2] -join ' ' } catch { '?' }
$started = [datetime]::UtcNow
for ($round = 0; $round -le $Runs; $round++) {
    foreach ($name in $cases.Keys) {
        $r = Invoke-Case $cases[$name]
        if ($round -gt 0) { $results[$name].Add($r) }
    }
    Write-Host -NoNewline "`r$round/$Runs rounds"
}
Write-Host ''
$load1 = try { (Get-Content /proc/loadavg -ErrorAction Stop).Split(' ')[0..2] -join ' ' } catch { '?' }
Remove-Item -LiteralPath $work -Recurse -Force

$c = [cultureinfo]::InvariantCulture
$rows = foreach ($name in $cases.Keys) {
    $list = $results[$name]
    [pscustomobject]@{
        Name  = $name
        Outer = Get-Median $list.Outer
        Inner = Get-Median $list.Inner
        Cpu   = Get-Median $list.Cpu
        Steps = if ($list[0].Import -ne $null) { '{0:F0} / {1:F0} / {2:F0}' -f (Get-Median $list.Import), (Get-Median $list.Connect), (Get-Median $list.Query) } else { '–' }
    }
}
$alone, $with = $rows
$lines = @(
    "Cold start, $($started.ToString('yyyy-MM-dd HH:mm', $c)) UTC: $Runs runs of each case after one warm-up, interleaved; medians. PowerShell $($PSVersionTable.PSVersion), $([Runtime.InteropServices.RuntimeInformation]::FrameworkDescription), $([Environment]::ProcessorCount) logical CPUs; load average $load0 at start, $load1 at end."
    ''
    '| case | wall, start to exit (ms) | wall inside, start to report (ms) | CPU, all threads (ms) | Import / Connect / first query (ms) |'
    '|---|---:|---:|---:|---|'
)
foreach ($r in $rows) { $lines += '| {0} | {1:F0} | {2:F0} | {3:F0} | {4} |' -f $r.Name, $r.Outer, $r.Inner, $r.Cpu, $r.Steps }
$lines += '| **difference (MlDb − pwsh alone)** | **{0:F0}** | **{1:F0}** | **{2:F0}** | goal: < 500 ms wall on a quiet machine |' -f ($with.Outer - $alone.Outer), ($with.Inner - $alone.Inner), ($with.Cpu - $alone.Cpu)
$text = $lines -join "`n"
$text
if ($Out) { Set-Content -LiteralPath $Out -Value $text }
