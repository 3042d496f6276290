namespace MlDb.Data;

/// <summary>What a write does with a record whose key already exists in the table.</summary>
public enum SqlConflictAction
{
    /// <summary>Plain INSERT: the conflicting record fails on its own (a non-terminating error).</summary>
    Error,

    /// <summary><c>ON CONFLICT (key) DO NOTHING</c>: the existing row stays as it is.</summary>
    Ignore,

    /// <summary><c>ON CONFLICT (key) DO UPDATE SET</c> every other column the record carries.</summary>
    Update,
}

/// <summary>What a write did to the table.</summary>
public enum SqlRecordAction
{
    Inserted,
    Updated,

    /// <summary>The row with the record's key was left as it was (<see cref="SqlConflictAction.Ignore"/>).</summary>
    Unchanged,
}

/// <summary>A primary key or unique constraint (a unique, non-partial index on plain columns).</summary>
/// <param name="Name">The constraint or index name (<c>PRIMARY KEY</c> for SQLite's rowid alias).</param>
/// <param name="Columns">Its columns, in catalog spelling and index order.</param>
/// <param name="IsPrimaryKey">True for the primary key.</param>
public sealed record SqlUniqueKey(string Name, IReadOnlyList<string> Columns, bool IsPrimaryKey)
{
    public override string ToString() => (IsPrimaryKey ? "primary key (" : "unique (") + string.Join(", ", Columns) + ")";
}

/// <summary>
/// How records meet existing rows: the action and the key columns (<c>-Key</c>), checked against
/// the table (each a column, together a primary key or unique constraint) before anything is
/// written. Without key columns the action is <see cref="SqlConflictAction.Error"/>.
/// </summary>
public sealed class SqlConflictPlan
{
    private SqlConflictPlan(SqlConflictAction action, IReadOnlyList<SqlColumnInfo> key)
    {
        Action = action;
        Key = key;
    }

    /// <summary>Plain inserts, no key named.</summary>
    public static SqlConflictPlan None { get; } = new(SqlConflictAction.Error, []);

    public SqlConflictAction Action { get; }

    /// <summary>The key columns (catalog spelling); empty when none was named.</summary>
    public IReadOnlyList<SqlColumnInfo> Key { get; }

    /// <summary>True when records go in by <c>INSERT … ON CONFLICT</c>.</summary>
    public bool IsUpsert => Action != SqlConflictAction.Error;

    /// <summary>
    /// Checks <paramref name="key"/> against the table: every name is a column (found as record keys
    /// are: exact, else a unique case-insensitive match), and together they are the columns of the
    /// primary key or of a unique constraint. <see cref="SqlConflictAction.Ignore"/> and
    /// <see cref="SqlConflictAction.Update"/> need a key. Throws <see cref="MlDbException"/>
    /// (<see cref="MlDbErrorIds.InvalidKey"/>) naming the keys the table has.
    /// </summary>
    public static SqlConflictPlan Resolve(MlSqlConnection connection, SqlLease lease, SqlTableSchema table, SqlConflictAction action, IReadOnlyList<string>? key, CancellationToken cancellationToken)
    {
        if (key is null || key.Count == 0)
        {
            if (action == SqlConflictAction.Error) return None;
            throw new MlDbException(MlDbErrorIds.InvalidKey, MlDbErrorKind.InvalidArgument,
                $"-OnConflict {action} needs -Key: the columns that identify a record of '{table.Name}' ({Candidates(connection.FindUniqueKeys(lease, table, cancellationToken))}).", action.ToString());
        }
        var columns = new List<SqlColumnInfo>(key.Count);
        foreach (var name in key)
        {
            var column = table.RequireColumn(name, "a -Key column");
            if (columns.Contains(column))
                throw new MlDbException(MlDbErrorIds.InvalidKey, MlDbErrorKind.InvalidArgument, $"The key names the column '{column.Name}' twice.", name);
            columns.Add(column);
        }
        var unique = connection.FindUniqueKeys(lease, table, cancellationToken);
        bool matches = unique.Any(u => u.Columns.Count == columns.Count && columns.All(c => u.Columns.Contains(c.Name, StringComparer.Ordinal)));
        if (!matches)
            throw new MlDbException(MlDbErrorIds.InvalidKey, MlDbErrorKind.InvalidArgument,
                $"The key ({string.Join(", ", columns.Select(c => c.Name))}) is not a primary key or unique constraint of '{table.Name}', so it cannot tell records apart; " +
                $"{Candidates(unique)}. Name one of those, or create a unique index on these columns.", string.Join(",", key));
        return new SqlConflictPlan(action, columns);
    }

    private static string Candidates(IReadOnlyList<SqlUniqueKey> unique) =>
        unique.Count == 0 ? "the table has no primary key or unique constraint" : "its keys are: " + string.Join("; ", unique);
}
