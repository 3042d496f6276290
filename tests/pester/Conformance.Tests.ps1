#Requires -Version 7.4
# The shared ML conformance corpus (../shared/conformance, every case) through the cmdlets: each
# case is loaded by Invoke-MlFunction -Script <its file> and main() is called with the limits its
# README names (steps 10 000 000; 1 000 000 elements per collection; 16 777 216 code units per
# string; 60 s). A result must match <case>.expected.json exactly (key order, int versus double);
# an error's report must contain the text of <case>.expected-error.txt.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $folder = Join-Path (Get-MlTestSharedPath) 'conformance'
    $script:Cases = foreach ($file in Get-ChildItem -LiteralPath $folder -Filter *.ml | Sort-Object Name) {
        $expectedFile = Join-Path $folder ($file.BaseName + '.expected.json')
        $errorFile = Join-Path $folder ($file.BaseName + '.expected-error.txt')
        @{
            Name          = $file.BaseName
            Path          = $file.FullName
            Expected      = if (Test-Path -LiteralPath $expectedFile) { Get-Content -LiteralPath $expectedFile -Raw } else { $null }
            ExpectedError = if (Test-Path -LiteralPath $errorFile) { (Get-Content -LiteralPath $errorFile -Raw).Trim() } else { $null }
        }
    }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-MlTestModule
    # The limits of the corpus README.
    $script:CorpusLimits = @{ MaxSteps = 10000000; MaxCollectionSize = 1000000; MaxStringLength = 16777216; TimeoutSeconds = 60 }

    function Compare-MlJson {
        # The first difference between a JSON value and what the cmdlet wrote (-AsHashtable), or $null.
        param([System.Text.Json.JsonElement] $Json, [object] $Actual, [string] $Where = '$')
        switch ($Json.ValueKind) {
            'Null' { if ($null -ne $Actual) { return "${Where}: expected null, got $Actual" } }
            'True' { if ($Actual -isnot [bool] -or -not $Actual) { return "${Where}: expected true, got $Actual" } }
            'False' { if ($Actual -isnot [bool] -or $Actual) { return "${Where}: expected false, got $Actual" } }
            'String' { if ($Actual -isnot [string] -or $Actual -cne $Json.GetString()) { return "${Where}: expected the string '$($Json.GetString())', got '$Actual'" } }
            'Number' {
                $text = $Json.GetRawText()
                if ($text -match '[.eE]') {
                    if ($Actual -isnot [double] -or $Actual -ne [double]::Parse($text, [cultureinfo]::InvariantCulture)) { return "${Where}: expected the double $text, got $Actual ($($Actual.GetType().Name))" }
                }
                elseif ($Actual -isnot [long] -or $Actual -ne [long]::Parse($text, [cultureinfo]::InvariantCulture)) {
                    return "${Where}: expected the int $text, got $Actual ($(if ($null -ne $Actual) { $Actual.GetType().Name }))"
                }
            }
            'Array' {
                if ($Actual -isnot [object[]]) { return "${Where}: expected an array, got $Actual" }
                $items = @($Json.EnumerateArray())
                if ($items.Count -ne $Actual.Count) { return "${Where}: expected $($items.Count) elements, got $($Actual.Count)" }
                for ($i = 0; $i -lt $items.Count; $i++) {
                    $difference = Compare-MlJson $items[$i] $Actual[$i] "$Where[$i]"
                    if ($difference) { return $difference }
                }
            }
            'Object' {
                if ($Actual -isnot [System.Collections.IDictionary]) { return "${Where}: expected an object, got $Actual" }
                $properties = @($Json.EnumerateObject())
                $keys = @($Actual.Keys)
                $names = @($properties.Name)
                if (($names -join "`n") -cne ($keys -join "`n")) { return "${Where}: expected the keys $($names -join ', '), got $($keys -join ', ')" }
                foreach ($p in $properties) {
                    $difference = Compare-MlJson $p.Value $Actual[$p.Name] "$Where.$($p.Name)"
                    if ($difference) { return $difference }
                }
            }
        }
        $null
    }
}

Describe 'The conformance corpus through Invoke-MlFunction' {
    It '<Name>' -ForEach $Cases {
        $failure = $null
        $output = $null
        try {
            $output = @(Invoke-MlFunction -Script $Path -Function main -AsHashtable @CorpusLimits -ErrorAction Stop)
        }
        catch { $failure = $_ }

        if ($ExpectedError) {
            $failure | Should -Not -BeNullOrEmpty -Because "$Name must fail with '$ExpectedError'"
            $failure.FullyQualifiedErrorId | Should -BeLike 'MlDb.*'
            $failure.Exception.Report | Should -Not -BeNullOrEmpty -Because "$($failure.FullyQualifiedErrorId): $failure"
            $failure.Exception.Report.Contains($ExpectedError, [StringComparison]::Ordinal) | Should -BeTrue -Because "the report was:`n$($failure.Exception.Report)"
            return
        }
        $failure | Should -BeNullOrEmpty -Because "$Name failed: $failure"
        $json = [System.Text.Json.JsonDocument]::Parse($Expected).RootElement
        # An array result is written element by element: the collected output stands for it.
        $actual = if ($json.ValueKind -eq 'Array') { , $output } else { $output | Should -HaveCount 1; $output[0] }
        Compare-MlJson $json $actual | Should -BeNullOrEmpty
    }

    It 'every one of the <Count> cases has an expected result or error' -ForEach @{ Count = $Cases.Count; Missing = @($Cases | Where-Object { -not $_.Expected -and -not $_.ExpectedError } | ForEach-Object Name) } {
        $Count | Should -BeGreaterThan 0
        $Missing | Should -BeNullOrEmpty
    }
}
