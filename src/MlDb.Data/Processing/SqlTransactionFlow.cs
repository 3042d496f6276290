using System.Globalization;
using MlDb.Language;

namespace MlDb.Data.Processing;

/// <param name="Operations">How many operations ran.</param>
/// <param name="Affected">Rows they affected in total.</param>
/// <param name="Written">False under -WhatIf or a declined -Confirm.</param>
public sealed record TransactionOutcome(int Operations, long Affected, bool Written);

/// <summary>One parsed operation of a transaction.</summary>
/// <param name="Key">The key column of an update or delete (default <c>id</c>).</param>
/// <param name="KeyColumns">The key columns of an upsert (<c>key</c>: a name or a list of names; default <c>id</c>).</param>
public sealed record SqlOperation(int Index, string Type, string Table, MlObject? Values, MlValue Id, string Key, IReadOnlyList<string>? KeyColumns = null)
{
    public override string ToString() => Type switch
    {
        "insert" => $"operation {Index + 1} (insert into {Table})",
        "upsert" => $"operation {Index + 1} (upsert into {Table} on {string.Join(", ", KeyColumns ?? [Key])})",
        _ => $"operation {Index + 1} ({Type} {Table} where {Key} = {MlText.Describe(Id, 60)})",
    };
}

/// <summary>
/// Validated transactions: the ML function gets <c>{operations: [...]}</c> and returns
/// <c>{valid, errors}</c>; only when valid do all operations run, inside one database
/// transaction, and any failure rolls every one of them back.
/// </summary>
public sealed class SqlTransactionFlow(MlSqlConnection connection, FlowContext context)
{
    private readonly MlSqlConnection _connection = connection;
    private readonly FlowContext _context = context;

    public TransactionOutcome Run(MlArray operations, MlFunctionCall? validator)
    {
        if (validator is not null) Validate(operations, validator);
        var parsed = Parse(operations);
        string summary = string.Join("; ", parsed.Take(10).Select(o => o.ToString()));
        if (parsed.Count > 10) summary += $"; … ({parsed.Count - 10} more)";
        if (!_context.AllowWrite($"{parsed.Count} operation(s) in one transaction", "Run " + summary))
            return new TransactionOutcome(parsed.Count, 0, Written: false);

        var token = _context.CancellationToken;
        using var lease = _connection.Lease(token);
        var schemas = new Dictionary<string, SqlTableSchema>(StringComparer.Ordinal);
        // Look every table up before the transaction starts: a bad identifier fails without writing.
        foreach (var op in parsed)
        {
            if (!schemas.ContainsKey(op.Table)) schemas[op.Table] = _connection.RequireTable(lease, op.Table, token);
        }
        var plans = new List<(SqlOperation Op, SqlTableSchema Schema, SqlColumnInfo? Key, SqlRecordValues? Values, SqlConflictPlan? Upsert)>(parsed.Count);
        foreach (var op in parsed)
        {
            var schema = schemas[op.Table];
            if (op.Type is "insert" or "upsert" && schema.IsView)
                throw new MlDbException(MlDbErrorIds.InvalidIdentifier, MlDbErrorKind.InvalidArgument, $"'{op.Table}' is a view; {op} cannot insert into it.", op.Table);
            var values = op.Values is null ? null : SqlRecordValues.Map(schema, op.Values);
            SqlConflictPlan? upsert = null;
            SqlColumnInfo? key = null;
            if (op.Type == "upsert")
            {
                // The key must be a primary key or unique constraint, and the values must carry it: checked before anything runs.
                upsert = SqlConflictPlan.Resolve(_connection, lease, schema, SqlConflictAction.Update, op.KeyColumns, token);
                foreach (var column in upsert.Key)
                    if (values!.ValueOf(column) is null)
                        throw new MlDbException(MlDbErrorIds.InvalidOperationSpec, MlDbErrorKind.InvalidArgument,
                            $"{MlRecordStep.Capitalize(op.ToString())} has no value for its key column '{column.Name}'; nothing was executed.", op.Index);
            }
            else if (op.Type != "insert")
            {
                key = schema.RequireColumn(op.Key, "the key of " + op);
            }
            plans.Add((op, schema, key, values, upsert));
        }
        var transaction = lease.BeginTransaction();
        _context.Verbose($"BEGIN  -- {parsed.Count} operation(s)");
        long affected = 0;
        SqlOperation? current = null;
        try
        {
            foreach (var (op, schema, key, values, upsert) in plans)
            {
                current = op;
                token.ThrowIfCancellationRequested();
                affected += Execute(lease, schema, op, key, values, upsert);
                _context.Progress?.Invoke("Running the transaction", op.Index + 1);
            }
            transaction.Commit();
            _context.Verbose("COMMIT");
            return new TransactionOutcome(parsed.Count, affected, Written: true);
        }
        catch (Exception ex)
        {
            try
            {
                transaction.Rollback();
                _context.Verbose("ROLLBACK");
            }
            catch (Exception)
            {
                // a connection that died has rolled back on its own
            }
            if (ex is OperationCanceledException) throw;
            if (ex is MlDbException { ErrorId: MlDbErrorIds.CommandTimeout }) throw;
            throw new MlDbException(MlDbErrorIds.TransactionFailed, MlDbErrorKind.WriteError,
                $"The transaction was rolled back: {current} failed: {_connection.DescribeRefusal(ex)}", current?.Index, ex);
        }
        finally
        {
            transaction.Dispose();
            lease.Transaction = null;
        }
    }

