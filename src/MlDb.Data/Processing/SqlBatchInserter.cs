using MlDb.Language;

namespace MlDb.Data.Processing;

/// <param name="BatchNumber">1-based number of the batch.</param>
/// <param name="Table">The table written to.</param>
/// <param name="Received">Records that went into the batch (after the per-record function).</param>
/// <param name="Inserted">Rows written (0 when not written).</param>
/// <param name="Written">False under -WhatIf or a declined -Confirm.</param>
public sealed record BatchOutcome(int BatchNumber, string Table, int Received, int Inserted, bool Written);

/// <summary>
/// Batch inserts: records (each through the per-record function first, if any) are held until
/// <see cref="BatchSize"/> have arrived; then the batch function (if any) gets
/// <c>{records: [...]}</c> and returns <c>{records: [...]}</c>, and the returned records go in
/// inside one transaction. A batch that the function rejects, or in which any record fails,
/// leaves nothing behind (<see cref="MlRecordException"/> names the batch and the record) and the
/// next batch goes on. At most one batch is held in memory.
/// </summary>
public sealed class SqlBatchInserter : IDisposable
{
    private readonly MlSqlConnection _connection;
    private readonly MlFunctionCall? _recordFunction;
    private readonly MlFunctionCall? _batchFunction;
    private readonly FlowContext _context;
    private readonly List<(MlValue Record, int Index)> _pending = [];
    private SqlLease? _lease;
    private SqlTableSchema? _schema;
    private int _next;
    private int _batchNumber;

    public SqlBatchInserter(MlSqlConnection connection, string table, MlFunctionCall? recordFunction, MlFunctionCall? batchFunction, int batchSize, FlowContext context)
    {
        if (batchSize < 1)
            throw new MlDbException(MlDbErrorIds.InvalidArgument, MlDbErrorKind.InvalidArgument, "The batch size must be at least 1.", batchSize);
        _connection = connection;
        Table = table;
        _recordFunction = recordFunction;
        _batchFunction = batchFunction;
        BatchSize = batchSize;
        _context = context;
    }

    public string Table { get; }

    public int BatchSize { get; }

    public int Inserted { get; private set; }

    /// <summary>
    /// Adds a record; returns the outcome of the batch it completed, if it completed one. Throws
    /// <see cref="MlRecordException"/> when the per-record function rejects this record, or when
    /// the batch it completed failed.
    /// </summary>
    public BatchOutcome? Add(MlValue record)
    {
        int index = _next++;
        EnsureSchema();
        var processed = record;
        if (_recordFunction is not null)
        {
            try
            {
                processed = _recordFunction.Call(record);
            }
            catch (MlScriptException ex) when (!ex.IsCancellation && !ex.IsTimeout)
            {
                string text = MlText.Describe(record);
                throw new MlRecordException(MlDbErrorIds.RecordRejected, MlDbErrorKind.InvalidData,
                    $"Record {index + 1} {text} was not inserted: {_recordFunction.Name} rejected it: {ex.Message}", index, text, ex);
            }
            if (processed.IsNull) return null;
        }
        _pending.Add((processed, index));
        return _pending.Count >= BatchSize ? Flush() : null;
    }

