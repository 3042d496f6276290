using MlDb.Data.Processing;
using MlDb.Language;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MlDb.Data.Mongo;

/// <summary>What happened to one record given to <see cref="MongoRecordInserter"/>.</summary>
public enum MongoInsertStatus
{
    /// <summary>Written; <see cref="MongoInsertOutcome.Id"/> holds its <c>_id</c> as a string.</summary>
    Inserted,

    /// <summary>The function returned null: nothing to write.</summary>
    Skipped,

    /// <summary>Processed but not written (-WhatIf, or -Confirm declined).</summary>
    NotWritten,

    /// <summary>The server refused this document (a duplicate <c>_id</c>, a validation rule); <see cref="MongoInsertOutcome.Error"/> says why. The others of its batch went in.</summary>
    Failed,
}

/// <param name="Status">What happened.</param>
/// <param name="Id">The document's <c>_id</c> as a string (ObjectIds as 24 hex digits) when inserted.</param>
/// <param name="Document">The document as written (or as it would have been).</param>
/// <param name="Index">0-based position of the record in the input.</param>
/// <param name="Error">Why the server refused it, when <see cref="MongoInsertStatus.Failed"/>.</param>
public sealed record MongoInsertOutcome(MongoInsertStatus Status, string? Id, MlObject? Document, int Index, MlRecordException? Error = null);

/// <summary>
/// Validate → insert for MongoDB. Each record goes through the ML function (if any) as it
/// arrives; the returned object (with <c>created_at</c> and <c>processed_by_ml = true</c> under
/// <see cref="AddMetadata"/>) is converted to BSON and held; every <see cref="BatchSize"/> records
/// one unordered <c>insertMany</c> writes them. A record the function rejects raises
/// <see cref="MlRecordException"/> at once and is never held; a document the server refuses
/// comes back as a <see cref="MongoInsertStatus.Failed"/> outcome while the rest of its batch goes
/// in. A server that cannot be reached is one <see cref="MlDbException"/> (ConnectionFailed) for
/// the command. At most one batch is held.
/// </summary>
public sealed class MongoRecordInserter
{
    private readonly MongoMlConnection _connection;
    private readonly MlFunctionCall? _function;
    private readonly FlowContext _context;
    private readonly IMongoCollection<BsonDocument> _collection;
    private readonly List<Pending> _pending = [];
    private int _next;
    private int _batchNumber;

    private readonly record struct Pending(BsonDocument Document, MlObject Source, MlValue Record, int Index);

