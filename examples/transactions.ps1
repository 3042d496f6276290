#Requires -Version 7.4
# Seed scenario "transaction management": ML reviews the operations; valid ones run in one
# transaction; an invalid set runs nothing; a failing operation rolls the others back.
. (Join-Path $PSScriptRoot '_common.ps1')
try {
    Connect-MlDatabase -ConnectionString (Join-Path $WorkFolder 'ledger.db')
    Invoke-MlQuery -Query 'CREATE TABLE accounts (id INTEGER PRIMARY KEY, owner TEXT NOT NULL, balance REAL NOT NULL)'
    Invoke-MlQuery -Query "INSERT INTO accounts (owner, balance) VALUES ('ann', 100), ('bob', 20)"
    $rules = Join-Path $MlFolder 'ledger.ml'

    $transfer = @(
        @{ type = 'update'; table = 'accounts'; id = 1; values = @{ balance = 70 } }
        @{ type = 'update'; table = 'accounts'; id = 2; values = @{ balance = 50 } }
        @{ type = 'insert'; table = 'accounts'; values = @{ owner = 'cy'; balance = 0 } }
    )
    Show 'A valid transfer' (Invoke-MlTransaction -Script $rules -Function reviewOperations -Operations $transfer)

    try {
        Invoke-MlTransaction -Script $rules -Function reviewOperations -Operations @(
            @{ type = 'update'; table = 'accounts'; values = @{ balance = -5 } }
            @{ type = 'merge'; table = 'accounts' }
        )
    }
    catch { Show 'An invalid set (nothing ran)' $_.Exception.Message }

    try {
        Invoke-MlTransaction -Script $rules -Function reviewOperations -Operations @(
            @{ type = 'update'; table = 'accounts'; id = 1; values = @{ balance = 0 } }
            @{ type = 'insert'; table = 'accounts'; values = @{ owner = $null; balance = 1 } }
        )
    }
    catch { Show 'A failing operation (all rolled back)' $_.Exception.Message }

    Show 'Balances' (Invoke-MlQuery -Query 'SELECT * FROM accounts ORDER BY id')
}
finally {
    Disconnect-MlDatabase -All
    Remove-Item -LiteralPath $WorkFolder -Recurse -Force
}
