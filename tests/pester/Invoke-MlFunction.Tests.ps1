#Requires -Version 7.4
# Invoke-MlFunction (no database) and the golden tables of the PowerShell -> ML converter and the
# ML -> PowerShell materializer.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-MlTestModule
    $script:Seed = Join-Path (Get-MlTestSharedPath) 'seed/ml'
    $script:Probe = Join-Path $TestDrive 'probe.ml'
    Set-Content $Probe @'
function kind(x) { return typeName(x); }
function same(x) { return x; }
function keys(x) { return Object.keys(x); }
function nested() { return {b: 1, a: {z: [1, 2.5, "s", null, true], y: decimal("19.90")}, d: new Date("2024-05-01T10:30:00Z")}; }
function many() { return [1, 2, 3]; }
function cyclic() { let a = {}; a.self = a; return a; }
function withFunction() { return {f: function() { return 1; }}; }
function bytesOf(b) { return b.length; }
function add(a, b) { return a + b; }
function show(x) { print("value: " + str(x)); console.warn("careful"); return x; }
'@
}

Describe 'Invoke-MlFunction' {
    It 'calls a function with -ArgumentList' {
        Invoke-MlFunction -Script $Probe -Function add -ArgumentList 2, 3 | Should -Be 5
        Invoke-MlFunction $Probe add 2, 3 | Should -Be 5
    }

    It 'calls the function once per piped object' {
        1, 2, 3 | Invoke-MlFunction -Script $Probe -Function same | Should -Be @(1, 2, 3)
    }

    It 'seed validateUser: a valid user comes back, an invalid one throws its message' {
        $s = Import-MlScript (Join-Path $Seed 'db_processors.ml')
        $u = Invoke-MlFunction -Script $s -Function validateUser -ArgumentList @{ name = 'John'; email = 'j@x'; age = 30 }
        $u.name | Should -Be 'John'
        { Invoke-MlFunction -Script $s -Function validateUser -ArgumentList @{ name = 'J' } } |
            Should -Throw -ExpectedMessage 'Validation failed: Name must be at least 2 characters, Invalid email address, Age must be between 0 and 150' -ErrorId 'MlDb.ScriptRuntime,*'
    }

    It 'a piped input that fails is non-terminating; the next goes on' {
        $s = Import-MlScript (Join-Path $Seed 'db_processors.ml')
        $out = @(@{ name = 'J' }, @{ name = 'Jo'; email = 'j@x'; age = 1 }) | Invoke-MlFunction -Script $s -Function validateUser -ErrorVariable errs -ErrorAction SilentlyContinue
        $out.name | Should -Be 'Jo'
        $errs | Should -HaveCount 1
        $errs[0].TargetObject.name | Should -Be 'J'
    }

    It 'seed product_processors: analyzeInventory and calculateOptimalPrice' {
        $s = Import-MlScript (Join-Path $Seed 'product_processors.ml')
        $r = Invoke-MlFunction $s analyzeInventory -ArgumentList @{ products = @(@{ price = 10.0; stock = 5 }, @{ price = 20.0; stock = 50 }) }
        $r.total_value | Should -Be 1050.0
        $r.best_sellers | Should -HaveCount 1
        (Invoke-MlFunction $s calculateOptimalPrice -ArgumentList @{ current_price = 100.0; stock = 150 }).optimal_price | Should -Be 90.0
    }

    It 'an unknown function is terminating' {
        { Invoke-MlFunction -Script $Probe -Function nope } | Should -Throw -ErrorId 'MlDb.UnknownFunction,*'
    }

    It 'routes print to the information stream and console.warn to warnings' {
        $info = Invoke-MlFunction $Probe show -ArgumentList 5 -InformationVariable iv -WarningVariable wv -WarningAction SilentlyContinue
        $info | Should -Be 5
        $iv.MessageData | Should -Be 'value: 5'
        $wv.Message | Should -Be 'careful'
    }

    It 'times out with MlDb.CommandTimeout' {
        $spin = Join-Path $TestDrive 'spin.ml'
        Set-Content $spin 'function spin() { while (true) { } }'
        { Invoke-MlFunction $spin spin -TimeoutSeconds 1 } | Should -Throw -ErrorId 'MlDb.CommandTimeout,*'
    }

    Context 'PowerShell -> ML golden table' {
        It '<Name> becomes <Type>' -ForEach @(
            @{ Name = '$null'; Value = $null; Type = 'null' }
            @{ Name = 'DBNull'; Value = [DBNull]::Value; Type = 'null' }
            @{ Name = 'bool'; Value = $true; Type = 'boolean' }
            @{ Name = 'switch'; Value = [switch]$true; Type = 'boolean' }
            @{ Name = 'int'; Value = 42; Type = 'int' }
            @{ Name = 'long'; Value = [long]42; Type = 'int' }
            @{ Name = 'byte'; Value = [byte]4; Type = 'int' }
            @{ Name = 'uint64 max'; Value = [uint64]::MaxValue; Type = 'decimal' }
            @{ Name = 'double'; Value = 2.5; Type = 'double' }
            @{ Name = 'single'; Value = [single]2.5; Type = 'double' }
            @{ Name = 'decimal'; Value = 19.99d; Type = 'decimal' }
            @{ Name = 'string'; Value = 'x'; Type = 'string' }
            @{ Name = 'char'; Value = [char]'x'; Type = 'string' }
            @{ Name = 'guid'; Value = [guid]::Empty; Type = 'string' }
            @{ Name = 'enum'; Value = [DayOfWeek]::Monday; Type = 'string' }
            @{ Name = 'DateTime'; Value = [datetime]::UtcNow; Type = 'date' }
            @{ Name = 'DateTimeOffset'; Value = [datetimeoffset]::Now; Type = 'date' }
            @{ Name = 'byte[]'; Value = [byte[]](1, 2); Type = 'bytes' }
            @{ Name = 'hashtable'; Value = @{ a = 1 }; Type = 'object' }
            @{ Name = 'ordered'; Value = [ordered]@{ a = 1 }; Type = 'object' }
            @{ Name = 'PSCustomObject'; Value = [pscustomobject]@{ a = 1 }; Type = 'object' }
            @{ Name = 'array'; Value = (, @(1, 2)); Type = 'array' }
            @{ Name = 'List'; Value = [System.Collections.Generic.List[int]]::new(); Type = 'array' }
        ) {
            Invoke-MlFunction -Script $Probe -Function kind -ArgumentList (, $Value) | Should -Be $Type
        }

        It 'keeps key order of ordered dictionaries and PSCustomObjects' {
            Invoke-MlFunction $Probe keys -ArgumentList ([ordered]@{ z = 1; a = 2; m = 3 }) | Should -Be @('z', 'a', 'm')
            Invoke-MlFunction $Probe keys -ArgumentList ([pscustomobject]@{ z = 1; a = 2; m = 3 }) | Should -Be @('z', 'a', 'm')
        }

        It 'reads a PSCustomObject''s own properties in order, whatever made it and whatever was asked of it before' {
            $plain = [pscustomobject]@{ id = 1; name = 'a' }
            $null = $plain.psobject.Properties.Name   # builds PowerShell's full member view (hidden pstypenames and friends)
            $scripted = [pscustomobject]@{ qty = 2; price = 2.5 } | Add-Member -MemberType ScriptProperty -Name total -Value { $this.qty * $this.price } -PassThru
            $json = '{"z": 1, "a": {"b": [1, 2]}}' | ConvertFrom-Json
            $csv = 'q,r', '1,2' | ConvertFrom-Csv
            $selected = [pscustomobject]@{ x = 1; y = 2; z = 3 } | Select-Object z, x
            $rows = @($plain, $scripted, $json, $csv, $selected) | Invoke-MlFunction $Probe same
            $rows[0].psobject.Properties.Name | Should -Be @('id', 'name')
            $rows[1].psobject.Properties.Name | Should -Be @('qty', 'price', 'total')
            $rows[1].total | Should -Be 5.0
            $rows[2].psobject.Properties.Name | Should -Be @('z', 'a')
            $rows[2].a.b | Should -Be @(1, 2)
            $rows[3].q | Should -Be '1'
            $rows[4].psobject.Properties.Name | Should -Be @('z', 'x')
            # Many objects of one shape, then one whose keys differ in order only.
            $many = 1..200 | ForEach-Object { [pscustomobject]@{ n = $_; sq = $_ * $_ } }
            $many += [pscustomobject]@{ sq = 0; n = 0 }
            $back = $many | Invoke-MlFunction $Probe keys
            ($back | Select-Object -First 2) | Should -Be @('n', 'sq')
            ($back | Select-Object -Last 2) | Should -Be @('sq', 'n')
        }

        It 'converts another object inside a script property of the one being converted' {
            $probe = $Probe
            $outer = [pscustomobject]@{ x = 1 } |
                Add-Member -MemberType ScriptProperty -Name inner -Value { Invoke-MlFunction $probe keys -ArgumentList ([pscustomobject]@{ p = 1; q = 2 }) } -PassThru
            $outer | Add-Member -NotePropertyName y -NotePropertyValue 2
            $r = Invoke-MlFunction $Probe same -ArgumentList $outer
            $r.psobject.Properties.Name | Should -Be @('x', 'inner', 'y')
            $r.inner | Should -Be @('p', 'q')
        }

        It 'binds the fast read of PSCustomObject properties on this PowerShell (else every record pays for the public enumeration)' {
            $type = (Get-Module MlDb).ImplementingAssembly.GetType('MlDb.PowerShell.CustomObjectProperties', $true)
            $flags = [Reflection.BindingFlags]'Static,NonPublic'
            $type.GetField('OwnMembers', $flags).GetValue($null) | Should -Not -BeNullOrEmpty
            $type.GetField('TypeNamesOf', $flags).GetValue($null) | Should -Not -BeNullOrEmpty
        }

        It 'includes the properties that type data adds to a PSCustomObject''s type name' {
            $typeName = 'MlDb.Tests.Order' + [guid]::NewGuid().ToString('N')
            Update-TypeData -TypeName $typeName -MemberType ScriptProperty -MemberName total -Value { $this.qty * 2 }
            try {
                $order = [pscustomobject]@{ PSTypeName = $typeName; qty = 4 }
                $r = Invoke-MlFunction $Probe same -ArgumentList $order
                $r.psobject.Properties.Name | Should -Be @('qty', 'total')
                $r.total | Should -Be 8
                # Objects without that type name on the same thread keep only their own.
                (Invoke-MlFunction $Probe keys -ArgumentList ([pscustomobject]@{ qty = 1 })) | Should -Be @('qty')
            }
            finally {
                Remove-TypeData -TypeName $typeName
            }
        }

        It 'reports a cycle naming the path' {
            $h = @{ name = 'x'; inner = @{} }
            $h.inner.back = $h
            { Invoke-MlFunction $Probe same -ArgumentList $h } | Should -Throw -ErrorId 'MlDb.ConversionFailed,*' -ExpectedMessage '*$.inner.back*'
        }

        It 'refuses unknown .NET types naming the type' {
            { Invoke-MlFunction $Probe same -ArgumentList ([System.Text.StringBuilder]::new()) } | Should -Throw -ExpectedMessage '*StringBuilder*'
        }

        It 'bytes arrive as bytes' {
            Invoke-MlFunction $Probe bytesOf -ArgumentList (, [byte[]](1, 2, 3)) | Should -Be 3
        }
    }

    Context 'ML -> PowerShell golden table' {
        It 'objects become PSCustomObjects in ML key order, nested too, with exact types' {
            $r = Invoke-MlFunction $Probe nested
            $r | Should -BeOfType [pscustomobject]
            $r.psobject.Properties.Name | Should -Be @('b', 'a', 'd')
            $r.b | Should -BeOfType [long]
            $r.a.psobject.Properties.Name | Should -Be @('z', 'y')
            , $r.a.z | Should -BeOfType [object[]]
            $r.a.z[0] | Should -BeOfType [long]
            $r.a.z[1] | Should -BeOfType [double]
            $r.a.z[2] | Should -BeOfType [string]
            $r.a.z[3] | Should -BeNullOrEmpty
            $r.a.z[4] | Should -BeOfType [bool]
            $r.a.y | Should -BeOfType [decimal]
            $r.a.y.ToString([cultureinfo]::InvariantCulture) | Should -Be '19.90'
            $r.d | Should -BeOfType [datetime]
            $r.d.Kind | Should -Be 'Utc'
            $r.d | Should -Be ([datetimeoffset]'2024-05-01T10:30:00Z').UtcDateTime
        }

        It '-AsHashtable gives ordered dictionaries, nested too' {
            $r = Invoke-MlFunction $Probe nested -AsHashtable
            $r | Should -BeOfType [System.Collections.Specialized.OrderedDictionary]
            @($r.Keys) | Should -Be @('b', 'a', 'd')
            $r['a'] | Should -BeOfType [System.Collections.Specialized.OrderedDictionary]
        }

        It 'arrays are written to the pipeline one element at a time' {
            $items = @(Invoke-MlFunction $Probe many)
            $items | Should -Be @(1, 2, 3)
        }

        It 'a cyclic result is an error, not a hang' {
            { Invoke-MlFunction $Probe cyclic } | Should -Throw -ErrorId 'MlDb.ConversionFailed,*' -ExpectedMessage '*cyclic*'
        }

        It 'a function value cannot leave ML' {
            { Invoke-MlFunction $Probe withFunction } | Should -Throw -ErrorId 'MlDb.ConversionFailed,*' -ExpectedMessage '*$.f*'
        }

        It 'round-trips values unchanged' -ForEach @(
            @{ Value = [long]7 }, @{ Value = 2.5 }, @{ Value = 19.90d }, @{ Value = 'text' }, @{ Value = $true }
        ) {
            $back = Invoke-MlFunction $Probe same -ArgumentList $Value
            $back | Should -Be $Value
            $back.GetType() | Should -Be $Value.GetType()
        }
    }

    It 'works under Set-StrictMode -Version Latest' {
        Set-StrictMode -Version Latest
        (Invoke-MlFunction $Probe nested).a.y | Should -Be 19.9
    }
}
