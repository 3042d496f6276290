using MlDb.Data.Processing;
using MlDb.Data.Sqlite;
using MlDb.Language;
using Xunit;
using static MlDb.Data.Tests.TestSupport;

namespace MlDb.Data.Tests;

/// <summary>
/// Upserts on SQLite (-OnConflict Ignore|Update -Key): per record and in batches, with the same
/// table either way; counts and actions; the key checked before anything is written; -WhatIf
/// previews by key; Invoke-MlTransaction's 'upsert'.
/// </summary>
public sealed class UpsertTests
{
    private const string People = "CREATE TABLE people (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT, visits INTEGER DEFAULT 0, note TEXT)";

    private static SqliteMlConnection Seeded()
    {
        var db = Memory();
        Exec(db, People);
        Exec(db, "INSERT INTO people (email, name, visits, note) VALUES ('a@x', 'Ann', 1, 'keep'), ('b@x', 'Bob', 2, 'keep')");
        return db;
    }

    private static MlObject Person(string email, string name, long visits) => Obj(("email", email), ("name", name), ("visits", visits));

    /// <summary>A feed with new and existing keys, and a key repeated in it.</summary>
    private static MlObject[] Feed() =>
    [
        Person("a@x", "Ann 2", 10),   // existing
        Person("c@x", "Cy", 3),       // new
        Person("b@x", "Bob 2", 20),   // existing
        Person("c@x", "Cy 2", 4),     // new a moment ago: now existing
        Person("d@x", "Di", 5),       // new
    ];

    private static string Dump(MlSqlConnection db) =>
        string.Join("; ", Rows(db, "SELECT id, email, name, visits, note FROM people ORDER BY id").Select(r => string.Join(",", r.Values.Select(v => v ?? "null"))));

    private static List<SqlWrittenRecord> PerRecord(MlSqlConnection db, SqlConflictAction action, MlObject[] feed, int commitSize = 1000)
    {
        using var writer = new SqlRecordWriter(db, new SqlWriteOptions { Table = "people", OnConflict = action, Key = ["email"], CommitSize = commitSize }, FlowContext.Default);
        for (int i = 0; i < feed.Length; i++) writer.Write(i, feed[i]);
        writer.Complete();
        return writer.TakeWritten().ToList();
    }

    private static BatchOutcome Batch(MlSqlConnection db, SqlConflictAction action, MlObject[] feed)
    {
        using var batch = new SqlBatchInserter(db, "people", null, null, 100, FlowContext.Default, action, ["email"]);
        foreach (var record in feed) Assert.Null(batch.Add(MlValue.FromObject(record)));
        return batch.Flush()!;
    }

    /// <summary>Update sets the columns the record carries (note, which it does not carry, stays); Ignore leaves existing rows. Either way the keys come back.</summary>
    [Theory]
    [InlineData(SqlConflictAction.Update, 1, "UIUUI", "1,a@x,Ann 2,10,keep; 2,b@x,Bob 2,20,keep; 3,c@x,Cy 2,4,null; 4,d@x,Di,5,null")]
    [InlineData(SqlConflictAction.Update, 1000, "UIUUI", "1,a@x,Ann 2,10,keep; 2,b@x,Bob 2,20,keep; 3,c@x,Cy 2,4,null; 4,d@x,Di,5,null")]
    [InlineData(SqlConflictAction.Ignore, 1000, "-I--I", "1,a@x,Ann,1,keep; 2,b@x,Bob,2,keep; 3,c@x,Cy,3,null; 4,d@x,Di,5,null")]
    public void Records_are_upserted_one_by_one_and_say_what_they_did(SqlConflictAction action, int commitSize, string actions, string table)
    {
        using var db = Seeded();
        var written = PerRecord(db, action, Feed(), commitSize);
        Assert.Equal(actions, string.Concat(written.Select(w => w.Action switch { SqlRecordAction.Inserted => 'I', SqlRecordAction.Updated => 'U', _ => '-' })));
        Assert.Equal([1L, 3L, 2L, 3L, 4L], written.Select(w => w.Key));
        Assert.Equal(table, Dump(db));
    }

    [Theory]
    [InlineData(SqlConflictAction.Update)]
    [InlineData(SqlConflictAction.Ignore)]
    public void A_batch_gives_the_same_table_and_counts_as_record_by_record(SqlConflictAction action)
    {
        using var one = Seeded();
        using var all = Seeded();
        var written = PerRecord(one, action, Feed());
        var outcome = Batch(all, action, Feed());
        Assert.Equal(Dump(one), Dump(all));
        Assert.Equal(written.Count(w => w.Action == SqlRecordAction.Inserted), outcome.Inserted);
        Assert.Equal(written.Count(w => w.Action == SqlRecordAction.Updated), outcome.Updated);
        Assert.Equal(written.Count(w => w.Action == SqlRecordAction.Unchanged), outcome.Ignored);
        Assert.Equal(5, outcome.Received);
    }

