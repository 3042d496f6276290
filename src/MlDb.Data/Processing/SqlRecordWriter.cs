using System.Collections.Concurrent;
using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using MlDb.Language;

namespace MlDb.Data.Processing;

/// <summary>Settings of a <see cref="SqlRecordWriter"/>.</summary>
public sealed record SqlWriteOptions
{
    /// <summary>How long a group may stay open (about 250 ms), even while no record arrives.</summary>
    public static TimeSpan DefaultCommitInterval { get; } = TimeSpan.FromMilliseconds(250);

    public required string Table { get; init; }

    /// <summary>Records per transaction; 1 commits each record on its own (no explicit transaction).</summary>
    public int CommitSize { get; init; } = 1000;

    public TimeSpan CommitInterval { get; init; } = DefaultCommitInterval;

    public SqlConflictAction OnConflict { get; init; } = SqlConflictAction.Error;

    /// <summary>The columns that identify a record (<c>-Key</c>): a primary key or unique constraint.</summary>
    public IReadOnlyList<string>? Key { get; init; }
}

/// <summary>A record whose row is committed.</summary>
/// <param name="Index">0-based position of the record in the input.</param>
/// <param name="Record">The record as written (after its function).</param>
/// <param name="Key">The row's key (the single-column primary key or rowid; null when the table has none).</param>
/// <param name="Action">What the write did.</param>
public sealed record SqlWrittenRecord(int Index, MlObject Record, object? Key, SqlRecordAction Action);

/// <summary>What <see cref="SqlRecordWriter.Write"/> did with a record.</summary>
public enum SqlWriteStatus
{
    /// <summary>Written into the open group; it comes out of <see cref="SqlRecordWriter.TakeWritten"/> once the group committed.</summary>
    Queued,

    /// <summary>Shown but not written (-WhatIf, or -Confirm declined).</summary>
    NotWritten,
}

/// <summary>
/// The write step of per-record writes, with group commit. Records are written inside a
/// transaction that commits when it holds <see cref="SqlWriteOptions.CommitSize"/> records, when it
/// has been open longer than <see cref="SqlWriteOptions.CommitInterval"/> (a timer enforces it
/// while the input stalls), when another command needs the connection, and at
/// <see cref="Complete"/>. A record the database refuses is left out alone and reported
/// (<see cref="MlRecordException"/>) while the rest of its group goes on: records go in by their
/// statement alone (one statement, one round trip) until one fails; that group is then rolled back
/// and written again without it, and from then on each record runs inside a savepoint of its own,
/// sent with its statement and release as one command (still one round trip). A record's outcome
/// (<see cref="SqlWrittenRecord"/>, with its key) becomes available only once the transaction
/// holding its row committed: whatever the caller writes out from <see cref="TakeWritten"/> is in
/// the table. A group that cannot commit (the server went away, a time limit) is one terminating
/// <see cref="MlDbException"/> naming its records; disposing the writer with a group open (Ctrl+C)
/// rolls that group back. The connection is used by one thread at a time: the pipeline's, or the
/// timer's under the session gate, and the timer only while the writer is the connection's sole user.
/// </summary>
public sealed class SqlRecordWriter : IDisposable, ISqlOpenGroup
{
    private const string Savepoint = "mldb_record";

    private readonly MlSqlConnection _connection;
    private readonly SqlWriteOptions _options;
    private readonly FlowContext _context;
    private readonly FlowContext _quiet;
    private readonly FlowContext _final;
    private readonly SqlLease _lease;
    private readonly SqlInsertCommands _commands;
    private readonly SqlInsertCommands? _plain;
    private readonly SqlKeyLookup? _lookup;
    private readonly SqlRecordMapper _mapper;
    private readonly ConcurrentQueue<string> _log = new();
    private readonly Queue<SqlWrittenRecord> _written = new();
    private volatile int _writtenWaiting;
    private readonly Timer? _timer;
    private readonly bool _autocommit;
    private Group? _group;
    private int _groupNumber;
    private bool _optimistic;
    private volatile Exception? _failure;
    private bool _closed;

