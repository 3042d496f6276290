#Requires -Version 7.4
# Write-Progress of long work: every record's Activity is the cmdlet's name (what a host shows as
# the title and what a user filters on), what it works on is the CurrentOperation, and the bar is
# completed at the end. Each command runs in a runspace of its own so its progress stream can be read.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-MlTestModule
    $script:Manifest = Get-MlTestModuleManifest

    # Runs $Script in a fresh runspace with MlDb imported; returns its progress records (and fails on errors).
    function script:Get-ProgressOf([string] $Script) {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$Manifest'; `$ErrorActionPreference = 'Stop'; $Script")
            $null = $ps.Invoke()
            $ps.HadErrors | Should -BeFalse -Because ($ps.Streams.Error -join '; ')
            @($ps.Streams.Progress)
        }
        finally { $ps.Dispose() }
    }

    # Rows come slowly enough (the consumer sleeps on the first one) for the one-second threshold to pass.
    $script:SlowConsumer = '| ForEach-Object -Begin { $n = 0 } -Process { if ($n++ -eq 0) { Start-Sleep -Milliseconds 1100 } }'
}

Describe 'Progress records carry the cmdlet name as their activity' {
    It 'Invoke-MlQuery (streaming rows)' {
        $progress = Get-ProgressOf @"
Connect-MlDatabase ':memory:'
Invoke-MlQuery 'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) SELECT i FROM n' $SlowConsumer
"@
        $progress.Count | Should -BeGreaterThan 1
        $progress.Activity | Sort-Object -Unique | Should -Be 'Invoke-MlQuery'
        ($progress | Where-Object RecordType -EQ 'Processing')[0].StatusDescription | Should -Match '^Reading rows: [\d,.]+$'
        $progress[-1].RecordType | Should -Be 'Completed'
    }

    It 'Add-MlRecord (batches): the table is the current operation' {
        $progress = Get-ProgressOf @"
Connect-MlDatabase ':memory:'
Invoke-MlQuery 'CREATE TABLE t (x INTEGER)'
`$null = 1..30 | ForEach-Object { @{ x = `$_ } } | Add-MlRecord -Table t -BatchSize 10
"@
        $progress.Count | Should -BeGreaterThan 1
        $progress.Activity | Sort-Object -Unique | Should -Be 'Add-MlRecord'
        ($progress | Where-Object RecordType -EQ 'Processing').CurrentOperation | Sort-Object -Unique | Should -Be 't'
        $progress[-1].RecordType | Should -Be 'Completed'
    }

    It 'Invoke-MlQuery -Collection (MongoDB)' {
        if (Skip-IfNoService Mongo) { return }
        $uri = Get-MlTestService -Name Mongo
        $db = New-MlTestName
        $progress = Get-ProgressOf @"
Connect-MlDatabase -Provider Mongo -ConnectionString '$uri' -Database $db
`$null = 1..600 | ForEach-Object { @{ i = `$_ } } | Add-MlRecord -Collection items -BatchSize 600
Invoke-MlQuery -Collection items $SlowConsumer
"@
        $reading = @($progress | Where-Object { $_.StatusDescription -like 'Reading documents*' })
        $reading.Count | Should -BeGreaterThan 0
        $reading.Activity | Sort-Object -Unique | Should -Be 'Invoke-MlQuery'
        $reading[0].CurrentOperation | Should -Be 'items'
    }
}