    [Fact]
    public void A_record_with_nothing_but_its_key_leaves_the_row_as_it_is_under_Update()
    {
        using var db = Seeded();
        var written = PerRecord(db, SqlConflictAction.Update, [Obj(("email", "a@x")), Obj(("email", "z@x"))]);
        Assert.Equal([SqlRecordAction.Unchanged, SqlRecordAction.Inserted], written.Select(w => w.Action));
        Assert.Equal(1L, written[0].Key);
        Assert.StartsWith("1,a@x,Ann,1,keep", Dump(db));
    }

    [Fact]
    public void Error_mode_rejects_the_conflicting_record_alone()
    {
        using var db = Seeded();
        using var writer = new SqlRecordWriter(db, new SqlWriteOptions { Table = "people", Key = ["email"] }, FlowContext.Default);
        writer.Write(0, Person("n@x", "New", 1));
        var ex = Assert.Throws<MlRecordException>(() => writer.Write(1, Person("a@x", "Ann again", 9)));
        Assert.Equal(MlDbErrorIds.InsertFailed, ex.ErrorId);
        // named by position and key
        Assert.StartsWith("Record 2 (email = \"a@x\") was not inserted: SQLite Error 19: 'UNIQUE constraint failed: people.email'", ex.Message);
        Assert.DoesNotContain("Ann again", ex.Message);
        writer.Write(2, Person("m@x", "More", 1));
        writer.Complete();
        Assert.Equal(2, writer.TakeWritten().Count);
        Assert.Equal(4L, Scalar(db, "SELECT count(*) FROM people"));
    }

    [Fact]
    public void A_key_that_is_not_unique_is_an_error_before_anything_is_written()
    {
        using var db = Seeded();
        var ex = Assert.Throws<MlDbException>(() => new SqlRecordWriter(db, new SqlWriteOptions { Table = "people", OnConflict = SqlConflictAction.Update, Key = ["name"] }, FlowContext.Default));
        Assert.Equal(MlDbErrorIds.InvalidKey, ex.ErrorId);
        Assert.Equal("The key (name) is not a primary key or unique constraint of 'people', so it cannot tell records apart; its keys are: primary key (id); unique (email). Name one of those, or create a unique index on these columns.", ex.Message);
        var batch = Assert.Throws<MlDbException>(() => new SqlBatchInserter(db, "people", null, null, 10, FlowContext.Default, SqlConflictAction.Ignore, ["email", "name"]));
        Assert.Equal(MlDbErrorIds.InvalidKey, batch.ErrorId);
        var none = Assert.Throws<MlDbException>(() => new SqlRecordWriter(db, new SqlWriteOptions { Table = "people", OnConflict = SqlConflictAction.Ignore }, FlowContext.Default));
        Assert.Equal("-OnConflict Ignore needs -Key: the columns that identify a record of 'people' (its keys are: primary key (id); unique (email)).", none.Message);
        var unknown = Assert.Throws<MlDbException>(() => new SqlRecordWriter(db, new SqlWriteOptions { Table = "people", OnConflict = SqlConflictAction.Update, Key = ["mail"] }, FlowContext.Default));
        Assert.Equal(MlDbErrorIds.InvalidIdentifier, unknown.ErrorId);
        Assert.Equal(2L, Scalar(db, "SELECT count(*) FROM people"));
    }

    [Fact]
    public void Keys_are_found_as_columns_are_composite_keys_work_and_partial_or_expression_indexes_do_not_count()
    {
        using var db = Memory();
        Exec(db, "CREATE TABLE stock (shop TEXT NOT NULL, sku TEXT NOT NULL, qty INTEGER, code TEXT, lower_code TEXT, PRIMARY KEY (shop, sku)) WITHOUT ROWID");
        Exec(db, "CREATE UNIQUE INDEX stock_code ON stock (code) WHERE code IS NOT NULL");
        Exec(db, "CREATE UNIQUE INDEX stock_lower ON stock (lower(lower_code))");
        using (var writer = new SqlRecordWriter(db, new SqlWriteOptions { Table = "stock", OnConflict = SqlConflictAction.Update, Key = ["SKU", "Shop"] }, FlowContext.Default))
        {
            Assert.Equal(["sku", "shop"], writer.Conflict.Key.Select(c => c.Name));
            Assert.Null(writer.KeyColumn); // no single-column key to return
            writer.Write(0, Obj(("shop", "n"), ("sku", "s1"), ("qty", 1)));
            writer.Write(1, Obj(("shop", "n"), ("sku", "s1"), ("qty", 5)));
            writer.Complete();
            Assert.Equal([SqlRecordAction.Inserted, SqlRecordAction.Updated], writer.TakeWritten().Select(w => w.Action));
        }
        Assert.Equal(5L, Scalar(db, "SELECT qty FROM stock"));
        Assert.Equal(MlDbErrorIds.InvalidKey, Assert.Throws<MlDbException>(() => new SqlRecordWriter(db, new SqlWriteOptions { Table = "stock", OnConflict = SqlConflictAction.Update, Key = ["code"] }, FlowContext.Default)).ErrorId);
        Assert.Equal(MlDbErrorIds.InvalidKey, Assert.Throws<MlDbException>(() => new SqlRecordWriter(db, new SqlWriteOptions { Table = "stock", OnConflict = SqlConflictAction.Update, Key = ["lower_code"] }, FlowContext.Default)).ErrorId);
    }

