#Requires -Version 7.4
# The module as PowerShell sees it: manifest, folder layout, import cost, exported surface.

BeforeDiscovery {
    $ContractCmdlets = @(
        'Connect-MlDatabase', 'Disconnect-MlDatabase', 'Get-MlConnection', 'Import-MlScript', 'Test-MlScript',
        'Invoke-MlFunction', 'Invoke-MlQuery', 'Add-MlRecord', 'Invoke-MlTransaction', 'Get-MlCache',
        'Set-MlCache', 'Remove-MlCache'
    )
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $Manifest = Get-MlTestModuleManifest
    $ModuleBase = Split-Path $Manifest -Parent
    $Deps = Join-Path $ModuleBase 'deps'
    $SourceManifest = Join-Path (Get-MlTestRepositoryRoot) 'MlDb.psd1'
    $ContractCmdlets = @(
        'Connect-MlDatabase', 'Disconnect-MlDatabase', 'Get-MlConnection', 'Import-MlScript', 'Test-MlScript',
        'Invoke-MlFunction', 'Invoke-MlQuery', 'Add-MlRecord', 'Invoke-MlTransaction', 'Get-MlCache',
        'Set-MlCache', 'Remove-MlCache'
    )
    # Every managed assembly of deps/ except the two the cmdlets are compiled against: the drivers
    # and their own dependencies, which must load only on first use and only privately. Names
    # that .NET or PowerShell ship themselves (System.Diagnostics.DiagnosticSource, say) are
    # left out: PowerShell may load its own copy of those at any time.
    $PrivateEntryPoints = @('MlDb.Language', 'MlDb.Data')
    $frameworkDirectory = [IO.Path]::GetDirectoryName([object].Assembly.Location)
    $DriverNames = @(Get-ChildItem -LiteralPath $Deps -Filter '*.dll' | ForEach-Object BaseName | Where-Object {
            $_ -notin $PrivateEntryPoints -and
            -not (Test-Path -LiteralPath (Join-Path $frameworkDirectory "$_.dll")) -and
            -not (Test-Path -LiteralPath (Join-Path $PSHOME "$_.dll"))
        })
}

Describe 'The module manifest' {
    It 'passes Test-ModuleManifest' {
        $info = Test-ModuleManifest -Path $Manifest -ErrorAction Stop
        $info.Name | Should -Be 'MlDb'
        $info.RootModule | Should -Be 'MlDb.PowerShell.dll'
        $info.Guid | Should -Not -Be ([guid]::Empty)
    }

    It 'is the source manifest, copied unchanged' {
        (Get-FileHash -LiteralPath $Manifest).Hash | Should -Be (Get-FileHash -LiteralPath $SourceManifest).Hash
    }

    It 'is for PowerShell 7.4 and later, Core edition only' {
        $data = Import-PowerShellDataFile -LiteralPath $Manifest
        $data.PowerShellVersion | Should -Be '7.4'
        $data.CompatiblePSEditions | Should -Be @('Core')
    }

    It 'lists exactly the cmdlets of the contract, and no functions, aliases or variables' {
        $data = Import-PowerShellDataFile -LiteralPath $Manifest
        @($data.CmdletsToExport | Sort-Object) | Should -Be @($ContractCmdlets | Sort-Object)
        @($data.FunctionsToExport).Count | Should -Be 0
        @($data.AliasesToExport).Count | Should -Be 0
        @($data.VariablesToExport).Count | Should -Be 0
    }

    It 'carries what the PowerShell Gallery shows: description, tags, project and licence URIs, release notes' {
        $data = Import-PowerShellDataFile -LiteralPath $Manifest
        $data.Description | Should -Not -BeNullOrEmpty
        $data.Author | Should -Not -BeNullOrEmpty
        $psData = $data.PrivateData.PSData
        $psData.Tags | Should -Contain 'SQLite'
        $psData.Tags | Should -Contain 'PSEdition_Core'
        [uri]::IsWellFormedUriString($psData.ProjectUri, 'Absolute') | Should -BeTrue
        [uri]::IsWellFormedUriString($psData.LicenseUri, 'Absolute') | Should -BeTrue
        $psData.ReleaseNotes | Should -Match ([regex]::Escape($data.ModuleVersion))
    }

    It 'keeps the version in one place: the cmdlet assembly carries the manifest version' {
        $version = [version] (Import-PowerShellDataFile -LiteralPath $Manifest).ModuleVersion
        $assembly = [Reflection.AssemblyName]::GetAssemblyName((Join-Path $ModuleBase 'MlDb.PowerShell.dll'))
        $assembly.Version.ToString(3) | Should -Be $version.ToString(3)
    }
}

