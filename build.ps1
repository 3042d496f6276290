#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests, demonstrates and packages the MlDb PowerShell module.

.DESCRIPTION
    Tasks:
      build    Release build; assembles the module folder out/MlDb:
                 MlDb.psd1, MlDb.PowerShell.dll (the cmdlets), everything in module/,
                 en-US/MlDb.PowerShell.dll-Help.xml generated from src/MlDb.PowerShell/Help/*.md,
                 deps/ (MlDb.Language, MlDb.Data, every driver and its natives: loaded only into
                 the module's private AssemblyLoadContext).
      test     build and package, then every xunit project under tests/ (dotnet test) and every
               tests/pester/*.Tests.ps1 and examples/*.Tests.ps1 file, each in a fresh pwsh with
               Pester 6.2.0 from NuGet.
               Test servers come from tests/services/services.sh when it exists; they are
               stopped at the end. The last line printed is "N passed, N failed".
      demo     build, then run examples/quickstart.ps1 against SQLite in a fresh pwsh.
      package  build, then write out/MlDb.<version>.nupkg (published to a temporary local
               PSResourceGet repository, so it installs with Install-PSResource).
      clean    remove out/.

    ./build.sh <task> runs this script with the PowerShell pinned in .config/dotnet-tools.json.

.EXAMPLE
    ./build.sh test
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('build', 'test', 'demo', 'package', 'clean')]
    [string] $Task = 'build',

    [ValidateSet('Release', 'Debug')]
    [string] $Configuration = 'Release',

    # Seconds one test process (one dotnet test project, one Pester file) may run before it is killed.
    [int] $TestTimeoutSeconds = 1200,

    # Minutes the whole test task may take: a test process that would run past it is stopped (and
    # the ones not started are counted as failed), so the summary line is always printed within
    # CI's limit.
    [int] $TimeBudgetMinutes = 80,

    # Test task, for the edit-test loop: run only the xunit projects and Pester files whose names
    # match one of these wildcards (e.g. 'Add-MlRecord', 'MlDb.Data.Tests', '*Mongo*'). Without it,
    # everything runs (CI).
    [string[]] $Filter = @(),

    # Test task: use the servers of this services.env (tests/services/services.sh start <dir>)
    # instead of starting and stopping throwaway ones. Default: $env:MLDB_DEV_SERVICES_ENV.
    [string] $ServicesEnv = $env:MLDB_DEV_SERVICES_ENV
)

$ErrorActionPreference = 'Stop'
$PSNativeCommandUseErrorActionPreference = $false
# pwsh -File passes "a,b" as one string: split it here.
$Filter = @($Filter | ForEach-Object { $_ -split ',' } | ForEach-Object Trim | Where-Object { $_ })
Set-StrictMode -Version Latest

$Root = $PSScriptRoot
$Out = Join-Path $Root 'out'
$ModuleDir = Join-Path $Out 'MlDb'
$StagingDir = Join-Path $Out 'staging'
$TestSupportDir = Join-Path $Out 'test-support'
$ResultsDir = Join-Path $Out 'test-results'
$ManifestSource = Join-Path $Root 'MlDb.psd1'

$Clock = [Diagnostics.Stopwatch]::StartNew()

function Write-Step([string] $Message) {
    Write-Host ('==> [{0:h\:mm\:ss}] {1}' -f $Clock.Elapsed, $Message) -ForegroundColor Cyan
}

# A plain function on purpose: its arguments ($args) pass to dotnet untouched.
function Invoke-Dotnet {
    & dotnet @args
    if ($LASTEXITCODE -ne 0) {
        throw "dotnet $($args -join ' ') failed with exit code $LASTEXITCODE."
    }
}

function Get-ModuleVersion {
    (Import-PowerShellDataFile -LiteralPath $ManifestSource).ModuleVersion
}

# The command line that starts a fresh pwsh of the same version as this one: this script runs
# under the pwsh of the local dotnet tool manifest (dotnet <PSHOME>/pwsh.dll), or under an
# installed pwsh.
function Get-PwshCommandLine {
    $process = [Environment]::ProcessPath
    $pwshDll = Join-Path $PSHOME 'pwsh.dll'
    if ([IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet' -and (Test-Path -LiteralPath $pwshDll)) {
        return @($process, $pwshDll)
    }
    return @($process)
}

# Runs a process with inherited console output; kills it (and its children) after a timeout.
# Returns the exit code, or $null when it was killed.
function Invoke-ChildProcess {
    param(
        [Parameter(Mandatory)] [string[]] $CommandLine,
        [hashtable] $Environment = @{},
        [string] $WorkingDirectory = $Root,
        [int] $TimeoutSeconds = $TestTimeoutSeconds
    )
    $info = [Diagnostics.ProcessStartInfo]::new($CommandLine[0])
    foreach ($argument in $CommandLine | Select-Object -Skip 1) { $info.ArgumentList.Add($argument) }
    $info.UseShellExecute = $false
    $info.WorkingDirectory = $WorkingDirectory
    foreach ($key in $Environment.Keys) { $info.Environment[$key] = [string] $Environment[$key] }
    $process = [Diagnostics.Process]::Start($info)
    try {
        if (-not $process.WaitForExit($TimeoutSeconds * 1000)) {
            Write-Host "!!! $($CommandLine -join ' ') ran longer than $TimeoutSeconds s and was stopped." -ForegroundColor Red
            $process.Kill($true)
            $process.WaitForExit()
            return $null
        }
        $process.WaitForExit()
        return $process.ExitCode
    }
    finally {
        $process.Dispose()
    }
}

function Invoke-PwshChild {
    param(
        [Parameter(Mandatory)] [string[]] $Arguments,
        [hashtable] $Environment = @{},
        [string] $WorkingDirectory = $Root,
        [int] $TimeoutSeconds = $TestTimeoutSeconds
    )
    $commandLine = @(Get-PwshCommandLine) + @('-NoLogo', '-NoProfile', '-NonInteractive') + $Arguments
    Invoke-ChildProcess -CommandLine $commandLine -Environment $Environment -WorkingDirectory $WorkingDirectory -TimeoutSeconds $TimeoutSeconds
}

function Invoke-BuildTask {
    $version = Get-ModuleVersion
    Write-Step "Building MlDb $version ($Configuration) into $ModuleDir"

    foreach ($dir in $ModuleDir, $StagingDir) {
        if (Test-Path -LiteralPath $dir) { Remove-Item -LiteralPath $dir -Recurse -Force }
    }

    $cmdletStaging = Join-Path $StagingDir 'MlDb.PowerShell'
    Invoke-Dotnet publish (Join-Path $Root 'src/MlDb.PowerShell/MlDb.PowerShell.csproj') -c $Configuration -o $cmdletStaging --nologo
    # The engine, the providers and every driver with its natives for all runtimes (portable).
    Invoke-Dotnet publish (Join-Path $Root 'src/MlDb.Data/MlDb.Data.csproj') -c $Configuration -o (Join-Path $ModuleDir 'deps') --no-build --nologo

    foreach ($file in 'MlDb.PowerShell.dll', 'MlDb.PowerShell.pdb') {
        $source = Join-Path $cmdletStaging $file
        if (Test-Path -LiteralPath $source) { Copy-Item -LiteralPath $source -Destination $ModuleDir }
    }
    Copy-Item -LiteralPath $ManifestSource -Destination $ModuleDir
    $license = Join-Path $Root 'LICENSE'
    if (Test-Path -LiteralPath $license) { Copy-Item -LiteralPath $license -Destination $ModuleDir }
    $moduleFiles = Join-Path $Root 'module'
    if (Test-Path -LiteralPath $moduleFiles) {
        Get-ChildItem -LiteralPath $moduleFiles -Force | Copy-Item -Destination $ModuleDir -Recurse -Force
    }
    Remove-Item -LiteralPath $StagingDir -Recurse -Force
    Invoke-ReadyToRun

    # The MAML help is generated from src/MlDb.PowerShell/Help/*.md and the built cmdlets (syntax,
    # types, pipeline input), in a fresh pwsh because importing the module cannot be undone.
    $helpScript = Join-Path $Root 'src/MlDb.PowerShell/Help/Build-Help.ps1'
    $helpFile = Join-Path $ModuleDir 'en-US/MlDb.PowerShell.dll-Help.xml'
    $exit = Invoke-PwshChild -Arguments @('-File', $helpScript, '-Manifest', (Join-Path $ModuleDir 'MlDb.psd1'), '-OutFile', $helpFile) -TimeoutSeconds 300
    if ($exit -ne 0) { throw "Generating the help (src/MlDb.PowerShell/Help/Build-Help.ps1) failed with exit code $exit." }

    Assert-ModuleLayout
    Write-Step "Module ready: $ModuleDir"
}

# ReadyToRun: the assemblies a first command runs (the cmdlets, the engine, the data layer and
# SQLite's) precompiled for this platform and for the .NET this PowerShell runs on, so a cold
# start compiles some 700 fewer methods (bench/README.md, "Cold start"). The IL stays in the files:
# under another .NET major version or platform the runtime ignores the precompiled code and
# compiles as before. crossgen2 comes from NuGet, in the version the SDK picks for that .NET.
$ReadyToRunAssemblies = @(
    'MlDb.PowerShell.dll', 'deps/MlDb.Language.dll', 'deps/MlDb.Data.dll', 'deps/Microsoft.Data.Sqlite.dll',
    'deps/SQLitePCLRaw.core.dll', 'deps/SQLitePCLRaw.batteries_v2.dll', 'deps/SQLitePCLRaw.provider.e_sqlite3.dll'
)

function Invoke-ReadyToRun {
    $rid = [Runtime.InteropServices.RuntimeInformation]::RuntimeIdentifier
    $runtime = [Environment]::Version
    Write-Step "Precompiling (ReadyToRun, $rid, .NET $runtime): $($ReadyToRunAssemblies -join ', ')"
    $crossgen = Get-Crossgen2 -RuntimeId $rid -Runtime $runtime
    $os, $arch = $rid.Split('-', 2)
    $os = @{ win = 'windows'; osx = 'osx' }[$os] ?? 'linux'
    $framework = [Runtime.InteropServices.RuntimeEnvironment]::GetRuntimeDirectory()
    $automation = Join-Path $PSHOME 'System.Management.Automation.dll'
    # References: the framework, then what deps/ adds to it (a name both have resolves to the framework's, as at run time).
    $references = @('-r', (Join-Path $framework '*.dll'), '-r', $automation)
    foreach ($dll in Get-ChildItem -LiteralPath (Join-Path $ModuleDir 'deps') -Filter '*.dll') {
        if (-not (Test-Path -LiteralPath (Join-Path $framework $dll.Name))) { $references += '-r', $dll.FullName }
    }
    $work = Join-Path $Out 'r2r'
    $null = New-Item -ItemType Directory -Path $work -Force
    foreach ($relative in $ReadyToRunAssemblies) {
        $assembly = Join-Path $ModuleDir $relative
        $compiled = Join-Path $work ([IO.Path]::GetFileName($relative))
        & $crossgen $assembly -o $compiled @references --targetos $os --targetarch $arch -O | Where-Object { $_ -notlike 'Emitting R2R PE file*' }
        if ($LASTEXITCODE -ne 0) { throw "crossgen2 failed on $relative (exit code $LASTEXITCODE)." }
        Move-Item -LiteralPath $compiled -Destination $assembly -Force
    }
    Remove-Item -LiteralPath $work -Recurse -Force
}

# The crossgen2 the SDK uses for ReadyToRun publishing to this runtime: restored through a
# throwaway project that asks for it, then found through that project's assets file.
function Get-Crossgen2([string] $RuntimeId, [version] $Runtime) {
    $work = Join-Path $Out 'crossgen2-restore'
    $null = New-Item -ItemType Directory -Path $work -Force
    $project = Join-Path $work 'Crossgen2Restore.csproj'
    Set-Content -LiteralPath $project -Value @"
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net$($Runtime.Major).$($Runtime.Minor)</TargetFramework>
    <RuntimeIdentifier>$RuntimeId</RuntimeIdentifier>
    <SelfContained>false</SelfContained>
    <PublishReadyToRun>true</PublishReadyToRun>
  </PropertyGroup>
</Project>
"@
    Invoke-Dotnet restore $project --nologo -v quiet
    $assets = Get-Content -LiteralPath (Join-Path $work 'obj/project.assets.json') -Raw | ConvertFrom-Json -AsHashtable
    $packages = @($assets.packageFolders.Keys)[0]
    $download = $assets.project.frameworks.Values | ForEach-Object { $_.downloadDependencies } |
        Where-Object { $_.name -like 'Microsoft.NETCore.App.Crossgen2.*' } | Select-Object -First 1
    if (-not $download) { throw 'The SDK named no crossgen2 package for ReadyToRun.' }
    $version = $download.version.Trim('[', ']').Split(',')[0].Trim()
    $tool = Join-Path $packages "$($download.name.ToLowerInvariant())/$version/tools/crossgen2"
    if ($IsWindows) { $tool += '.exe' }
    if (-not (Test-Path -LiteralPath $tool)) { throw "crossgen2 was not found at $tool." }
    return $tool
}

# Fails the build when the folder would not import: a file the manifest names is missing, or an
# assembly of deps/ also sits beside the cmdlets (PowerShell would load it into the default
# context and defeat the isolation).
function Assert-ModuleLayout {
    $manifestPath = Join-Path $ModuleDir 'MlDb.psd1'
    $manifest = Import-PowerShellDataFile -LiteralPath $manifestPath
    $named = @($manifest.RootModule) + @($manifest['FormatsToProcess']) + @($manifest['TypesToProcess']) +
        @($manifest['NestedModules']) + @($manifest['RequiredAssemblies']) | Where-Object { $_ }
    $missing = @($named | Where-Object { -not (Test-Path -LiteralPath (Join-Path $ModuleDir $_)) })
    if ($missing) {
        throw "The module folder lacks files that MlDb.psd1 names: $($missing -join ', '). (module/ holds the format and help files.)"
    }
    foreach ($private in 'MlDb.Language.dll', 'MlDb.Data.dll') {
        if (-not (Test-Path -LiteralPath (Join-Path $ModuleDir "deps/$private"))) { throw "deps/$private is missing." }
        if (Test-Path -LiteralPath (Join-Path $ModuleDir $private)) { throw "$private must live only in deps/." }
    }
    $null = Test-ModuleManifest -Path $manifestPath -ErrorAction Stop
}

function Invoke-PackageTask {
    $version = Get-ModuleVersion
    $package = Join-Path $Out "MlDb.$version.nupkg"
    Write-Step "Packaging $package"

    $work = Join-Path $Out 'package-work'
    if (Test-Path -LiteralPath $work) { Remove-Item -LiteralPath $work -Recurse -Force }
    $repository = Join-Path $work 'repository'
    $null = New-Item -ItemType Directory -Path $repository
    if (Test-Path -LiteralPath $package) { Remove-Item -LiteralPath $package -Force }

    # PSResourceGet keeps its repository list under the user's data folder: a child pwsh with its
    # own HOME and XDG_DATA_HOME registers the temporary repository without touching the caller's.
    $publish = @'
param([string] $Repository, [string] $ModuleDir)
$ErrorActionPreference = 'Stop'
Import-Module Microsoft.PowerShell.PSResourceGet
Register-PSResourceRepository -Name MlDbBuild -Uri $Repository -Trusted
Publish-PSResource -Path $ModuleDir -Repository MlDbBuild
'@
    $script = Join-Path $work 'publish.ps1'
    Set-Content -LiteralPath $script -Value $publish
    # The folders must exist: .NET reports a missing XDG folder as "", and PSResourceGet would
    # then write its repository list relative to the working directory.
    $environment = @{ HOME = (Join-Path $work 'home'); XDG_DATA_HOME = (Join-Path $work 'home/.local/share'); XDG_CONFIG_HOME = (Join-Path $work 'home/.config'); XDG_CACHE_HOME = (Join-Path $work 'home/.cache') }
    $null = New-Item -ItemType Directory -Force -Path @($environment.Values)
    $exit = Invoke-PwshChild -Arguments @('-File', $script, '-Repository', $repository, '-ModuleDir', $ModuleDir) -Environment $environment -TimeoutSeconds 600
    if ($exit -ne 0) { throw "Publish-PSResource failed (exit code $exit)." }

    $produced = Get-ChildItem -LiteralPath $repository -Filter '*.nupkg'
    if (@($produced).Count -ne 1) { throw "Expected one .nupkg in $repository, found $(@($produced).Count)." }
    Move-Item -LiteralPath $produced[0].FullName -Destination $package
    Remove-Item -LiteralPath $work -Recurse -Force
    Write-Step "Package ready: $package ($([math]::Round((Get-Item -LiteralPath $package).Length / 1MB, 1)) MB)"
    $package
}

function Invoke-DemoTask {
    $quickstart = Join-Path $Root 'examples/quickstart.ps1'
    if (-not (Test-Path -LiteralPath $quickstart)) { throw "examples/quickstart.ps1 does not exist yet." }
    $work = Join-Path ([IO.Path]::GetTempPath()) ("mldb-demo-" + [guid]::NewGuid().ToString('n').Substring(0, 8))
    $null = New-Item -ItemType Directory -Path $work
    Write-Step "Running examples/quickstart.ps1 in a fresh pwsh (working folder $work)"
    try {
        $modulePath = $Out + [IO.Path]::PathSeparator + $env:PSModulePath
        $exit = Invoke-PwshChild -Arguments @('-File', $quickstart) -Environment @{ PSModulePath = $modulePath } -WorkingDirectory $work -TimeoutSeconds 600
        if ($exit -ne 0) { throw "examples/quickstart.ps1 failed (exit code $exit)." }
    }
    finally {
        Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
    }
}

function Publish-TestSupport {
    Write-Step 'Fetching Pester and the isolation fixture (tests/support)'
    if (Test-Path -LiteralPath $TestSupportDir) { Remove-Item -LiteralPath $TestSupportDir -Recurse -Force }
    Invoke-Dotnet publish (Join-Path $Root 'tests/support/MlDb.TestSupport.csproj') -c Release -o $TestSupportDir --nologo
}

# Exports the KEY=value lines of a services.env file into this process's environment.
function Import-ServicesEnvFile([string] $Path) {
    foreach ($line in Get-Content -LiteralPath $Path) {
        if ($line -match '^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$') {
            $value = $Matches[2].Trim()
            if ($value.Length -ge 2 -and $value[0] -eq $value[-1] -and $value[0] -in '"', "'") { $value = $value.Substring(1, $value.Length - 2) }
            Set-Item -LiteralPath "env:$($Matches[1])" -Value $value
            Write-Host "    $($Matches[1]) is set"
        }
    }
}

# Starts each service of tests/services/services.sh in a state folder of its own, so that one
# that cannot start (services.sh then stops everything in its folder) does not take the others
# down; exports the KEY=value lines of each services.env. Returns the folders to stop.
function Start-TestService([string] $StateDir) {
    $script = Join-Path $Root 'tests/services/services.sh'
    if (-not (Test-Path -LiteralPath $script)) {
        Write-Host '!!! tests/services/services.sh does not exist: tests that need PostgreSQL, Redis or MongoDB will be skipped.' -ForegroundColor Yellow
        return @()
    }
    $services = @('postgres', 'redis', 'mongo')
    if ((Get-Content -LiteralPath $script -Raw) -match '(?m)^ALL=\(([^)]*)\)') { $services = @(-split $Matches[1]) }

    $started = foreach ($service in $services) {
        $dir = Join-Path $StateDir $service
        Write-Step "Starting test service $service (state in $dir)"
        $exit = Invoke-ChildProcess -CommandLine @('bash', $script, 'start', $dir, $service) -TimeoutSeconds 900
        $envFile = Join-Path $dir 'services.env'
        if ($exit -ne 0 -or -not (Test-Path -LiteralPath $envFile)) {
            Write-Host "!!! tests/services/services.sh could not start $service (exit code $exit): its tests will be skipped." -ForegroundColor Yellow
            if (Test-Path -LiteralPath $dir) { $dir }
            continue
        }
        Import-ServicesEnvFile $envFile
        $dir
    }
    # The helpers of tests/pester read the variables; MLDB_SERVICES_ENV names one file for a
    # person who wants to run a Pester file by hand against the same servers.
    $merged = Join-Path $StateDir 'services.env'
    $lines = foreach ($dir in $started) { $file = Join-Path $dir 'services.env'; if (Test-Path -LiteralPath $file) { Get-Content -LiteralPath $file } }
    Set-Content -LiteralPath $merged -Value @($lines)
    $env:MLDB_SERVICES_ENV = $merged
    @($started)
}

function Stop-TestService([string[]] $StateDirs) {
    $script = Join-Path $Root 'tests/services/services.sh'
    foreach ($dir in $StateDirs) {
        Write-Step "Stopping test services in $dir"
        $exit = Invoke-ChildProcess -CommandLine @('bash', $script, 'stop', $dir) -TimeoutSeconds 300
        if ($exit -ne 0) { Write-Host "!!! tests/services/services.sh stop $dir exited with $exit." -ForegroundColor Yellow }
    }
}

# True when -Filter is empty or one of its wildcards matches the suite name (project or file base name).
function Test-SuiteSelected([string] $Name) {
    if (-not $Filter) { return $true }
    foreach ($pattern in $Filter) {
        if ($Name -like $pattern -or $Name -like "$pattern.Tests" -or $Name -like "*$pattern*") { return $true }
    }
    $false
}

function Get-XunitProject {
    Get-ChildItem -LiteralPath (Join-Path $Root 'tests') -Recurse -Filter '*.csproj' |
        Where-Object { (Get-Content -LiteralPath $_.FullName -Raw) -match 'Include="xunit(\.v3)?"' } |
        Where-Object { Test-SuiteSelected $_.BaseName } |
        Sort-Object FullName
}

# Seconds a test process may still run: its own limit, cut to what is left of the time budget.
function Get-TestTimeout {
    $left = [int] ($TimeBudgetMinutes * 60 - $Clock.Elapsed.TotalSeconds)
    [Math]::Max(0, [Math]::Min($TestTimeoutSeconds, $left))
}

function New-TestResult([string] $Suite) {
    [pscustomobject]@{ Suite = $Suite; Passed = 0; Failed = 0; Skipped = 0; Note = '' }
}

function Invoke-XunitProject([IO.FileInfo] $Project) {
    $name = $Project.BaseName
    $resultDir = Join-Path $ResultsDir 'xunit'
    $trx = Join-Path $resultDir "$name.trx"
    if (Test-Path -LiteralPath $trx) { Remove-Item -LiteralPath $trx -Force }
    $result = New-TestResult "xunit $name"
    $timeout = Get-TestTimeout
    if ($timeout -le 0) {
        $result.Failed = 1
        $result.Note = "not run: the $TimeBudgetMinutes-minute budget was spent"
        return $result
    }
    Write-Step "dotnet test $name"
    $exit = Invoke-ChildProcess -TimeoutSeconds $timeout -CommandLine @('dotnet', 'test', $Project.FullName, '-c', $Configuration, '--nologo',
        '--logger', "trx;LogFileName=$name.trx", '--results-directory', $resultDir)

    if (Test-Path -LiteralPath $trx) {
        $run = ([xml] (Get-Content -LiteralPath $trx -Raw)).TestRun
        $counters = $run.ResultSummary.Counters
        $result.Passed = [int] $counters.passed
        $result.Failed = [int] $counters.failed + [int] $counters.error + [int] $counters.timeout + [int] $counters.aborted
        # xunit's skipped tests are results with outcome NotExecuted; the summary counter stays 0.
        $result.Skipped = @($run.Results.UnitTestResult | Where-Object { $_.outcome -eq 'NotExecuted' }).Count
        # Lines a test wrote as "[report] …" (ITestOutputHelper) are meant for the log: the fuzz
        # test's count of inputs, for one.
        $outputs = ([xml] (Get-Content -LiteralPath $trx -Raw)).SelectNodes('//*[local-name()="UnitTestResult"]/*[local-name()="Output"]/*[local-name()="StdOut"]')
        foreach ($line in @($outputs | ForEach-Object InnerText) -split "`r?`n") {
            if ($line -match '^\s*\[report\] (.*)$') { Write-Host "    $($Matches[1])" }
        }
    }
    if ($exit -ne 0 -and $result.Failed -eq 0) {
        # The project did not build, or the test host crashed: that counts as a failure.
        $result.Failed = 1
        $result.Note = if ($null -eq $exit) { 'timed out' } else { "dotnet test exited with $exit" }
    }
    $result
}

function Invoke-PesterFile([IO.FileInfo] $File) {
    $resultDir = Join-Path $ResultsDir 'pester'
    $json = Join-Path $resultDir "$($File.BaseName).json"
    if (Test-Path -LiteralPath $json) { Remove-Item -LiteralPath $json -Force }
    $result = New-TestResult "pester $($File.Name)"
    $timeout = Get-TestTimeout
    if ($timeout -le 0) {
        $result.Failed = 1
        $result.Note = "not run: the $TimeBudgetMinutes-minute budget was spent"
        return $result
    }
    Write-Step "Pester $($File.Name) (fresh pwsh)"
    $runner = Join-Path $Root 'tests/support/Invoke-PesterFile.ps1'
    # A working folder of its own, removed afterwards: a relative path in a test lands there,
    # not in the repository.
    $work = Join-Path ([IO.Path]::GetTempPath()) ('mldb-pester-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
    $null = New-Item -ItemType Directory -Path $work
    try {
        $exit = Invoke-PwshChild -TimeoutSeconds $timeout -WorkingDirectory $work -Arguments @('-File', $runner, '-Path', $File.FullName, '-PesterPath', (Join-Path $TestSupportDir 'Pester'), '-ResultDirectory', $resultDir)
    }
    finally {
        Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
    }

    if (Test-Path -LiteralPath $json) {
        $counts = Get-Content -LiteralPath $json -Raw | ConvertFrom-Json
        $result.Passed = [int] $counts.Passed
        $result.Failed = [int] $counts.Failed
        $result.Skipped = [int] $counts.Skipped
    }
    else {
        $result.Failed = 1
        $result.Note = if ($null -eq $exit) { 'timed out' } else { "the test process ended (exit code $exit) before reporting" }
    }
    $result
}

function Invoke-TestTask([Collections.Generic.List[object]] $Results) {
    Invoke-BuildTask
    # The module's own Pester files, then the examples that are Pester files themselves
    # (examples/rules.Tests.ps1 shows users how to test their rules: it must keep passing).
    $pesterFiles = @(@(Get-ChildItem -LiteralPath (Join-Path $Root 'tests/pester') -Recurse -Filter '*.Tests.ps1' | Sort-Object FullName) +
        @(Get-ChildItem -LiteralPath (Join-Path $Root 'examples') -Filter '*.Tests.ps1' | Sort-Object FullName) |
        Where-Object { Test-SuiteSelected ($_.BaseName -replace '\.Tests$', '') })
    $package = if (-not $Filter -or ($pesterFiles | Where-Object Name -EQ 'Packaging.Tests.ps1')) { Invoke-PackageTask } else { '' }
    if ($pesterFiles -or -not (Test-Path -LiteralPath (Join-Path $TestSupportDir 'Pester'))) { Publish-TestSupport }
    $null = New-Item -ItemType Directory -Force -Path (Join-Path $ResultsDir 'xunit'), (Join-Path $ResultsDir 'pester')

    $testEnvironment = @{
        MLDB_REPO_ROOT       = $Root
        MLDB_MODULE_MANIFEST = Join-Path $ModuleDir 'MlDb.psd1'
        MLDB_PACKAGE         = $package
        MLDB_TEST_SUPPORT    = $TestSupportDir
    }
    $shared = Join-Path (Split-Path $Root -Parent) 'shared'
    if (Test-Path -LiteralPath $shared) { $testEnvironment.MLDB_SHARED = (Resolve-Path -LiteralPath $shared).Path }
    foreach ($key in $testEnvironment.Keys) { Set-Item -LiteralPath "env:$key" -Value $testEnvironment[$key] }

    $stateDir = Join-Path ([IO.Path]::GetTempPath()) ("mldb-services-" + [guid]::NewGuid().ToString('n').Substring(0, 8))
    $serviceDirs = @()
    try {
        if ($ServicesEnv) {
            if (-not (Test-Path -LiteralPath $ServicesEnv)) { throw "-ServicesEnv '$ServicesEnv' does not exist (tests/services/services.sh start <dir> writes <dir>/services.env)." }
            Write-Step "Using the running test services of $ServicesEnv"
            Import-ServicesEnvFile $ServicesEnv
            $env:MLDB_SERVICES_ENV = (Resolve-Path -LiteralPath $ServicesEnv).Path
        }
        else {
            $null = New-Item -ItemType Directory -Path $stateDir
            $serviceDirs = @(Start-TestService $stateDir)
        }
        foreach ($project in Get-XunitProject) { $Results.Add((Invoke-XunitProject $project)) }
        foreach ($file in $pesterFiles) { $Results.Add((Invoke-PesterFile $file)) }
    }
    finally {
        if ($serviceDirs) { Stop-TestService $serviceDirs }
        Remove-Item -LiteralPath $stateDir -Recurse -Force -ErrorAction SilentlyContinue
    }
}

# Prints the table of suites and, last, the line "N passed, N failed"; returns the failed count.
function Write-TestSummary([Collections.Generic.List[object]] $Results, [datetime] $Started) {
    $passed = [int] ($Results | Measure-Object -Property Passed -Sum).Sum
    $failed = [int] ($Results | Measure-Object -Property Failed -Sum).Sum
    $skipped = [int] ($Results | Measure-Object -Property Skipped -Sum).Sum
    Write-Host ''
    Write-Host ('{0,-50} {1,7} {2,7} {3,8}  {4}' -f 'suite', 'passed', 'failed', 'skipped', '')
    foreach ($r in $Results) {
        $colour = if ($r.Failed) { 'Red' } elseif ($r.Skipped) { 'Yellow' } else { 'Green' }
        Write-Host ('{0,-50} {1,7} {2,7} {3,8}  {4}' -f $r.Suite, $r.Passed, $r.Failed, $r.Skipped, $r.Note) -ForegroundColor $colour
    }
    Write-Host ('{0} skipped (counted neither passed nor failed); took {1:n0} s' -f $skipped, ((Get-Date) - $Started).TotalSeconds)
    if ($passed + $failed -eq 0) {
        Write-Host '!!! No test ran.' -ForegroundColor Red
        $failed = 1
    }
    [Console]::Out.WriteLine("$passed passed, $failed failed")
    $failed
}

Push-Location -LiteralPath $Root
try {
    switch ($Task) {
        'build' { Invoke-BuildTask }
        'package' { Invoke-BuildTask; $null = Invoke-PackageTask }
        'demo' { Invoke-BuildTask; Invoke-DemoTask }
        'clean' { if (Test-Path -LiteralPath $Out) { Remove-Item -LiteralPath $Out -Recurse -Force } }
        'test' {
            $started = Get-Date
            $results = [Collections.Generic.List[object]]::new()
            try {
                Invoke-TestTask $results
            }
            catch {
                # A build, packaging or set-up failure is a failed run: report it, then the counts.
                Write-Host "!!! $($_.Exception.Message)" -ForegroundColor Red
                $failure = New-TestResult 'build and set-up'
                $failure.Failed = 1
                $failure.Note = $_.Exception.Message
                $results.Add($failure)
            }
            if ((Write-TestSummary $results $started) -ne 0) { exit 1 }
        }
    }
}
finally {
    Pop-Location
}
