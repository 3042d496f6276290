using MlDb.Data.Processing;
using MlDb.Language;
using Xunit;
using static MlDb.Data.Tests.TestSupport;

namespace MlDb.Data.Tests;

public sealed class TransactionFlowTests
{
    private static MlArray Ops(params object[] ops) => Host(ops).AsArray;

    private static Dictionary<string, object?> Op(string type, string table, object? values = null, object? id = null, string? key = null)
    {
        var d = new Dictionary<string, object?> { ["type"] = type, ["table"] = table };
        if (values is not null) d["values"] = values;
        if (id is not null) d["id"] = id;
        if (key is not null) d["key"] = key;
        return d;
    }

    private static Dictionary<string, object?> User(string name, string email) => new() { ["name"] = name, ["email"] = email };

    [Fact]
    public void Valid_operations_run_in_one_transaction()
    {
        using var db = Memory();
        Exec(db, UsersTable);
        Exec(db, "INSERT INTO users (name, email) VALUES ('a', 'a@x'), ('b', 'b@x')");
        var fn = new MlFunctionCall(Seed("transaction_validators.ml"), "validateTransaction");
        var outcome = new SqlTransactionFlow(db, FlowContext.Default).Run(Ops(
            Op("insert", "users", User("c", "c@x")),
            Op("update", "users", new Dictionary<string, object?> { ["email"] = "new@x" }, 1),
            Op("delete", "users", id: 2)), fn);
        Assert.Equal(new TransactionOutcome(3, 3, true), outcome);
        Assert.Equal("new@x", Scalar(db, "SELECT email FROM users WHERE id = 1"));
        Assert.Equal(2L, Scalar(db, "SELECT count(*) FROM users"));
    }

    [Fact]
    public void Invalid_per_the_function_runs_nothing()
    {
        using var db = Memory();
        Exec(db, UsersTable);
        var fn = new MlFunctionCall(Seed("transaction_validators.ml"), "validateTransaction");
        var ex = Assert.Throws<MlDbException>(() => new SqlTransactionFlow(db, FlowContext.Default).Run(Ops(
            Op("insert", "users", User("c", "c@x")),
            Op("update", "users", new Dictionary<string, object?> { ["email"] = "x" }),
            Op("merge", "users")), fn));
        Assert.Equal(MlDbErrorIds.TransactionInvalid, ex.ErrorId);
        Assert.Contains("Update requires ID", ex.Message);
        Assert.Contains("Invalid operation type: merge", ex.Message);
        Assert.Equal(["Update requires ID", "Invalid operation type: merge"], Assert.IsType<string[]>(ex.Target));
        Assert.Equal(0L, Scalar(db, "SELECT count(*) FROM users"));
    }

    [Fact]
    public void A_failing_operation_leaves_the_database_file_byte_for_byte_unchanged()
    {
        using var dir = new TempDir();
        string path = dir.File("tx.db");
        using (var setup = File(path))
        {
            Exec(setup, UsersTable);
            Exec(setup, "INSERT INTO users (name, email) VALUES ('a', 'a@x'), ('b', 'b@x')");
        }
        byte[] before = System.IO.File.ReadAllBytes(path);
        using (var db = File(path))
        {
            var ex = Assert.Throws<MlDbException>(() => new SqlTransactionFlow(db, FlowContext.Default).Run(Ops(
                Op("insert", "users", User("c", "c@x")),
                Op("update", "users", new Dictionary<string, object?> { ["name"] = "changed" }, 1),
                Op("insert", "users", new Dictionary<string, object?> { ["name"] = "no email" })), null));
            Assert.Equal(MlDbErrorIds.TransactionFailed, ex.ErrorId);
            Assert.Contains("operation 3 (insert into users)", ex.Message);
            Assert.Contains("NOT NULL", ex.Message);
        }
        Assert.Equal(before, System.IO.File.ReadAllBytes(path));
    }

    [Fact]
    public void Custom_key_and_bad_specs()
    {
        using var db = Memory();
        Exec(db, "CREATE TABLE items (sku TEXT PRIMARY KEY, qty INTEGER)");
        Exec(db, "INSERT INTO items VALUES ('A1', 1)");
        var flow = new SqlTransactionFlow(db, FlowContext.Default);
        Assert.Equal(1, flow.Run(Ops(Op("update", "items", new Dictionary<string, object?> { ["qty"] = 5 }, "A1", "sku")), null).Affected);
        Assert.Equal(5L, Scalar(db, "SELECT qty FROM items"));
        Assert.Equal(MlDbErrorIds.InvalidOperationSpec, Assert.Throws<MlDbException>(() => flow.Run(Ops(Op("drop", "items")), null)).ErrorId);
        Assert.Equal(MlDbErrorIds.InvalidIdentifier, Assert.Throws<MlDbException>(() => flow.Run(Ops(Op("delete", "nope", id: 1)), null)).ErrorId);
        Assert.Equal(MlDbErrorIds.InvalidIdentifier, Assert.Throws<MlDbException>(() => flow.Run(Ops(Op("delete", "items", id: 1, key: "id; DROP TABLE items")), null)).ErrorId);
        Assert.Equal(1L, Scalar(db, "SELECT count(*) FROM items"));
    }

    [Fact]
    public void Write_gate_declined_writes_nothing()
    {
        using var db = Memory();
        Exec(db, UsersTable);
        var flow = new SqlTransactionFlow(db, new FlowContext { ShouldWrite = (_, _) => false });
        Assert.False(flow.Run(Ops(Op("insert", "users", User("a", "a@x"))), null).Written);
        Assert.Equal(0L, Scalar(db, "SELECT count(*) FROM users"));
    }
}
