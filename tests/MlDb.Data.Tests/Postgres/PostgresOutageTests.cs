using System.Diagnostics;
using MlDb.Data.Processing;
using MlDb.Language;
using Npgsql;
using Xunit;
using static MlDb.Data.Tests.Postgres.Pg;

namespace MlDb.Data.Tests.Postgres;

/// <summary>
/// A test that stops and restarts the PostgreSQL server of tests/services, so it also needs
/// <c>MLDB_TEST_SERVICES_DIR</c> (the state folder that runs it); skipped loudly without it.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PostgresOutageFactAttribute : FactAttribute
{
    public PostgresOutageFactAttribute()
    {
        if (PgServer.ConnectionString is null) Skip = PgServer.SkipReason;
        else if (PgOutage.ServicesDir is null)
            Skip = "SKIPPED — PostgreSQL outage test did not run: no tests/services state folder (MLDB_TEST_SERVICES_DIR, or the lines of MLDB_SERVICES_ENV) runs the server of MLDB_TEST_POSTGRES, so it cannot be stopped and restarted.";
    }
}

internal static class PgOutage
{
    /// <summary>
    /// The tests/services state folder that runs the server of MLDB_TEST_POSTGRES, or null. The build
    /// script starts each service in a folder of its own, so MLDB_TEST_SERVICES_DIR may name another
    /// service's folder: every candidate (that variable, each such line of MLDB_SERVICES_ENV, and a
    /// 'postgres' folder beside them) is checked against the server's port.
    /// </summary>
    public static string? ServicesDir =>
        PgServer.ConnectionString is { } cs
            ? TestServices.FindStateDir("postgres", Path.Combine("postgres", "port"),
                new NpgsqlConnectionStringBuilder(cs).Port.ToString(System.Globalization.CultureInfo.InvariantCulture))
            : null;

    /// <summary>tests/services/postgres.sh stop-server|start-server on the shared test server.</summary>
    public static void Server(string command) => TestServices.RunScript("postgres.sh", command, ServicesDir!);
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresOutageTests
{
    [PostgresOutageFact]
    public void Server_stopped_in_the_middle_of_a_batch_load_leaves_no_partial_batch_and_the_next_command_after_restart_works()
    {
        using var db = new PgTestDb();
        db.Exec("CREATE TABLE items (n integer NOT NULL, label text)");
        // Row 3500 (inside batch 4 of 1000) holds the COPY on the server long enough to stop it there.
        db.Exec("CREATE FUNCTION hold_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.n = 3500 THEN PERFORM pg_sleep(60); END IF; RETURN NEW; END $$");
        db.Exec("CREATE TRIGGER hold_row BEFORE INSERT ON items FOR EACH ROW EXECUTE FUNCTION hold_row()");

        int copies = 0;
        Task? stopper = null;
        var log = new List<string>();
        var context = new FlowContext
        {
            Log = line =>
            {
                lock (log) log.Add(line);
                if (line.StartsWith("COPY ", StringComparison.Ordinal) && ++copies == 4)
                    stopper = Task.Run(() =>
                    {
                        WaitUntilHeld(db);
                        PgOutage.Server("stop-server");
                    });
            },
        };
        var errors = new List<Exception>();
        var outcomes = new List<BatchOutcome>();
        var clock = Stopwatch.StartNew();
        try
        {
            using (var batch = new SqlBatchInserter(db.Connection, "items", null, null, 1000, context))
            {
                for (int i = 0; i < 4000 && errors.Count == 0; i++)
                {
                    try
                    {
                        if (batch.Add(MlValue.FromObject(Obj(("n", i), ("label", "item " + i)))) is { } o) outcomes.Add(o);
                    }
                    catch (Exception ex)
                    {
                        errors.Add(ex);
                    }
                }
            }
            clock.Stop();
            stopper?.Wait(TimeSpan.FromSeconds(60));

            // One error, for the command as a whole (the connection is gone): no batch after it is tried.
            var error = Assert.IsType<MlDbException>(Assert.Single(errors));
            Assert.Equal(MlDbErrorIds.ConnectionFailed, error.ErrorId);
            Assert.StartsWith("The connection to the PostgreSQL server of 'test' was lost during the COPY of 1000 record(s) into ", error.Message);
            Assert.Contains("terminating connection due to administrator command", error.Message);
            Assert.EndsWith("That batch was rolled back: none of its records were written.", error.Message);
            Assert.Equal([1, 2, 3], outcomes.Select(o => o.BatchNumber));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(40), $"the error came after {clock.Elapsed}");

            // While the server is down: one clear connection error, no hang.
            var down = Assert.Throws<MlDbException>(() => Rows(db.Connection, "SELECT 1"));
            Assert.Equal(MlDbErrorIds.ConnectionFailed, down.ErrorId);
            Assert.StartsWith("Cannot open a connection to the PostgreSQL server of 'test'", down.Message);
        }
        finally
        {
            stopper?.Wait(TimeSpan.FromSeconds(60));
            PgOutage.Server("start-server");
            NpgsqlConnection.ClearAllPools(); // the test's own plain Npgsql connections (not MlDb's)
        }

        // After the restart the same named connection works at once, and only whole batches are there.
        Assert.Equal(3000L, Value(db.Connection, "SELECT count(*) FROM items"));
        Assert.Equal(0L, Value(db.Connection, "SELECT count(*) FROM items WHERE n >= 3000"));
        db.Exec("DROP TRIGGER hold_row ON items");
        using (var batch = new SqlBatchInserter(db.Connection, "items", null, null, 1000, FlowContext.Default))
        {
            for (int i = 3000; i < 4000; i++) batch.Add(MlValue.FromObject(Obj(("n", i))));
        }
        Assert.Equal(4000L, db.Count("items"));
    }

