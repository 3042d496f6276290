# Dot-sourced by the scenario scripts: imports MlDb (the build in out/MlDb from a repository
# checkout, else the installed module) and makes a temporary folder for the database.
$ErrorActionPreference = 'Stop'
if (-not (Get-Module MlDb)) {
    $built = Join-Path $PSScriptRoot '../out/MlDb/MlDb.psd1'
    if (Test-Path -LiteralPath $built) { Import-Module $built } else { Import-Module MlDb }
}
$MlFolder = Join-Path $PSScriptRoot 'ml'
$WorkFolder = Join-Path ([IO.Path]::GetTempPath()) ('mldb-example-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
$null = New-Item -ItemType Directory -Path $WorkFolder

function Show([string] $title, $value) {
    Write-Host "`n== $title ==" -ForegroundColor Cyan
    $value | Out-String | Write-Host
}
