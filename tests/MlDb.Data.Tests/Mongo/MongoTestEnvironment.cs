using System.Net;
using MlDb.Data.Mongo;
using MlDb.Data.Processing;
using MlDb.Language;
using MongoDB.Bson;
using MongoDB.Driver;
using Xunit;

namespace MlDb.Data.Tests.Mongo;

/// <summary>
/// The MongoDB test server: MLDB_TEST_MONGO (a mongodb:// URI) from the environment (./build.sh
/// test exports tests/services/services.sh's services.env) or from the file MLDB_SERVICES_ENV
/// names. MLDB_TEST_MONGO_KIND is <c>wire</c> for the wire-protocol server that
/// tests/services starts (@push.rocks/smartmongo's CongoServer) and <c>external</c> for a real
/// mongod given by the user; the same tests run on both.
/// <para>Limits of the wire server (tests/services/README.md, <c>mongo.sh probe</c>) that these
/// tests stay inside: <c>_id</c> must be an ObjectId (no string or number <c>_id</c> is
/// inserted); <c>$sum</c> over Decimal128 (and over Int64 beyond 2^53) returns 0, so sums run
/// over ints and doubles; unique indexes are not enforced (no test relies on one); a Double
/// with an integral value (5.0) and a small Int64 come back as Int32, so doubles in round trips
/// have a fraction and Int64 values lie beyond ±2^53 (it stores a smaller Int64 as Int32 or
/// Double); no authentication, so -Credential is
/// tested for what it shows and hides, not for a successful login.</para>
/// </summary>
internal static class MongoTestEnvironment
{
    public const string Variable = "MLDB_TEST_MONGO";
    public const string KindVariable = "MLDB_TEST_MONGO_KIND";
    public const string ServicesDirVariable = TestServices.ServicesDirVariable;

    public static string? Get(string variable) => TestServices.Get(variable);

    public static string ServerUri => Get(Variable) ?? throw new InvalidOperationException(SkipReason);

    /// <summary>True for the wire server of tests/services (which the tests may stop and start).</summary>
    public static bool IsWireServer => string.Equals(Get(KindVariable), "wire", StringComparison.OrdinalIgnoreCase);

    public static string SkipReason =>
        $"SKIPPED (MongoDB): {Variable} is not set, so there is no MongoDB test server. ./build.sh test sets it by starting " +
        "tests/services/services.sh; by hand: tests/services/services.sh start <dir> mongo, then export the lines of <dir>/services.env " +
        $"(or set MLDB_SERVICES_ENV=<dir>/services.env), or set {Variable} to the URI of a real mongod.";

    public static string NewDatabase(string name = "t") => $"mldb_{name}_{Guid.NewGuid().ToString("N")[..12]}";

    public static MongoMlConnection Connect(string? database = null, string name = "mongo-test", NetworkCredential? credential = null, string? uri = null) =>
        (MongoMlConnection)MlConnectionFactory.Connect(new MlConnectRequest(name, MlProvider.Mongo, uri ?? ServerUri, credential, database));

    /// <summary>A plain driver client for setting up and checking data behind MlDb's back.</summary>
    public static MongoClient Direct()
    {
        var settings = MongoClientSettings.FromConnectionString(ServerUri);
        settings.ServerSelectionTimeout = TimeSpan.FromSeconds(10);
        return new MongoClient(settings);
    }

    public static IMongoCollection<BsonDocument> DirectCollection(MongoClient client, string database, string collection) =>
        client.GetDatabase(database).GetCollection<BsonDocument>(collection);

    public static MlScript SeedScript() => TestSupport.Seed("mongo_processors.ml");

    public static FlowContext Context(List<string>? log = null, Func<string, string, bool>? shouldWrite = null, Action<MlOutputLevel, string>? output = null, TimeProvider? clock = null) => new()
    {
        CallOptions = MlCallOptions.Default with { Output = output, Clock = clock },
        Log = log is null ? null : message => { lock (log) log.Add(message); },
        ShouldWrite = shouldWrite,
    };

    /// <summary>
    /// The tests/services state folder that runs the wire server of MLDB_TEST_MONGO (it holds
    /// mongo/port), or null: a real mongod (MLDB_TEST_MONGO_KIND=external) is not ours to stop.
    /// The build script starts each service in a folder of its own, so MLDB_TEST_SERVICES_DIR may
    /// name another service's folder: every candidate (that variable, each such line of the file
    /// MLDB_SERVICES_ENV names, and a 'mongo' folder beside each) is checked against the port.
    /// </summary>
    public static string? ServicesDir()
    {
        if (!IsWireServer || Get(Variable) is not { } uri) return null;
        string port = new MongoUrl(uri).Server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TestServices.FindStateDir("mongo", Path.Combine("mongo", "port"), port);
    }

    /// <summary>tests/services/mongo.sh with the given arguments; throws when it fails.</summary>
    public static void MongoScript(params string[] arguments) => TestServices.RunScript("mongo.sh", arguments);

    public static MlObject Obj(params (string Key, MlValue Value)[] pairs) => TestSupport.Obj(pairs);
}

/// <summary>
/// A fact that needs the MongoDB test server: when MLDB_TEST_MONGO is missing the test is
/// reported as SKIPPED with a reason naming MongoDB and the variable (never counted as passed),
/// and the reason is printed to the error stream.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class MongoFactAttribute : FactAttribute
{
    public MongoFactAttribute()
    {
        if (MongoTestEnvironment.Get(MongoTestEnvironment.Variable) is null)
        {
            Skip = MongoTestEnvironment.SkipReason;
            Console.Error.WriteLine(Skip);
        }
    }
}

/// <summary>
/// A fact that stops and restarts the wire server of tests/services: SKIPPED, loudly, when
/// MLDB_TEST_MONGO is not set, is a real mongod, or its state folder cannot be found.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class MongoWireServerFactAttribute : FactAttribute
{
    public MongoWireServerFactAttribute()
    {
        if (MongoTestEnvironment.Get(MongoTestEnvironment.Variable) is null)
            Skip = MongoTestEnvironment.SkipReason;
        else if (MongoTestEnvironment.ServicesDir() is null)
            Skip = "SKIPPED (MongoDB): this test stops and restarts the server, which only works for the wire server that tests/services/services.sh started " +
                "(MLDB_TEST_MONGO_KIND=wire and its state folder in MLDB_TEST_SERVICES_DIR or MLDB_SERVICES_ENV); a real mongod is not ours to stop. " +
                "Nothing_listening_is_one_clear_error_within_the_selection_timeout covers an absent server everywhere.";
        if (Skip is not null) Console.Error.WriteLine(Skip);
    }
}

/// <summary>The MongoDB tests share one server (one test stops and restarts it): they never run in parallel with each other.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MongoCollection
{
    public const string Name = "MongoDB server";
}
