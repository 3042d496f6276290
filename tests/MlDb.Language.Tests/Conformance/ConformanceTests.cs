using System.Text.Json;
using Xunit;

namespace MlDb.Language.Tests.Conformance;

/// <summary>
/// Runs every program of ../shared/conformance (one test per case, read at test time) with the
/// limits its README sets, and compares the result with the expected JSON value or error text.
/// </summary>
public sealed class ConformanceTests
{
    private static readonly MlCallOptions CorpusLimits = new()
    {
        MaxSteps = 10_000_000,
        Timeout = TimeSpan.FromSeconds(60),
        MaxCollectionSize = 1_000_000,
        MaxStringLength = 16_777_216,
    };

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(TestPaths.Conformance, "*.ml").Order(StringComparer.Ordinal))
            data.Add(Path.GetFileNameWithoutExtension(file));
        return data;
    }

    [Fact]
    public void EveryCaseHasExactlyOneExpectation()
    {
        var problems = new List<string>();
        var files = Directory.GetFiles(TestPaths.Conformance).Select(Path.GetFileName).ToHashSet(StringComparer.Ordinal);
        foreach (var ml in files.Where(f => f!.EndsWith(".ml", StringComparison.Ordinal)))
        {
            string stem = ml![..^3];
            bool json = files.Contains(stem + ".expected.json");
            bool error = files.Contains(stem + ".expected-error.txt");
            if (json == error) problems.Add($"{stem}: needs exactly one of .expected.json / .expected-error.txt");
        }
        foreach (var f in files.Where(f => f!.Contains(".expected", StringComparison.Ordinal)))
        {
            string stem = f![..f!.IndexOf(".expected", StringComparison.Ordinal)];
            if (!files.Contains(stem + ".ml")) problems.Add($"{f}: expectation without a program");
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.True(files.Count(f => f!.EndsWith(".ml", StringComparison.Ordinal)) >= 80, "the corpus looks incomplete");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Case(string name)
    {
        string dir = TestPaths.Conformance;
        string source = File.ReadAllText(Path.Combine(dir, name + ".ml"));
        string jsonPath = Path.Combine(dir, name + ".expected.json");
        string errorPath = Path.Combine(dir, name + ".expected-error.txt");
        bool expectError = File.Exists(errorPath);
        Assert.True(expectError != File.Exists(jsonPath), $"{name}: needs exactly one expectation file");

        MlValue result;
        try
        {
            var script = MlScript.Compile(source, name + ".ml", CorpusLimits);
            result = script.Call("main", ReadOnlySpan<MlValue>.Empty, CorpusLimits);
        }
        catch (MlScriptException e) when (expectError)
        {
            string fragment = File.ReadAllText(errorPath).Trim();
            Assert.True(e.Report.Contains(fragment, StringComparison.Ordinal),
                $"{name}: expected the error report to contain \"{fragment}\" but it was:\n{e.Report}");
            return;
        }
        catch (MlScriptException e)
        {
            Assert.Fail($"{name}: unexpected error:\n{e.Report}");
            return;
        }
        Assert.False(expectError, $"{name}: expected an error containing \"{(expectError ? File.ReadAllText(errorPath).Trim() : "")}\" but main() returned {MlFormat.Str(result)}");

        using var expected = JsonDocument.Parse(File.ReadAllText(jsonPath));
        var mismatch = Compare(expected.RootElement, result, "$");
        Assert.True(mismatch is null, $"{name}: {mismatch}\nactual: {MlJson.Stringify(result, "  ")}");
    }

    /// <summary>Structural comparison under the corpus rules (ints vs doubles by the literal's form; key order counts).</summary>
    internal static string? Compare(JsonElement expected, MlValue actual, string path)
    {
        switch (expected.ValueKind)
        {
            case JsonValueKind.Null:
                return actual.IsNull ? null : $"{path}: expected null, got {Describe(actual)}";
            case JsonValueKind.True:
            case JsonValueKind.False:
                return actual.IsBool && actual.AsBool == (expected.ValueKind == JsonValueKind.True) ? null : $"{path}: expected {expected.GetRawText()}, got {Describe(actual)}";
            case JsonValueKind.String:
                return actual.IsString && actual.AsString == expected.GetString() ? null : $"{path}: expected {expected.GetRawText()}, got {Describe(actual)}";
            case JsonValueKind.Number:
                {
                    string raw = expected.GetRawText();
                    bool isDouble = raw.IndexOfAny(['.', 'e', 'E']) >= 0;
                    if (isDouble)
                        return actual.IsDouble && actual.AsDouble.Equals(expected.GetDouble()) ? null : $"{path}: expected double {raw}, got {Describe(actual)}";
                    return actual.IsInt && actual.AsInt == expected.GetInt64() ? null : $"{path}: expected int {raw}, got {Describe(actual)}";
                }
            case JsonValueKind.Array:
                {
                    if (!actual.IsArray) return $"{path}: expected an array, got {Describe(actual)}";
                    var items = expected.EnumerateArray().ToArray();
                    var array = actual.AsArray;
                    if (items.Length != array.Count) return $"{path}: expected {items.Length} elements, got {array.Count}";
                    for (int i = 0; i < items.Length; i++)
                    {
                        var m = Compare(items[i], array[i], $"{path}[{i}]");
                        if (m is not null) return m;
                    }
                    return null;
                }
            case JsonValueKind.Object:
                {
                    if (!actual.IsObject) return $"{path}: expected an object, got {Describe(actual)}";
                    var props = expected.EnumerateObject().ToArray();
                    var obj = actual.AsObject;
                    if (props.Length != obj.Count) return $"{path}: expected keys [{string.Join(", ", props.Select(p => p.Name))}], got [{string.Join(", ", obj.Keys)}]";
                    for (int i = 0; i < props.Length; i++)
                    {
                        if (obj.KeyAt(i) != props[i].Name) return $"{path}: key #{i} expected '{props[i].Name}', got '{obj.KeyAt(i)}'";
                        var m = Compare(props[i].Value, obj.ValueAt(i), $"{path}.{props[i].Name}");
                        if (m is not null) return m;
                    }
                    return null;
                }
            default:
                return $"{path}: unsupported expectation {expected.ValueKind}";
        }
    }

    private static string Describe(MlValue v) => v.TypeName + " " + (v.IsString ? MlJson.QuoteString(v.AsString) : MlFormat.Str(v));
}
