#Requires -Version 7.4
# Every cmdlet has a synopsis, a description and examples in the module's help, and every example
# actually runs (each in a fresh runspace, in a temporary folder).
BeforeDiscovery {
    $script:CmdletNames = @(
        'Connect-MlDatabase', 'Disconnect-MlDatabase', 'Get-MlConnection', 'Import-MlScript', 'Test-MlScript',
        'Invoke-MlFunction', 'Invoke-MlQuery', 'Add-MlRecord', 'Invoke-MlTransaction'
    )
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-MlTestModule
    $script:Manifest = Get-MlTestModuleManifest
}

Describe 'Help of <_>' -ForEach $CmdletNames {
    BeforeAll {
        $script:name = $_
        $script:help = Get-Help -Name $_ -Full
    }

    It 'has a synopsis of its own' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -Match ([regex]::Escape($name) + '\s*\[')
    }

    It 'has a description' {
        ($help.description.Text -join ' ').Length | Should -BeGreaterThan 50
    }

    It 'describes every parameter' {
        $common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
        foreach ($p in (Get-Command $name).Parameters.Keys | Where-Object { $_ -notin $common }) {
            $entry = $help.parameters.parameter | Where-Object name -EQ $p
            ($entry.description.Text -join ' ') | Should -Not -BeNullOrEmpty -Because "-$p needs a description"
        }
    }

    It 'has at least one example and every example runs' {
        @($help.examples.example).Count | Should -BeGreaterThan 0
        foreach ($example in $help.examples.example) {
            $work = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
            $null = New-Item -ItemType Directory -Path $work
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddScript("Set-Location -LiteralPath '$work'; Import-Module '$Manifest'; `$ErrorActionPreference = 'Stop'").AddStatement()
                $null = $ps.AddScript($example.code).AddStatement()
                $null = $ps.AddScript('Disconnect-MlDatabase -All')
                $null = $ps.Invoke()
                $errors = @($ps.Streams.Error | Where-Object { $_.FullyQualifiedErrorId -notlike 'MlDb.RecordRejected*' })
                $ps.HadErrors -and $errors.Count -gt 0 | Should -BeFalse -Because "$($example.title) should run: $($errors -join '; ')"
            }
            finally { $ps.Dispose() }
        }
    }
}

Describe 'about_MlDb' {
    It 'is installed with the module' {
        (Get-Help about_MlDb | Out-String) | Should -Match 'about_MlDb'
    }
}

Describe 'examples/ scripts run against SQLite with nothing installed' {
    It '<_> runs and ends well' -ForEach @('quickstart.ps1', 'sqlite-users.ps1', 'orm-products.ps1', 'transactions.ps1', 'query-optimisation.ps1', 'sandbox-limits.ps1') {
        $script = Join-Path (Get-MlTestRepositoryRoot) "examples/$_"
        $run = Invoke-MlTestPwsh -Parameters @{ Manifest = $Manifest; Example = $script } -Script {
            Import-Module $Manifest
            & $Example
            'finished'
        } -TimeoutSeconds 300
        $run.ExitCode | Should -Be 0 -Because $run.Errors
        $run.Result | Should -Be 'finished'
        $run.Errors | Should -BeNullOrEmpty
    }
}
