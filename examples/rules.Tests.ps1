#Requires -Version 7.4
<#
    How to test your own ML rules with Pester: a template to copy next to your rules.

    The rules under test are examples/ml/users.ml: screenUser validates a user before it is stored
    (it throws "User rejected: ..." for a bad one and lower-cases the email of a good one) and
    userDigest summarises {rows, count} after a query. Three kinds of test:

      1. Unit tests: the ML functions called through Invoke-MlFunction, with no database at all.
      2. A failing rule: asserted with Should -Throw on the MlDb error id and the thrown text.
      3. Integration: the rules in the real cmdlets, on a throwaway SQLite database in TestDrive:.

    Run it:   Invoke-Pester ./examples/rules.Tests.ps1 -Output Detailed
    (./build.sh test runs it on every build, next to the module's own tests.)
#>

BeforeAll {
    # This checkout's build (out/MlDb) when there is one, else the installed module. In your own
    # repository this is simply: Import-Module MlDb
    if (-not (Get-Module MlDb)) {
        $built = Join-Path $PSScriptRoot '../out/MlDb/MlDb.psd1'
        if (Test-Path -LiteralPath $built) { Import-Module $built } else { Import-Module MlDb }
    }
    # Compile once for the whole file; a script that does not compile fails here, with its line.
    $script:Rules = Import-MlScript (Join-Path $PSScriptRoot 'ml/users.ml')
}

Describe 'users.ml compiles' {
    It 'has the functions the pipeline scripts call' {
        Test-MlScript -Path $Rules.Path | Should -BeTrue
        $Rules.Functions | Should -Contain 'screenUser'
        $Rules.Functions | Should -Contain 'userDigest'
    }
}

Describe 'screenUser (unit tests: no database)' {
    It 'passes a good user through with the email lower-cased' {
        $user = Invoke-MlFunction -Script $Rules -Function screenUser -ArgumentList ([ordered]@{ name = 'Ann Lee'; email = 'Ann@Example.COM'; age = 34 })
        $user.name | Should -Be 'Ann Lee'
        $user.email | Should -Be 'ann@example.com'
        $user.age | Should -Be 34
    }

    It 'rejects <Problem>' -ForEach @(
        @{ Problem = 'a one-letter name'; User = @{ name = 'A'; email = 'a@example.com'; age = 30 }; Reason = 'name needs at least 2 characters' }
        @{ Problem = 'an email without @'; User = @{ name = 'Ann'; email = 'ann.example.com'; age = 30 }; Reason = 'email is not an address' }
        @{ Problem = 'an age over 120'; User = @{ name = 'Ann'; email = 'a@example.com'; age = 121 }; Reason = 'age must be between 0 and 120' }
        @{ Problem = 'a missing age'; User = @{ name = 'Ann'; email = 'a@example.com' }; Reason = 'age must be between 0 and 120' }
    ) {
        { Invoke-MlFunction -Script $Rules -Function screenUser -ArgumentList $User } | Should -Throw -ExpectedMessage "User rejected: *$Reason*"
    }

    It 'lists every problem of a user at once' {
        { Invoke-MlFunction -Script $Rules -Function screenUser -ArgumentList @{ name = 'J'; email = 'nope'; age = 200 } } |
            Should -Throw -ExpectedMessage 'User rejected: name needs at least 2 characters, email is not an address, age must be between 0 and 120'
    }

    It 'is cheap: a user is screened within 1000 ML steps' {
        # -MaxSteps turns "this rule got slow" into a failing test instead of a slow pipeline.
        Invoke-MlFunction -Script $Rules -Function screenUser -ArgumentList @{ name = 'Ann'; email = 'a@example.com'; age = 30 } -MaxSteps 1000 |
            Should -Not -BeNullOrEmpty
    }
}

Describe 'A failing rule, asserted on the MlDb error id' {
    It 'an ML throw is a terminating MlDb.ScriptRuntime error whose message is the thrown text' {
        $thrown = { Invoke-MlFunction -Script $Rules -Function screenUser -ArgumentList @{ name = 'J'; email = 'nope'; age = 30 } } |
            Should -Throw -ErrorId 'MlDb.ScriptRuntime,*' -PassThru
        $thrown.Exception.Message | Should -BeLike 'User rejected: *'
        $thrown.Exception.ErrorType | Should -Be 'Error'
        $thrown.Exception.Line | Should -BeGreaterThan 0
    }

    It 'piped records: a bad one is a non-terminating error with the record as TargetObject; the others go on' {
        $users = @(
            [ordered]@{ name = 'Ann Lee'; email = 'ANN@example.com'; age = 34 }
            [ordered]@{ name = 'J'; email = 'nope'; age = 30 }
            [ordered]@{ name = 'Bo Ek'; email = 'bo@example.org'; age = 51 }
        )
        $screened = $users | Invoke-MlFunction -Script $Rules -Function screenUser -ErrorVariable problems -ErrorAction SilentlyContinue
        $screened.email | Should -Be @('ann@example.com', 'bo@example.org')
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'MlDb.ScriptRuntime,*'
        $problems[0].TargetObject.name | Should -Be 'J'
    }

    It 'an unknown function is MlDb.UnknownFunction, listing the functions there are' {
        { Invoke-MlFunction -Script $Rules -Function screenUsers -ArgumentList @{} } |
            Should -Throw -ErrorId 'MlDb.UnknownFunction,*' -ExpectedMessage '*screenUser*'
    }
}

Describe 'userDigest (unit test on hand-made rows)' {
    It 'counts users per mail domain and averages their age' {
        $data = @{
            count = 3
            rows  = @(
                @{ name = 'Ann'; email = 'ann@example.com'; age = 30 }
                @{ name = 'Bo'; email = 'bo@example.org'; age = 40 }
                @{ name = 'Cy'; email = 'cy@example.com'; age = 50 }
            )
        }
        $digest = Invoke-MlFunction -Script $Rules -Function userDigest -ArgumentList $data
        $digest.user_count | Should -Be 3
        $digest.mean_age | Should -Be 40
        $digest.by_domain.'example.com' | Should -Be 2
        $digest.by_domain.'example.org' | Should -Be 1
        $digest.names | Should -Be @('Ann', 'Bo', 'Cy')
    }

    It 'has no mean age for no rows' {
        (Invoke-MlFunction -Script $Rules -Function userDigest -ArgumentList @{ count = 0; rows = @() }).mean_age | Should -BeNullOrEmpty
    }
}

Describe 'The rules in the cmdlets, on a throwaway SQLite database (integration)' {
    BeforeEach {
        # TestDrive: is a fresh folder per Describe, removed by Pester afterwards. A connection
        # name of its own keeps the test away from your 'default' connection.
        Connect-MlDatabase -ConnectionString 'TestDrive:/users.db' -Name rules_test
        Invoke-MlQuery -Connection rules_test -Query 'CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL, age INTEGER)'
    }
    AfterEach {
        # Closing the connection releases the file, so TestDrive can delete it.
        Disconnect-MlDatabase -Name rules_test
        Remove-Item -LiteralPath 'TestDrive:/users.db'
    }

    It 'stores the valid users, as screenUser changed them' {
        $ids = @(
            @{ name = 'Ann Lee'; email = 'ANN@example.com'; age = 34 }
            @{ name = 'Bo Ek'; email = 'bo@example.org'; age = 51 }
        ) | Add-MlRecord -Connection rules_test -Table users -Script $Rules -Function screenUser
        $ids | Should -Be @(1, 2)
        (Invoke-MlQuery -Connection rules_test -Query 'SELECT email FROM users ORDER BY id').email | Should -Be @('ann@example.com', 'bo@example.org')
    }

    It 'a rejected user is MlDb.RecordRejected, and nothing of it is stored' {
        { @{ name = 'J'; email = 'nope'; age = 30 } | Add-MlRecord -Connection rules_test -Table users -Script $Rules -Function screenUser -ErrorAction Stop } |
            Should -Throw -ErrorId 'MlDb.RecordRejected,*' -ExpectedMessage 'User rejected: *'
        (Invoke-MlQuery -Connection rules_test -Query 'SELECT count(*) AS n FROM users').n | Should -Be 0
    }

    It 'one bad user among good ones: the others are stored' {
        $null = @(
            @{ name = 'Ann Lee'; email = 'ann@example.com'; age = 34 }
            @{ name = 'J'; email = 'nope'; age = 30 }
            @{ name = 'Bo Ek'; email = 'bo@example.org'; age = 51 }
        ) | Add-MlRecord -Connection rules_test -Table users -Script $Rules -Function screenUser -ErrorVariable rejected -ErrorAction SilentlyContinue
        $rejected.Count | Should -Be 1
        $rejected[0].TargetObject.name | Should -Be 'J'
        (Invoke-MlQuery -Connection rules_test -Query 'SELECT name FROM users ORDER BY id').name | Should -Be @('Ann Lee', 'Bo Ek')
    }

    It 'userDigest over a parameterized query' {
        $null = @(
            @{ name = 'Ann Lee'; email = 'ann@example.com'; age = 34 }
            @{ name = 'Bo Ek'; email = 'bo@example.org'; age = 51 }
            @{ name = 'Cy Ng'; email = 'cy@example.com'; age = 19 }
        ) | Add-MlRecord -Connection rules_test -Table users -Script $Rules -Function screenUser
        $digest = Invoke-MlQuery -Connection rules_test -Query 'SELECT * FROM users WHERE age > @age' -Parameters @{ age = 25 } -Script $Rules -Function userDigest
        $digest.user_count | Should -Be 2
        $digest.mean_age | Should -Be 42.5
        $digest.by_domain.'example.com' | Should -Be 1
    }
}
