using System.Collections;
using System.Collections.Specialized;
using System.Data;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using MlDb.Language.Runtime;

namespace MlDb.Language;

/// <summary>A .NET value that cannot become an ML value, or the reverse; <see cref="Path"/> names where.</summary>
public sealed class MlConversionException(string message, string path) : Exception(message)
{
    /// <summary>Where in the value the problem is, e.g. <c>$.users[3].email</c>.</summary>
    public string Path { get; } = path;

    /// <summary>True when the value is nested too deeply (a limit of spec §12, not an unsupported value).</summary>
    public bool IsDepthLimit { get; init; }
}

/// <summary>
/// Converts host (.NET) values to ML values (spec §13.1) and back (§13.2). Conversion copies:
/// later changes on one side never show on the other. Cycles are errors, not hangs. Hosts
/// teach it their own types by overriding <see cref="Unwrap"/>, <see cref="TryConvertScalar"/>
/// and <see cref="TryGetProperties"/> (PowerShell does for PSObject, the data layer for BSON).
/// </summary>
public class MlHostConverter
{
    public static MlHostConverter Default { get; } = new();

    private const int MaxDepth = MlJson.MaxDepth;

    // ---- host -> ML ----------------------------------------------------------------------

    /// <summary>Converts a .NET value to ML.</summary>
    /// <exception cref="MlConversionException">An unsupported type, a cycle, or repeated keys (the path says where).</exception>
    public MlValue ToMl(object? value)
    {
        var open = new HashSet<object>(ReferenceEqualityComparer.Instance);
        return Convert(value, open, "$", 0);
    }

    /// <summary>Replaces a wrapper by what it wraps (PowerShell's PSObject); default: the value itself.</summary>
    protected virtual object? Unwrap(object value) => value;

    /// <summary>Converts host-specific scalars (a BSON ObjectId, …); default: none.</summary>
    protected virtual bool TryConvertScalar(object value, out MlValue result)
    {
        result = default;
        return false;
    }

    /// <summary>Reads a property bag (a PSCustomObject) as ordered name/value pairs; default: none.</summary>
    protected virtual bool TryGetProperties(object value, out IEnumerable<KeyValuePair<string, object?>> properties)
    {
        properties = [];
        return false;
    }

    private MlValue Convert(object? value, HashSet<object> open, string path, int depth)
    {
        if (value is null || value is DBNull) return MlValue.Null;
        value = Unwrap(value);
        if (value is null || value is DBNull) return MlValue.Null;
        if (TryConvertScalar(value, out var custom)) return custom;

        switch (value)
        {
            case MlValue v: return v;
            case string s: return s;
            case bool b: return b;
            case int i: return MlValue.FromInt(i);
            case long l: return MlValue.FromInt(l);
            case double d: return MlValue.FromDouble(d);
            case decimal m: return MlValue.FromDecimal(m);
            case DateTime dt: return MlValue.FromDate(dt);
            case DateTimeOffset dto: return MlValue.FromDate(dto);
            case DateOnly date: return MlValue.FromDateTicks(date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc).Ticks);
            case byte[] bytes: return MlValue.FromBytes((byte[])bytes.Clone());
            case ReadOnlyMemory<byte> rom: return MlValue.FromBytes(rom.ToArray());
            case Memory<byte> mem: return MlValue.FromBytes(mem.ToArray());
            case short sh: return MlValue.FromInt(sh);
            case sbyte sb: return MlValue.FromInt(sb);
            case byte by: return MlValue.FromInt(by);
            case ushort us: return MlValue.FromInt(us);
            case uint ui: return MlValue.FromInt(ui);
            case ulong ul: return ul <= long.MaxValue ? MlValue.FromInt((long)ul) : MlValue.FromDecimal(ul);
            case BigInteger big:
                if (big >= long.MinValue && big <= long.MaxValue) return MlValue.FromInt((long)big);
                try { return MlValue.FromDecimal((decimal)big); }
                catch (OverflowException) { throw new MlConversionException($"The integer at {path} is too large for ML (more than 28 digits).", path); }
            case float f: return MlValue.FromDouble(f);
            case char c: return c.ToString();
            case Guid g: return g.ToString("D");
            case Enum e: return e.ToString();
            case TimeSpan ts: return ts.ToString("c", CultureInfo.InvariantCulture);
            case MlArray or MlObject:
                throw new MlConversionException($"The value at {path} is already an ML value inside a host value; pass MlValue instead.", path);
        }