    private sealed class Group(DbTransaction transaction, int number)
    {
        public readonly DbTransaction Transaction = transaction;
        public readonly int Number = number;
        public readonly long OpenedAt = Stopwatch.GetTimestamp();
        public readonly List<(SqlWrittenRecord Record, SqlRecordValues Values)> Records = [];

        public TimeSpan Age => Stopwatch.GetElapsedTime(OpenedAt);

        public string Describe() => Records.Count == 0
            ? $"group {Number} (no records yet)"
            : $"group {Number} ({RecordNames.Range(Records[0].Record.Index, Records[^1].Record.Index)}, {Records.Count} record{(Records.Count == 1 ? "" : "s")})";
    }

    /// <summary>
    /// Leases a connection, looks the table up and checks <see cref="SqlWriteOptions.Key"/>; a
    /// problem with the command (no such table, a view, a key that is not unique) is an
    /// <see cref="MlDbException"/> before anything is written.
    /// </summary>
    public SqlRecordWriter(MlSqlConnection connection, SqlWriteOptions options, FlowContext context)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(options);
        if (options.CommitSize < 1)
            throw new MlDbException(MlDbErrorIds.InvalidArgument, MlDbErrorKind.InvalidArgument, "The commit size must be at least 1.", options.CommitSize);
        _connection = connection;
        _options = options;
        _context = context;
        _quiet = context.Quiet();
        // COMMIT and ROLLBACK are never cancelled halfway (a cancelled COMMIT would leave it unknown
        // whether the group is in the table).
        _final = new FlowContext();
        _autocommit = options.CommitSize == 1;
        _lease = connection.Lease(context.CancellationToken);
        try
        {
            var token = context.CancellationToken;
            Schema = connection.RequireTable(_lease, options.Table, token);
            if (Schema.IsView)
                throw new MlDbException(MlDbErrorIds.InvalidIdentifier, MlDbErrorKind.InvalidArgument, $"'{options.Table}' is a view; records are inserted into tables.", options.Table);
            Conflict = SqlConflictPlan.Resolve(connection, _lease, Schema, options.OnConflict, options.Key, token);
            Names = RecordNames.For(Schema, Conflict);
            _mapper = new SqlRecordMapper(Schema);
            _commands = new SqlInsertCommands(connection, _lease, Schema, Conflict, _autocommit ? null : Savepoint) { OnNewStatement = Note };
            if (!_autocommit)
            {
                // A savepoint and its release are two more statements per record (on PostgreSQL a
                // subtransaction each, too): until a record fails, records go in by their statement
                // alone (see Recover).
                _plain = new SqlInsertCommands(connection, _lease, Schema, Conflict) { OnNewStatement = Note };
                _optimistic = true;
            }
            if (Conflict.IsUpsert && context.PreviewWrites) _lookup = new SqlKeyLookup(connection, _lease, Schema, Conflict.Key);
            if (!_autocommit) _timer = new Timer(_ => OnTimer());
        }
        catch
        {
            _commands?.Dispose();
            _plain?.Dispose();
            _lease.Dispose();
            throw;
        }
    }

    public string Table => _options.Table;

    public SqlTableSchema Schema { get; }

    public SqlConflictPlan Conflict { get; }

    /// <summary>How messages name this writer's records (position and key).</summary>
    public RecordNames Names { get; }

    /// <summary>The column the key of <see cref="SqlWrittenRecord"/> belongs to: the single primary-key column, <c>rowid</c>, or null.</summary>
    public string? KeyColumn => _connection.Dialect.ReturningKey(Schema) is null ? null : Schema.PrimaryKey.Count == 1 ? Schema.PrimaryKey[0].Name : "rowid";

    /// <summary>Records committed so far.</summary>
    public int Written { get; private set; }

    /// <summary>Records the database refused (each reported).</summary>
    public int Rejected { get; private set; }

    /// <summary>Called when the writer is disposed with committed records not yet taken (the run was stopped while the input stalled).</summary>
    public Action<IReadOnlyList<SqlWrittenRecord>>? OnUndelivered { get; set; }

    /// <summary>
    /// Writes one record (already through its ML step) into the open group. Throws
    /// <see cref="MlRecordException"/> when this record cannot be written (a key that is not a
    /// column, a value or constraint the database refuses): nothing of it is in the table and the
    /// group goes on. Throws <see cref="MlDbException"/> for a problem that ends the command (the
    /// connection lost, the time limit), after committing what can be, and
    /// <see cref="OperationCanceledException"/> for Ctrl+C.
    /// </summary>
    public SqlWriteStatus Write(int index, MlObject record)
    {
        ThrowFailure();
        SqlRecordValues values;
        try
        {
            values = _mapper.Map(record);
        }
        catch (MlDbException ex)
        {
            Rejected++;
            throw Reject(ex.ErrorId, ex.Kind, index, record, ex.Message, ex);
        }
        if (_context.ShouldWrite is not null && !_context.AllowWrite(Table, Describe(index, record, values)))
            return SqlWriteStatus.NotWritten;
        try
        {
            lock (_lease.Session.Gate)
            {
                ThrowFailure();
                if (_autocommit) WriteAlone(index, record, values);
                else WriteInGroup(index, record, values);
            }
        }
        finally
        {
            DeliverLog();
        }
        return SqlWriteStatus.Queued;
    }

    /// <summary>The records committed since the last call, in input order (empty when none).</summary>
    public IReadOnlyList<SqlWrittenRecord> TakeWritten()
    {
        DeliverLog();
        // Called before and after every record: most calls find nothing, and need no lock to see it.
        if (_writtenWaiting == 0) return [];
        lock (_lease.Session.Gate)
        {
            var taken = _written.ToArray();
            _written.Clear();
            _writtenWaiting = 0;
            return taken;
        }
    }

    /// <summary>Commits the open group (the end of the input); its records then come out of <see cref="TakeWritten"/>.</summary>
    public void Complete()
    {
        try
        {
            ThrowFailure();
            lock (_lease.Session.Gate)
            {
                ThrowFailure();
                if (_group is { } group) Commit(group, "end of input");
            }
            _timer?.Change(Timeout.Infinite, Timeout.Infinite);
        }
        finally
        {
            DeliverLog();
        }
    }

    // ---- one record ---------------------------------------------------------------------------------

    private void WriteAlone(int index, MlObject record, SqlRecordValues values)
    {
        SqlWriteResult result;
        try
        {
            result = _commands.Write(values, _quiet);
        }
        catch (MlDbException ex) when (ex.ErrorId is MlDbErrorIds.CommandFailed or MlDbErrorIds.InvalidValue)
        {
            Rejected++;
            throw Reject(MlDbErrorIds.InsertFailed, MlDbErrorKind.WriteError, index, record, _connection.DescribeRefusal(ex), ex.InnerException ?? ex);
        }
        Written++;
        _written.Enqueue(new SqlWrittenRecord(index, record, result.Key, result.Action));
        _writtenWaiting = _written.Count;
    }

    private void WriteInGroup(int index, MlObject record, SqlRecordValues values)
    {
        var group = _group ?? Open();
        SqlWriteResult result;
        try
        {
            result = (_optimistic ? _plain! : _commands).Write(values, _quiet);
        }
        catch (MlDbException ex) when (ex.ErrorId is MlDbErrorIds.CommandFailed or MlDbErrorIds.InvalidValue)
        {
            Recover(group, index);
            Rejected++;
            throw Reject(MlDbErrorIds.InsertFailed, MlDbErrorKind.WriteError, index, record, _connection.DescribeRefusal(ex), ex.InnerException ?? ex);
        }
        catch (MlDbException ex) when (ex.ErrorId == MlDbErrorIds.CommandTimeout)
        {
            // The statement was stopped: undo it alone, keep what the group wrote, then end the command.
            Recover(group, index);
            if (_group is { } kept) Commit(kept, "before the time limit error");
            throw new MlDbException(ex.ErrorId, ex.Kind, $"{MlRecordStep.Capitalize(Names.Name(index, record))} was not written: {ex.Message}", ex.Target, ex);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw Lose(group, ex, index, committing: false);
        }
        group = _group!;
        group.Records.Add((new SqlWrittenRecord(index, record, result.Key, result.Action), values));
        if (group.Records.Count >= _options.CommitSize) Commit(group, null);
        else if (group.Age >= _options.CommitInterval) Commit(group, $"open {group.Age.TotalMilliseconds:0} ms");
    }

    /// <summary>
    /// After a record's statement failed: back to its savepoint. When there was none (before the
    /// first failing record: on PostgreSQL the failure aborted the transaction; on SQLite a FAIL
    /// conflict or a trigger may have left part of it), when the database
    /// ended the whole transaction (SQLite ON CONFLICT ROLLBACK, RAISE(ROLLBACK)), or when the
    /// savepoint cannot be restored, the group starts again in a new transaction with the records
    /// it held, written again each in a savepoint of its own; from then on every record is.
    /// </summary>
    private void Recover(Group group, int failedIndex)
    {
        if (!_optimistic && !_connection.IsTransactionLost(_lease))
        {
            try
            {
                _commands.RollbackRecord(_quiet);
                return;
            }
            catch (MlDbException ex) when (ex.ErrorId is MlDbErrorIds.CommandFailed)
            {
                // the transaction cannot go on: start it again below
            }
        }
        _optimistic = false;
        var records = group.Records.ToArray();
        Close(group, rollback: true);
        var again = Open(group.Number);
        Note($"-- group {group.Number}: {RecordNames.Range(failedIndex, failedIndex)} failed and its transaction was rolled back; " +
                     $"its {records.Length} earlier record(s) are written again, and each record from now on in a savepoint of its own");
        foreach (var (written, values) in records)
        {
            SqlWriteResult result;
            try
            {
                result = _commands.Write(values, _quiet);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Only a concurrent change since the first attempt can make a record fail now.
                throw Lose(again, ex, written.Index, committing: false);
            }
            again.Records.Add((written with { Key = result.Key, Action = result.Action }, values));
        }
    }

    // ---- groups -------------------------------------------------------------------------------------

    private Group Open(int? number = null)
    {
        var transaction = _lease.BeginTransaction();
        var group = new Group(transaction, number ?? ++_groupNumber);
        _group = group;
        _lease.Session.OpenGroup = this;
        Note($"BEGIN  -- group {group.Number} of {Table}");
        _timer?.Change(_options.CommitInterval, Timeout.InfiniteTimeSpan);
        return group;
    }

    /// <summary>Commits the group; its records become <see cref="TakeWritten"/>'s. A failure rolls it back and is thrown.</summary>
    private void Commit(Group group, string? reason)
    {
        try
        {
            RunFinal(group.Transaction, t => t.Commit());
        }
        catch (Exception ex)
        {
            throw Lose(group, ex, failedIndex: null, committing: true);
        }
        Close(group, rollback: false);
        foreach (var (record, _) in group.Records) _written.Enqueue(record);
        _writtenWaiting = _written.Count;
        Written += group.Records.Count;
        Note($"COMMIT  -- {group.Describe()}{(reason is null ? "" : ": " + reason)}");
    }

    /// <summary>
    /// The group cannot be committed: roll it back (a connection that is gone has done so already)
    /// and describe what is and is not in the table, for the error that ends the command.
    /// </summary>
    private Exception Lose(Group group, Exception cause, int? failedIndex, bool committing)
    {
        Close(group, rollback: true);
        if (cause is OperationCanceledException) return cause;
        string fate = committing
            ? $"The connection failed while {group.Describe()} was committing: its rows may or may not be in the table (their keys were not written out)."
            : $"The open {group.Describe()} was rolled back: none of its records were written (their keys were not written out)"
              + (failedIndex is { } i && !group.Records.Any(r => r.Record.Index == i) ? $", nor {RecordNames.Range(i, i)}." : ".");
        Note($"ROLLBACK  -- {group.Describe()}");
        return cause is MlDbException db
            ? new MlDbException(db.ErrorId, db.Kind, $"{db.Message.TrimEnd('.')}. {fate}", db.Target, db)
            : new MlDbException(MlDbErrorIds.CommandFailed, MlDbErrorKind.WriteError, $"{cause.Message.TrimEnd('.')}. {fate}", Table, cause);
    }

    private void Close(Group group, bool rollback)
    {
        if (rollback)
        {
            try
            {
                if (!_connection.IsTransactionLost(_lease)) RunFinal(group.Transaction, t => t.Rollback());
            }
            catch (Exception)
            {
                // a connection that is gone has rolled back on its own
            }
        }
        try
        {
            group.Transaction.Dispose();
        }
        catch (Exception)
        {
            // as above
        }
        if (ReferenceEquals(_group, group)) _group = null;
        if (ReferenceEquals(_lease.Session.OpenGroup, this)) _lease.Session.OpenGroup = null;
        _lease.Transaction = null;
    }

    /// <summary>COMMIT / ROLLBACK with the driver's failures translated as for any command (a lost connection is ConnectionFailed).</summary>
    private void RunFinal(DbTransaction transaction, Action<DbTransaction> action)
    {
        try
        {
            action(transaction);
        }
        catch (Exception ex) when (ex is DbException or InvalidOperationException or IOException)
        {
            if (_connection.DescribeConnectionLoss(ex) is { } lost)
                throw new MlDbException(MlDbErrorIds.ConnectionFailed, MlDbErrorKind.ConnectionError, lost, _connection.Name, ex);
            throw new MlDbException(MlDbErrorIds.CommandFailed, MlDbErrorKind.WriteError, ex.Message, Table, ex);
        }
    }

    // ---- the time bound and other commands ------------------------------------------------------------

    /// <summary>
    /// The time bound while no record arrives: commits the group once it is old enough. Skipped when
    /// the run is being stopped (Dispose rolls the group back) and while another lease shares the
    /// connection (SQLite: a query feeding this writer from the same database on the same thread;
    /// the pipeline thread commits then, at the next record or the end).
    /// </summary>
    private void OnTimer()
    {
        try
        {
            lock (_lease.Session.Gate)
            {
                if (_closed || _group is not { } group || _context.CancellationToken.IsCancellationRequested) return;
                var left = _options.CommitInterval - group.Age;
                if (left > TimeSpan.Zero)
                {
                    _timer?.Change(left, Timeout.InfiniteTimeSpan);
                    return;
                }
                if (_lease.Session.Users > 1)
                {
                    _timer?.Change(_options.CommitInterval, Timeout.InfiniteTimeSpan);
                    return;
                }
                Commit(group, $"open {group.Age.TotalMilliseconds:0} ms, no record arrived");
            }
        }
        catch (Exception ex)
        {
            // thrown on the pipeline thread at the next call
            _failure ??= ex;
        }
    }

    DbTransaction ISqlOpenGroup.Transaction => _group?.Transaction ?? throw new InvalidOperationException("No group is open.");

    void ISqlOpenGroup.SettleForOtherCommand()
    {
        if (_group is not { } group) return;
        try
        {
            Commit(group, "another command uses the connection");
        }
        catch (Exception ex)
        {
            _failure ??= ex;
        }
    }

    // ---- helpers --------------------------------------------------------------------------------------

    private void ThrowFailure()
    {
        if (_failure is { } failure)
        {
            _failure = null;
            throw failure;
        }
    }

    /// <summary>Log lines gathered off the pipeline thread (timer, other commands) go out on it.</summary>
    private void DeliverLog()
    {
        if (_context.Log is null) return;
        while (_log.TryDequeue(out var line)) _context.Log(line);
    }

    /// <summary>A line for the log, kept until the pipeline thread can deliver it (nothing when there is no log).</summary>
    private void Note(string line)
    {
        if (_context.Log is not null) _log.Enqueue(line);
    }

    private string Describe(int index, MlObject record, SqlRecordValues values)
    {
        string name = Names.Name(index, record);
        string columns = RecordNames.Columns(values.Columns);
        if (!Conflict.IsUpsert) return $"Insert {name}: columns {columns}";
        if (_lookup is null) return $"Upsert {name}: columns {columns}";
        bool exists;
        lock (_lease.Session.Gate) exists = _lookup.Exists(values, _quiet);
        if (!exists) return $"Insert {name}: columns {columns}";
        return Conflict.Action == SqlConflictAction.Update
            ? $"Update {name}: columns {columns}"
            : $"Leave the existing row of {name} as it is (-OnConflict Ignore)";
    }

    private MlRecordException Reject(string id, MlDbErrorKind kind, int index, MlObject record, string reason, Exception? inner)
    {
        string name = Names.Name(index, record);
        string verb = Conflict.IsUpsert ? "written" : "inserted";
        return new MlRecordException(id, kind, $"{MlRecordStep.Capitalize(name)} was not {verb}: {reason}", index, name, inner);
    }

    /// <summary>
    /// Rolls back a group still open (the run was stopped), stops the timer, hands records committed
    /// but not taken to <see cref="OnUndelivered"/>, and gives the connection back.
    /// </summary>
    public void Dispose()
    {
        lock (_lease.Session.Gate)
        {
            if (_closed) return;
            _closed = true;
            if (_group is { } group) Close(group, rollback: true);
        }
        if (_timer is not null)
        {
            using var stopped = new ManualResetEvent(false);
            if (_timer.Dispose(stopped)) stopped.WaitOne(TimeSpan.FromSeconds(30));
        }
        SqlWrittenRecord[] undelivered;
        lock (_lease.Session.Gate)
        {
            undelivered = _written.ToArray();
            _written.Clear();
            _writtenWaiting = 0;
        }
        try
        {
            if (undelivered.Length > 0) OnUndelivered?.Invoke(undelivered);
        }
        finally
        {
            _commands.Dispose();
            _plain?.Dispose();
            _lookup?.Dispose();
            _lease.Dispose();
        }
    }

    internal static string Count(int n, string what) => n.ToString(CultureInfo.InvariantCulture) + " " + what + (n == 1 ? "" : "s");
}

