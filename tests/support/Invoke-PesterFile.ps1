#Requires -Version 7.4
<#
.SYNOPSIS
    Runs one Pester test file with Pester from out/test-support and writes its counts as JSON.

.DESCRIPTION
    build.ps1 (task test) starts this script in a fresh pwsh for every tests/pester/*.Tests.ps1
    file: a binary module cannot be unloaded, so no file sees what another one imported. It
    writes <ResultDirectory>/<name>.json ({ Passed, Failed, Skipped }) and an NUnit XML report
    beside it. Failed counts failed tests plus failed blocks and containers (a BeforeAll that
    throws, a file that does not parse), so that nothing broken can pass unnoticed.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $Path,
    [Parameter(Mandatory)] [string] $PesterPath,
    [Parameter(Mandatory)] [string] $ResultDirectory
)

$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PesterPath 'Pester.psd1') -Force

$name = [IO.Path]::GetFileNameWithoutExtension($Path) -replace '\.Tests$', ''
$null = New-Item -ItemType Directory -Force -Path $ResultDirectory

$configuration = New-PesterConfiguration
$configuration.Run.Path = $Path
$configuration.Run.PassThru = $true
$configuration.Output.Verbosity = 'Detailed'
$configuration.TestResult.Enabled = $true
$configuration.TestResult.OutputFormat = 'NUnitXml'
$configuration.TestResult.OutputPath = Join-Path $ResultDirectory "$name.Tests.xml"

$run = Invoke-Pester -Configuration $configuration

$counts = [ordered]@{
    Passed  = [int] $run.PassedCount
    Failed  = [int] $run.FailedCount + [int] $run.FailedBlocksCount + [int] $run.FailedContainersCount
    Skipped = [int] $run.SkippedCount + [int] $run.NotRunCount
}
$counts | ConvertTo-Json | Set-Content -LiteralPath (Join-Path $ResultDirectory "$name.Tests.json")
exit 0
