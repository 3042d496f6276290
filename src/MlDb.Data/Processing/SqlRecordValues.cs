using System.Data.Common;
using MlDb.Language;

namespace MlDb.Data;

/// <summary>A record's values matched to the table's columns (catalog spelling, schema-validated).</summary>
public sealed class SqlRecordValues(SqlColumnInfo[] columns, MlValue[] values)
{
    public SqlColumnInfo[] Columns { get; } = columns;

    public MlValue[] Values { get; } = values;

    /// <summary>The column names joined (records with the same signature share one prepared command).</summary>
    public string Signature => string.Join("\u0001", Columns.Select(c => c.Name));

    /// <summary>The value for <paramref name="column"/>, or null when the record does not carry it.</summary>
    public MlValue? ValueOf(SqlColumnInfo column)
    {
        for (int i = 0; i < Columns.Length; i++)
            if (ReferenceEquals(Columns[i], column)) return Values[i];
        return null;
    }

    /// <summary>
    /// Matches each key of <paramref name="record"/> to a column of <paramref name="schema"/>;
    /// an unknown key or two keys naming one column is an <see cref="MlDbException"/> (InvalidIdentifier).
    /// </summary>
    public static SqlRecordValues Map(SqlTableSchema schema, MlObject record) => new(MapColumns(schema, record), ValuesOf(record));

    internal static SqlColumnInfo[] MapColumns(SqlTableSchema schema, MlObject record)
    {
        var columns = new SqlColumnInfo[record.Count];
        var used = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < record.Count; i++)
        {
            var column = schema.RequireColumn(record.KeyAt(i), "a record key");
            if (!used.Add(column.Name))
                throw new MlDbException(MlDbErrorIds.InvalidIdentifier, MlDbErrorKind.InvalidData,
                    $"Two keys of the record name the column '{column.Name}' of '{schema.Name}'.", record.KeyAt(i));
            columns[i] = column;
        }
        return columns;
    }

    internal static MlValue[] ValuesOf(MlObject record)
    {
        var values = new MlValue[record.Count];
        for (int i = 0; i < values.Length; i++) values[i] = record.ValueAt(i);
        return values;
    }
}

/// <summary>
/// <see cref="SqlRecordValues.Map"/> for a stream of records: a record with the same keys as the
/// one before (the common case: rows of one feed, results of one ML function) reuses its column
/// list, so the lookup and the duplicate check run once per shape, and records of one shape share
/// one array (which the prepared commands recognise by reference).
/// </summary>
public sealed class SqlRecordMapper(SqlTableSchema schema)
{
    private string[] _keys = [];
    private SqlColumnInfo[]? _columns;

    public SqlTableSchema Schema { get; } = schema;

    public SqlRecordValues Map(MlObject record)
    {
        var columns = _columns;
        if (columns is null || !SameKeys(record))
        {
            columns = SqlRecordValues.MapColumns(Schema, record);
            _keys = record.Keys;
            _columns = columns;
        }
        return new SqlRecordValues(columns, SqlRecordValues.ValuesOf(record));
    }

    private bool SameKeys(MlObject record)
    {
        if (record.Count != _keys.Length) return false;
        for (int i = 0; i < _keys.Length; i++)
        {
            string key = record.KeyAt(i);
            if (!ReferenceEquals(key, _keys[i]) && !string.Equals(key, _keys[i], StringComparison.Ordinal)) return false;
        }
        return true;
    }
}

/// <summary>What one write did: the row's key (null when the table has none to return) and the action.</summary>
public readonly record struct SqlWriteResult(object? Key, SqlRecordAction Action);

