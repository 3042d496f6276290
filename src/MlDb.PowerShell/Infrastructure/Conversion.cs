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

    public static object? ToPowerShell(MlValue value, bool asHashtable)
    {
        var open = new HashSet<object>(ReferenceEqualityComparer.Instance);
        return Convert(value, asHashtable, open, "$", 0);
    }

    private static object? Convert(MlValue value, bool asHashtable, HashSet<object> open, string path, int depth)
    {
        switch (value.Kind)
        {
            case MlKind.Null: return null;
            case MlKind.Boolean: return value.AsBool;
            case MlKind.Int: return value.AsInt;
            case MlKind.Double: return value.AsDouble;
            case MlKind.Decimal: return value.AsDecimal;
            case MlKind.String: return value.AsString;
            case MlKind.Date: return value.AsDateTime;
            case MlKind.Bytes: return (byte[])value.AsBytes.Clone();
            case MlKind.Array:
                {
                    var array = value.AsArray;
                    Enter(array, open, path, depth);
                    var result = new object?[array.Count];
                    for (int i = 0; i < result.Length; i++) result[i] = Convert(array[i], asHashtable, open, $"{path}[{i}]", depth + 1);
                    open.Remove(array);
                    return result;
                }
            case MlKind.Object:
                {
                    var obj = value.AsObject;
                    Enter(obj, open, path, depth);
                    object result;
                    if (asHashtable)
                    {
                        var dict = new OrderedDictionary(obj.Count);
                        for (int i = 0; i < obj.Count; i++) dict.Add(obj.KeyAt(i), Convert(obj.ValueAt(i), asHashtable, open, path + "." + obj.KeyAt(i), depth + 1));
                        result = dict;
                    }
                    else
                    {
                        var pso = new PSObject();
                        for (int i = 0; i < obj.Count; i++)
                        {
                            string key = obj.KeyAt(i);
                            if (pso.Properties[key] is not null)
                                throw new MlConversionException($"The object at {path} has the keys '{pso.Properties[key].Name}' and '{key}', which PowerShell properties cannot tell apart (they ignore case); use -AsHashtable.", path);
                            pso.Properties.Add(new PSNoteProperty(key, Convert(obj.ValueAt(i), asHashtable, open, path + "." + key, depth + 1)));
                        }
                        result = pso;
                    }
                    open.Remove(obj);
                    return result;
                }
            case MlKind.Function:
                throw new MlConversionException($"The value at {path} is a function ({value.AsFunction.Name}); functions cannot leave ML.", path);
            default:
                throw new MlConversionException($"The value at {path} is a {value.TypeName}, which cannot leave ML.", path);
        }
    }

    private static void Enter(object container, HashSet<object> open, string path, int depth)
    {
        if (depth >= MaxDepth) throw new MlConversionException($"The value at {path} is nested more than {MaxDepth} levels deep.", path);
        if (!open.Add(container)) throw new MlConversionException($"The value at {path} is cyclic (it contains itself).", path);
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
        for (int i = 0; i < values.Length; i++) pso.Properties.Add(new PSNoteProperty(names[i], values[i] is IDictionary or object?[] ? FromHostData(values[i]) : values[i]));
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
                        if (pso.Properties[key] is null) pso.Properties.Add(new PSNoteProperty(key, FromHostData(entry.Value, depth + 1)));
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
