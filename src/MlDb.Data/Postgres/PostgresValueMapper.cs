using System.Data.Common;
using System.Globalization;
using MlDb.Language;
using Npgsql;
using NpgsqlTypes;

namespace MlDb.Data.Postgres;

/// <summary>
/// PostgreSQL ⇄ ML.
/// <para>Reading (plan per result column, from the row description):
/// smallint/integer/bigint → int; real/double precision → double (a real reads as the double of
/// its shortest text, so 19.99 stays 19.99); numeric/money → decimal (exact; NaN, ±Infinity and
/// values beyond 28 digits fall back to double); boolean; text/varchar/char/name/citext/enum →
/// string; uuid → string (lower-case, hyphenated); timestamptz/timestamp/date → date (UTC; a
/// timestamp without time zone is taken as UTC wall time); time → string; interval → string in
/// PostgreSQL's own <c>1 year 2 mons 3 days 04:05:06</c> form; json/jsonb → ML values (MlJson);
/// arrays of any of these → ML arrays (nested for several dimensions); bytea → bytes; NULL →
/// null; other types → their text.</para>
/// <para>Writing (see <see cref="Fits"/>): a value whose ML kind has an exact form in the target
/// column's type is bound (or COPY-written) typed for that column; otherwise it is bound with its
/// natural type (int → bigint, double → double precision, decimal → numeric, boolean, date →
/// timestamptz, bytes → bytea, object → jsonb, array → a typed array or jsonb) and PostgreSQL's
/// assignment rules decide, and a string aimed at a column that is not plain text is sent untyped,
/// so the server reads it with the column type's own input rules ('2024-01-02' into a date,
/// '1 day' into an interval, 'happy' into an enum).</para>
/// </summary>
public sealed class PostgresValueMapper : SqlValueMapper
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <param name="sessionIsUtc">The session time zone is UTC, so dates can be converted to
    /// timestamp/date on the client exactly as the server would.</param>
    internal PostgresValueMapper(bool sessionIsUtc)
    {
        SessionIsUtc = sessionIsUtc;
    }

    internal bool SessionIsUtc { get; }

    // ---- reading ------------------------------------------------------------------------------

    protected override object? PlanColumn(DbDataReader reader, int ordinal) =>
        PgType.FromPostgresType(((NpgsqlDataReader)reader).GetPostgresType(ordinal));

    public override MlValue ReadMl(DbDataReader reader, int ordinal, object? plan)
    {
        if (reader.IsDBNull(ordinal)) return MlValue.Null;
        var type = (PgType)plan!;
        if (type.IsArray) return ReadArray(reader, ordinal, type);
        switch (type.Kind)
        {
            case PgKind.Int2: return MlValue.FromInt(reader.GetInt16(ordinal));
            case PgKind.Int4: return MlValue.FromInt(reader.GetInt32(ordinal));
            case PgKind.Int8: return MlValue.FromInt(reader.GetInt64(ordinal));
            case PgKind.Float4: return MlValue.FromDouble(Widen(reader.GetFloat(ordinal)));
            case PgKind.Float8: return MlValue.FromDouble(reader.GetDouble(ordinal));
            case PgKind.Numeric:
            case PgKind.Money:
                return ReadNumeric(reader, ordinal);
            case PgKind.Bool: return MlValue.FromBool(reader.GetBoolean(ordinal));
            case PgKind.Text:
            case PgKind.Enum:
                return MlValue.FromString(reader.GetString(ordinal));
            case PgKind.Uuid: return MlValue.FromString(reader.GetGuid(ordinal).ToString("D"));
            case PgKind.TimestampTz:
            case PgKind.Timestamp:
                return MlValue.FromDateTicks(reader.GetFieldValue<DateTime>(ordinal).Ticks);
            case PgKind.Date: return MlValue.FromDateTicks(reader.GetFieldValue<DateOnly>(ordinal).ToDateTime(TimeOnly.MinValue).Ticks);
            case PgKind.Interval: return MlValue.FromString(PgText.Interval(reader.GetFieldValue<NpgsqlInterval>(ordinal)));
            case PgKind.Json:
            case PgKind.Jsonb:
                return ParseJson(reader.GetString(ordinal), reader.GetName(ordinal));
            case PgKind.Bytea: return MlValue.FromBytes(reader.GetFieldValue<byte[]>(ordinal));
            default: return Loose(ReadObject(reader, ordinal, type), type.Kind, reader.GetName(ordinal));
        }
    }

    /// <summary>A value of a type MlDb has no rule for, as Npgsql reads it; a type Npgsql cannot read is a clear error.</summary>
    private static object ReadObject(DbDataReader reader, int ordinal, PgType type)
    {
        try
        {
            return reader.GetValue(ordinal);
        }
        catch (Exception ex) when (ex is InvalidCastException or NotSupportedException)
        {
            string column = reader.GetName(ordinal);
            throw new MlDbException(MlDbErrorIds.ConversionFailed, MlDbErrorKind.InvalidData,
                $"The column '{column}' has the PostgreSQL type {type.Name}, which cannot be read; cast it in the query (for example {column}::text).", column, ex);
        }
    }

    public override object? ReadHost(DbDataReader reader, int ordinal, object? plan)
    {
        if (reader.IsDBNull(ordinal)) return null;
        var type = (PgType)plan!;
        if (!type.IsArray)
        {
            switch (type.Kind)
            {
                case PgKind.Int2: return (long)reader.GetInt16(ordinal);
                case PgKind.Int4: return (long)reader.GetInt32(ordinal);
                case PgKind.Int8: return reader.GetInt64(ordinal);
                case PgKind.Float8: return reader.GetDouble(ordinal);
                case PgKind.Bool: return reader.GetBoolean(ordinal);
                case PgKind.Text:
                case PgKind.Enum:
                    return reader.GetString(ordinal);
                case PgKind.TimestampTz:
                case PgKind.Timestamp:
                    return new DateTime(reader.GetFieldValue<DateTime>(ordinal).Ticks, DateTimeKind.Utc);
                case PgKind.Bytea: return reader.GetFieldValue<byte[]>(ordinal);
            }
        }
        return MlHostConverter.Default.ToHost(ReadMl(reader, ordinal, plan));
    }

    /// <summary>A real as the double of its shortest text: 19.99f reads as 19.99, not 19.989999771118164.</summary>
    private static double Widen(float value) =>
        float.IsFinite(value) ? double.Parse(value.ToString("R", Invariant), NumberStyles.Float, Invariant) : value;

    private static MlValue ReadNumeric(DbDataReader reader, int ordinal)
    {
        try
        {
            return MlValue.FromDecimal(reader.GetDecimal(ordinal));
        }
        catch (Exception ex) when (ex is InvalidCastException or OverflowException)
        {
            // NaN, ±Infinity or more digits than System.Decimal holds.
            using var stream = reader.GetStream(ordinal);
            return MlValue.FromDouble(NumericToDouble(stream));
        }
    }

    /// <summary>
    /// The double nearest a value in PostgreSQL's binary numeric format (ndigits, weight, sign,
    /// dscale, then base-10000 digits), correctly rounded; NaN and ±Infinity as such.
    /// </summary>
    internal static double NumericToDouble(Stream stream)
    {
        Span<byte> header = stackalloc byte[8];
        stream.ReadExactly(header);
        int ndigits = System.Buffers.Binary.BinaryPrimitives.ReadInt16BigEndian(header);
        int weight = System.Buffers.Binary.BinaryPrimitives.ReadInt16BigEndian(header[2..]);
        ushort sign = System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(header[4..]);
        switch (sign)
        {
            case 0xC000: return double.NaN;
            case 0xD000: return double.PositiveInfinity;
            case 0xF000: return double.NegativeInfinity;
        }
        var mantissa = System.Numerics.BigInteger.Zero;
        Span<byte> digit = stackalloc byte[2];
        for (int i = 0; i < ndigits; i++)
        {
            stream.ReadExactly(digit);
            mantissa = mantissa * 10000 + System.Buffers.Binary.BinaryPrimitives.ReadInt16BigEndian(digit);
        }
        int exponent = 4 * (weight - (ndigits - 1));
        string text = (sign == 0x4000 ? "-" : "") + mantissa.ToString(Invariant) + "E" + exponent.ToString(Invariant);
        return double.Parse(text, NumberStyles.Float, Invariant);
    }

    private static MlValue ParseJson(string text, string column)
    {
        try
        {
            return MlJson.Parse(text);
        }
        catch (MlScriptException ex)
        {
            throw new MlDbException(MlDbErrorIds.ConversionFailed, MlDbErrorKind.InvalidData,
                $"The JSON in column '{column}' cannot be read as an ML value: {ex.Message}", column, ex);
        }
    }

    private static MlValue ReadArray(DbDataReader reader, int ordinal, PgType type)
    {
        Array array = type.Kind == PgKind.Interval
            ? reader.GetFieldValue<NpgsqlInterval?[]>(ordinal)
            : (Array)reader.GetValue(ordinal);
        string column = reader.GetName(ordinal);
        if (array.Rank == 1)
        {
            var result = new MlArray(array.Length);
            foreach (var item in array) result.Add(Element(item, type.Kind, column));
            return MlValue.FromArray(result);
        }
        var indices = new int[array.Rank];
        return Dimension(array, 0, indices, type.Kind, column);
    }

    private static MlValue Dimension(Array array, int dim, int[] indices, PgKind kind, string column)
    {
        int lower = array.GetLowerBound(dim), upper = array.GetUpperBound(dim);
        var result = new MlArray(Math.Max(0, upper - lower + 1));
        for (int i = lower; i <= upper; i++)
        {
            indices[dim] = i;
            result.Add(dim == array.Rank - 1 ? Element(array.GetValue(indices), kind, column) : Dimension(array, dim + 1, indices, kind, column));
        }
        return MlValue.FromArray(result);
    }

    /// <summary>One array element as Npgsql returned it.</summary>
    private static MlValue Element(object? item, PgKind kind, string column) => item switch
    {
        null or DBNull => MlValue.Null,
        short s => MlValue.FromInt(s),
        int i => MlValue.FromInt(i),
        long l => MlValue.FromInt(l),
        float f => MlValue.FromDouble(Widen(f)),
        double d => MlValue.FromDouble(d),
        decimal m => MlValue.FromDecimal(m),
        bool b => MlValue.FromBool(b),
        string s when kind is PgKind.Json or PgKind.Jsonb => ParseJson(s, column),
        string s => MlValue.FromString(s),
        Guid g => MlValue.FromString(g.ToString("D")),
        DateTime dt => MlValue.FromDateTicks(dt.Ticks),
        DateOnly d => MlValue.FromDateTicks(d.ToDateTime(TimeOnly.MinValue).Ticks),
        TimeOnly t => MlValue.FromString(PgText.Time(t)),
        NpgsqlInterval iv => MlValue.FromString(PgText.Interval(iv)),
        byte[] bytes => MlValue.FromBytes(bytes),
        _ => Loose(item, kind, column),
    };

    /// <summary>A value of a type MlDb has no rule for: through the host converter when it knows the .NET type, else its text.</summary>
    private static MlValue Loose(object value, PgKind kind, string column)
    {
        switch (value)
        {
            case TimeOnly t: return MlValue.FromString(PgText.Time(t));
            case DateTimeOffset dto when kind == PgKind.Time: return MlValue.FromString(PgText.Time(dto));
            case TimeSpan ts when kind == PgKind.Time: return MlValue.FromString(PgText.Time(TimeOnly.FromTimeSpan(ts)));
            case string or bool or long or int or short or double or float or decimal or DateTime or Guid or byte[]:
                return Element(value, kind, column);
        }
        if (value is Array array)
        {
            var result = new MlArray(array.Length);
            foreach (var item in array) result.Add(item is null ? MlValue.Null : Loose(item, kind, column));
            return MlValue.FromArray(result);
        }
        return MlValue.FromString(Convert.ToString(value, Invariant) ?? "");
    }

    // ---- writing ------------------------------------------------------------------------------

    /// <summary>The type of the column a parameter is written to or compared with (cached per declared type).</summary>
    internal static PgType? TargetType(SqlColumnInfo? target) => target is null ? null : PgType.FromDeclared(target.DeclaredType);

    /// <summary>
    /// True when <paramref name="value"/> has an exact form in <paramref name="type"/> that the client
    /// can produce with the result the server's own conversion would give; binary COPY writes only
    /// such values (a batch holding others goes in as multi-row INSERT). Null always fits.
    /// </summary>
    internal bool Fits(MlValue value, PgType type)
    {
        if (value.IsNull) return true;
        if (value.IsFunction || value.IsOpaque) return false;
        if (type.IsArray)
        {
            if (type.Dimensions != 1 || !value.TryGetArray(out var array)) return false;
            foreach (var item in array.AsSpan())
                if (!item.IsNull && (item.IsArray || !FitsScalar(item, type.Kind))) return false;
            return true;
        }
        return FitsScalar(value, type.Kind);
    }

    private bool FitsScalar(MlValue v, PgKind kind)
    {
        switch (kind)
        {
            case PgKind.Int2: return v.IsInt && v.AsInt is >= short.MinValue and <= short.MaxValue;
            case PgKind.Int4: return v.IsInt && v.AsInt is >= int.MinValue and <= int.MaxValue;
            case PgKind.Int8: return v.IsInt;
            case PgKind.Float4:
                if (v.IsDouble)
                {
                    double d = v.AsDouble;
                    float f = (float)d;
                    return !double.IsFinite(d) || (float.IsFinite(f) && (f != 0 || d == 0));
                }
                return v.IsInt || v.IsDecimal;
            case PgKind.Float8: return v.IsDouble || v.IsInt || v.IsDecimal;
            case PgKind.Numeric:
                if (v.IsDouble)
                {
                    double a = Math.Abs(v.AsDouble);
                    return a == 0 || (a >= 1e-20 && a < 1e28);
                }
                return v.IsDecimal || v.IsInt;
            case PgKind.Bool: return v.IsBool;
            case PgKind.Text:
            case PgKind.Json:
            case PgKind.Jsonb:
                return true;
            case PgKind.Uuid: return v.IsString && TryGuid(v.AsString, out _);
            case PgKind.TimestampTz: return v.IsDate || (v.IsString && TryTimestampTz(v.AsString, out _));
            case PgKind.Timestamp: return v.IsDate && SessionIsUtc;
            case PgKind.Date: return (v.IsDate && SessionIsUtc) || (v.IsString && TryDate(v.AsString, out _));
            case PgKind.Bytea: return v.IsBytes;
            default: return false;
        }
    }

    private static bool TryGuid(string s, out Guid guid) =>
        Guid.TryParseExact(s, "D", out guid) || Guid.TryParseExact(s, "N", out guid) || Guid.TryParseExact(s, "B", out guid);

    /// <summary>ISO-8601 text with an explicit Z or offset (or any ISO text when the session is UTC), to the microsecond.</summary>
    private bool TryTimestampTz(string s, out DateTime utc)
    {
        if (!IsoDates.TryParse(s, out utc)) return false;
        if (utc.Ticks % 10 != 0) return false;
        if (SessionIsUtc) return true;
        int t = s.IndexOfAny(['T', ' '], 10);
        if (t < 0) return false;
        string time = s[(t + 1)..].TrimEnd();
        return time.EndsWith('Z') || time.EndsWith('z') || time.LastIndexOfAny(['+', '-']) > 0;
    }

    private static bool TryDate(string s, out DateOnly date) =>
        DateOnly.TryParseExact(s, "yyyy-MM-dd", Invariant, DateTimeStyles.None, out date);

    private static decimal DoubleToNumeric(double d) =>
        decimal.Parse(d.ToString("G15", Invariant), NumberStyles.Float, Invariant);

    private static string Json(MlValue v) => v.IsString ? v.AsString : MlJson.Stringify(v, null) ?? "null";

    /// <summary>The exact .NET value of a value that <see cref="Fits"/> a scalar kind.</summary>
    private static object ScalarClr(MlValue v, PgKind kind) => kind switch
    {
        PgKind.Int2 => (short)v.AsInt,
        PgKind.Int4 => (int)v.AsInt,
        PgKind.Int8 => v.AsInt,
        PgKind.Float4 => v.IsDouble ? (float)v.AsDouble : v.IsInt ? (float)v.AsInt : float.Parse(MlFormat.Decimal(v.AsDecimal), Invariant),
        PgKind.Float8 => v.IsDouble ? v.AsDouble : v.IsInt ? (double)v.AsInt : double.Parse(MlFormat.Decimal(v.AsDecimal), Invariant),
        PgKind.Numeric => v.IsDecimal ? v.AsDecimal : v.IsInt ? (decimal)v.AsInt : DoubleToNumeric(v.AsDouble),
        PgKind.Bool => v.AsBool,
        PgKind.Text => v.IsString ? v.AsString : MlFormat.Str(v),
        PgKind.Json or PgKind.Jsonb => Json(v),
        PgKind.Uuid => TryGuid(v.AsString, out var g) ? g : throw new InvalidOperationException("not a uuid"),
        PgKind.TimestampTz => v.IsDate ? v.AsDateTime : IsoDates.TryParse(v.AsString, out var utc) ? utc : throw new InvalidOperationException("not a timestamp"),
        PgKind.Timestamp => new DateTime(v.AsDateTicks, DateTimeKind.Unspecified),
        PgKind.Date => v.IsDate ? DateOnly.FromDateTime(v.AsDateTime) : TryDate(v.AsString, out var d) ? d : throw new InvalidOperationException("not a date"),
        PgKind.Bytea => v.AsBytes,
        _ => throw new InvalidOperationException($"no exact form for {kind}"),
    };

    private static Type ElementClrType(PgKind kind) => kind switch
    {
        PgKind.Int2 => typeof(short?),
        PgKind.Int4 => typeof(int?),
        PgKind.Int8 => typeof(long?),
        PgKind.Float4 => typeof(float?),
        PgKind.Float8 => typeof(double?),
        PgKind.Numeric => typeof(decimal?),
        PgKind.Bool => typeof(bool?),
        PgKind.Uuid => typeof(Guid?),
        PgKind.TimestampTz or PgKind.Timestamp => typeof(DateTime?),
        PgKind.Date => typeof(DateOnly?),
        PgKind.Bytea => typeof(byte[]),
        _ => typeof(string),
    };

    /// <summary>The exact .NET value and Npgsql type of a value that <see cref="Fits"/> (not null).</summary>
    internal static (object Value, NpgsqlDbType Type) Exact(MlValue v, PgType type)
    {
        if (!type.IsArray) return (ScalarClr(v, type.Kind), PgType.CopyType(type.Kind));
        var items = v.AsArray.AsSpan();
        var array = Array.CreateInstance(ElementClrType(type.Kind), items.Length);
        for (int i = 0; i < items.Length; i++)
            if (!items[i].IsNull) array.SetValue(ScalarClr(items[i], type.Kind), i);
        return (array, NpgsqlDbType.Array | PgType.CopyType(type.Kind));
    }

    /// <summary>
    /// The value and Npgsql type to bind: exact for the target column when it <see cref="Fits"/>,
    /// else the value's natural type (strings untyped when aimed at a column that is not text).
    /// </summary>
    internal (object Value, NpgsqlDbType? Type) ParameterValue(MlValue v, PgType? target)
    {
        if (v.IsNull) return (DBNull.Value, null);
        if (v.IsFunction || v.IsOpaque)
            throw new MlDbException(MlDbErrorIds.InvalidValue, MlDbErrorKind.InvalidData,
                $"A {v.TypeName} value cannot be stored in PostgreSQL{(target is null ? "" : $" (a {target.Name} column)")}.", v.TypeName);
        if (target is not null)
        {
            if (Fits(v, target))
            {
                if (target.Kind == PgKind.Text && !target.IsArray && !target.IsPlainText)
                    return ((string)ScalarClr(v, PgKind.Text), NpgsqlDbType.Unknown); // char(n), citext, name: keep the column's comparison rules
                var (value, type) = Exact(v, target);
                return (value, type);
            }
            if (v.IsString) return (v.AsString, NpgsqlDbType.Unknown);
            if (v.IsArray && target.IsArray) return (PgText.ArrayLiteral(v.AsArray), NpgsqlDbType.Unknown);
        }
        return Natural(v);
    }

    private static (object Value, NpgsqlDbType? Type) Natural(MlValue v)
    {
        switch (v.Kind)
        {
            case MlKind.Boolean: return (v.AsBool, NpgsqlDbType.Boolean);
            case MlKind.Int: return (v.AsInt, NpgsqlDbType.Bigint);
            case MlKind.Double: return (v.AsDouble, NpgsqlDbType.Double);
            case MlKind.Decimal: return (v.AsDecimal, NpgsqlDbType.Numeric);
            case MlKind.String: return (v.AsString, NpgsqlDbType.Text);
            case MlKind.Date: return (v.AsDateTime, NpgsqlDbType.TimestampTz);
            case MlKind.Bytes: return (v.AsBytes, NpgsqlDbType.Bytea);
            case MlKind.Array: return NaturalArray(v.AsArray);
            default: return (MlJson.Stringify(v, null)!, NpgsqlDbType.Jsonb);
        }
    }

    /// <summary>An array of one scalar kind (nulls allowed) → a typed array (bigint[], text[], …); anything else → jsonb.</summary>
    private static (object Value, NpgsqlDbType? Type) NaturalArray(MlArray array)
    {
        PgKind? kind = null;
        foreach (var item in array.AsSpan())
        {
            if (item.IsNull) continue;
            PgKind k = item.Kind switch
            {
                MlKind.Int => PgKind.Int8,
                MlKind.Double => PgKind.Float8,
                MlKind.Decimal => PgKind.Numeric,
                MlKind.String => PgKind.Text,
                MlKind.Boolean => PgKind.Bool,
                MlKind.Date => PgKind.TimestampTz,
                MlKind.Bytes => PgKind.Bytea,
                _ => PgKind.Other,
            };
            if (kind is null) kind = k;
            else if (kind != k)
            {
                if (kind is PgKind.Int8 && k is PgKind.Numeric or PgKind.Float8) kind = k;
                else if (!(kind is PgKind.Numeric or PgKind.Float8 && k is PgKind.Int8)) kind = PgKind.Other;
            }
        }
        if (kind is null) return ("{}", NpgsqlDbType.Unknown); // empty or all null: the server gives it the type the context needs
        if (kind == PgKind.Other) return (MlJson.Stringify(MlValue.FromArray(array), null)!, NpgsqlDbType.Jsonb);
        return Exact(MlValue.FromArray(array), PgType.FromDeclared(DeclaredNameOf(kind.Value) + "[]"));
    }

    private static string DeclaredNameOf(PgKind kind) => kind switch
    {
        PgKind.Int8 => "bigint",
        PgKind.Float8 => "double precision",
        PgKind.Numeric => "numeric",
        PgKind.Text => "text",
        PgKind.Bool => "boolean",
        PgKind.TimestampTz => "timestamp with time zone",
        PgKind.Bytea => "bytea",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public override DbParameter AddParameter(DbCommand command, string name, MlValue value, SqlColumnInfo? target)
    {
        var parameter = new NpgsqlParameter { ParameterName = name };
        SetParameter(parameter, value, target);
        command.Parameters.Add(parameter);
        return parameter;
    }

    public override void SetParameter(DbParameter parameter, MlValue value, SqlColumnInfo? target)
    {
        var p = (NpgsqlParameter)parameter;
        var (v, type) = ParameterValue(value, TargetType(target));
        // Setting the type, even to the one it has, makes Npgsql resolve the parameter's type
        // handling again (per record, for prepared commands reused across records): set it only
        // when it changes. The getter infers a type when none was set, so Unknown (for the server
        // to read the text) is always set; a null is untyped, to take its type from the context.
        if (type is not { } t) p.ResetDbType();
        else if (t == NpgsqlDbType.Unknown || p.NpgsqlDbType != t) p.NpgsqlDbType = t;
        p.Value = v;
    }

    // ---- binary COPY --------------------------------------------------------------------------

    /// <summary>Writes one value that <see cref="Fits"/> the column into the current COPY row (typed, no boxing for scalars).</summary>
    internal static void WriteCopy(NpgsqlBinaryImporter importer, MlValue v, PgType type)
    {
        if (v.IsNull)
        {
            importer.WriteNull();
            return;
        }
        if (type.IsArray)
        {
            var (array, dbType) = Exact(v, type);
            importer.Write<object>(array, dbType);
            return;
        }
        switch (type.Kind)
        {
            case PgKind.Int2: importer.Write((short)v.AsInt, NpgsqlDbType.Smallint); break;
            case PgKind.Int4: importer.Write((int)v.AsInt, NpgsqlDbType.Integer); break;
            case PgKind.Int8: importer.Write(v.AsInt, NpgsqlDbType.Bigint); break;
            case PgKind.Float4: importer.Write((float)ScalarClr(v, PgKind.Float4), NpgsqlDbType.Real); break;
            case PgKind.Float8: importer.Write(v.IsDouble ? v.AsDouble : (double)ScalarClr(v, PgKind.Float8), NpgsqlDbType.Double); break;
            case PgKind.Numeric: importer.Write(v.IsDecimal ? v.AsDecimal : (decimal)ScalarClr(v, PgKind.Numeric), NpgsqlDbType.Numeric); break;
            case PgKind.Bool: importer.Write(v.AsBool, NpgsqlDbType.Boolean); break;
            case PgKind.Text: importer.Write(v.IsString ? v.AsString : MlFormat.Str(v), NpgsqlDbType.Text); break;
            case PgKind.Json: importer.Write(Json(v), NpgsqlDbType.Json); break;
            case PgKind.Jsonb: importer.Write(Json(v), NpgsqlDbType.Jsonb); break;
            case PgKind.Uuid: importer.Write((Guid)ScalarClr(v, PgKind.Uuid), NpgsqlDbType.Uuid); break;
            case PgKind.TimestampTz: importer.Write(v.IsDate ? v.AsDateTime : (DateTime)ScalarClr(v, PgKind.TimestampTz), NpgsqlDbType.TimestampTz); break;
            case PgKind.Timestamp: importer.Write(new DateTime(v.AsDateTicks, DateTimeKind.Unspecified), NpgsqlDbType.Timestamp); break;
            case PgKind.Date: importer.Write((DateOnly)ScalarClr(v, PgKind.Date), NpgsqlDbType.Date); break;
            case PgKind.Bytea: importer.Write(v.AsBytes, NpgsqlDbType.Bytea); break;
            default: throw new InvalidOperationException($"COPY cannot write a {type.Name} value.");
        }
    }
}
