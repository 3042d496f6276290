#Requires -Version 7.4
# Sandbox limits: module-wide defaults through $PSDefaultParameterValues, a per-record step budget
# that stops one runaway record (the others are inserted), a memory limit that stops a runaway
# report before the process grows, a time limit, and the session working on afterwards.
. (Join-Path $PSScriptRoot '_common.ps1')
$defaults = $PSDefaultParameterValues.Clone()
try {
    # Every cmdlet that runs ML takes -TimeoutSeconds -MaxSteps -MaxMemoryMB -MaxCollectionSize
    # -MaxStringLength; set them once for the session, per ML call (per record, per row, per batch).
    $PSDefaultParameterValues['*-Ml*:MaxSteps'] = 1000000
    $PSDefaultParameterValues['*-Ml*:MaxMemoryMB'] = 64
    $PSDefaultParameterValues['*-Ml*:TimeoutSeconds'] = 30

    Connect-MlDatabase -ConnectionString (Join-Path $WorkFolder 'orders.db')
    Invoke-MlQuery -Query 'CREATE TABLE orders (id INTEGER PRIMARY KEY, customer TEXT, lines TEXT, score REAL, units INTEGER)'
    $rules = Import-MlScript (Join-Path $MlFolder 'guarded.ml')

    $orders = @(
        [ordered]@{ customer = 'ann'; lines = @(@{ qty = 2; price = 9.5 }, @{ qty = 1; price = 20 }) }
        [ordered]@{ customer = 'bob'; lines = @(@{ qty = -1; price = 5 }) }        # countUnits never ends on this one
        [ordered]@{ customer = 'cid'; lines = @(@{ qty = 3; price = 1.25 }) }
    )

    # Each record's call gets its own budget of 10 000 steps: bob's is stopped, ann and cid go in.
    $ids = $orders | Add-MlRecord -Table orders -Script $rules -Function countUnits -MaxSteps 10000 -ErrorVariable stopped -ErrorAction SilentlyContinue
    Show 'Inserted order ids' ($ids -join ', ')
    Show 'Stopped records' ($stopped | ForEach-Object { "$($_.FullyQualifiedErrorId.Split(',')[0]): $($_.TargetObject.customer)" })

    $scored = Invoke-MlQuery -Query 'SELECT customer, lines FROM orders' -Script $rules -Function scoreOrder -PerRow
    Show 'Scored per row (the defaults apply to each call)' ($scored | Format-Table customer, score | Out-String)

    # The runaway report is stopped by the memory limit (64 MB, the default set above) before the
    # text is built: the process does not grow much past it.
    $before = [Diagnostics.Process]::GetCurrentProcess().WorkingSet64
    try { Invoke-MlQuery -Query 'SELECT * FROM orders' -Script $rules -Function runawayReport }
    catch { Show 'Memory limit' ("{0}`n{1}" -f $_.FullyQualifiedErrorId.Split(',')[0], $_.Exception.Message) }
    $grown = ([Diagnostics.Process]::GetCurrentProcess().WorkingSet64 - $before) / 1MB
    Show 'Working set change' ('{0:N0} MB' -f $grown)

    # A tighter time limit (and a bigger step budget) for one command: the message names the
    # limit and its parameter.
    try { Invoke-MlQuery -Query 'SELECT * FROM orders' -Script $rules -Function slowSummary -TimeoutSeconds 1 -MaxSteps 2000000000 }
    catch { Show 'Time limit' ("{0}`n{1}" -f $_.FullyQualifiedErrorId.Split(',')[0], ($_.ToString() -split "`n")[0]) }

    # The session goes on as before.
    Show 'Orders stored' (Invoke-MlQuery -Query 'SELECT count(*) AS n FROM orders').n
}
finally {
    $PSDefaultParameterValues.Clear()
    foreach ($key in $defaults.Keys) { $PSDefaultParameterValues[$key] = $defaults[$key] }
    Disconnect-MlDatabase -All
    Remove-Item -LiteralPath $WorkFolder -Recurse -Force
}
