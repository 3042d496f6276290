using System.Data.Common;
using System.Net;

namespace MlDb.Data;

/// <summary>The database kinds MlDb talks to.</summary>
public enum MlProvider
{
    Sqlite,
    Postgres,
    Mongo,
    Redis,
}

/// <summary>
/// One named connection of any provider: what the connection registry holds and what
/// <c>Get-MlConnection</c> shows. Providers derive from it (SQL ones through
/// <see cref="MlSqlConnection"/>). A connection never exposes its password: the
/// <see cref="DisplayString"/> is built with credentials removed.
/// </summary>
public abstract class MlConnection : IDisposable
{
    private int _disposed;

    protected MlConnection(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        ConnectedAt = DateTime.UtcNow;
    }

    /// <summary>The registry name (<c>default</c> unless the user named it).</summary>
    public string Name { get; }

    public abstract MlProvider Provider { get; }

    /// <summary>Where the connection points, safe to print: never contains a password.</summary>
    public abstract string DisplayString { get; }

    /// <summary>The default database (Mongo), or the database/file the connection is bound to; null when not applicable.</summary>
    public virtual string? Database => null;

    public DateTime ConnectedAt { get; }

    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Throws <see cref="ObjectDisposedException"/> naming the connection when it was closed.</summary>
    protected void ThrowIfDisposed()
    {
        if (IsDisposed)
            throw new MlDbException(MlDbErrorIds.ConnectionNotFound, MlDbErrorKind.ConnectionError,
                $"The connection '{Name}' has been closed (Disconnect-MlDatabase, or replaced by a new connection with the same name).", Name);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        DisposeCore();
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the provider's resources (close connections, clear pools).</summary>
    protected abstract void DisposeCore();

    public override string ToString() => $"{Name} ({Provider}: {DisplayString})";

    /// <summary>
    /// Removes every password-like key from a connection string (for <see cref="DisplayString"/>).
    /// Providers call it with their own builder type so the key synonyms are understood.
    /// </summary>
    public static string Redact(DbConnectionStringBuilder builder, params string[] secretKeys)
    {
        DbConnectionStringBuilder copy;
        try
        {
            copy = (DbConnectionStringBuilder)Activator.CreateInstance(builder.GetType())!;
        }
        catch (MissingMethodException)
        {
            copy = new DbConnectionStringBuilder();
        }
        copy.ConnectionString = builder.ConnectionString;
        foreach (var secret in secretKeys)
        {
            try
            {
                copy.Remove(secret);
            }
            catch (ArgumentException)
            {
                // a key the provider does not know cannot be present
            }
        }
        foreach (var key in copy.Keys.Cast<string>().ToArray())
        {
            foreach (var secret in secretKeys)
            {
                if (key.Replace(" ", "", StringComparison.Ordinal).Equals(secret.Replace(" ", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase))
                    copy.Remove(key);
            }
        }
        return copy.ConnectionString;
    }
}

/// <summary>What <c>Connect-MlDatabase</c> asks a provider for.</summary>
/// <param name="Name">Registry name.</param>
/// <param name="Provider">Which provider.</param>
/// <param name="ConnectionString">The provider's connection string (SQLite also takes a plain path).</param>
/// <param name="Credential">User and password kept out of the connection string; null when not given.</param>
/// <param name="Database">Default database (Mongo); null when not given.</param>
/// <param name="ResolvePath">Turns a file path as the user typed it into a full file-system path
/// (relative to the current location, PowerShell drives); null = use it as is.</param>
public sealed record MlConnectRequest(
    string Name,
    MlProvider Provider,
    string ConnectionString,
    NetworkCredential? Credential = null,
    string? Database = null,
    Func<string, string>? ResolvePath = null);

/// <summary>Opens connections of one provider. Register one per provider in <see cref="MlConnectionFactory"/>.</summary>
public interface IMlConnectionFactory
{
    MlProvider Provider { get; }

    /// <summary>Connects (and proves the connection works), or throws <see cref="MlDbException"/> with <see cref="MlDbErrorIds.ConnectionFailed"/>.</summary>
    MlConnection Connect(MlConnectRequest request, CancellationToken cancellationToken);
}

/// <summary>The provider registry: which factory serves which <see cref="MlProvider"/>.</summary>
public static class MlConnectionFactory
{
    // Factories by provider, each made the first time its provider is used (a connection to
    // SQLite builds nothing for the others; cold start pays only for what it uses). Keyed by the
    // provider's number: a dictionary over the enum type itself would be compiled on first use.
    private static readonly Dictionary<int, IMlConnectionFactory> Factories = [];

    private static readonly object Gate = new();

    /// <summary>Adds or replaces the factory of a provider.</summary>
    public static void Register(IMlConnectionFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        lock (Gate) Factories[(int)factory.Provider] = factory;
    }

    public static bool IsAvailable(MlProvider provider) => FactoryFor(provider) is not null;

    private static IMlConnectionFactory? FactoryFor(MlProvider provider)
    {
        lock (Gate)
        {
            if (Factories.TryGetValue((int)provider, out var factory)) return factory;
            factory = BuiltIn(provider);
            if (factory is not null) Factories[(int)provider] = factory;
            return factory;
        }
    }

    private static IMlConnectionFactory? BuiltIn(MlProvider provider) => provider switch
    {
        MlProvider.Sqlite => new Sqlite.SqliteConnectionFactory(),
        MlProvider.Mongo => new Mongo.MongoConnectionFactory(),
        MlProvider.Postgres => new Postgres.PostgresConnectionFactory(),
        MlProvider.Redis => new Redis.RedisConnectionFactory(),
        _ => null,
    };

    public static MlConnection Connect(MlConnectRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var factory = FactoryFor(request.Provider);
        if (factory is null)
            throw new MlDbException(MlDbErrorIds.ProviderNotAvailable, MlDbErrorKind.NotInstalled,
                $"The {request.Provider} provider is not available in this version of MlDb.", request.Provider.ToString());
        return factory.Connect(request, cancellationToken);
    }
}
