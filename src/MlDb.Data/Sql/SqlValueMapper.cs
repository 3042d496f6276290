using System.Data.Common;
using MlDb.Language;

namespace MlDb.Data;

/// <summary>
/// The columns of one result set: names (made unique) and the provider's per-column reading
/// plan, computed once when the result set starts, then used for every row.
/// </summary>
public sealed class SqlResultColumns
{
    private MlObjectLayout? _layout;

    internal SqlResultColumns(string[] names, object?[] plans)
    {
        Names = names;
        Plans = plans;
    }

    /// <summary>
    /// Column names in result order; a repeated name (compared without case, as PowerShell
    /// properties are) gets a suffix: <c>id</c>, <c>id_2</c>.
    /// </summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>Provider-specific reading plan per column (what the mapper decided from the declared type).</summary>
    internal object?[] Plans { get; }

    public int Count => Names.Count;

    /// <summary>The ML object layout shared by every row of this result set.</summary>
    public MlObjectLayout Layout => _layout ??= MlObjectLayout.For(Names);

    /// <summary>Makes result column names unique, in order.</summary>
    public static string[] UniqueNames(IReadOnlyList<string> raw)
    {
        var names = new string[raw.Count];
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < names.Length; i++)
        {
            string name = string.IsNullOrEmpty(raw[i]) ? "column" + (i + 1) : raw[i];
            string candidate = name;
            for (int n = 2; !seen.Add(candidate); n++) candidate = name + "_" + n;
            names[i] = candidate;
        }
        return names;
    }
}

/// <summary>One row read without ML: host values (long, double, decimal, string, bool, DateTime UTC, byte[], null) in column order.</summary>
public sealed class SqlRow(SqlResultColumns columns, object?[] values)
{
    public SqlResultColumns Columns { get; } = columns;

    public object?[] Values { get; } = values;
}

/// <summary>
/// Maps one provider's values both ways: reader → ML value or host value (with a plan per
/// column computed once per result set), and ML value → parameter (knowing the target column
/// when there is one).
/// </summary>
public abstract class SqlValueMapper
{
    /// <summary>Builds the reading plan of the reader's current result set.</summary>
    public SqlResultColumns Describe(DbDataReader reader)
    {
        int n = reader.FieldCount;
        var raw = new string[n];
        var plans = new object?[n];
        for (int i = 0; i < n; i++)
        {
            raw[i] = reader.GetName(i);
            plans[i] = PlanColumn(reader, i);
        }
        return new SqlResultColumns(SqlResultColumns.UniqueNames(raw), plans);
    }

    /// <summary>Decides once how column <paramref name="ordinal"/> is read (from its declared type).</summary>
    protected abstract object? PlanColumn(DbDataReader reader, int ordinal);

    /// <summary>Reads the current row's value as ML.</summary>
    public abstract MlValue ReadMl(DbDataReader reader, int ordinal, object? plan);

    /// <summary>Reads the current row's value as host data.</summary>
    public abstract object? ReadHost(DbDataReader reader, int ordinal, object? plan);

    /// <summary>The current row as an ML object sharing the result set's layout.</summary>
    public MlObject ReadMlRow(DbDataReader reader, SqlResultColumns columns, MlValue[] buffer)
    {
        var plans = columns.Plans;
        for (int i = 0; i < plans.Length; i++) buffer[i] = ReadMl(reader, i, plans[i]);
        return columns.Layout.Create(buffer.AsSpan(0, plans.Length));
    }

    /// <summary>The current row as host values.</summary>
    public SqlRow ReadHostRow(DbDataReader reader, SqlResultColumns columns)
    {
        var plans = columns.Plans;
        var values = new object?[plans.Length];
        for (int i = 0; i < plans.Length; i++) values[i] = ReadHost(reader, i, plans[i]);
        return new SqlRow(columns, values);
    }

    /// <summary>
    /// Adds a parameter holding <paramref name="value"/>; <paramref name="target"/> is the column it
    /// is written to or compared with, when known. Throws <see cref="MlDbException"/> (InvalidValue)
    /// for values that have no database form (functions).
    /// </summary>
    public abstract DbParameter AddParameter(DbCommand command, string name, MlValue value, SqlColumnInfo? target);

    /// <summary>Sets an existing parameter (prepared commands reused across records).</summary>
    public abstract void SetParameter(DbParameter parameter, MlValue value, SqlColumnInfo? target);
}
