using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MlDb.Data.Mongo;
using MlDb.Data.Processing;
using MlDb.Language;
using Xunit;
using static MlDb.Data.Tests.Mongo.MongoTestEnvironment;

namespace MlDb.Data.Tests.Mongo;

/// <summary>Connections: URIs, default database, credentials never shown, and a server that is not there.</summary>
[Collection(MongoCollection.Name)]
public sealed class MongoConnectionTests
{
    private const string Secret = "s3cr3t-P@ss:word";

    [Fact]
    public void Malformed_uris_are_clear_errors_that_never_show_a_password()
    {
        var notUri = Assert.Throws<MlDbException>(() => MlConnectionFactory.Connect(new MlConnectRequest("m", MlProvider.Mongo, "localhost:27017")));
        Assert.Equal(MlDbErrorIds.InvalidArgument, notUri.ErrorId);
        Assert.Contains("mongodb://", notUri.Message);

        var bad = Assert.Throws<MlDbException>(() => MlConnectionFactory.Connect(new MlConnectRequest("m", MlProvider.Mongo, "mongodb://bob:hunter2@host:notaport/db")));
        Assert.Equal(MlDbErrorIds.InvalidArgument, bad.ErrorId);
        Assert.DoesNotContain("hunter2", bad.Message);
        Assert.Null(bad.InnerException);

        var badDb = Assert.Throws<MlDbException>(() => MlConnectionFactory.Connect(new MlConnectRequest("m", MlProvider.Mongo, "mongodb://127.0.0.1:1", Database: "a/b")));
        Assert.Equal(MlDbErrorIds.InvalidIdentifier, badDb.ErrorId);
    }

    [Fact]
    public void Display_strings_drop_the_password_and_keep_the_rest()
    {
        var builder = MongoConnectionFactory.ParseUri("mongodb://bob:" + System.Uri.EscapeDataString(Secret) + "@h1:27018,h2/app?authSource=admin");
        string display = MongoConnectionFactory.DisplayOf(builder);
        Assert.DoesNotContain(Secret, display);
        Assert.DoesNotContain(System.Uri.EscapeDataString(Secret), display);
        Assert.StartsWith("mongodb://bob@h1:27018,h2/app?", display);
        Assert.Contains("authSource=admin", display);
    }

    [Fact]
    public void Nothing_listening_is_one_clear_error_within_the_selection_timeout()
    {
        int port = FreePort();
        var watch = Stopwatch.StartNew();
        var ex = Assert.Throws<MlDbException>(() => MlConnectionFactory.Connect(new MlConnectRequest("gone", MlProvider.Mongo,
            $"mongodb://bob@127.0.0.1:{port}/?directConnection=true", new NetworkCredential("bob", Secret))));
        watch.Stop();
        Assert.Equal(MlDbErrorIds.ConnectionFailed, ex.ErrorId);
        Assert.Equal(MlDbErrorKind.ConnectionError, ex.Kind);
        Assert.Matches($@"^Cannot connect: no answer from the MongoDB server 127\.0\.0\.1:{port} \(connection 'gone'\) within 5 s \(.+\)\.$", ex.Message);
        Assert.DoesNotContain("\n", ex.Message);
        Assert.DoesNotContain(Secret, ex.Message);
        Assert.Null(ex.InnerException);
        Assert.InRange(watch.Elapsed, TimeSpan.Zero, MongoConnectionFactory.DefaultServerSelectionTimeout + TimeSpan.FromSeconds(10));

        var quick = Stopwatch.StartNew();
        var fast = Assert.Throws<MlDbException>(() => MlConnectionFactory.Connect(new MlConnectRequest("gone", MlProvider.Mongo,
            $"mongodb://127.0.0.1:{port}/?directConnection=true&serverSelectionTimeoutMS=500")));
        Assert.Contains("within 0.5 s", fast.Message);
        Assert.InRange(quick.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(5));
    }

