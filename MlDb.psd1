@{
    # The module version lives here and only here: build.ps1 and MlDb.PowerShell.csproj read it.
    ModuleVersion        = '0.1.0'

    RootModule           = 'MlDb.PowerShell.dll'
    GUID                 = 'f07fd20c-b99d-4b8a-9301-d6c4ff6fe16f'
    Author               = 'MlDb contributors'
    CompanyName          = 'MlDb contributors'
    Copyright            = 'Copyright (c) 2026 MlDb contributors. MIT License.'
    Description          = 'Runs sandboxed ML scripts over SQLite, PostgreSQL, MongoDB and Redis: validate records with an ML function on the way in, aggregate or reshape query results with another on the way out. SQLite is built in; the drivers load in a private AssemblyLoadContext, so MlDb imports beside modules that carry other versions of them.'

    CompatiblePSEditions = @('Core')
    PowerShellVersion    = '7.4'

    FormatsToProcess     = @('MlDb.Format.ps1xml')
    TypesToProcess       = @('MlDb.Types.ps1xml')

    CmdletsToExport      = @(
        'Connect-MlDatabase'
        'Disconnect-MlDatabase'
        'Get-MlConnection'
        'Import-MlScript'
        'Test-MlScript'
        'Invoke-MlFunction'
        'Invoke-MlQuery'
        'Add-MlRecord'
        'Invoke-MlTransaction'
        'Get-MlCache'
        'Set-MlCache'
        'Remove-MlCache'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()

    PrivateData          = @{
        PSData = @{
            Tags         = @('ML', 'Database', 'SQL', 'SQLite', 'PostgreSQL', 'MongoDB', 'Redis', 'Scripting', 'Sandbox', 'Validation', 'PSEdition_Core', 'Linux', 'Windows', 'MacOS')
            ProjectUri   = 'https://mldb.example.org/'
            LicenseUri   = 'https://mldb.example.org/LICENSE'
            ReleaseNotes = @'
0.1.0
- First release: Connect-MlDatabase, Disconnect-MlDatabase, Get-MlConnection, Import-MlScript,
  Test-MlScript, Invoke-MlFunction, Invoke-MlQuery, Add-MlRecord, Invoke-MlTransaction,
  Get-MlCache, Set-MlCache, Remove-MlCache.
- SQLite built in; PostgreSQL (Npgsql), MongoDB and Redis providers.
- Engine and drivers load in a private AssemblyLoadContext, only when first used.
'@
        }
    }
}
