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

    /// <summary>
    /// Matches each key of <paramref name="record"/> to a column of <paramref name="schema"/>;
    /// an unknown key or two keys naming one column is an <see cref="MlDbException"/> (InvalidIdentifier).
    /// </summary>
    public static SqlRecordValues Map(SqlTableSchema schema, MlObject record)
    {
        var columns = new SqlColumnInfo[record.Count];
        var values = new MlValue[record.Count];
        var used = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < record.Count; i++)
        {
            var column = schema.RequireColumn(record.KeyAt(i), "a record key");
            if (!used.Add(column.Name))
                throw new MlDbException(MlDbErrorIds.InvalidIdentifier, MlDbErrorKind.InvalidData,
                    $"Two keys of the record name the column '{column.Name}' of '{schema.Name}'.", record.KeyAt(i));
            columns[i] = column;
            values[i] = record.ValueAt(i);
        }
        return new SqlRecordValues(columns, values);
    }
}

/// <summary>Prepared INSERT commands of one table on one lease, one per column signature.</summary>
public sealed class SqlInsertCommands(MlSqlConnection connection, SqlLease lease, SqlTableSchema schema) : IDisposable
{
    private readonly Dictionary<string, DbCommand> _commands = new(StringComparer.Ordinal);

    public SqlTableSchema Schema { get; } = schema;

    /// <summary>True when the INSERT returns the new key (the table has one).</summary>
    public bool ReturnsKey => connection.Dialect.ReturningKey(Schema) is not null;

    /// <summary>The command for this record's columns with its values bound (joining the lease's transaction).</summary>
    public DbCommand Bind(SqlRecordValues record, bool returnKey)
    {
        string signature = (returnKey ? "k\u0002" : "n\u0002") + record.Signature;
        var mapper = connection.Mapper;
        if (!_commands.TryGetValue(signature, out var command))
        {
            var parameters = new (SqlColumnInfo Column, string Parameter)[record.Columns.Length];
            for (int i = 0; i < parameters.Length; i++) parameters[i] = (record.Columns[i], "v" + i);
            command = lease.CreateCommand(connection.Dialect.BuildInsert(Schema, parameters, returnKey));
            for (int i = 0; i < parameters.Length; i++)
                mapper.AddParameter(command, connection.Dialect.ParameterName(parameters[i].Parameter), record.Values[i], record.Columns[i]);
            _commands.Add(signature, command);
        }
        else
        {
            for (int i = 0; i < record.Values.Length; i++) mapper.SetParameter(command.Parameters[i], record.Values[i], record.Columns[i]);
        }
        command.Transaction = lease.Transaction;
        return command;
    }

    public void Dispose()
    {
        foreach (var command in _commands.Values) command.Dispose();
        _commands.Clear();
    }
}
