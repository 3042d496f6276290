using MlDb.Data.Processing;
using MlDb.Language;
using Xunit;
using static MlDb.Data.Tests.TestSupport;

namespace MlDb.Data.Tests;

public sealed class QueryFlowTests
{
    private static SqliteUsers Users() => new();

    private sealed class SqliteUsers : IDisposable
    {
        public SqliteUsers()
        {
            Db = Memory();
            Exec(Db, UsersTable);
            Exec(Db, "INSERT INTO users (name, email, age) VALUES ('Ann', 'ann@example.com', 31), ('Bob', 'bob@example.org', 45), ('Cy', 'cy@example.com', 22)");
        }

        public Sqlite.SqliteMlConnection Db { get; }

        public void Dispose() => Db.Dispose();
    }

    [Fact]
    public void Streams_rows_as_host_values_in_column_order()
    {
        using var u = Users();
        var rows = Rows(u.Db, "SELECT * FROM users ORDER BY id");
        Assert.Equal(3, rows.Count);
        Assert.Equal(["id", "name", "email", "age"], rows[0].Columns.Names);
        Assert.Equal(new object?[] { 1L, "Ann", "ann@example.com", 31L }, rows[0].Values);
        Assert.Same(rows[0].Columns, rows[2].Columns);
    }

    [Fact]
    public void Seed_processUsers_aggregates_rows_and_count()
    {
        using var u = Users();
        var flow = new SqlQueryFlow(u.Db, FlowContext.Default);
        var query = new SqlQuerySpec { Sql = "SELECT * FROM users WHERE age > @age", Parameters = Obj(("age", 25)) };
        var result = flow.Aggregate(query, new MlFunctionCall(Seed("db_processors.ml"), "processUsers")).AsObject;
        Assert.Equal(2, result.Get("total_users").AsInt);
        Assert.Equal(38.0, result.Get("average_age").AsDouble);
        var domains = result.Get("domains").AsObject;
        Assert.Equal(1, domains.Get("example.com").AsInt);
        Assert.Equal(1, domains.Get("example.org").AsInt);
        Assert.Equal(2, result.Get("users").AsArray.Count);
    }

    [Fact]
    public void Aggregate_after_table_passes_items()
    {
        using var db = Memory();
        Exec(db, "CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT, price REAL, stock INTEGER)");
        Exec(db, "INSERT INTO products (name, price, stock) VALUES ('Widget', 9.5, 5), ('Gadget', 30, 50), ('Gizmo', 80, 3)");
        var flow = new SqlQueryFlow(db, FlowContext.Default);
        var result = flow.Aggregate(new SqlQuerySpec { Table = "products" }, new MlFunctionCall(Seed("orm_processors.ml"), "analyzeProducts")).AsObject;
        Assert.Equal(3, result.Get("total_products").AsInt);
        Assert.Equal(2, result.Get("low_stock_count").AsInt);
        var ranges = result.Get("price_distribution").AsObject;
        Assert.Equal(new[] { "budget", "mid", "premium" }, ranges.Keys);
        Assert.Equal(1, ranges.Get("budget").AsInt);
        Assert.Equal(1, ranges.Get("mid").AsInt);
        Assert.Equal(1, ranges.Get("premium").AsInt);
    }

    [Fact]
    public void Table_filter_and_limit_build_a_validated_query()
    {
        using var u = Users();
        var flow = new SqlQueryFlow(u.Db, FlowContext.Default);
        var rows = flow.Rows(new SqlQuerySpec { Table = "USERS", Filter = Obj(("Email", "bob@example.org")) }).ToList();
        Assert.Equal("Bob", Assert.Single(rows).Values[1]);
        Assert.Equal(2, flow.Rows(new SqlQuerySpec { Table = "users", Limit = 2 }).Count());
        Assert.Empty(flow.Rows(new SqlQuerySpec { Table = "users", Filter = Obj(("age", MlValue.Null)) }));
    }

    [Fact]
    public void Unknown_table_or_column_is_a_clear_error()
    {
        using var u = Users();
        var flow = new SqlQueryFlow(u.Db, FlowContext.Default);
        var t = Assert.Throws<MlDbException>(() => flow.Rows(new SqlQuerySpec { Table = "nope" }).ToList());
        Assert.Equal(MlDbErrorIds.InvalidIdentifier, t.ErrorId);
        Assert.Contains("'nope'", t.Message);
        var c = Assert.Throws<MlDbException>(() => flow.Rows(new SqlQuerySpec { Table = "users", Filter = Obj(("nope", 1)) }).ToList());
        Assert.Equal(MlDbErrorIds.InvalidIdentifier, c.ErrorId);
        Assert.Contains("id, name, email, age", c.Message);
    }

