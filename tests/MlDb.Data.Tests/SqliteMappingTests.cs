using MlDb.Data.Processing;
using MlDb.Data.Sqlite;
using MlDb.Language;
using Xunit;
using static MlDb.Data.Tests.TestSupport;

namespace MlDb.Data.Tests;

/// <summary>The golden table of SQLite ⇄ ML mappings (README "Type mapping" documents the same rows).</summary>
public sealed class SqliteMappingTests
{
    // declared type, SQL literal stored, expected ML kind, expected ML text (str())
    public static TheoryData<string, string, MlKind, string> ReadCases => new()
    {
        { "INTEGER", "42", MlKind.Int, "42" },
        { "INTEGER", "-9223372036854775808", MlKind.Int, "-9223372036854775808" },
        { "REAL", "2.5", MlKind.Double, "2.5" },
        { "REAL", "3", MlKind.Double, "3.0" },
        { "TEXT", "'hello'", MlKind.String, "hello" },
        { "TEXT", "'2024-05-01T10:00:00Z'", MlKind.String, "2024-05-01T10:00:00Z" },
        { "BLOB", "x'0102ff'", MlKind.Bytes, "" },
        { "INTEGER", "NULL", MlKind.Null, "null" },
        { "BOOLEAN", "1", MlKind.Boolean, "true" },
        { "BOOLEAN", "0", MlKind.Boolean, "false" },
        { "DATETIME", "'2024-05-01 10:30:00'", MlKind.Date, "2024-05-01T10:30:00.000Z" },
        { "DATETIME", "'2024-05-01T10:30:00.123Z'", MlKind.Date, "2024-05-01T10:30:00.123Z" },
        { "TIMESTAMP", "'2024-05-01T12:30:00+02:00'", MlKind.Date, "2024-05-01T10:30:00.000Z" },
        { "DATE", "'2024-05-01'", MlKind.Date, "2024-05-01T00:00:00.000Z" },
        { "DATETIME", "'not a date'", MlKind.String, "not a date" },
        { "DATETIME", "1714557600", MlKind.Int, "1714557600" },
        { "DECIMAL(10,2)", "19.99", MlKind.Decimal, "19.99" },
        { "NUMERIC", "20", MlKind.Decimal, "20" },
        // NUMERIC affinity turns numeric text into REAL: beyond ~15-17 significant digits SQLite itself rounds
        { "NUMERIC", "'12345678901234567890.123'", MlKind.Decimal, "12345678901234567000" },
        { "TEXT", "'12345678901234567890.123'", MlKind.String, "12345678901234567890.123" },
        { "", "7", MlKind.Int, "7" },
        { "", "'x'", MlKind.String, "x" },
    };

    [Theory]
    [MemberData(nameof(ReadCases))]
    public void Reads_each_storage_and_declared_type(string declared, string literal, MlKind kind, string text)
    {
        using var db = Memory();
        Exec(db, $"CREATE TABLE t (v {declared})");
        Exec(db, $"INSERT INTO t (v) VALUES ({literal})");
        var flow = new SqlQueryFlow(db, FlowContext.Default);
        var row = flow.MlRows(new SqlQuerySpec { Table = "t" }).Single();
        var value = row.Get("v");
        Assert.Equal(kind, value.Kind);
        if (kind == MlKind.Date) Assert.Equal(text, MlFormat.IsoDate(value.AsDateTicks));
        else if (kind == MlKind.Bytes) Assert.Equal(new byte[] { 1, 2, 255 }, value.AsBytes);
        else Assert.Equal(text, value.ToString());

        // host values (rows streamed without ML) follow the same table
        var host = flow.Rows(new SqlQuerySpec { Table = "t" }).Single().Values[0];
        object? expected = kind switch
        {
            MlKind.Null => null,
            MlKind.Int => value.AsInt,
            MlKind.Double => value.AsDouble,
            MlKind.Decimal => value.AsDecimal,
            MlKind.String => value.AsString,
            MlKind.Boolean => value.AsBool,
            MlKind.Date => value.AsDateTime,
            MlKind.Bytes => value.AsBytes,
            _ => throw new InvalidOperationException(),
        };
        Assert.Equal(expected, host);
        if (host is DateTime dt) Assert.Equal(DateTimeKind.Utc, dt.Kind);
    }

    // ML value, declared column type, expected typeof() in SQLite, expected stored text (quote())
    public static TheoryData<string, string, string, string> WriteCases => new()
    {
        { "int", "INTEGER", "integer", "42" },
        { "double", "REAL", "real", "2.5" },
        { "bool-true", "BOOLEAN", "integer", "1" },
        { "bool-false", "INTEGER", "integer", "0" },
        { "string", "TEXT", "text", "'it''s'" },
        { "null", "TEXT", "null", "NULL" },
        { "bytes", "BLOB", "blob", "X'01FF'" },
        { "date", "DATETIME", "text", "'2024-05-01T10:30:00.123Z'" },
        { "decimal", "DECIMAL(10,2)", "real", "19.99" },
        { "decimal", "TEXT", "text", "'19.99'" },
        { "decimal", "REAL", "real", "19.99" },
        { "decimal-big", "NUMERIC", "real", "1.2345678901234567e+19" },
        { "decimal-big", "TEXT", "text", "'12345678901234567890.123'" },
        { "decimal-int", "INTEGER", "integer", "20" },
        { "object", "TEXT", "text", "'{\"a\":1,\"b\":[true,null]}'" },
        { "array", "", "text", "'[1,\"x\"]'" },
    };