/// <summary>Does a row with a record's key exist? (For -WhatIf of upserts: would the record insert or update.)</summary>
public sealed class SqlKeyLookup(MlSqlConnection connection, SqlLease lease, SqlTableSchema schema, IReadOnlyList<SqlColumnInfo> key) : IDisposable
{
    private DbCommand? _command;

    /// <summary>True when the table has a row with the record's key (a record without all its key columns, or with a null in one, has none).</summary>
    public bool Exists(SqlRecordValues record, FlowContext context)
    {
        var values = new MlValue[key.Count];
        for (int i = 0; i < key.Count; i++)
        {
            if (record.ValueOf(key[i]) is not { IsNull: false } v) return false;
            values[i] = v;
        }
        var dialect = connection.Dialect;
        if (_command is null)
        {
            var parameters = key.Select((c, i) => (c, "k" + i)).ToArray();
            _command = lease.CreateCommand(dialect.BuildKeyLookup(schema, key, parameters));
            for (int i = 0; i < key.Count; i++) connection.Mapper.AddParameter(_command, dialect.ParameterName("k" + i), values[i], key[i]);
        }
        else
        {
            for (int i = 0; i < key.Count; i++) connection.Mapper.SetParameter(_command.Parameters[i], values[i], key[i]);
        }
        _command.Transaction = lease.Transaction;
        using var scope = new SqlCommandScope(connection, _command, context);
        return scope.Run(c => c.ExecuteScalar()) is not (null or DBNull);
    }

    public void Dispose() => _command?.Dispose();
}
