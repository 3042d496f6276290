#Requires -Version 7.4
# The about_ topics (about_MlDb, about_MlDb_Language, about_MlDb_Providers) are installed with the
# module, and every example in them runs and shows what it says it shows; every cmdlet's help has
# INPUTS, OUTPUTS and RELATED LINKS that lead somewhere.
#
# An example in an about_ topic is a line "    Example N: title" followed by its code, indented
# 8 spaces. A code line "# Output: text" says that text appears in what the example writes
# (compared with runs of white space made one). Placeholders of servers are replaced by the test
# servers: 'postgresql://app:secret@localhost:5432/app', 'mongodb://localhost:27017/' and
# 'localhost:6379'; an example that needs a missing server is skipped, loudly.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $helpFolder = Join-Path (Split-Path (Get-MlTestModuleManifest) -Parent) 'en-US'
    $script:Topics = @(Get-ChildItem -LiteralPath $helpFolder -Filter 'about_*.help.txt' | ForEach-Object { $_.Name -replace '\.help\.txt$', '' })
    $script:Examples = foreach ($file in Get-ChildItem -LiteralPath $helpFolder -Filter 'about_*.help.txt') {
        $lines = Get-Content -LiteralPath $file.FullName
        for ($i = 0; $i -lt $lines.Count; $i++) {
            if ($lines[$i] -notmatch '^ {4}Example (\d+): (.+)$') { continue }
            $title = "Example $($Matches[1]): $($Matches[2])"
            $code = [Collections.Generic.List[string]]::new()
            for ($j = $i + 1; $j -lt $lines.Count; $j++) {
                $line = $lines[$j]
                if ($line.Trim() -and $line -notmatch '^ {8}') { break }
                $code.Add($(if ($line.Length -ge 8) { $line.Substring(8) } else { '' }))
            }
            $text = ($code -join "`n").Trim()
            $services = @(
                if ($text.Contains('postgresql://app:secret@localhost:5432/app')) { 'Postgres' }
                if ($text.Contains('mongodb://localhost:27017/')) { 'Mongo' }
                if ($text -match '(?<![\w.])localhost:6379') { 'Redis' }
            )
            $expected = @([regex]::Matches($text, '(?m)^\s*# Output: (.+)$') | ForEach-Object { $_.Groups[1].Value.Trim() })
            @{ Topic = $file.Name -replace '\.help\.txt$', ''; Title = $title; Code = $text; Services = $services; Expected = $expected }
        }
    }
    $script:CmdletNames = @((Import-PowerShellDataFile (Get-MlTestModuleManifest)).CmdletsToExport)
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-MlTestModule
    $script:Manifest = Get-MlTestModuleManifest
    $script:Topics = @(Get-ChildItem -LiteralPath (Join-Path (Split-Path $Manifest -Parent) 'en-US') -Filter 'about_*.help.txt' | ForEach-Object { $_.Name -replace '\.help\.txt$', '' })
}

Describe 'about_ topics' {
    It '<_> is installed and found by Get-Help' -ForEach @('about_MlDb', 'about_MlDb_Language', 'about_MlDb_Providers') {
        $Topics | Should -Contain $_
        $text = Get-Help $_ | Out-String
        $text | Should -Match ([regex]::Escape($_))
        $text | Should -Match 'SHORT DESCRIPTION'
    }

    It 'about_MlDb tells how to test rules with Pester' {
        $text = Get-Help about_MlDb | Out-String
        $text | Should -Match 'TESTING YOUR RULES WITH PESTER'
        $text | Should -Match 'rules\.Tests\.ps1'
        $text | Should -Match 'Should -Throw -ErrorId'
    }

    It 'about_MlDb_Language and about_MlDb_Providers have examples' {
        @($Examples | Where-Object Topic -EQ 'about_MlDb_Language').Count | Should -BeGreaterOrEqual 5
        @($Examples | Where-Object Topic -EQ 'about_MlDb_Providers').Count | Should -BeGreaterOrEqual 4
    }
}

Describe '<Topic> <Title>' -ForEach $Examples {
    It 'runs and writes what it says' {
        foreach ($service in $Services) { if (Skip-IfNoService $service) { return } }
        $code = $Code
        if ($Services -contains 'Postgres') {
            $b = [Data.Common.DbConnectionStringBuilder]::new(); $b.set_ConnectionString((Get-MlTestService -Name Postgres))
            $url = 'postgresql://{0}:{1}@{2}:{3}/{4}' -f [uri]::EscapeDataString($b['Username']), [uri]::EscapeDataString($b['Password']), $b['Host'], $b['Port'], $b['Database']
            $code = $code.Replace('postgresql://app:secret@localhost:5432/app', $url)
        }
        if ($Services -contains 'Mongo') { $code = $code.Replace('mongodb://localhost:27017/', (Get-MlTestService -Name Mongo)) }
        if ($Services -contains 'Redis') { $code = $code.Replace('localhost:6379', (Get-MlTestService -Name Redis)) }

        $work = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
        $null = New-Item -ItemType Directory -Path $work
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Set-Location -LiteralPath '$work'; Import-Module '$Manifest'; `$ErrorActionPreference = 'Stop'").AddStatement()
            $null = $ps.AddScript($code).AddStatement()
            $null = $ps.AddScript('Disconnect-MlDatabase -All')
            $output = $ps.Invoke()
            $ps.HadErrors | Should -BeFalse -Because "$Title should run: $($ps.Streams.Error -join '; ')"
            $shown = (($output | Out-String -Width 300) -replace '\s+', ' ').Trim()
            foreach ($text in $Expected) { $shown | Should -BeLike "*$(($text -replace '\s+', ' ') -replace '([\[\]*?])', '`$1')*" -Because "the example says it writes '$text'" }
            if ($Services -contains 'Postgres') { $shown | Should -Not -Match ([regex]::Escape($b['Password'])) }
        }
        finally { $ps.Dispose() }
    }
}

Describe 'Help sections of <_>' -ForEach $CmdletNames {
    BeforeAll {
        $script:help = Get-Help -Name $_ -Full
    }

    It 'has INPUTS, each with its type' {
        @($help.inputTypes.inputType).Count | Should -BeGreaterThan 0
        foreach ($input in $help.inputTypes.inputType) { $input.type.name | Should -Not -BeNullOrEmpty }
    }

    It 'has OUTPUTS, each with its type and, unless None, what it is' {
        @($help.returnValues.returnValue).Count | Should -BeGreaterThan 0
        foreach ($output in $help.returnValues.returnValue) {
            $output.type.name | Should -Not -BeNullOrEmpty
            if ($output.type.name -ne 'None') { ($output.description.Text -join ' ') | Should -Not -BeNullOrEmpty -Because "$($output.type.name) needs a description" }
        }
    }

    It 'has RELATED LINKS to commands and topics that exist' {
        $links = @($help.relatedLinks.navigationLink.linkText)
        $links.Count | Should -BeGreaterThan 0
        foreach ($link in $links) {
            if ($link -like 'about_*') { $Topics | Should -Contain $link }
            else { Get-Command -Name $link -Module MlDb -ErrorAction SilentlyContinue | Should -Not -BeNullOrEmpty -Because "$link is linked" }
        }
    }

    It 'declares every output type it documents as [OutputType]' {
        $declared = @((Get-Command $_).OutputType.Name)
        foreach ($output in $help.returnValues.returnValue | Where-Object { $_.type.name -notin 'None' }) {
            $declared | Should -Contain $output.type.name
        }
    }
}