    public MongoRecordInserter(MongoMlConnection connection, string? database, string collection, MlFunctionCall? function,
        bool addMetadata, int batchSize, FlowContext context)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(context);
        if (batchSize < 1)
            throw new MlDbException(MlDbErrorIds.InvalidArgument, MlDbErrorKind.InvalidArgument, "The batch size must be at least 1.", batchSize);
        _connection = connection;
        _function = function;
        _context = context;
        _collection = connection.GetCollection(database, collection);
        Target = _collection.Database.DatabaseNamespace.DatabaseName + "." + collection;
        AddMetadata = addMetadata;
        BatchSize = batchSize;
    }

    /// <summary><c>database.collection</c>.</summary>
    public string Target { get; }

    public bool AddMetadata { get; }

    public int BatchSize { get; }

    public int Inserted { get; private set; }

    public int Rejected { get; private set; }

    /// <summary>
    /// Processes one record. Returns the outcomes that are now known: this record's when it was
    /// skipped or not written, and every record of a batch that this record completed. Throws
    /// <see cref="MlRecordException"/> when this record is rejected (nothing of it is written).
    /// </summary>
    public IReadOnlyList<MongoInsertOutcome> Add(MlValue record)
    {
        int index = _next++;
        MlValue processed = record;
        if (_function is not null)
        {
            try
            {
                processed = _function.Call(record);
            }
            catch (MlScriptException ex) when (!ex.IsCancellation && !ex.IsTimeout)
            {
                throw Reject(MlDbErrorIds.RecordRejected, MlDbErrorKind.InvalidData, index, record, $"{_function.Name} rejected it: {ex.Message}", ex);
            }
            if (processed.IsNull) return [new MongoInsertOutcome(MongoInsertStatus.Skipped, null, null, index)];
        }
        if (!processed.TryGetObject(out var obj))
            throw Reject(MlDbErrorIds.InvalidResult, MlDbErrorKind.InvalidData, index, record,
                _function is null ? $"a document must be an object, not {processed.TypeName}" : $"{_function.Name} returned {processed.TypeName}, not an object to insert", null);
        if (AddMetadata)
        {
            var now = (_context.CallOptions.Clock ?? TimeProvider.System).GetUtcNow();
            obj.Set("created_at", MlValue.FromDate(now));
            obj.Set("processed_by_ml", MlValue.True);
        }
        BsonDocument document;
        try
        {
            document = BsonMapping.ToBsonDocument(obj);
        }
        catch (MlDbException ex)
        {
            throw Reject(ex.ErrorId, ex.Kind, index, processed, ex.Message, ex);
        }
        if (!_context.AllowWrite(Target, "Insert " + MlText.Describe(MlValue.FromObject(obj), 500)))
            return [new MongoInsertOutcome(MongoInsertStatus.NotWritten, null, obj, index)];
        if (!document.Contains("_id")) document.InsertAt(0, new BsonElement("_id", ObjectId.GenerateNewId()));
        _pending.Add(new Pending(document, obj, record, index));
        return _pending.Count >= BatchSize ? Flush() : [];
    }

    /// <summary>Counts a record that never reached the inserter (its caller could not convert it), so record numbers in messages stay those of the input.</summary>
    public void SkipIndex() => _next++;

    /// <summary>Writes the documents held (the last, partial batch); empty when none are held.</summary>
    public IReadOnlyList<MongoInsertOutcome> Flush()
    {
        if (_pending.Count == 0) return [];
        var batch = _pending.ToArray();
        _pending.Clear();
        int number = ++_batchNumber;
        var failures = new Dictionary<int, string>();
        _context.Verbose($"insertMany {Target}: batch {number}, {batch.Length} document(s), unordered");
        try
        {
            _collection.InsertMany(batch.Select(p => p.Document), new InsertManyOptions { IsOrdered = false }, _context.CancellationToken);
        }
        catch (MongoBulkWriteException<BsonDocument> ex) when (ex.WriteConcernError is null && ex.WriteErrors.Count > 0)
        {
            foreach (var error in ex.WriteErrors)
                failures[error.Index] = $"MongoDB refused it: {MongoErrors.FirstLine(error.Message)} (code {error.Code})";
        }
        catch (Exception ex) when (MongoErrors.IsDriverError(ex))
        {
            _context.CancellationToken.ThrowIfCancellationRequested();
            throw MongoErrors.Translate(ex, _connection, $"insert batch {number} into {Target}");
        }

        var outcomes = new MongoInsertOutcome[batch.Length];
        for (int i = 0; i < batch.Length; i++)
        {
            var p = batch[i];
            if (failures.TryGetValue(i, out var reason))
            {
                Rejected++;
                outcomes[i] = new MongoInsertOutcome(MongoInsertStatus.Failed, null, p.Source, p.Index,
                    Reject(MlDbErrorIds.InsertFailed, MlDbErrorKind.WriteError, p.Index, MlValue.FromObject(p.Source), reason, null));
            }
            else
            {
                Inserted++;
                outcomes[i] = new MongoInsertOutcome(MongoInsertStatus.Inserted, IdText(p.Document["_id"]), p.Source, p.Index);
            }
        }
        _context.Progress?.Invoke($"Inserted batch {number} into {Target}", Inserted);
        return outcomes;
    }

    /// <summary>An <c>_id</c> as a string: ObjectIds as 24 hex digits, other values as their ML text.</summary>
    public static string IdText(BsonValue id) =>
        id.BsonType switch
        {
            BsonType.ObjectId => BsonMapping.ObjectIdText(id.AsObjectId),
            BsonType.String => id.AsString,
            _ => MlText.Describe(BsonMapping.ToMl(id), 1000),
        };

    private MlRecordException Reject(string id, MlDbErrorKind kind, int index, MlValue record, string reason, Exception? inner)
    {
        if (id != MlDbErrorIds.InsertFailed) Rejected++;
        string text = MlText.Describe(record);
        return new MlRecordException(id, kind, $"Record {index + 1} {text} was not inserted into {Target}: {reason}", index, text, inner);
    }
}
