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

    /// <summary>True when the copy would be far larger than the value, because the value shares its parts (a limit, not an unsupported value).</summary>
    public bool IsSizeLimit { get; init; }
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
        return Convert(value, open, PathNode.Root, null, -1, 0);
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

    /// <summary>
    /// Where a value sits in the host graph. Built once per container, and turned into text
    /// (<c>$.users[3].email</c>) only when something has to be reported.
    /// </summary>
    private sealed class PathNode(PathNode? parent, string? key, int index)
    {
        public static readonly PathNode Root = new(null, null, -1);

        private readonly PathNode? _parent = parent;
        private readonly string? _key = key;
        private readonly int _index = index;

        /// <summary>The node of a child container; the top-level value itself is the root.</summary>
        public PathNode Child(string? childKey, int childIndex) => childKey is null && childIndex < 0 ? this : new(this, childKey, childIndex);

        public string Describe(string? childKey = null, int childIndex = -1)
        {
            var parts = new List<string>();
            if (childKey is not null) parts.Add("." + childKey);
            else if (childIndex >= 0) parts.Add("[" + childIndex.ToString(CultureInfo.InvariantCulture) + "]");
            for (var n = this; n._parent is not null; n = n._parent)
                parts.Add(n._key is not null ? "." + n._key : "[" + n._index.ToString(CultureInfo.InvariantCulture) + "]");
            parts.Reverse();
            return "$" + string.Concat(parts);
        }
    }

    // Rows converted one after another on a thread usually have the same keys: they then share
    // one object shape, which keeps member reads in scripts on their cached fast path.
    [ThreadStatic] private static ObjectShape? t_lastShape;

    private static MlObject ShareShape(MlObject obj)
    {
        var shape = obj._shape;
        var last = t_lastShape;
        if (last is not null && last.Count == shape.Count)
        {
            bool same = true;
            for (int i = 0; i < shape.Count && same; i++) same = string.Equals(last.Keys[i], shape.Keys[i]);
            if (same)
            {
                obj._shape = last;
                return obj;
            }
        }
        if (shape.Count == 0 || shape.Count > ObjectShape.MaxSharedKeys) return obj;
        var shared = ObjectShape.CreateShared(new ArraySegment<string>(shape.Keys, 0, shape.Count));
        if (shared is not null)
        {
            obj._shape = shared;
            t_lastShape = shared;
        }
        return obj;
    }

    private MlValue Convert(object? value, HashSet<object> open, PathNode parent, string? key, int index, int depth)
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
                catch (OverflowException)
                {
                    string p = parent.Describe(key, index);
                    throw new MlConversionException($"The integer at {p} is too large for ML (more than 28 digits).", p);
                }
            case float f: return MlValue.FromDouble(f);
            case char c: return c.ToString();
            case Guid g: return g.ToString("D");
            case Enum e: return e.ToString();
            case TimeSpan ts: return ts.ToString("c", CultureInfo.InvariantCulture);
            case MlArray or MlObject:
                {
                    string p = parent.Describe(key, index);
                    throw new MlConversionException($"The value at {p} is already an ML value inside a host value; pass MlValue instead.", p);
                }
        }

        if (TryGetProperties(value, out var properties))
        {
            var here = parent.Child(key, index);
            Enter(value, open, here, depth);
            var obj = new MlObject(4);
            foreach (var (name, item) in properties)
                AddMember(obj, name, Convert(item, open, here, name, -1, depth + 1), here);
            open.Remove(value);
            return ShareShape(obj);
        }

        switch (value)
        {
            case IDictionary dict:
                {
                    var here = parent.Child(key, index);
                    Enter(value, open, here, depth);
                    var obj = new MlObject(Math.Max(dict.Count, 1));
                    foreach (DictionaryEntry entry in dict)
                    {
                        string name = KeyText(entry.Key, here);
                        AddMember(obj, name, Convert(entry.Value, open, here, name, -1, depth + 1), here);
                    }
                    open.Remove(value);
                    return ShareShape(obj);
                }
            case DataRow row:
                {
                    var here = parent.Child(key, index);
                    Enter(value, open, here, depth);
                    var obj = new MlObject(Math.Max(row.Table.Columns.Count, 1));
                    foreach (DataColumn column in row.Table.Columns)
                        AddMember(obj, column.ColumnName, Convert(row[column], open, here, column.ColumnName, -1, depth + 1), here);
                    open.Remove(value);
                    return ShareShape(obj);
                }
            case IEnumerable sequence:
                {
                    var here = parent.Child(key, index);
                    Enter(value, open, here, depth);
                    var array = value is ICollection collection ? new MlArray(collection.Count) : new MlArray();
                    int i = 0;
                    foreach (var item in sequence)
                    {
                        array.Add(Convert(item, open, here, null, i, depth + 1));
                        i++;
                    }
                    open.Remove(value);
                    return array;
                }
        }

        {
            string p = parent.Describe(key, index);
            throw new MlConversionException($"The value at {p} has the .NET type {value.GetType().FullName}, which has no ML equivalent.", p);
        }
    }

    private static void Enter(object container, HashSet<object> open, PathNode here, int depth)
    {
        if (depth >= MaxDepth)
        {
            string path = here.Describe();
            throw new MlConversionException($"The value at {path} is nested more than {MaxDepth} levels deep.", path) { IsDepthLimit = true };
        }
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            string path = here.Describe();
            throw new MlConversionException($"The value at {path} is nested too deeply to convert.", path) { IsDepthLimit = true };
        }
        if (!open.Add(container))
        {
            string path = here.Describe();
            throw new MlConversionException($"The value at {path} contains itself (a cyclic structure cannot be converted).", path);
        }
    }

    private static string KeyText(object key, PathNode here) =>
        key switch
        {
            string s => s,
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => key.ToString() ?? throw new MlConversionException($"A key at {here.Describe()} has no text form.", here.Describe()),
        };

    private static void AddMember(MlObject obj, string key, MlValue value, PathNode here)
    {
        if (obj.ContainsKey(key))
        {
            string path = here.Describe();
            throw new MlConversionException($"The object at {path} has the key '{key}' more than once after conversion to text.", path);
        }
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
        var conversion = new HostConversion(value);
        return ToHost(value, conversion, PathNode.Root, null, -1, 0);
    }

    /// <summary>
    /// The state of one ML → host conversion: the containers being converted (to find cycles), and
    /// how many values it has made. Shared sub-values are converted once per occurrence (spec
    /// §13.2), so a value that shares a lot (<c>a = [a, a]</c> forty times) would become a host
    /// copy of terabytes: past a million values made, they are compared with the distinct values
    /// of the ML value, and a copy more than <see cref="MaxExpansion"/> times larger is refused.
    /// </summary>
    private sealed class HostConversion(MlValue root)
    {
        public const int MaxExpansion = 64;
        public readonly HashSet<object> Open = new(ReferenceEqualityComparer.Instance);
        private long _made;
        private long _nextCheck = 1_000_000;

        public void Made(PathNode here)
        {
            if (++_made < _nextCheck) return;
            long distinct = RetainedSize.CountDistinctValues(root);
            if (_made > MaxExpansion * distinct)
            {
                string path = here.Describe();
                throw new MlConversionException(
                    $"The value shares its parts so often that its copy would hold more than {_made:N0} values (it has {distinct:N0} distinct ones; stopped at {path}): return fewer repeated references.", path)
                { IsSizeLimit = true };
            }
            _nextCheck = _made * 2;
        }

    }

    /// <summary>A new, empty host object for an ML object with <paramref name="count"/> keys; default: an OrderedDictionary.</summary>
    protected virtual object NewHostObject(int count) => new OrderedDictionary(count, StringComparer.Ordinal);

    /// <summary>
    /// Adds one converted member to a host object made by <see cref="NewHostObject"/>. Returns null,
    /// or why the member cannot be added (the caller reports it with the path).
    /// </summary>
    protected virtual string? AddHostMember(object hostObject, string key, object? value)
    {
        ((OrderedDictionary)hostObject).Add(key, value);
        return null;
    }

    private object? ToHost(MlValue value, HostConversion conversion, PathNode parent, string? key, int index, int depth)
    {
        conversion.Made(parent);
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
                    var here = parent.Child(key, index);
                    EnterMl(array, conversion.Open, here, depth);
                    var result = new object?[array.Count];
                    for (int i = 0; i < result.Length; i++) result[i] = ToHost(array[i], conversion, here, null, i, depth + 1);
                    conversion.Open.Remove(array);
                    return result;
                }
            case MlKind.Object:
                {
                    var obj = value.AsObject;
                    var here = parent.Child(key, index);
                    EnterMl(obj, conversion.Open, here, depth);
                    var result = NewHostObject(obj.Count);
                    for (int i = 0; i < obj.Count; i++)
                    {
                        string name = obj.KeyAt(i);
                        var problem = AddHostMember(result, name, ToHost(obj.ValueAt(i), conversion, here, name, -1, depth + 1));
                        if (problem is not null)
                        {
                            string path = here.Describe();
                            throw new MlConversionException($"The object at {path} {problem}", path);
                        }
                    }
                    conversion.Open.Remove(obj);
                    return result;
                }
            case MlKind.Function:
                {
                    string path = parent.Describe(key, index);
                    throw new MlConversionException($"The value at {path} is a function ({value.AsFunction.Name}); functions cannot cross the host boundary.", path);
                }
            default:
                {
                    string path = parent.Describe(key, index);
                    throw new MlConversionException($"The value at {path} is a {value.TypeName}, which cannot cross the host boundary.", path);
                }
        }
    }

    private static void EnterMl(object container, HashSet<object> open, PathNode here, int depth)
    {
        if (depth >= MaxDepth || !RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            string path = here.Describe();
            throw new MlConversionException($"The value at {path} is nested more than {MaxDepth} levels deep.", path) { IsDepthLimit = true };
        }
        if (!open.Add(container))
        {
            string path = here.Describe();
            throw new MlConversionException($"The value at {path} is cyclic (it contains itself).", path);
        }
    }
}
