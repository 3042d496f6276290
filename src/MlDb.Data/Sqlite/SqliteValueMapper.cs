using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using MlDb.Language;

namespace MlDb.Data.Sqlite;

/// <summary>
/// SQLite ⇄ ML. SQLite stores each value as INTEGER, REAL, TEXT, BLOB or NULL whatever the
/// column says; the declared type refines the reading:
/// <list type="table">
/// <item><term>declared BOOL…</term><description>INTEGER 0/1 → boolean</description></item>
/// <item><term>declared …DATE…/…TIME…</term><description>TEXT that is ISO-8601 → date (UTC; no offset = UTC)</description></item>
/// <item><term>declared NUMERIC/DECIMAL/MONEY</term><description>INTEGER, REAL or numeric TEXT → decimal</description></item>
/// <item><term>otherwise</term><description>INTEGER → int, REAL → double, TEXT → string, BLOB → bytes, NULL → null</description></item>
/// </list>
/// Parameters: int → INTEGER; double → REAL; boolean → INTEGER 1/0; string → TEXT; bytes → BLOB;
/// null → NULL; date → TEXT <c>yyyy-MM-ddTHH:mm:ss.fffZ</c> (UTC, the form ML's toISOString
/// writes, which sorts in time order and which SQLite's date functions read); decimal → TEXT
/// with its exact digits (columns of INTEGER/NUMERIC affinity store it as a number when SQLite
/// can do so without loss beyond 15 digits), or REAL when the target column has REAL affinity;
/// arrays and objects → TEXT holding their JSON (usable with SQLite's JSON functions).
/// </summary>
public sealed class SqliteValueMapper : SqlValueMapper
{
    public static SqliteValueMapper Instance { get; } = new();

    /// <summary>How a column is read, decided from its declared type.</summary>
    internal enum Plan
    {
        Storage,
        Boolean,
        Date,
        Decimal,
    }

    private static readonly object StoragePlan = Plan.Storage;
    private static readonly object BooleanPlan = Plan.Boolean;
    private static readonly object DatePlan = Plan.Date;
    private static readonly object DecimalPlan = Plan.Decimal;

    internal static Plan Classify(string? declaredType)
    {
        if (string.IsNullOrEmpty(declaredType)) return Plan.Storage;
        string t = declaredType.ToUpperInvariant();
        if (t.Contains("BOOL", StringComparison.Ordinal)) return Plan.Boolean;
        if (t.Contains("DATE", StringComparison.Ordinal) || t.Contains("TIME", StringComparison.Ordinal)) return Plan.Date;
        if (t.Contains("DECIMAL", StringComparison.Ordinal) || t.Contains("NUMERIC", StringComparison.Ordinal) || t.Contains("MONEY", StringComparison.Ordinal)) return Plan.Decimal;
        return Plan.Storage;
    }

    /// <summary>SQLite's column affinity for a declared type (§3.1 of SQLite's datatype rules).</summary>
    internal static string Affinity(string? declaredType)
    {
        string t = (declaredType ?? "").ToUpperInvariant();
        if (t.Contains("INT", StringComparison.Ordinal)) return "INTEGER";
        if (t.Contains("CHAR", StringComparison.Ordinal) || t.Contains("CLOB", StringComparison.Ordinal) || t.Contains("TEXT", StringComparison.Ordinal)) return "TEXT";
        if (t.Length == 0 || t.Contains("BLOB", StringComparison.Ordinal)) return "BLOB";
        if (t.Contains("REAL", StringComparison.Ordinal) || t.Contains("FLOA", StringComparison.Ordinal) || t.Contains("DOUB", StringComparison.Ordinal)) return "REAL";
        return "NUMERIC";
    }

    protected override object? PlanColumn(DbDataReader reader, int ordinal)
    {
        string? declared;
        try
        {
            declared = reader.GetDataTypeName(ordinal);
        }
        catch (InvalidOperationException)
        {
            declared = null;
        }
        return Classify(declared) switch
        {
            Plan.Boolean => BooleanPlan,
            Plan.Date => DatePlan,
            Plan.Decimal => DecimalPlan,
            _ => StoragePlan,
        };
    }

