using System.Collections.Specialized;
using System.Globalization;

namespace MlDb.Language.Tests;

/// <summary>Builds ML values tersely and asserts on them exactly (kinds included).</summary>
internal static class V
{
    public static MlValue O(params (string Key, MlValue Value)[] members)
    {
        var o = new MlObject();
        foreach (var (k, v) in members) o.Set(k, v);
        return o;
    }

    public static MlValue A(params MlValue[] items) => MlArray.FromValues(items);

    public static MlValue Int(long v) => MlValue.FromInt(v);

    public static MlValue Dbl(double v) => MlValue.FromDouble(v);

    public static MlValue Dec(string text) => MlValue.FromDecimal(decimal.Parse(text, CultureInfo.InvariantCulture));

    public static MlValue Date(string iso) =>
        MlValue.FromDate(DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture));

    public static MlValue Get(this MlValue v, string key)
    {
        Assert.True(v.IsObject, $"expected an object, got {v.TypeName} {v}");
        Assert.True(v.AsObject.ContainsKey(key), $"missing key '{key}' in {Json(v)}");
        return v.AsObject.Get(key);
    }

    public static MlValue At(this MlValue v, int index)
    {
        Assert.True(v.IsArray, $"expected an array, got {v.TypeName} {v}");
        return v.AsArray[index];
    }

    /// <summary>Compact JSON (spec §8.1): ints print as digits, doubles always with a fraction or exponent, decimals with their scale.</summary>
    public static string Json(MlValue v) => MlJson.Stringify(v, null) ?? "<function>";

    /// <summary>The whole value, every field, in order and with numeric kinds visible (1 vs 1.0).</summary>
    public static void AssertJson(string expected, MlValue actual) => Assert.Equal(expected, Json(actual));

    public static void AssertInt(long expected, MlValue actual)
    {
        Assert.True(actual.IsInt, $"expected int {expected}, got {actual.TypeName} {actual}");
        Assert.Equal(expected, actual.AsInt);
    }

    /// <summary>A double, bit for bit (so 22.000000000000004 is not 22.0).</summary>
    public static void AssertDouble(double expected, MlValue actual)
    {
        Assert.True(actual.IsDouble, $"expected double {expected:R}, got {actual.TypeName} {actual}");
        Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(actual.AsDouble));
    }

    public static void AssertDecimal(string expected, MlValue actual)
    {
        Assert.True(actual.IsDecimal, $"expected decimal {expected}, got {actual.TypeName} {actual}");
        Assert.Equal(expected, MlFormat.Decimal(actual.AsDecimal));
    }

    public static void AssertString(string expected, MlValue actual)
    {
        Assert.True(actual.IsString, $"expected string \"{expected}\", got {actual.TypeName} {actual}");
        Assert.Equal(expected, actual.AsString);
    }

    public static void AssertKeys(MlValue obj, params string[] keys)
    {
        Assert.True(obj.IsObject, $"expected an object, got {obj.TypeName}");
        Assert.Equal(keys, obj.AsObject.Keys);
    }

    /// <summary>Keys of a host result, in order.</summary>
    public static string[] HostKeys(object? host)
    {
        var d = Assert.IsType<OrderedDictionary>(host);
        return d.Keys.Cast<string>().ToArray();
    }

    public static OrderedDictionary Dict(object? host) => Assert.IsType<OrderedDictionary>(host);

    /// <summary>Builds an OrderedDictionary the way a host (PowerShell, a data reader) would pass a row.</summary>
    public static OrderedDictionary Row(params (string Key, object? Value)[] members)
    {
        var d = new OrderedDictionary(StringComparer.Ordinal);
        foreach (var (k, v) in members) d.Add(k, v);
        return d;
    }
}

/// <summary>A clock that always says the same instant, so <c>new Date()</c> is reproducible.</summary>
internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public static FixedClock At(string iso) => new(DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture));

    public override DateTimeOffset GetUtcNow() => Now;
}

/// <summary>Collects print / console.* output per level.</summary>
internal sealed class OutputSink
{
    private readonly List<(MlOutputLevel Level, string Text)> _lines = [];

    public Action<MlOutputLevel, string> Write => (level, text) =>
    {
        lock (_lines) _lines.Add((level, text));
    };

    public IReadOnlyList<(MlOutputLevel Level, string Text)> Lines
    {
        get { lock (_lines) return _lines.ToArray(); }
    }

    public IReadOnlyList<string> Texts => Lines.Select(l => l.Text).ToArray();
}

internal static class Scripts
{
    /// <summary>Compiles one of ../shared/seed/ml in place (the seed is read, never copied).</summary>
    public static MlScript Seed(string fileName) =>
        MlScript.Compile(File.ReadAllText(Path.Combine(TestPaths.SeedMl, fileName)), fileName);

    /// <summary>The 1-based line and column of the first occurrence of <paramref name="text"/> in a seed file.</summary>
    public static (int Line, int Column) SeedPosition(string fileName, string text)
    {
        var lines = File.ReadAllText(Path.Combine(TestPaths.SeedMl, fileName)).Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            int at = lines[i].IndexOf(text, StringComparison.Ordinal);
            if (at >= 0) return (i + 1, at + 1);
        }
        throw new Xunit.Sdk.XunitException($"'{text}' does not occur in {fileName}");
    }

    /// <summary>Runs <paramref name="action"/> and returns the <see cref="MlScriptException"/> it must throw.</summary>
    public static MlScriptException Fails(Action action) => Assert.Throws<MlScriptException>(action);

    public static MlScriptException Fails(Func<object?> action) => Assert.Throws<MlScriptException>(() => { action(); });

    public static MlScriptException CompileFails(string source, string fileName = "test.ml") =>
        Assert.Throws<MlScriptException>(() => MlScript.Compile(source, fileName));
}
