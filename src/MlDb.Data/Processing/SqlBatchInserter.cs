using MlDb.Language;

namespace MlDb.Data.Processing;

/// <param name="BatchNumber">1-based number of the batch.</param>
/// <param name="Table">The table written to.</param>
/// <param name="Received">Records that went into the batch (after the per-record function).</param>
/// <param name="Inserted">Rows inserted (0 when not written).</param>
/// <param name="Written">False under -WhatIf or a declined -Confirm.</param>
/// <param name="Updated">Existing rows updated (-OnConflict Update).</param>
/// <param name="Ignored">Records that left the existing row as it was (-OnConflict Ignore).</param>
public sealed record BatchOutcome(int BatchNumber, string Table, int Received, int Inserted, bool Written, int Updated = 0, int Ignored = 0);

/// <summary>
/// Batch writes: records (each through the per-record function first, if any) are held until
/// <see cref="BatchSize"/> have arrived; then the batch function (if any) gets
/// <c>{records: [...]}</c> and returns <c>{records: [...]}</c>, and the returned records go in
/// inside one transaction — plain inserts, or upserts on a key (<see cref="SqlConflictPlan"/>). A
/// batch that the function rejects, or in which any record fails, leaves nothing behind
/// (<see cref="MlRecordException"/> names the batch and the record by position and key) and the
/// next batch goes on. At most one batch is held in memory. The table and the key are checked when
/// the inserter is made, before anything is written.
/// </summary>
public sealed class SqlBatchInserter : IDisposable
{
    private readonly MlSqlConnection _connection;
    private readonly MlFunctionCall? _batchFunction;
    private readonly FlowContext _context;
    private readonly SqlLease _lease;
    private readonly SqlRecordMapper _mapper;
    private readonly MlRecordStep _step;
    private readonly SqlKeyLookup? _lookup;
    private readonly List<(MlValue Record, int Index)> _pending = [];
    private int _next;
    private int _batchNumber;

    public SqlBatchInserter(MlSqlConnection connection, string table, MlFunctionCall? recordFunction, MlFunctionCall? batchFunction, int batchSize, FlowContext context,
        SqlConflictAction onConflict = SqlConflictAction.Error, IReadOnlyList<string>? key = null)
    {
        if (batchSize < 1)
            throw new MlDbException(MlDbErrorIds.InvalidArgument, MlDbErrorKind.InvalidArgument, "The batch size must be at least 1.", batchSize);
        _connection = connection;
        Table = table;
        _batchFunction = batchFunction;
        BatchSize = batchSize;
        _context = context;
        _lease = connection.Lease(context.CancellationToken);
        try
        {
            Schema = connection.RequireTable(_lease, table, context.CancellationToken);
            if (Schema.IsView)
                throw new MlDbException(MlDbErrorIds.InvalidIdentifier, MlDbErrorKind.InvalidArgument, $"'{table}' is a view; records are inserted into tables.", table);
            Conflict = SqlConflictPlan.Resolve(connection, _lease, Schema, onConflict, key, context.CancellationToken);
            Names = RecordNames.For(Schema, Conflict);
            _mapper = new SqlRecordMapper(Schema);
            _step = new MlRecordStep(recordFunction, Names, Conflict.IsUpsert ? "written" : "inserted");
            if (Conflict.IsUpsert && context.PreviewWrites) _lookup = new SqlKeyLookup(connection, _lease, Schema, Conflict.Key);
        }
        catch
        {
            _lease.Dispose();
            throw;
        }
    }

    public string Table { get; }

    public int BatchSize { get; }

    public SqlTableSchema Schema { get; }

    public SqlConflictPlan Conflict { get; }

    /// <summary>How messages name records (position and key).</summary>
    public RecordNames Names { get; }

    public int Inserted { get; private set; }

    /// <summary>
    /// Adds a record; returns the outcome of the batch it completed, if it completed one. Throws
    /// <see cref="MlRecordException"/> when the per-record function rejects this record, or when
    /// the batch it completed failed.
    /// </summary>
    public BatchOutcome? Add(MlValue record)
    {
        int index = _next++;
        if (_step.Apply(record, index) is not { } processed) return null;
        _pending.Add((MlValue.FromObject(processed), index));
        return _pending.Count >= BatchSize ? Flush() : null;
    }

    /// <summary>Counts a record that never reached <see cref="Add"/> (it could not be converted), so positions stay those of the input.</summary>
    public void SkipIndex() => _next++;

