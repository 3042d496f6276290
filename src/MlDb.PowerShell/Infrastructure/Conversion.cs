using System.Collections;
using System.Collections.Specialized;
using System.Management.Automation;
using MlDb.Data;
using MlDb.Language;

namespace MlDb.PowerShell;

/// <summary>
/// PowerShell → ML (spec §13.1 with PowerShell's wrappers): a PSObject is unwrapped to what it
/// wraps; a PSCustomObject is read through its properties in order; switches are booleans.
/// Everything else (dictionaries with key order, lists, numbers, dates, cycles as errors naming
/// the path) is the engine's own conversion.
/// </summary>
internal sealed class PowerShellToMlConverter : MlHostConverter
{
    public static PowerShellToMlConverter Instance { get; } = new();

    protected override object? Unwrap(object value)
    {
        while (value is PSObject pso)
        {
            var inner = pso.BaseObject;
            if (inner is PSCustomObject) return pso;
            if (inner is null) return null;
            value = inner;
        }
        return value;
    }

    protected override bool TryConvertScalar(object value, out MlValue result)
    {
        if (value is SwitchParameter sw)
        {
            result = MlValue.FromBool(sw.IsPresent);
            return true;
        }
        result = default;
        return false;
    }

    protected override bool TryGetProperties(object value, out IEnumerable<KeyValuePair<string, object?>> properties)
    {
        if (value is PSObject { BaseObject: PSCustomObject } pso)
        {
            properties = Properties(pso);
            return true;
        }
        properties = [];
        return false;
    }

    private static IEnumerable<KeyValuePair<string, object?>> Properties(PSObject pso)
    {
        foreach (var property in pso.Properties)
        {
            if (!property.IsGettable) continue;
            yield return new KeyValuePair<string, object?>(property.Name, property.Value);
        }
    }
}

/// <summary>
/// ML values and reader rows → what PowerShell writes: objects become PSCustomObject with
/// properties in ML key order (nested too), arrays object[], ints long, doubles double, decimals
/// decimal, dates DateTime (UTC), bytes byte[], null $null; with <c>asHashtable</c> objects
/// become ordered dictionaries instead.
/// </summary>
internal static class Materializer
{
    private const int MaxDepth = 1000;

    private static readonly PowerShellObjectBuilder AsObjects = new();

    public static object? ToPowerShell(MlValue value, bool asHashtable) =>
        asHashtable ? MlHostConverter.Default.ToHost(value) : AsObjects.ToHost(value);

    /// <summary>The engine's ML → host conversion, with objects built as PSCustomObject.</summary>
    private sealed class PowerShellObjectBuilder : MlHostConverter
    {
        protected override object NewHostObject(int count) => new PSObject();

        protected override string? AddHostMember(object hostObject, string key, object? value)
        {
            var pso = (PSObject)hostObject;
            if (pso.Properties[key] is { } existing)
                return $"has the keys '{existing.Name}' and '{key}', which PowerShell properties cannot tell apart (they ignore case); use -AsHashtable.";
            pso.Properties.Add(new PSNoteProperty(key, NestedDisplay.Mark(value)));
            return null;
        }
    }

    /// <summary>A row read without ML: one property per column, in column order.</summary>
    public static object FromRow(SqlRow row, bool asHashtable)
    {
        var names = row.Columns.Names;
        var values = row.Values;
        if (asHashtable)
        {
            var dict = new OrderedDictionary(values.Length);
            for (int i = 0; i < values.Length; i++) dict.Add(names[i], values[i]);
            return dict;
        }
        var pso = new PSObject();
        // json/jsonb and array columns arrive as host containers (OrderedDictionary, object[]): PSCustomObject inside too.
        for (int i = 0; i < values.Length; i++) pso.Properties.Add(new PSNoteProperty(names[i], values[i] is IDictionary or object?[] ? NestedDisplay.Mark(FromHostData(values[i], 1)) : values[i]));
        return pso;
    }

    /// <summary>Host data of spec §13.2 (OrderedDictionary, object[]) → PSCustomObject / object[] (for thrown data).</summary>
    public static object? FromHostData(object? value, int depth = 0)
    {
        if (depth > MaxDepth) return value;
        switch (value)
        {
            case IDictionary dict:
                {
                    var pso = new PSObject();
                    foreach (DictionaryEntry entry in dict)
                    {
                        string key = entry.Key.ToString() ?? "";
                        if (pso.Properties[key] is null) pso.Properties.Add(new PSNoteProperty(key, NestedDisplay.Mark(FromHostData(entry.Value, depth + 1))));
                    }
                    return pso;
                }
            case object?[] array:
                {
                    var result = new object?[array.Length];
                    for (int i = 0; i < array.Length; i++) result[i] = FromHostData(array[i], depth + 1);
                    return result;
                }
            default:
                return value;
        }
    }
}
