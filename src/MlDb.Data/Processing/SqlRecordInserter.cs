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
/// Validate → insert → commit, one record at a time: the ML step (<see cref="MlRecordStep"/>) then
/// the write step (<see cref="SqlRecordWriter"/> with a commit size of 1), so each record is
/// committed on its own and its key comes back at once. For many records, use the two steps with
/// group commit, as <c>Add-MlRecord</c> does. A record the function rejects, or whose keys or values
/// do not fit, raises <see cref="MlRecordException"/> and leaves nothing behind; the inserter stays
/// usable for the next record. The table is looked up at the first record.
/// </summary>
public sealed class SqlRecordInserter(MlSqlConnection connection, string table, MlFunctionCall? function, FlowContext context) : IDisposable
{
    private SqlRecordWriter? _writer;
    private MlRecordStep? _step;
    private int _next;

    public string Table { get; } = table;

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
        _writer ??= new SqlRecordWriter(connection, new SqlWriteOptions { Table = Table, CommitSize = 1 }, context);
        _step ??= new MlRecordStep(function, _writer.Names);
        try
        {
            if (_step.Apply(record, index) is not { } processed) return new InsertOutcome(InsertStatus.Skipped, null, null, index);
            if (_writer.Write(index, processed) == SqlWriteStatus.NotWritten) return new InsertOutcome(InsertStatus.NotWritten, null, processed, index);
            var written = _writer.TakeWritten()[^1];
            Inserted++;
            return new InsertOutcome(InsertStatus.Inserted, written.Key, processed, index);
        }
        catch (MlRecordException)
        {
            Rejected++;
            throw;
        }
    }

    public void Dispose()
    {
        _writer?.Dispose();
        _writer = null;
    }
}
