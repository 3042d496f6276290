using System.Diagnostics;
using MlDb.Data.Processing;
using MlDb.Language;
using Xunit;
using static MlDb.Data.Tests.Postgres.Pg;

namespace MlDb.Data.Tests.Postgres;

/// <summary>
/// The per-record write path and upserts on the PostgreSQL server of tests/services: group commit
/// with one command per record (the statement; after a first refused record, savepoint, statement
/// and release together), a refused record alone missing,
/// keys only after commit, the time bound while the input stalls, Ctrl+C mid-group; upserts per
/// record and in batches (COPY into a temporary table, then one INSERT … SELECT … ON CONFLICT) giving
/// the same table and counts.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresWriteTests
{
    private const string Users = "CREATE TABLE users (id bigserial PRIMARY KEY, name text NOT NULL, email text NOT NULL UNIQUE, age integer CHECK (age >= 0))";

    private static MlObject User(int i, string? email = null, long age = 30) =>
        Obj(("name", "user " + i), ("email", email ?? $"u{i}@example.org"), ("age", age));

    [PostgresFact]
    public void Groups_commit_by_size_a_refused_record_is_the_only_one_missing_and_keys_follow_the_commit()
    {
        using var db = new PgTestDb();
        db.Exec(Users);
        var (context, log) = Logging();
        var errors = new List<MlRecordException>();
        var taken = new List<SqlWrittenRecord>();
        using (var writer = new SqlRecordWriter(db.Connection, new SqlWriteOptions { Table = "users", CommitSize = 4, CommitInterval = TimeSpan.FromMinutes(5) }, context))
        {
            for (int i = 0; i < 11; i++)
            {
                try
                {
                    writer.Write(i, i == 2 ? User(i, email: "u1@example.org") : i == 5 ? User(i, age: -1) : User(i));
                }
                catch (MlRecordException ex)
                {
                    errors.Add(ex);
                }
                var now = writer.TakeWritten();
                // whatever came out is committed: another connection sees it
                if (now.Count > 0) Assert.Equal(taken.Count + now.Count, db.Count("users"));
                taken.AddRange(now);
            }
            // two groups of four committed; record 11 waits in the open group
            Assert.Equal(8, taken.Count);
            Assert.Equal(8L, db.Count("users"));
            writer.Complete();
            taken.AddRange(writer.TakeWritten());
        }
        Assert.Equal([0, 1, 3, 4, 6, 7, 8, 9, 10], taken.Select(t => t.Index));
        Assert.Equal(taken.Select(t => t.Key), Rows(db.Connection, "SELECT id FROM users ORDER BY id").Select(r => r.Values[0]));
        Assert.Equal([2, 5], errors.Select(e => e.RecordIndex));
        Assert.Equal("Record 3 was not inserted: duplicate key value violates unique constraint \"users_email_key\" [SQLSTATE 23505]", errors[0].Message);
        Assert.Equal("Record 6 was not inserted: new row for relation \"users\" violates check constraint \"users_age_check\" [SQLSTATE 23514]", errors[1].Message);
        // Until a record fails, each record is its statement alone; the failure rolls the group back
        // and writes its records again, and from then on each record is one command of savepoint,
        // insert and release (one round trip).
        var statements = log.Where(l => l.Contains("INSERT INTO ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, statements.Count);
        Assert.StartsWith("INSERT INTO ", statements[0], StringComparison.Ordinal);
        Assert.StartsWith("SAVEPOINT mldb_record; INSERT INTO ", statements[1], StringComparison.Ordinal);
        Assert.Contains("RETURNING \"id\"; RELEASE SAVEPOINT mldb_record  -- parameters: ", statements[1]);
        Assert.Contains("-- group 1: record 3 failed and its transaction was rolled back; its 2 earlier record(s) are written again, and each record from now on in a savepoint of its own", log);
        Assert.Equal(3, log.Count(l => l.StartsWith("COMMIT  -- group ", StringComparison.Ordinal)));
    }

    [PostgresFact]
    public void The_time_bound_commits_while_no_record_arrives()
    {
        using var db = new PgTestDb();
        db.Exec(Users);
        using var writer = new SqlRecordWriter(db.Connection, new SqlWriteOptions { Table = "users", CommitInterval = TimeSpan.FromMilliseconds(200) }, FlowContext.Default);
        writer.Write(0, User(0));
        writer.Write(1, User(1));
        Assert.Equal(0L, db.Count("users"));
        TestSupport.WaitFor(() => db.Count("users") == 2, "the time bound");
        // no transaction of MlDb's is left open on the server
        TestSupport.WaitFor(() => Convert.ToInt64(db.Scalar("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'MlDb' AND state LIKE 'idle in transaction%'")) == 0, "the transaction to end");
        Assert.Equal(2, writer.TakeWritten().Count);
        writer.Complete();
    }

    [PostgresFact]
    public void Ctrl_C_during_a_statement_rolls_the_open_group_back_and_cancels_the_statement_on_the_server()
    {
        using var db = new PgTestDb();
        db.Exec(Users);
        db.Exec("CREATE FUNCTION hold() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.name = 'user 6' THEN PERFORM pg_sleep(60); END IF; RETURN NEW; END $$");
        db.Exec("CREATE TRIGGER hold BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION hold()");
        using var stop = new CancellationTokenSource();
        var writer = new SqlRecordWriter(db.Connection, new SqlWriteOptions { Table = "users", CommitSize = 4, CommitInterval = TimeSpan.FromMinutes(5) }, new FlowContext { CancellationToken = stop.Token });
        var taken = new List<SqlWrittenRecord>();
        var clock = Stopwatch.StartNew();
        try
        {
            for (int i = 0; i < 5; i++)
            {
                writer.Write(i, User(i));
                taken.AddRange(writer.TakeWritten());
            }
            var stopper = Task.Run(() =>
            {
                TestSupport.WaitFor(() => Convert.ToInt64(db.Scalar("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'MlDb' AND wait_event = 'PgSleep'")) > 0, "the held insert");
                stop.Cancel();
            });
            Assert.ThrowsAny<OperationCanceledException>(() => writer.Write(5, User(5 + 1)));
            stopper.Wait();
        }
        finally
        {
            writer.Dispose();
        }
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"stopped after {clock.Elapsed}");
        Assert.Equal(4, taken.Count);
        Assert.Equal(taken.Select(t => t.Key), Rows(db.Connection, "SELECT id FROM users ORDER BY id").Select(r => r.Values[0]));
    }

    private const string People = "CREATE TABLE people (id serial PRIMARY KEY, email citext NOT NULL UNIQUE, name text, visits integer DEFAULT 0, note text)";

    private static MlObject Person(string email, string name, object visits) => Obj(("email", email), ("name", name), ("visits", Host(visits)));

    private static MlObject[] Feed() =>
    [
        Person("a@x", "Ann 2", 10L),   // existing
        Person("c@x", "Cy", 3L),       // new
        Person("B@X", "Bob 2", "20"),  // existing (citext: the key compares without case), a string the server converts
        Person("c@x", "Cy 2", 4L),     // new a moment ago: now existing
        Person("d@x", "Di", 5L),       // new
    ];

    private static PgTestDb Seeded()
    {
        var db = new PgTestDb();
        db.Exec(People);
        db.Exec("INSERT INTO people (email, name, visits, note) VALUES ('a@x', 'Ann', 1, 'keep'), ('b@x', 'Bob', 2, 'keep')");
        return db;
    }

    /// <summary>The rows by key, without ids (an INSERT that meets a conflict still draws a serial value, so ids differ between the modes).</summary>
    private static string Dump(PgTestDb db) =>
        string.Join("; ", Rows(db.Connection, "SELECT email::text, name, visits, note FROM people ORDER BY email").Select(r => string.Join(",", r.Values.Select(v => v ?? "null"))));

    [PostgresTheory]
    [InlineData(SqlConflictAction.Update, "a@x,Ann 2,10,keep; b@x,Bob 2,20,keep; c@x,Cy 2,4,null; d@x,Di,5,null")]
    [InlineData(SqlConflictAction.Ignore, "a@x,Ann,1,keep; b@x,Bob,2,keep; c@x,Cy,3,null; d@x,Di,5,null")]
    public void Upserts_per_record_and_in_a_batch_give_the_same_table_and_counts(SqlConflictAction action, string expected)
    {
        List<SqlWrittenRecord> written;
        using (var one = Seeded())
        {
            using (var writer = new SqlRecordWriter(one.Connection, new SqlWriteOptions { Table = "people", OnConflict = action, Key = ["email"] }, FlowContext.Default))
            {
                var feed = Feed();
                for (int i = 0; i < feed.Length; i++) writer.Write(i, feed[i]);
                writer.Complete();
                written = writer.TakeWritten().ToList();
            }
            Assert.Equal(expected, Dump(one));
        }
        var actions = action == SqlConflictAction.Update
            ? new[] { SqlRecordAction.Updated, SqlRecordAction.Inserted, SqlRecordAction.Updated, SqlRecordAction.Updated, SqlRecordAction.Inserted }
            : new[] { SqlRecordAction.Unchanged, SqlRecordAction.Inserted, SqlRecordAction.Unchanged, SqlRecordAction.Unchanged, SqlRecordAction.Inserted };
        Assert.Equal(actions, written.Select(w => w.Action));
        Assert.Equal(1L, written[0].Key);
        Assert.Equal(2L, written[2].Key);
        Assert.Equal(written[1].Key, written[3].Key);

        using var all = Seeded();
        var (context, log) = Logging();
        BatchOutcome outcome;
        using (var batch = new SqlBatchInserter(all.Connection, "people", null, null, 100, context, action, ["email"]))
        {
            foreach (var record in Feed()) batch.Add(MlValue.FromObject(record));
            outcome = batch.Flush()!;
        }
        Assert.Equal(
            (written.Count(w => w.Action == SqlRecordAction.Inserted), written.Count(w => w.Action == SqlRecordAction.Updated), written.Count(w => w.Action == SqlRecordAction.Unchanged)),
            (outcome.Inserted, outcome.Updated, outcome.Ignored));
        Assert.Equal(expected, Dump(all));
        // one statement per batch: COPY into a temporary table, then INSERT … SELECT … ON CONFLICT
        Assert.Contains(log, l => l.StartsWith("CREATE TEMP TABLE \"pg_temp\".\"mldb_upsert_1\" ON COMMIT DROP AS SELECT", StringComparison.Ordinal));
        Assert.Contains(log, l => l.StartsWith("WITH mldb_source AS (", StringComparison.Ordinal) && l.Contains(" ON CONFLICT (\"email\") ") && l.EndsWith("-- 5 row(s)", StringComparison.Ordinal));
    }

    [PostgresFact]
    public void A_batch_upsert_of_10000_with_half_existing_counts_inserted_and_updated_rows()
    {
        using var db = new PgTestDb();
        db.Exec("CREATE TABLE items (sku text PRIMARY KEY, qty integer NOT NULL, label text)");
        db.Exec("INSERT INTO items SELECT 's' || i, 0, 'old' FROM generate_series(0, 9999, 2) i");
        using (var batch = new SqlBatchInserter(db.Connection, "items", null, null, 10_000, FlowContext.Default, SqlConflictAction.Update, ["sku"]))
        {
            BatchOutcome? outcome = null;
            for (int i = 0; i < 10_000; i++) outcome = batch.Add(MlValue.FromObject(Obj(("sku", "s" + i), ("qty", i))));
            Assert.Equal((5000, 5000, 0), (outcome!.Inserted, outcome.Updated, outcome.Ignored));
        }
        Assert.Equal(10_000L, db.Count("items"));
        Assert.Equal(49_995_000L, Convert.ToInt64(db.Scalar("SELECT sum(qty) FROM items")));
        Assert.Equal(5000L, Convert.ToInt64(db.Scalar("SELECT count(*) FROM items WHERE label = 'old'")));
    }

    [PostgresFact]
    public void A_batch_upsert_with_a_refused_record_writes_none_of_it_and_names_the_record()
    {
        using var db = Seeded();
        var errors = new List<MlRecordException>();
        using (var batch = new SqlBatchInserter(db.Connection, "people", null, null, 3, FlowContext.Default, SqlConflictAction.Update, ["email"]))
        {
            foreach (var record in new[] { Person("a@x", "Ann 3", 5L), Person("q@x", "Quinn", "many"), Person("r@x", "Ray", 1L), Person("s@x", "Sue", 1L) })
            {
                try { batch.Add(MlValue.FromObject(record)); }
                catch (MlRecordException ex) { errors.Add(ex); }
            }
            Assert.Equal(1, batch.Flush()!.Inserted);
        }
        var error = Assert.Single(errors);
        Assert.Equal(MlDbErrorIds.BatchFailed, error.ErrorId);
        Assert.Equal("Batch 1 (records 1-3) was not written: record 2 of the batch (email = \"q@x\") failed: invalid input syntax for type integer: \"…\" [SQLSTATE 22P02]; the whole batch was rolled back", error.Message);
        Assert.Equal("a@x,Ann,1,keep; b@x,Bob,2,keep; s@x,Sue,1,null", Dump(db));
    }

    [PostgresFact]
    public void The_key_must_be_a_primary_key_or_unique_constraint_and_keys_come_back_as_the_table_has_them()
    {
        using var db = new PgTestDb();
        db.Exec("CREATE TABLE tokens (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), owner text NOT NULL, kind text NOT NULL, value text, UNIQUE (owner, kind))");
        db.Exec("CREATE UNIQUE INDEX tokens_value ON tokens (value) WHERE value IS NOT NULL");
        var ex = Assert.Throws<MlDbException>(() => new SqlRecordWriter(db.Connection, new SqlWriteOptions { Table = "tokens", OnConflict = SqlConflictAction.Update, Key = ["value"] }, FlowContext.Default));
        Assert.Equal(MlDbErrorIds.InvalidKey, ex.ErrorId);
        Assert.Contains("its keys are: primary key (id); unique (owner, kind)", ex.Message);
        using var writer = new SqlRecordWriter(db.Connection, new SqlWriteOptions { Table = "tokens", OnConflict = SqlConflictAction.Update, Key = ["kind", "owner"] }, FlowContext.Default);
        Assert.Equal("id", writer.KeyColumn);
        writer.Write(0, Obj(("owner", "ann"), ("kind", "api"), ("value", "v1")));
        writer.Write(1, Obj(("owner", "ann"), ("kind", "api"), ("value", "v2")));
        writer.Complete();
        var written = writer.TakeWritten();
        Assert.Equal([SqlRecordAction.Inserted, SqlRecordAction.Updated], written.Select(w => w.Action));
        var id = Assert.IsType<string>(written[0].Key);
        Assert.True(Guid.TryParse(id, out _));
        Assert.Equal(id, written[1].Key);
        Assert.Equal("v2", db.Scalar("SELECT value FROM tokens"));
    }
}
