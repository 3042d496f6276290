#Requires -Version 7.4
# Remove-MlCache on a real Redis: several keys, the pipeline, missing keys, -WhatIf, -PassThru, -Verbose.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    . (Join-Path $PSScriptRoot 'Redis.TestSupport.ps1')
    Import-MlTestModule
    $script:Server = Get-MlTestService -Name Redis
    $script:Cluster = Get-MlTestService -Name RedisCluster
}

Describe 'Remove-MlCache' {
    BeforeEach {
        if ($Server) {
            Connect-MlDatabase -Provider Redis -ConnectionString $Server
            $script:Prefix = (New-MlTestName -Prefix 'mldb:rm') + ':'
            foreach ($n in 1..3) { Invoke-TestRedisCli -Server $Server SET "${Prefix}$n" '{}' | Out-Null }
        }
    }
    AfterEach { Disconnect-MlDatabase -All }

    It 'removes several keys and writes nothing' {
        if (Skip-IfNoService Redis) { return }
        $out = Remove-MlCache -Key "${Prefix}1", "${Prefix}2"
        $out | Should -BeNullOrEmpty
        Invoke-TestRedisCli -Server $Server EXISTS "${Prefix}1" "${Prefix}2" "${Prefix}3" | Should -Be '1'
    }

    It 'takes keys from the pipeline; a missing key is not an error; -PassThru says what happened' {
        if (Skip-IfNoService Redis) { return }
        $out = "${Prefix}1", "${Prefix}missing", "${Prefix}3" | Remove-MlCache -PassThru -ErrorVariable failures
        $failures.Count | Should -Be 0
        $out.Key | Should -Be @("${Prefix}1", "${Prefix}missing", "${Prefix}3")
        $out.Removed | Should -Be @($true, $false, $true)
        Invoke-TestRedisCli -Server $Server EXISTS "${Prefix}1" "${Prefix}3" | Should -Be '0'
    }

    It 'takes keys by property name' {
        if (Skip-IfNoService Redis) { return }
        [pscustomobject]@{ Key = "${Prefix}2" } | Remove-MlCache
        Invoke-TestRedisCli -Server $Server EXISTS "${Prefix}2" | Should -Be '0'
    }

    It '-WhatIf removes nothing' {
        if (Skip-IfNoService Redis) { return }
        Remove-MlCache -Key "${Prefix}1", "${Prefix}2", "${Prefix}3" -WhatIf
        Invoke-TestRedisCli -Server $Server EXISTS "${Prefix}1" "${Prefix}2" "${Prefix}3" | Should -Be '3'
    }

    It '-Confirm:$false removes without asking; ConfirmImpact is Medium' {
        if (Skip-IfNoService Redis) { return }
        Remove-MlCache -Key "${Prefix}1" -Confirm:$false
        Invoke-TestRedisCli -Server $Server EXISTS "${Prefix}1" | Should -Be '0'
        (Get-Command Remove-MlCache).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0].ConfirmImpact | Should -Be 'Medium'
    }

    It 'logs DEL with -Verbose' {
        if (Skip-IfNoService Redis) { return }
        $verbose = Remove-MlCache -Key "${Prefix}1" -Verbose 4>&1 | Out-String
        $verbose | Should -Match ([regex]::Escape("DEL ${Prefix}1"))
    }

    It 'removes keys that live on different primaries of a cluster' {
        if (Skip-IfNoService RedisCluster) { return }
        Connect-MlDatabase -Provider Redis -ConnectionString $Cluster -Name cluster
        $cp = (New-MlTestName -Prefix 'mldb:rmc') + ':'
        $keys = 0..29 | ForEach-Object { "${cp}$_" }
        $keys | ForEach-Object { Set-MlCache -Connection cluster -Key $_ -InputObject $_ }
        @(Get-MlCache -Connection cluster -Pattern "${cp}*").Count | Should -Be 30
        $keys | Remove-MlCache -Connection cluster
        @(Get-MlCache -Connection cluster -Pattern "${cp}*").Count | Should -Be 0
    }

    It 'needs a Redis connection' {
        if (Skip-IfNoService Redis) { return }
        Connect-MlDatabase -Provider Sqlite -ConnectionString ':memory:' -Name sql
        { Remove-MlCache -Connection sql -Key k } | Should -Throw -ErrorId 'MlDb.WrongProvider,*'
    }
}