Describe 'The module folder' {
    It 'has the cmdlets, manifest, format file and licence at its root' {
        foreach ($file in 'MlDb.psd1', 'MlDb.PowerShell.dll', 'MlDb.Format.ps1xml', 'LICENSE') {
            Join-Path $ModuleBase $file | Should -Exist
        }
    }

    It 'keeps the engine and every driver in deps/ only, where PowerShell does not look' {
        foreach ($name in @($PrivateEntryPoints) + @('Microsoft.Data.Sqlite', 'SQLitePCLRaw.core', 'Npgsql', 'MongoDB.Driver', 'StackExchange.Redis')) {
            Join-Path $Deps "$name.dll" | Should -Exist
            Join-Path $ModuleBase "$name.dll" | Should -Not -Exist
        }
        Join-Path $Deps 'MlDb.Data.deps.json' | Should -Exist
    }

    It 'ships the native SQLite library for this platform under deps/runtimes' {
        $os = if ($IsWindows) { 'win' } elseif ($IsMacOS) { 'osx' } else { 'linux' }
        $arch = [Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture.ToString().ToLowerInvariant()
        $native = Get-ChildItem -LiteralPath (Join-Path $Deps "runtimes/$os-$arch/native") -Filter '*e_sqlite3*'
        @($native).Count | Should -BeGreaterThan 0
    }

    It 'compiles the cmdlets against MlDb.Language and MlDb.Data only, never against a driver' {
        # A cmdlet that used a driver type directly would load that driver into the default
        # load context, next to (and in conflict with) other modules' copies.
        $stream = [IO.File]::OpenRead((Join-Path $ModuleBase 'MlDb.PowerShell.dll'))
        try {
            $pe = [Reflection.PortableExecutable.PEReader]::new($stream)
            $metadata = [Reflection.Metadata.PEReaderExtensions]::GetMetadataReader($pe)
            $references = foreach ($handle in $metadata.AssemblyReferences) {
                $metadata.GetString($metadata.GetAssemblyReference($handle).Name)
            }
            $pe.Dispose()
        }
        finally {
            $stream.Dispose()
        }
        @($references | Where-Object { $_ -in $DriverNames }) | Should -BeNullOrEmpty
        $references | Should -Contain 'MlDb.Data'
    }
}

Describe 'Importing the module in a fresh session' {
    BeforeAll {
        $run = Invoke-MlTestPwsh -Parameters @{ Manifest = $Manifest; Drivers = $DriverNames } -Script {
            function Get-Loaded {
                [AppDomain]::CurrentDomain.GetAssemblies() | ForEach-Object {
                    [pscustomobject]@{
                        Name    = $_.GetName().Name
                        Context = [Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_).Name
                    }
                } | Where-Object { $_.Name -in $Drivers -or $_.Name -like 'MlDb*' }
            }
            $watch = [Diagnostics.Stopwatch]::StartNew()
            Import-Module $Manifest
            $watch.Stop()
            $afterImport = @(Get-Loaded)
            Get-Command -Module MlDb | ForEach-Object { $null = $_.Parameters; $null = $_.OutputType }
            $afterMetadata = @(Get-Loaded)
            Connect-MlDatabase -Provider Sqlite -ConnectionString 'Data Source=:memory:' -Name probe
            $row = Invoke-MlQuery -Connection probe -Query 'SELECT 41 + 1 AS answer'
            Disconnect-MlDatabase -Name probe
            [pscustomobject]@{
                ImportMilliseconds = $watch.ElapsedMilliseconds
                AfterImport        = $afterImport
                AfterMetadata      = $afterMetadata
                AfterQuery         = @(Get-Loaded)
                Answer             = $row.answer
            }
        }
        $report = $run.Result
    }

    It 'imports and runs a query' {
        $run.ExitCode | Should -Be 0 -Because $run.Errors
        $report.Answer | Should -Be 42
    }

    It 'imports in well under two seconds' {
        $report.ImportMilliseconds | Should -BeLessThan 2000
    }

    It 'loads no driver at import, nor when PowerShell reads the cmdlet metadata' {
        @($report.AfterImport | Where-Object Name -In $DriverNames) | Should -BeNullOrEmpty
        @($report.AfterMetadata | Where-Object Name -In $DriverNames) | Should -BeNullOrEmpty
    }

    It 'loads the cmdlet assembly into the default load context' {
        ($report.AfterQuery | Where-Object Name -EQ 'MlDb.PowerShell').Context | Should -Be 'Default'
    }

    It 'loads the engine and the SQLite driver on first use, into the private MlDb load context only' {
        foreach ($name in 'MlDb.Language', 'MlDb.Data', 'Microsoft.Data.Sqlite', 'SQLitePCLRaw.core') {
            $loaded = @($report.AfterQuery | Where-Object Name -EQ $name)
            $loaded.Count | Should -Be 1 -Because "$name should be loaded exactly once"
            $loaded[0].Context | Should -Be 'MlDb' -Because "$name belongs in the private context"
        }
    }

    It 'does not load the drivers of providers that were not used' {
        foreach ($name in 'Npgsql', 'MongoDB.Driver', 'StackExchange.Redis') {
            @($report.AfterQuery | Where-Object Name -EQ $name) | Should -BeNullOrEmpty -Because "$name was not needed for SQLite"
        }
    }

    It 'can be removed and imported again in the same session, and still works' {
        $again = Invoke-MlTestPwsh -Parameters @{ Manifest = $Manifest } -Script {
            Import-Module $Manifest
            Connect-MlDatabase -Provider Sqlite -ConnectionString 'Data Source=:memory:' -Name first
            $first = (Invoke-MlQuery -Connection first -Query 'SELECT 1 AS n').n
            Disconnect-MlDatabase -Name first
            Remove-Module MlDb
            Import-Module $Manifest -Force
            Connect-MlDatabase -Provider Sqlite -ConnectionString 'Data Source=:memory:' -Name second
            $second = (Invoke-MlQuery -Connection second -Query 'SELECT 2 AS n').n
            Disconnect-MlDatabase -Name second
            [pscustomobject]@{ First = $first; Second = $second; Cmdlets = @((Get-Module MlDb).ExportedCmdlets.Keys).Count }
        }
        $again.ExitCode | Should -Be 0 -Because $again.Errors
        $again.Result.First | Should -Be 1
        $again.Result.Second | Should -Be 2
        $again.Result.Cmdlets | Should -Be 12
    }
}

Describe 'The exported cmdlets' {
    BeforeAll {
        $module = Import-MlTestModule -PassThru
    }

    It 'are exactly the cmdlets of the contract, with no functions or aliases' {
        @($module.ExportedCmdlets.Keys | Sort-Object) | Should -Be @($ContractCmdlets | Sort-Object)
        $module.ExportedFunctions.Count | Should -Be 0
        $module.ExportedAliases.Count | Should -Be 0
    }

    It '<_> declares [OutputType]' -ForEach $ContractCmdlets {
        $command = Get-Command -Name $_ -Module MlDb -CommandType Cmdlet
        @($command.OutputType).Count | Should -BeGreaterThan 0
    }

    It 'has no public type that needs the private load context just to be loaded' {
        # PowerShell loads every public type of MlDb.PowerShell.dll before the module
        # initializer installs the private-context resolver: such a type (a base class, an
        # interface or a value-type field from MlDb.Language or MlDb.Data) would break Import-Module.
        function Test-Private([type] $Type) {
            if ($null -eq $Type) { return $false }
            if ($Type.HasElementType) { return Test-Private $Type.GetElementType() }
            if ($Type.IsGenericType -and -not $Type.IsGenericTypeDefinition) {
                foreach ($argument in $Type.GetGenericArguments()) { if (Test-Private $argument) { return $true } }
            }
            [Runtime.Loader.AssemblyLoadContext]::GetLoadContext($Type.Assembly).Name -eq 'MlDb'
        }
        $offenders = foreach ($type in $module.ImplementingAssembly.GetExportedTypes()) {
            $base = $type.BaseType
            while ($base) {
                if (Test-Private $base) { "$($type.FullName) derives from $($base.FullName)" }
                $base = $base.BaseType
            }
            foreach ($interface in $type.GetInterfaces()) {
                if (Test-Private $interface) { "$($type.FullName) implements $($interface.FullName)" }
            }
            foreach ($field in $type.GetFields([Reflection.BindingFlags]'Instance,Static,Public,NonPublic,DeclaredOnly')) {
                if ($field.FieldType.IsValueType -and (Test-Private $field.FieldType)) { "$($type.FullName).$($field.Name) is a $($field.FieldType.FullName)" }
            }
        }
        @($offenders) | Should -BeNullOrEmpty
    }
}
