using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using MlDb.Data;
using MlDb.Data.Mongo;

namespace MlDb.PowerShell;

/// <summary>
/// Completes <c>-Table</c> with the tables and views of the connection: the <c>-Connection</c>
/// already typed on the command line, else <c>default</c>. Names are offered as <c>-Table</c>
/// takes them (<c>schema.table</c> where the plain name would not be found).
/// </summary>
public sealed class MlTableNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        CatalogCompletion.Complete(wordToComplete, fakeBoundParameters, "table or view", (connection, _, cancellationToken) =>
        {
            if (connection is not MlSqlConnection sql) return [];
            using var lease = sql.Lease(cancellationToken);
            return sql.ListTables(lease, cancellationToken);
        });
}

/// <summary>Completes <c>-Collection</c> with the collections of the <c>-Database</c> typed (else the connection's default) on a MongoDB connection.</summary>
public sealed class MlCollectionNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        CatalogCompletion.Complete(wordToComplete, fakeBoundParameters, "collection", (connection, database, cancellationToken) =>
            connection is MongoMlConnection mongo && (database ?? mongo.Database) is not null ? mongo.ListCollections(database, cancellationToken) : []);
}

/// <summary>Completes <c>-Database</c> with the databases of a MongoDB connection.</summary>
public sealed class MlDatabaseNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        CatalogCompletion.Complete(wordToComplete, fakeBoundParameters, "database", (connection, _, cancellationToken) =>
            connection is MongoMlConnection mongo ? mongo.ListDatabases(cancellationToken) : []);
}

/// <summary>
/// What the catalog completers share: the connection of the command line, a time bound (a server
/// that does not answer must never hang the prompt: after <see cref="TimeLimit"/> nothing is
/// offered), wildcard matching of the word typed, and quoting of names PowerShell would split.
/// </summary>
internal static class CatalogCompletion
{
    public static readonly TimeSpan TimeLimit = TimeSpan.FromSeconds(3);

    public delegate IReadOnlyList<string> Lister(MlConnection connection, string? database, CancellationToken cancellationToken);

    public static IEnumerable<CompletionResult> Complete(string wordToComplete, IDictionary fakeBoundParameters, string what, Lister list)
    {
        var connection = ConnectionOf(fakeBoundParameters);
        if (connection is null || connection.IsDisposed) return [];
        string? database = TextOf(fakeBoundParameters, "Database");
        IReadOnlyList<string> names;
        using (var cancel = new CancellationTokenSource(TimeLimit))
        {
            var listing = Task.Run(() => list(connection, database, cancel.Token), cancel.Token);
            try
            {
                if (!listing.Wait(TimeLimit)) return [];
                names = listing.Result;
            }
            catch (AggregateException)
            {
                // the server refused or is gone, the database does not exist, …: nothing to offer
                return [];
            }
        }
        string word = wordToComplete.Trim('\'', '"');
        var pattern = WildcardPattern.Get(word + "*", WildcardOptions.IgnoreCase);
        return names
            .Where(name => pattern.IsMatch(name) || (name.IndexOf('.') is int dot and > 0 && pattern.IsMatch(name[(dot + 1)..])))
            .Select(name => new CompletionResult(MlConnectionNameCompleter.Quote(name), name, CompletionResultType.ParameterValue,
                $"{name} ({what} of '{connection.Name}', {connection.Provider})"))
            .ToList();
    }

    /// <summary>The connection named by -Connection on the command line (a name or a connection object), else <c>default</c>; null when there is none.</summary>
    private static MlConnection? ConnectionOf(IDictionary fakeBoundParameters)
    {
        var value = fakeBoundParameters.Contains("Connection") ? fakeBoundParameters["Connection"] : null;
        if (value is PSObject pso) value = pso.BaseObject;
        var info = value as MlConnectionInfo ?? ConnectionRegistry.Current.Get(value as string ?? ConnectionRegistry.DefaultName);
        return info?.Connection as MlConnection;
    }

    private static string? TextOf(IDictionary fakeBoundParameters, string name)
    {
        var value = fakeBoundParameters.Contains(name) ? fakeBoundParameters[name] : null;
        if (value is PSObject pso) value = pso.BaseObject;
        return value is string { Length: > 0 } text ? text : null;
    }
}
