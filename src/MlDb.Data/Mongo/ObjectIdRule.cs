using MongoDB.Bson;

namespace MlDb.Data.Mongo;

/// <summary>
/// When a string that MlDb sends to MongoDB becomes an ObjectId again. ObjectIds come out of
/// MongoDB as strings (24 lower-case hex digits); this rule turns them back so that a document
/// read, changed and inserted — or an <c>_id</c> used in a filter — still matches.
/// <para>The exact rule: a string is sent as an ObjectId when <b>both</b></para>
/// <list type="number">
/// <item>it is exactly 24 hexadecimal digits (<c>0-9</c>, <c>a-f</c>, <c>A-F</c>), and</item>
/// <item>the field it belongs to is <c>_id</c> or ends in <c>_id</c> (<c>user_id</c>, <c>parent_id</c>).</item>
/// </list>
/// <para>The field a value belongs to is its key. Values under operator keys (those starting
/// with <c>$</c>: <c>{_id: {$in: [...]}}</c>, <c>{user_id: {$ne: ...}}</c>) and the elements of
/// arrays belong to the nearest enclosing key that does not start with <c>$</c>. In a dotted key
/// (<c>"author._id"</c>) the last part counts; numeric parts (array positions, <c>"ids.0"</c>) are
/// skipped. Every other string stays a string. The rule applies to everything MlDb sends:
/// inserted documents, filters (dictionaries and JSON text) and aggregation pipelines.</para>
/// <para>To send an ObjectId anywhere else, write a JSON filter or pipeline with
/// <c>{"$oid": "…"}</c> (Extended JSON) or <c>ObjectId("…")</c>.</para>
/// </summary>
public static class ObjectIdRule
{
    /// <summary>True when <paramref name="field"/> is <c>_id</c> or ends in <c>_id</c>.</summary>
    public static bool IsIdField(string? field) =>
        field is not null && field.EndsWith("_id", StringComparison.Ordinal);

    /// <summary>True when <paramref name="text"/> is exactly 24 hexadecimal digits.</summary>
    public static bool IsObjectIdText(string text)
    {
        if (text.Length != 24) return false;
        foreach (char c in text)
            if (!char.IsAsciiHexDigit(c)) return false;
        return true;
    }

    /// <summary>True when the string <paramref name="text"/> in <paramref name="field"/> is sent as an ObjectId.</summary>
    public static bool Applies(string? field, string text) => IsIdField(field) && IsObjectIdText(text);

    /// <summary>
    /// The field a value under <paramref name="key"/> belongs to, given the field of the enclosing
    /// value: operator keys inherit it; a dotted key contributes its last non-numeric part.
    /// </summary>
    public static string? FieldOf(string? key, string? enclosing)
    {
        if (key is null || key.Length == 0) return enclosing;
        if (key[0] == '$') return enclosing;
        int end = key.Length;
        while (end > 0)
        {
            int dot = key.LastIndexOf('.', end - 1);
            string part = key.Substring(dot + 1, end - dot - 1);
            if (part.Length > 0 && !part.All(char.IsAsciiDigit)) return part;
            if (dot < 0) break;
            end = dot;
        }
        return enclosing;
    }

    /// <summary>
    /// Applies the rule in place to a document parsed from JSON text (a filter, a pipeline stage):
    /// every string that qualifies is replaced by its ObjectId.
    /// </summary>
    public static void ApplyTo(BsonDocument document, string? field = null)
    {
        for (int i = 0; i < document.ElementCount; i++)
        {
            var element = document.GetElement(i);
            var replaced = Convert(element.Value, FieldOf(element.Name, field));
            if (replaced is not null) document[i] = replaced;
        }
    }

    private static BsonValue? Convert(BsonValue value, string? field)
    {
        switch (value.BsonType)
        {
            case BsonType.String:
                return Applies(field, value.AsString) ? new BsonObjectId(ObjectId.Parse(value.AsString)) : null;
            case BsonType.Document:
                ApplyTo(value.AsBsonDocument, field);
                return null;
            case BsonType.Array:
                {
                    var array = value.AsBsonArray;
                    for (int i = 0; i < array.Count; i++)
                    {
                        var replaced = Convert(array[i], field);
                        if (replaced is not null) array[i] = replaced;
                    }
                    return null;
                }
            default:
                return null;
        }
    }
}
