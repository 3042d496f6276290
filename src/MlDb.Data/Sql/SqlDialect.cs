using System.Text;

namespace MlDb.Data;

/// <summary>
/// How one SQL database spells things: identifier quoting, parameter markers and the statements
/// MlDb generates (select by filter, insert returning the key, update/delete by key). Every
/// identifier it writes comes from an <see cref="SqlTableSchema"/>; every value is a parameter.
/// </summary>
public abstract class SqlDialect
{
    /// <summary>Quotes one identifier (double quotes, embedded quotes doubled, by default).</summary>
    public virtual string QuoteIdentifier(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Contains('\0')) throw new MlDbException(MlDbErrorIds.InvalidIdentifier, MlDbErrorKind.InvalidArgument, "An identifier cannot contain a NUL character.", name);
        return "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>The quoted table reference.</summary>
    public virtual string QuoteTable(SqlTableSchema table) =>
        table.Name.Schema is null ? QuoteIdentifier(table.Name.Name) : QuoteIdentifier(table.Name.Schema) + "." + QuoteIdentifier(table.Name.Name);

    /// <summary>The marker of a named parameter in SQL text (<c>@name</c>).</summary>
    public virtual string ParameterMarker(string name) => "@" + name;

    /// <summary>The name a DbParameter gets for a marker made by <see cref="ParameterMarker"/>.</summary>
    public virtual string ParameterName(string name) => "@" + name;

    /// <summary>Splits <c>schema.table</c>; a name without a dot has no schema.</summary>
    public virtual SqlTableName ParseTableName(string text)
    {
        ArgumentException.ThrowIfNullOrEmpty(text);
        int dot = text.IndexOf('.');
        return dot > 0 && dot < text.Length - 1 ? new SqlTableName(text[..dot], text[(dot + 1)..]) : new SqlTableName(null, text);
    }

    /// <summary>The expression <c>RETURNING</c> gives back as the new row's key, or null when the table has none.</summary>
    public abstract string? ReturningKey(SqlTableSchema table);

    /// <summary><c>SELECT * FROM t WHERE a = @f0 AND b IS NULL … LIMIT @limit</c>.</summary>
    public virtual string BuildSelect(SqlTableSchema table, IReadOnlyList<(SqlColumnInfo Column, string? Parameter)> filter, string? limitParameter)
    {
        var sb = new StringBuilder("SELECT * FROM ").Append(QuoteTable(table));
        for (int i = 0; i < filter.Count; i++)
        {
            sb.Append(i == 0 ? " WHERE " : " AND ").Append(QuoteIdentifier(filter[i].Column.Name));
            if (filter[i].Parameter is { } p) sb.Append(" = ").Append(ParameterMarker(p));
            else sb.Append(" IS NULL");
        }
        if (limitParameter is not null) sb.Append(" LIMIT ").Append(ParameterMarker(limitParameter));
        return sb.ToString();
    }

    /// <summary><c>INSERT INTO t (a, b) VALUES (@v0, @v1) RETURNING key</c> (or DEFAULT VALUES).</summary>
    public virtual string BuildInsert(SqlTableSchema table, IReadOnlyList<(SqlColumnInfo Column, string Parameter)> values, bool returnKey)
    {
        var sb = AppendInsert(new StringBuilder(), table, values);
        if (returnKey && ReturningKey(table) is { } key) sb.Append(" RETURNING ").Append(key);
        return sb.ToString();
    }

    /// <summary><c>INSERT INTO t (a, b) VALUES (@v0, @v1)</c>, or <c>… DEFAULT VALUES</c> for no values.</summary>
    protected StringBuilder AppendInsert(StringBuilder sb, SqlTableSchema table, IReadOnlyList<(SqlColumnInfo Column, string Parameter)> values)
    {
        sb.Append("INSERT INTO ").Append(QuoteTable(table));
        if (values.Count == 0) return sb.Append(" DEFAULT VALUES");
        sb.Append(" (");
        for (int i = 0; i < values.Count; i++) sb.Append(i == 0 ? "" : ", ").Append(QuoteIdentifier(values[i].Column.Name));
        sb.Append(") VALUES (");
        for (int i = 0; i < values.Count; i++) sb.Append(i == 0 ? "" : ", ").Append(ParameterMarker(values[i].Parameter));
        return sb.Append(')');
    }

    /// <summary>
    /// The statement that writes one record and says what it did (<see cref="SqlWriteShape"/>): a plain
    /// INSERT returning the key, or for an upsert <c>INSERT … ON CONFLICT (key) DO NOTHING</c> /
    /// <c>DO UPDATE SET col = excluded.col</c> (every column of the record but the key; with nothing
    /// else to set, DO NOTHING). The default, for SQLite, tells inserted from updated with a lookup of
    /// the key before the write, in the same command.
    /// </summary>
    public virtual SqlWriteStatement BuildWrite(SqlTableSchema table, IReadOnlyList<(SqlColumnInfo Column, string Parameter)> values, SqlConflictPlan conflict)
    {
        string key = ReturningKey(table) ?? "NULL";
        var sb = AppendInsert(new StringBuilder(), table, values);
        if (!conflict.IsUpsert) return new SqlWriteStatement(sb.Append(" RETURNING ").Append(key).ToString(), SqlWriteShape.Key);
        string lookup = KeyCondition(conflict.Key, values);
        if (AppendOnConflict(sb, values, conflict))
        {
            sb.Append(" RETURNING ").Append(key);
            return new SqlWriteStatement($"SELECT 1 FROM {QuoteTable(table)} WHERE {lookup}; {sb}", SqlWriteShape.ExistedThenKey, Updates: true);
        }
        sb.Append(" RETURNING ").Append(key).Append("; SELECT ").Append(key).Append(" FROM ").Append(QuoteTable(table)).Append(" WHERE ").Append(lookup);
        return new SqlWriteStatement(sb.ToString(), SqlWriteShape.InsertedThenKey);
    }

