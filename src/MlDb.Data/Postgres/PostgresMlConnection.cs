using System.Data;
using System.Data.Common;
using MlDb.Data.Processing;
using Npgsql;

namespace MlDb.Data.Postgres;

/// <summary>
/// A named PostgreSQL connection: one <see cref="NpgsqlDataSource"/> (its own pool, sized by the
/// connection string's Minimum/Maximum Pool Size) from which every unit of work leases a
/// connection. Safe to share between threads and runspaces. Commands are cancelled on the server
/// (Npgsql sends a cancel request) when the flow's token fires or the command timeout expires;
/// server notices go to the flow's log while a command runs.
/// </summary>
public sealed class PostgresMlConnection : MlSqlConnection
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly PostgresValueMapper _mapper;
    private readonly string? _password;
    private readonly Lazy<NpgsqlDataSource> _cancelSource;

    internal PostgresMlConnection(string name, NpgsqlDataSource dataSource, string connectionString, string displayString, string? database, bool sessionIsUtc, string? password)
        : base(name)
    {
        _dataSource = dataSource;
        DisplayString = displayString;
        Database = database;
        _mapper = new PostgresValueMapper(sessionIsUtc);
        _password = password;
        _cancelSource = new Lazy<NpgsqlDataSource>(() =>
        {
            var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, Timeout = 5, CommandTimeout = 5 };
            return NpgsqlDataSource.Create(builder);
        }, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public override MlProvider Provider => MlProvider.Postgres;

    public override string DisplayString { get; }

    public override string? Database { get; }

    public override SqlDialect Dialect => PostgresDialect.Instance;

    public override SqlValueMapper Mapper => _mapper;

    internal PostgresValueMapper PgMapper => _mapper;

    /// <summary>How many seconds Npgsql waits beyond the flow's own timeout before giving up on its own (should the cancel request not get through).</summary>
    internal const int TimeoutBackstopSeconds = 5;

    public override SqlLease Lease(CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        NpgsqlConnection connection;
        try
        {
            connection = cancellationToken.CanBeCanceled
                ? _dataSource.OpenConnectionAsync(cancellationToken).AsTask().GetAwaiter().GetResult()
                : _dataSource.OpenConnection();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException or IOException)
        {
            throw new MlDbException(MlDbErrorIds.ConnectionFailed, MlDbErrorKind.ConnectionError,
                $"Cannot open a connection to the PostgreSQL server of '{Name}' ({DisplayString}): {PostgresErrors.Describe(ex, _password)}", Name, ex);
        }
        return new SqlLease(connection, () => Release(connection));
    }

    private void Release(NpgsqlConnection connection)
    {
        // A connection that broke (server restarted, network gone) means the idle ones in the pool
        // are most likely dead too: drop them, so the next command opens a fresh one.
        bool broken = (connection.FullState & ConnectionState.Broken) != 0 || connection.State == ConnectionState.Closed;
        connection.Dispose();
        if (broken && !IsDisposed) _dataSource.Clear();
    }

    public override SqlTableSchema? FindTable(SqlLease lease, string table, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var requested = Dialect.ParseTableName(table);
        var found = FindRelation(lease, requested);
        if (found is null && requested.Schema is not null)
        {
            // "a.b" where no schema "a" holds "b": the whole text may be a table name with a dot.
            requested = new SqlTableName(null, table);
            found = FindRelation(lease, requested);
        }
        if (found is null) return null;
        var (oid, schema, name, kind) = found.Value;
        var columns = new List<SqlColumnInfo>();
        using (var cmd = lease.CreateCommand(
            """
            SELECT a.attname, a.attnotnull,
                   pg_catalog.format_type(CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END,
                                          CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END),
                   COALESCE(a.attnum = ANY (i.indkey), false)
            FROM pg_catalog.pg_attribute a
            JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
            LEFT JOIN pg_catalog.pg_index i ON i.indrelid = a.attrelid AND i.indisprimary
            WHERE a.attrelid = @oid AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum
            """))
        {
            cmd.Parameters.Add(new NpgsqlParameter("oid", NpgsqlTypes.NpgsqlDbType.Oid) { Value = oid });
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
                columns.Add(new SqlColumnInfo(reader.GetString(0), reader.GetString(2), columns.Count, reader.GetBoolean(3), reader.GetBoolean(1)));
        }
        bool isView = kind is 'v' or 'm';
        return new SqlTableSchema(new SqlTableName(schema, name), columns, isView, hasRowId: false);
    }

    public override IReadOnlyList<SqlUniqueKey> FindUniqueKeys(SqlLease lease, SqlTableSchema table, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        // ON CONFLICT can only infer a unique index that is immediate, valid, not partial and on
        // plain columns (the key columns: INCLUDE columns are not part of it).
        using var cmd = lease.CreateCommand(
            """
            SELECT c.relname, i.indisprimary,
                   ARRAY(SELECT a.attname::text
                         FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                         JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                         WHERE k.ord <= i.indnkeyatts
                         ORDER BY k.ord)
            FROM pg_catalog.pg_index i
            JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
            WHERE i.indrelid = @table::regclass AND i.indisunique AND i.indimmediate AND i.indisvalid
              AND i.indpred IS NULL AND i.indexprs IS NULL
            ORDER BY i.indisprimary DESC, c.relname
            """);
        cmd.Parameters.Add(new NpgsqlParameter("table", NpgsqlTypes.NpgsqlDbType.Text) { Value = Dialect.QuoteTable(table) });
        using var reader = cmd.ExecuteReader();
        var keys = new List<SqlUniqueKey>();
        while (reader.Read()) keys.Add(new SqlUniqueKey(reader.GetString(0), reader.GetFieldValue<string[]>(2), reader.GetBoolean(1)));
        return keys;
    }

    private static (uint Oid, string Schema, string Name, char Kind)? FindRelation(SqlLease lease, SqlTableName requested)
    {
        using var cmd = lease.CreateCommand(
            """
            SELECT c.oid, n.nspname, c.relname, c.relkind::text,
                   c.relname = @name AS exact_name,
                   (@schema::text IS NULL OR n.nspname = @schema::text) AS exact_schema
            FROM pg_catalog.pg_class c
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
              AND lower(c.relname) = lower(@name)
              AND CASE WHEN @schema::text IS NULL THEN pg_catalog.pg_table_is_visible(c.oid)
                       ELSE lower(n.nspname) = lower(@schema::text) END
            ORDER BY exact_name DESC, exact_schema DESC
            LIMIT 10
            """);
        cmd.Parameters.Add(new NpgsqlParameter("name", NpgsqlTypes.NpgsqlDbType.Text) { Value = requested.Name });
        cmd.Parameters.Add(new NpgsqlParameter("schema", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)requested.Schema ?? DBNull.Value });
        using var reader = cmd.ExecuteReader();
        var rows = new List<(uint, string, string, char, bool)>();
        while (reader.Read())
            rows.Add((reader.GetFieldValue<uint>(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)[0], reader.GetBoolean(4) && reader.GetBoolean(5)));
        if (rows.Count == 0) return null;
        if (rows[0].Item5 || rows.Count == 1) return (rows[0].Item1, rows[0].Item2, rows[0].Item3, rows[0].Item4);
        throw new MlDbException(MlDbErrorIds.InvalidIdentifier, MlDbErrorKind.InvalidArgument,
            $"The table name '{requested}' is ambiguous: it matches {string.Join(", ", rows.Select(r => r.Item2 + "." + r.Item3))} when case is ignored; write it exactly.",
            requested.ToString());
    }

    /// <summary>
    /// The flow's timeout is enforced by <see cref="SqlCommandScope"/>, which cancels the statement on
    /// the server; Npgsql's own command timeout is set a little later as a backstop. Without a flow
    /// timeout there is no limit (the connection string's Command Timeout is not used).
    /// </summary>
    public override void ApplyCommandTimeout(DbCommand command, TimeSpan? timeout) =>
        command.CommandTimeout = timeout is { } t ? (int)Math.Min(int.MaxValue, Math.Ceiling(t.TotalSeconds) + TimeoutBackstopSeconds) : 0;

    public override bool IsCancellation(Exception exception) => PostgresErrors.IsCancellation(exception);

    public override string? DescribeConnectionLoss(Exception exception) =>
        PostgresErrors.IsConnectionLost(exception)
            ? $"The connection to the PostgreSQL server of '{Name}' ({DisplayString}) was lost: {DescribeError(exception)}"
            : null;

    public override IDisposable? BeginCommand(DbCommand command, FlowContext context) =>
        context.Log is null || command.Connection is not NpgsqlConnection connection ? null : new NoticeRelay(connection, context);

    public override int InsertBatch(SqlLease lease, SqlTableSchema table, IReadOnlyList<SqlRecordValues> records, FlowContext context) =>
        new PostgresBatchWriter(this, lease, table, context).Write(records);

    /// <summary>One statement per batch (per run of records with the same columns): COPY into a temporary table, then <c>INSERT … SELECT … ON CONFLICT</c>.</summary>
    public override SqlBatchCounts UpsertBatch(SqlLease lease, SqlTableSchema table, IReadOnlyList<SqlRecordValues> records, SqlConflictPlan conflict, FlowContext context) =>
        new PostgresBatchUpserter(this, lease, table, conflict, context).Write(records);

    internal string DescribeError(Exception exception) => PostgresErrors.Describe(exception, _password);

    public override string DescribeRefusal(Exception failure)
    {
        for (var e = failure; e is not null; e = e.InnerException)
            if (e is PostgresException pg) return PostgresErrors.DescribeRefusal(pg, _password);
        return failure.Message;
    }

    /// <summary>
    /// Cancels what the server process <paramref name="processId"/> is running (pg_cancel_backend,
    /// over a separate unpooled connection). Used for COPY, which has no command to cancel; runs in
    /// the background, so the thread that asks (Ctrl+C, a timer) is not held up.
    /// </summary>
    internal void CancelBackend(int processId)
    {
        if (processId <= 0 || IsDisposed) return;
        _ = Task.Run(() =>
        {
            try
            {
                using var connection = _cancelSource.Value.OpenConnection();
                using var cmd = new NpgsqlCommand("SELECT pg_catalog.pg_cancel_backend(@pid)", connection);
                cmd.Parameters.Add(new NpgsqlParameter("pid", NpgsqlTypes.NpgsqlDbType.Integer) { Value = processId });
                cmd.ExecuteScalar();
            }
            catch (Exception)
            {
                // the server is unreachable: the client gives up on its own after the backstop
            }
        });
    }

    /// <summary>
    /// Tables, views, materialized views and foreign tables outside the system schemas: by their
    /// name when the search path finds them, else as <c>schema.name</c>.
    /// </summary>
    public override IReadOnlyList<string> ListTables(SqlLease lease, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        using var cmd = lease.CreateCommand(
            """
            SELECT CASE WHEN pg_catalog.pg_table_is_visible(c.oid) THEN c.relname ELSE n.nspname || '.' || c.relname END AS shown
            FROM pg_catalog.pg_class c
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
              AND n.nspname NOT IN ('pg_catalog', 'information_schema')
              AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp%'
              AND NOT c.relispartition
            ORDER BY pg_catalog.pg_table_is_visible(c.oid) DESC, 1
            """);
        using var reader = cmd.ExecuteReader();
        var names = new List<string>();
        while (reader.Read())
        {
            cancellationToken.ThrowIfCancellationRequested();
            names.Add(reader.GetString(0));
        }
        return names;
    }

    protected override void DisposeCore()
    {
        _dataSource.Dispose();
        if (_cancelSource.IsValueCreated) _cancelSource.Value.Dispose();
    }
}

/// <summary>Sends the server's NOTICE/WARNING/INFO messages to the flow's log while it is attached.</summary>
internal sealed class NoticeRelay : IDisposable
{
    private readonly NpgsqlConnection _connection;
    private readonly FlowContext _context;

    public NoticeRelay(NpgsqlConnection connection, FlowContext context)
    {
        _connection = connection;
        _context = context;
        _connection.Notice += OnNotice;
    }

    private void OnNotice(object sender, NpgsqlNoticeEventArgs e) => _context.Verbose(Format(e.Notice));

    internal static string Format(PostgresNotice notice)
    {
        string text = $"{notice.Severity}: {notice.MessageText}";
        if (!string.IsNullOrEmpty(notice.Detail) && !notice.Detail.StartsWith("Detail redacted", StringComparison.Ordinal)) text += " DETAIL: " + notice.Detail;
        if (!string.IsNullOrEmpty(notice.Hint)) text += " HINT: " + notice.Hint;
        return text;
    }

    public void Dispose() => _connection.Notice -= OnNotice;
}
