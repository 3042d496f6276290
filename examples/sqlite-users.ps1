#Requires -Version 7.4
# Seed scenario "SQLite integration": insert users through an ML validator (bad ones rejected with
# their message), then query them with parameters and digest the rows with ML.
. (Join-Path $PSScriptRoot '_common.ps1')
try {
    Connect-MlDatabase -ConnectionString (Join-Path $WorkFolder 'users.db')
    Invoke-MlQuery -Query 'CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL, age INTEGER)'
    $rules = Import-MlScript (Join-Path $MlFolder 'users.ml')

    $people = @(
        [ordered]@{ name = 'John Doe'; email = 'John@Example.com'; age = 30 }
        [ordered]@{ name = 'J'; email = 'nobody'; age = 200 }
        [ordered]@{ name = 'Mary Major'; email = 'mary@example.org'; age = 41 }
        [ordered]@{ name = 'Sam Young'; email = 'sam@example.com'; age = 19 }
    )
    $ids = $people | Add-MlRecord -Table users -Script $rules -Function screenUser -ErrorVariable rejected -ErrorAction SilentlyContinue
    Show 'Inserted user ids' ($ids -join ', ')
    Show 'Rejected' ($rejected | ForEach-Object { $_.Exception.Message })

    $digest = Invoke-MlQuery -Query 'SELECT * FROM users WHERE age > @age' -Parameters @{ age = 25 } -Script $rules -Function userDigest
    Show 'userDigest of users older than 25' ($digest | Format-List user_count, mean_age, names)
    Show 'By domain' $digest.by_domain
}
finally {
    Disconnect-MlDatabase -All
    Remove-Item -LiteralPath $WorkFolder -Recurse -Force
}
