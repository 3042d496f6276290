using System.Collections.Specialized;
using MlDb.Data.Processing;
using MlDb.Language;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MlDb.Data.Mongo;

/// <summary>
/// What to read from MongoDB: a find (filter as an ML object or JSON text, optional limit) or an
/// aggregation pipeline (stages as ML objects or JSON text) on one collection.
/// </summary>
public sealed class MongoQuerySpec
{
    public required string Collection { get; init; }

    /// <summary>The database; null = the connection's default.</summary>
    public string? Database { get; init; }

    /// <summary>Find filter from a dictionary (keys and operators as MongoDB reads them; values never parsed).</summary>
    public MlObject? Filter { get; init; }

    /// <summary>Find filter as JSON text (Extended JSON).</summary>
    public string? FilterJson { get; init; }

    /// <summary>Most documents a find returns (0 returns none); null = all.</summary>
    public int? Limit { get; init; }

    /// <summary>Aggregation stages from dictionaries.</summary>
    public MlArray? Pipeline { get; init; }

    /// <summary>Aggregation stages as JSON text (an array of stage documents).</summary>
    public string? PipelineJson { get; init; }

    public bool IsAggregation => Pipeline is not null || PipelineJson is not null;

    /// <summary>The key the aggregate-mode function finds the documents under: <c>results</c> after a pipeline, <c>documents</c> after a find.</summary>
    public string EnvelopeKey => IsAggregation ? "results" : "documents";
}

/// <summary>
/// MongoDB read flows, streaming from the driver's cursor (one batch of the server's reply held
/// at a time, never the whole result): documents straight to host values (no ML function),
/// aggregate mode (<c>{documents|results: [...], count: n}</c> for one ML call) and per-row mode
/// (one ML call per document as it is read, null results dropped, nothing kept).
/// </summary>
public sealed class MongoQueryFlow(MongoMlConnection connection, FlowContext context)
{
    private readonly MongoMlConnection _connection = connection;
    private readonly FlowContext _context = context;

    /// <summary>Documents as host values (ordered dictionaries), one at a time as the cursor advances.</summary>
    public IEnumerable<OrderedDictionary> Documents(MongoQuerySpec query) => Read(query, BsonMapping.ToHostDocument);

    /// <summary>Documents as ML objects, one at a time.</summary>
    public IEnumerable<MlObject> MlDocuments(MongoQuerySpec query)
    {
        var layouts = new DocumentLayouts();
        return Read(query, document => BsonMapping.ToMlObjectWith(document, layouts));
    }

    /// <summary>Reads every document, then calls the function once with <c>{documents|results: [...], count: n}</c>.</summary>
    public MlValue Aggregate(MongoQuerySpec query, MlFunctionCall function)
    {
        var documents = new MlArray();
        foreach (var document in MlDocuments(query)) documents.Add(MlValue.FromObject(document));
        var envelope = new MlObject();
        envelope.Set(query.EnvelopeKey, MlValue.FromArray(documents));
        envelope.Set("count", MlValue.FromInt(documents.Count));
        _context.Progress?.Invoke($"Calling {function.Name} with {documents.Count} documents", documents.Count);
        return function.Call(MlValue.FromObject(envelope));
    }

    /// <summary>Calls the function once per document as the documents are read; yields the non-null results.</summary>
    public IEnumerable<MlValue> PerRow(MongoQuerySpec query, MlFunctionCall function)
    {
        foreach (var document in MlDocuments(query))
        {
            var result = function.Call(MlValue.FromObject(document));
            if (!result.IsNull) yield return result;
        }
    }

    private IEnumerable<T> Read<T>(MongoQuerySpec query, Func<BsonDocument, T> project)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Filter is not null && query.FilterJson is not null)
            throw new MlDbException(MlDbErrorIds.InvalidArgument, MlDbErrorKind.InvalidArgument, "Give the filter as a dictionary or as JSON text, not both.", null);
        if (query.Pipeline is not null && query.PipelineJson is not null)
            throw new MlDbException(MlDbErrorIds.InvalidArgument, MlDbErrorKind.InvalidArgument, "Give the pipeline as dictionaries or as JSON text, not both.", null);
        if (query.IsAggregation && (query.Filter is not null || query.FilterJson is not null || query.Limit is not null))
            throw new MlDbException(MlDbErrorIds.InvalidArgument, MlDbErrorKind.InvalidArgument,
                "A pipeline takes no -Filter or -Limit: use $match and $limit stages.", null);
        if (query.Limit is < 0)
            throw new MlDbException(MlDbErrorIds.InvalidArgument, MlDbErrorKind.InvalidArgument, "The limit cannot be negative.", query.Limit);
        return ReadCore(query, project);
    }

    private IEnumerable<T> ReadCore<T>(MongoQuerySpec query, Func<BsonDocument, T> project)
    {
        var token = _context.CancellationToken;
        var collection = _connection.GetCollection(query.Database, query.Collection);
        string target = collection.Database.DatabaseNamespace.DatabaseName + "." + query.Collection;
        string operation = query.IsAggregation ? "aggregate on " + target : "find on " + target;
        if (query.Limit == 0)
        {
            _context.Verbose($"find {target} limit 0: nothing to read.");
            yield break;
        }

        IAsyncCursor<BsonDocument> cursor;
        if (query.IsAggregation)
        {
            var stages = query.Pipeline is not null ? MongoDocuments.Pipeline(query.Pipeline) : MongoDocuments.Pipeline(query.PipelineJson!);
            _context.Verbose($"aggregate {target} [{string.Join(", ", stages.Select(MongoDocuments.Shape))}]");
            var options = new AggregateOptions { MaxTime = _context.CommandTimeout };
            cursor = Run(() => collection.Aggregate(PipelineDefinition<BsonDocument, BsonDocument>.Create(stages), options, token), operation);
        }
        else
        {
            var filter = query.FilterJson is not null ? MongoDocuments.Filter(query.FilterJson) : MongoDocuments.Filter(query.Filter);
            _context.Verbose($"find {target} {MongoDocuments.Shape(filter)}{(query.Limit is { } l ? " limit " + l : "")}");
            var options = new FindOptions<BsonDocument, BsonDocument> { Limit = query.Limit, MaxTime = _context.CommandTimeout };
            cursor = Run(() => collection.FindSync(new BsonDocumentFilterDefinition<BsonDocument>(filter), options, token), operation);
        }

        long count = 0;
        using (cursor)
        {
            while (Run(() => cursor.MoveNext(token), operation))
            {
                foreach (var document in cursor.Current)
                {
                    token.ThrowIfCancellationRequested();
                    T item;
                    try
                    {
                        item = project(document);
                    }
                    catch (MlDbException ex) when (ex.ErrorId == MlDbErrorIds.ConversionFailed)
                    {
                        throw new MlDbException(ex.ErrorId, ex.Kind, $"Document {count + 1} of the {operation} {Describe(document)}: {ex.Message}", null, ex);
                    }
                    yield return item;
                    count++;
                    if ((count & 0xFF) == 0) _context.Progress?.Invoke("Reading documents", count);
                }
            }
        }
        _context.Verbose($"{count} document(s) read.");
    }

    private static string Describe(BsonDocument document) =>
        document.TryGetValue("_id", out var id) ? "(_id " + id + ")" : "";

    private TResult Run<TResult>(Func<TResult> action, string operation)
    {
        try
        {
            return action();
        }
        catch (Exception ex) when (MongoErrors.IsDriverError(ex))
        {
            _context.CancellationToken.ThrowIfCancellationRequested();
            throw MongoErrors.Translate(ex, _connection, operation);
        }
    }
}