    [MongoFact]
    public void A_connection_has_a_default_database_and_shows_no_credential()
    {
        string db = NewDatabase("conn");
        using var connection = Connect(db, "named");
        Assert.Equal(MlProvider.Mongo, connection.Provider);
        Assert.Equal("named", connection.Name);
        Assert.Equal(db, connection.Database);
        Assert.StartsWith("mongodb://", connection.DisplayString);
        Assert.Equal(db, connection.ResolveDatabase(null));
        Assert.Equal("other", connection.ResolveDatabase("other"));

        // The database may also come from the URI path.
        var builder = MongoConnectionFactory.ParseUri(ServerUri);
        builder.DatabaseName = db;
        using var fromUri = Connect(uri: builder.ToString());
        Assert.Equal(db, fromUri.Database);

        connection.Dispose();
        var closed = Assert.Throws<MlDbException>(() => connection.Client);
        Assert.Equal(MlDbErrorIds.ConnectionNotFound, closed.ErrorId);
    }

    [MongoFact]
    public void A_credential_is_used_but_never_shown()
    {
        // The wire server has no authentication and a real mongod may not know this user: either
        // the login fails (ConnectionFailed) or, on a server without auth, the ping succeeds.
        // Both ways the password appears nowhere.
        var log = new List<string>();
        MlConnection? connection = null;
        try
        {
            connection = Connect(NewDatabase("cred"), credential: new NetworkCredential("mldb_nobody", Secret));
            Assert.DoesNotContain(Secret, connection.DisplayString);
            Assert.DoesNotContain(System.Uri.EscapeDataString(Secret), connection.DisplayString);
            Assert.Contains("mldb_nobody@", connection.DisplayString);
            Assert.DoesNotContain(Secret, connection.ToString());
        }
        catch (MlDbException ex)
        {
            Assert.Equal(MlDbErrorIds.ConnectionFailed, ex.ErrorId);
            Assert.DoesNotContain(Secret, ex.Message);
            Assert.DoesNotContain(System.Uri.EscapeDataString(Secret), ex.Message);
            Assert.Null(ex.InnerException);
        }
        finally
        {
            connection?.Dispose();
        }
    }

    [MongoWireServerFact]
    public void A_stopped_server_is_one_clear_error_and_the_connection_works_again_after_a_restart()
    {
        string dir = ServicesDir()!;
        string db = NewDatabase("outage");
        using var connection = Connect(db);
        var log = new List<string>();
        var flow = new MongoQueryFlow(connection, Context(log));
        using var held = MongoInsertTests.Inserter(connection, "t", Context(), groupSize: 10);
        Assert.Null(held.Add(MlValue.FromObject(Obj(("i", 1L)))));
        MongoScript("stop-server", dir);
        try
        {
            var watch = Stopwatch.StartNew();
            var ex = Assert.Throws<MlDbException>(() => flow.Documents(new MongoQuerySpec { Collection = "t" }).ToList());
            watch.Stop();
            Assert.Equal(MlDbErrorIds.ConnectionFailed, ex.ErrorId);
            Assert.Matches(@$"^Cannot (find on {db}\.t: no answer from|find on {db}\.t: lost the connection to) the MongoDB server 127\.0\.0\.1:\d+ \(connection 'mongo-test'\)", ex.Message);
            Assert.DoesNotContain("\n", ex.Message);
            Assert.InRange(watch.Elapsed, TimeSpan.Zero, MongoConnectionFactory.DefaultServerSelectionTimeout + TimeSpan.FromSeconds(10));

            using var writer = MongoInsertTests.Inserter(connection, "t", Context(), groupSize: 1);
            var write = Assert.Throws<MlDbException>(() => MongoInsertTests.Run(writer, [MlValue.FromObject(Obj(("i", 2L)))]));
            Assert.Equal(MlDbErrorIds.ConnectionFailed, write.ErrorId);
            Assert.StartsWith($"Cannot insert group 1 (record 1) into {db}.t:", write.Message);
        }
        finally
        {
            MongoScript("start-server", dir);
        }
        // The same connection reconnects by itself.
        var again = flow.Documents(new MongoQuerySpec { Collection = "t" }).ToList();
        Assert.Empty(again); // the first insert was still held: a group of 10 with no time bound, never flushed
        using var writer2 = MongoInsertTests.Inserter(connection, "t", Context(), groupSize: 1);
        Assert.Single(MongoInsertTests.Run(writer2, [MlValue.FromObject(Obj(("i", 3L)))]).Outcomes);
        Assert.Single(flow.Documents(new MongoQuerySpec { Collection = "t" }));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