    public override MlValue ReadMl(DbDataReader reader, int ordinal, object? plan)
    {
        if (reader.IsDBNull(ordinal)) return MlValue.Null;
        var storage = reader.GetFieldType(ordinal);
        switch (plan is Plan p ? p : Plan.Storage)
        {
            case Plan.Boolean when storage == typeof(long):
                return MlValue.FromBool(reader.GetInt64(ordinal) != 0);
            case Plan.Date when storage == typeof(string):
                {
                    string s = reader.GetString(ordinal);
                    return IsoDates.TryParse(s, out var date) ? MlValue.FromDate(date) : MlValue.FromString(s);
                }
            case Plan.Decimal when storage != typeof(byte[]):
                {
                    string s = reader.GetString(ordinal);
                    return TryParseDecimal(s, out var m) ? MlValue.FromDecimal(m) : ReadStorageMl(reader, ordinal, storage);
                }
        }
        return ReadStorageMl(reader, ordinal, storage);
    }

    private static MlValue ReadStorageMl(DbDataReader reader, int ordinal, Type storage)
    {
        if (storage == typeof(long)) return MlValue.FromInt(reader.GetInt64(ordinal));
        if (storage == typeof(double)) return MlValue.FromDouble(reader.GetDouble(ordinal));
        if (storage == typeof(string)) return MlValue.FromString(reader.GetString(ordinal));
        return MlValue.FromBytes((byte[])reader.GetValue(ordinal));
    }

    public override object? ReadHost(DbDataReader reader, int ordinal, object? plan)
    {
        if (reader.IsDBNull(ordinal)) return null;
        var storage = reader.GetFieldType(ordinal);
        switch (plan is Plan p ? p : Plan.Storage)
        {
            case Plan.Boolean when storage == typeof(long):
                return reader.GetInt64(ordinal) != 0;
            case Plan.Date when storage == typeof(string):
                {
                    string s = reader.GetString(ordinal);
                    return IsoDates.TryParse(s, out var date) ? date : s;
                }
            case Plan.Decimal when storage != typeof(byte[]):
                {
                    string s = reader.GetString(ordinal);
                    return TryParseDecimal(s, out var m) ? m : ReadStorageHost(reader, ordinal, storage);
                }
        }
        return ReadStorageHost(reader, ordinal, storage);
    }

    private static object ReadStorageHost(DbDataReader reader, int ordinal, Type storage)
    {
        if (storage == typeof(long)) return reader.GetInt64(ordinal);
        if (storage == typeof(double)) return reader.GetDouble(ordinal);
        if (storage == typeof(string)) return reader.GetString(ordinal);
        return (byte[])reader.GetValue(ordinal);
    }

    private static bool TryParseDecimal(string s, out decimal value) =>
        decimal.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out value);

    /// <summary>The value bound for <paramref name="value"/> (DBNull for null).</summary>
    public static object ToParameterValue(MlValue value, SqlColumnInfo? target)
    {
        switch (value.Kind)
        {
            case MlKind.Null: return DBNull.Value;
            case MlKind.Boolean: return value.AsBool ? 1L : 0L;
            case MlKind.Int: return value.AsInt;
            case MlKind.Double: return value.AsDouble;
            case MlKind.Decimal:
                return target is not null && Affinity(target.DeclaredType) == "REAL"
                    ? (double)value.AsDecimal
                    : value.AsDecimal.ToString(CultureInfo.InvariantCulture);
            case MlKind.String: return value.AsString;
            case MlKind.Date: return IsoDates.Format(value.AsDateTime);
            case MlKind.Bytes: return value.AsBytes;
            case MlKind.Array:
            case MlKind.Object:
                return MlJson.Stringify(value, null)!;
            default:
                throw new MlDbException(MlDbErrorIds.InvalidValue, MlDbErrorKind.InvalidData,
                    $"A {value.TypeName} value cannot be stored in SQLite{(target is null ? "" : $" (column '{target.Name}')")}.", value.TypeName);
        }
    }

    public override DbParameter AddParameter(DbCommand command, string name, MlValue value, SqlColumnInfo? target)
    {
        var parameter = new SqliteParameter(name, ToParameterValue(value, target));
        command.Parameters.Add(parameter);
        return parameter;
    }

    public override void SetParameter(DbParameter parameter, MlValue value, SqlColumnInfo? target)
    {
        var p = (SqliteParameter)parameter;
        p.ResetSqliteType();
        p.Value = ToParameterValue(value, target);
    }
}
