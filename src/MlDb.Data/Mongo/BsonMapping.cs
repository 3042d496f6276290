using System.Collections.Specialized;
using System.Globalization;
using System.Runtime.CompilerServices;
using MlDb.Language;
using MongoDB.Bson;

namespace MlDb.Data.Mongo;

/// <summary>
/// The one mapping between BSON (MongoDB.Bson's object model) and ML values, both ways, and
/// from BSON straight to host values (for documents that go out with no ML function):
/// <list type="table">
/// <item>ObjectId ⇄ string (24 lower-case hex digits; back only under <see cref="ObjectIdRule"/>)</item>
/// <item>Int32, Int64 → int; int → Int32 when it fits in 32 bits, else Int64</item>
/// <item>Double ⇄ double</item>
/// <item>Decimal128 ⇄ decimal (scale kept; more than 28 significant digits are rounded; a value
/// outside the range of decimal is an error; NaN and ±Infinity become doubles)</item>
/// <item>DateTime ⇄ date (UTC; BSON keeps milliseconds, so a date is written truncated to the millisecond)</item>
/// <item>Binary (any subtype) → bytes; bytes → Binary of the generic subtype 0</item>
/// <item>Boolean ⇄ boolean, String ⇄ string, Null ⇄ null, Document ⇄ object (key order kept), Array ⇄ array</item>
/// <item>one way only: Undefined → null, Timestamp → int (its 64-bit value), Symbol → string,
/// JavaScript → string (its code), RegularExpression → string <c>/pattern/options</c></item>
/// <item>no ML form (a conversion error naming the path): MinKey, MaxKey, JavaScriptWithScope;
/// ML functions and opaque values have no BSON form</item>
/// </list>
/// Errors are <see cref="MlDbException"/> with <see cref="MlDbErrorIds.ConversionFailed"/> naming
/// the path (<c>$.items[2].price</c>) that failed.
/// </summary>
public static class BsonMapping
{
    /// <summary>Deepest nesting converted (documents and arrays), as for ML JSON.</summary>
    public const int MaxDepth = 1000;

    // ---- BSON -> ML ----------------------------------------------------------------------

    /// <summary>Converts a BSON value (nested documents and arrays included) to ML.</summary>
    public static MlValue ToMl(BsonValue value)
    {
        try
        {
            return ToMlCore(value, 0, DocumentLayouts.OfThisThread);
        }
        catch (BsonPathException ex)
        {
            throw Failed(ex, value);
        }
    }

    /// <summary>Converts a document to an ML object with its keys in document order.</summary>
    public static MlObject ToMlObject(BsonDocument document) => ToMlObjectWith(document, DocumentLayouts.OfThisThread);

    /// <summary>Like <see cref="ToMlObject(BsonDocument)"/>, sharing one object shape across documents with the same keys.</summary>
    internal static MlObject ToMlObjectWith(BsonDocument document, DocumentLayouts layouts)
    {
        try
        {
            return DocumentToMl(document, 0, layouts);
        }
        catch (BsonPathException ex)
        {
            throw Failed(ex, document);
        }
    }

    internal static MlValue ToMlCore(BsonValue value, int depth, DocumentLayouts? layouts)
    {
        switch (value.BsonType)
        {
            case BsonType.Null:
            case BsonType.Undefined:
                return MlValue.Null;
            case BsonType.Boolean: return MlValue.FromBool(value.AsBoolean);
            case BsonType.Int32: return MlValue.FromInt(value.AsInt32);
            case BsonType.Int64: return MlValue.FromInt(value.AsInt64);
            case BsonType.Double: return MlValue.FromDouble(value.AsDouble);
            case BsonType.Decimal128: return DecimalToMl(value.AsDecimal128);
            case BsonType.String: return MlValue.FromString(value.AsString);
            case BsonType.ObjectId: return MlValue.FromString(ObjectIdText(value.AsObjectId));
            case BsonType.DateTime: return MlValue.FromDate(DateToHost(value.AsBsonDateTime));
            case BsonType.Binary: return MlValue.FromBytes((byte[])value.AsBsonBinaryData.Bytes.Clone());
            case BsonType.Document: return MlValue.FromObject(DocumentToMl(value.AsBsonDocument, depth, layouts));
            case BsonType.Array:
                {
                    var source = value.AsBsonArray;
                    Enter(depth);
                    var array = new MlArray(source.Count);
                    for (int i = 0; i < source.Count; i++)
                    {
                        try
                        {
                            array.Add(ToMlCore(source[i], depth + 1, layouts));
                        }
                        catch (BsonPathException ex)
                        {
                            throw ex.Under("[" + i.ToString(CultureInfo.InvariantCulture) + "]");
                        }
                    }
                    return MlValue.FromArray(array);
                }
            case BsonType.Timestamp: return MlValue.FromInt(value.AsBsonTimestamp.Value);
            case BsonType.Symbol: return MlValue.FromString(value.AsBsonSymbol.Name);
            case BsonType.JavaScript: return MlValue.FromString(value.AsBsonJavaScript.Code);
            case BsonType.RegularExpression: return MlValue.FromString(RegexText(value.AsBsonRegularExpression));
            default:
                throw new BsonPathException($"has the BSON type {value.BsonType}, which has no ML equivalent");
        }
    }

