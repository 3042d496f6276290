using MongoDB.Driver;

namespace MlDb.Data.Mongo;

/// <summary>The databases and collections of a MongoDB connection, for tab completion of <c>-Database</c> and <c>-Collection</c>.</summary>
public static class MongoCatalog
{
    /// <summary>The server's database names, sorted.</summary>
    public static IReadOnlyList<string> ListDatabases(this MongoMlConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return Run(connection, "list the databases", () =>
            connection.Client.ListDatabaseNames(cancellationToken).ToList(cancellationToken));
    }

    /// <summary>
    /// The collection names of <paramref name="database"/> (default: the connection's), sorted,
    /// without the <c>system.*</c> ones, which the collection cmdlets refuse.
    /// </summary>
    public static IReadOnlyList<string> ListCollections(this MongoMlConnection connection, string? database, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        string name = connection.ResolveDatabase(database);
        return Run(connection, "list the collections", () =>
            connection.Client.GetDatabase(name).ListCollectionNames(cancellationToken: cancellationToken).ToList(cancellationToken)
                .Where(c => !c.StartsWith("system.", StringComparison.Ordinal)).ToList());
    }

    private static IReadOnlyList<string> Run(MongoMlConnection connection, string operation, Func<List<string>> list)
    {
        try
        {
            var names = list();
            names.Sort(StringComparer.Ordinal);
            return names;
        }
        catch (Exception ex) when (MongoErrors.IsDriverError(ex))
        {
            throw MongoErrors.Translate(ex, connection, operation);
        }
    }
}
