#Requires -Version 7.4
# The Gallery path, offline: the .nupkg written by `./build.sh package` goes into a temporary
# local PSResourceGet repository, is installed from there into a clean folder, and the installed
# copy is imported by name in a fresh pwsh and runs a SQLite query.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $Manifest = Get-MlTestModuleManifest
    $Version = (Import-PowerShellDataFile -LiteralPath $Manifest).ModuleVersion
    $Package = if ($env:MLDB_PACKAGE) { $env:MLDB_PACKAGE } else { Join-Path (Get-MlTestRepositoryRoot) "out/MlDb.$Version.nupkg" }
    if (-not (Test-Path -LiteralPath $Package)) {
        throw "The package is missing at '$Package': run ./build.sh package (./build.sh test does)."
    }

    Add-Type -AssemblyName System.IO.Compression.FileSystem
    $archive = [IO.Compression.ZipFile]::OpenRead($Package)
    try {
        $Entries = @($archive.Entries | ForEach-Object { $_.FullName -replace '\\', '/' })
        $nuspecEntry = $archive.Entries | Where-Object FullName -Like '*.nuspec' | Select-Object -First 1
        $reader = [IO.StreamReader]::new($nuspecEntry.Open())
        try { $Nuspec = [xml] $reader.ReadToEnd() } finally { $reader.Dispose() }
    }
    finally {
        $archive.Dispose()
    }

    # A home of its own: PSResourceGet keeps its repository list and the CurrentUser module
    # folder under the user's data folder, so nothing here touches the real user's.
    # The folders must exist: .NET reports a missing XDG folder as "", and PSResourceGet would
    # then keep its repository list relative to the working directory.
    $Home_ = Join-Path $TestDrive 'home'
    $Repository = Join-Path $TestDrive 'repository'
    $IsolatedEnvironment = @{
        HOME            = $Home_
        XDG_DATA_HOME   = (Join-Path $Home_ '.local/share')
        XDG_CONFIG_HOME = (Join-Path $Home_ '.config')
        XDG_CACHE_HOME  = (Join-Path $Home_ '.cache')
    }
    $null = New-Item -ItemType Directory -Force -Path (@($Repository) + @($IsolatedEnvironment.Values))
    Copy-Item -LiteralPath $Package -Destination $Repository
}

Describe 'The package file' {
    It 'is named after the module and its version' {
        Split-Path $Package -Leaf | Should -Be "MlDb.$Version.nupkg"
        $Nuspec.package.metadata.id | Should -Be 'MlDb'
        $Nuspec.package.metadata.version | Should -Be $Version
    }

    It 'holds the whole module folder: manifest, cmdlets, format file, licence' {
        foreach ($file in 'MlDb.psd1', 'MlDb.PowerShell.dll', 'MlDb.Format.ps1xml', 'LICENSE') {
            $Entries | Should -Contain $file
        }
    }

    It 'holds the engine, the drivers and their natives in deps/, and none of them at its root' {
        foreach ($file in 'deps/MlDb.Language.dll', 'deps/MlDb.Data.dll', 'deps/MlDb.Data.deps.json', 'deps/Microsoft.Data.Sqlite.dll', 'deps/Npgsql.dll', 'deps/MongoDB.Driver.dll', 'deps/StackExchange.Redis.dll') {
            $Entries | Should -Contain $file
        }
        $Entries | Should -Not -Contain 'MlDb.Data.dll'
        $Entries | Should -Not -Contain 'MlDb.Language.dll'
        foreach ($rid in 'linux-x64', 'linux-arm64', 'osx-arm64', 'win-x64') {
            @($Entries | Where-Object { $_ -like "deps/runtimes/$rid/native/*e_sqlite3*" }).Count | Should -Be 1 -Because "SQLite must work on $rid"
        }
    }

    It 'carries the Gallery metadata of the manifest' {
        $data = Import-PowerShellDataFile -LiteralPath $Manifest
        $Nuspec.package.metadata.description | Should -Be $data.Description
        $Nuspec.package.metadata.tags | Should -Match 'SQLite'
        $Nuspec.package.metadata.projectUrl | Should -Be $data.PrivateData.PSData.ProjectUri
    }
}

Describe 'Installing from a local PSResourceGet repository' {
    BeforeAll {
        $install = Invoke-MlTestPwsh -Environment $IsolatedEnvironment -WorkingDirectory $TestDrive -Parameters @{ Repository = $Repository; Version = $Version } -Script {
            Import-Module Microsoft.PowerShell.PSResourceGet
            Register-PSResourceRepository -Name MlDbTest -Uri $Repository -Trusted
            $found = Find-PSResource -Name MlDb -Repository MlDbTest
            Install-PSResource -Name MlDb -Version $Version -Repository MlDbTest -Scope CurrentUser -TrustRepository -Quiet
            $installed = Get-InstalledPSResource -Name MlDb -Scope CurrentUser
            [pscustomobject]@{
                Found            = "$($found.Name) $($found.Version)"
                InstalledVersion = "$($installed.Version)"
                Location         = $installed.InstalledLocation
            }
        }
        $installed = $install.Result
        $moduleRoot = if ($installed) { $installed.Location } else { $null }
    }

    It 'finds MlDb in the repository and installs it' {
        $install.ExitCode | Should -Be 0 -Because $install.Errors
        $installed.Found | Should -Be "MlDb $Version"
        $installed.InstalledVersion | Should -Be $Version
    }

    It 'installs into the clean folder and nowhere else' {
        $moduleRoot | Should -BeLike "$Home_*"
        Join-Path $Home_ '.local/share/PSResourceGet/PSResourceRepository.xml' | Should -Exist
        Join-Path $TestDrive 'PSResourceGet' | Should -Not -Exist
        Join-Path $moduleRoot "MlDb/$Version/MlDb.psd1" | Should -Exist
        Join-Path $moduleRoot "MlDb/$Version/deps/MlDb.Data.dll" | Should -Exist
    }

    It 'imports by name from PSModulePath in a fresh pwsh and runs a SQLite query' {
        $environment = $IsolatedEnvironment.Clone()
        $environment.PSModulePath = $moduleRoot
        $use = Invoke-MlTestPwsh -Environment $environment -WorkingDirectory $TestDrive -Parameters @{ Database = (Join-Path $TestDrive 'installed.db') } -Script {
            Import-Module MlDb
            Connect-MlDatabase -Provider Sqlite -ConnectionString "Data Source=$Database" -Name installed
            $null = Invoke-MlQuery -Connection installed -Query 'CREATE TABLE t (x INTEGER)'
            $null = Invoke-MlQuery -Connection installed -Query 'INSERT INTO t (x) VALUES (20), (22)'
            $sum = (Invoke-MlQuery -Connection installed -Query 'SELECT SUM(x) AS total FROM t').total
            Disconnect-MlDatabase -Name installed
            $module = Get-Module MlDb
            $data = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'MlDb.Data' }
            [pscustomobject]@{
                ModuleBase   = $module.ModuleBase
                Version      = "$($module.Version)"
                Total        = $sum
                DataLocation = $data.Location
            }
        }
        $use.ExitCode | Should -Be 0 -Because $use.Errors
        $use.Result.ModuleBase | Should -BeLike "$moduleRoot*"
        $use.Result.Version | Should -Be $Version
        $use.Result.Total | Should -Be 42
        $use.Result.DataLocation | Should -BeLike "$moduleRoot*deps*"
    }
}
