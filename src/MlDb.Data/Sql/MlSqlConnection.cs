using System.Data.Common;

namespace MlDb.Data;

/// <summary>
/// A connection of a SQL provider (SQLite, PostgreSQL). The processing flows work only through
/// this surface: lease a <see cref="DbConnection"/>, look up a table's schema, use the dialect to
/// write SQL and the mapper to move values.
/// </summary>
public abstract class MlSqlConnection : MlConnection
{
    protected MlSqlConnection(string name) : base(name)
    {
    }

    public abstract SqlDialect Dialect { get; }

    public abstract SqlValueMapper Mapper { get; }

    /// <summary>
    /// An open connection for one command or one unit of work; dispose the lease to give it back
    /// (to the pool, or to the single connection kept for in-memory databases).
    /// </summary>
    public abstract SqlLease Lease(CancellationToken cancellationToken);

    /// <summary>The table's columns and key, or null when no such table or view exists.</summary>
    public abstract SqlTableSchema? FindTable(SqlLease lease, string table, CancellationToken cancellationToken);

    /// <summary>
    /// The tables and views, named as <c>-Table</c> takes them (schema-qualified where the plain
    /// name would not find them), in name order: what tab completion offers.
    /// </summary>
    public abstract IReadOnlyList<string> ListTables(SqlLease lease, CancellationToken cancellationToken);

    /// <summary>Like <see cref="FindTable"/>, or an <see cref="MlDbException"/> (InvalidIdentifier).</summary>
    public SqlTableSchema RequireTable(SqlLease lease, string table, CancellationToken cancellationToken) =>
        FindTable(lease, table, cancellationToken) ?? throw new MlDbException(MlDbErrorIds.InvalidIdentifier, MlDbErrorKind.ObjectNotFound,
            $"The table '{table}' does not exist in the {Provider} database '{DisplayString}'.", table);

    /// <summary>Applies a command timeout the driver understands (seconds; 0 = none).</summary>
    public virtual void ApplyCommandTimeout(DbCommand command, TimeSpan? timeout) =>
        command.CommandTimeout = timeout is { } t ? Math.Max(1, (int)Math.Ceiling(t.TotalSeconds)) : 0;

