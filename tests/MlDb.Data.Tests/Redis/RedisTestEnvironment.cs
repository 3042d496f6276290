using System.Net;
using MlDb.Data.Processing;
using MlDb.Data.Redis;
using MlDb.Language;
using StackExchange.Redis;
using Xunit;

namespace MlDb.Data.Tests.Redis;

/// <summary>
/// The Redis test servers of tests/services/services.sh, read from the environment (the build
/// script exports services.env) or, when only MLDB_SERVICES_ENV is set, from that file.
/// </summary>
internal static class RedisTestEnvironment
{
    public const string StandaloneVariable = "MLDB_TEST_REDIS";
    public const string AuthVariable = "MLDB_TEST_REDIS_AUTH";
    public const string PasswordVariable = "MLDB_TEST_REDIS_PASSWORD";
    public const string ClusterVariable = "MLDB_TEST_REDIS_CLUSTER";
    public const string ServicesDirVariable = TestServices.ServicesDirVariable;

    public static string? Get(string variable) => TestServices.Get(variable);

    public static string Standalone => Get(StandaloneVariable) ?? throw new InvalidOperationException(SkipReason(StandaloneVariable));

    public static string Auth => Get(AuthVariable) ?? throw new InvalidOperationException(SkipReason(AuthVariable));

    public static string Password => Get(PasswordVariable) ?? throw new InvalidOperationException(SkipReason(PasswordVariable));

    public static string Cluster => Get(ClusterVariable) ?? throw new InvalidOperationException(SkipReason(ClusterVariable));

    public static string SkipReason(string variable) =>
        $"SKIPPED (Redis): {variable} is not set, so there is no Redis test server. ./build.sh test sets it by starting " +
        "tests/services/services.sh; by hand: tests/services/services.sh start <dir> redis, then export the lines of <dir>/services.env " +
        "(or set MLDB_SERVICES_ENV=<dir>/services.env).";

    /// <summary>
    /// The state folder of tests/services whose standalone Redis is <see cref="Standalone"/> (what
    /// redis.sh stop-server/start-server take), or null. The build script starts each service in a
    /// folder of its own, so MLDB_TEST_SERVICES_DIR may name another service's folder: every
    /// candidate (that variable, each such line of MLDB_SERVICES_ENV, the 'redis' folder beside
    /// them) is checked against the port of the standalone server.
    /// </summary>
    public static string? ServicesDir()
    {
        string? standalone = Get(StandaloneVariable);
        if (standalone is null) return null;
        return TestServices.FindStateDir("redis", Path.Combine("redis", "standalone", "port"), standalone[(standalone.LastIndexOf(':') + 1)..]);
    }

    /// <summary>A unique key prefix for one test (the test servers are shared by the whole run).</summary>
    public static string Prefix(string name = "t") => $"mldb:{name}:{Guid.NewGuid().ToString("N")[..12]}:";

    public static RedisMlConnection Connect(string connectionString, NetworkCredential? credential = null, string name = "redis-test") =>
        (RedisMlConnection)MlConnectionFactory.Connect(new MlConnectRequest(name, MlProvider.Redis, connectionString, credential));

    /// <summary>A plain multiplexer for setting up and checking data behind MlDb's back.</summary>
    public static ConnectionMultiplexer Direct(string connectionString, string? password = null)
    {
        var options = ConfigurationOptions.Parse(connectionString);
        options.Password = password;
        options.AbortOnConnectFail = true;
        return ConnectionMultiplexer.Connect(options);
    }

    public static MlScript SeedScript() => TestSupport.Seed("redis_processors.ml");

    public static FlowContext Context(List<string>? log = null, Func<string, string, bool>? shouldWrite = null, CancellationToken token = default) => new()
    {
        CancellationToken = token,
        CallOptions = MlCallOptions.Default with { CancellationToken = token },
        Log = log is null ? null : message => { lock (log) log.Add(message); },
        ShouldWrite = shouldWrite,
    };

    /// <summary>tests/services/redis.sh with the given arguments; throws when it fails.</summary>
    public static void RedisScript(params string[] arguments) => TestServices.RunScript("redis.sh", arguments);
}

/// <summary>
/// A fact that needs a Redis test server: when the variable is missing the test is reported as
/// SKIPPED with a reason naming Redis and the variable (never counted as passed).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RedisFactAttribute : FactAttribute
{
    public RedisFactAttribute(string variable = RedisTestEnvironment.StandaloneVariable, string? also = null)
    {
        foreach (var v in new[] { variable, also })
        {
            bool missing = v == RedisTestEnvironment.ServicesDirVariable
                ? RedisTestEnvironment.ServicesDir() is null
                : v is not null && RedisTestEnvironment.Get(v) is null;
            if (missing)
            {
                Skip = v == RedisTestEnvironment.ServicesDirVariable
                    ? $"SKIPPED (Redis): no tests/services state folder runs the Redis server of {RedisTestEnvironment.StandaloneVariable} ({RedisTestEnvironment.ServicesDirVariable} / MLDB_SERVICES_ENV), so it cannot be stopped and restarted."
                    : RedisTestEnvironment.SkipReason(v!);
                Console.Error.WriteLine(Skip);
                break;
            }
        }
    }
}

/// <summary>The Redis tests share servers (one test stops and restarts one): they never run in parallel with each other.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RedisCollection
{
    public const string Name = "Redis servers";
}