    [Fact]
    public void A_preview_says_by_key_which_records_would_be_inserted_and_which_updated_and_writes_nothing()
    {
        using var db = Seeded();
        var asked = new List<string>();
        var context = new FlowContext { PreviewWrites = true, ShouldWrite = (_, action) => { asked.Add(action); return false; } };
        using (var writer = new SqlRecordWriter(db, new SqlWriteOptions { Table = "people", OnConflict = SqlConflictAction.Update, Key = ["email"] }, context))
        {
            writer.Write(0, Person("a@x", "Ann 2", 10));
            writer.Write(1, Person("c@x", "Cy", 3));
            writer.Complete();
        }
        Assert.Equal(["Update record 1 (email = \"a@x\"): columns email, name, visits", "Insert record 2 (email = \"c@x\"): columns email, name, visits"], asked);
        asked.Clear();
        using (var batch = new SqlBatchInserter(db, "people", null, null, 10, context, SqlConflictAction.Ignore, ["email"]))
        {
            foreach (var record in Feed()) batch.Add(MlValue.FromObject(record));
            Assert.False(batch.Flush()!.Written);
        }
        Assert.Equal(
            "Upsert batch 1 (records 1-5, 5 records): columns email, name, visits: insert record 2 of the batch (email = \"c@x\"), record 5 of the batch (email = \"d@x\"); " +
            "leave as they are (-OnConflict Ignore) record 1 of the batch (email = \"a@x\"), record 3 of the batch (email = \"b@x\"), record 4 of the batch (email = \"c@x\")",
            Assert.Single(asked));
        Assert.DoesNotContain("Ann 2", asked[0]);
        Assert.Equal("1,a@x,Ann,1,keep; 2,b@x,Bob,2,keep", Dump(db));
    }

    [Fact]
    public void A_batch_with_a_failing_record_writes_none_of_it_and_names_the_record_by_position_and_key()
    {
        using var db = Seeded();
        Exec(db, "CREATE TABLE strict_people (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, visits INTEGER CHECK (visits >= 0))");
        using var batch = new SqlBatchInserter(db, "strict_people", null, null, 3, FlowContext.Default, SqlConflictAction.Update, ["email"]);
        batch.Add(MlValue.FromObject(Obj(("email", "a@x"), ("visits", 1))));
        batch.Add(MlValue.FromObject(Obj(("email", "b@x"), ("visits", 2))));
        var ex = Assert.Throws<MlRecordException>(() => batch.Add(MlValue.FromObject(Obj(("email", "c@x"), ("visits", -1)))));
        Assert.Equal(MlDbErrorIds.BatchFailed, ex.ErrorId);
        Assert.StartsWith("Batch 1 (records 1-3) was not written: record 3 of the batch (email = \"c@x\") failed: SQLite Error 19: 'CHECK constraint failed:", ex.Message);
        Assert.Equal(0L, Scalar(db, "SELECT count(*) FROM strict_people"));
    }

    [Fact]
    public void Transactions_take_upsert_operations_with_a_key()
    {
        using var db = Seeded();
        var flow = new SqlTransactionFlow(db, FlowContext.Default);
        var ops = (MlArray)MlJson.Parse("""
            [{"type": "upsert", "table": "people", "key": "email", "values": {"email": "a@x", "visits": 7}},
             {"type": "upsert", "table": "people", "key": ["email"], "values": {"email": "n@x", "name": "New"}},
             {"type": "update", "table": "people", "id": 2, "values": {"note": "seen"}}]
            """).AsArray;
        var outcome = flow.Run(ops, null);
        Assert.Equal((3, 3L), (outcome.Operations, outcome.Affected));
        Assert.Equal("1,a@x,Ann,7,keep; 2,b@x,Bob,2,seen; 3,n@x,New,0,null", Dump(db));

        Assert.Equal("operation 1 (upsert into people on email)", SqlTransactionFlow.Parse(ops)[0].ToString());
        var bad = Assert.Throws<MlDbException>(() => flow.Run((MlArray)MlJson.Parse("""[{"type": "upsert", "table": "people", "key": "name", "values": {"name": "x"}}]""").AsArray, null));
        Assert.Equal(MlDbErrorIds.InvalidKey, bad.ErrorId);
        var missing = Assert.Throws<MlDbException>(() => flow.Run((MlArray)MlJson.Parse("""[{"type": "upsert", "table": "people", "key": "email", "values": {"name": "x"}}]""").AsArray, null));
        Assert.Equal(MlDbErrorIds.InvalidOperationSpec, missing.ErrorId);
        Assert.Equal("Operation 1 (upsert into people on email) has no value for its key column 'email'; nothing was executed.", missing.Message);
        Assert.Equal(3L, Scalar(db, "SELECT count(*) FROM people"));
    }
}
