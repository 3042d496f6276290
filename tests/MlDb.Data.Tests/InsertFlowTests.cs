using MlDb.Data.Processing;
using MlDb.Language;
using Xunit;
using static MlDb.Data.Tests.TestSupport;

namespace MlDb.Data.Tests;

public sealed class InsertFlowTests
{
    [Fact]
    public void Seed_validateUser_inserts_good_records_and_rejects_bad_ones_leaving_nothing()
    {
        using var db = Memory();
        Exec(db, UsersTable);
        var fn = new MlFunctionCall(Seed("db_processors.ml"), "validateUser");
        using var inserter = new SqlRecordInserter(db, "users", fn, FlowContext.Default);
        var first = inserter.Insert(Host(new Dictionary<string, object?> { ["name"] = "John Doe", ["email"] = "john@example.com", ["age"] = 30 }));
        Assert.Equal(InsertStatus.Inserted, first.Status);
        Assert.Equal(1L, first.Key);
        var ex = Assert.Throws<MlRecordException>(() => inserter.Insert(Host(new Dictionary<string, object?> { ["name"] = "X", ["email"] = "bad", ["age"] = 200 })));
        Assert.Equal(MlDbErrorIds.RecordRejected, ex.ErrorId);
        Assert.Equal(1, ex.RecordIndex);
        Assert.StartsWith("Record 2 was not inserted: validateUser rejected it: ", ex.Message);
        Assert.DoesNotContain("\"X\"", ex.Message); // messages name records by position and key, never by their values
        Assert.Contains("Validation failed: Name must be at least 2 characters, Invalid email address, Age must be between 0 and 150", ex.Message);
        var inner = Assert.IsType<MlScriptException>(ex.InnerException);
        Assert.Equal("Validation failed: Name must be at least 2 characters, Invalid email address, Age must be between 0 and 150", inner.Message);
        var third = inserter.Insert(Host(new Dictionary<string, object?> { ["name"] = "Jane", ["email"] = "jane@example.org", ["age"] = 28 }));
        Assert.Equal(2L, third.Key);
        Assert.Equal(2L, Scalar(db, "SELECT count(*) FROM users"));
        Assert.Equal(0L, Scalar(db, "SELECT count(*) FROM users WHERE name = 'X'"));
        Assert.Equal((2, 1), (inserter.Inserted, inserter.Rejected));
    }

    [Fact]
    public void Key_is_the_primary_key_or_rowid()
    {
        using var db = Memory();
        Exec(db, "CREATE TABLE codes (code TEXT PRIMARY KEY, n INTEGER)");
        Exec(db, "CREATE TABLE log (msg TEXT)");
        using (var a = new SqlRecordInserter(db, "codes", null, FlowContext.Default))
            Assert.Equal("abc", a.Insert(MlValue.FromObject(Obj(("code", "abc"), ("n", 1)))).Key);
        using var b = new SqlRecordInserter(db, "log", null, FlowContext.Default);
        b.Insert(MlValue.FromObject(Obj(("msg", "one"))));
        Assert.Equal(2L, b.Insert(MlValue.FromObject(Obj(("msg", "two")))).Key);
    }

    [Fact]
    public void Constraint_violation_rejects_only_that_record()
    {
        using var db = Memory();
        Exec(db, UsersTable);
        using var inserter = new SqlRecordInserter(db, "users", null, FlowContext.Default);
        var ex = Assert.Throws<MlRecordException>(() => inserter.Insert(MlValue.FromObject(Obj(("name", "no email")))));
        Assert.Equal(MlDbErrorIds.InsertFailed, ex.ErrorId);
        Assert.Contains("NOT NULL", ex.Message);
        inserter.Insert(MlValue.FromObject(Obj(("name", "ok"), ("email", "ok@x"))));
        Assert.Equal(1L, Scalar(db, "SELECT count(*) FROM users"));
    }

    [Fact]
    public void Null_from_the_function_skips_the_record()
    {
        using var db = Memory();
        Exec(db, UsersTable);
        var fn = new MlFunctionCall(Script("function keep(u) { if (u.age < 18) { return null; } return u; }"), "keep");
        using var inserter = new SqlRecordInserter(db, "users", fn, FlowContext.Default);
        Assert.Equal(InsertStatus.Skipped, inserter.Insert(MlValue.FromObject(Obj(("name", "kid"), ("email", "k@x"), ("age", 9)))).Status);
        Assert.Equal(0L, Scalar(db, "SELECT count(*) FROM users"));
    }

