using System.Collections;
using System.Collections.Specialized;
using MlDb.Data.Processing;
using MlDb.Language;
using Xunit;
using static MlDb.Data.Tests.Postgres.Pg;

namespace MlDb.Data.Tests.Postgres;

/// <summary>
/// The golden table of the PostgreSQL type mapping, both ways: every row of the README's table is
/// read (as ML and as host values) and written (single INSERT with parameters, and a batch that goes
/// through binary COPY or multi-row INSERT) and read back as PostgreSQL prints it.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresMappingTests
{
    // ---- reading: SQL value → ML (typeName, str()) ----------------------------------------------

    public static TheoryData<string, string, string> ReadRows => new()
    {
        { "1::smallint", "int", "1" },
        { "'-2147483648'::integer", "int", "-2147483648" },
        { "1e40::numeric", "double", "1e+40" },
        { "'-Infinity'::numeric", "double", "-Infinity" },
        { "9007199254740993::bigint", "int", "9007199254740993" },
        { "19.99::real", "double", "19.99" },
        { "0.1::double precision", "double", "0.1" },
        { "'NaN'::double precision", "double", "NaN" },
        { "19.99::numeric(10,2)", "decimal", "19.99" },
        { "20.00::numeric", "decimal", "20.00" },
        { "12345678901234567890.123456789::numeric", "decimal", "12345678901234567890.123456789" },
        { "'NaN'::numeric", "double", "NaN" },
        { "12.50::money", "decimal", "12.50" },
        { "true", "boolean", "true" },
        { "'plain'::text", "string", "plain" },
        { "'abc'::varchar(10)", "string", "abc" },
        { "'ab'::char(4)", "string", "ab  " },
        { "'MiXeD'::citext", "string", "MiXeD" },
        { "'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'::uuid", "string", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11" },
        { "'2024-03-01 12:34:56.789+02'::timestamptz", "date", "2024-03-01T10:34:56.789Z" },
        { "'2024-03-01 12:34:56.789'::timestamp", "date", "2024-03-01T12:34:56.789Z" },
        { "'2024-03-01'::date", "date", "2024-03-01T00:00:00.000Z" },
        { "'12:30:00'::time", "string", "12:30:00" },
        { "'1 year 2 mons 3 days 04:05:06.5'::interval", "string", "1 year 2 mons 3 days 04:05:06.5" },
        { "'-1 days +02:00:00'::interval", "string", "-1 days +02:00:00" },
        { "'-00:00:01.25'::interval", "string", "-00:00:01.25" },
        { "'0'::interval", "string", "00:00:00" },
        { "'{\"b\": 1, \"a\": [true, null, 2.5, \"x\"]}'::json", "object", "{\"b\":1,\"a\":[true,null,2.5,\"x\"]}" },
        { "'{\"b\": 1, \"a\": {\"c\": []}}'::jsonb", "object", "{\"a\":{\"c\":[]},\"b\":1}" },
        { "'[1, \"two\"]'::jsonb", "array", "[1,\"two\"]" },
        { "ARRAY[1, NULL, 3]::integer[]", "array", "[1,null,3]" },
        { "ARRAY[['a', 'b'], ['c', NULL]]::text[]", "array", "[[\"a\",\"b\"],[\"c\",null]]" },
        { "ARRAY[1.50, 2]::numeric[]", "array", "[1.50,2]" },
        { "ARRAY['{\"x\": 1}'::jsonb, NULL]", "array", "[{\"x\":1},null]" },
        { "ARRAY['2024-03-01'::date]", "array", "[\"2024-03-01T00:00:00.000Z\"]" },
        { "ARRAY['1 mon'::interval]", "array", "[\"1 mon\"]" },
        { "ARRAY[true, false]", "array", "[true,false]" },
        { "'\\x00ff10'::bytea", "bytes", "AP8Q" },
        { "NULL::text", "null", "null" },
        { "NULL::integer[]", "null", "null" },
        { "'happy'::pg_temp.mood", "string", "happy" },
        { "5::pg_temp.posint", "int", "5" },
        { "'127.0.0.1'::inet", "string", "127.0.0.1" },
    };

    [PostgresTheory]
    [MemberData(nameof(ReadRows))]
    public void Reads_each_type_as_the_table_says(string sql, string typeName, string text)
    {
        using var db = new PgTestDb();
        var row = ReadOne(db, sql);
        var value = row.ValueAt(0);
        Assert.Equal(typeName, value.TypeName);
        Assert.Equal(text, MlFormat.Str(value));
    }

    private static MlObject ReadOne(PgTestDb db, string sql)
    {
        // pg_temp types live in the session: create them on the leased connection that runs the query.
        using var lease = db.Connection.Lease(default);
        using (var cmd = lease.CreateCommand("CREATE TYPE pg_temp.mood AS ENUM ('sad', 'happy'); CREATE DOMAIN pg_temp.posint AS integer CHECK (VALUE > 0)"))
            cmd.ExecuteNonQuery();
        ((Npgsql.NpgsqlConnection)lease.Connection).ReloadTypes();
        using var cmd2 = lease.CreateCommand("SELECT " + sql + " AS v");
        using var reader = cmd2.ExecuteReader();
        Assert.True(reader.Read());
        var columns = db.Connection.Mapper.Describe(reader);
        var values = new MlValue[1];
        return db.Connection.Mapper.ReadMlRow(reader, columns, values);
    }

    [PostgresFact]
    public void Host_values_are_long_double_decimal_string_bool_utc_dates_bytes_and_containers()
    {
        using var db = new PgTestDb();
        var row = Rows(db.Connection,
            "SELECT 1::smallint a, 2::int b, 3::bigint c, 1.5::real d, 2.5::float8 e, 19.99::numeric f, true g, 'x'::text h, " +
            "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid i, '2024-03-01 10:00+00'::timestamptz j, '2024-03-01'::date k, " +
            "'1 day'::interval l, '{\"k\": [1, 2]}'::jsonb m, ARRAY[1, NULL]::int[] n, '\\x01'::bytea o, NULL::text p").Single();
        var v = row.Values;
        Assert.Equal(1L, v[0]);
        Assert.Equal(2L, v[1]);
        Assert.Equal(3L, v[2]);
        Assert.Equal(1.5, v[3]);
        Assert.Equal(2.5, v[4]);
        Assert.Equal(19.99m, v[5]);
        Assert.Equal(true, v[6]);
        Assert.Equal("x", v[7]);
        Assert.Equal("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", v[8]);
        var j = Assert.IsType<DateTime>(v[9]);
        Assert.Equal(DateTimeKind.Utc, j.Kind);
        Assert.Equal(new DateTime(2024, 3, 1, 10, 0, 0, DateTimeKind.Utc), j);
        var k = Assert.IsType<DateTime>(v[10]);
        Assert.Equal(DateTimeKind.Utc, k.Kind);
        Assert.Equal("1 day", v[11]);
        var m = Assert.IsType<OrderedDictionary>(v[12]);
        Assert.Equal(new object?[] { 1L, 2L }, (object?[])m["k"]!);
        Assert.Equal(new object?[] { 1L, null }, (object?[])v[13]!);
        Assert.Equal(new byte[] { 1 }, v[14]);
        Assert.Null(v[15]);
        Assert.Equal(["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p"], row.Columns.Names);
    }

    [PostgresFact]
    public void A_type_that_cannot_be_read_is_a_clear_error_with_a_hint()
    {
        using var db = new PgTestDb();
        var ex = Assert.Throws<MlDbException>(() => MlRows(db.Connection, "SELECT txid_current_snapshot() AS snap"));
        Assert.Equal(MlDbErrorIds.ConversionFailed, ex.ErrorId);
        Assert.Equal("The column 'snap' has the PostgreSQL type txid_snapshot, which cannot be read; cast it in the query (for example snap::text).", ex.Message);
        Assert.Matches("^[0-9]+:[0-9]+:", (string)Value(db.Connection, "SELECT txid_current_snapshot()::text AS snap")!);
    }

    // ---- writing: ML value → column → PostgreSQL's text ---------------------------------------

    public static IEnumerable<object[]> WriteRows()
    {
        static object[] R(string type, string json, string expected, bool copy) => [type, json, expected, copy];
        // json: the ML value as JSON, with "$date:" / "$dec:" / "$bytes:" prefixes for kinds JSON lacks.
        yield return R("smallint", "7", "7", true);
        yield return R("integer", "-7", "-7", true);
        yield return R("bigint", "9007199254740993", "9007199254740993", true);
        yield return R("real", "19.99", "19.99", true);
        yield return R("double precision", "0.1", "0.1", true);
        yield return R("numeric(10,2)", "\"$dec:19.99\"", "19.99", true);
        yield return R("numeric(10,2)", "19.999", "20.00", true);
        yield return R("numeric", "5", "5", true);
        yield return R("boolean", "true", "true", true);
        yield return R("text", "\"o'Reilly\\\"; DROP TABLE x;--\"", "o'Reilly\"; DROP TABLE x;--", true);
        yield return R("text", "3.0", "3.0", true);
        yield return R("varchar(10)", "\"abc\"", "abc", true);
        yield return R("char(4)", "\"ab\"", "ab", true); // char(n)::text drops the padding; reading keeps it (see ReadRows)
        yield return R("citext", "\"MiXeD\"", "MiXeD", true);
        yield return R("uuid", "\"A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11\"", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", true);
        yield return R("timestamptz", "\"$date:2024-03-01T10:34:56.789Z\"", "2024-03-01 10:34:56.789+00", true);
        yield return R("timestamptz", "\"2024-03-01T12:34:56.789+02:00\"", "2024-03-01 10:34:56.789+00", true);
        yield return R("timestamptz", "\"now-ish: not ISO\"", "ERROR", false);
        yield return R("timestamp", "\"$date:2024-03-01T10:34:56.789Z\"", "2024-03-01 10:34:56.789", true);
        yield return R("date", "\"$date:2024-03-01T10:34:56.789Z\"", "2024-03-01", true);
        yield return R("date", "\"2024-03-01\"", "2024-03-01", true);
        yield return R("interval", "\"1 year 2 mons 3 days 04:05:06.5\"", "1 year 2 mons 3 days 04:05:06.5", false);
        yield return R("json", "{\"b\":1,\"a\":[true,null]}", "{\"b\":1,\"a\":[true,null]}", true);
        yield return R("jsonb", "{\"b\":1,\"a\":[true,null]}", "{\"a\": [true, null], \"b\": 1}", true);
        yield return R("jsonb", "\"{\\\"t\\\": 1}\"", "{\"t\": 1}", true);
        yield return R("jsonb", "[1,\"x\"]", "[1, \"x\"]", true);
        yield return R("integer[]", "[1,null,3]", "{1,NULL,3}", true);
        yield return R("text[]", "[\"a\",\"b c\",null]", "{a,\"b c\",NULL}", true);
        yield return R("integer[]", "[[1,2],[3,4]]", "{{1,2},{3,4}}", false);
        yield return R("numeric[]", "[1, \"$dec:2.50\"]", "{1,2.50}", true);
        yield return R("bytea", "\"$bytes:AP8=\"", "\\x00ff", true);
        yield return R("text", "null", "NULL", true);
        yield return R("integer", "\"42\"", "42", false);
    }

    private static MlValue FromJson(string json) => Decode(MlJson.Parse(json));

    private static MlValue Decode(MlValue v)
    {
        if (v.IsString)
        {
            string s = v.AsString;
            if (s.StartsWith("$date:", StringComparison.Ordinal)) return MlValue.FromDate(DateTime.Parse(s[6..], null, System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal));
            if (s.StartsWith("$dec:", StringComparison.Ordinal)) return MlValue.FromDecimal(decimal.Parse(s[5..], System.Globalization.CultureInfo.InvariantCulture));
            if (s.StartsWith("$bytes:", StringComparison.Ordinal)) return MlValue.FromBytes(Convert.FromBase64String(s[7..]));
            return v;
        }
        if (v.TryGetArray(out var a))
        {
            var r = new MlArray();
            foreach (var x in a.AsSpan()) r.Add(Decode(x));
            return MlValue.FromArray(r);
        }
        return v;
    }

    [PostgresTheory]
    [MemberData(nameof(WriteRows))]
    public void Writes_each_type_the_same_way_by_insert_and_by_batch(string type, string json, string expected, bool copy)
    {
        using var db = new PgTestDb();
        db.Exec($"CREATE TABLE t (id serial PRIMARY KEY, v {type})");
        var value = FromJson(json);

        // 1. one parameterized INSERT (Add-MlRecord without batches)
        string? single;
        using (var inserter = new SqlRecordInserter(db.Connection, "t", null, FlowContext.Default))
        {
            try
            {
                var outcome = inserter.Insert(MlValue.FromObject(Obj(("v", value))));
                Assert.Equal(1L, outcome.Key);
                single = (string?)db.Scalar("SELECT coalesce(v::text, 'NULL') FROM t WHERE id = 1");
            }
            catch (MlRecordException ex)
            {
                Assert.Equal(MlDbErrorIds.InsertFailed, ex.ErrorId);
                single = "ERROR";
            }
        }
        Assert.Equal(expected, single);

        // 2. a batch (binary COPY when the value has an exact form, else multi-row INSERT)
        var (context, log) = Logging();
        using (var batch = new SqlBatchInserter(db.Connection, "t", null, null, 10, context))
        {
            string? batched;
            try
            {
                batch.Add(MlValue.FromObject(Obj(("v", value))));
                var outcome = batch.Flush();
                Assert.Equal(1, outcome!.Inserted);
                batched = (string?)db.Scalar("SELECT coalesce(v::text, 'NULL') FROM t ORDER BY id DESC LIMIT 1");
            }
            catch (MlRecordException ex)
            {
                Assert.Equal(MlDbErrorIds.BatchFailed, ex.ErrorId);
                Assert.Contains("record 1 of the batch", ex.Message);
                batched = "ERROR";
            }
            Assert.Equal(expected, batched);
        }
        Assert.Contains(log, line => line.StartsWith(copy ? "COPY " : "INSERT INTO ", StringComparison.Ordinal));
    }

    [PostgresFact]
    public void Values_written_read_back_as_the_same_ML_values()
    {
        using var db = new PgTestDb();
        db.Exec("CREATE TABLE t (i int, b bigint, d double precision, m numeric(10,2), f boolean, s text, u uuid, ts timestamptz, dt date, j jsonb, a int[], by bytea, n text)");
        var when = new DateTime(2024, 3, 1, 10, 34, 56, 789, DateTimeKind.Utc);
        var json = MlJson.Parse("{\"k\":[1,2.5,\"x\",null,{\"z\":true}]}");
        var arr = new MlArray();
        arr.Add(1); arr.Add(MlValue.Null); arr.Add(3);
        var record = Obj(("i", 42), ("b", long.MaxValue), ("d", 0.1), ("m", 19.99m), ("f", true), ("s", "héllo"),
            ("u", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), ("ts", MlValue.FromDate(when)), ("dt", MlValue.FromDate(when.Date)),
            ("j", json), ("a", MlValue.FromArray(arr)), ("by", MlValue.FromBytes([0, 1, 255])), ("n", MlValue.Null));
        using (var batch = new SqlBatchInserter(db.Connection, "t", null, null, 100, FlowContext.Default))
        {
            batch.Add(MlValue.FromObject(record));
            batch.Flush();
        }
        using (var single = new SqlRecordInserter(db.Connection, "t", null, FlowContext.Default))
            single.Insert(MlValue.FromObject(record));
        var rows = MlRows(db.Connection, "SELECT * FROM t");
        Assert.Equal(2, rows.Count);
        foreach (var row in rows)
            Assert.Equal(MlJson.Stringify(MlValue.FromObject(record), null), MlJson.Stringify(MlValue.FromObject(row), null));
        Assert.Equal("decimal", rows[0].Get("m").TypeName);
        Assert.Equal("date", rows[0].Get("ts").TypeName);
        Assert.Equal("bytes", rows[0].Get("by").TypeName);
    }

    // ---- parameters without a target column ----------------------------------------------------

    public static TheoryData<string, string> ParameterRows => new()
    {
        { "42", "bigint" },
        { "0.5", "double precision" },
        { "\"$dec:19.99\"", "numeric" },
        { "\"text\"", "text" },
        { "true", "boolean" },
        { "\"$date:2024-03-01T00:00:00Z\"", "timestamp with time zone" },
        { "\"$bytes:AQI=\"", "bytea" },
        { "{\"a\":1}", "jsonb" },
        { "[1,2,null]", "bigint[]" },
        { "[1,\"$dec:2.5\"]", "numeric[]" },
        { "[\"a\",\"b\"]", "text[]" },
        { "[1,\"a\"]", "jsonb" },
    };

    [PostgresTheory]
    [MemberData(nameof(ParameterRows))]
    public void Parameters_get_the_type_that_fits_the_value(string json, string pgType)
    {
        using var db = new PgTestDb();
        var p = Obj(("p", FromJson(json)));
        Assert.Equal(pgType, Value(db.Connection, "SELECT pg_typeof(@p)::text", p));
        // and the value survives the trip
        var back = MlRows(db.Connection, "SELECT @p AS v", p).Single().Get("v");
        Assert.Equal(MlFormat.Str(FromJson(json)), MlFormat.Str(back));
    }

    [PostgresFact]
    public void A_null_parameter_and_an_empty_array_take_their_type_from_the_context()
    {
        using var db = new PgTestDb();
        Assert.Equal(true, Value(db.Connection, "SELECT @p::int IS NULL", Obj(("p", MlValue.Null))));
        Assert.Equal(0L, Value(db.Connection, "SELECT count(*) FROM generate_series(1, 3) g WHERE g = ANY(@ids)", Obj(("ids", MlValue.FromArray(new MlArray())))));
        var ids = new MlArray();
        ids.Add(1); ids.Add(3);
        Assert.Equal(2L, Value(db.Connection, "SELECT count(*) FROM generate_series(1, 3) g WHERE g = ANY(@ids)", Obj(("ids", MlValue.FromArray(ids)))));
    }
}
