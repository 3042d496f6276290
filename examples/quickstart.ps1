#Requires -Version 7.4
<#
.SYNOPSIS
    MlDb in one minute: a SQLite database, users validated by ML on the way in (one rejected),
    then summarized by ML on the way out. Run by ./build.sh demo; runs anywhere with nothing
    installed but the module.
#>
$ErrorActionPreference = 'Stop'
if (-not (Get-Module MlDb)) {
    # the build in out/MlDb when run from the repository, else the installed module
    $built = Join-Path $PSScriptRoot '../out/MlDb/MlDb.psd1'
    if (Test-Path -LiteralPath $built) { Import-Module $built } else { Import-Module MlDb }
}

# Everything lives in a temporary folder: the database and the two ML files.
$work = Join-Path ([IO.Path]::GetTempPath()) ('mldb-quickstart-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
$null = New-Item -ItemType Directory -Path $work

Set-Content -LiteralPath (Join-Path $work 'signup.ml') -Value @'
# Runs once per new user, before it is stored.
function checkSignup(user) {
    let problems = [];

    if (!user.name || user.name.length < 2) {
        problems.push("name is too short");
    }
    if (!user.email || user.email.indexOf("@") < 1) {
        problems.push("email has no @");
    }
    if (!user.age || user.age < 13) {
        problems.push("must be 13 or older");
    }

    if (problems.length > 0) {
        throw "Signup refused for " + user.name + ": " + problems.join("; ");
    }

    user.email = user.email.toLowerCase();
    return user;
}
'@

Set-Content -LiteralPath (Join-Path $work 'report.ml') -Value @'
# Gets {rows: [...], count: n} and returns one summary object.
function signupReport(data) {
    let rows = data.rows;
    let ages = rows.map(function(u) { return u.age; });
    let total = ages.reduce(function(sum, age) { return sum + age; }, 0);

    let byProvider = {};
    for (user in rows) {
        let provider = user.email.split("@")[1];
        byProvider[provider] = (byProvider[provider] || 0) + 1;
    }

    return {
        "members": data.count,
        "average_age": total / rows.length,
        "youngest": ages.reduce(function(low, age) { return age < low ? age : low; }, ages[0]),
        "by_provider": byProvider
    };
}
'@

try {
    Connect-MlDatabase -ConnectionString (Join-Path $work 'members.db')
    Invoke-MlQuery -Query 'CREATE TABLE members (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL, age INTEGER, joined DATETIME DEFAULT CURRENT_TIMESTAMP)'

    Write-Host "`n== Adding members through checkSignup (signup.ml) ==" -ForegroundColor Cyan
    $signups = @(
        [ordered]@{ name = 'Ada Lovelace'; email = 'Ada@Example.com'; age = 36 }
        [ordered]@{ name = 'Al'; email = 'al-at-example.org'; age = 9 }
        [ordered]@{ name = 'Grace Hopper'; email = 'grace@example.org'; age = 45 }
        [ordered]@{ name = 'Linus'; email = 'linus@example.com'; age = 28 }
    )
    $keys = $signups | Add-MlRecord -Table members -Script (Join-Path $work 'signup.ml') -Function checkSignup -ErrorVariable refused -ErrorAction SilentlyContinue
    Write-Host "Inserted ids: $($keys -join ', ')"
    foreach ($r in $refused) { Write-Host "Rejected: $($r.Exception.Message)" -ForegroundColor Yellow }

    Write-Host "`n== Members as stored ==" -ForegroundColor Cyan
    Invoke-MlQuery -Query 'SELECT id, name, email, age FROM members ORDER BY id' | Format-Table | Out-String | Write-Host

    Write-Host '== signupReport (report.ml) over members older than 20 ==' -ForegroundColor Cyan
    $report = Invoke-MlQuery -Query 'SELECT * FROM members WHERE age > @age' -Parameters @{ age = 20 } -Script (Join-Path $work 'report.ml') -Function signupReport
    # The default view: the nested by_provider object reads as {provider: count, ...} in its column.
    $report | Out-String | Write-Host

    if ($keys.Count -ne 3 -or $refused.Count -ne 1 -or $report.members -ne 3) { throw 'The quick start did not produce the expected result.' }
}
finally {
    Disconnect-MlDatabase -All
    Remove-Item -LiteralPath $work -Recurse -Force
}
