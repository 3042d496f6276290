using System.Text;
using MlDb.Language;

namespace MlDb.Data.Processing;

/// <summary>
/// How messages (errors, -WhatIf, -Verbose) name a record: by its position in the input and, when
/// the record carries them, its key columns — never by its other values, which would end up in
/// transcripts and logs (personal data, secrets). The record itself travels as the error's
/// TargetObject. Key columns are <c>-Key</c> when given, else the table's primary key.
/// </summary>
public sealed class RecordNames
{
    private const int MaxKeyText = 60;

    private readonly string[] _key;

    /// <param name="key">The columns (record keys) that identify a record; none: records are named by position only.</param>
    public RecordNames(IEnumerable<string>? key = null) => _key = key?.ToArray() ?? [];

    /// <summary>Names by position only.</summary>
    public static RecordNames ByPosition { get; } = new();

    /// <summary>The key columns of a table as the writer uses them: the conflict key, else the primary key.</summary>
    public static RecordNames For(SqlTableSchema table, SqlConflictPlan conflict) =>
        new((conflict.Key.Count > 0 ? conflict.Key : table.PrimaryKey).Select(c => c.Name));

    /// <summary><c>record 3</c>, or <c>record 3 (email = "ann@example.com")</c> when the record carries its key.</summary>
    public string Name(int index, MlValue record) => Name(index, record.TryGetObject(out var o) ? o : null);

    /// <inheritdoc cref="Name(int, MlValue)"/>
    public string Name(int index, MlObject? record)
    {
        string position = "record " + (index + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (record is null || _key.Length == 0) return position;
        var sb = new StringBuilder(position);
        for (int i = 0; i < _key.Length; i++)
        {
            if (!TryGet(record, _key[i], out var value)) return position;
            sb.Append(i == 0 ? " (" : ", ").Append(_key[i]).Append(" = ").Append(KeyText(value));
        }
        return sb.Append(')').ToString();
    }

    /// <summary><c>record 3</c> or <c>records 3-9</c> (1-based, from 0-based positions).</summary>
    public static string Range(int first, int last) =>
        first == last ? $"record {first + 1}" : $"records {first + 1}-{last + 1}";

    /// <summary><c>name, email, age</c>: the columns a record writes (names only).</summary>
    public static string Columns(IEnumerable<SqlColumnInfo> columns) => string.Join(", ", columns.Select(c => c.Name));

    /// <summary>The shape of an ML value for a message: its type, and for an object its keys (no values).</summary>
    public static string Shape(MlValue value)
    {
        if (value.TryGetObject(out var o)) return o.Count == 0 ? "an empty object" : "an object with the keys " + string.Join(", ", o.Keys);
        if (value.TryGetArray(out var a)) return $"an array of {a.Count}";
        return value.IsNull ? "null" : "a " + value.TypeName;
    }

    private static bool TryGet(MlObject record, string key, out MlValue value)
    {
        if (record.TryGetValue(key, out value)) return true;
        for (int i = 0; i < record.Count; i++)
        {
            if (string.Equals(record.KeyAt(i), key, StringComparison.OrdinalIgnoreCase))
            {
                value = record.ValueAt(i);
                return true;
            }
        }
        return false;
    }

    private static string KeyText(MlValue value) => value.IsObject || value.IsArray ? "<" + value.TypeName + ">" : MlText.Describe(value, MaxKeyText);
}