    [Fact]
    public void Per_row_calls_once_per_row_and_null_filters()
    {
        using var u = Users();
        var script = Script("function older(u) { if (u.age < 30) { return null; } return {name: u.name, next: u.age + 1}; }");
        var flow = new SqlQueryFlow(u.Db, FlowContext.Default);
        var results = flow.PerRow(new SqlQuerySpec { Sql = "SELECT * FROM users ORDER BY id" }, new MlFunctionCall(script, "older")).ToList();
        Assert.Equal(["Ann", "Bob"], results.Select(r => r.AsObject.Get("name").AsString));
        Assert.Equal(32, results[0].AsObject.Get("next").AsInt);
    }

    [Fact]
    public void Per_row_streams_without_buffering()
    {
        using var db = Memory();
        var script = Script("function f(r) { return r.n; }");
        var flow = new SqlQueryFlow(db, FlowContext.Default);
        var query = new SqlQuerySpec { Sql = "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s) SELECT n FROM s" };
        // an endless result: only streaming can give the first rows
        Assert.Equal([1L, 2L, 3L], flow.PerRow(query, new MlFunctionCall(script, "f")).Take(3).Select(v => v.AsInt));
    }

    [Fact]
    public void Seed_optimizeQuery_caps_the_limit_parameter()
    {
        using var db = Memory();
        var flow = new SqlQueryFlow(db, FlowContext.Default);
        var fn = new MlFunctionCall(Seed("query_optimization.ml"), "optimizeQuery");
        var bound = flow.ApplyParameterFunction(Obj(("limit", 5000), ("status", "open")), fn);
        Assert.Equal(1000, bound.Get("limit").AsInt);
        Assert.Equal("open", bound.Get("status").AsString);
        var rows = flow.Rows(new SqlQuerySpec { Sql = "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s) SELECT n FROM s LIMIT @limit", Parameters = bound }).Count();
        Assert.Equal(1000, rows);
    }

    [Fact]
    public void Parameter_names_accept_markers_and_reject_junk()
    {
        using var u = Users();
        Assert.Single(Rows(u.Db, "SELECT * FROM users WHERE name = :n", Obj(("@n", "Ann"))));
        Assert.Single(Rows(u.Db, "SELECT * FROM users WHERE name = $n", Obj(("n", "Ann"))));
        var ex = Assert.Throws<MlDbException>(() => Rows(u.Db, "SELECT 1", Obj(("a; DROP TABLE users", 1))));
        Assert.Equal(MlDbErrorIds.InvalidArgument, ex.ErrorId);
        Assert.Equal(3L, Scalar(u.Db, "SELECT count(*) FROM users"));
    }

    [Theory]
    [InlineData("x'; DROP TABLE users; --")]
    [InlineData("\" OR 1=1 --")]
    [InlineData("Robert'); DELETE FROM users; --")]
    public void Injection_strings_in_values_are_only_data(string evil)
    {
        using var u = Users();
        Assert.Empty(Rows(u.Db, "SELECT * FROM users WHERE name = @name", Obj(("name", evil))));
        var flow = new SqlQueryFlow(u.Db, FlowContext.Default);
        Assert.Empty(flow.Rows(new SqlQuerySpec { Table = "users", Filter = Obj(("name", evil)) }));
        using (var inserter = new SqlRecordInserter(u.Db, "users", null, FlowContext.Default))
            inserter.Insert(MlValue.FromObject(Obj(("name", evil), ("email", evil))));
        Assert.Equal(evil, Rows(u.Db, "SELECT name FROM users WHERE id = 4").Single().Values[0]);
        Assert.Equal(4L, Scalar(u.Db, "SELECT count(*) FROM users"));
    }