        if (TryGetProperties(value, out var properties))
        {
            Enter(value, open, path, depth);
            var obj = new MlObject();
            foreach (var (key, item) in properties)
                AddMember(obj, key, Convert(item, open, path + "." + key, depth + 1), path);
            open.Remove(value);
            return obj;
        }

        switch (value)
        {
            case IDictionary dict:
                {
                    Enter(value, open, path, depth);
                    var obj = new MlObject();
                    foreach (DictionaryEntry entry in dict)
                    {
                        string key = KeyText(entry.Key, path);
                        AddMember(obj, key, Convert(entry.Value, open, path + "." + key, depth + 1), path);
                    }
                    open.Remove(value);
                    return obj;
                }
            case DataRow row:
                {
                    Enter(value, open, path, depth);
                    var obj = new MlObject();
                    foreach (DataColumn column in row.Table.Columns)
                        AddMember(obj, column.ColumnName, Convert(row[column], open, path + "." + column.ColumnName, depth + 1), path);
                    open.Remove(value);
                    return obj;
                }
            case IEnumerable sequence:
                {
                    Enter(value, open, path, depth);
                    var array = new MlArray();
                    int i = 0;
                    foreach (var item in sequence)
                    {
                        array.Add(Convert(item, open, path + "[" + i.ToString(CultureInfo.InvariantCulture) + "]", depth + 1));
                        i++;
                    }
                    open.Remove(value);
                    return array;
                }
        }

        throw new MlConversionException($"The value at {path} has the .NET type {value.GetType().FullName}, which has no ML equivalent.", path);
    }

    private static void Enter(object container, HashSet<object> open, string path, int depth)
    {
        if (depth >= MaxDepth)
            throw new MlConversionException($"The value at {path} is nested more than {MaxDepth} levels deep.", path) { IsDepthLimit = true };
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
            throw new MlConversionException($"The value at {path} is nested too deeply to convert.", path) { IsDepthLimit = true };
        if (!open.Add(container))
            throw new MlConversionException($"The value at {path} contains itself (a cyclic structure cannot be converted).", path);
    }

    private static string KeyText(object key, string path) =>
        key switch
        {
            string s => s,
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => key.ToString() ?? throw new MlConversionException($"A key at {path} has no text form.", path),
        };

    private static void AddMember(MlObject obj, string key, MlValue value, string path)
    {
        if (obj.ContainsKey(key))
            throw new MlConversionException($"The object at {path} has the key '{key}' more than once after conversion to text.", path);
        obj.SetFromData(key, value);
    }

    // ---- ML -> host ----------------------------------------------------------------------

    /// <summary>
    /// Converts an ML value to .NET: null, bool, long, double, decimal, string, DateTime (UTC),
    /// byte[], object[] and OrderedDictionary (keys in insertion order).
    /// </summary>
    /// <exception cref="MlConversionException">A function or opaque value, or a cycle.</exception>
    public object? ToHost(MlValue value)
    {
        var open = new HashSet<object>(ReferenceEqualityComparer.Instance);
        return ToHost(value, open, "$", 0);
    }

    private object? ToHost(MlValue value, HashSet<object> open, string path, int depth)
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
                    EnterMl(array, open, path, depth);
                    var result = new object?[array.Count];
                    for (int i = 0; i < result.Length; i++)
                        result[i] = ToHost(array[i], open, path + "[" + i.ToString(CultureInfo.InvariantCulture) + "]", depth + 1);
                    open.Remove(array);
                    return result;
                }
            case MlKind.Object:
                {
                    var obj = value.AsObject;
                    EnterMl(obj, open, path, depth);
                    var result = new OrderedDictionary(obj.Count, StringComparer.Ordinal);
                    for (int i = 0; i < obj.Count; i++)
                    {
                        string key = obj.KeyAt(i);
                        result.Add(key, ToHost(obj.ValueAt(i), open, path + "." + key, depth + 1));
                    }
                    open.Remove(obj);
                    return result;
                }
            case MlKind.Function:
                throw new MlConversionException($"The value at {path} is a function ({value.AsFunction.Name}); functions cannot cross the host boundary.", path);
            default:
                throw new MlConversionException($"The value at {path} is a {value.TypeName}, which cannot cross the host boundary.", path);
        }
    }

    private static void EnterMl(object container, HashSet<object> open, string path, int depth)
    {
        if (depth >= MaxDepth || !RuntimeHelpers.TryEnsureSufficientExecutionStack())
            throw new MlConversionException($"The value at {path} is nested more than {MaxDepth} levels deep.", path) { IsDepthLimit = true };
        if (!open.Add(container))
            throw new MlConversionException($"The value at {path} is cyclic (it contains itself).", path);
    }
}
