#Requires -Version 7.4
# Pins the public surface promised by shared/cmdlets.md for the SQL cmdlets: names, parameter
# names and types, mandatory flags, pipeline input, switches. Adding is allowed; renaming or
# dropping is not.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-MlTestModule

    function Get-ParameterInfo([string] $Command, [string] $Parameter) {
        $cmd = Get-Command -Name $Command -Module MlDb -ErrorAction Stop
        $cmd.Parameters[$Parameter]
    }
}

Describe 'The contract of cmdlets.md' {
    It '<Command> exists, is a cmdlet, declares [OutputType]' -ForEach @(
        @{ Command = 'Connect-MlDatabase' }, @{ Command = 'Disconnect-MlDatabase' }, @{ Command = 'Get-MlConnection' },
        @{ Command = 'Import-MlScript' }, @{ Command = 'Test-MlScript' }, @{ Command = 'Invoke-MlFunction' },
        @{ Command = 'Invoke-MlQuery' }, @{ Command = 'Add-MlRecord' }, @{ Command = 'Invoke-MlTransaction' }
    ) {
        $cmd = Get-Command -Name $Command -Module MlDb
        $cmd.CommandType | Should -Be 'Cmdlet'
        $cmd.OutputType | Should -Not -BeNullOrEmpty
        $cmd.ImplementingType.IsSealed | Should -BeTrue
    }

    It '<Command> -<Parameter> is <Type><MandatoryText>' -ForEach @(
        @{ Command = 'Connect-MlDatabase'; Parameter = 'Provider'; Type = 'MlDbProvider' }
        @{ Command = 'Connect-MlDatabase'; Parameter = 'ConnectionString'; Type = 'String'; Mandatory = $true }
        @{ Command = 'Connect-MlDatabase'; Parameter = 'Name'; Type = 'String' }
        @{ Command = 'Connect-MlDatabase'; Parameter = 'Credential'; Type = 'PSCredential' }
        @{ Command = 'Connect-MlDatabase'; Parameter = 'Database'; Type = 'String' }
        @{ Command = 'Connect-MlDatabase'; Parameter = 'PassThru'; Type = 'SwitchParameter' }
        @{ Command = 'Disconnect-MlDatabase'; Parameter = 'Name'; Type = 'String[]' }
        @{ Command = 'Disconnect-MlDatabase'; Parameter = 'All'; Type = 'SwitchParameter' }
        @{ Command = 'Get-MlConnection'; Parameter = 'Name'; Type = 'String[]' }
        @{ Command = 'Import-MlScript'; Parameter = 'Path'; Type = 'String[]'; Mandatory = $true }
        @{ Command = 'Test-MlScript'; Parameter = 'Path'; Type = 'String[]'; Mandatory = $true }
        @{ Command = 'Invoke-MlFunction'; Parameter = 'Script'; Type = 'Object'; Mandatory = $true }
        @{ Command = 'Invoke-MlFunction'; Parameter = 'Function'; Type = 'String'; Mandatory = $true }
        @{ Command = 'Invoke-MlFunction'; Parameter = 'ArgumentList'; Type = 'Object[]' }
        @{ Command = 'Invoke-MlFunction'; Parameter = 'InputObject'; Type = 'Object'; Pipeline = $true }
        @{ Command = 'Invoke-MlFunction'; Parameter = 'TimeoutSeconds'; Type = 'Int32' }
        @{ Command = 'Invoke-MlQuery'; Parameter = 'Connection'; Type = 'Object' }
        @{ Command = 'Invoke-MlQuery'; Parameter = 'Query'; Type = 'String'; Mandatory = $true }
        @{ Command = 'Invoke-MlQuery'; Parameter = 'Parameters'; Type = 'IDictionary' }
        @{ Command = 'Invoke-MlQuery'; Parameter = 'Script'; Type = 'Object' }
        @{ Command = 'Invoke-MlQuery'; Parameter = 'Function'; Type = 'String' }
        @{ Command = 'Invoke-MlQuery'; Parameter = 'PerRow'; Type = 'SwitchParameter' }
        @{ Command = 'Invoke-MlQuery'; Parameter = 'ParameterFunction'; Type = 'String' }
        @{ Command = 'Invoke-MlQuery'; Parameter = 'TimeoutSeconds'; Type = 'Int32' }
        @{ Command = 'Invoke-MlQuery'; Parameter = 'AsHashtable'; Type = 'SwitchParameter' }
        @{ Command = 'Invoke-MlQuery'; Parameter = 'Table'; Type = 'String'; Mandatory = $true }
        @{ Command = 'Invoke-MlQuery'; Parameter = 'Filter'; Type = 'Object' }
        @{ Command = 'Invoke-MlQuery'; Parameter = 'Limit'; Type = 'Int32' }
        @{ Command = 'Add-MlRecord'; Parameter = 'Connection'; Type = 'Object' }
        @{ Command = 'Add-MlRecord'; Parameter = 'Table'; Type = 'String'; Mandatory = $true }
        @{ Command = 'Add-MlRecord'; Parameter = 'InputObject'; Type = 'Object'; Mandatory = $true; Pipeline = $true }
        @{ Command = 'Add-MlRecord'; Parameter = 'Script'; Type = 'Object' }
        @{ Command = 'Add-MlRecord'; Parameter = 'Function'; Type = 'String' }
        @{ Command = 'Add-MlRecord'; Parameter = 'BatchFunction'; Type = 'String' }
        @{ Command = 'Add-MlRecord'; Parameter = 'BatchSize'; Type = 'Int32' }
        @{ Command = 'Add-MlRecord'; Parameter = 'TimeoutSeconds'; Type = 'Int32' }
        @{ Command = 'Add-MlRecord'; Parameter = 'WhatIf'; Type = 'SwitchParameter' }
        @{ Command = 'Add-MlRecord'; Parameter = 'Confirm'; Type = 'SwitchParameter' }
        @{ Command = 'Invoke-MlTransaction'; Parameter = 'Connection'; Type = 'Object' }
        @{ Command = 'Invoke-MlTransaction'; Parameter = 'Operations'; Type = 'IDictionary[]'; Mandatory = $true }
        @{ Command = 'Invoke-MlTransaction'; Parameter = 'Script'; Type = 'Object' }
        @{ Command = 'Invoke-MlTransaction'; Parameter = 'Function'; Type = 'String' }
        @{ Command = 'Invoke-MlTransaction'; Parameter = 'TimeoutSeconds'; Type = 'Int32' }
        @{ Command = 'Invoke-MlTransaction'; Parameter = 'WhatIf'; Type = 'SwitchParameter' }
        @{ Command = 'Invoke-MlTransaction'; Parameter = 'Confirm'; Type = 'SwitchParameter' }
    ) {
        $p = Get-ParameterInfo $Command $Parameter
        $p | Should -Not -BeNullOrEmpty -Because "$Command must keep -$Parameter"
        $p.ParameterType.Name | Should -Be $Type
        $attributes = @($p.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] })
        if ($Mandatory) { $attributes.Mandatory | Should -Contain $true }
        if ($Pipeline) { $attributes.ValueFromPipeline | Should -Contain $true }
    }

    It 'Connect-MlDatabase -Provider offers Sqlite, Postgres, Mongo and Redis' {
        [enum]::GetNames((Get-ParameterInfo Connect-MlDatabase Provider).ParameterType) | Should -Be @('Sqlite', 'Postgres', 'Mongo', 'Redis')
    }

    It 'write cmdlets support -WhatIf/-Confirm; read cmdlets do not' {
        (Get-Command Add-MlRecord).Parameters.ContainsKey('WhatIf') | Should -BeTrue
        (Get-Command Invoke-MlTransaction).Parameters.ContainsKey('WhatIf') | Should -BeTrue
        (Get-Command Invoke-MlQuery).Parameters.ContainsKey('WhatIf') | Should -BeFalse
    }

    It '-Query and -Table are in different parameter sets of Invoke-MlQuery' {
        $sets = (Get-Command Invoke-MlQuery).ParameterSets
        ($sets | Where-Object { $_.Parameters.Name -contains 'Query' -and $_.Parameters.Name -contains 'Table' }) | Should -BeNullOrEmpty
    }

    It 'every cmdlet that runs ML takes -TimeoutSeconds' {
        foreach ($c in 'Invoke-MlFunction', 'Invoke-MlQuery', 'Add-MlRecord', 'Invoke-MlTransaction') {
            (Get-Command $c).Parameters.ContainsKey('TimeoutSeconds') | Should -BeTrue -Because $c
        }
    }

    It 'the manifest exports every cmdlet of the assembly that exists' {
        $manifest = Import-PowerShellDataFile (Get-MlTestModuleManifest)
        foreach ($c in Get-Command -Module MlDb -CommandType Cmdlet) { $manifest.CmdletsToExport | Should -Contain $c.Name }
    }
}
