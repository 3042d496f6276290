using MlDb.Language;

namespace MlDb.Data.Processing;

/// <summary>What happened to one record given to <see cref="SqlRecordInserter.Insert"/>.</summary>
public enum InsertStatus
{
    /// <summary>Written; <see cref="InsertOutcome.Key"/> holds the new key (null when the table has none).</summary>
    Inserted,

    /// <summary>The function returned null: nothing to write.</summary>
    Skipped,

    /// <summary>Processed and validated but not written (-WhatIf, or -Confirm declined).</summary>
    NotWritten,
}

/// <param name="Status">What happened.</param>
/// <param name="Key">The new row's key when inserted.</param>
/// <param name="Record">The record as written (or as it would have been).</param>
/// <param name="Index">0-based position of the record in the input.</param>
public sealed record InsertOutcome(InsertStatus Status, object? Key, MlObject? Record, int Index);

/// <summary>
/// Validate → insert, one record at a time as they arrive: the ML function (if any) gets the
/// record and returns what to insert; its keys are matched to the table's columns; one
/// parameterized INSERT writes it and returns the key. A record the function rejects (throws),
/// or whose keys or values do not fit, raises <see cref="MlRecordException"/> and leaves nothing
/// behind; the inserter stays usable for the next record.
/// </summary>
public sealed class SqlRecordInserter : IDisposable
{
    private readonly MlSqlConnection _connection;
    private readonly MlFunctionCall? _function;
    private readonly FlowContext _context;
    private SqlLease? _lease;
    private SqlInsertCommands? _commands;
    private int _next;

    public SqlRecordInserter(MlSqlConnection connection, string table, MlFunctionCall? function, FlowContext context)
    {
        _connection = connection;
        Table = table;
        _function = function;
        _context = context;
    }

    public string Table { get; }

    /// <summary>Counts of what happened so far.</summary>
    public int Inserted { get; private set; }

    public int Rejected { get; private set; }

    /// <summary>
    /// Processes one record. Throws <see cref="MlRecordException"/> for a problem with this record,
    /// <see cref="MlDbException"/> for a problem with the command (no such table), or
    /// <see cref="OperationCanceledException"/>.
    /// </summary>
    public InsertOutcome Insert(MlValue record)
    {
        int index = _next++;
        try
        {
            var outcome = InsertCore(record, index);
            if (outcome.Status == InsertStatus.Inserted) Inserted++;
            return outcome;
        }
        catch (MlRecordException)
        {
            Rejected++;
            throw;
        }
    }

    private InsertOutcome InsertCore(MlValue record, int index)
    {
        var commands = EnsureCommands();
        MlValue processed = record;
        if (_function is not null)
        {
            try
            {
                processed = _function.Call(record);
            }
            catch (MlScriptException ex) when (!ex.IsCancellation && !ex.IsTimeout)
            {
                throw Reject(MlDbErrorIds.RecordRejected, MlDbErrorKind.InvalidData, index, record,
                    $"{_function.Name} rejected it: {ex.Message}", ex);
            }
            if (processed.IsNull) return new InsertOutcome(InsertStatus.Skipped, null, null, index);
        }
        if (!processed.TryGetObject(out var obj))
            throw Reject(MlDbErrorIds.InvalidResult, MlDbErrorKind.InvalidData, index, record,
                _function is null ? $"a record must be an object, not {processed.TypeName}" : $"{_function.Name} returned {processed.TypeName}, not an object to insert", null);
        SqlRecordValues values;
        try
        {
            values = SqlRecordValues.Map(commands.Schema, obj);
        }
        catch (MlDbException ex)
        {
            throw Reject(ex.ErrorId, ex.Kind, index, processed, ex.Message, ex);
        }
        if (!_context.AllowWrite(Table, "Insert " + MlText.Describe(processed, 500)))
            return new InsertOutcome(InsertStatus.NotWritten, null, obj, index);
        try
        {
            bool returnKey = commands.ReturnsKey;
            var command = commands.Bind(values, returnKey);
            using var scope = new SqlCommandScope(_connection, command, _context);
            object? key = scope.Run(c => returnKey ? c.ExecuteScalar() : c.ExecuteNonQuery());
            return new InsertOutcome(InsertStatus.Inserted, returnKey && key is not DBNull ? key : null, obj, index);
        }
        catch (MlDbException ex) when (ex.ErrorId is MlDbErrorIds.CommandFailed or MlDbErrorIds.InvalidValue)
        {
            throw Reject(MlDbErrorIds.InsertFailed, MlDbErrorKind.WriteError, index, processed, ex.Message, ex.InnerException ?? ex);
        }
    }

    private static MlRecordException Reject(string id, MlDbErrorKind kind, int index, MlValue record, string reason, Exception? inner)
    {
        string text = MlText.Describe(record);
        return new MlRecordException(id, kind, $"Record {index + 1} {text} was not inserted: {reason}", index, text, inner);
    }

    private SqlInsertCommands EnsureCommands()
    {
        if (_commands is not null) return _commands;
        _lease = _connection.Lease(_context.CancellationToken);
        var schema = _connection.RequireTable(_lease, Table, _context.CancellationToken);
        if (schema.IsView)
            throw new MlDbException(MlDbErrorIds.InvalidIdentifier, MlDbErrorKind.InvalidArgument, $"'{Table}' is a view; records are inserted into tables.", Table);
        return _commands = new SqlInsertCommands(_connection, _lease, schema);
    }

    public void Dispose()
    {
        _commands?.Dispose();
        _lease?.Dispose();
        _commands = null;
        _lease = null;
    }
}
