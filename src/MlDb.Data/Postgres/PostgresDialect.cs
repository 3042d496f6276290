using System.Text;

namespace MlDb.Data.Postgres;

/// <summary>
/// PostgreSQL spelling: double-quoted identifiers (catalog spelling, so case is kept), <c>@name</c>
/// parameters (Npgsql also accepts <c>:name</c> in user SQL), <c>RETURNING</c> the primary key.
/// </summary>
public sealed class PostgresDialect : SqlDialect
{
    public static PostgresDialect Instance { get; } = new();

    public override string QuoteIdentifier(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0)
            throw new MlDbException(MlDbErrorIds.InvalidIdentifier, MlDbErrorKind.InvalidArgument, "An identifier cannot be empty.", name);
        return base.QuoteIdentifier(name);
    }

    /// <summary>
    /// The new row's key: its single primary-key column, integers widened to bigint (keys come back
    /// as <c>long</c> as on SQLite) and uuids as text; null for views and tables without a
    /// single-column primary key.
    /// </summary>
    public override string? ReturningKey(SqlTableSchema table)
    {
        if (table.IsView || table.PrimaryKey.Count != 1) return null;
        var key = table.PrimaryKey[0];
        string quoted = QuoteIdentifier(key.Name);
        var type = PgType.FromDeclared(key.DeclaredType);
        if (type.IsArray) return quoted;
        return type.Kind switch
        {
            PgKind.Int2 or PgKind.Int4 => quoted + "::bigint",
            PgKind.Uuid => quoted + "::text",
            _ => quoted,
        };
    }

    /// <summary>
    /// PostgreSQL tells inserted from updated in one statement: <c>RETURNING key, (xmax = 0)</c> (a
    /// row version created by this INSERT has no deleting transaction yet; one an upsert updated has
    /// ours). Ignore returns the existing row's key through a second SELECT in the same statement.
    /// </summary>
    public override SqlWriteStatement BuildWrite(SqlTableSchema table, IReadOnlyList<(SqlColumnInfo Column, string Parameter)> values, SqlConflictPlan conflict)
    {
        if (!conflict.IsUpsert) return base.BuildWrite(table, values, conflict);
        string key = ReturningKey(table) ?? "NULL";
        var insert = AppendInsert(new StringBuilder(), table, values);
        if (AppendOnConflict(insert, values, conflict))
            return new SqlWriteStatement(insert.Append(" RETURNING ").Append(key).Append(", (xmax = 0)").ToString(), SqlWriteShape.KeyAndInserted, Updates: true);
        string sql = $"WITH mldb_inserted AS ({insert} RETURNING {key} AS mldb_key) " +
                     "SELECT mldb_key, true FROM mldb_inserted UNION ALL " +
                     $"SELECT {key}, false FROM {QuoteTable(table)} WHERE {KeyCondition(conflict.Key, values)} AND NOT EXISTS (SELECT FROM mldb_inserted)";
        return new SqlWriteStatement(sql, SqlWriteShape.KeyAndInserted);
    }
}
