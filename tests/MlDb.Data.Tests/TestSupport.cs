using System.Runtime.CompilerServices;
using MlDb.Data;
using MlDb.Data.Processing;
using MlDb.Data.Sqlite;
using MlDb.Language;

namespace MlDb.Data.Tests;

internal static class TestSupport
{
    /// <summary>The repository root (found from this source file's location).</summary>
    public static string RepoRoot([CallerFilePath] string file = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, "..", ".."));

    /// <summary>A seed script from ../shared/seed/ml next to the repository.</summary>
    public static MlScript Seed(string name)
    {
        string path = Path.GetFullPath(Path.Combine(RepoRoot(), "..", "shared", "seed", "ml", name));
        return MlScript.Compile(System.IO.File.ReadAllText(path), name);
    }

    public static MlScript Script(string source, string name = "test.ml") => MlScript.Compile(source, name);

    public static SqliteMlConnection Memory(string name = "test") =>
        (SqliteMlConnection)MlConnectionFactory.Connect(new MlConnectRequest(name, MlProvider.Sqlite, ":memory:"));

    public static SqliteMlConnection File(string path, string name = "test") =>
        (SqliteMlConnection)MlConnectionFactory.Connect(new MlConnectRequest(name, MlProvider.Sqlite, "Data Source=" + path));

    public static void Exec(MlSqlConnection connection, string sql)
    {
        using var lease = connection.Lease(default);
        using var cmd = lease.CreateCommand(sql);
        cmd.ExecuteNonQuery();
    }

    public static object? Scalar(MlSqlConnection connection, string sql)
    {
        using var lease = connection.Lease(default);
        using var cmd = lease.CreateCommand(sql);
        return cmd.ExecuteScalar();
    }

    public static MlObject Obj(params (string Key, MlValue Value)[] pairs)
    {
        var o = new MlObject();
        foreach (var (k, v) in pairs) o.Set(k, v);
        return o;
    }

    public static MlValue Host(object? value) => MlHostConverter.Default.ToMl(value);

    public static List<SqlRow> Rows(MlSqlConnection connection, string sql, MlObject? parameters = null) =>
        new SqlQueryFlow(connection, FlowContext.Default).Rows(new SqlQuerySpec { Sql = sql, Parameters = parameters }).ToList();

    /// <summary>Polls <paramref name="condition"/> every 20 ms; fails the test after 30 seconds.</summary>
    public static void WaitFor(Func<bool> condition, string what)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException("timed out waiting for " + what);
            Thread.Sleep(20);
        }
    }

    public const string UsersTable = "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL, age INTEGER)";

    public sealed class TempDir : IDisposable
    {
        public TempDir() => System.IO.Directory.CreateDirectory(Path);

        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mldb-tests-" + Guid.NewGuid().ToString("N"));

        public string File(string name) => System.IO.Path.Combine(Path, name);

        public void Dispose()
        {
            try { System.IO.Directory.Delete(Path, recursive: true); }
            catch (IOException) { }
        }
    }
}
