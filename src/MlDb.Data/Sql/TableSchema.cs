namespace MlDb.Data;

/// <summary>A table name as written by the user, split into an optional schema and the name.</summary>
public readonly record struct SqlTableName(string? Schema, string Name)
{
    public override string ToString() => Schema is null ? Name : Schema + "." + Name;
}

/// <summary>One column of a table as the database describes it.</summary>
/// <param name="Name">The name as stored in the catalog (used, quoted, in generated SQL).</param>
/// <param name="DeclaredType">The declared type text (<c>INTEGER</c>, <c>DECIMAL(10,2)</c>, <c>timestamptz</c>, …); empty when none.</param>
/// <param name="Ordinal">0-based position in the table.</param>
/// <param name="IsPrimaryKey">Part of the primary key.</param>
/// <param name="NotNull">Declared NOT NULL.</param>
public sealed record SqlColumnInfo(string Name, string DeclaredType, int Ordinal, bool IsPrimaryKey, bool NotNull);

/// <summary>
/// A table's columns and key, looked up once per command. Every identifier MlDb puts into SQL
/// (a <c>-Table</c>, a <c>-Filter</c> key, a record key used as a column) is first found here,
/// then written in its catalog spelling, quoted by the dialect: names that are not in the schema
/// never reach the SQL text.
/// </summary>
public sealed class SqlTableSchema
{
    private readonly Dictionary<string, SqlColumnInfo> _exact;
    private readonly Dictionary<string, List<SqlColumnInfo>> _folded;

    public SqlTableSchema(SqlTableName name, IReadOnlyList<SqlColumnInfo> columns, bool isView, bool hasRowId)
    {
        Name = name;
        Columns = columns;
        IsView = isView;
        HasRowId = hasRowId;
        _exact = new Dictionary<string, SqlColumnInfo>(StringComparer.Ordinal);
        _folded = new Dictionary<string, List<SqlColumnInfo>>(StringComparer.OrdinalIgnoreCase);
        foreach (var c in columns)
        {
            _exact.TryAdd(c.Name, c);
            if (!_folded.TryGetValue(c.Name, out var list)) _folded[c.Name] = list = [];
            list.Add(c);
        }
        PrimaryKey = columns.Where(c => c.IsPrimaryKey).ToArray();
    }

    /// <summary>The table's catalog name (schema as given when the user qualified it).</summary>
    public SqlTableName Name { get; }

    public IReadOnlyList<SqlColumnInfo> Columns { get; }

    public IReadOnlyList<SqlColumnInfo> PrimaryKey { get; }

    public bool IsView { get; }

    /// <summary>SQLite rowid tables; false for views, WITHOUT ROWID tables and other databases.</summary>
    public bool HasRowId { get; }

    /// <summary>Finds a column by exact name, else by a case-insensitive match that is unique.</summary>
    public SqlColumnInfo? FindColumn(string name)
    {
        if (_exact.TryGetValue(name, out var c)) return c;
        return _folded.TryGetValue(name, out var list) && list.Count == 1 ? list[0] : null;
    }

    /// <summary>Like <see cref="FindColumn"/>, or an <see cref="MlDbException"/> (InvalidIdentifier) listing the real columns.</summary>
    public SqlColumnInfo RequireColumn(string name, string role = "column")
    {
        return FindColumn(name) ?? throw new MlDbException(MlDbErrorIds.InvalidIdentifier, MlDbErrorKind.ObjectNotFound,
            $"'{name}' is not a column of the table '{Name}' (used as {role}); its columns are: {string.Join(", ", Columns.Select(c => c.Name))}.",
            name);
    }
}