    /// <summary>Writes the records held (the last, partial batch); null when none are held.</summary>
    public BatchOutcome? Flush()
    {
        if (_pending.Count == 0) return null;
        var batch = _pending.ToArray();
        _pending.Clear();
        int number = ++_batchNumber;
        int first = batch[0].Index;
        string range = batch.Length == 1 ? $"record {first + 1}" : $"records {first + 1}-{batch[^1].Index + 1}";
        var schema = EnsureSchema();

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
                    $"{_batchFunction.Name} must return {{records: [...]}}, but returned {MlText.Describe(result, 120)}", null);
            for (int i = 0; i < returned.Count; i++)
            {
                if (!returned[i].TryGetObject(out var o))
                    throw BatchError(MlDbErrorIds.InvalidResult, MlDbErrorKind.InvalidData, number, first, range,
                        $"{_batchFunction.Name} returned a {returned[i].TypeName} at records[{i}], not an object", null);
                records.Add(o);
            }
        }
        else
        {
            for (int i = 0; i < batch.Length; i++)
            {
                if (!batch[i].Record.TryGetObject(out var o))
                    throw BatchError(MlDbErrorIds.InvalidResult, MlDbErrorKind.InvalidData, number, first, range,
                        $"record {batch[i].Index + 1} is a {batch[i].Record.TypeName}, not an object", null);
                records.Add(o);
            }
        }

        // 2. match keys to columns
        var values = new List<SqlRecordValues>(records.Count);
        for (int i = 0; i < records.Count; i++)
        {
            try
            {
                values.Add(SqlRecordValues.Map(schema, records[i]));
            }
            catch (MlDbException ex)
            {
                throw BatchError(ex.ErrorId, ex.Kind, number, first, range, $"record {i + 1} of the batch {MlText.Describe(MlValue.FromObject(records[i]))}: {ex.Message}", ex);
            }
        }

        // 3. the write gate
        string preview = string.Join(", ", records.Take(5).Select(r => MlText.Describe(MlValue.FromObject(r), 160)));
        if (records.Count > 5) preview += $", … ({records.Count - 5} more)";
        if (!_context.AllowWrite(Table, $"Insert batch {number} ({records.Count} records): {preview}"))
            return new BatchOutcome(number, Table, records.Count, 0, Written: false);

        // 4. one transaction
        var lease = _lease!;
        lease.Transaction = lease.Connection.BeginTransaction();
        try
        {
            _context.Verbose($"BEGIN  -- batch {number} of {Table}, {records.Count} records");
            int written = _connection.InsertBatch(lease, schema, values, _context);
            lease.Transaction.Commit();
            _context.Verbose("COMMIT");
            Inserted += written;
            _context.Progress?.Invoke($"Inserted batch {number} into {Table}", Inserted);
            return new BatchOutcome(number, Table, records.Count, written, Written: true);
        }
        catch (Exception ex)
        {
            try
            {
                lease.Transaction.Rollback();
                _context.Verbose("ROLLBACK");
            }
            catch (Exception)
            {
                // the connection may be gone; the transaction then never committed
            }
            if (ex is SqlBatchRowException row)
                throw BatchError(MlDbErrorIds.BatchFailed, MlDbErrorKind.WriteError, number, first, range,
                    $"record {row.RowIndex + 1} of the batch {MlText.Describe(MlValue.FromObject(records[row.RowIndex]))} failed: {row.Message}; the whole batch was rolled back", row.InnerException);
            if (ex is MlDbException { ErrorId: MlDbErrorIds.CommandFailed } db)
                throw BatchError(MlDbErrorIds.BatchFailed, MlDbErrorKind.WriteError, number, first, range, db.Message + "; the whole batch was rolled back", db);
            throw;
        }
        finally
        {
            lease.Transaction.Dispose();
            lease.Transaction = null;
        }
    }

    private static MlRecordException BatchError(string id, MlDbErrorKind kind, int number, int first, string range, string reason, Exception? inner) =>
        new(id, kind, $"Batch {number} ({range}) was not inserted: {reason}", first, range, inner);

    private SqlTableSchema EnsureSchema()
    {
        if (_schema is not null) return _schema;
        _lease ??= _connection.Lease(_context.CancellationToken);
        var schema = _connection.RequireTable(_lease, Table, _context.CancellationToken);
        if (schema.IsView)
            throw new MlDbException(MlDbErrorIds.InvalidIdentifier, MlDbErrorKind.InvalidArgument, $"'{Table}' is a view; records are inserted into tables.", Table);
        return _schema = schema;
    }

    public void Dispose()
    {
        _lease?.Dispose();
        _lease = null;
    }
}
