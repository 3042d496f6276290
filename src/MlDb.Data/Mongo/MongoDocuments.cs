using System.Text;
using MlDb.Language;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;

namespace MlDb.Data.Mongo;

/// <summary>
/// Filters and pipelines as the user gives them — ML objects (from PowerShell dictionaries) or
/// JSON text (MongoDB Extended JSON, shell forms such as <c>ObjectId("…")</c> included) — turned
/// into BSON, with the <see cref="ObjectIdRule"/> applied; and their shape for -Verbose logs.
/// </summary>
public static class MongoDocuments
{
    /// <summary>A filter from an ML object (null = every document).</summary>
    public static BsonDocument Filter(MlObject? filter) => filter is null ? new BsonDocument() : BsonMapping.ToBsonDocument(filter);

    /// <summary>A filter from JSON text (empty or whitespace = every document).</summary>
    public static BsonDocument Filter(string? json)
    {
        if (string.IsNullOrWhiteSpace(json)) return new BsonDocument();
        BsonDocument document;
        try
        {
            document = BsonDocument.Parse(json);
        }
        catch (Exception ex) when (ex is FormatException or BsonException or InvalidOperationException or EndOfStreamException)
        {
            throw new MlDbException(MlDbErrorIds.InvalidArgument, MlDbErrorKind.InvalidArgument,
                $"The filter is not a valid JSON document: {MongoErrors.FirstLine(ex.Message)}", json, ex);
        }
        ObjectIdRule.ApplyTo(document);
        return document;
    }

    /// <summary>Pipeline stages from an ML array of objects.</summary>
    public static List<BsonDocument> Pipeline(MlArray stages)
    {
        var result = new List<BsonDocument>(stages.Count);
        for (int i = 0; i < stages.Count; i++)
        {
            if (!stages[i].TryGetObject(out var stage))
                throw new MlDbException(MlDbErrorIds.InvalidArgument, MlDbErrorKind.InvalidArgument,
                    $"Pipeline stage {i + 1} is a {stages[i].TypeName}; every stage is a dictionary such as @{{ '$match' = @{{ active = $true }} }}.", i);
            result.Add(BsonMapping.ToBsonDocument(stage));
        }
        return CheckStages(result);
    }

    /// <summary>Pipeline stages from JSON text: an array of stage documents (or one stage document).</summary>
    public static List<BsonDocument> Pipeline(string json)
    {
        if (string.IsNullOrWhiteSpace(json))
            throw new MlDbException(MlDbErrorIds.InvalidArgument, MlDbErrorKind.InvalidArgument, "The pipeline text is empty.", json);
        var result = new List<BsonDocument>();
        try
        {
            string trimmed = json.TrimStart();
            if (trimmed.StartsWith('['))
            {
                var array = BsonSerializer.Deserialize<BsonArray>(json);
                for (int i = 0; i < array.Count; i++)
                {
                    if (!array[i].IsBsonDocument)
                        throw new MlDbException(MlDbErrorIds.InvalidArgument, MlDbErrorKind.InvalidArgument,
                            $"Pipeline stage {i + 1} is not a JSON document.", json);
                    result.Add(array[i].AsBsonDocument);
                }
            }
            else
            {
                result.Add(BsonDocument.Parse(json));
            }
        }
        catch (Exception ex) when (ex is FormatException or BsonException or InvalidOperationException or EndOfStreamException)
        {
            throw new MlDbException(MlDbErrorIds.InvalidArgument, MlDbErrorKind.InvalidArgument,
                $"The pipeline is not a valid JSON array of stages: {MongoErrors.FirstLine(ex.Message)}", json, ex);
        }
        foreach (var stage in result) ObjectIdRule.ApplyTo(stage);
        return CheckStages(result);
    }

    private static List<BsonDocument> CheckStages(List<BsonDocument> stages)
    {
        for (int i = 0; i < stages.Count; i++)
        {
            var stage = stages[i];
            if (stage.ElementCount != 1 || !stage.GetElement(0).Name.StartsWith('$'))
                throw new MlDbException(MlDbErrorIds.InvalidArgument, MlDbErrorKind.InvalidArgument,
                    $"Pipeline stage {i + 1} must have exactly one key, the stage operator ($match, $group, …); it has {(stage.ElementCount == 0 ? "none" : string.Join(", ", stage.Names))}.", i);
        }
        return stages;
    }

    /// <summary>
    /// The shape of a filter or stage for logs: keys and operators kept, every value shown as
    /// <c>?</c> (values may be secrets, just as SQL logs show parameters, not their values).
    /// </summary>
    public static string Shape(BsonValue value)
    {
        var sb = new StringBuilder();
        Write(sb, value, 0);
        return sb.ToString();
    }

    private static void Write(StringBuilder sb, BsonValue value, int depth)
    {
        if (depth > 20)
        {
            sb.Append('…');
            return;
        }
        switch (value.BsonType)
        {
            case BsonType.Document:
                {
                    var document = value.AsBsonDocument;
                    sb.Append('{');
                    for (int i = 0; i < document.ElementCount; i++)
                    {
                        if (i > 0) sb.Append(", ");
                        var element = document.GetElement(i);
                        MlJson.WriteString(sb, element.Name);
                        sb.Append(": ");
                        Write(sb, element.Value, depth + 1);
                    }
                    sb.Append('}');
                    break;
                }
            case BsonType.Array:
                {
                    var array = value.AsBsonArray;
                    sb.Append('[');
                    for (int i = 0; i < array.Count; i++)
                    {
                        if (i > 0) sb.Append(", ");
                        Write(sb, array[i], depth + 1);
                    }
                    sb.Append(']');
                    break;
                }
            default:
                sb.Append('?');
                break;
        }
    }
}