    [Theory]
    [InlineData("users; DROP TABLE users")]
    [InlineData("users\" WHERE 1=1; DROP TABLE users; --")]
    [InlineData("sqlite_master")]
    public void Injection_strings_in_identifiers_do_nothing(string evil)
    {
        using var u = Users();
        var flow = new SqlQueryFlow(u.Db, FlowContext.Default);
        var ex = Assert.ThrowsAny<MlDbException>(() => flow.Rows(new SqlQuerySpec { Table = "users", Filter = Obj((evil, 1)) }).ToList());
        Assert.Equal(MlDbErrorIds.InvalidIdentifier, ex.ErrorId);
        if (evil != "sqlite_master")
            Assert.Equal(MlDbErrorIds.InvalidIdentifier, Assert.ThrowsAny<MlDbException>(() => flow.Rows(new SqlQuerySpec { Table = evil }).ToList()).ErrorId);
        using (var inserter = new SqlRecordInserter(u.Db, "users", null, FlowContext.Default))
            Assert.Throws<MlRecordException>(() => inserter.Insert(MlValue.FromObject(Obj(("name", "x"), ("email", "y"), (evil, 1)))));
        Assert.Equal(3L, Scalar(u.Db, "SELECT count(*) FROM users"));
    }

    [Fact]
    public void Quoting_handles_odd_but_real_identifiers()
    {
        using var db = Memory();
        Exec(db, "CREATE TABLE \"my \"\"odd\"\" table\" (\"select\" TEXT, \"a b\" INTEGER)");
        using (var inserter = new SqlRecordInserter(db, "my \"odd\" table", null, FlowContext.Default))
            inserter.Insert(MlValue.FromObject(Obj(("select", "x"), ("a b", 2))));
        var row = new SqlQueryFlow(db, FlowContext.Default).Rows(new SqlQuerySpec { Table = "my \"odd\" table", Filter = Obj(("a b", 2)) }).Single();
        Assert.Equal(new object?[] { "x", 2L }, row.Values);
    }

    [Fact]
    public void Timeout_interrupts_a_long_query_with_its_own_error()
    {
        using var db = Memory();
        var flow = new SqlQueryFlow(db, new FlowContext { CommandTimeout = TimeSpan.FromMilliseconds(300) });
        var query = new SqlQuerySpec { Sql = "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s) SELECT count(*) FROM s" };
        var started = DateTime.UtcNow;
        var ex = Assert.Throws<MlDbException>(() => flow.Rows(query).ToList());
        Assert.Equal(MlDbErrorIds.CommandTimeout, ex.ErrorId);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Cancellation_interrupts_a_long_query()
    {
        using var db = Memory();
        using var cts = new CancellationTokenSource(300);
        var flow = new SqlQueryFlow(db, new FlowContext { CancellationToken = cts.Token });
        var query = new SqlQuerySpec { Sql = "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s) SELECT count(*) FROM s" };
        Assert.ThrowsAny<OperationCanceledException>(() => flow.Rows(query).ToList());
    }

    [Fact]
    public void Cancellation_reaches_the_interpreter()
    {
        using var db = Memory();
        using var cts = new CancellationTokenSource(300);
        var script = Script("function spin(d) { let i = 0; while (true) { i = i + 1; } }");
        var flow = new SqlQueryFlow(db, new FlowContext { CancellationToken = cts.Token });
        var fn = new MlFunctionCall(script, "spin", new MlCallOptions { CancellationToken = cts.Token });
        var ex = Assert.Throws<MlScriptException>(() => flow.Aggregate(new SqlQuerySpec { Sql = "SELECT 1" }, fn));
        Assert.True(ex.IsCancellation);
    }

    [Fact]
    public void Unknown_function_is_reported_with_the_known_ones()
    {
        var ex = Assert.Throws<MlDbException>(() => new MlFunctionCall(Seed("db_processors.ml"), "nope"));
        Assert.Equal(MlDbErrorIds.UnknownFunction, ex.ErrorId);
        Assert.Contains("processUsers, validateUser", ex.Message);
    }

    [Fact]
    public void Logs_sql_without_values()
    {
        using var u = Users();
        var log = new List<string>();
        var flow = new SqlQueryFlow(u.Db, new FlowContext { Log = log.Add });
        flow.Rows(new SqlQuerySpec { Sql = "SELECT * FROM users WHERE name = @secret", Parameters = Obj(("secret", "hunter2")) }).ToList();
        Assert.Contains(log, l => l.Contains("SELECT * FROM users WHERE name = @secret"));
        Assert.DoesNotContain(log, l => l.Contains("hunter2"));
    }
}