    /// <summary>
    /// Appends <c>ON CONFLICT (k) DO UPDATE SET c = excluded.c, …</c>, or <c>DO NOTHING</c> when the
    /// action is Ignore or the record carries nothing but the key; true when it is an update.
    /// </summary>
    protected bool AppendOnConflict(StringBuilder sb, IReadOnlyList<(SqlColumnInfo Column, string Parameter)> values, SqlConflictPlan conflict)
    {
        sb.Append(" ON CONFLICT (");
        for (int i = 0; i < conflict.Key.Count; i++) sb.Append(i == 0 ? "" : ", ").Append(QuoteIdentifier(conflict.Key[i].Name));
        sb.Append(')');
        bool first = true;
        if (conflict.Action == SqlConflictAction.Update)
        {
            foreach (var (column, _) in values)
            {
                if (conflict.Key.Contains(column)) continue;
                string name = QuoteIdentifier(column.Name);
                sb.Append(first ? " DO UPDATE SET " : ", ").Append(name).Append(" = excluded.").Append(name);
                first = false;
            }
        }
        if (first) sb.Append(" DO NOTHING");
        return !first;
    }

    /// <summary>
    /// <c>k1 = @v0 AND k2 = @v3</c>: the key columns compared with the record's parameters (a key
    /// column the record does not carry compares with NULL, which matches nothing).
    /// </summary>
    protected string KeyCondition(IReadOnlyList<SqlColumnInfo> key, IReadOnlyList<(SqlColumnInfo Column, string Parameter)> values)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < key.Count; i++)
        {
            string? parameter = null;
            foreach (var (column, p) in values)
                if (ReferenceEquals(column, key[i])) parameter = p;
            sb.Append(i == 0 ? "" : " AND ").Append(QuoteIdentifier(key[i].Name)).Append(" = ").Append(parameter is null ? "NULL" : ParameterMarker(parameter));
        }
        return sb.ToString();
    }

    /// <summary><c>SELECT 1 FROM t WHERE k1 = @v0 … LIMIT 1</c>: does a row with the record's key exist (for -WhatIf).</summary>
    public virtual string BuildKeyLookup(SqlTableSchema table, IReadOnlyList<SqlColumnInfo> key, IReadOnlyList<(SqlColumnInfo Column, string Parameter)> values) =>
        $"SELECT 1 FROM {QuoteTable(table)} WHERE {KeyCondition(key, values)} LIMIT 1";

    /// <summary><c>UPDATE t SET a = @v0 WHERE key = @key</c>.</summary>
    public virtual string BuildUpdate(SqlTableSchema table, IReadOnlyList<(SqlColumnInfo Column, string Parameter)> values, SqlColumnInfo key, string keyParameter)
    {
        var sb = new StringBuilder("UPDATE ").Append(QuoteTable(table)).Append(" SET ");
        for (int i = 0; i < values.Count; i++)
            sb.Append(i == 0 ? "" : ", ").Append(QuoteIdentifier(values[i].Column.Name)).Append(" = ").Append(ParameterMarker(values[i].Parameter));
        sb.Append(" WHERE ").Append(QuoteIdentifier(key.Name)).Append(" = ").Append(ParameterMarker(keyParameter));
        return sb.ToString();
    }

    /// <summary><c>DELETE FROM t WHERE key = @key</c>.</summary>
    public virtual string BuildDelete(SqlTableSchema table, SqlColumnInfo key, string keyParameter) =>
        "DELETE FROM " + QuoteTable(table) + " WHERE " + QuoteIdentifier(key.Name) + " = " + ParameterMarker(keyParameter);
}

/// <summary>How a statement of <see cref="SqlDialect.BuildWrite"/> tells what it did.</summary>
public enum SqlWriteShape
{
    /// <summary>One result set: a row (key) for the inserted row.</summary>
    Key,

    /// <summary>One result set: a row (key, inserted); inserted is false when the row existed (updated, or left as it was).</summary>
    KeyAndInserted,

    /// <summary>Two result sets: a row when the key existed before the write; then (key) of the written row.</summary>
    ExistedThenKey,

    /// <summary>Two result sets: (key) when the record was inserted, none when the existing row was kept; then (key) of the row with the record's key.</summary>
    InsertedThenKey,
}

/// <param name="Sql">The statement (SQLite: possibly two, run as one command).</param>
/// <param name="Shape">How its results say what it did.</param>
/// <param name="Updates">True for <c>DO UPDATE</c>: a row that existed was updated (else it was left as it was).</param>
public sealed record SqlWriteStatement(string Sql, SqlWriteShape Shape, bool Updates = false);