    private void Validate(MlArray operations, MlFunctionCall validator)
    {
        var envelope = new MlObject();
        envelope.Set("operations", MlValue.FromArray(operations));
        var result = validator.Call(MlValue.FromObject(envelope));
        if (!result.TryGetObject(out var verdict) || !verdict.TryGetValue("valid", out var valid))
            throw new MlDbException(MlDbErrorIds.InvalidResult, MlDbErrorKind.InvalidData,
                $"The validation function '{validator.Name}' must return {{valid: true|false, errors: [...]}}; it returned {RecordNames.Shape(result)}.", RecordNames.Shape(result));
        if (valid.IsTruthy) return;
        var errors = new List<string>();
        if (verdict.Get("errors").TryGetArray(out var list))
            foreach (var e in list.AsSpan()) errors.Add(e.IsString ? e.AsString : MlText.Describe(e));
        string text = errors.Count == 0 ? "(no errors given)" : string.Join("; ", errors);
        throw new MlDbException(MlDbErrorIds.TransactionInvalid, MlDbErrorKind.InvalidData,
            $"{validator.Name} found the transaction invalid, nothing was executed: {text}", errors.ToArray());
    }

    /// <summary>Reads the operation objects strictly (type, table, values, id, key).</summary>
    public static List<SqlOperation> Parse(MlArray operations)
    {
        var result = new List<SqlOperation>(operations.Count);
        for (int i = 0; i < operations.Count; i++)
        {
            if (!operations[i].TryGetObject(out var op)) throw Bad(i, $"is a {operations[i].TypeName}, not an object");
            string type = Text(op, "type", i)?.ToLowerInvariant() ?? throw Bad(i, "has no 'type' (insert, update, delete or upsert)");
            if (type is not ("insert" or "update" or "delete" or "upsert")) throw Bad(i, $"has the type '{type}'; use insert, update, delete or upsert");
            string table = Text(op, "table", i) ?? throw Bad(i, "has no 'table'");
            IReadOnlyList<string>? keyColumns = null;
            string key;
            if (type == "upsert" && op.Get("key").TryGetArray(out var keyList))
            {
                var names = new List<string>(keyList.Count);
                foreach (var k in keyList.AsSpan())
                    names.Add(k.IsString && k.AsString.Length > 0 ? k.AsString : throw Bad(i, "has a 'key' list with an element that is not a non-empty string"));
                if (names.Count == 0) throw Bad(i, "has an empty 'key' list");
                keyColumns = names;
                key = names[0];
            }
            else
            {
                key = Text(op, "key", i) ?? "id";
                if (type == "upsert") keyColumns = [key];
            }
            MlObject? values = null;
            var v = op.Get("values");
            if (!v.IsNull && !v.TryGetObject(out values)) throw Bad(i, "has 'values' that is not an object");
            var id = op.Get("id");
            if (type is "update" or "delete" && id.IsNull) throw Bad(i, $"is an {type} without an 'id'");
            if (type is "insert" or "update" or "upsert" && values is null) throw Bad(i, $"is an {type} without 'values'");
            if (type == "update" && values!.Count == 0) throw Bad(i, "is an update with no values");
            result.Add(new SqlOperation(i, type, table, values, id, key, keyColumns));
        }
        return result;
    }

    private static string? Text(MlObject op, string key, int index)
    {
        var v = op.Get(key);
        if (v.IsNull) return null;
        if (!v.IsString || v.AsString.Length == 0) throw Bad(index, $"has a '{key}' that is not a non-empty string");
        return v.AsString;
    }

    private static MlDbException Bad(int index, string problem) =>
        new(MlDbErrorIds.InvalidOperationSpec, MlDbErrorKind.InvalidArgument,
            $"Operation {(index + 1).ToString(CultureInfo.InvariantCulture)} {problem}; nothing was executed.", index);

    private long Execute(SqlLease lease, SqlTableSchema schema, SqlOperation op, SqlColumnInfo? keyColumn, SqlRecordValues? values, SqlConflictPlan? upsert)
    {
        var dialect = _connection.Dialect;
        var mapper = _connection.Mapper;
        if (upsert is not null)
        {
            using var commands = new SqlInsertCommands(_connection, lease, schema, upsert);
            return commands.Write(values!, _context).Action == SqlRecordAction.Unchanged ? 0 : 1;
        }
        if (op.Type == "insert")
        {
            using var commands = new SqlInsertCommands(_connection, lease, schema);
            var command = commands.Bind(values!, returnKey: false);
            using var scope = new SqlCommandScope(_connection, command, _context);
            return scope.Run(c => c.ExecuteNonQuery());
        }
        string sql = op.Type == "update"
            ? dialect.BuildUpdate(schema, values!.Columns.Select((c, i) => (c, "v" + i)).ToArray(), keyColumn!, "key")
            : dialect.BuildDelete(schema, keyColumn!, "key");
        using var cmd = lease.CreateCommand(sql);
        if (op.Type == "update")
            for (int i = 0; i < values!.Columns.Length; i++) mapper.AddParameter(cmd, dialect.ParameterName("v" + i), values.Values[i], values.Columns[i]);
        mapper.AddParameter(cmd, dialect.ParameterName("key"), op.Id, keyColumn);
        using var s = new SqlCommandScope(_connection, cmd, _context);
        return s.Run(c => c.ExecuteNonQuery());
    }
}
