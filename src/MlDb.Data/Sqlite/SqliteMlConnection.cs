using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace MlDb.Data.Sqlite;

/// <summary>
/// A named SQLite connection. File databases open a pooled connection per unit of work and clear
/// the pool when disposed (so the file can be deleted at once); in-memory databases keep the one
/// connection that holds the data, lent to one thread at a time. Leases are re-entrant on a
/// thread: while a thread holds one, further leases on that thread share its connection. So a
/// query streaming into an insert in the same pipeline (<c>Invoke-MlQuery | Add-MlRecord</c>)
/// reads and writes through one SQLite connection, which SQLite allows, instead of a second
/// connection whose commit would wait for the reader's lock.
/// </summary>
public sealed class SqliteMlConnection : MlSqlConnection
{
    private readonly string _connectionString;
    private readonly SqliteConnection? _keeper;
    private readonly object _keeperGate = new();
    private readonly ThreadLocal<Hold?> _held = new();

    /// <summary>The connection a thread holds, and how many leases share it.</summary>
    private sealed class Hold(SqliteConnection connection)
    {
        public readonly SqliteConnection Connection = connection;
        public int Count = 1;
    }

    internal SqliteMlConnection(string name, SqliteConnectionStringBuilder builder) : base(name)
    {
        IsMemory = SqliteConnectionFactory.IsMemory(builder);
        _connectionString = builder.ConnectionString;
        DisplayString = Redact(builder, "Password", "Pwd");
        DataSource = builder.DataSource;
        if (IsMemory)
        {
            _keeper = new SqliteConnection(_connectionString);
            _keeper.Open();
        }
        else
        {
            using var probe = new SqliteConnection(_connectionString);
            probe.Open();
        }
    }

    public override MlProvider Provider => MlProvider.Sqlite;

    public override string DisplayString { get; }

    public override string? Database => DataSource;

    /// <summary>The full path of the database file, or <c>:memory:</c>.</summary>
    public string DataSource { get; }

    public bool IsMemory { get; }

    public override SqlDialect Dialect => SqliteDialect.Instance;

    public override SqlValueMapper Mapper => SqliteValueMapper.Instance;

