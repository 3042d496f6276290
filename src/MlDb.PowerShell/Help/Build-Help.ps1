#Requires -Version 7.4
<#
.SYNOPSIS
    Writes the MAML help (out/MlDb/en-US/MlDb.PowerShell.dll-Help.xml) from the Markdown pages beside this script.
.DESCRIPTION
    One page per cmdlet (<Verb-Noun>.md) with the sections SYNOPSIS, DESCRIPTION, PARAMETERS
    (### -Name + text), EXAMPLES (### title, a ```powershell block, then remarks), INPUTS and
    OUTPUTS (### type name + text; "### None" when there is none), NOTES, and RELATED LINKS (one
    "- Name" line per cmdlet or about_ topic, or "- [text](uri)"). Syntax, parameter types,
    positions and pipeline input come from the cmdlets themselves, so the module must be built:
    pass its manifest (default: out/MlDb/MlDb.psd1). A page that lacks a parameter description,
    INPUTS, OUTPUTS or RELATED LINKS fails the build.
    build.ps1 runs it on every build (in a fresh pwsh) and writes the XML into out/MlDb/en-US.
.EXAMPLE
    pwsh -NoProfile -File src/MlDb.PowerShell/Help/Build-Help.ps1 -Manifest out/MlDb/MlDb.psd1
#>
param(
    [string] $Manifest = (Join-Path $PSScriptRoot '../../../out/MlDb/MlDb.psd1'),
    [string] $OutFile = (Join-Path $PSScriptRoot '../../../out/MlDb/en-US/MlDb.PowerShell.dll-Help.xml')
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module $Manifest -Force

$common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters

function Read-Page([string] $path) {
    $page = [ordered]@{ Sections = [ordered]@{}; Parameters = [ordered]@{}; Examples = [System.Collections.Generic.List[object]]::new()
        Inputs = [System.Collections.Generic.List[object]]::new(); Outputs = [System.Collections.Generic.List[object]]::new(); Links = [System.Collections.Generic.List[object]]::new() }
    $section = $null; $sub = $null; $buffer = [System.Collections.Generic.List[string]]::new(); $inCode = $false; $code = $null
    $flush = {
        $text = ($buffer -join "`n").Trim()
        $buffer.Clear()
        if (-not $section) { return }
        switch ($section) {
            'PARAMETERS' { if ($sub) { $page.Parameters[$sub.TrimStart('-')] = $text } }
            'EXAMPLES' { if ($sub) { $page.Examples[-1].Remarks = $text } }
            'INPUTS' { if ($sub) { $page.Inputs[-1].Text = $text } }
            'OUTPUTS' { if ($sub) { $page.Outputs[-1].Text = $text } }
            'RELATED LINKS' {
                foreach ($line in $text -split "\n" | Where-Object { $_.Trim() }) {
                    if ($line -match '^\s*-\s*\[(?<text>[^\]]+)\]\((?<uri>[^)]*)\)\s*$') { $page.Links.Add([pscustomobject]@{ Text = $Matches.text; Uri = $Matches.uri }) }
                    elseif ($line -match '^\s*-\s*(?<text>\S.*?)\s*$') { $page.Links.Add([pscustomobject]@{ Text = $Matches.text; Uri = '' }) }
                    else { throw "$path : RELATED LINKS takes '- Name' or '- [text](uri)' lines, not '$line'." }
                }
            }
            default { $page.Sections[$section] = $text }
        }
    }
    foreach ($line in Get-Content -LiteralPath $path) {
        if ($inCode) {
            if ($line -match '^```\s*$') { $inCode = $false; $page.Examples[-1].Code = ($code -join "`n") }
            else { $code.Add($line) }
            continue
        }
        if ($line -match '^```') { $inCode = $true; $code = [System.Collections.Generic.List[string]]::new(); continue }
        if ($line -match '^# ') { continue }
        if ($line -match '^## (.+)$') { & $flush; $section = $Matches[1].Trim(); $sub = $null; continue }
        if ($line -match '^### (.+)$') {
            & $flush; $sub = $Matches[1].Trim()
            if ($section -eq 'EXAMPLES') { $page.Examples.Add([pscustomobject]@{ Title = $sub; Code = ''; Remarks = '' }) }
            if ($section -eq 'INPUTS') { $page.Inputs.Add([pscustomobject]@{ Type = $sub; Text = '' }) }
            if ($section -eq 'OUTPUTS') { $page.Outputs.Add([pscustomobject]@{ Type = $sub; Text = '' }) }
            continue
        }
        $buffer.Add($line)
    }
    & $flush
    $page
}

function Write-Paras([System.Xml.XmlWriter] $w, [string] $text) {
    $w.WriteStartElement('maml', 'description', $maml)
    foreach ($para in ($text -split "\n\s*\n")) {
        if ($para.Trim()) { $w.WriteElementString('maml', 'para', $maml, (($para -split "\n") -join ' ').Trim()) }
    }
    $w.WriteEndElement()
}

function Get-TypeName([type] $type) {
    if ($type -eq [System.Management.Automation.SwitchParameter]) { return 'SwitchParameter' }
    $type.Name
}

$maml = 'http://schemas.microsoft.com/maml/2004/10'
$command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$dev = 'http://schemas.microsoft.com/maml/dev/2004/10'
$settings = [System.Xml.XmlWriterSettings]@{ Indent = $true; Encoding = [System.Text.UTF8Encoding]::new($false) }
$null = New-Item -ItemType Directory -Force -Path (Split-Path $OutFile -Parent)
$w = [System.Xml.XmlWriter]::Create($OutFile, $settings)
$w.WriteStartDocument()
$w.WriteStartElement('helpItems', 'http://msh')
$w.WriteAttributeString('schema', 'maml')
foreach ($file in Get-ChildItem -LiteralPath $PSScriptRoot -Filter '*-*.md' | Sort-Object Name) {
    $name = $file.BaseName
    $cmd = Get-Command -Name $name -Module MlDb
    $page = Read-Page $file.FullName
    $verb, $noun = $name -split '-', 2
    $w.WriteStartElement('command', 'command', $command)
    $w.WriteAttributeString('xmlns', 'maml', $null, $maml)
    $w.WriteAttributeString('xmlns', 'dev', $null, $dev)
    $w.WriteStartElement('command', 'details', $command)
    $w.WriteElementString('command', 'name', $command, $name)
    Write-Paras $w $page.Sections['SYNOPSIS']
    $w.WriteElementString('command', 'verb', $command, $verb)
    $w.WriteElementString('command', 'noun', $command, $noun)
    $w.WriteEndElement()
    Write-Paras $w $page.Sections['DESCRIPTION']

    $w.WriteStartElement('command', 'syntax', $command)
    foreach ($set in $cmd.ParameterSets) {
        $w.WriteStartElement('command', 'syntaxItem', $command)
        $w.WriteElementString('maml', 'name', $maml, $name)
        foreach ($p in $set.Parameters | Where-Object { $_.Name -notin $common }) {
            $w.WriteStartElement('command', 'parameter', $command)
            $w.WriteAttributeString('required', "$($p.IsMandatory)".ToLowerInvariant())
            $w.WriteAttributeString('position', $(if ($p.Position -ge 0) { "$($p.Position)" } else { 'named' }))
            $w.WriteElementString('maml', 'name', $maml, $p.Name)
            if ($p.ParameterType -ne [System.Management.Automation.SwitchParameter]) {
                $w.WriteStartElement('command', 'parameterValue', $command)
                $w.WriteAttributeString('required', 'true')
                $w.WriteString((Get-TypeName $p.ParameterType))
                $w.WriteEndElement()
            }
            $w.WriteEndElement()
        }
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'parameters', $command)
    foreach ($p in $cmd.Parameters.Values | Where-Object { $_.Name -notin $common }) {
        $attributes = @($p.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] })
        $pipeline = @(if ($attributes.ValueFromPipeline -contains $true) { 'ByValue' }; if ($attributes.ValueFromPipelineByPropertyName -contains $true) { 'ByPropertyName' })
        $position = @($attributes | Where-Object Position -ge 0 | Select-Object -First 1)
        $w.WriteStartElement('command', 'parameter', $command)
        $w.WriteAttributeString('required', "$($attributes.Mandatory -contains $true)".ToLowerInvariant())
        $w.WriteAttributeString('position', $(if ($position) { "$($position[0].Position)" } else { 'named' }))
        $w.WriteAttributeString('pipelineInput', $(if ($pipeline) { "True ($($pipeline -join ', '))" } else { 'False' }))
        $w.WriteAttributeString('globbing', 'false')
        $w.WriteElementString('maml', 'name', $maml, $p.Name)
        $text = $page.Parameters[$p.Name]
        if (-not $text) { throw "$($file.Name) does not describe the parameter -$($p.Name)." }
        Write-Paras $w $text
        $w.WriteStartElement('command', 'parameterValue', $command)
        $w.WriteAttributeString('required', "$($p.ParameterType -ne [System.Management.Automation.SwitchParameter])".ToLowerInvariant())
        $w.WriteString((Get-TypeName $p.ParameterType))
        $w.WriteEndElement()
        $w.WriteStartElement('dev', 'type', $dev)
        $w.WriteElementString('maml', 'name', $maml, $p.ParameterType.FullName)
        $w.WriteEndElement()
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    foreach ($kind in 'Inputs', 'Outputs', 'Links') {
        if ($page[$kind].Count -eq 0) { throw "$($file.Name) has no $(@{ Inputs = 'INPUTS'; Outputs = 'OUTPUTS'; Links = 'RELATED LINKS' }[$kind]) section (or it is empty)." }
    }
    foreach ($types in @(@('inputTypes', 'inputType', $page.Inputs), @('returnValues', 'returnValue', $page.Outputs))) {
        $w.WriteStartElement('command', $types[0], $command)
        foreach ($entry in $types[2]) {
            $w.WriteStartElement('command', $types[1], $command)
            $w.WriteStartElement('dev', 'type', $dev)
            $w.WriteElementString('maml', 'name', $maml, $entry.Type)
            $w.WriteEndElement()
            Write-Paras $w $entry.Text
            $w.WriteEndElement()
        }
        $w.WriteEndElement()
    }

    if ($page.Sections.Contains('NOTES')) {
        $w.WriteStartElement('maml', 'alertSet', $maml)
        $w.WriteStartElement('maml', 'alert', $maml)
        foreach ($para in ($page.Sections['NOTES'] -split "\n\s*\n")) { $w.WriteElementString('maml', 'para', $maml, (($para -split "\n") -join ' ').Trim()) }
        $w.WriteEndElement()
        $w.WriteEndElement()
    }

    $w.WriteStartElement('command', 'examples', $command)
    foreach ($example in $page.Examples) {
        $w.WriteStartElement('command', 'example', $command)
        $w.WriteElementString('maml', 'title', $maml, "--------- $($example.Title) ---------")
        $w.WriteElementString('dev', 'code', $dev, $example.Code)
        $w.WriteStartElement('dev', 'remarks', $dev)
        foreach ($para in ($example.Remarks -split "\n\s*\n")) { $w.WriteElementString('maml', 'para', $maml, (($para -split "\n") -join ' ').Trim()) }
        $w.WriteEndElement()
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteStartElement('maml', 'relatedLinks', $maml)
    foreach ($link in $page.Links) {
        $w.WriteStartElement('maml', 'navigationLink', $maml)
        $w.WriteElementString('maml', 'linkText', $maml, $link.Text)
        $w.WriteElementString('maml', 'uri', $maml, $link.Uri)
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteEndElement()
}
$w.WriteEndElement()
$w.WriteEndDocument()
$w.Dispose()
"Wrote $OutFile"