    /// <summary>A document as an ML object; <paramref name="layouts"/> (top-level documents of one cursor) reuses one shape while keys repeat.</summary>
    internal static MlObject DocumentToMl(BsonDocument document, int depth, DocumentLayouts? layouts)
    {
        Enter(depth);
        int n = document.ElementCount;
        if (layouts is not null)
        {
            var layout = layouts.For(document);
            if (layout is not null)
            {
                var values = layouts.Buffer(n, depth);
                for (int i = 0; i < n; i++) values[i] = ElementToMl(document.GetElement(i), depth, layouts);
                return layout.Create(values.AsSpan(0, n));
            }
        }
        var obj = new MlObject(n);
        for (int i = 0; i < n; i++)
        {
            var element = document.GetElement(i);
            if (obj.ContainsKey(element.Name))
                throw new BsonPathException($"has the key '{element.Name}' more than once").Under("." + element.Name);
            obj.SetFromData(element.Name, ElementToMl(element, depth, layouts));
        }
        return obj;
    }

    private static MlValue ElementToMl(BsonElement element, int depth, DocumentLayouts? layouts)
    {
        try
        {
            return ToMlCore(element.Value, depth + 1, layouts);
        }
        catch (BsonPathException ex)
        {
            throw ex.Under("." + element.Name);
        }
    }

    private static MlValue DecimalToMl(Decimal128 value)
    {
        if (Decimal128.IsNaN(value)) return MlValue.FromDouble(double.NaN);
        if (Decimal128.IsPositiveInfinity(value)) return MlValue.FromDouble(double.PositiveInfinity);
        if (Decimal128.IsNegativeInfinity(value)) return MlValue.FromDouble(double.NegativeInfinity);
        try
        {
            return MlValue.FromDecimal(Decimal128.ToDecimal(value));
        }
        catch (OverflowException)
        {
            throw new BsonPathException("is a Decimal128 outside the range of an ML decimal (±7.9E28)"); // the value itself stays out of messages
        }
    }

    // ---- BSON -> host (no ML detour) -----------------------------------------------------

    /// <summary>
    /// Converts a BSON value to host data exactly as <c>MlHostConverter.ToHost(ToMl(value))</c>
    /// would, without building ML values: null, bool, long, double, decimal, string,
    /// DateTime (UTC), byte[], object[], OrderedDictionary (keys in document order).
    /// </summary>
    public static object? ToHost(BsonValue value) => Guard(() => ToHostCore(value, 0), value);

    /// <summary>A document as an ordered dictionary (keys in document order).</summary>
    public static OrderedDictionary ToHostDocument(BsonDocument document) => Guard(() => DocumentToHost(document, 0), document);

    private static object? ToHostCore(BsonValue value, int depth)
    {
        switch (value.BsonType)
        {
            case BsonType.Null:
            case BsonType.Undefined:
                return null;
            case BsonType.Boolean: return value.AsBoolean;
            case BsonType.Int32: return (long)value.AsInt32;
            case BsonType.Int64: return value.AsInt64;
            case BsonType.Double: return value.AsDouble;
            case BsonType.String: return value.AsString;
            case BsonType.ObjectId: return ObjectIdText(value.AsObjectId);
            case BsonType.DateTime: return DateToHost(value.AsBsonDateTime);
            case BsonType.Binary: return (byte[])value.AsBsonBinaryData.Bytes.Clone();
            case BsonType.Document: return DocumentToHost(value.AsBsonDocument, depth);
            case BsonType.Array:
                {
                    var source = value.AsBsonArray;
                    Enter(depth);
                    var array = new object?[source.Count];
                    for (int i = 0; i < array.Length; i++)
                    {
                        try
                        {
                            array[i] = ToHostCore(source[i], depth + 1);
                        }
                        catch (BsonPathException ex)
                        {
                            throw ex.Under("[" + i.ToString(CultureInfo.InvariantCulture) + "]");
                        }
                    }
                    return array;
                }
            default:
                {
                    // Rows of the table with no dedicated host form: the ML rule decides.
                    var ml = ToMlCore(value, depth, null);
                    return ml.Kind switch
                    {
                        MlKind.Null => null,
                        MlKind.Int => ml.AsInt,
                        MlKind.Double => ml.AsDouble,
                        MlKind.Decimal => ml.AsDecimal,
                        MlKind.String => ml.AsString,
                        _ => throw new BsonPathException($"has the BSON type {value.BsonType}, which has no ML equivalent"),
                    };
                }
        }
    }

