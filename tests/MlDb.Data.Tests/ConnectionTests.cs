using System.Net;
using MlDb.Data.Sqlite;
using Xunit;
using static MlDb.Data.Tests.TestSupport;

namespace MlDb.Data.Tests;

public sealed class ConnectionTests
{
    [Fact]
    public void Memory_database_lives_as_long_as_the_connection()
    {
        using var db = Memory();
        Exec(db, "CREATE TABLE t (x INTEGER)");
        Exec(db, "INSERT INTO t VALUES (1)");
        Assert.Equal(1L, Scalar(db, "SELECT count(*) FROM t"));
        Assert.True(db.IsMemory);
        Assert.Equal(MlProvider.Sqlite, db.Provider);
    }

    [Fact]
    public void Plain_path_and_data_source_string_both_work_and_file_is_deletable_after_dispose()
    {
        using var dir = new TempDir();
        string path = dir.File("a.db");
        var resolved = new List<string>();
        var db = (SqliteMlConnection)MlConnectionFactory.Connect(new MlConnectRequest("x", MlProvider.Sqlite, "a.db",
            ResolvePath: p => { resolved.Add(p); return Path.Combine(dir.Path, p); }));
        Assert.Equal(["a.db"], resolved);
        Assert.Equal(path, db.DataSource);
        Exec(db, "CREATE TABLE t (x INTEGER)");
        _ = Rows(db, "SELECT * FROM t");
        db.Dispose();
        System.IO.File.Delete(path);
        Assert.False(System.IO.File.Exists(path));
        Assert.ThrowsAny<MlDbException>(() => db.Lease(default));
    }

    [Fact]
    public void Display_string_never_contains_the_password()
    {
        var builder = SqliteConnectionFactory.ParseConnectionString("Data Source=x.db;Password=hunter2", null);
        Assert.Equal("hunter2", builder.Password);
        Assert.DoesNotContain("hunter2", MlConnection.Redact(builder, "Password"));
        Assert.Contains("x.db", MlConnection.Redact(builder, "Password"));
        var ex = Record.Exception(() => MlConnectionFactory.Connect(new MlConnectRequest("x", MlProvider.Sqlite, ":memory:",
            new NetworkCredential("u", "s3cret"))));
        if (ex is not null) Assert.DoesNotContain("s3cret", ex.Message);
    }

    [Fact]
    public void Bad_path_is_a_connection_error()
    {
        var ex = Assert.Throws<MlDbException>(() => MlConnectionFactory.Connect(new MlConnectRequest("x", MlProvider.Sqlite, "/no/such/dir/x.db")));
        Assert.Equal(MlDbErrorIds.ConnectionFailed, ex.ErrorId);
    }

    [Fact]
    public void Providers_not_in_this_build_say_so()
    {
        foreach (var p in new[] { MlProvider.Postgres, MlProvider.Mongo, MlProvider.Redis })
        {
            if (MlConnectionFactory.IsAvailable(p)) continue;
            var ex = Assert.Throws<MlDbException>(() => MlConnectionFactory.Connect(new MlConnectRequest("x", p, "whatever")));
            Assert.Equal(MlDbErrorIds.ProviderNotAvailable, ex.ErrorId);
        }
    }

    [Fact]
    public void ListTables_names_tables_and_views_as_Table_takes_them()
    {
        using var dir = new TempDir();
        using var db = Memory();
        Exec(db, "CREATE TABLE users (id INTEGER PRIMARY KEY)");
        Exec(db, "CREATE VIEW adults AS SELECT * FROM users");
        Exec(db, "CREATE TEMP TABLE scratch (x INTEGER)");
        Exec(db, $"ATTACH DATABASE '{dir.File("aux.db")}' AS aux");
        Exec(db, "CREATE TABLE aux.archive (x INTEGER)");
        using var lease = db.Lease(default);
        var names = db.ListTables(lease, default);
        Assert.Equal(["adults", "users", "temp.scratch", "aux.archive"], names);
        Assert.All(names, n => Assert.NotNull(db.FindTable(lease, n, default)));
    }

    [Fact]
    public void Memory_lease_is_reentrant_on_one_thread()
    {
        using var db = Memory();
        Exec(db, "CREATE TABLE t (x INTEGER)");
        Exec(db, "INSERT INTO t VALUES (1), (2)");
        using var inserter = new Processing.SqlRecordInserter(db, "t", null, Processing.FlowContext.Default);
        foreach (var row in new Processing.SqlQueryFlow(db, Processing.FlowContext.Default).MlRows(new Processing.SqlQuerySpec { Sql = "SELECT x FROM t WHERE x < 10" }))
            inserter.Insert(Language.MlValue.FromObject(Obj(("x", row.Get("x").AsInt * 100))));
        Assert.Equal(4L, Scalar(db, "SELECT count(*) FROM t"));
    }

    [Fact]
    public void File_database_streams_a_query_into_inserts_and_batches_on_one_thread()
    {
        using var dir = new TempDir();
        using var db = File(dir.File("stream.db"));
        Exec(db, "CREATE TABLE src (x INTEGER)");
        Exec(db, "CREATE TABLE dst (x INTEGER)");
        Exec(db, "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 50) INSERT INTO src SELECT n FROM s");
        var flow = new Processing.SqlQueryFlow(db, Processing.FlowContext.Default);
        var ctx = new Processing.FlowContext { CommandTimeout = TimeSpan.FromSeconds(5) };
        using (var inserter = new Processing.SqlRecordInserter(db, "dst", null, ctx))
        {
            foreach (var row in flow.MlRows(new Processing.SqlQuerySpec { Table = "src" }))
                inserter.Insert(Language.MlValue.FromObject(row));
        }
        using (var batcher = new Processing.SqlBatchInserter(db, "dst", null, null, 20, ctx))
        {
            foreach (var row in flow.MlRows(new Processing.SqlQuerySpec { Table = "src" }))
                batcher.Add(Language.MlValue.FromObject(row));
            batcher.Flush();
        }
        Assert.Equal(100L, Scalar(db, "SELECT count(*) FROM dst"));
    }
}
