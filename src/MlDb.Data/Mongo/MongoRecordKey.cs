using System.Globalization;
using System.Text;
using MlDb.Data.Processing;
using MlDb.Language;
using MongoDB.Bson;

namespace MlDb.Data.Mongo;

/// <summary>What Add-MlRecord -Collection does with a record whose key already exists.</summary>
public enum MongoConflictAction
{
    /// <summary>The record is not written and is reported as an error; the others go on.</summary>
    Error,

    /// <summary>The existing document stays as it is.</summary>
    Ignore,

    /// <summary>The record's fields (all but the key) are set on the existing document.</summary>
    Update,
}

/// <summary>What happened to a document that was written (or, under -WhatIf, would have been).</summary>
public enum MongoWriteAction
{
    Inserted,
    Updated,

    /// <summary>Its key existed and <see cref="MongoConflictAction.Ignore"/> left the document as it was.</summary>
    Unchanged,
}

/// <summary>
/// The fields that identify a record (<c>-Key</c>), checked once: each record's filter
/// (<c>{email: "a@x", region: "eu"}</c>), an identity text that tells records of one group apart
/// and matches documents read back to their records, and the part of a message that names a record
/// (its position and key values — never its other values, which may be secrets or personal data).
/// </summary>
internal sealed class MongoKeyFields
{
    public MongoKeyFields(IReadOnlyList<string> names)
    {
        if (names.Count == 0)
            throw new MlDbException(MlDbErrorIds.InvalidArgument, MlDbErrorKind.InvalidArgument, "-Key names no field.", null);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            // A dotted name would be a path and a $ name an operator in the filter and the update:
            // -Key names top-level fields of the record.
            if (string.IsNullOrEmpty(name) || name[0] == '$' || name.Contains('.') || name.Contains('\0'))
                throw new MlDbException(MlDbErrorIds.InvalidIdentifier, MlDbErrorKind.InvalidArgument,
                    $"'{name}' cannot be a -Key field: a key field is a top-level field name (not empty, no '.', not starting with '$').", name);
            if (!seen.Add(name))
                throw new MlDbException(MlDbErrorIds.InvalidArgument, MlDbErrorKind.InvalidArgument, $"-Key names the field '{name}' twice.", name);
        }
        Names = [.. names];
        IncludesId = seen.Contains("_id");
    }

    public IReadOnlyList<string> Names { get; }

    /// <summary>True when <c>_id</c> is one of the fields: a matched document's <c>_id</c> is then known without reading it back.</summary>
    public bool IncludesId { get; }

    public bool Contains(string field)
    {
        foreach (var name in Names)
            if (string.Equals(name, field, StringComparison.Ordinal)) return true;
        return false;
    }

    public override string ToString() => string.Join(", ", Names);

    /// <summary>
    /// The filter that finds the record's document: one equality per key field. A document value
    /// is compared with <c>$eq</c>, so that keys such as <c>$ne</c> inside it stay data. Null when
    /// the record cannot be identified; <paramref name="problem"/> says why.
    /// </summary>
    public BsonDocument? Filter(BsonDocument document, out string? problem)
    {
        var filter = new BsonDocument();
        foreach (var name in Names)
        {
            if (!document.TryGetValue(name, out var value))
            {
                problem = $"it has no field '{name}' (-Key {this})";
                return null;
            }
            switch (value.BsonType)
            {
                case BsonType.Null or BsonType.Undefined:
                    problem = $"its key field '{name}' is null, which would match every document without that field";
                    return null;
                case BsonType.Array:
                    problem = $"its key field '{name}' is an array, which matches documents by any one element; a key identifies one document";
                    return null;
                case BsonType.Document:
                    filter.Add(name, new BsonDocument("$eq", value));
                    break;
                default:
                    filter.Add(name, value);
                    break;
            }
        }
        problem = null;
        return filter;
    }

    /// <summary>The value a filter made by <see cref="Filter"/> compares <paramref name="field"/> with.</summary>
    public static BsonValue Compared(BsonDocument filter, string field)
    {
        var value = filter[field];
        return value is BsonDocument { ElementCount: 1 } eq && eq.GetElement(0).Name == "$eq" ? eq[0] : value;
    }

    /// <summary>
    /// A text equal for two key values MongoDB finds equal: numbers by value whatever their BSON
    /// type (5, 5L and 5.0 alike, as the wire server and mongod compare them), strings as they are,
    /// documents field by field in order.
    /// </summary>
    public string Identity(BsonDocument keyValues)
    {
        var sb = new StringBuilder();
        foreach (var name in Names)
        {
            sb.Append(name).Append('=');
            if (keyValues.TryGetValue(name, out var value)) Canon(sb, value is BsonDocument d && d.Contains("$eq") && d.ElementCount == 1 ? d["$eq"] : value);
            else sb.Append("<missing>");
            sb.Append('\u0001');
        }
        return sb.ToString();
    }

    private static void Canon(StringBuilder sb, BsonValue value)
    {
        switch (value.BsonType)
        {
            case BsonType.Int32:
            case BsonType.Int64:
                sb.Append('n').Append(value.ToInt64().ToString(CultureInfo.InvariantCulture));
                break;
            case BsonType.Double:
                Number(sb, value.AsDouble);
                break;
            case BsonType.Decimal128:
                {
                    var d = value.AsDecimal128;
                    if (!Decimal128.IsNaN(d) && !Decimal128.IsInfinity(d))
                    {
                        try
                        {
                            decimal m = Decimal128.ToDecimal(d);
                            if (m == decimal.Truncate(m) && m >= long.MinValue && m <= long.MaxValue) sb.Append('n').Append(((long)m).ToString(CultureInfo.InvariantCulture));
                            else sb.Append('d').Append(((double)m).ToString("R", CultureInfo.InvariantCulture));
                            break;
                        }
                        catch (OverflowException)
                        {
                            // beyond decimal: its own text below
                        }
                    }
                    sb.Append('m').Append(d.ToString());
                    break;
                }
            case BsonType.String:
                sb.Append('s').Append(value.AsString.Length).Append(':').Append(value.AsString);
                break;
            case BsonType.ObjectId:
                sb.Append('o').Append(value.AsObjectId.ToString());
                break;
            case BsonType.Boolean:
                sb.Append(value.AsBoolean ? "b1" : "b0");
                break;
            case BsonType.DateTime:
                sb.Append('t').Append(value.AsBsonDateTime.MillisecondsSinceEpoch.ToString(CultureInfo.InvariantCulture));
                break;
            case BsonType.Document:
                sb.Append('{');
                foreach (var element in value.AsBsonDocument)
                {
                    sb.Append(element.Name.Length).Append(':').Append(element.Name).Append('=');
                    Canon(sb, element.Value);
                    sb.Append(',');
                }
                sb.Append('}');
                break;
            case BsonType.Array:
                sb.Append('[');
                foreach (var item in value.AsBsonArray)
                {
                    Canon(sb, item);
                    sb.Append(',');
                }
                sb.Append(']');
                break;
            default:
                sb.Append('x').Append(value.BsonType).Append(':').Append(value.ToJson());
                break;
        }
    }

    private static void Number(StringBuilder sb, double d)
    {
        if (d == Math.Floor(d) && d >= -9.2e18 && d <= 9.2e18) sb.Append('n').Append(((long)d).ToString(CultureInfo.InvariantCulture));
        else sb.Append('d').Append(d.ToString("R", CultureInfo.InvariantCulture));
    }
}