    private static OrderedDictionary DocumentToHost(BsonDocument document, int depth)
    {
        Enter(depth);
        var result = new OrderedDictionary(document.ElementCount, StringComparer.Ordinal);
        for (int i = 0; i < document.ElementCount; i++)
        {
            var element = document.GetElement(i);
            if (result.Contains(element.Name))
                throw new BsonPathException($"has the key '{element.Name}' more than once").Under("." + element.Name);
            object? item;
            try
            {
                item = ToHostCore(element.Value, depth + 1);
            }
            catch (BsonPathException ex)
            {
                throw ex.Under("." + element.Name);
            }
            result.Add(element.Name, item);
        }
        return result;
    }

    // ---- ML -> BSON ----------------------------------------------------------------------

    /// <summary>
    /// Converts an ML object to a BSON document (key order kept); strings become ObjectIds where
    /// <see cref="ObjectIdRule"/> says so.
    /// </summary>
    public static BsonDocument ToBsonDocument(MlObject obj) => Guard(() => ObjectToBson(obj, null, 0), obj);

    /// <summary>Converts an ML value to BSON; <paramref name="field"/> is the field it belongs to (for <see cref="ObjectIdRule"/>), null for none.</summary>
    public static BsonValue ToBson(MlValue value, string? field = null) => Guard(() => ToBsonCore(value, ObjectIdRule.FieldOf(field, null), 0), value);

    private static BsonValue ToBsonCore(MlValue value, string? field, int depth)
    {
        switch (value.Kind)
        {
            case MlKind.Null: return BsonNull.Value;
            case MlKind.Boolean: return value.AsBool ? BsonBoolean.True : BsonBoolean.False;
            case MlKind.Int:
                {
                    long n = value.AsInt;
                    return n is >= int.MinValue and <= int.MaxValue ? new BsonInt32((int)n) : new BsonInt64(n);
                }
            case MlKind.Double: return new BsonDouble(value.AsDouble);
            case MlKind.Decimal: return new BsonDecimal128(new Decimal128(value.AsDecimal));
            case MlKind.String:
                {
                    string s = value.AsString;
                    return ObjectIdRule.Applies(field, s) ? new BsonObjectId(ObjectId.Parse(s)) : new BsonString(s);
                }
            case MlKind.Date: return DateToBson(value.AsDateTicks);
            case MlKind.Bytes: return new BsonBinaryData((byte[])value.AsBytes.Clone(), BsonBinarySubType.Binary);
            case MlKind.Array:
                {
                    var source = value.AsArray;
                    Enter(depth);
                    var array = new BsonArray(source.Count);
                    for (int i = 0; i < source.Count; i++)
                    {
                        try
                        {
                            array.Add(ToBsonCore(source[i], field, depth + 1));
                        }
                        catch (BsonPathException ex)
                        {
                            throw ex.Under("[" + i.ToString(CultureInfo.InvariantCulture) + "]");
                        }
                    }
                    return array;
                }
            case MlKind.Object: return ObjectToBson(value.AsObject, field, depth);
            case MlKind.Function:
                throw new BsonPathException($"is a function ({value.AsFunction.Name}); functions cannot be stored in MongoDB");
            default:
                throw new BsonPathException($"is a {value.TypeName}, which has no BSON form");
        }
    }

    private static BsonDocument ObjectToBson(MlObject obj, string? field, int depth)
    {
        Enter(depth);
        var document = new BsonDocument();
        for (int i = 0; i < obj.Count; i++)
        {
            string key = obj.KeyAt(i);
            try
            {
                document.Add(key, ToBsonCore(obj.ValueAt(i), ObjectIdRule.FieldOf(key, field), depth + 1));
            }
            catch (BsonPathException ex)
            {
                throw ex.Under("." + key);
            }
        }
        return document;
    }

    private static BsonDateTime DateToBson(long utcTicks)
    {
        long ms = Math.DivRem(utcTicks - DateTime.UnixEpoch.Ticks, TimeSpan.TicksPerMillisecond, out long rest);
        if (rest < 0) ms--; // truncate toward the earlier millisecond
        return new BsonDateTime(ms);
    }

    private static DateTime DateToHost(BsonDateTime value)
    {
        if (!value.IsValidDateTime)
            throw new BsonPathException("is a BSON date outside the dates .NET can hold (years 1-9999)"); // the value itself stays out of messages
        return new DateTime(DateTime.UnixEpoch.Ticks + value.MillisecondsSinceEpoch * TimeSpan.TicksPerMillisecond, DateTimeKind.Utc);
    }

