#Requires -Version 7.4
<#
    Helpers of the Redis cmdlet tests (Get-MlCache, Set-MlCache, Remove-MlCache.Tests.ps1), dot-sourced
    after TestHelpers.psm1. They look at the test servers behind MlDb's back with redis-cli (which
    tests/services/redis.sh installs together with redis-server).
#>

function Invoke-TestRedisCli {
    <# .SYNOPSIS Runs redis-cli against host:port and returns its output lines. #>
    [CmdletBinding(PositionalBinding = $false)]
    param(
        [Parameter(Mandatory)] [string] $Server,
        [string] $Password,
        [int] $Database = 0,
        [Parameter(ValueFromRemainingArguments)] [string[]] $Arguments
    )
    $hostName, $port = $Server -split ':', 2
    $old = $env:REDISCLI_AUTH
    try {
        if ($Password) { $env:REDISCLI_AUTH = $Password }
        $output = & redis-cli -h $hostName -p $port -n $Database @Arguments
        if ($LASTEXITCODE -ne 0) { throw "redis-cli $Arguments failed with exit code $LASTEXITCODE." }
        $output
    }
    finally {
        $env:REDISCLI_AUTH = $old
    }
}

function Add-TestRedisKey {
    <#
    .SYNOPSIS Writes $Count keys <Prefix>0 … with the JSON value {"i": n} in one redis-cli --pipe call.
    #>
    param([Parameter(Mandatory)] [string] $Server, [Parameter(Mandatory)] [string] $Prefix, [Parameter(Mandatory)] [int] $Count, [int] $Database = 0)
    $sb = [Text.StringBuilder]::new()
    $utf8 = [Text.Encoding]::UTF8
    foreach ($i in 0..($Count - 1)) {
        $key = "$Prefix$i"
        $value = '{"i":' + $i + '}'
        $null = $sb.Append("*3`r`n`$3`r`nSET`r`n`$$($utf8.GetByteCount($key))`r`n$key`r`n`$$($utf8.GetByteCount($value))`r`n$value`r`n")
    }
    $file = [IO.Path]::GetTempFileName()
    try {
        [IO.File]::WriteAllText($file, $sb.ToString())
        $hostName, $port = $Server -split ':', 2
        $output = bash -c "redis-cli -h '$hostName' -p '$port' -n $Database --pipe < '$file'"
        if ($LASTEXITCODE -ne 0 -or -not ($output -match "replies: $Count")) { throw "redis-cli --pipe did not write $Count keys: $output" }
    }
    finally {
        Remove-Item -LiteralPath $file -Force
    }
}

function Remove-TestRedisKey {
    <# .SYNOPSIS Deletes every key matching $Pattern (redis-cli --scan piped to DEL), so big test data does not pile up. #>
    param([Parameter(Mandatory)] [string] $Server, [Parameter(Mandatory)] [string] $Pattern, [int] $Database = 0)
    $hostName, $port = $Server -split ':', 2
    $null = bash -c "set -o pipefail; redis-cli -h '$hostName' -p '$port' -n $Database --scan --pattern '$Pattern' | xargs -r -n 1000 redis-cli -h '$hostName' -p '$port' -n $Database DEL"
    if ($LASTEXITCODE -ne 0) { throw "Could not delete the keys '$Pattern' ($LASTEXITCODE)." }
}

function Get-TestRedisServicesDir {
    <#
    .SYNOPSIS
        The tests/services state folder that runs the standalone test Redis (for redis.sh
        stop-server/start-server), or $null. The build script starts each service in a folder of
        its own, so MLDB_TEST_SERVICES_DIR may name another service's folder: every candidate is
        checked against the port of MLDB_TEST_REDIS.
    #>
    $server = Get-MlTestService -Name Redis
    if (-not $server) { return $null }
    $port = ($server -split ':')[-1]
    $candidates = [Collections.Generic.List[string]]::new()
    if ($env:MLDB_TEST_SERVICES_DIR) { $candidates.Add($env:MLDB_TEST_SERVICES_DIR) }
    if ($env:MLDB_SERVICES_ENV -and (Test-Path -LiteralPath $env:MLDB_SERVICES_ENV)) {
        foreach ($line in Get-Content -LiteralPath $env:MLDB_SERVICES_ENV) {
            if ($line -match "^\s*MLDB_TEST_SERVICES_DIR=['""]?([^'""]*)['""]?\s*$") { $candidates.Add($Matches[1]) }
        }
    }
    foreach ($c in @($candidates)) { $candidates.Add((Join-Path (Split-Path $c -Parent) 'redis')) }
    foreach ($c in $candidates) {
        $portFile = Join-Path $c 'redis/standalone/port'
        if ((Test-Path -LiteralPath $portFile) -and (Get-Content -LiteralPath $portFile -Raw).Trim() -eq $port) { return $c }
    }
    $null
}

function Invoke-TestRedisService {
    <# .SYNOPSIS tests/services/redis.sh stop-server|start-server <dir> standalone. #>
    param([Parameter(Mandatory)] [ValidateSet('stop-server', 'start-server')] [string] $Action, [Parameter(Mandatory)] [string] $Directory)
    $script = Join-Path (Get-MlTestRepositoryRoot) 'tests/services/redis.sh'
    $output = & bash $script $Action $Directory standalone 2>&1
    if ($LASTEXITCODE -ne 0) { throw "redis.sh $Action failed ($LASTEXITCODE): $output" }
}

function Get-TestFreePort {
    <# .SYNOPSIS A TCP port on 127.0.0.1 that nothing listens on. #>
    $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}
