namespace MlDb.Data.Sqlite;

/// <summary>SQLite spelling: double-quoted identifiers, <c>@name</c> parameters, <c>RETURNING</c> the key.</summary>
public sealed class SqliteDialect : SqlDialect
{
    public static SqliteDialect Instance { get; } = new();

    /// <summary>
    /// The new row's key: its single primary-key column (an <c>INTEGER PRIMARY KEY</c> is the
    /// rowid itself), else the rowid; null for views and WITHOUT ROWID tables with a composite key.
    /// </summary>
    public override string? ReturningKey(SqlTableSchema table)
    {
        if (table.IsView) return null;
        if (table.PrimaryKey.Count == 1) return QuoteIdentifier(table.PrimaryKey[0].Name);
        return table.HasRowId ? "rowid" : null;
    }
}