    // ---- helpers -------------------------------------------------------------------------

    /// <summary>The text form of an ObjectId: 24 lower-case hex digits.</summary>
    public static string ObjectIdText(ObjectId id) => id.ToString();

    private static string RegexText(BsonRegularExpression regex) => "/" + regex.Pattern + "/" + regex.Options;

    private static void Enter(int depth)
    {
        if (depth >= MaxDepth || !RuntimeHelpers.TryEnsureSufficientExecutionStack())
            throw new BsonPathException($"is nested more than {MaxDepth} levels deep");
    }

    private static T Guard<T>(Func<T> convert, object? target)
    {
        try
        {
            return convert();
        }
        catch (BsonPathException ex)
        {
            throw Failed(ex, target);
        }
    }

    private static MlDbException Failed(BsonPathException ex, object? target) =>
        new(MlDbErrorIds.ConversionFailed, MlDbErrorKind.InvalidData,
            $"The value at {ex.Path} {ex.Reason}.", target is MlValue or MlObject ? null : target);
}

/// <summary>A conversion problem, carrying the path built up while the recursion unwinds.</summary>
internal sealed class BsonPathException(string reason) : Exception(reason)
{
    private readonly List<string> _segments = [];

    public string Reason { get; } = reason;

    public string Path
    {
        get
        {
            var parts = new string[_segments.Count];
            for (int i = 0; i < parts.Length; i++) parts[i] = _segments[_segments.Count - 1 - i];
            return "$" + string.Concat(parts);
        }
    }

    public BsonPathException Under(string segment)
    {
        _segments.Add(segment);
        return this;
    }
}

/// <summary>
/// Documents of one cursor (or rows handed over one after another) usually share their keys:
/// while they do, every document is built on one shared ML object shape (computed once), which
/// makes <c>doc.name</c> in scripts a cached slot read. A few recent key lists are kept, so
/// nested documents of another shape do not push the rows' one out.
/// </summary>
internal sealed class DocumentLayouts
{
    private const int Kept = 4;

    [ThreadStatic] private static DocumentLayouts? t_shared;

    private readonly string[]?[] _keys = new string[Kept][];
    private readonly MlObjectLayout?[] _layouts = new MlObjectLayout?[Kept];
    private MlValue[][] _buffers = [];
    private long _hits, _misses;

    /// <summary>The layouts of the current thread, for documents converted outside a cursor (BsonMapping.ToMl).</summary>
    public static DocumentLayouts OfThisThread => t_shared ??= new DocumentLayouts();

    /// <summary>The layout of the document's keys, or null when it cannot have one (repeated keys, ever-changing shapes).</summary>
    public MlObjectLayout? For(BsonDocument document)
    {
        int n = document.ElementCount;
        for (int k = 0; k < Kept; k++)
        {
            var keys = _keys[k];
            if (keys is null) break;
            if (keys.Length != n || !SameNames(keys, document)) continue;
            var layout = _layouts[k]!;
            if (k > 0)
            {
                (_keys[k], _keys[0]) = (_keys[0], keys);
                (_layouts[k], _layouts[0]) = (_layouts[0], layout);
            }
            _hits++;
            return layout;
        }
        // Shapes that keep changing: plain objects are cheaper than a layout per document.
        if (_misses > 64 && _misses > 4 * _hits) return null;
        _misses++;
        var names = new string[n];
        for (int i = 0; i < n; i++) names[i] = document.GetElement(i).Name;
        MlObjectLayout made;
        try
        {
            made = MlObjectLayout.For(names);
        }
        catch (ArgumentException)
        {
            return null; // a repeated key: the slow path reports it with its path
        }
        Array.Copy(_keys, 0, _keys, 1, Kept - 1);
        Array.Copy(_layouts, 0, _layouts, 1, Kept - 1);
        _keys[0] = names;
        _layouts[0] = made;
        return made;
    }

    private static bool SameNames(string[] keys, BsonDocument document)
    {
        for (int i = 0; i < keys.Length; i++)
            if (!string.Equals(keys[i], document.GetElement(i).Name, StringComparison.Ordinal)) return false;
        return true;
    }

    /// <summary>A scratch array for the values of a document at <paramref name="depth"/> (nested documents are filled while their parent is).</summary>
    public MlValue[] Buffer(int n, int depth)
    {
        if (depth >= _buffers.Length) Array.Resize(ref _buffers, Math.Max(depth + 1, _buffers.Length * 2));
        var buffer = _buffers[depth];
        if (buffer is null || buffer.Length < n) _buffers[depth] = buffer = new MlValue[Math.Max(n, 8)];
        return buffer;
    }
}
