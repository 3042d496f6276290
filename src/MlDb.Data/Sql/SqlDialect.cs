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
        var sb = new StringBuilder("INSERT INTO ").Append(QuoteTable(table));
        if (values.Count == 0)
        {
            sb.Append(" DEFAULT VALUES");
        }
        else
        {
            sb.Append(" (");
            for (int i = 0; i < values.Count; i++) sb.Append(i == 0 ? "" : ", ").Append(QuoteIdentifier(values[i].Column.Name));
            sb.Append(") VALUES (");
            for (int i = 0; i < values.Count; i++) sb.Append(i == 0 ? "" : ", ").Append(ParameterMarker(values[i].Parameter));
            sb.Append(')');
        }
        if (returnKey && ReturningKey(table) is { } key) sb.Append(" RETURNING ").Append(key);
        return sb.ToString();
    }

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
