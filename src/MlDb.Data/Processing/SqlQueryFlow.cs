using System.Data.Common;
using MlDb.Language;

namespace MlDb.Data.Processing;

/// <summary>What to read: free SQL with parameters, or a table with an equality filter and a limit.</summary>
public sealed class SqlQuerySpec
{
    /// <summary>SQL text (one or more statements); values come only through <see cref="Parameters"/>.</summary>
    public string? Sql { get; init; }

    /// <summary>Named parameters (keys with or without a leading <c>@</c>, <c>:</c> or <c>$</c>).</summary>
    public MlObject? Parameters { get; init; }

    /// <summary>A table (or view) name, validated against the schema.</summary>
    public string? Table { get; init; }

    /// <summary>Column = value conditions joined with AND (null means IS NULL); keys validated against the schema.</summary>
    public MlObject? Filter { get; init; }

    /// <summary>Most rows to read in table mode.</summary>
    public int? Limit { get; init; }

    public bool IsTable => Table is not null;

    /// <summary>The key the aggregate function finds the rows under: <c>items</c> after a table read, <c>rows</c> after a query.</summary>
    public string EnvelopeKey => IsTable ? "items" : "rows";
}

/// <summary>
/// Query flows: rows streamed to the host with no ML (reader → host values), aggregate
/// (every row into <c>{rows|items: [...], count: n}</c> for one ML call), per-row (one ML call per
/// row as it is read, null results dropped, nothing kept), and the parameter function.
/// </summary>
public sealed class SqlQueryFlow(MlSqlConnection connection, FlowContext context)
{
    private readonly MlSqlConnection _connection = connection;
    private readonly FlowContext _context = context;

    /// <summary>Strips a leading parameter marker from a user's parameter name.</summary>
    public static string BareParameterName(string key)
    {
        string name = key.Length > 1 && key[0] is '@' or ':' or '$' ? key[1..] : key;
        if (name.Length == 0 || name.Any(ch => !(char.IsLetterOrDigit(ch) || ch == '_')))
            throw new MlDbException(MlDbErrorIds.InvalidArgument, MlDbErrorKind.InvalidArgument,
                $"'{key}' is not a valid parameter name (letters, digits and _ only, optionally after @, : or $).", key);
        return name;
    }

    /// <summary>Calls the parameter function with the parameters object; its result is what gets bound.</summary>
    public MlObject ApplyParameterFunction(MlObject? parameters, MlFunctionCall function)
    {
        var result = function.Call(MlValue.FromObject(parameters ?? new MlObject()));
        if (!result.TryGetObject(out var obj))
            throw new MlDbException(MlDbErrorIds.InvalidResult, MlDbErrorKind.InvalidData,
                $"The parameter function '{function.Name}' must return an object of parameters; it returned {result.TypeName}.", MlText.Describe(result));
        return obj;
    }

    /// <summary>Rows as host values, one at a time as the reader advances.</summary>
    public IEnumerable<SqlRow> Rows(SqlQuerySpec query)
    {
        var mapper = _connection.Mapper;
        return Read(query, (reader, columns) => mapper.ReadHostRow(reader, columns));
    }

    /// <summary>Rows as ML objects (one layout per result set), one at a time.</summary>
    public IEnumerable<MlObject> MlRows(SqlQuerySpec query)
    {
        var mapper = _connection.Mapper;
        MlValue[] buffer = [];
        return Read(query, (reader, columns) =>
        {
            if (buffer.Length < columns.Count) buffer = new MlValue[columns.Count];
            return mapper.ReadMlRow(reader, columns, buffer);
        });
    }

    /// <summary>Reads every row, then calls the function once with <c>{rows|items: [...], count: n}</c>.</summary>
    public MlValue Aggregate(SqlQuerySpec query, MlFunctionCall function)
    {
        var rows = new MlArray();
        foreach (var row in MlRows(query)) rows.Add(MlValue.FromObject(row));
        var envelope = new MlObject();
        envelope.Set(query.EnvelopeKey, MlValue.FromArray(rows));
        envelope.Set("count", MlValue.FromInt(rows.Count));
        _context.Progress?.Invoke($"Calling {function.Name} with {rows.Count} rows", rows.Count);
        return function.Call(MlValue.FromObject(envelope));
    }

