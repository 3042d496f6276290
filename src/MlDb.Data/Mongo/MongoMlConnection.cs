using MongoDB.Bson;
using MongoDB.Driver;

namespace MlDb.Data.Mongo;

/// <summary>
/// A named MongoDB connection: one <see cref="MongoClient"/> (with its own connection pool and
/// server monitoring) and the default database of the collection cmdlets. The client
/// reconnects by itself when a server that went away comes back.
/// </summary>
public sealed class MongoMlConnection : MlConnection
{
    private readonly MongoClient _client;
    private readonly string? _database;
    private readonly string? _secret;

    internal MongoMlConnection(string name, MongoClient client, string? database, string display, TimeSpan selectionTimeout, string? secret)
        : base(name)
    {
        _client = client;
        _database = database;
        DisplayString = display;
        ServerSelectionTimeout = selectionTimeout;
        _secret = secret;
    }

    public override MlProvider Provider => MlProvider.Mongo;

    /// <summary>The URI without its password.</summary>
    public override string DisplayString { get; }

    /// <summary>The default database: <c>-Database</c> of Connect-MlDatabase, else the database named in the URI; null when neither.</summary>
    public override string? Database => _database;

    /// <summary>How long an operation waits for a server before it fails.</summary>
    public TimeSpan ServerSelectionTimeout { get; }

    /// <summary>The servers of the URI, for messages (<c>host:port, …</c>).</summary>
    public string Servers => string.Join(", ", _client.Settings.Servers.Select(s => s.ToString()));

    /// <summary>The driver's client (throws when the connection was closed).</summary>
    public IMongoClient Client
    {
        get
        {
            ThrowIfDisposed();
            return _client;
        }
    }

    /// <summary>
    /// The database a collection command works in: <paramref name="database"/> when given, else
    /// the connection's default; neither is an InvalidArgument error.
    /// </summary>
    public string ResolveDatabase(string? database)
    {
        string? name = string.IsNullOrEmpty(database) ? _database : database;
        if (name is null)
            throw new MlDbException(MlDbErrorIds.InvalidArgument, MlDbErrorKind.InvalidArgument,
                $"No MongoDB database is named: give -Database here, or connect with Connect-MlDatabase -Database (or a URI ending in /<database>). Connection '{Name}'.", Name);
        MongoNames.ValidateDatabase(name);
        return name;
    }

    /// <summary>A collection of BSON documents in the resolved database.</summary>
    public IMongoCollection<BsonDocument> GetCollection(string? database, string collection)
    {
        MongoNames.ValidateCollection(collection);
        return Client.GetDatabase(ResolveDatabase(database)).GetCollection<BsonDocument>(collection);
    }

    /// <summary>Sends <c>ping</c>; a server that does not answer is one ConnectionFailed error.</summary>
    public void Ping(CancellationToken cancellationToken)
    {
        try
        {
            Client.GetDatabase(_database ?? "admin").RunCommand<BsonDocument>(new BsonDocument("ping", 1), cancellationToken: cancellationToken);
        }
        catch (Exception ex) when (MongoErrors.IsDriverError(ex))
        {
            throw MongoErrors.Translate(ex, this, "connect");
        }
    }

    /// <summary>Removes the password from a text (driver messages never carry it; this is a second guard).</summary>
    internal string Scrub(string text) => MongoErrors.Scrub(text, _secret);

    /// <summary>Why the servers did not answer, from the driver's monitoring (e.g. "Connection refused"); null when unknown.</summary>
    internal string? ServerProblem()
    {
        try
        {
            var reasons = _client.Cluster.Description.Servers
                .Select(s => s.HeartbeatException?.GetBaseException().Message)
                .Where(m => !string.IsNullOrWhiteSpace(m))
                .Distinct()
                .ToArray();
            return reasons.Length == 0 ? null : string.Join("; ", reasons);
        }
        catch (Exception ex) when (ex is ObjectDisposedException or InvalidOperationException)
        {
            return null;
        }
    }

    protected override void DisposeCore() => _client.Dispose();
}