    [Fact]
    public void Write_gate_runs_ml_but_writes_nothing()
    {
        using var db = Memory();
        Exec(db, UsersTable);
        var asked = new List<(string, string)>();
        var ctx = new FlowContext { ShouldWrite = (t, a) => { asked.Add((t, a)); return false; } };
        var fn = new MlFunctionCall(Seed("orm_processors.ml"), "validateProduct");
        Exec(db, "CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT, price REAL, stock INTEGER)");
        using var inserter = new SqlRecordInserter(db, "products", fn, ctx);
        var outcome = inserter.Insert(MlValue.FromObject(Obj(("name", "Super Widget"), ("price", 39.99))));
        Assert.Equal(InsertStatus.NotWritten, outcome.Status);
        Assert.Equal(0, outcome.Record!.Get("stock").AsInt);
        var (target, action) = Assert.Single(asked);
        Assert.Equal("products", target);
        Assert.Equal("Insert record 1: columns name, price, stock", action);
        Assert.Equal(0L, Scalar(db, "SELECT count(*) FROM products"));
    }

    [Fact]
    public void Batches_go_in_one_transaction_each_through_the_batch_function()
    {
        using var db = Memory();
        Exec(db, "CREATE TABLE products (id INTEGER PRIMARY KEY, product TEXT, quantity INTEGER, price REAL, created_at DATETIME, processed BOOLEAN)");
        var fn = new MlFunctionCall(Seed("postgres_processors.ml"), "processRecords");
        using var batcher = new SqlBatchInserter(db, "products", null, fn, 2, FlowContext.Default);
        var outcomes = new List<BatchOutcome>();
        for (int i = 0; i < 5; i++)
            if (batcher.Add(MlValue.FromObject(Obj(("product", "P" + i), ("quantity", i), ("price", 1.5)))) is { } o) outcomes.Add(o);
        if (batcher.Flush() is { } last) outcomes.Add(last);
        Assert.Equal([2, 2, 1], outcomes.Select(o => o.Inserted));
        Assert.Equal([1, 2, 3], outcomes.Select(o => o.BatchNumber));
        Assert.Equal(5L, Scalar(db, "SELECT count(*) FROM products WHERE processed = 1 AND created_at LIKE '____-__-__T__:__:__.___Z'"));
        var row = new SqlQueryFlow(db, FlowContext.Default).MlRows(new SqlQuerySpec { Table = "products", Limit = 1 }).Single();
        Assert.True(row.Get("created_at").IsDate);
        Assert.True(row.Get("processed").IsBool);
    }

    [Fact]
    public void A_failing_record_rolls_back_its_batch_only()
    {
        using var db = Memory();
        Exec(db, UsersTable);
        using var batcher = new SqlBatchInserter(db, "users", null, null, 3, FlowContext.Default);
        batcher.Add(MlValue.FromObject(Obj(("name", "a"), ("email", "a@x"))));
        batcher.Add(MlValue.FromObject(Obj(("name", "b"), ("email", "b@x"))));
        var ex = Assert.Throws<MlRecordException>(() => batcher.Add(MlValue.FromObject(Obj(("name", "c")))));
        Assert.Equal(MlDbErrorIds.BatchFailed, ex.ErrorId);
        Assert.Contains("Batch 1 (records 1-3)", ex.Message);
        Assert.Contains("record 3 of the batch failed: ", ex.Message);
        Assert.DoesNotContain("\"c\"", ex.Message);
        Assert.Equal(0L, Scalar(db, "SELECT count(*) FROM users"));
        batcher.Add(MlValue.FromObject(Obj(("name", "d"), ("email", "d@x"))));
        Assert.Equal(1, batcher.Flush()!.Inserted);
        Assert.Equal(1L, Scalar(db, "SELECT count(*) FROM users"));
    }

    [Fact]
    public void A_throwing_batch_function_rejects_the_batch_and_the_next_goes_on()
    {
        using var db = Memory();
        Exec(db, UsersTable);
        var fn = new MlFunctionCall(Script("function b(d) { if (d.records[0].name == \"bad\") { throw \"bad batch\"; } return d; }"), "b");
        using var batcher = new SqlBatchInserter(db, "users", null, fn, 1, FlowContext.Default);
        var ex = Assert.Throws<MlRecordException>(() => batcher.Add(MlValue.FromObject(Obj(("name", "bad"), ("email", "x")))));
        Assert.Equal(MlDbErrorIds.BatchRejected, ex.ErrorId);
        Assert.Contains("bad batch", ex.Message);
        Assert.Equal(1, batcher.Add(MlValue.FromObject(Obj(("name", "good"), ("email", "x"))))!.Inserted);
        Assert.Equal(1L, Scalar(db, "SELECT count(*) FROM users"));
    }

    [Fact]
    public void Per_record_function_runs_before_batching()
    {
        using var db = Memory();
        Exec(db, UsersTable);
        var fn = new MlFunctionCall(Seed("db_processors.ml"), "validateUser");
        using var batcher = new SqlBatchInserter(db, "users", fn, null, 10, FlowContext.Default);
        batcher.Add(Host(new Dictionary<string, object?> { ["name"] = "Ann", ["email"] = "a@x", ["age"] = 3 }));
        Assert.Throws<MlRecordException>(() => batcher.Add(Host(new Dictionary<string, object?> { ["name"] = "B", ["email"] = "b@x", ["age"] = 3 })));
        Assert.Equal(1, batcher.Flush()!.Inserted);
    }
}