    /// <summary>Calls the function once per row as the rows are read; yields the non-null results.</summary>
    public IEnumerable<MlValue> PerRow(SqlQuerySpec query, MlFunctionCall function)
    {
        foreach (var row in MlRows(query))
        {
            var result = function.Call(MlValue.FromObject(row));
            if (!result.IsNull) yield return result;
        }
    }

    private IEnumerable<T> Read<T>(SqlQuerySpec query, Func<DbDataReader, SqlResultColumns, T> project)
    {
        var token = _context.CancellationToken;
        using var lease = _connection.Lease(token);
        using var command = BuildCommand(lease, query);
        using var scope = new SqlCommandScope(_connection, command, _context);
        using var reader = scope.Run(c => c.ExecuteReader());
        long count = 0;
        do
        {
            if (reader.FieldCount == 0) continue;
            SqlResultColumns? columns = null;
            while (scope.Read(reader))
            {
                token.ThrowIfCancellationRequested();
                columns ??= _connection.Mapper.Describe(reader);
                yield return project(reader, columns);
                count++;
                if ((count & 0xFF) == 0) _context.Progress?.Invoke("Reading rows", count);
            }
        }
        while (scope.NextResult(reader));
        if (reader.RecordsAffected >= 0) _context.Verbose($"{reader.RecordsAffected} row(s) affected.");
        _context.Verbose($"{count} row(s) read.");
    }

    private DbCommand BuildCommand(SqlLease lease, SqlQuerySpec query)
    {
        var mapper = _connection.Mapper;
        var dialect = _connection.Dialect;
        if (query.Table is { } table)
        {
            var schema = _connection.RequireTable(lease, table, _context.CancellationToken);
            var filter = new List<(SqlColumnInfo Column, string? Parameter)>();
            var values = new List<MlValue>();
            if (query.Filter is { } f)
            {
                for (int i = 0; i < f.Count; i++)
                {
                    var column = schema.RequireColumn(f.KeyAt(i), "a filter key");
                    var value = f.ValueAt(i);
                    if (value.IsNull)
                    {
                        filter.Add((column, null));
                    }
                    else
                    {
                        filter.Add((column, "f" + i));
                    }
                    values.Add(value);
                }
            }
            if (query.Limit is < 0)
                throw new MlDbException(MlDbErrorIds.InvalidArgument, MlDbErrorKind.InvalidArgument, "The limit cannot be negative.", query.Limit);
            var command = lease.CreateCommand(dialect.BuildSelect(schema, filter, query.Limit is null ? null : "limit"));
            for (int i = 0; i < filter.Count; i++)
                if (filter[i].Parameter is { } p) mapper.AddParameter(command, dialect.ParameterName(p), values[i], filter[i].Column);
            if (query.Limit is { } limit) mapper.AddParameter(command, dialect.ParameterName("limit"), MlValue.FromInt(limit), null);
            return command;
        }
        if (string.IsNullOrWhiteSpace(query.Sql))
            throw new MlDbException(MlDbErrorIds.InvalidArgument, MlDbErrorKind.InvalidArgument, "The query text is empty.", query.Sql);
        var free = lease.CreateCommand(query.Sql);
        if (query.Parameters is { } parameters)
        {
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            for (int i = 0; i < parameters.Count; i++)
            {
                string name = BareParameterName(parameters.KeyAt(i));
                if (!seen.Add(name))
                    throw new MlDbException(MlDbErrorIds.InvalidArgument, MlDbErrorKind.InvalidArgument, $"The parameter '{name}' is given more than once.", name);
                mapper.AddParameter(free, name, parameters.ValueAt(i), null);
            }
        }
        return free;
    }
}