    /// <summary>Writes the records held (the last, partial batch); null when none are held.</summary>
    public BatchOutcome? Flush()
    {
        if (_pending.Count == 0) return null;
        var batch = _pending.ToArray();
        _pending.Clear();
        int number = ++_batchNumber;
        int first = batch[0].Index;
        string range = RecordNames.Range(first, batch[^1].Index);

        // 1. the batch function
        var records = new List<MlObject>(batch.Length);
        if (_batchFunction is not null)
        {
            var array = new MlArray(batch.Length);
            foreach (var (r, _) in batch) array.Add(r);
            var envelope = new MlObject();
            envelope.Set("records", MlValue.FromArray(array));
            MlValue result;
            try
            {
                result = _batchFunction.Call(MlValue.FromObject(envelope));
            }
            catch (MlScriptException ex) when (!ex.IsCancellation && !ex.IsTimeout)
            {
                throw BatchError(MlDbErrorIds.BatchRejected, MlDbErrorKind.InvalidData, number, first, range, $"{_batchFunction.Name} rejected the batch: {ex.Message}", ex);
            }
            if (!result.TryGetObject(out var resultObject) || !resultObject.Get("records").TryGetArray(out var returned))
                throw BatchError(MlDbErrorIds.InvalidResult, MlDbErrorKind.InvalidData, number, first, range,
                    $"{_batchFunction.Name} must return {{records: [...]}}, but returned {RecordNames.Shape(result)}", null);
            for (int i = 0; i < returned.Count; i++)
            {
                if (!returned[i].TryGetObject(out var o))
                    throw BatchError(MlDbErrorIds.InvalidResult, MlDbErrorKind.InvalidData, number, first, range,
                        $"{_batchFunction.Name} returned {RecordNames.Shape(returned[i])} at records[{i}], not an object", null);
                records.Add(o);
            }
        }
        else
        {
            foreach (var (r, _) in batch) records.Add(r.AsObject);
        }

        // 2. match keys to columns
        var values = new List<SqlRecordValues>(records.Count);
        for (int i = 0; i < records.Count; i++)
        {
            try
            {
                values.Add(_mapper.Map(records[i]));
            }
            catch (MlDbException ex)
            {
                throw BatchError(ex.ErrorId, ex.Kind, number, first, range, $"{InBatch(i, records[i])}: {ex.Message}", ex);
            }
        }

        // 3. the write gate
        if (!_context.AllowWrite(Table, DescribeBatch(number, range, records, values)))
            return new BatchOutcome(number, Table, records.Count, 0, Written: false);

        // 4. one transaction
        var lease = _lease;
        var transaction = lease.BeginTransaction();
        try
        {
            _context.Verbose($"BEGIN  -- batch {number} of {Table}, {records.Count} records");
            var counts = new SqlBatchCounts();
            if (Conflict.IsUpsert) counts = _connection.UpsertBatch(lease, Schema, values, Conflict, _context);
            else counts.Inserted = _connection.InsertBatch(lease, Schema, values, _context);
            transaction.Commit();
            _context.Verbose($"COMMIT  -- batch {number}: {counts.Inserted} inserted, {counts.Updated} updated, {counts.Ignored} ignored");
            Inserted += counts.Inserted;
            _context.Progress?.Invoke($"Wrote batch {number} into {Table}", Inserted);
            return new BatchOutcome(number, Table, records.Count, counts.Inserted, Written: true, counts.Updated, counts.Ignored);
        }
        catch (Exception ex)
        {
            try
            {
                transaction.Rollback();
                _context.Verbose("ROLLBACK");
            }
            catch (Exception)
            {
                // the connection may be gone; the transaction then never committed
            }
            if (ex is SqlBatchRowException row)
                throw BatchError(MlDbErrorIds.BatchFailed, MlDbErrorKind.WriteError, number, first, range,
                    $"{InBatch(row.RowIndex, records[row.RowIndex])} failed: {_connection.DescribeRefusal(row)}; the whole batch was rolled back", row.InnerException);
            if (ex is MlDbException { ErrorId: MlDbErrorIds.CommandFailed } db)
                throw BatchError(MlDbErrorIds.BatchFailed, MlDbErrorKind.WriteError, number, first, range, _connection.DescribeRefusal(db) + "; the whole batch was rolled back", db);
            throw;
        }
        finally
        {
            transaction.Dispose();
            lease.Transaction = null;
        }
    }

    /// <summary><c>record 7321 of the batch (email = "…")</c>: its place in what the batch function returned, and its key.</summary>
    private string InBatch(int i, MlObject record)
    {
        string name = Names.Name(i, record);
        int space = name.IndexOf(' ', "record ".Length);
        return space < 0 ? name + " of the batch" : name[..space] + " of the batch" + name[space..];
    }

    /// <summary>What -WhatIf / -Confirm show for a batch: its records by position and key, which would be inserted and which updated; never their values.</summary>
    private string DescribeBatch(int number, string range, List<MlObject> records, List<SqlRecordValues> values)
    {
        var columns = RecordNames.Columns(values.SelectMany(v => v.Columns).DistinctBy(c => c.Name));
        string head = $"{(Conflict.IsUpsert ? "Upsert" : "Insert")} batch {number} ({range}, {SqlRecordWriter.Count(records.Count, "record")}): columns {columns}";
        if (_lookup is null) return head;
        var inserts = new List<string>();
        var existing = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < records.Count; i++)
        {
            string name = InBatch(i, records[i]);
            string keyText = string.Join("\u0001", Conflict.Key.Select(k => values[i].ValueOf(k) is { } v ? MlText.Describe(v, 200) : "\u0002" + i));
            bool exists;
            lock (_lease.Session.Gate) exists = !seen.Add(keyText) || _lookup.Exists(values[i], _context.Quiet());
            (exists ? existing : inserts).Add(name);
        }
        string existingVerb = Conflict.Action == SqlConflictAction.Update ? "update" : "leave as they are (-OnConflict Ignore)";
        return $"{head}: insert {List(inserts)}; {existingVerb} {List(existing)}";
    }

    private static string List(List<string> names)
    {
        if (names.Count == 0) return "none";
        const int Shown = 10;
        string text = string.Join(", ", names.Take(Shown));
        return names.Count > Shown ? $"{text}, … ({names.Count - Shown} more)" : text;
    }

    private MlRecordException BatchError(string id, MlDbErrorKind kind, int number, int first, string range, string reason, Exception? inner) =>
        new(id, kind, $"Batch {number} ({range}) was not {(Conflict.IsUpsert ? "written" : "inserted")}: {reason}", first, range, inner);

    public void Dispose()
    {
        _lookup?.Dispose();
        _lease.Dispose();
    }
}
