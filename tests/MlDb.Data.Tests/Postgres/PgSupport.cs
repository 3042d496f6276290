using MlDb.Data.Postgres;
using MlDb.Data.Processing;
using MlDb.Language;
using Npgsql;
using Xunit;

namespace MlDb.Data.Tests.Postgres;

/// <summary>
/// A test that needs the PostgreSQL server of tests/services. Without <c>MLDB_TEST_POSTGRES</c> it is
/// reported as SKIPPED (never as passed), with a reason that names PostgreSQL and the variable.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (PgServer.ConnectionString is null) Skip = PgServer.SkipReason;
    }
}

/// <summary>A data-driven test that needs the PostgreSQL server (skipped like <see cref="PostgresFactAttribute"/>).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PostgresTheoryAttribute : TheoryAttribute
{
    public PostgresTheoryAttribute()
    {
        if (PgServer.ConnectionString is null) Skip = PgServer.SkipReason;
    }
}

/// <summary>All PostgreSQL test classes run one after another (one server, and one test restarts a server).</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection
{
    public const string Name = "PostgreSQL";
}

internal static class PgServer
{
    public const string Variable = "MLDB_TEST_POSTGRES";

    public const string SkipReason =
        "SKIPPED — PostgreSQL tests did not run: the environment variable MLDB_TEST_POSTGRES (an Npgsql connection string) is not set. " +
        "Start a server with 'tests/services/services.sh start <dir> postgres' and export <dir>/services.env, or run './build.sh test'.";

    /// <summary>The repository root (three levels above this file).</summary>
    public static string RepoRoot([System.Runtime.CompilerServices.CallerFilePath] string file = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, "..", "..", ".."));

    public static string? ConnectionString => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } s ? s : null;

    private static readonly Lazy<bool> Extensions = new(() =>
    {
        using var connection = new NpgsqlConnection(ConnectionString);
        connection.Open();
        using var cmd = new NpgsqlCommand("CREATE EXTENSION IF NOT EXISTS citext SCHEMA public", connection);
        try
        {
            cmd.ExecuteNonQuery();
        }
        catch (PostgresException ex) when (ex.SqlState is "23505" or "42710")
        {
            // created by a concurrent test run in the meantime
        }
        return true;
    });

    /// <summary>Makes sure the citext extension exists (before any data source loads its types).</summary>
    public static void EnsureExtensions() => _ = Extensions.Value;
}

/// <summary>
/// A throwaway schema on the test server and an MlDb connection whose search path starts with it,
/// so the tables of one test never meet another's. Dropped (with everything in it) on dispose.
/// </summary>
internal sealed class PgTestDb : IDisposable
{
    private readonly List<MlConnection> _connections = [];

    public PgTestDb(string? extra = null)
    {
        PgServer.EnsureExtensions();
        Schema = "mldb_t_" + Guid.NewGuid().ToString("N")[..12];
        AdminExec($"CREATE SCHEMA \"{Schema}\"");
        var builder = new NpgsqlConnectionStringBuilder(PgServer.ConnectionString!) { SearchPath = Schema + ",public" };
        ConnectionString = builder.ConnectionString + (extra is null ? "" : ";" + extra);
        Connection = Connect();
    }

    public string Schema { get; }

    public string ConnectionString { get; }

    public PostgresMlConnection Connection { get; }

    public PostgresMlConnection Connect(string name = "test", string? connectionString = null, System.Net.NetworkCredential? credential = null)
    {
        var connection = (PostgresMlConnection)MlConnectionFactory.Connect(new MlConnectRequest(name, MlProvider.Postgres, connectionString ?? ConnectionString, credential));
        _connections.Add(connection);
        return connection;
    }

    /// <summary>Runs SQL outside MlDb (plain Npgsql), in the test schema.</summary>
    public void Exec(string sql)
    {
        using var c = new NpgsqlConnection(ConnectionString);
        c.Open();
        using var cmd = new NpgsqlCommand(sql, c);
        cmd.ExecuteNonQuery();
    }

    public object? Scalar(string sql)
    {
        using var c = new NpgsqlConnection(ConnectionString);
        c.Open();
        using var cmd = new NpgsqlCommand(sql, c);
        var v = cmd.ExecuteScalar();
        return v is DBNull ? null : v;
    }

    public long Count(string table) => Convert.ToInt64(Scalar($"SELECT count(*) FROM {table}"));

    private static void AdminExec(string sql)
    {
        using var c = new NpgsqlConnection(PgServer.ConnectionString);
        c.Open();
        using var cmd = new NpgsqlCommand(sql, c);
        cmd.ExecuteNonQuery();
    }

    public void Dispose()
    {
        foreach (var c in _connections) c.Dispose();
        NpgsqlConnection.ClearAllPools();
        try
        {
            AdminExec($"DROP SCHEMA IF EXISTS \"{Schema}\" CASCADE");
        }
        catch (NpgsqlException)
        {
            // the server may be gone (a test that stops it); its data folder is thrown away anyway
        }
    }
}

internal static class Pg
{
    public static MlScript Script(string source, string name = "test.ml") => MlScript.Compile(source, name);

    public static MlScript Seed(string name) => TestSupport.Seed(name);

    public static MlObject Obj(params (string Key, MlValue Value)[] pairs) => TestSupport.Obj(pairs);

    public static MlValue Host(object? value) => MlHostConverter.Default.ToMl(value);

    public static List<SqlRow> Rows(MlSqlConnection connection, string sql, MlObject? parameters = null, FlowContext? context = null) =>
        new SqlQueryFlow(connection, context ?? FlowContext.Default).Rows(new SqlQuerySpec { Sql = sql, Parameters = parameters }).ToList();

    public static List<MlObject> MlRows(MlSqlConnection connection, string sql, MlObject? parameters = null) =>
        new SqlQueryFlow(connection, FlowContext.Default).MlRows(new SqlQuerySpec { Sql = sql, Parameters = parameters }).ToList();

    public static object? Value(MlSqlConnection connection, string sql, MlObject? parameters = null) =>
        Rows(connection, sql, parameters).Single().Values[0];

    /// <summary>A FlowContext whose log lines are collected.</summary>
    public static (FlowContext Context, List<string> Log) Logging(CancellationToken token = default, TimeSpan? timeout = null)
    {
        var log = new List<string>();
        var context = new FlowContext
        {
            CancellationToken = token,
            CommandTimeout = timeout,
            Log = line => { lock (log) log.Add(line); },
        };
        return (context, log);
    }
}
