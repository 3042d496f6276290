using System.Diagnostics;
using System.Globalization;
using System.Runtime.ExceptionServices;
using MlDb.Data.Processing;
using MlDb.Language;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MlDb.Data.Mongo;

/// <summary>What happened to one record given to <see cref="MongoRecordInserter"/>.</summary>
public enum MongoWriteStatus
{
    /// <summary>Acknowledged by the server; <see cref="MongoWriteOutcome.Id"/> and <see cref="MongoWriteOutcome.Action"/> say what it is now.</summary>
    Written,

    /// <summary>The function returned null: nothing to write.</summary>
    Skipped,

    /// <summary>Processed but not written (-WhatIf, or -Confirm declined); <see cref="MongoWriteOutcome.Action"/> is what would have happened when it is known.</summary>
    NotWritten,

    /// <summary>Not written: the server refused it (a duplicate <c>_id</c>, a validation rule) or, under <see cref="MongoConflictAction.Error"/>, its key exists. <see cref="MongoWriteOutcome.Error"/> says why; the others of its group went in.</summary>
    Failed,
}

/// <param name="Status">What happened.</param>
/// <param name="Index">0-based position of the record in the input.</param>
/// <param name="Document">The record as written (after the function and the metadata), or as it would have been.</param>
/// <param name="Id">The document's <c>_id</c> as a string (ObjectIds as 24 hex digits) once written: the new one, or the existing document's.</param>
/// <param name="Action">Inserted, Updated or Unchanged.</param>
/// <param name="Error">Why it was not written, when <see cref="MongoWriteStatus.Failed"/>.</param>
public sealed record MongoWriteOutcome(MongoWriteStatus Status, int Index, MlObject? Document, string? Id = null, MongoWriteAction? Action = null, MlRecordException? Error = null);

/// <summary>How <see cref="MongoRecordInserter"/> groups and writes.</summary>
public sealed record MongoWriteOptions
{
    /// <summary>How long a group may stay open before it is sent, when <see cref="GroupTime"/> is not given.</summary>
    public static readonly TimeSpan DefaultGroupTime = TimeSpan.FromMilliseconds(250);

    /// <summary>Adds <c>created_at</c> (the current date) and <c>processed_by_ml = true</c> to each document.</summary>
    public bool AddMetadata { get; init; }

    /// <summary>Documents per group (one insertMany or bulk write each).</summary>
    public int GroupSize { get; init; } = 1000;

    /// <summary>A group open this long is sent even when no record arrives; zero or infinite: only by size and at the end.</summary>
    public TimeSpan GroupTime { get; init; } = DefaultGroupTime;

    /// <summary>What a record whose <see cref="Key"/> exists does. Giving it (other than Error) without a key upserts by <c>_id</c>.</summary>
    public MongoConflictAction OnConflict { get; init; } = MongoConflictAction.Error;

    /// <summary>The fields that identify a record; null = plain inserts (or <c>_id</c> under Ignore/Update).</summary>
    public IReadOnlyList<string>? Key { get; init; }

    /// <summary>
    /// Reads, before the write gate is asked, whether each keyed record's document exists, so that
    /// -WhatIf and -Confirm say "Insert" or "Update" (one find per record: for previews only).
    /// </summary>
    public bool LookUpActions { get; init; }
}

