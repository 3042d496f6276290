using System.Collections;
using System.Collections.Specialized;
using System.Data;
using System.Globalization;
using System.Numerics;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
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

    // Whether a subclass overrides the host-to-ML hooks; the base converter then skips the calls.
    private readonly bool _hooks;

    public MlHostConverter()
    {
        const BindingFlags Flags = BindingFlags.Instance | BindingFlags.NonPublic;
        var type = GetType();
        _hooks = type != typeof(MlHostConverter) && (
            type.GetMethod(nameof(Unwrap), Flags)!.DeclaringType != typeof(MlHostConverter) ||
            type.GetMethod(nameof(TryConvertScalar), Flags)!.DeclaringType != typeof(MlHostConverter) ||
            type.GetMethod(nameof(TryGetProperties), Flags)!.DeclaringType != typeof(MlHostConverter));
    }

    private const int MaxDepth = MlJson.MaxDepth;

    // ---- host -> ML ----------------------------------------------------------------------

    /// <summary>Converts a .NET value to ML.</summary>
    /// <exception cref="MlConversionException">An unsupported type, a cycle, or repeated keys (the path says where).</exception>
    public MlValue ToMl(object? value)
    {
        var walk = HostWalk.Rent();
        try
        {
            return Convert(value, walk, 0, null, -1);
        }
        finally
        {
            HostWalk.Return(walk);
        }
    }

    /// <summary>
    /// Replaces a wrapper by what it wraps (PowerShell's PSObject); default: the value itself. Like
    /// <see cref="TryConvertScalar"/>, asked only about values that are not a string, long, int,
    /// double, bool, decimal or DateTime (those are never wrappers nor host-specific).
    /// </summary>
    protected virtual object? Unwrap(object value) => value;

    /// <summary>Converts host-specific scalars (a BSON ObjectId, …); default: none.</summary>
    protected virtual bool TryConvertScalar(object value, out MlValue result)
    {
        result = default;
        return false;
    }

    /// <summary>
    /// Reads a property bag (a PSCustomObject) as ordered name/value pairs; default: none. An array
    /// of pairs is read without an enumerator, and its length sizes the object.
    /// </summary>
    protected virtual bool TryGetProperties(object value, out IEnumerable<KeyValuePair<string, object?>> properties)
    {
        properties = [];
        return false;
    }

    /// <summary>
    /// Where a path through the host graph is, and what the converter keeps between values: the
    /// containers open along the path (a container met again among them is a cycle), how each was
    /// reached (turned into text such as <c>$.users[3].email</c> only when something is reported),
    /// and the shapes of recently built objects, so that rows with the same keys in the same order
    /// share one shape (filling slots instead of adding keys, and keeping member reads in scripts
    /// on their cached path). One per thread, reused by every conversion on it.
    /// </summary>
    private sealed class HostWalk
    {
        private const int ShapeDepths = 8;
        private const int ShapesPerDepth = 4;

        [ThreadStatic] private static HostWalk? t_cached;

        private const int MaxExpansion = 64;

        private object?[] _open = new object?[8];
        private MlValue _root;
        private long _made;
        private long _nextCheck = long.MaxValue;
        private string?[] _keys = new string?[8];
        private int[] _indexes = new int[8];
        private int _deepest;
        // Recently used shapes by nesting depth, most recent first.
        private readonly ObjectShape?[] _shapes = new ObjectShape?[ShapeDepths * ShapesPerDepth];

        public static HostWalk Rent()
        {
            var walk = t_cached;
            if (walk is null) return new HostWalk();
            t_cached = null; // a conversion started from inside this one (a PowerShell script property) gets its own
            return walk;
        }

        /// <summary>
        /// Starts an ML → host conversion of <paramref name="root"/>. Shared sub-values are converted
        /// once per occurrence (spec §13.2), so a value that shares a lot (<c>a = [a, a]</c> forty
        /// times) would become a host copy of terabytes: past a million values made, they are
        /// compared with the distinct values of the ML value, and a copy more than
        /// <see cref="MaxExpansion"/> times larger is refused.
        /// </summary>
        public void StartToHost(MlValue root)
        {
            _root = root;
            _made = 0;
            _nextCheck = 1_000_000;
        }

        /// <summary>Counts one host value made (at <paramref name="depth"/>, reached by key or index).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Made(int depth, string? key, int index)
        {
            if (++_made >= _nextCheck) CheckExpansion(depth, key, index);
        }

        private void CheckExpansion(int depth, string? key, int index)
        {
            long distinct = RetainedSize.CountDistinctValues(_root);
            if (_made > MaxExpansion * distinct)
            {
                string path = Describe(depth, key, index);
                throw new MlConversionException(
                    $"The value shares its parts so often that its copy would hold more than {_made:N0} values (it has {distinct:N0} distinct ones; stopped at {path}): return fewer repeated references.", path)
                { IsSizeLimit = true };
            }
            _nextCheck = _made * 2;
        }

        public static void Return(HostWalk walk)
        {
            // Let go of the host objects (they may be large); keep the shapes.
            Array.Clear(walk._open, 0, Math.Min(walk._open.Length, walk._deepest + 1));
            walk._deepest = 0;
            walk._root = default;
            walk._nextCheck = long.MaxValue;
            t_cached = walk;
        }

        /// <summary>
        /// Opens <paramref name="container"/> at <paramref name="depth"/>, reached from its parent by
        /// <paramref name="key"/> or <paramref name="index"/>: the depth limit, the .NET stack and
        /// cycles are checked. (Scalars record nothing: their path is built only when one fails.)
        /// </summary>
        public void Enter(object container, int depth, string? key, int index)
        {
            Record(depth, key, index);
            if (depth >= MaxDepth)
            {
                string path = Describe(depth);
                throw new MlConversionException($"The value at {path} is nested more than {MaxDepth} levels deep.", path) { IsDepthLimit = true };
            }
            if (depth >= 16 && !RuntimeHelpers.TryEnsureSufficientExecutionStack())
            {
                string path = Describe(depth);
                throw new MlConversionException($"The value at {path} is nested too deeply to convert.", path) { IsDepthLimit = true };
            }
            if (Reopens(container, depth))
            {
                string path = Describe(depth);
                throw new MlConversionException($"The value at {path} contains itself (a cyclic structure cannot be converted).", path);
            }
        }

        /// <summary>Opens an ML container on the way to the host (the same checks, worded for ML values).</summary>
        public void EnterMl(object container, int depth, string? key, int index)
        {
            Record(depth, key, index);
            if (depth >= MaxDepth || depth >= 16 && !RuntimeHelpers.TryEnsureSufficientExecutionStack())
            {
                string path = Describe(depth);
                throw new MlConversionException($"The value at {path} is nested more than {MaxDepth} levels deep.", path) { IsDepthLimit = true };
            }
            if (Reopens(container, depth))
            {
                string path = Describe(depth);
                throw new MlConversionException($"The value at {path} is cyclic (it contains itself).", path);
            }
        }

        private bool Reopens(object container, int depth)
        {
            if (depth >= _open.Length) Grow(depth);
            var open = _open;
            for (int i = 0; i < depth; i++)
                if (ReferenceEquals(open[i], container)) return true;
            open[depth] = container;
            if (depth > _deepest) _deepest = depth;
            return false;
        }

        public void Leave(int depth) => _open[depth] = null;

        private void Record(int depth, string? key, int index)
        {
            if (depth >= _keys.Length) Grow(depth);
            _keys[depth] = key;
            _indexes[depth] = index;
        }

        /// <summary>The path of the open container at <paramref name="depth"/>, e.g. <c>$.users[3]</c>.</summary>
        public string Describe(int depth)
        {
            var sb = new StringBuilder("$");
            for (int d = 1; d <= depth; d++) Append(sb, _keys[d], _indexes[d]);
            return sb.ToString();
        }

        /// <summary>The path of a value at <paramref name="depth"/> reached by <paramref name="key"/> or <paramref name="index"/>, e.g. <c>$.users[3].email</c>.</summary>
        public string Describe(int depth, string? key, int index)
        {
            if (depth == 0) return "$";
            var sb = new StringBuilder(Describe(depth - 1));
            Append(sb, key, index);
            return sb.ToString();
        }

        private static void Append(StringBuilder sb, string? key, int index)
        {
            if (key is not null) sb.Append('.').Append(key);
            else sb.Append('[').Append(index.ToString(CultureInfo.InvariantCulture)).Append(']');
        }

        private void Grow(int depth)
        {
            int size = Math.Max(depth + 1, _keys.Length * 2);
            Array.Resize(ref _open, size);
            Array.Resize(ref _keys, size);
            Array.Resize(ref _indexes, size);
        }

        /// <summary>A recently used shape at <paramref name="depth"/> whose first key is <paramref name="firstKey"/>, or null.</summary>
        public ObjectShape? ShapeStartingWith(int depth, string firstKey, int count)
        {
            int at = Math.Min(depth, ShapeDepths - 1) * ShapesPerDepth;
            for (int i = at; i < at + ShapesPerDepth; i++)
            {
                var shape = _shapes[i];
                if (shape is null) break;
                if ((count < 0 || shape.Count == count) && string.Equals(shape.Keys[0], firstKey))
                {
                    if (i != at) (_shapes[i], _shapes[at]) = (_shapes[at], shape);
                    return shape;
                }
            }
            return null;
        }

        public void Remember(int depth, ObjectShape shape)
        {
            int at = Math.Min(depth, ShapeDepths - 1) * ShapesPerDepth;
            Array.Copy(_shapes, at, _shapes, at + 1, ShapesPerDepth - 1);
            _shapes[at] = shape;
        }
    }

    /// <summary>
    /// Builds one object from members in order: while the keys follow a known shape, values go into
    /// its slots; at the first key that does not, the object collects its own key list (checking for
    /// repeats) and a new shape is made for it at the end.
    /// </summary>
    private struct ObjectFill(int expectedCount)
    {
        private const int HashedFrom = 16;

        private readonly int _expected = expectedCount;
        private ObjectShape? _shape;
        private MlValue[] _values = expectedCount > 0 ? new MlValue[expectedCount] : [];
        private string[]? _keys;
        private HashSet<string>? _seen;
        private int _count;

        /// <summary>Adds a member. <paramref name="key"/> came before its value was converted; a repeat is reported now, as the member is added.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Add(string key, MlValue value, HostWalk walk, int depth)
        {
            // The common case: the next key of the shape being followed.
            var shape = _shape;
            if (shape is not null && _keys is null && _count < shape.Count && string.Equals(shape.Keys[_count], key))
            {
                _values[_count++] = value;
                return;
            }
            AddOther(key, value, walk, depth);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private void AddOther(string key, MlValue value, HostWalk walk, int depth)
        {
            if (_keys is null)
            {
                if (_count == 0 && _shape is null && walk.ShapeStartingWith(depth, key, _expected) is { } known)
                {
                    _shape = known;
                    if (_values.Length < known.Count) Array.Resize(ref _values, known.Count);
                    _values[_count++] = value;
                    return;
                }
                _keys = new string[Math.Max(_values.Length, _count + 1)];
                if (_count > 0) Array.Copy(_shape!.Keys, _keys, _count);
            }
            if (Contains(key))
            {
                string path = walk.Describe(depth);
                throw new MlConversionException($"The object at {path} has the key '{key}' more than once after conversion to text.", path);
            }
            if (_count == _keys.Length) Array.Resize(ref _keys, Math.Max(4, _count * 2));
            if (_count >= _values.Length) Array.Resize(ref _values, _keys.Length);
            _keys[_count] = key;
            _values[_count++] = value;
            _seen?.Add(key);
        }

        private bool Contains(string key)
        {
            if (_seen is not null) return _seen.Contains(key);
            var keys = _keys!;
            for (int i = 0; i < _count; i++)
                if (string.Equals(keys[i], key)) return true;
            if (_count + 1 >= HashedFrom)
            {
                _seen = new HashSet<string>(StringComparer.Ordinal);
                for (int i = 0; i < _count; i++) _seen.Add(keys[i]);
            }
            return false;
        }

        public readonly MlObject Build(HostWalk walk, int depth)
        {
            if (_count == 0) return new MlObject();
            var values = _values.Length == 0 ? new MlValue[1] : _values;
            if (_keys is null && _shape is not null && _count == _shape.Count) return new MlObject(_shape, values);
            var keys = _keys ?? _shape!.Keys.AsSpan(0, _count).ToArray(); // fewer members than the shape had
            var shape = ObjectShape.FromDistinctKeys(keys, _count);
            if (!shape.IsShared) return new MlObject(shape, values);
            walk.Remember(depth, shape);
            return new MlObject(shape, values);
        }
    }

    // Every conversion step knows its depth and how its value was reached from the parent (a key,
    // or an index with a null key); the path is text only when something is reported.

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private MlValue Convert(object? value, HostWalk walk, int depth, string? key, int index)
    {
        // The common scalars first: no wrapper and no host-specific type is one of them, so the
        // hooks below are asked only about everything else.
        switch (value)
        {
            case null: return MlValue.Null;
            case string s: return s;
            case long l: return MlValue.FromInt(l);
            case int i: return MlValue.FromInt(i);
            case double d: return MlValue.FromDouble(d);
            case bool b: return b;
            case decimal m: return MlValue.FromDecimal(m);
            case DateTime dt: return MlValue.FromDate(dt);
        }
        return ConvertOther(value, walk, depth, key, index);
    }

    private MlValue ConvertOther(object value, HostWalk walk, int depth, string? key, int index)
    {
        if (value is DBNull) return MlValue.Null;
        if (_hooks)
        {
            var unwrapped = Unwrap(value);
            if (!ReferenceEquals(unwrapped, value)) return Convert(unwrapped, walk, depth, key, index);
            if (TryConvertScalar(value, out var custom)) return custom;
            if (TryGetProperties(value, out var properties)) return ConvertProperties(value, properties, walk, depth, key, index);
        }

        // Containers before the rarer scalars (the two sets do not overlap, except byte[] which
        // is an IList but converts to bytes).
        switch (value)
        {
            case Dictionary<string, object?> typed: return ConvertDictionary(typed, walk, depth, key, index);
            case IDictionary dict: return ConvertDictionary(dict, walk, depth, key, index);
            case DataRow row: return ConvertRow(row, walk, depth, key, index);
            case byte[] bytes: return MlValue.FromBytes((byte[])bytes.Clone());
            case object?[] items: return ConvertArray(items, walk, depth, key, index);
            case IList list: return ConvertList(list, walk, depth, key, index);
            case MlValue v: return v;
            case DateTimeOffset dto: return MlValue.FromDate(dto);
            case DateOnly date: return MlValue.FromDateTicks(date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc).Ticks);
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
                    string p = walk.Describe(depth, key, index);
                    throw new MlConversionException($"The integer at {p} is too large for ML (more than 28 digits).", p);
                }
            case float f: return MlValue.FromDouble(f);
            case char c: return c.ToString();
            case Guid g: return g.ToString("D");
            case Enum e: return e.ToString();
            case TimeSpan ts: return ts.ToString("c", CultureInfo.InvariantCulture);
            case MlArray or MlObject:
                {
                    string p = walk.Describe(depth, key, index);
                    throw new MlConversionException($"The value at {p} is already an ML value inside a host value; pass MlValue instead.", p);
                }
            case IEnumerable sequence: return ConvertSequence(sequence, walk, depth, key, index);
        }

        {
            string p = walk.Describe(depth, key, index);
            throw new MlConversionException($"The value at {p} has the .NET type {value.GetType().FullName}, which has no ML equivalent.", p);
        }
    }

    private MlValue ConvertProperties(object owner, IEnumerable<KeyValuePair<string, object?>> properties, HostWalk walk, int depth, string? key, int index)
    {
        walk.Enter(owner, depth, key, index);
        ObjectFill fill;
        if (properties is KeyValuePair<string, object?>[] pairs)
        {
            fill = new ObjectFill(pairs.Length);
            foreach (var (name, item) in pairs) fill.Add(name, Convert(item, walk, depth + 1, name, -1), walk, depth);
        }
        else
        {
            fill = new ObjectFill(-1);
            foreach (var (name, item) in properties) fill.Add(name, Convert(item, walk, depth + 1, name, -1), walk, depth);
        }
        walk.Leave(depth);
        return fill.Build(walk, depth);
    }

    private MlValue ConvertDictionary(Dictionary<string, object?> dict, HostWalk walk, int depth, string? key, int index)
    {
        walk.Enter(dict, depth, key, index);
        var fill = new ObjectFill(dict.Count);
        foreach (var (name, item) in dict) fill.Add(name, Convert(item, walk, depth + 1, name, -1), walk, depth);
        walk.Leave(depth);
        return fill.Build(walk, depth);
    }

    private MlValue ConvertDictionary(IDictionary dict, HostWalk walk, int depth, string? key, int index)
    {
        walk.Enter(dict, depth, key, index);
        var fill = new ObjectFill(dict.Count);
        // Key and Value of the enumerator itself: its Current would box each DictionaryEntry.
        var entries = dict.GetEnumerator();
        while (entries.MoveNext())
        {
            string name = KeyText(entries.Key, walk, depth);
            fill.Add(name, Convert(entries.Value, walk, depth + 1, name, -1), walk, depth);
        }
        walk.Leave(depth);
        return fill.Build(walk, depth);
    }

    private MlValue ConvertRow(DataRow row, HostWalk walk, int depth, string? key, int index)
    {
        walk.Enter(row, depth, key, index);
        var columns = row.Table.Columns;
        var fill = new ObjectFill(columns.Count);
        foreach (DataColumn column in columns) fill.Add(column.ColumnName, Convert(row[column], walk, depth + 1, column.ColumnName, -1), walk, depth);
        walk.Leave(depth);
        return fill.Build(walk, depth);
    }

    private MlValue ConvertList(IList list, HostWalk walk, int depth, string? key, int index)
    {
        walk.Enter(list, depth, key, index);
        var values = new MlValue[list.Count];
        for (int i = 0; i < values.Length; i++) values[i] = Convert(list[i], walk, depth + 1, null, i);
        walk.Leave(depth);
        return new MlArray(values, values.Length);
    }

    private MlValue ConvertArray(object?[] items, HostWalk walk, int depth, string? key, int index)
    {
        walk.Enter(items, depth, key, index);
        var values = new MlValue[items.Length];
        for (int i = 0; i < values.Length; i++) values[i] = Convert(items[i], walk, depth + 1, null, i);
        walk.Leave(depth);
        return new MlArray(values, values.Length);
    }

    private MlValue ConvertSequence(IEnumerable sequence, HostWalk walk, int depth, string? key, int index)
    {
        walk.Enter(sequence, depth, key, index);
        var array = sequence is ICollection collection ? new MlArray(collection.Count) : new MlArray();
        int i = 0;
        foreach (var item in sequence) array.Add(Convert(item, walk, depth + 1, null, i++));
        walk.Leave(depth);
        return array;
    }

    private static string KeyText(object key, HostWalk walk, int depth) =>
        key switch
        {
            string s => s,
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => key.ToString() ?? throw new MlConversionException($"A key at {walk.Describe(depth)} has no text form.", walk.Describe(depth)),
        };

    // ---- ML -> host ----------------------------------------------------------------------

    /// <summary>
    /// Converts an ML value to .NET: null, bool, long, double, decimal, string, DateTime (UTC),
    /// byte[], object[] and OrderedDictionary (keys in insertion order).
    /// </summary>
    /// <exception cref="MlConversionException">A function or opaque value, or a cycle.</exception>
    public object? ToHost(MlValue value)
    {
        var walk = HostWalk.Rent();
        try
        {
            walk.StartToHost(value);
            return ToHost(value, walk, 0, null, -1);
        }
        finally
        {
            HostWalk.Return(walk);
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

    private object? ToHost(MlValue value, HostWalk walk, int depth, string? key, int index)
    {
        walk.Made(depth, key, index);
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
                    walk.EnterMl(array, depth, key, index);
                    var items = array.AsSpan();
                    var result = new object?[items.Length];
                    for (int i = 0; i < result.Length; i++) result[i] = ToHost(items[i], walk, depth + 1, null, i);
                    walk.Leave(depth);
                    return result;
                }
            case MlKind.Object:
                {
                    var obj = value.AsObject;
                    walk.EnterMl(obj, depth, key, index);
                    var result = NewHostObject(obj.Count);
                    for (int i = 0; i < obj.Count; i++)
                    {
                        string name = obj.KeyAt(i);
                        var problem = AddHostMember(result, name, ToHost(obj.ValueAt(i), walk, depth + 1, name, -1));
                        if (problem is not null)
                        {
                            string path = walk.Describe(depth);
                            throw new MlConversionException($"The object at {path} {problem}", path);
                        }
                    }
                    walk.Leave(depth);
                    return result;
                }
            case MlKind.Function:
                {
                    string path = walk.Describe(depth, key, index);
                    throw new MlConversionException($"The value at {path} is a function ({value.AsFunction.Name}); functions cannot cross the host boundary.", path);
                }
            default:
                {
                    string path = walk.Describe(depth, key, index);
                    throw new MlConversionException($"The value at {path} is a {value.TypeName}, which cannot cross the host boundary.", path);
                }
        }
    }
}