/// <summary>
/// How messages name a record: <c>record 3</c>, followed by the values of the fields that
/// identify it when the record has them — <c>record 3 (email "ann@example.com", region "eu")</c>,
/// <c>record 2 (_id "65a1…")</c>. Nothing else of the record is ever shown; the record itself
/// travels as the error's TargetObject.
/// </summary>
internal static class MongoRecordNames
{
    private const int MaxValueText = 64;

    /// <summary>The name of the record at 0-based <paramref name="index"/> (<paramref name="record"/> may be null or lack the fields).</summary>
    public static string Name(int index, MlObject? record, IReadOnlyList<string> fields) =>
        Compose(index, fields, field => record is not null && record.TryGetValue(field, out var value) ? MlText.Describe(value, MaxValueText) : null);

    /// <summary>The name of a record from its BSON document (what the sender thread reads: the document never changes once queued).</summary>
    public static string Name(int index, BsonDocument document, IReadOnlyList<string> fields) =>
        Compose(index, fields, field => document.TryGetValue(field, out var value) ? Describe(value) : null);

    private static string Describe(BsonValue value)
    {
        try
        {
            return MlText.Describe(BsonMapping.ToMl(value), MaxValueText);
        }
        catch (MlDbException)
        {
            return "<" + value.BsonType + ">";
        }
    }

    /// <summary><c>record 3</c>, then <c>(field text, …)</c> for the fields whose text <paramref name="textOf"/> gives.</summary>
    private static string Compose(int index, IReadOnlyList<string> fields, Func<string, string?> textOf)
    {
        var sb = new StringBuilder("record ").Append((index + 1).ToString(CultureInfo.InvariantCulture));
        bool any = false;
        foreach (var field in fields)
        {
            if (textOf(field) is not { } text) continue;
            sb.Append(any ? ", " : " (").Append(field).Append(' ').Append(text);
            any = true;
        }
        if (any) sb.Append(')');
        return sb.ToString();
    }

    /// <summary>The text with its first letter upper-case (a name at the start of a sentence).</summary>
    public static string Sentence(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