/// <summary>
/// Validate → write for MongoDB, in groups. Each record goes through the ML function (if any) as
/// it arrives; the returned object (with <c>created_at</c> and <c>processed_by_ml = true</c> under
/// <see cref="MongoWriteOptions.AddMetadata"/>) is converted to BSON and joins the open group. A
/// group is sent when it holds <see cref="MongoWriteOptions.GroupSize"/> documents, when it has
/// been open <see cref="MongoWriteOptions.GroupTime"/> (a timer: this holds while the caller
/// waits for its next record), and at <see cref="Flush"/>. Without a key a group is one
/// unordered <c>insertMany</c>; with one it is one unordered bulk of <c>updateOne … upsert</c>.
/// <para>Groups go to the server in order, on a background task, one at a time, so the next
/// records' ML runs while a group is on the wire; at most one group waits behind the one being
/// sent. Outcomes are only known — and only handed out by <see cref="TakeCompleted"/> — once the
/// server acknowledged their group, so an id the caller writes out is a stored document.</para>
/// <para>A record the function rejects raises <see cref="MlRecordException"/> from <see cref="Add"/>
/// and never joins a group; a document the server refuses comes back as a
/// <see cref="MongoWriteStatus.Failed"/> outcome while the rest of its group is written. A server
/// that cannot be reached is one <see cref="MlDbException"/> (ConnectionFailed) naming the group
/// and its records, raised by the next call on the caller's thread; nothing after that group is sent.
/// Verbose lines and progress are handed to the <see cref="FlowContext"/> on the caller's thread
/// only (PowerShell accepts them from no other).</para>
/// <para><see cref="Dispose"/> without <see cref="Flush"/> (Ctrl+C, an error) sends nothing more:
/// the open group and a waiting one are dropped, a group on the wire is cancelled with the
/// context's token (the server may still have written it; its ids are never handed out).</para>
/// </summary>
public sealed class MongoRecordInserter : IDisposable
{
    private readonly MongoMlConnection _connection;
    private readonly MlFunctionCall? _function;
    private readonly FlowContext _context;
    private readonly IMongoCollection<BsonDocument> _collection;
    private readonly MongoKeyFields? _key;
    private readonly IReadOnlyList<string> _nameFields;
    private readonly Timer? _timer;

    // Everything below is shared with the sender task and the timer, under _lock.
    private readonly object _lock = new();
    private List<Pending> _open = [];
    private readonly HashSet<string> _openKeys = new(StringComparer.Ordinal);
    private long _openedAt;
    private readonly Queue<Group> _ready = new();
    private readonly Queue<MongoWriteOutcome> _done = new();
    private readonly Queue<string> _log = new();
    private ExceptionDispatchInfo? _failure;
    private bool _sending;
    private bool _closed;
    private int _groups;

    private int _next;

    private sealed record Pending(BsonDocument Document, BsonDocument? Filter, string? Identity, MlObject Source, int Index);

    private sealed record Group(Pending[] Items, int Number, string Reason);