    public override SqlLease Lease(CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        if (_keeper is not null)
        {
            while (!Monitor.TryEnter(_keeperGate, 100)) cancellationToken.ThrowIfCancellationRequested();
            ThrowIfDisposed();
            return new SqlLease(_keeper, () => Monitor.Exit(_keeperGate));
        }
        var held = _held.Value;
        if (held is { Count: > 0 })
        {
            held.Count++;
            return new SqlLease(held.Connection, () => Release(held));
        }
        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();
        }
        catch
        {
            connection.Dispose();
            throw;
        }
        var hold = new Hold(connection);
        _held.Value = hold;
        return new SqlLease(connection, () => Release(hold));
    }

    private void Release(Hold hold)
    {
        if (--hold.Count > 0) return;
        if (!_held.IsValueCreated || ReferenceEquals(_held.Value, hold)) _held.Value = null;
        hold.Connection.Dispose();
    }

    public override SqlTableSchema? FindTable(SqlLease lease, string table, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var name = SqliteDialect.Instance.ParseTableName(table);
        string? schema = name.Schema;
        if (schema is not null && !SchemaExists(lease, schema))
        {
            // "a.b" where "a" is not an attached database: the whole text is the table name.
            schema = null;
            name = new SqlTableName(null, table);
        }
        string master = schema is null ? "sqlite_master" : (schema.Equals("temp", StringComparison.OrdinalIgnoreCase) ? "sqlite_temp_master" : SqliteDialect.Instance.QuoteIdentifier(schema) + ".sqlite_master");
        string? catalogName = null, type = null, sql = null;
        using (var cmd = lease.CreateCommand($"SELECT name, type, sql FROM {master} WHERE type IN ('table', 'view') AND name = @name COLLATE NOCASE ORDER BY name = @name DESC LIMIT 1"))
        {
            cmd.Parameters.Add(new SqliteParameter("@name", name.Name));
            using var reader = cmd.ExecuteReader();
            if (!reader.Read()) return null;
            catalogName = reader.GetString(0);
            type = reader.GetString(1);
            sql = reader.IsDBNull(2) ? "" : reader.GetString(2);
        }
        var columns = new List<SqlColumnInfo>();
        using (var cmd = lease.CreateCommand("SELECT cid, name, type, \"notnull\", pk FROM pragma_table_info(@name, @schema) ORDER BY cid"))
        {
            cmd.Parameters.Add(new SqliteParameter("@name", catalogName));
            cmd.Parameters.Add(new SqliteParameter("@schema", schema ?? "main"));
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                columns.Add(new SqlColumnInfo(reader.GetString(1), reader.IsDBNull(2) ? "" : reader.GetString(2),
                    (int)reader.GetInt64(0), reader.GetInt64(4) > 0, reader.GetInt64(3) != 0));
            }
        }
        bool isView = type == "view";
        bool hasRowId = !isView && sql.IndexOf("WITHOUT ROWID", StringComparison.OrdinalIgnoreCase) < 0;
        return new SqlTableSchema(new SqlTableName(schema, catalogName), columns, isView, hasRowId);
    }

    public override IReadOnlyList<SqlUniqueKey> FindUniqueKeys(SqlLease lease, SqlTableSchema table, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var keys = new List<SqlUniqueKey>();
        if (table.PrimaryKey.Count > 0) keys.Add(new SqlUniqueKey("PRIMARY KEY", table.PrimaryKey.Select(c => c.Name).ToArray(), IsPrimaryKey: true));
        string schema = table.Name.Schema ?? "main";
        var indexes = new List<string>();
        // origin 'pk' is the index behind a PRIMARY KEY that is not the rowid: listed above already
        using (var cmd = lease.CreateCommand("SELECT name FROM pragma_index_list(@name, @schema) WHERE \"unique\" = 1 AND partial = 0 AND origin <> 'pk' ORDER BY seq"))
        {
            cmd.Parameters.Add(new SqliteParameter("@name", table.Name.Name));
            cmd.Parameters.Add(new SqliteParameter("@schema", schema));
            using var reader = cmd.ExecuteReader();
            while (reader.Read()) indexes.Add(reader.GetString(0));
        }
        foreach (var index in indexes)
        {
            var columns = new List<string>();
            bool plain = true;
            using var cmd = lease.CreateCommand("SELECT name FROM pragma_index_info(@index, @schema) ORDER BY seqno");
            cmd.Parameters.Add(new SqliteParameter("@index", index));
            cmd.Parameters.Add(new SqliteParameter("@schema", schema));
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                if (reader.IsDBNull(0)) plain = false; // an expression, not a column
                else columns.Add(reader.GetString(0));
            }
            if (plain && columns.Count > 0) keys.Add(new SqlUniqueKey(index, columns, IsPrimaryKey: false));
        }
        return keys;
    }

    /// <summary>SQLite ends the whole transaction for ON CONFLICT ROLLBACK and RAISE(ROLLBACK): the connection is back in autocommit mode.</summary>
    public override bool IsTransactionLost(SqlLease lease) =>
        lease.Transaction is not null && lease.Connection is SqliteConnection { State: System.Data.ConnectionState.Open } connection
        && SQLitePCL.raw.sqlite3_get_autocommit(connection.Handle) != 0;

    private static bool SchemaExists(SqlLease lease, string schema)
    {
        using var cmd = lease.CreateCommand("SELECT 1 FROM pragma_database_list WHERE name = @name COLLATE NOCASE");
        cmd.Parameters.Add(new SqliteParameter("@name", schema));
        return cmd.ExecuteScalar() is not null;
    }

    /// <summary>Tables and views of the main database by their name; those of temp and attached databases as <c>schema.name</c>.</summary>
    public override IReadOnlyList<string> ListTables(SqlLease lease, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var schemas = new List<string>();
        using (var cmd = lease.CreateCommand("SELECT name FROM pragma_database_list ORDER BY seq"))
        using (var reader = cmd.ExecuteReader())
        {
            while (reader.Read()) schemas.Add(reader.GetString(0));
        }
        var names = new List<string>();
        foreach (var schema in schemas)
        {
            cancellationToken.ThrowIfCancellationRequested();
            bool main = schema.Equals("main", StringComparison.OrdinalIgnoreCase);
            string master = schema.Equals("temp", StringComparison.OrdinalIgnoreCase) ? "sqlite_temp_master" : SqliteDialect.Instance.QuoteIdentifier(schema) + ".sqlite_master";
            using var cmd = lease.CreateCommand($"SELECT name FROM {master} WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name");
            using var reader = cmd.ExecuteReader();
            while (reader.Read()) names.Add(main ? reader.GetString(0) : schema + "." + reader.GetString(0));
        }
        return names;
    }

    public override void ApplyCommandTimeout(DbCommand command, TimeSpan? timeout)
    {
        // Microsoft.Data.Sqlite uses CommandTimeout as the busy (lock wait) timeout; the running
        // statement is bounded by SqlCommandScope, which interrupts it.
        if (timeout is { } t) command.CommandTimeout = Math.Max(1, (int)Math.Ceiling(t.TotalSeconds));
    }

    public override void CancelCommand(DbCommand command)
    {
        if (command.Connection is SqliteConnection { State: System.Data.ConnectionState.Open } connection)
            SQLitePCL.raw.sqlite3_interrupt(connection.Handle);
    }

    public override bool IsCancellation(Exception exception) =>
        exception is OperationCanceledException || exception is SqliteException { SqliteErrorCode: 9 };

    protected override void DisposeCore()
    {
        lock (_keeperGate)
        {
            _keeper?.Dispose();
        }
        using var handle = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(handle);
        _held.Dispose();
    }
}