    [PostgresOutageFact]
    public void A_query_whose_server_goes_away_is_one_ConnectionFailed_error_and_the_pool_recovers()
    {
        using var db = new PgTestDb();
        Assert.Equal(1L, Value(db.Connection, "SELECT 1::bigint")); // a pooled connection exists now
        Task? stopper = null;
        var context = new FlowContext
        {
            Log = line => { if (line.StartsWith("SELECT pg_sleep", StringComparison.Ordinal)) stopper = Task.Run(() => { Thread.Sleep(500); PgOutage.Server("stop-server"); }); },
        };
        try
        {
            var ex = Assert.Throws<MlDbException>(() => Rows(db.Connection, "SELECT pg_sleep(30)", context: context));
            Assert.Equal(MlDbErrorIds.ConnectionFailed, ex.ErrorId);
            Assert.StartsWith("The connection to the PostgreSQL server of 'test' (", ex.Message);
            Assert.Contains(") was lost: ", ex.Message);
        }
        finally
        {
            stopper?.Wait(TimeSpan.FromSeconds(60));
            PgOutage.Server("start-server");
            NpgsqlConnection.ClearAllPools();
        }
        Assert.Equal(2L, Value(db.Connection, "SELECT 2::bigint"));
    }

    [PostgresOutageFact]
    public void Server_stopped_in_the_middle_of_a_group_ends_the_run_naming_the_group_and_every_key_taken_is_in_the_table()
    {
        using var db = new PgTestDb();
        db.Exec("CREATE TABLE items (id bigserial PRIMARY KEY, n integer NOT NULL)");
        // Record 2501 (in group 3 of 1000) holds its INSERT on the server long enough to stop it there.
        db.Exec("CREATE FUNCTION hold_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.n = 2500 THEN PERFORM pg_sleep(60); END IF; RETURN NEW; END $$");
        db.Exec("CREATE TRIGGER hold_row BEFORE INSERT ON items FOR EACH ROW EXECUTE FUNCTION hold_row()");

        var taken = new List<SqlWrittenRecord>();
        MlDbException? error = null;
        var clock = Stopwatch.StartNew();
        var stopper = Task.Run(() =>
        {
            WaitUntilHeld(db, "INSERT %");
            PgOutage.Server("stop-server");
        });
        try
        {
            using (var writer = new SqlRecordWriter(db.Connection, new SqlWriteOptions { Table = "items", CommitSize = 1000, CommitInterval = TimeSpan.FromMinutes(5) }, FlowContext.Default))
            {
                try
                {
                    for (int i = 0; i < 4000; i++)
                    {
                        writer.Write(i, Obj(("n", i)));
                        taken.AddRange(writer.TakeWritten());
                    }
                    writer.Complete();
                }
                catch (MlDbException ex)
                {
                    error = ex;
                    taken.AddRange(writer.TakeWritten());
                }
            }
            clock.Stop();
            stopper.Wait(TimeSpan.FromSeconds(60));

            // One error ends the run, and it says which records are not in the table.
            Assert.NotNull(error);
            Assert.Equal(MlDbErrorIds.ConnectionFailed, error.ErrorId);
            Assert.StartsWith("The connection to the PostgreSQL server of 'test' (", error.Message);
            Assert.EndsWith(". The open group 3 (records 2001-2500, 500 records) was rolled back: none of its records were written (their keys were not written out), nor record 2501.", error.Message);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(40), $"the error came after {clock.Elapsed}");
            Assert.Equal(2000, taken.Count);
        }
        finally
        {
            stopper.Wait(TimeSpan.FromSeconds(60));
            PgOutage.Server("start-server");
            NpgsqlConnection.ClearAllPools();
        }

        // Every key that came out is a row, and every row's key came out.
        Assert.Equal(taken.Select(t => t.Key), Rows(db.Connection, "SELECT id FROM items ORDER BY id").Select(r => r.Values[0]));
    }

    private static void WaitUntilHeld(PgTestDb db, string statement = "COPY %")
    {
        for (int i = 0; i < 200; i++)
        {
            using var c = new NpgsqlConnection(db.ConnectionString);
            c.Open();
            using var cmd = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'MlDb' AND wait_event = 'PgSleep' AND query LIKE @statement", c);
            cmd.Parameters.AddWithValue("statement", statement);
            if ((long)cmd.ExecuteScalar()! > 0) return;
            Thread.Sleep(50);
        }
        throw new TimeoutException($"no statement like '{statement}' was held on the server");
    }
}