    public MongoRecordInserter(MongoMlConnection connection, string? database, string collection, MlFunctionCall? function,
        MongoWriteOptions options, FlowContext context)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(context);
        if (options.GroupSize < 1)
            throw new MlDbException(MlDbErrorIds.InvalidArgument, MlDbErrorKind.InvalidArgument, "The group size must be at least 1.", options.GroupSize);
        _connection = connection;
        _function = function;
        _context = context;
        Options = options;
        var target = connection.GetCollection(database, collection);
        // Ids go out only once the server acknowledged their group: an unacknowledged write
        // concern (w=0 in the URI) would acknowledge nothing, so these writes ask for w=1 at least.
        _collection = target.Settings.WriteConcern.IsAcknowledged ? target : target.WithWriteConcern(WriteConcern.W1);
        Target = _collection.Database.DatabaseNamespace.DatabaseName + "." + collection;
        var key = options.Key is { Count: > 0 } k ? k : options.OnConflict == MongoConflictAction.Error ? null : ["_id"];
        _key = key is null ? null : new MongoKeyFields(key);
        _nameFields = _key?.Names ?? ["_id"];
        var time = options.GroupTime;
        if (time > TimeSpan.Zero && time != Timeout.InfiniteTimeSpan) _timer = new Timer(OnTimer);
    }

    /// <summary><c>database.collection</c>.</summary>
    public string Target { get; }

    public MongoWriteOptions Options { get; }

    /// <summary>The key fields (null: plain inserts).</summary>
    public IReadOnlyList<string>? Key => _key?.Names;

    /// <summary>Counts of the outcomes handed out so far (and of records rejected before they joined a group).</summary>
    public int Inserted { get; private set; }

    public int Updated { get; private set; }

    public int Unchanged { get; private set; }

    public int Rejected { get; private set; }

    /// <summary>
    /// Processes one record: it is rejected (<see cref="MlRecordException"/>, nothing of it is
    /// written), finished at once (the returned Skipped or NotWritten outcome), or joins the open
    /// group (null; its outcome comes from <see cref="TakeCompleted"/> once its group is
    /// acknowledged). Throws the failure of an earlier group (see <see cref="ThrowIfFailed"/>).
    /// </summary>
    public MongoWriteOutcome? Add(MlValue record)
    {
        ThrowIfFailed();
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
                throw Reject(MlDbErrorIds.RecordRejected, MlDbErrorKind.InvalidData, index, AsObject(record), $"{_function.Name} rejected it: {ex.Message}", ex);
            }
            if (processed.IsNull) return new MongoWriteOutcome(MongoWriteStatus.Skipped, index, null);
        }
        if (!processed.TryGetObject(out var obj))
            throw Reject(MlDbErrorIds.InvalidResult, MlDbErrorKind.InvalidData, index, AsObject(record),
                _function is null ? $"a document must be an object, not {processed.TypeName}" : $"{_function.Name} returned {processed.TypeName}, not an object to insert", null);
        if (Options.AddMetadata)
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
            throw Reject(ex.ErrorId, ex.Kind, index, obj, ex.Message, ex);
        }
        if (!document.Contains("_id")) document.InsertAt(0, new BsonElement("_id", ObjectId.GenerateNewId()));

        BsonDocument? filter = null;
        string? identity = null;
        if (_key is not null)
        {
            filter = _key.Filter(document, out var problem);
            if (filter is null) throw Reject(MlDbErrorIds.InvalidValue, MlDbErrorKind.InvalidData, index, obj, problem!, null);
            foreach (var element in document)
            {
                // In an update a dotted name is a path and a $ name an operator: such a field
                // would land somewhere else than the record says.
                if (element.Name.Contains('.') || element.Name.StartsWith('$'))
                    throw Reject(MlDbErrorIds.InvalidIdentifier, MlDbErrorKind.InvalidData, index, obj,
                        $"its field '{element.Name}' cannot be written by an upsert (-Key): MongoDB reads '.' in an update as a path and '$' as an operator", null);
            }
            identity = _key.Identity(filter);
        }

        var pending = new Pending(document, filter, identity, obj, index);
        if (!AllowWrite(pending, out var wouldBe))
            return new MongoWriteOutcome(MongoWriteStatus.NotWritten, index, obj, Action: wouldBe);
        Join(pending);
        return null;
    }

    /// <summary>Counts a record that never reached the inserter (its caller could not convert it), so record numbers in messages stay those of the input.</summary>
    public void SkipIndex() => _next++;

    /// <summary>
    /// The outcomes of the groups acknowledged since the last call, in input order (and, through
    /// the context, the verbose lines and progress of their sends). Never throws a group's failure:
    /// call <see cref="ThrowIfFailed"/> after handing these out.
    /// </summary>
    public IReadOnlyList<MongoWriteOutcome> TakeCompleted()
    {
        string[] lines;
        MongoWriteOutcome[] outcomes;
        lock (_lock)
        {
            lines = _log.Count == 0 ? [] : [.. _log];
            _log.Clear();
            outcomes = _done.Count == 0 ? [] : [.. _done];
            _done.Clear();
        }
        foreach (var line in lines) _context.Verbose(line);
        if (outcomes.Length == 0) return outcomes;
        foreach (var outcome in outcomes)
        {
            switch (outcome.Action)
            {
                case MongoWriteAction.Inserted when outcome.Status == MongoWriteStatus.Written: Inserted++; break;
                case MongoWriteAction.Updated when outcome.Status == MongoWriteStatus.Written: Updated++; break;
                case MongoWriteAction.Unchanged when outcome.Status == MongoWriteStatus.Written: Unchanged++; break;
            }
            if (outcome.Status == MongoWriteStatus.Failed) Rejected++;
        }
        _context.Progress?.Invoke($"Documents written to {Target}", Inserted + Updated + Unchanged);
        return outcomes;
    }

    /// <summary>Throws the failure of a group (the server lost, Ctrl+C during a send), once its predecessors' outcomes were taken.</summary>
    public void ThrowIfFailed()
    {
        ExceptionDispatchInfo? failure;
        lock (_lock) failure = _failure;
        failure?.Throw();
    }

    /// <summary>Sends the open group and waits until every group is acknowledged; then <see cref="TakeCompleted"/> hands out the rest.</summary>
    public void Flush()
    {
        lock (_lock)
        {
            Detach("at the end");
            Pump();
            WaitUntil(() => !_sending && _ready.Count == 0);
        }
    }

    /// <summary>Sends nothing more (see the class remarks) and waits briefly for a send under way to stop.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_closed) return;
            _closed = true;
            _ready.Clear();
            _open = [];
            _openKeys.Clear();
            // A send under way was cancelled with the token or finishes on its own; its
            // outcomes are no longer handed out.
            var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 10;
            while (_sending && Stopwatch.GetTimestamp() < deadline) Monitor.Wait(_lock, 100);
        }
        _timer?.Dispose();
    }

    // ---- grouping ------------------------------------------------------------------------------

    private void Join(Pending pending)
    {
        bool arm;
        lock (_lock)
        {
            // Two records with one key in one unordered bulk could be applied in either order:
            // the first one's group goes first, so the later record always wins.
            if (pending.Identity is not null && _openKeys.Contains(pending.Identity)) Detach("a record with the same key follows");
            arm = _open.Count == 0;
            if (arm) _openedAt = Stopwatch.GetTimestamp();
            _open.Add(pending);
            if (pending.Identity is not null) _openKeys.Add(pending.Identity);
            if (_open.Count >= Options.GroupSize)
            {
                Detach($"{_open.Count} document(s)");
                arm = false;
            }
            if (_ready.Count > 0)
            {
                Pump();
                // At most one group waits behind the one on the wire: memory stays at two groups
                // and the caller (the pipeline) slows to the server's pace.
                WaitUntil(() => _ready.Count == 0);
            }
        }
        if (arm) ArmTimer(Options.GroupTime);
    }

    /// <summary>Moves the open group to the send queue (under the lock; order of detaching = order of sending).</summary>
    private void Detach(string reason)
    {
        if (_open.Count == 0 || _closed) return;
        _ready.Enqueue(new Group([.. _open], ++_groups, reason));
        _open = [];
        _openKeys.Clear();
    }

    /// <summary>Starts the sender task when groups wait and none runs (under the lock).</summary>
    private void Pump()
    {
        if (_sending || _ready.Count == 0 || _closed || _failure is not null) return;
        _sending = true;
        _ = Task.Run(SendLoop);
    }

    /// <summary>Waits (under the lock) until the condition holds, a group failed, or Ctrl+C.</summary>
    private void WaitUntil(Func<bool> done)
    {
        while (!done() && _failure is null)
        {
            _context.CancellationToken.ThrowIfCancellationRequested();
            Monitor.Wait(_lock, 100);
        }
    }

    private void ArmTimer(TimeSpan due)
    {
        try
        {
            _timer?.Change(due, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // disposed: nothing more is sent
        }
    }

    private void OnTimer(object? state)
    {
        TimeSpan? again = null;
        lock (_lock)
        {
            if (_closed || _open.Count == 0) return;
            var age = Stopwatch.GetElapsedTime(_openedAt);
            if (age >= Options.GroupTime)
            {
                Detach($"open {age.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)} ms");
                Pump();
            }
            else
            {
                again = Options.GroupTime - age;
            }
        }
        if (again is { } due) ArmTimer(due);
    }

    private void SendLoop()
    {
        while (true)
        {
            Group group;
            lock (_lock)
            {
                if (_closed || _failure is not null || _ready.Count == 0)
                {
                    _sending = false;
                    Monitor.PulseAll(_lock);
                    return;
                }
                group = _ready.Dequeue();
                Monitor.PulseAll(_lock);
            }
            try
            {
                var outcomes = _key is null ? InsertGroup(group) : UpsertGroup(group);
                lock (_lock)
                {
                    foreach (var outcome in outcomes) _done.Enqueue(outcome);
                }
            }
            catch (Exception ex)
            {
                // Never out of a thread-pool task: the caller's thread raises it (ThrowIfFailed).
                lock (_lock) _failure ??= ExceptionDispatchInfo.Capture(ex);
            }
        }
    }

    // ---- the write gate (-WhatIf / -Confirm) ---------------------------------------------------

    private bool AllowWrite(Pending pending, out MongoWriteAction? wouldBe)
    {
        string name = Name(pending.Index, pending.Source);
        wouldBe = MongoWriteAction.Inserted;
        string action;
        if (_key is null)
        {
            action = "Insert " + name;
        }
        else if (Options.LookUpActions)
        {
            var existing = ExistingIds([pending]);
            if (!existing.TryGetValue(pending.Identity!, out var id))
            {
                action = "Insert " + name;
            }
            else
            {
                (action, wouldBe) = Options.OnConflict switch
                {
                    MongoConflictAction.Update => ($"Update {name}: the document with _id {id}", MongoWriteAction.Updated),
                    MongoConflictAction.Ignore => ($"Leave {name} as it is: the document with _id {id} has its key", MongoWriteAction.Unchanged),
                    _ => ($"Reject {name}: the document with _id {id} has its key (-OnConflict Error)", (MongoWriteAction?)null),
                };
            }
        }
        else
        {
            action = Options.OnConflict switch
            {
                MongoConflictAction.Update => "Insert or update " + name,
                MongoConflictAction.Ignore => $"Insert {name} unless its key exists",
                _ => $"Insert {name}; an error if its key exists",
            };
        }
        return _context.AllowWrite(Target, action);
    }

    // ---- sending (on the sender task) --------------------------------------------------------------

    private MongoWriteOutcome[] InsertGroup(Group group)
    {
        var items = group.Items;
        Log($"insertMany {Target}: group {group.Number}, {items.Length} document(s), unordered (sent: {group.Reason})");
        var refused = new Dictionary<int, string>();
        try
        {
            _collection.InsertMany(items.Select(p => p.Document), new InsertManyOptions { IsOrdered = false }, _context.CancellationToken);
        }
        catch (MongoBulkWriteException<BsonDocument> ex) when (ex.WriteConcernError is null && ex.WriteErrors.Count > 0)
        {
            foreach (var error in ex.WriteErrors) refused[error.Index] = Refusal(error);
        }
        catch (Exception ex) when (MongoErrors.IsDriverError(ex))
        {
            _context.CancellationToken.ThrowIfCancellationRequested();
            throw Lost(ex, "insert", group);
        }

        var outcomes = new MongoWriteOutcome[items.Length];
        for (int i = 0; i < items.Length; i++)
        {
            var p = items[i];
            outcomes[i] = refused.TryGetValue(i, out var reason)
                ? Failed(p, MlDbErrorIds.InsertFailed, reason)
                : new MongoWriteOutcome(MongoWriteStatus.Written, p.Index, p.Source, IdText(p.Document["_id"]), MongoWriteAction.Inserted);
        }
        return outcomes;
    }

    private MongoWriteOutcome[] UpsertGroup(Group group)
    {
        var items = group.Items;
        var mode = Options.OnConflict;
        var models = new WriteModel<BsonDocument>[items.Length];
        for (int i = 0; i < items.Length; i++)
            models[i] = new UpdateOneModel<BsonDocument>(new BsonDocumentFilterDefinition<BsonDocument>(items[i].Filter!), new BsonDocumentUpdateDefinition<BsonDocument>(UpdateOf(items[i]))) { IsUpsert = true };
        string what = mode == MongoConflictAction.Update ? "$set" : "$setOnInsert";
        Log($"bulkWrite {Target}: group {group.Number}, {items.Length} updateOne(s) by ({_key}) with {what}, upsert, unordered (sent: {group.Reason})");
        var refused = new Dictionary<int, string>();
        IReadOnlyList<BulkWriteUpsert> upserts;
        try
        {
            upserts = _collection.BulkWrite(models, new BulkWriteOptions { IsOrdered = false }, _context.CancellationToken).Upserts;
        }
        catch (MongoBulkWriteException<BsonDocument> ex) when (ex.WriteConcernError is null && ex.WriteErrors.Count > 0)
        {
            foreach (var error in ex.WriteErrors) refused[error.Index] = Refusal(error);
            upserts = ex.Result.IsAcknowledged ? ex.Result.Upserts : [];
        }
        catch (Exception ex) when (MongoErrors.IsDriverError(ex))
        {
            _context.CancellationToken.ThrowIfCancellationRequested();
            throw Lost(ex, "write", group);
        }

        var inserted = new Dictionary<int, BsonValue>();
        foreach (var upsert in upserts) inserted[upsert.Index] = upsert.Id;
        // The documents whose key existed: their _id is read back (one find for the group),
        // unless it is part of the key or the record is an error anyway.
        var matched = new List<Pending>();
        for (int i = 0; i < items.Length; i++)
            if (!inserted.ContainsKey(i) && !refused.ContainsKey(i)) matched.Add(items[i]);
        var existing = mode == MongoConflictAction.Error || matched.Count == 0 || _key!.IncludesId
            ? new Dictionary<string, string>()
            : ExistingIds(matched);

        var outcomes = new MongoWriteOutcome[items.Length];
        for (int i = 0; i < items.Length; i++)
        {
            var p = items[i];
            if (refused.TryGetValue(i, out var reason))
                outcomes[i] = Failed(p, MlDbErrorIds.InsertFailed, reason);
            else if (inserted.TryGetValue(i, out var id))
                outcomes[i] = new MongoWriteOutcome(MongoWriteStatus.Written, p.Index, p.Source, IdText(id), MongoWriteAction.Inserted);
            else if (mode == MongoConflictAction.Error)
                outcomes[i] = Failed(p, MlDbErrorIds.InsertFailed, "a document with its key already exists and was left as it is (-OnConflict Error; -OnConflict Ignore or Update keeps or updates it)");
            else
                outcomes[i] = new MongoWriteOutcome(MongoWriteStatus.Written, p.Index, p.Source, MatchedId(p, existing),
                    mode == MongoConflictAction.Update ? MongoWriteAction.Updated : MongoWriteAction.Unchanged);
        }
        return outcomes;
    }

    /// <summary>
    /// The update of one upsert. The key fields come from the filter (MongoDB copies equality
    /// conditions into a document it inserts). <c>_id</c> goes in <c>$setOnInsert</c>: a new
    /// document gets the record's (or a new ObjectId), an existing one keeps its own. Update sets
    /// the other fields with <c>$set</c>; Ignore and Error put them in <c>$setOnInsert</c>, so an
    /// existing document is not touched.
    /// </summary>
    private BsonDocument UpdateOf(Pending pending)
    {
        var set = new BsonDocument();
        var onInsert = new BsonDocument();
        foreach (var element in pending.Document)
        {
            if (element.Name == "_id") onInsert.Add(element);
            else if (_key!.Contains(element.Name)) continue;
            else if (Options.OnConflict == MongoConflictAction.Update) set.Add(element);
            else onInsert.Add(element);
        }
        var update = new BsonDocument();
        if (set.ElementCount > 0) update.Add("$set", set);
        update.Add("$setOnInsert", onInsert);
        return update;
    }

    /// <summary>
    /// The <c>_id</c> (as text) of the existing documents of these records, by identity; records
    /// whose document does not exist are absent. One find: <c>{k: {$in: [...]}}</c> for one key
    /// field, <c>{$or: [filters]}</c> for several.
    /// </summary>
    private Dictionary<string, string> ExistingIds(IReadOnlyList<Pending> records)
    {
        var key = _key!;
        BsonDocument filter;
        if (key.Names.Count == 1)
        {
            string field = key.Names[0];
            filter = new BsonDocument(field, new BsonDocument("$in", new BsonArray(records.Select(p => MongoKeyFields.Compared(p.Filter!, field)))));
        }
        else
        {
            filter = records.Count == 1 ? records[0].Filter! : new BsonDocument("$or", new BsonArray(records.Select(p => p.Filter!)));
        }
        var projection = new BsonDocument("_id", 1);
        foreach (var name in key.Names) projection[name] = 1;
        string operation = $"find on {Target}";
        Log($"find {Target} by ({key}): the _id of {records.Count} document(s) whose key exists");
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            var options = new FindOptions<BsonDocument, BsonDocument> { Projection = new BsonDocumentProjectionDefinition<BsonDocument, BsonDocument>(projection), MaxTime = _context.CommandTimeout };
            using var cursor = _collection.FindSync(new BsonDocumentFilterDefinition<BsonDocument>(filter), options, _context.CancellationToken);
            while (cursor.MoveNext(_context.CancellationToken))
            {
                foreach (var document in cursor.Current)
                {
                    string identity = key.Identity(document);
                    if (!ids.ContainsKey(identity) && document.TryGetValue("_id", out var id)) ids[identity] = IdText(id);
                }
            }
        }
        catch (Exception ex) when (MongoErrors.IsDriverError(ex))
        {
            _context.CancellationToken.ThrowIfCancellationRequested();
            throw MongoErrors.Translate(ex, _connection, operation);
        }
        return ids;
    }

    private string? MatchedId(Pending pending, Dictionary<string, string> existing)
    {
        if (_key!.IncludesId) return IdText(MongoKeyFields.Compared(pending.Filter!, "_id"));
        // null only when the document was deleted between the write and the find
        return existing.TryGetValue(pending.Identity!, out var id) ? id : null;
    }

    private MlDbException Lost(Exception ex, string verb, Group group)
    {
        var items = group.Items;
        string records = items.Length == 1
            ? $"record {items[0].Index + 1}"
            : $"records {items[0].Index + 1}–{items[^1].Index + 1}";
        return MongoErrors.Translate(ex, _connection, $"{verb} group {group.Number} ({records}) into {Target}");
    }

    private static string Refusal(BulkWriteError error) => $"MongoDB refused it: {MongoErrors.FirstLine(error.Message)} (code {error.Code})";

    /// <summary>A record the server refused (or whose key exists under Error), named from its BSON document: this runs on the sender task.</summary>
    private MongoWriteOutcome Failed(Pending pending, string errorId, string reason)
    {
        string name = MongoRecordNames.Name(pending.Index, pending.Document, _nameFields);
        var error = new MlRecordException(errorId, MlDbErrorKind.WriteError, Sentence(name, reason), pending.Index, name);
        return new(MongoWriteStatus.Failed, pending.Index, pending.Source, Error: error);
    }

    private void Log(string line)
    {
        lock (_lock) _log.Enqueue(line);
    }

    // ---- naming --------------------------------------------------------------------------------------

    /// <summary>An <c>_id</c> as a string: ObjectIds as 24 hex digits, other values as their ML text.</summary>
    public static string IdText(BsonValue id) =>
        id.BsonType switch
        {
            BsonType.ObjectId => BsonMapping.ObjectIdText(id.AsObjectId),
            BsonType.String => id.AsString,
            _ => MlText.Describe(BsonMapping.ToMl(id), 1000),
        };

    private string Name(int index, MlObject? record) => MongoRecordNames.Name(index, record, _nameFields);

    private static MlObject? AsObject(MlValue record) => record.TryGetObject(out var obj) ? obj : null;

    private MlRecordException Reject(string id, MlDbErrorKind kind, int index, MlObject? record, string reason, Exception? inner)
    {
        Rejected++;
        string name = Name(index, record);
        return new MlRecordException(id, kind, Sentence(name, reason), index, name, inner);
    }

    /// <summary>"Record 3 (email "a@x") was not written to db.users: why".</summary>
    private string Sentence(string name, string reason) =>
        $"{MongoRecordNames.Sentence(name)} {(_key is null ? "was not inserted into" : "was not written to")} {Target}: {reason}";
}