    private static MlValue Sample(string name) => name switch
    {
        "int" => MlValue.FromInt(42),
        "double" => MlValue.FromDouble(2.5),
        "bool-true" => MlValue.True,
        "bool-false" => MlValue.False,
        "string" => MlValue.FromString("it's"),
        "null" => MlValue.Null,
        "bytes" => MlValue.FromBytes([1, 255]),
        "date" => MlValue.FromDate(new DateTime(2024, 5, 1, 10, 30, 0, 123, DateTimeKind.Utc)),
        "decimal" => MlValue.FromDecimal(19.99m),
        "decimal-big" => MlValue.FromDecimal(decimal.Parse("12345678901234567890.123", System.Globalization.CultureInfo.InvariantCulture)),
        "decimal-int" => MlValue.FromDecimal(20.00m),
        "object" => MlJson.Parse("{\"a\":1,\"b\":[true,null]}"),
        "array" => MlJson.Parse("[1,\"x\"]"),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(WriteCases))]
    public void Writes_each_ml_kind(string sample, string declared, string sqliteType, string quoted)
    {
        using var db = Memory();
        Exec(db, $"CREATE TABLE t (id INTEGER PRIMARY KEY, v {declared})");
        using (var inserter = new SqlRecordInserter(db, "t", null, FlowContext.Default))
            inserter.Insert(MlValue.FromObject(Obj(("v", Sample(sample)))));
        Assert.Equal(sqliteType, Scalar(db, "SELECT typeof(v) FROM t"));
        Assert.Equal(quoted, Scalar(db, "SELECT quote(v) FROM t"));
    }

    [Fact]
    public void Decimal_round_trips_exactly_through_a_numeric_column()
    {
        using var db = Memory();
        Exec(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, price DECIMAL(10,2))");
        using (var inserter = new SqlRecordInserter(db, "t", null, FlowContext.Default))
        {
            inserter.Insert(MlValue.FromObject(Obj(("price", MlValue.FromDecimal(19.99m)))));
            inserter.Insert(MlValue.FromObject(Obj(("price", MlValue.FromDecimal(0.01m)))));
        }
        var sum = Seedless("function total(d) { return d.rows.reduce(function(s, r) { return s + r.price; }, decimal(\"0\")); }");
        var result = new SqlQueryFlow(db, FlowContext.Default).Aggregate(new SqlQuerySpec { Sql = "SELECT price FROM t" }, new MlFunctionCall(sum, "total"));
        Assert.True(result.IsDecimal);
        Assert.Equal(20.00m, result.AsDecimal);
    }

    private static MlScript Seedless(string source) => Script(source);

    [Fact]
    public void Dates_bind_as_iso_text_that_compares_in_time_order()
    {
        using var db = Memory();
        Exec(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, at DATETIME)");
        using (var inserter = new SqlRecordInserter(db, "t", null, FlowContext.Default))
        {
            foreach (var day in new[] { 1, 5, 9 })
                inserter.Insert(MlValue.FromObject(Obj(("at", MlValue.FromDate(new DateTime(2024, 5, day, 0, 0, 0, DateTimeKind.Utc))))));
        }
        var parameters = Obj(("since", MlValue.FromDate(new DateTime(2024, 5, 4, 0, 0, 0, DateTimeKind.Utc))));
        var rows = Rows(db, "SELECT at FROM t WHERE at > @since ORDER BY at", parameters);
        Assert.Equal([new DateTime(2024, 5, 5, 0, 0, 0, DateTimeKind.Utc), new DateTime(2024, 5, 9, 0, 0, 0, DateTimeKind.Utc)], rows.Select(r => r.Values[0]));
    }

    [Fact]
    public void Functions_cannot_be_stored()
    {
        var script = Script("function f(x) { return {v: function() { return 1; }}; }");
        using var db = Memory();
        Exec(db, "CREATE TABLE t (v TEXT)");
        using var inserter = new SqlRecordInserter(db, "t", new MlFunctionCall(script, "f"), FlowContext.Default);
        var ex = Assert.Throws<MlRecordException>(() => inserter.Insert(MlValue.FromObject(new MlObject())));
        Assert.Contains("function", ex.Message);
        Assert.Equal(0L, Scalar(db, "SELECT count(*) FROM t"));
    }

    [Fact]
    public void Affinity_follows_sqlite_rules()
    {
        Assert.Equal("INTEGER", SqliteValueMapper.Affinity("BIGINT"));
        Assert.Equal("TEXT", SqliteValueMapper.Affinity("VARCHAR(20)"));
        Assert.Equal("BLOB", SqliteValueMapper.Affinity(""));
        Assert.Equal("REAL", SqliteValueMapper.Affinity("DOUBLE PRECISION"));
        Assert.Equal("NUMERIC", SqliteValueMapper.Affinity("DECIMAL(10,2)"));
        Assert.Equal("NUMERIC", SqliteValueMapper.Affinity("DATETIME"));
    }

    [Fact]
    public void Repeated_column_names_get_suffixes()
    {
        using var db = Memory();
        var row = Rows(db, "SELECT 1 AS id, 2 AS id, 3 AS id").Single();
        Assert.Equal(["id", "id_2", "id_3"], row.Columns.Names);
    }
}