/// <summary>
/// Prepared write commands of one table on one lease, one per column signature: plain INSERTs
/// (<see cref="Bind"/>), and the statements of <see cref="SqlDialect.BuildWrite"/> that also say what
/// they did (<see cref="Write"/>), optionally inside a savepoint of their own so a record the
/// database refuses leaves the surrounding transaction as it was (<see cref="RollbackRecord"/>).
/// </summary>
public sealed class SqlInsertCommands(MlSqlConnection connection, SqlLease lease, SqlTableSchema schema, SqlConflictPlan? conflict = null, string? savepoint = null) : IDisposable
{
    private readonly Dictionary<string, DbCommand> _commands = new(StringComparer.Ordinal);
    private readonly Dictionary<string, WriteCommand> _writes = new(StringComparer.Ordinal);
    private readonly SqlConflictPlan _conflict = conflict ?? SqlConflictPlan.None;
    private WriteCommand? _last;
    private DbCommand? _rollback;

    private sealed class WriteCommand(DbCommand command, SqlWriteStatement statement, SqlColumnInfo[] columns)
    {
        public readonly DbCommand Command = command;
        public readonly SqlWriteStatement Statement = statement;
        public readonly SqlColumnInfo[] Columns = columns;
        public bool Prepared;
    }

    public SqlTableSchema Schema { get; } = schema;

    /// <summary>True when the INSERT returns the new key (the table has one).</summary>
    public bool ReturnsKey => connection.Dialect.ReturningKey(Schema) is not null;

    /// <summary>Receives each statement text the first time it is prepared (for -Verbose), with its parameter names.</summary>
    public Action<string>? OnNewStatement { get; init; }

    /// <summary>The command for this record's columns with its values bound (joining the lease's transaction).</summary>
    public DbCommand Bind(SqlRecordValues record, bool returnKey)
    {
        string signature = (returnKey ? "k\u0002" : "n\u0002") + record.Signature;
        var mapper = connection.Mapper;
        if (!_commands.TryGetValue(signature, out var command))
        {
            command = lease.CreateCommand(connection.Dialect.BuildInsert(Schema, Parameters(record.Columns), returnKey));
            AddParameters(command, record);
            _commands.Add(signature, command);
        }
        else
        {
            for (int i = 0; i < record.Values.Length; i++) mapper.SetParameter(command.Parameters[i], record.Values[i], record.Columns[i]);
        }
        command.Transaction = lease.Transaction;
        return command;
    }

    /// <summary>
    /// Writes one record in the lease's transaction (its own savepoint around it, when the commands
    /// have one) and reads what the statement did. Failures are <see cref="MlDbException"/>s as
    /// <see cref="SqlCommandScope"/> translates them; after a CommandFailed or InvalidValue inside a
    /// savepoint, call <see cref="RollbackRecord"/>.
    /// </summary>
    public SqlWriteResult Write(SqlRecordValues record, Processing.FlowContext context)
    {
        var write = WriteCommandFor(record);
        using var scope = new SqlCommandScope(connection, write.Command, context);
        var result = scope.Run(c =>
        {
            using var reader = c.ExecuteReader();
            return Read(reader, write.Statement);
        });
        if (!write.Prepared)
        {
            // Prepared only after it ran once: its text and parameter types are then known to be good,
            // so preparing (a Parse on PostgreSQL, outside any savepoint) cannot fail the transaction.
            write.Prepared = true;
            scope.Run(c =>
            {
                c.Prepare();
                return 0;
            });
        }
        return result;
    }

    /// <summary>Undoes the record whose <see cref="Write"/> failed: back to its savepoint, which is then released.</summary>
    public void RollbackRecord(Processing.FlowContext context)
    {
        _rollback ??= lease.CreateCommand($"ROLLBACK TO SAVEPOINT {savepoint}; RELEASE SAVEPOINT {savepoint}");
        _rollback.Transaction = lease.Transaction;
        using var scope = new SqlCommandScope(connection, _rollback, context);
        scope.Run(c => c.ExecuteNonQuery());
    }

