#Requires -Version 7.4
# How results read in PowerShell's default views: objects nested in a result (an aggregate's
# by_domain, a sub-document, a json column) show as {key: value, ...} with their arrays, instead
# of @{...} cut at the first level; the values themselves are unchanged.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-MlTestModule
    $script:Ml = Join-Path $TestDrive 'shapes.ml'
    Set-Content $Ml @'
function report(d) {
    return {
        "members": 3,
        "by_domain": {"example.com": 2, "example.org": 1},
        "top": [{"id": 1, "tags": ["vip", "early"]}, {"id": 2, "tags": []}],
        "deep": {"a": {"b": {"c": [1, 2, {"d": null}]}}},
        "when": new Date("2024-03-05T07:08:09Z"),
        "many": [1, 2, 3, 4, 5, 6, 7],
        "stats": {"many": [1, 2, 3, 4, 5, 6, 7], "when": new Date("2024-03-05T07:08:09Z"), "money": decimal("19.90"), "empty": ""}
    };
}
function rows(d) { return [{"id": 1, "meta": {"ok": true}}, {"id": 2, "meta": {"ok": false}}]; }
'@
}

Describe 'Nested objects in the default views' {
    It 'the list view shows nested objects and arrays whole, one line each' {
        $text = Invoke-MlFunction -Script $Ml -Function report | Out-String -Width 250
        $text | Should -Match 'by_domain\s*:\s*\{example\.com: 2, example\.org: 1\}'
        $text | Should -Match 'top\s*:\s*\{\{id: 1, tags: \[vip, early\]\}, \{id: 2, tags: \[\]\}\}'
        $text | Should -Match 'deep\s*:\s*\{a: \{b: \{c: \[1, 2, \{d: null\}\]\}\}\}'
        $text | Should -Not -Match '@\{'
        $text | Should -Not -Match 'System\.Object\[\]'
    }

    It 'the table view shows them in their column' {
        $result = Invoke-MlFunction -Script $Ml -Function report
        $text = $result | Format-Table members, by_domain | Out-String -Width 200
        $text | Should -Match 'members by_domain'
        $text | Should -Match '3 \{example\.com: 2, example\.org: 1\}'
    }

    It 'arrays inside nested objects follow $FormatEnumerationLimit' {
        $result = Invoke-MlFunction -Script $Ml -Function report
        $old = $global:FormatEnumerationLimit
        try {
            $global:FormatEnumerationLimit = 3
            ($result | Out-String -Width 400) | Should -Match 'stats\s*:\s*\{many: \[1, 2, 3, …\],'
            $global:FormatEnumerationLimit = -1
            ($result | Out-String -Width 400) | Should -Match 'stats\s*:\s*\{many: \[1, 2, 3, 4, 5, 6, 7\],'
        }
        finally { $global:FormatEnumerationLimit = $old }
    }

    It 'dates, decimals and empty strings are unambiguous inside nested objects' {
        $result = Invoke-MlFunction -Script $Ml -Function report
        "$($result.stats)" | Should -Match 'when: 2024-03-05T07:08:09Z, money: 19\.90, empty: ""\}$'
    }

    It 'the values are unchanged: types, property access, JSON' {
        $result = Invoke-MlFunction -Script $Ml -Function report
        $result.by_domain | Should -BeOfType [pscustomobject]
        $result.by_domain.'example.com' | Should -Be 2
        $result.top -is [object[]] | Should -BeTrue
        $result.top[0].tags | Should -Be @('vip', 'early')
        $result.by_domain.PSObject.TypeNames[0] | Should -Be 'MlDb.Object'
        ($result | ConvertTo-Json -Depth 6 -Compress) | Should -Be '{"members":3,"by_domain":{"example.com":2,"example.org":1},"top":[{"id":1,"tags":["vip","early"]},{"id":2,"tags":[]}],"deep":{"a":{"b":{"c":[1,2,{"d":null}]}}},"when":"2024-03-05T07:08:09Z","many":[1,2,3,4,5,6,7],"stats":{"many":[1,2,3,4,5,6,7],"when":"2024-03-05T07:08:09Z","money":19.90,"empty":""}}'
    }

    It 'top-level results and rows keep the plain PSCustomObject views' {
        $rows = Invoke-MlFunction -Script $Ml -Function rows
        $rows[0].PSObject.TypeNames[0] | Should -Be 'System.Management.Automation.PSCustomObject'
        $rows[0].meta.PSObject.TypeNames[0] | Should -Be 'MlDb.Object'
        ($rows | Out-String) | Should -Match 'id meta\s+-- ----\s+ 1 \{ok: true\}\s+ 2 \{ok: false\}'
    }

    It 'the quick start prints its nested by_provider in the report, not as a table of its own' {
        $example = Join-Path (Get-MlTestRepositoryRoot) 'examples/quickstart.ps1'
        $run = Invoke-MlTestPwsh -Parameters @{ Manifest = (Get-MlTestModuleManifest); Example = $example } -Script {
            Import-Module $Manifest
            & $Example
        } -TimeoutSeconds 300
        $run.ExitCode | Should -Be 0 -Because $run.Errors
        $run.Output | Should -Match 'members average_age youngest by_provider'
        $run.Output | Should -Match '\{example\.com: 2, example\.org: 1\}'
    }

    It 'PostgreSQL jsonb columns read without ML show nested too' {
        if (Skip-IfNoService Postgres) { return }
        $db = New-MlTestDatabase -Provider Postgres
        try {
            Connect-MlDatabase -Provider Postgres -ConnectionString $db.ConnectionString -Name pg
            $row = Invoke-MlQuery -Connection pg -Query 'SELECT 1 AS id, ''{"city": "Oslo", "tags": ["a", "b"]}''::jsonb AS address'
            ($row | Out-String) | Should -Match '\{city: Oslo, tags: \[a, b\]\}'
        }
        finally {
            Disconnect-MlDatabase -All
            Remove-MlTestDatabase $db
        }
    }

    It 'MongoDB sub-documents show nested too' {
        if (Skip-IfNoService Mongo) { return }
        $db = New-MlTestDatabase -Provider Mongo
        try {
            Connect-MlDatabase -Provider Mongo -ConnectionString $db.ConnectionString -Database $db.Database -Name mongo
            $null = [ordered]@{ name = 'Ann'; address = [ordered]@{ city = 'Oslo'; zip = '0150' } } | Add-MlRecord -Connection mongo -Collection people
            $doc = Invoke-MlQuery -Connection mongo -Collection people
            ($doc | Select-Object name, address | Out-String) | Should -Match 'Ann\s+\{city: Oslo, zip: 0150\}'
        }
        finally { Disconnect-MlDatabase -All }
    }
}

