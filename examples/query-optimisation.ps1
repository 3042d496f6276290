#Requires -Version 7.4
# Seed scenario "query optimization": an ML parameter function caps the limit and fills in a
# default date before the parameters are bound; the rows then go to an ML summary.
. (Join-Path $PSScriptRoot '_common.ps1')
try {
    Connect-MlDatabase -ConnectionString ':memory:'
    Invoke-MlQuery -Query 'CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT, at DATETIME)'
    $now = [datetime]::UtcNow
    1..2000 | ForEach-Object { @{ kind = ('login', 'logout', 'error')[$_ % 3]; at = $now.AddHours(-$_) } } | Add-MlRecord -Table events -BatchSize 1000 | Out-Null
    $rules = Import-MlScript (Join-Path $MlFolder 'query_rules.ml')

    $asked = @{ limit = 100000 }
    $rows = Invoke-MlQuery -Query 'SELECT * FROM events WHERE at > @since ORDER BY at DESC LIMIT @limit' -Parameters $asked -Script $rules -ParameterFunction boundParameters
    Show 'Asked for 100000 rows; the ML rules allowed' @($rows).Count

    $summary = Invoke-MlQuery -Query 'SELECT * FROM events WHERE at > @since LIMIT @limit' -Parameters @{ limit = 50 } -Script $rules -ParameterFunction boundParameters -Function eventSummary
    Show 'eventSummary of 50 recent events' $summary.kinds
}
finally {
    Disconnect-MlDatabase -All
    Remove-Item -LiteralPath $WorkFolder -Recurse -Force
}