    private WriteCommand WriteCommandFor(SqlRecordValues record)
    {
        var mapper = connection.Mapper;
        var write = _last;
        if (write is null || !ReferenceEquals(write.Columns, record.Columns))
        {
            string signature = record.Signature;
            if (!_writes.TryGetValue(signature, out write))
            {
                var statement = connection.Dialect.BuildWrite(Schema, Parameters(record.Columns), _conflict);
                string sql = savepoint is null ? statement.Sql : $"SAVEPOINT {savepoint}; {statement.Sql}; RELEASE SAVEPOINT {savepoint}";
                var command = lease.CreateCommand(sql);
                AddParameters(command, record);
                OnNewStatement?.Invoke(sql + DescribeParameters(command));
                _writes.Add(signature, write = new WriteCommand(command, statement, record.Columns));
                _last = write;
                write.Command.Transaction = lease.Transaction;
                return write;
            }
            _last = write;
        }
        for (int i = 0; i < record.Values.Length; i++) mapper.SetParameter(write.Command.Parameters[i], record.Values[i], record.Columns[i]);
        write.Command.Transaction = lease.Transaction;
        return write;
    }

    private static (SqlColumnInfo Column, string Parameter)[] Parameters(SqlColumnInfo[] columns)
    {
        var parameters = new (SqlColumnInfo Column, string Parameter)[columns.Length];
        for (int i = 0; i < parameters.Length; i++) parameters[i] = (columns[i], "v" + i);
        return parameters;
    }

    private void AddParameters(DbCommand command, SqlRecordValues record)
    {
        for (int i = 0; i < record.Columns.Length; i++)
            connection.Mapper.AddParameter(command, connection.Dialect.ParameterName("v" + i), record.Values[i], record.Columns[i]);
    }

    private static string DescribeParameters(DbCommand command)
    {
        if (command.Parameters.Count == 0) return "";
        var names = new string[command.Parameters.Count];
        for (int i = 0; i < names.Length; i++) names[i] = command.Parameters[i].ParameterName;
        return "  -- parameters: " + string.Join(", ", names);
    }

    private static SqlWriteResult Read(DbDataReader reader, SqlWriteStatement statement)
    {
        SqlWriteResult result;
        switch (statement.Shape)
        {
            case SqlWriteShape.KeyAndInserted:
                result = reader.Read()
                    ? new SqlWriteResult(KeyOf(reader), reader.GetBoolean(1) ? SqlRecordAction.Inserted : statement.Updates ? SqlRecordAction.Updated : SqlRecordAction.Unchanged)
                    : new SqlWriteResult(null, SqlRecordAction.Unchanged);
                break;
            case SqlWriteShape.ExistedThenKey:
                {
                    bool existed = reader.Read();
                    reader.NextResult();
                    result = reader.Read()
                        ? new SqlWriteResult(KeyOf(reader), existed ? SqlRecordAction.Updated : SqlRecordAction.Inserted)
                        : new SqlWriteResult(null, SqlRecordAction.Unchanged);
                    break;
                }
            case SqlWriteShape.InsertedThenKey:
                {
                    bool inserted = reader.Read();
                    object? key = inserted ? KeyOf(reader) : null;
                    reader.NextResult();
                    if (reader.Read()) key = KeyOf(reader);
                    result = new SqlWriteResult(key, inserted ? SqlRecordAction.Inserted : SqlRecordAction.Unchanged);
                    break;
                }
            default:
                // no row: a trigger suppressed the insert (SQLite RAISE(IGNORE), a BEFORE trigger returning NULL)
                result = reader.Read() ? new SqlWriteResult(KeyOf(reader), SqlRecordAction.Inserted) : new SqlWriteResult(null, SqlRecordAction.Unchanged);
                break;
        }
        // the rest of the command (RELEASE SAVEPOINT) runs as the reader moves past it
        while (reader.NextResult())
        {
        }
        return result;
    }

    private static object? KeyOf(DbDataReader reader) => reader.IsDBNull(0) ? null : reader.GetValue(0);

    public void Dispose()
    {
        foreach (var command in _commands.Values) command.Dispose();
        foreach (var write in _writes.Values) write.Command.Dispose();
        _rollback?.Dispose();
        _commands.Clear();
        _writes.Clear();
        _last = null;
        _rollback = null;
    }
}