    /// <summary>
    /// Inserts one batch of validated records inside the lease's open transaction and returns how
    /// many rows were written. The default runs one prepared parameterized INSERT per record;
    /// providers with a bulk path (PostgreSQL COPY) override it. A failing record is reported as
    /// <see cref="SqlBatchRowException"/> carrying its position in the batch.
    /// </summary>
    public virtual int InsertBatch(SqlLease lease, SqlTableSchema table, IReadOnlyList<SqlRecordValues> records, Processing.FlowContext context)
    {
        using var commands = new SqlInsertCommands(this, lease, table);
        int written = 0;
        for (int i = 0; i < records.Count; i++)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            try
            {
                var command = commands.Bind(records[i], returnKey: false);
                using var scope = new SqlCommandScope(this, command, context);
                written += Math.Max(0, scope.Run(c => c.ExecuteNonQuery()));
            }
            catch (MlDbException ex) when (ex.ErrorId is MlDbErrorIds.CommandFailed or MlDbErrorIds.InvalidValue)
            {
                throw new SqlBatchRowException(i, ex.Message, ex.InnerException ?? ex);
            }
        }
        return written;
    }

    /// <summary>
    /// Upserts one batch of validated records inside the lease's open transaction
    /// (<c>INSERT … ON CONFLICT (key) DO NOTHING / DO UPDATE</c>) and counts what happened, with the
    /// result a record-by-record run would give (a key repeated in the batch: the first occurrence
    /// inserts, the later ones update or are ignored). The default runs one prepared statement per
    /// record (in-process for SQLite: no round trips); PostgreSQL overrides it with one statement per
    /// batch. A failing record is reported as <see cref="SqlBatchRowException"/>.
    /// </summary>
    public virtual SqlBatchCounts UpsertBatch(SqlLease lease, SqlTableSchema table, IReadOnlyList<SqlRecordValues> records, SqlConflictPlan conflict, Processing.FlowContext context)
    {
        using var commands = new SqlInsertCommands(this, lease, table, conflict);
        var counts = new SqlBatchCounts();
        for (int i = 0; i < records.Count; i++)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            try
            {
                counts.Add(commands.Write(records[i], context).Action);
            }
            catch (MlDbException ex) when (ex.ErrorId is MlDbErrorIds.CommandFailed or MlDbErrorIds.InvalidValue)
            {
                throw new SqlBatchRowException(i, ex.Message, ex.InnerException ?? ex);
            }
        }
        return counts;
    }

    /// <summary>
    /// Why the database refused a record, for a message that names the record by position and key:
    /// the database's reason without the record's values (which would end up in transcripts).
    /// The default is the message as is (SQLite's messages name columns and constraints, not values).
    /// </summary>
    public virtual string DescribeRefusal(Exception failure) => failure.Message;

    /// <summary>The table's primary key and unique constraints (unique, non-partial indexes on plain columns), for <c>-Key</c>.</summary>
    public abstract IReadOnlyList<SqlUniqueKey> FindUniqueKeys(SqlLease lease, SqlTableSchema table, CancellationToken cancellationToken);

    /// <summary>
    /// True when the lease's transaction was ended by the database itself after a statement failed
    /// (SQLite: a constraint declared <c>ON CONFLICT ROLLBACK</c>, a trigger's <c>RAISE(ROLLBACK)</c>),
    /// so savepoints inside it are gone too. The default: never.
    /// </summary>
    public virtual bool IsTransactionLost(SqlLease lease) => false;

    /// <summary>
    /// Stops a running command from another thread (Ctrl+C, timeout). The default is
    /// <see cref="DbCommand.Cancel"/>; SQLite interrupts the connection instead, because its
    /// ADO.NET Cancel does nothing.
    /// </summary>
    public virtual void CancelCommand(DbCommand command) => command.Cancel();

    /// <summary>True when <paramref name="exception"/> is the driver reporting that the command was cancelled or interrupted.</summary>
    public virtual bool IsCancellation(Exception exception) => exception is OperationCanceledException;

    /// <summary>
    /// A message when <paramref name="exception"/> means the connection to the server was lost
    /// (server shut down, network gone), else null. <see cref="SqlCommandScope"/> then reports
    /// <see cref="MlDbErrorIds.ConnectionFailed"/> instead of a failed command: nothing more can be
    /// done on that connection. The default recognises nothing.
    /// </summary>
    public virtual string? DescribeConnectionLoss(Exception exception) => null;

    /// <summary>
    /// Called by <see cref="SqlCommandScope"/> when a command starts under a flow; what it returns is
    /// disposed when the command is done. Providers attach per-command listeners here (PostgreSQL
    /// routes server notices to the flow's log). The default attaches nothing.
    /// </summary>
    public virtual IDisposable? BeginCommand(DbCommand command, Processing.FlowContext context) => null;
}

/// <summary>An open connection lent out by <see cref="MlSqlConnection.Lease"/>.</summary>
public sealed class SqlLease : IDisposable
{
    private Action? _release;

    public SqlLease(DbConnection connection, Action release)
    {
        Connection = connection;
        Session = SqlSession.Of(connection);
        Session.AddUser();
        _release = release;
    }

    public DbConnection Connection { get; }

    /// <summary>The session of the connection (shared with the other leases of the same connection).</summary>
    public SqlSession Session { get; }

    /// <summary>The transaction commands of this lease join, while one is open.</summary>
    public DbTransaction? Transaction { get; set; }

    /// <summary>A command on the connection, joining this lease's transaction; a write group another command left open there is committed first.</summary>
    public DbCommand CreateCommand(string sql)
    {
        Session.Settle(Transaction);
        var command = Connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = Transaction;
        return command;
    }

    /// <summary>Begins this lease's transaction (SQLite: <c>BEGIN IMMEDIATE</c>), after committing a write group left open on the connection.</summary>
    public DbTransaction BeginTransaction()
    {
        Session.Settle(null);
        return Transaction = Connection.BeginTransaction();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _release, null) is not { } release) return;
        Session.RemoveUser();
        release();
    }
}

/// <summary>A record of a batch failed to insert; <see cref="RowIndex"/> is its 0-based position in the batch.</summary>
public sealed class SqlBatchRowException(int rowIndex, string message, Exception? inner) : Exception(message, inner)
{
    public int RowIndex { get; } = rowIndex;
}

/// <summary>What a batch did, record by record: rows inserted, rows updated, records that left the existing row as it was.</summary>
public sealed class SqlBatchCounts
{
    public int Inserted { get; set; }

    public int Updated { get; set; }

    public int Ignored { get; set; }

    public void Add(SqlRecordAction action)
    {
        switch (action)
        {
            case SqlRecordAction.Inserted: Inserted++; break;
            case SqlRecordAction.Updated: Updated++; break;
            default: Ignored++; break;
        }
    }
}
