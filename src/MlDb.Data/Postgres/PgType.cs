using System.Collections.Concurrent;
using NpgsqlTypes;
using Npgsql.PostgresTypes;

namespace MlDb.Data.Postgres;

/// <summary>The PostgreSQL types MlDb maps on its own; everything else is <see cref="Other"/>.</summary>
internal enum PgKind
{
    Other,
    Int2,
    Int4,
    Int8,
    Float4,
    Float8,
    Numeric,
    Money,
    Bool,
    Text,
    Uuid,
    TimestampTz,
    Timestamp,
    Date,
    Time,
    Interval,
    Json,
    Jsonb,
    Bytea,
    Enum,
}

/// <summary>
/// A column's type as MlDb sees it: its kind, whether it is an array (of how many dimensions) and
/// the name PostgreSQL prints. Classified once per column (from the catalog's <c>format_type</c>
/// text for table columns, from the row description for result columns) and cached.
/// </summary>
internal sealed class PgType
{
    private static readonly ConcurrentDictionary<string, PgType> ByDeclaredName = new(StringComparer.Ordinal);

    private PgType(PgKind kind, int dimensions, string name)
    {
        Kind = kind;
        Dimensions = dimensions;
        Name = name;
    }

    public PgKind Kind { get; }

    /// <summary>0 for a scalar column; 1 or more for an array column.</summary>
    public int Dimensions { get; }

    public bool IsArray => Dimensions > 0;

    /// <summary>The type as PostgreSQL prints it (<c>numeric(10,2)</c>, <c>integer[]</c>).</summary>
    public string Name { get; }

    /// <summary>Plain text columns (text, varchar): a string parameter can be typed <c>text</c>.</summary>
    public bool IsPlainText => Kind == PgKind.Text && !IsArray && (Base(Name) is "text" or "character varying");

    public override string ToString() => Name;

    /// <summary>The type of a table column from its declared (format_type) text.</summary>
    public static PgType FromDeclared(string declared) =>
        ByDeclaredName.GetOrAdd(declared, static d =>
        {
            string name = d.Trim();
            int dims = 0;
            while (name.EndsWith("[]", StringComparison.Ordinal))
            {
                dims++;
                name = name[..^2].TrimEnd();
            }
            return new PgType(KindOfDisplayName(Base(name)), dims, d);
        });

    /// <summary>The type of a result column from the row description.</summary>
    public static PgType FromPostgresType(PostgresType type)
    {
        int dims = 0;
        var t = type;
        while (true)
        {
            if (t is PostgresDomainType domain) t = domain.BaseType;
            else if (t is PostgresArrayType array) { dims++; t = array.Element; }
            else break;
        }
        var kind = t is PostgresEnumType ? PgKind.Enum : KindOfInternalName(t.InternalName);
        return new PgType(kind, dims, type.DisplayName);
    }

    /// <summary>The type name without schema, type modifiers or quotes: <c>numeric(10,2)</c> → <c>numeric</c>.</summary>
    internal static string Base(string name)
    {
        var sb = new System.Text.StringBuilder(name.Length);
        int depth = 0;
        foreach (char ch in name)
        {
            if (ch == '(') depth++;
            else if (ch == ')') depth--;
            else if (depth == 0) sb.Append(ch);
        }
        string s = System.Text.RegularExpressions.Regex.Replace(sb.ToString(), @"\s+", " ").Trim();
        // timestamp(3) with time zone → "timestamp  with time zone" → normalised above
        int dot = s.LastIndexOf('.');
        if (dot >= 0 && !s.StartsWith("\"", StringComparison.Ordinal)) s = s[(dot + 1)..];
        return s.Trim('"');
    }

    private static PgKind KindOfDisplayName(string name) => name switch
    {
        "smallint" => PgKind.Int2,
        "integer" => PgKind.Int4,
        "bigint" => PgKind.Int8,
        "real" => PgKind.Float4,
        "double precision" => PgKind.Float8,
        "numeric" => PgKind.Numeric,
        "money" => PgKind.Money,
        "boolean" => PgKind.Bool,
        "text" or "character varying" or "character" or "char" or "name" or "citext" => PgKind.Text,
        "uuid" => PgKind.Uuid,
        "timestamp with time zone" => PgKind.TimestampTz,
        "timestamp without time zone" => PgKind.Timestamp,
        "date" => PgKind.Date,
        "time without time zone" or "time with time zone" => PgKind.Time,
        "json" => PgKind.Json,
        "jsonb" => PgKind.Jsonb,
        "bytea" => PgKind.Bytea,
        _ when name.StartsWith("interval", StringComparison.Ordinal) => PgKind.Interval,
        _ => PgKind.Other,
    };

    private static PgKind KindOfInternalName(string name) => name switch
    {
        "int2" => PgKind.Int2,
        "int4" => PgKind.Int4,
        "int8" => PgKind.Int8,
        "float4" => PgKind.Float4,
        "float8" => PgKind.Float8,
        "numeric" => PgKind.Numeric,
        "money" => PgKind.Money,
        "bool" => PgKind.Bool,
        "text" or "varchar" or "bpchar" or "char" or "name" or "citext" => PgKind.Text,
        "uuid" => PgKind.Uuid,
        "timestamptz" => PgKind.TimestampTz,
        "timestamp" => PgKind.Timestamp,
        "date" => PgKind.Date,
        "time" or "timetz" => PgKind.Time,
        "interval" => PgKind.Interval,
        "json" => PgKind.Json,
        "jsonb" => PgKind.Jsonb,
        "bytea" => PgKind.Bytea,
        _ => PgKind.Other,
    };

    /// <summary>The Npgsql type of a scalar of this kind as binary COPY writes it.</summary>
    internal static NpgsqlDbType CopyType(PgKind kind) => kind switch
    {
        PgKind.Int2 => NpgsqlDbType.Smallint,
        PgKind.Int4 => NpgsqlDbType.Integer,
        PgKind.Int8 => NpgsqlDbType.Bigint,
        PgKind.Float4 => NpgsqlDbType.Real,
        PgKind.Float8 => NpgsqlDbType.Double,
        PgKind.Numeric => NpgsqlDbType.Numeric,
        PgKind.Bool => NpgsqlDbType.Boolean,
        PgKind.Text => NpgsqlDbType.Text,
        PgKind.Uuid => NpgsqlDbType.Uuid,
        PgKind.TimestampTz => NpgsqlDbType.TimestampTz,
        PgKind.Timestamp => NpgsqlDbType.Timestamp,
        PgKind.Date => NpgsqlDbType.Date,
        PgKind.Json => NpgsqlDbType.Json,
        PgKind.Jsonb => NpgsqlDbType.Jsonb,
        PgKind.Bytea => NpgsqlDbType.Bytea,
        _ => NpgsqlDbType.Unknown,
    };
}
