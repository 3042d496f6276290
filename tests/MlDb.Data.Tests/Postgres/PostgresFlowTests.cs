using System.Diagnostics;
using System.Net;
using MlDb.Data.Processing;
using MlDb.Language;
using Npgsql;
using Xunit;
using static MlDb.Data.Tests.Postgres.Pg;

namespace MlDb.Data.Tests.Postgres;

/// <summary>The query, insert, batch and transaction flows against a real PostgreSQL server.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresFlowTests
{
    private const string OrdersTable =
        "CREATE TABLE orders (id serial PRIMARY KEY, customer text NOT NULL, status text NOT NULL, total numeric(10,2) NOT NULL, created_at timestamptz NOT NULL)";

    private const string ProductsTable =
        "CREATE TABLE products (id serial PRIMARY KEY, product text NOT NULL, quantity integer NOT NULL, price numeric(10,2) NOT NULL, created_at timestamptz, processed boolean DEFAULT false)";

    [PostgresFact]
    public void Seed_processOrders_over_last_weeks_orders_with_a_DateTime_parameter()
    {
        using var db = new PgTestDb();
        db.Exec(OrdersTable);
        db.Exec("""
            INSERT INTO orders (customer, status, total, created_at) VALUES
              ('ann', 'shipped', 19.99, now() - interval '1 day'),
              ('bob', 'shipped', 0.01, now() - interval '2 days'),
              ('cyd', 'pending', 100.10, now() - interval '6 days 23 hours'),
              ('dan', 'cancelled', 5.00, now() - interval '3 hours'),
              ('old', 'shipped', 999.99, now() - interval '8 days'),
              ('old', 'pending', 1.00, now() - interval '30 days')
            """);
        var since = DateTime.UtcNow.AddDays(-7);
        var fn = new MlFunctionCall(Seed("postgres_processors.ml"), "processOrders");
        var result = new SqlQueryFlow(db.Connection, FlowContext.Default).Aggregate(
            new SqlQuerySpec { Sql = "SELECT * FROM orders WHERE created_at > @since", Parameters = Obj(("since", Host(since))) }, fn);
        var r = result.AsObject;
        Assert.Equal(4L, r.Get("total_orders").AsInt);
        Assert.Equal("decimal", r.Get("total_revenue").TypeName);
        Assert.Equal(125.10m, r.Get("total_revenue").AsDecimal);
        Assert.Equal("125.10", MlFormat.Str(r.Get("total_revenue")));
        Assert.Equal(125.10 / 4, r.Get("average_order").AsDouble, 10);
        var byStatus = r.Get("by_status").AsObject;
        Assert.Equal(["shipped", "pending", "cancelled"], byStatus.Keys);
        Assert.Equal(2L, byStatus.Get("shipped").AsObject.Get("count").AsInt);
        Assert.Equal("20.00", MlFormat.Str(byStatus.Get("shipped").AsObject.Get("revenue")));
        Assert.Equal("100.10", MlFormat.Str(byStatus.Get("pending").AsObject.Get("revenue")));
    }

    [PostgresFact]
    public void Seed_processRecords_batch_insert_goes_in_by_binary_COPY()
    {
        using var db = new PgTestDb();
        db.Exec(ProductsTable);
        var fn = new MlFunctionCall(Seed("postgres_processors.ml"), "processRecords");
        var (context, log) = Logging();
        var before = DateTime.UtcNow.AddSeconds(-5);
        using (var batch = new SqlBatchInserter(db.Connection, "products", null, fn, 1000, context))
        {
            Assert.Null(batch.Add(Host(new Dictionary<string, object?> { ["product"] = "Widget", ["quantity"] = 10, ["price"] = 29.99 })));
            Assert.Null(batch.Add(Host(new Dictionary<string, object?> { ["product"] = "Gadget", ["quantity"] = 5, ["price"] = 49.99 })));
            var outcome = batch.Flush()!;
            Assert.Equal(2, outcome.Inserted);
        }
        Assert.Contains(log, l => l.StartsWith("COPY ", StringComparison.Ordinal) && l.Contains("(\"product\", \"quantity\", \"price\", \"created_at\", \"processed\")") && l.Contains("binary"));
        Assert.Contains("BEGIN  -- batch 1 of products, 2 records", log);
        Assert.Contains("COMMIT  -- batch 1: 2 inserted, 0 updated, 0 ignored", log);
        var rows = MlRows(db.Connection, "SELECT product, quantity, price, created_at, processed FROM products ORDER BY id");
        Assert.StartsWith("{\"product\":\"Widget\",\"quantity\":10,\"price\":29.99,\"created_at\":", MlJson.Stringify(MlValue.FromObject(rows[0]), null));
        Assert.Equal("49.99", MlFormat.Str(rows[1].Get("price")));
        Assert.True(rows[1].Get("processed").AsBool);
        var created = rows[0].Get("created_at").AsDateTime;
        Assert.InRange(created, before, DateTime.UtcNow.AddSeconds(5));
    }

    [PostgresFact]
    public void Money_is_summed_exactly_through_an_ML_aggregate()
    {
        using var db = new PgTestDb();
        db.Exec("CREATE TABLE payments (amount numeric(12,2) NOT NULL)");
        db.Exec("INSERT INTO payments VALUES (19.99), (0.01)");
        var fn = new MlFunctionCall(Script("function total(d) { return d.rows.reduce(function(s, r) { return s + r.amount; }, 0); }"), "total");
        var sum = new SqlQueryFlow(db.Connection, FlowContext.Default).Aggregate(new SqlQuerySpec { Sql = "SELECT amount FROM payments" }, fn);
        Assert.Equal("decimal", sum.TypeName);
        Assert.Equal("20.00", MlFormat.Str(sum));
        // and written back exactly
        using (var inserter = new SqlRecordInserter(db.Connection, "payments", null, FlowContext.Default))
            inserter.Insert(MlValue.FromObject(Obj(("amount", sum))));
        Assert.Equal(20.00m, db.Scalar("SELECT amount FROM payments WHERE amount > 19.99"));
        Assert.Equal("20.00", db.Scalar("SELECT max(amount)::text FROM payments"));
    }

    [PostgresFact]
    public void A_batch_of_10000_with_one_NOT_NULL_violation_is_absent_and_the_error_names_the_record()
    {
        using var db = new PgTestDb();
        db.Exec(ProductsTable);
        var (context, log) = Logging();
        var errors = new List<MlRecordException>();
        var outcomes = new List<BatchOutcome>();
        using (var batch = new SqlBatchInserter(db.Connection, "products", null, null, 10_000, context))
        {
            for (int i = 0; i < 30_000; i++)
            {
                var record = new Dictionary<string, object?> { ["product"] = i == 17_320 ? null : "p" + i, ["quantity"] = i, ["price"] = 1.25m };
                try
                {
                    if (batch.Add(Host(record)) is { } o) outcomes.Add(o);
                }
                catch (MlRecordException ex)
                {
                    errors.Add(ex);
                }
            }
            if (batch.Flush() is { } last) outcomes.Add(last);
        }
        var error = Assert.Single(errors);
        Assert.Equal(MlDbErrorIds.BatchFailed, error.ErrorId);
        Assert.StartsWith("Batch 2 (records 10001-20000) was not inserted: record 7321 of the batch failed:", error.Message);
        Assert.Contains("null value in column \"product\"", error.Message);
        Assert.EndsWith("the whole batch was rolled back", error.Message);
        Assert.Equal(10_000, error.RecordIndex);
        Assert.Equal([1, 3], outcomes.Select(o => o.BatchNumber));
        Assert.Equal(20_000L, db.Count("products"));
        Assert.Equal(0L, Convert.ToInt64(db.Scalar("SELECT count(*) FROM products WHERE quantity BETWEEN 10000 AND 19999")));
        Assert.Equal(3, log.Count(l => l.StartsWith("COPY ", StringComparison.Ordinal)));
    }

    [PostgresFact]
    public void A_batch_with_a_value_COPY_cannot_write_goes_in_by_multi_row_INSERT_and_a_bad_one_is_named()
    {
        using var db = new PgTestDb();
        db.Exec(ProductsTable);
        var (context, log) = Logging();
        MlRecordException? error = null;
        using (var batch = new SqlBatchInserter(db.Connection, "products", null, null, 10_000, context))
        {
            for (int i = 0; i < 10_000; i++)
            {
                // strings into an integer column: the server reads them; "lots" it cannot
                object quantity = i == 4_242 ? "lots" : (i % 2 == 0 ? i.ToString(System.Globalization.CultureInfo.InvariantCulture) : i);
                try
                {
                    batch.Add(Host(new Dictionary<string, object?> { ["product"] = "p" + i, ["quantity"] = quantity, ["price"] = 2m }));
                }
                catch (MlRecordException ex)
                {
                    error = ex;
                }
            }
            Assert.NotNull(error);
        }
        Assert.Equal(MlDbErrorIds.BatchFailed, error!.ErrorId);
        Assert.StartsWith("Batch 1 (records 1-10000) was not inserted: record 4243 of the batch failed:", error.Message);
        // the server's reason, without the value (class 22 messages quote it)
        Assert.Contains("invalid input syntax for type integer: \"…\" [SQLSTATE 22P02]", error.Message);
        Assert.DoesNotContain("lots", error.Message);
        Assert.Equal(0L, db.Count("products"));
        Assert.Contains(log, l => l.StartsWith("INSERT INTO ", StringComparison.Ordinal) && l.Contains("multi-row INSERTs of up to 500") && l.Contains("record 1 has a string for the integer column \"quantity\""));

        // the same batch without the bad record goes in
        using (var batch = new SqlBatchInserter(db.Connection, "products", null, null, 10_000, context))
        {
            BatchOutcome? outcome = null;
            for (int i = 0; i < 10_000; i++)
                outcome = batch.Add(Host(new Dictionary<string, object?> { ["product"] = "p" + i, ["quantity"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture), ["price"] = 2m }));
            Assert.Equal(10_000, outcome!.Inserted);
        }
        Assert.Equal(49_995_000L, Convert.ToInt64(db.Scalar("SELECT sum(quantity) FROM products")));
    }

    [PostgresFact]
    public void Records_with_different_columns_in_one_batch_are_all_written_in_order()
    {
        using var db = new PgTestDb();
        db.Exec(ProductsTable);
        using (var batch = new SqlBatchInserter(db.Connection, "products", null, null, 100, FlowContext.Default))
        {
            batch.Add(MlValue.FromObject(Obj(("product", "a"), ("quantity", 1), ("price", 1m))));
            batch.Add(MlValue.FromObject(Obj(("product", "b"), ("quantity", 2), ("price", 1m), ("processed", true))));
            batch.Add(MlValue.FromObject(Obj(("quantity", 3), ("product", "c"), ("price", 1m))));
            Assert.Equal(3, batch.Flush()!.Inserted);
        }
        var rows = Rows(db.Connection, "SELECT product, processed FROM products ORDER BY id");
        Assert.Equal(["a", "b", "c"], rows.Select(r => (string)r.Values[0]!));
        Assert.Equal([false, true, false], rows.Select(r => (bool)r.Values[1]!));
    }

    [PostgresFact]
    public void A_failing_operation_in_a_transaction_rolls_back_the_others()
    {
        using var db = new PgTestDb();
        db.Exec("CREATE TABLE accounts (id integer PRIMARY KEY, owner text NOT NULL, balance numeric(12,2) NOT NULL CHECK (balance >= 0))");
        db.Exec("INSERT INTO accounts VALUES (1, 'ann', 100.00), (2, 'bob', 50.00)");
        string before = (string)db.Scalar("SELECT string_agg(id || ':' || owner || ':' || balance, ',' ORDER BY id) FROM accounts")!;
        var ops = (MlArray)MlHostConverter.Default.ToMl(new object[]
        {
            new Dictionary<string, object?> { ["type"] = "update", ["table"] = "accounts", ["id"] = 1, ["values"] = new Dictionary<string, object?> { ["balance"] = 70.00m } },
            new Dictionary<string, object?> { ["type"] = "insert", ["table"] = "accounts", ["values"] = new Dictionary<string, object?> { ["id"] = 3, ["owner"] = "cyd", ["balance"] = 30.00m } },
            new Dictionary<string, object?> { ["type"] = "delete", ["table"] = "accounts", ["id"] = 2 },
            new Dictionary<string, object?> { ["type"] = "update", ["table"] = "accounts", ["id"] = 3, ["values"] = new Dictionary<string, object?> { ["balance"] = -1m } },
        }).AsArray;
        var (context, log) = Logging();
        var ex = Assert.Throws<MlDbException>(() => new SqlTransactionFlow(db.Connection, context).Run(ops, null));
        Assert.Equal(MlDbErrorIds.TransactionFailed, ex.ErrorId);
        Assert.Contains("operation 4 (update accounts where id = 3) failed", ex.Message);
        Assert.Contains("accounts_balance_check", ex.Message);
        Assert.Contains("ROLLBACK", log);
        Assert.Equal(before, db.Scalar("SELECT string_agg(id || ':' || owner || ':' || balance, ',' ORDER BY id) FROM accounts"));

        // the valid part alone commits
        var valid = new MlArray();
        for (int i = 0; i < 3; i++) valid.Add(ops[i]);
        var outcome = new SqlTransactionFlow(db.Connection, FlowContext.Default).Run(valid, new MlFunctionCall(Seed("transaction_validators.ml"), "validateTransaction"));
        Assert.Equal((3, 3L), (outcome.Operations, outcome.Affected));
        Assert.Equal("1:ann:70.00,3:cyd:30.00", db.Scalar("SELECT string_agg(id || ':' || owner || ':' || balance, ',' ORDER BY id) FROM accounts"));
    }

    [PostgresFact]
    public void Four_threads_share_one_named_connection_for_1000_queries_each()
    {
        using var db = new PgTestDb("Maximum Pool Size=4");
        db.Exec("CREATE TABLE numbers (n integer PRIMARY KEY)");
        db.Exec("INSERT INTO numbers SELECT g FROM generate_series(1, 100) g");
        var fn = new MlFunctionCall(Script("function sum(d) { return d.rows.reduce(function(s, r) { return s + r.n; }, 0); }"), "sum");
        var errors = new System.Collections.Concurrent.ConcurrentBag<Exception>();
        var threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
        {
            try
            {
                var flow = new SqlQueryFlow(db.Connection, FlowContext.Default);
                for (int i = 0; i < 1000; i++)
                {
                    int limit = 1 + (i + t) % 100;
                    var result = flow.Aggregate(new SqlQuerySpec { Sql = "SELECT n FROM numbers WHERE n <= @limit", Parameters = Obj(("limit", limit)) }, fn);
                    if (result.AsInt != (long)limit * (limit + 1) / 2) throw new InvalidOperationException($"thread {t} query {i}: {result}");
                }
            }
            catch (Exception ex)
            {
                errors.Add(ex);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.Empty(errors);
    }

    [PostgresFact]
    public void Injection_strings_in_values_and_identifiers_do_nothing()
    {
        using var db = new PgTestDb();
        db.Exec("CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL)");
        db.Exec("CREATE TABLE \"we\"\"ird; name\" (id serial PRIMARY KEY, \"co\"\"l\" text)");
        string[] evil = ["'; DROP TABLE users; --", "\"); DELETE FROM users; --", "$$; DROP TABLE users; $$", "@name", ":name", "\\'", "Robert'); DROP TABLE students;--"];
        using (var inserter = new SqlRecordInserter(db.Connection, "users", null, FlowContext.Default))
            foreach (var e in evil) inserter.Insert(MlValue.FromObject(Obj(("name", e))));
        using (var batch = new SqlBatchInserter(db.Connection, "users", null, null, 100, FlowContext.Default))
        {
            foreach (var e in evil) batch.Add(MlValue.FromObject(Obj(("name", e))));
            batch.Flush();
        }
        Assert.Equal(evil.Length * 2L, db.Count("users"));
        foreach (var e in evil)
        {
            var rows = Rows(db.Connection, "SELECT count(*) FROM users WHERE name = @v", Obj(("v", e)));
            Assert.Equal(2L, rows.Single().Values[0]);
            var table = new SqlQueryFlow(db.Connection, FlowContext.Default).Rows(new SqlQuerySpec { Table = "users", Filter = Obj(("name", e)) }).ToList();
            Assert.Equal(2, table.Count);
        }

        var flow = new SqlQueryFlow(db.Connection, FlowContext.Default);
        var badTable = Assert.Throws<MlDbException>(() => flow.Rows(new SqlQuerySpec { Table = "users; DROP TABLE users" }).ToList());
        Assert.Equal(MlDbErrorIds.InvalidIdentifier, badTable.ErrorId);
        var badColumn = Assert.Throws<MlDbException>(() => flow.Rows(new SqlQuerySpec { Table = "users", Filter = Obj(("name = name OR 1=1 --", "x")) }).ToList());
        Assert.Equal(MlDbErrorIds.InvalidIdentifier, badColumn.ErrorId);
        using (var inserter = new SqlRecordInserter(db.Connection, "users", null, FlowContext.Default))
        {
            var badKey = Assert.Throws<MlRecordException>(() => inserter.Insert(MlValue.FromObject(Obj(("name\") VALUES ('x'); DROP TABLE users; --", "x")))));
            Assert.Equal(MlDbErrorIds.InvalidIdentifier, badKey.ErrorId);
        }
        var badParam = Assert.Throws<MlDbException>(() => Rows(db.Connection, "SELECT 1", Obj(("x; DROP TABLE users", 1))));
        Assert.Equal(MlDbErrorIds.InvalidArgument, badParam.ErrorId);

        // a real table whose name and column hold quotes and a semicolon is quoted, not split
        using (var inserter = new SqlRecordInserter(db.Connection, "we\"ird; name", null, FlowContext.Default))
            Assert.Equal(1L, inserter.Insert(MlValue.FromObject(Obj(("co\"l", "'); DROP TABLE users; --")))).Key);
        using (var batch = new SqlBatchInserter(db.Connection, "we\"ird; name", null, null, 10, FlowContext.Default))
        {
            batch.Add(MlValue.FromObject(Obj(("co\"l", "x"))));
            Assert.Equal(1, batch.Flush()!.Inserted);
        }
        Assert.Equal(2, flow.Rows(new SqlQuerySpec { Table = "we\"ird; name" }).Count());
        Assert.Equal(evil.Length * 2L, db.Count("users"));
    }

    [PostgresFact]
    public void Keys_come_back_through_RETURNING()
    {
        using var db = new PgTestDb();
        db.Exec("CREATE TABLE a (id serial PRIMARY KEY, v text)");
        db.Exec("CREATE TABLE b (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), v text)");
        db.Exec("CREATE TABLE c (code text PRIMARY KEY, v text)");
        db.Exec("CREATE TABLE d (v text)");
        db.Exec("CREATE TABLE e (x int, y int, PRIMARY KEY (x, y))");
        using (var i = new SqlRecordInserter(db.Connection, "a", null, FlowContext.Default))
        {
            Assert.Equal(1L, i.Insert(MlValue.FromObject(Obj(("v", "one")))).Key);
            Assert.Equal(2L, i.Insert(MlValue.FromObject(Obj(("v", "two")))).Key);
        }
        using (var i = new SqlRecordInserter(db.Connection, "b", null, FlowContext.Default))
            Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", Assert.IsType<string>(i.Insert(MlValue.FromObject(Obj(("v", "x")))).Key));
        using (var i = new SqlRecordInserter(db.Connection, "c", null, FlowContext.Default))
            Assert.Equal("k1", i.Insert(MlValue.FromObject(Obj(("code", "k1")))).Key);
        using (var i = new SqlRecordInserter(db.Connection, "d", null, FlowContext.Default))
            Assert.Null(i.Insert(MlValue.FromObject(Obj(("v", "x")))).Key);
        using (var i = new SqlRecordInserter(db.Connection, "e", null, FlowContext.Default))
            Assert.Null(i.Insert(MlValue.FromObject(Obj(("x", 1), ("y", 2)))).Key);
    }

    [PostgresFact]
    public void Tables_are_found_by_schema_qualified_and_case_insensitive_names()
    {
        using var db = new PgTestDb();
        db.Exec("CREATE TABLE orders (id serial PRIMARY KEY, \"Status\" text)");
        db.Exec("CREATE TABLE \"MixedCase\" (id int)");
        db.Exec($"CREATE SCHEMA \"{db.Schema}_other\"");
        try
        {
            db.Exec($"CREATE TABLE \"{db.Schema}_other\".orders (id int, note text)");
            db.Exec($"INSERT INTO \"{db.Schema}_other\".orders VALUES (7, 'elsewhere')");
            db.Exec("INSERT INTO orders (\"Status\") VALUES ('here')");
            var flow = new SqlQueryFlow(db.Connection, FlowContext.Default);
            Assert.Equal("here", flow.Rows(new SqlQuerySpec { Table = "ORDERS", Filter = Obj(("status", "here")) }).Single().Values[1]);
            Assert.Equal("elsewhere", flow.Rows(new SqlQuerySpec { Table = db.Schema + "_other.orders", Limit = 1 }).Single().Values[1]);
            Assert.Empty(flow.Rows(new SqlQuerySpec { Table = "mixedcase" }));
            using var lease = db.Connection.Lease(default);
            var schema = db.Connection.RequireTable(lease, "mixedcase", default);
            Assert.Equal("MixedCase", schema.Name.Name);
            var missing = Assert.Throws<MlDbException>(() => db.Connection.RequireTable(lease, "nope", default));
            Assert.Equal(MlDbErrorIds.InvalidIdentifier, missing.ErrorId);
            var column = Assert.Throws<MlDbException>(() => flow.Rows(new SqlQuerySpec { Table = "orders", Filter = Obj(("nope", 1)) }).ToList());
            Assert.Contains("its columns are: id, Status", column.Message);
        }
        finally
        {
            db.Exec($"DROP SCHEMA \"{db.Schema}_other\" CASCADE");
        }
    }

    [PostgresFact]
    public void Table_mode_filters_with_typed_parameters_and_limits()
    {
        using var db = new PgTestDb();
        db.Exec("CREATE TABLE t (id serial PRIMARY KEY, name citext, day date, at timestamptz, tags text[], n numeric)");
        db.Exec("INSERT INTO t (name, day, at, tags, n) VALUES ('Ann', '2024-03-01', '2024-03-01 10:00+00', '{a,b}', 1.50), ('bob', '2024-03-02', '2024-03-02 10:00+00', '{c}', 2)");
        var flow = new SqlQueryFlow(db.Connection, FlowContext.Default);
        int Count(MlObject filter) => flow.Rows(new SqlQuerySpec { Table = "t", Filter = filter }).Count();
        Assert.Equal(1, Count(Obj(("name", "ANN")))); // citext keeps its case-insensitive comparison
        Assert.Equal(1, Count(Obj(("day", "2024-03-02"))));
        Assert.Equal(1, Count(Obj(("day", MlValue.FromDate(new DateTime(2024, 3, 1, 0, 0, 0, DateTimeKind.Utc))))));
        Assert.Equal(1, Count(Obj(("at", "2024-03-01T10:00:00Z"))));
        Assert.Equal(1, Count(Obj(("n", 1.5))));
        Assert.Equal(1, Count(Obj(("n", 2))));
        var tags = new MlArray();
        tags.Add("c");
        Assert.Equal(1, Count(Obj(("tags", MlValue.FromArray(tags)))));
        Assert.Equal(0, Count(Obj(("name", MlValue.Null))));
        Assert.Single(flow.Rows(new SqlQuerySpec { Table = "t", Limit = 1 }));
        var fn = new MlFunctionCall(Script("function f(d) { return d.count + ':' + d.items[0].name; }"), "f");
        Assert.Equal("2:Ann", flow.Aggregate(new SqlQuerySpec { Table = "t" }, fn).AsString);
    }

    [PostgresFact]
    public void Per_row_results_stream_and_null_results_are_dropped()
    {
        using var db = new PgTestDb();
        var fn = new MlFunctionCall(Script("function f(r) { if (r.g % 2 == 0) { return null; } return r.g * 10; }"), "f");
        var results = new SqlQueryFlow(db.Connection, FlowContext.Default).PerRow(new SqlQuerySpec { Sql = "SELECT g FROM generate_series(1, 7) g" }, fn).Select(v => v.AsInt).ToList();
        Assert.Equal([10L, 30L, 50L, 70L], results);
    }

    [PostgresFact]
    public void TimeoutSeconds_stops_the_statement_with_the_CommandTimeout_id()
    {
        using var db = new PgTestDb();
        var (context, _) = Logging(timeout: TimeSpan.FromSeconds(1));
        var sw = Stopwatch.StartNew();
        var ex = Assert.Throws<MlDbException>(() => Rows(db.Connection, "SELECT pg_sleep(30)", context: context));
        sw.Stop();
        Assert.Equal(MlDbErrorIds.CommandTimeout, ex.ErrorId);
        Assert.Equal(MlDbErrorKind.OperationTimeout, ex.Kind);
        Assert.InRange(sw.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(5));
        AssertNothingRunning(db, "pg_sleep(30)");
        Assert.Equal(1L, Value(db.Connection, "SELECT 1::bigint")); // the pool is fine afterwards
    }

    [PostgresFact]
    public void Cancelling_the_token_cancels_the_statement_on_the_server()
    {
        using var db = new PgTestDb();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        var (context, _) = Logging(cts.Token);
        var sw = Stopwatch.StartNew();
        Assert.ThrowsAny<OperationCanceledException>(() => Rows(db.Connection, "SELECT pg_sleep(30)", context: context));
        Assert.InRange(sw.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(5));
        AssertNothingRunning(db, "pg_sleep(30)");
    }

    [PostgresFact]
    public void Cancelling_a_COPY_leaves_nothing_behind()
    {
        using var db = new PgTestDb();
        db.Exec("CREATE TABLE slow (n int)");
        db.Exec("CREATE FUNCTION slow_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.n = 500 THEN PERFORM pg_sleep(30); END IF; RETURN NEW; END $$");
        db.Exec("CREATE TRIGGER slow_row BEFORE INSERT ON slow FOR EACH ROW EXECUTE FUNCTION slow_row()");
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(700));
        var (context, _) = Logging(cts.Token);
        var sw = Stopwatch.StartNew();
        using (var batch = new SqlBatchInserter(db.Connection, "slow", null, null, 1000, context))
        {
            for (int i = 0; i < 999; i++) batch.Add(MlValue.FromObject(Obj(("n", i))));
            Assert.ThrowsAny<OperationCanceledException>(() => batch.Add(MlValue.FromObject(Obj(("n", 999)))));
        }
        Assert.InRange(sw.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(10));
        Assert.Equal(0L, db.Count("slow"));
        AssertNothingRunning(db, "COPY");
    }

    [PostgresFact]
    public void A_COPY_that_runs_past_the_timeout_fails_with_CommandTimeout_and_writes_nothing()
    {
        using var db = new PgTestDb();
        db.Exec("CREATE TABLE slow (n int)");
        db.Exec("CREATE FUNCTION slow_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.n = 5 THEN PERFORM pg_sleep(30); END IF; RETURN NEW; END $$");
        db.Exec("CREATE TRIGGER slow_row BEFORE INSERT ON slow FOR EACH ROW EXECUTE FUNCTION slow_row()");
        var (context, _) = Logging(timeout: TimeSpan.FromSeconds(1));
        using (var batch = new SqlBatchInserter(db.Connection, "slow", null, null, 10, context))
        {
            for (int i = 0; i < 9; i++) batch.Add(MlValue.FromObject(Obj(("n", i))));
            var ex = Assert.ThrowsAny<MlDbException>(() => batch.Add(MlValue.FromObject(Obj(("n", 9)))));
            Assert.Equal(MlDbErrorIds.CommandTimeout, ex.ErrorId);
        }
        Assert.Equal(0L, db.Count("slow"));
        AssertNothingRunning(db, "COPY");
    }

    private static void AssertNothingRunning(PgTestDb db, string text)
    {
        // the cancel request is asynchronous on the server side: give it a moment
        for (int i = 0; i < 50; i++)
        {
            long running = Convert.ToInt64(db.Scalar($"SELECT count(*) FROM pg_stat_activity WHERE application_name = 'MlDb' AND state = 'active' AND query LIKE '%{text}%' AND pid <> pg_backend_pid()"));
            if (running == 0) return;
            Thread.Sleep(100);
        }
        Assert.Fail($"a statement with '{text}' is still running on the server");
    }

    [PostgresFact]
    public void Server_notices_go_to_the_flow_log()
    {
        using var db = new PgTestDb();
        var (context, log) = Logging();
        Rows(db.Connection, "DO $$ BEGIN RAISE NOTICE 'hello from plpgsql %', 42; RAISE WARNING 'careful' USING HINT = 'really'; END $$", context: context);
        Assert.Contains("NOTICE: hello from plpgsql 42", log);
        Assert.Contains("WARNING: careful HINT: really", log);

        // notices raised while a batch is copied in arrive too
        db.Exec("CREATE TABLE noisy (n int)");
        db.Exec("CREATE FUNCTION noisy_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE 'row %', NEW.n; RETURN NEW; END $$");
        db.Exec("CREATE TRIGGER noisy_row BEFORE INSERT ON noisy FOR EACH ROW EXECUTE FUNCTION noisy_row()");
        using (var batch = new SqlBatchInserter(db.Connection, "noisy", null, null, 10, context))
        {
            batch.Add(MlValue.FromObject(Obj(("n", 1))));
            batch.Add(MlValue.FromObject(Obj(("n", 2))));
            batch.Flush();
        }
        Assert.Contains("NOTICE: row 2", log);
    }

    [PostgresFact]
    public void Credential_supplies_user_and_password_which_never_show()
    {
        using var db = new PgTestDb();
        var b = new NpgsqlConnectionStringBuilder(db.ConnectionString);
        string user = b.Username!, password = b.Password!;
        string withoutCredentials = $"Host={b.Host};Port={b.Port};Database={b.Database};Search Path={db.Schema}";
        var connection = db.Connect("cred", withoutCredentials, new NetworkCredential(user, password));
        Assert.Equal(MlProvider.Postgres, connection.Provider);
        Assert.Equal(b.Database, connection.Database);
        Assert.DoesNotContain(password, connection.DisplayString);
        Assert.DoesNotContain(password, connection.ToString());
        Assert.Contains("Username=" + user, connection.DisplayString);
        Assert.StartsWith("Host=", connection.DisplayString);
        var (context, log) = Logging();
        Rows(connection, "SELECT current_user, 1 AS x", Obj(("unused", 1)), context);
        Assert.All(log, l => Assert.DoesNotContain(password, l));
        Assert.Equal(user, Value(connection, "SELECT current_user::text"));

        // a password in the string is not shown either
        var withPassword = db.Connect("inline", db.ConnectionString);
        Assert.DoesNotContain(password, withPassword.DisplayString);

        // a wrong password fails without showing it
        string wrong = "wr0ng-" + Guid.NewGuid().ToString("N");
        var ex = Assert.Throws<MlDbException>(() => db.Connect("bad", withoutCredentials, new NetworkCredential(user, wrong)));
        Assert.Equal(MlDbErrorIds.ConnectionFailed, ex.ErrorId);
        Assert.Contains("password authentication failed", ex.Message);
        Assert.DoesNotContain(wrong, ex.ToString());
        Assert.DoesNotContain(wrong, ex.Target?.ToString() ?? "");
    }

    [PostgresFact]
    public void Pool_size_comes_from_the_connection_string()
    {
        using var db = new PgTestDb("Maximum Pool Size=2;Timeout=1");
        var connection = db.Connection;
        using var first = connection.Lease(default);
        using var second = connection.Lease(default);
        var ex = Assert.Throws<MlDbException>(() => connection.Lease(default));
        Assert.Equal(MlDbErrorIds.ConnectionFailed, ex.ErrorId);
        Assert.Contains("pool", ex.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Maximum Pool Size=2", connection.DisplayString);
    }

    [PostgresFact]
    public void Connection_errors_are_clear()
    {
        var bad = Assert.Throws<MlDbException>(() => MlConnectionFactory.Connect(new MlConnectRequest("x", MlProvider.Postgres, "Host=127.0.0.1;Port=1;Timeout=2;Password=secret-pw-123")));
        Assert.Equal(MlDbErrorIds.ConnectionFailed, bad.ErrorId);
        Assert.DoesNotContain("secret-pw-123", bad.ToString());
        var syntax = Assert.Throws<MlDbException>(() => MlConnectionFactory.Connect(new MlConnectRequest("x", MlProvider.Postgres, "Host=127.0.0.1;Nonsense=1")));
        Assert.Equal(MlDbErrorIds.InvalidArgument, syntax.ErrorId);
    }
}
