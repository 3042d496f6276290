<#
.SYNOPSIS
    Loads the services.env written by tests/services/services.sh into the process environment.
.DESCRIPTION
    Each line of the file is NAME='value' (lines starting with # are comments). The values
    never contain a single quote or a newline. Sets every variable in this process (so that
    tests and child processes see it) and returns the pairs as a hashtable.
.EXAMPLE
    $services = & ./tests/services/Import-ServicesEnv.ps1 -Path "$stateDir/services.env"
    $services.MLDB_TEST_POSTGRES
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)]
    [string] $Path
)

$ErrorActionPreference = 'Stop'
$values = [ordered]@{}
foreach ($line in [System.IO.File]::ReadAllLines((Resolve-Path -LiteralPath $Path).ProviderPath)) {
    if ($line -match '^\s*(#|$)') { continue }
    if ($line -notmatch "^([A-Za-z_][A-Za-z0-9_]*)='([^']*)'$") {
        throw "Unexpected line in ${Path}: $line"
    }
    $values[$Matches[1]] = $Matches[2]
    [System.Environment]::SetEnvironmentVariable($Matches[1], $Matches[2], 'Process')
}
$values
