using System.Diagnostics;
using Microsoft.Data.Sqlite;
using MlDb.Data.Processing;
using MlDb.Data.Sqlite;
using MlDb.Language;
using Xunit;
using static MlDb.Data.Tests.TestSupport;

namespace MlDb.Data.Tests;

/// <summary>
/// The per-record write path on SQLite files: groups commit by size, by time (also while no record
/// arrives), when another command needs the connection and at the end; a record the database
/// refuses is left out alone; a record's key comes out only once its row is committed, which a
/// second connection to the file confirms.
/// </summary>
public sealed class GroupCommitTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly string _path;
    private readonly SqliteMlConnection _db;

    public GroupCommitTests()
    {
        _path = _dir.File("group.db");
        _db = File(_path);
        Exec(_db, "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL UNIQUE, age INTEGER CHECK (age >= 0))");
    }

    public void Dispose()
    {
        _db.Dispose();
        _dir.Dispose();
    }

    private static MlObject User(int i, string? email = null, long age = 30) =>
        Obj(("name", "user " + i), ("email", email ?? $"u{i}@example.org"), ("age", age));

    /// <summary>Committed rows, as another connection to the file sees them.</summary>
    private long Committed(string where = "1 = 1")
    {
        using var c = new SqliteConnection($"Data Source={_path};Pooling=false");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT count(*) FROM users WHERE " + where;
        return (long)cmd.ExecuteScalar()!;
    }

    [Fact]
    public void A_group_commits_at_CommitSize_and_only_then_its_keys_come_out()
    {
        var log = new List<string>();
        var context = new FlowContext { Log = log.Add };
        using var writer = new SqlRecordWriter(_db, new SqlWriteOptions { Table = "users", CommitSize = 3, CommitInterval = TimeSpan.FromMinutes(5) }, context);
        writer.Write(0, User(0));
        writer.Write(1, User(1));
        Assert.Empty(writer.TakeWritten());
        Assert.Equal(0, Committed());
        writer.Write(2, User(2));
        var first = writer.TakeWritten();
        Assert.Equal([0, 1, 2], first.Select(w => w.Index));
        Assert.Equal([1L, 2L, 3L], first.Select(w => w.Key));
        Assert.All(first, w => Assert.Equal(SqlRecordAction.Inserted, w.Action));
        Assert.Equal(3, Committed());

        writer.Write(3, User(3));
        Assert.Empty(writer.TakeWritten());
        Assert.Equal(3, Committed());
        writer.Complete();
        Assert.Equal(4L, Assert.Single(writer.TakeWritten()).Key);
        Assert.Equal(4, Committed());
        Assert.Contains("BEGIN  -- group 1 of users", log);
        Assert.Contains("COMMIT  -- group 1 (records 1-3, 3 records)", log);
        Assert.Contains("COMMIT  -- group 2 (record 4, 1 record): end of input", log);
    }

    [Fact]
    public void The_time_bound_commits_a_group_while_no_record_arrives()
    {
        using var writer = new SqlRecordWriter(_db, new SqlWriteOptions { Table = "users", CommitInterval = TimeSpan.FromMilliseconds(200) }, FlowContext.Default);
        var clock = Stopwatch.StartNew();
        writer.Write(0, User(0));
        writer.Write(1, User(1));
        // the input stalls: nothing calls the writer, the timer commits the group
        WaitFor(() => Committed() == 2, "the time bound");
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(150), TimeSpan.FromSeconds(10));
        // the keys wait for the pipeline thread, and then come out
        Assert.Equal([1L, 2L], writer.TakeWritten().Select(w => w.Key));
        // the lock is released: another connection can write at once
        using (var other = new SqliteConnection($"Data Source={_path};Pooling=false;Default Timeout=1"))
        {
            other.Open();
            using var cmd = other.CreateCommand();
            cmd.CommandText = "INSERT INTO users (name, email) VALUES ('other', 'other@example.org')";
            Assert.Equal(1, cmd.ExecuteNonQuery());
        }
        writer.Write(2, User(2));
        writer.Complete();
        Assert.Equal(4, Committed());
    }

    [Fact]
    public void A_slow_input_commits_on_time_at_the_next_record()
    {
        using var writer = new SqlRecordWriter(_db, new SqlWriteOptions { Table = "users", CommitInterval = TimeSpan.FromMilliseconds(150) }, FlowContext.Default);
        var committedAt = new List<int>();
        for (int i = 0; i < 8; i++)
        {
            writer.Write(i, User(i));
            if (writer.TakeWritten().Count > 0) committedAt.Add(i);
            Thread.Sleep(60);
        }
        writer.Complete();
        // groups of about 150 ms at one record per 60 ms: committed several times before the end
        Assert.True(committedAt.Count >= 2, $"commits after records {string.Join(", ", committedAt)}");
        Assert.Equal(8, Committed());
    }

    [Fact]
    public void A_record_the_database_refuses_in_the_middle_of_a_group_is_the_only_one_missing()
    {
        using var writer = new SqlRecordWriter(_db, new SqlWriteOptions { Table = "users" }, FlowContext.Default);
        var errors = new List<MlRecordException>();
        for (int i = 0; i < 10; i++)
        {
            try
            {
                // record 4: a unique key used before; record 7: a CHECK constraint
                writer.Write(i, i == 3 ? User(i, email: "u1@example.org") : i == 6 ? User(i, age: -5) : User(i));
            }
            catch (MlRecordException ex)
            {
                errors.Add(ex);
            }
        }
        writer.Complete();
        Assert.Equal(8, writer.TakeWritten().Count);
        Assert.Equal(8, Committed());
        Assert.Equal(0, Committed("name IN ('user 3', 'user 6')"));
        Assert.Equal([3, 6], errors.Select(e => e.RecordIndex));
        Assert.All(errors, e => Assert.Equal(MlDbErrorIds.InsertFailed, e.ErrorId));
        Assert.Equal("Record 4 was not inserted: SQLite Error 19: 'UNIQUE constraint failed: users.email'.", errors[0].Message);
        Assert.StartsWith("Record 7 was not inserted: SQLite Error 19: 'CHECK constraint failed:", errors[1].Message);
        Assert.Equal((8, 2), (writer.Written, writer.Rejected));
    }

    [Fact]
    public void A_key_that_is_not_a_column_is_that_records_error_and_names_the_column()
    {
        using var writer = new SqlRecordWriter(_db, new SqlWriteOptions { Table = "users" }, FlowContext.Default);
        writer.Write(0, User(0));
        var ex = Assert.Throws<MlRecordException>(() => writer.Write(1, Obj(("name", "x"), ("email", "secret@example.org"), ("colour", "red"))));
        Assert.Equal(MlDbErrorIds.InvalidIdentifier, ex.ErrorId);
        Assert.StartsWith("Record 2 was not inserted: 'colour' is not a column of the table 'users'", ex.Message);
        Assert.DoesNotContain("secret", ex.Message);
        writer.Write(2, User(2));
        writer.Complete();
        Assert.Equal(2, Committed());
    }

    [Fact]
    public void A_constraint_that_ends_the_whole_transaction_loses_no_other_record()
    {
        // ON CONFLICT ROLLBACK makes SQLite roll back the whole transaction, savepoints and all:
        // the group is written again without the failing record.
        Exec(_db, "CREATE TABLE strict (id INTEGER PRIMARY KEY, code TEXT UNIQUE ON CONFLICT ROLLBACK)");
        using var writer = new SqlRecordWriter(_db, new SqlWriteOptions { Table = "strict" }, FlowContext.Default);
        writer.Write(0, Obj(("code", "a")));
        writer.Write(1, Obj(("code", "b")));
        var ex = Assert.Throws<MlRecordException>(() => writer.Write(2, Obj(("code", "a"))));
        Assert.Equal(2, ex.RecordIndex);
        writer.Write(3, Obj(("code", "c")));
        writer.Complete();
        var written = writer.TakeWritten();
        Assert.Equal([0, 1, 3], written.Select(w => w.Index));
        Assert.Equal(written.Select(w => w.Key), Rows(_db, "SELECT id FROM strict ORDER BY id").Select(r => r.Values[0]));
        Assert.Equal(["a", "b", "c"], Rows(_db, "SELECT code FROM strict ORDER BY id").Select(r => (string)r.Values[0]!));
    }

    [Fact]
    public void A_trigger_that_fails_after_a_side_effect_leaves_nothing_of_its_record_before_and_after_the_first_failure()
    {
        // RAISE(FAIL) keeps what the statement did before it (here: the audit row). Before the first
        // failure records run without savepoints: the group is rolled back and written again; after
        // it each record has a savepoint to go back to.
        Exec(_db, "CREATE TABLE audit (note TEXT)");
        Exec(_db, "CREATE TABLE readings (id INTEGER PRIMARY KEY, v INTEGER)");
        Exec(_db, "CREATE TRIGGER check_v BEFORE INSERT ON readings BEGIN INSERT INTO audit VALUES ('saw ' || NEW.v); SELECT RAISE(FAIL, 'v must be positive') WHERE NEW.v < 0; END");
        var log = new List<string>();
        using var writer = new SqlRecordWriter(_db, new SqlWriteOptions { Table = "readings" }, new FlowContext { Log = log.Add });
        var failed = new List<int>();
        long[] values = [1, 2, -3, 4, -5, 6];
        for (int i = 0; i < values.Length; i++)
        {
            try { writer.Write(i, Obj(("v", values[i]))); }
            catch (MlRecordException ex) { failed.Add(ex.RecordIndex); Assert.EndsWith("SQLite Error 19: 'v must be positive'.", ex.Message); }
        }
        writer.Complete();
        Assert.Equal([2, 4], failed);
        Assert.Equal([0, 1, 3, 5], writer.TakeWritten().Select(w => w.Index));
        Assert.Equal([1L, 2L, 4L, 6L], Rows(_db, "SELECT v FROM readings ORDER BY id").Select(r => r.Values[0]));
        Assert.Equal(["saw 1", "saw 2", "saw 4", "saw 6"], Rows(_db, "SELECT note FROM audit ORDER BY rowid").Select(r => (string)r.Values[0]!));
        Assert.StartsWith("INSERT INTO \"readings\"", log.First(l => l.Contains("INSERT INTO")), StringComparison.Ordinal);
        Assert.Contains("-- group 1: record 3 failed and its transaction was rolled back; its 2 earlier record(s) are written again, and each record from now on in a savepoint of its own", log);
        Assert.Single(log, l => l.StartsWith("SAVEPOINT mldb_record; INSERT INTO", StringComparison.Ordinal));
    }

    [Fact]
    public void Another_command_on_the_connection_commits_the_open_group_first()
    {
        // Same thread, same file: the query shares the writer's connection (SQLite leases are
        // re-entrant on a thread), and must not run inside the writer's open transaction.
        using var writer = new SqlRecordWriter(_db, new SqlWriteOptions { Table = "users", CommitInterval = TimeSpan.FromMinutes(5) }, FlowContext.Default);
        writer.Write(0, User(0));
        writer.Write(1, User(1));
        Assert.Equal(2L, Rows(_db, "SELECT count(*) FROM users").Single().Values[0]);
        Assert.Equal(2, Committed());
        Assert.Equal(2, writer.TakeWritten().Count);
        writer.Write(2, User(2));
        // a batch (its own transaction) on the same connection
        using (var batch = new SqlBatchInserter(_db, "users", null, null, 10, FlowContext.Default))
        {
            batch.Add(MlValue.FromObject(User(100)));
            Assert.Equal(1, batch.Flush()!.Inserted);
        }
        Assert.Equal(4, Committed());
        Assert.Single(writer.TakeWritten());
        writer.Complete();
    }

    [Fact]
    public void Dispose_with_a_group_open_rolls_it_back_and_nothing_of_it_came_out()
    {
        var writer = new SqlRecordWriter(_db, new SqlWriteOptions { Table = "users", CommitSize = 5, CommitInterval = TimeSpan.FromMinutes(5) }, FlowContext.Default);
        var taken = new List<SqlWrittenRecord>();
        for (int i = 0; i < 7; i++)
        {
            writer.Write(i, User(i));
            taken.AddRange(writer.TakeWritten());
        }
        IReadOnlyList<SqlWrittenRecord>? undelivered = null;
        writer.OnUndelivered = r => undelivered = r;
        writer.Dispose(); // Ctrl+C: the cmdlet is disposed with records 6 and 7 in the open group
        Assert.Null(undelivered);
        Assert.Equal(5, taken.Count);
        Assert.Equal(5, Committed());
        Assert.Equal(taken.Select(t => (object?)t.Key), Rows(_db, "SELECT id FROM users ORDER BY id").Select(r => r.Values[0]));
    }

    [Fact]
    public void Records_committed_by_the_time_bound_but_not_taken_are_handed_over_when_the_writer_is_disposed()
    {
        var writer = new SqlRecordWriter(_db, new SqlWriteOptions { Table = "users", CommitInterval = TimeSpan.FromMilliseconds(100) }, FlowContext.Default);
        writer.Write(0, User(0));
        writer.Write(1, User(1));
        WaitFor(() => Committed() == 2, "the time bound");
        IReadOnlyList<SqlWrittenRecord>? undelivered = null;
        writer.OnUndelivered = r => undelivered = r;
        writer.Dispose();
        Assert.NotNull(undelivered);
        Assert.Equal([1L, 2L], undelivered.Select(w => w.Key));
    }

    [Fact]
    public void Cancelling_mid_group_rolls_the_group_back()
    {
        using var stop = new CancellationTokenSource();
        var context = new FlowContext { CancellationToken = stop.Token };
        var writer = new SqlRecordWriter(_db, new SqlWriteOptions { Table = "users", CommitSize = 4, CommitInterval = TimeSpan.FromMinutes(5) }, context);
        var taken = new List<SqlWrittenRecord>();
        for (int i = 0; i < 6; i++)
        {
            writer.Write(i, User(i));
            taken.AddRange(writer.TakeWritten());
        }
        stop.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => writer.Write(6, User(6)));
        writer.Dispose();
        Assert.Equal(4, taken.Count);
        Assert.Equal(4, Committed());
    }

    [Fact]
    public void CommitSize_1_commits_each_record_on_its_own()
    {
        var log = new List<string>();
        using var writer = new SqlRecordWriter(_db, new SqlWriteOptions { Table = "users", CommitSize = 1 }, new FlowContext { Log = log.Add });
        writer.Write(0, User(0));
        Assert.Equal(1L, Assert.Single(writer.TakeWritten()).Key);
        Assert.Equal(1, Committed());
        Assert.Throws<MlRecordException>(() => writer.Write(1, User(1, email: "u0@example.org")));
        writer.Write(2, User(2));
        Assert.Single(writer.TakeWritten());
        Assert.Equal(2, Committed());
        Assert.DoesNotContain(log, l => l.Contains("SAVEPOINT") || l.StartsWith("BEGIN"));
    }

    [Fact]
    public void The_write_gate_is_asked_per_record_and_a_refusal_writes_nothing()
    {
        var asked = new List<string>();
        var context = new FlowContext { ShouldWrite = (_, action) => { asked.Add(action); return false; } };
        using (var writer = new SqlRecordWriter(_db, new SqlWriteOptions { Table = "users" }, context))
        {
            Assert.Equal(SqlWriteStatus.NotWritten, writer.Write(0, User(0)));
            writer.Complete();
            Assert.Empty(writer.TakeWritten());
        }
        Assert.Equal(["Insert record 1: columns name, email, age"], asked);
        Assert.Equal(0, Committed());
    }

    [Fact]
    public void Two_writers_chained_on_one_connection_each_get_their_rows_committed()
    {
        // Add-MlRecord -PassThru | Add-MlRecord on one SQLite file: both groups share the thread's connection.
        Exec(_db, "CREATE TABLE audit (id INTEGER PRIMARY KEY, user_id INTEGER, note TEXT)");
        using var users = new SqlRecordWriter(_db, new SqlWriteOptions { Table = "users", CommitSize = 2 }, FlowContext.Default);
        using var audit = new SqlRecordWriter(_db, new SqlWriteOptions { Table = "audit", CommitSize = 3 }, FlowContext.Default);
        int n = 0;
        for (int i = 0; i < 9; i++)
        {
            users.Write(i, User(i));
            foreach (var w in users.TakeWritten()) audit.Write(n++, Obj(("user_id", MlValue.FromInt((long)w.Key!)), ("note", "added")));
        }
        users.Complete();
        foreach (var w in users.TakeWritten()) audit.Write(n++, Obj(("user_id", MlValue.FromInt((long)w.Key!)), ("note", "added")));
        audit.Complete();
        Assert.Equal(9, Committed());
        Assert.Equal(9L, Scalar(_db, "SELECT count(*) FROM audit a JOIN users u ON u.id = a.user_id"));
    }
}