Describe 'Get-MlConnection views' {
    AfterEach { Disconnect-MlDatabase -All }

    It 'the table shows Name, Provider, IsOpen and ConnectionString; the list shows everything, ConnectedAt in UTC' {
        $path = Join-Path $TestDrive 'v.db'
        Connect-MlDatabase $path -Name viewed
        (Get-MlConnection | Out-String) | Should -Match 'Name\s+Provider\s+IsOpen\s+ConnectionString'
        $list = Get-MlConnection | Format-List | Out-String
        foreach ($label in 'Name', 'Provider', 'IsOpen', 'Database', 'ConnectionString', 'ConnectedAt') { $list | Should -Match "$label\s*:" }
        $list | Should -Match 'ConnectedAt\s*:\s*\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC'
        $list | Should -Match ([regex]::Escape($path))
    }

    It 'no view, property or string of a connection shows a password (PostgreSQL and Redis)' {
        $secrets = @()
        if (Test-MlTestService Postgres) {
            $pg = Get-MlTestService -Name Postgres
            $b = [Data.Common.DbConnectionStringBuilder]::new(); $b.set_ConnectionString($pg)
            $secrets += $b['Password']
            Connect-MlDatabase $pg -Name pg
        }
        $auth = [Environment]::GetEnvironmentVariable('MLDB_TEST_REDIS_AUTH')
        $redisPassword = [Environment]::GetEnvironmentVariable('MLDB_TEST_REDIS_PASSWORD')
        if ($auth -and $redisPassword) {
            $secrets += $redisPassword
            Connect-MlDatabase "$auth,password=$redisPassword" -Name cache
        }
        if (-not $secrets) { Set-ItResult -Skipped -Because (Get-MlTestSkipReason -Name Postgres); return }
        $everything = @(
            Get-MlConnection | Out-String
            Get-MlConnection | Format-List * | Out-String
            Get-MlConnection | Format-Table * | Out-String
            Get-MlConnection | ForEach-Object { $_.ToString(); $_.ConnectionString; $_.Database }
            Get-MlConnection | ConvertTo-Json
            (TabExpansion2 -inputScript 'Invoke-MlQuery -Connection ' -cursorColumn 27).CompletionMatches.ToolTip
        ) -join "`n"
        foreach ($secret in $secrets) { $everything | Should -Not -Match ([regex]::Escape($secret)) }
    }
}
