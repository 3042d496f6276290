using MongoDB.Driver;

namespace MlDb.Data.Mongo;

/// <summary>
/// Opens MongoDB connections: one <see cref="MongoClient"/> per named connection, from a MongoDB
/// URI (<c>mongodb://</c> or <c>mongodb+srv://</c>). <c>-Credential</c> supplies the user and
/// password (it wins over any in the URI; the authentication source is the URI's
/// <c>authSource</c>, else its database, else <c>admin</c>). The server is pinged before the
/// connection is handed out, so a wrong address fails here, once, within the server selection
/// timeout: <see cref="DefaultServerSelectionTimeout"/> unless the URI sets
/// <c>serverSelectionTimeoutMS</c>.
/// </summary>
public sealed class MongoConnectionFactory : IMlConnectionFactory
{
    /// <summary>How long an operation waits for a server to answer before it fails (the driver's default is 30 s).</summary>
    public static readonly TimeSpan DefaultServerSelectionTimeout = TimeSpan.FromSeconds(5);

    public MlProvider Provider => MlProvider.Mongo;

    public MlConnection Connect(MlConnectRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var builder = ParseUri(request.ConnectionString);
        if (request.Credential is { } credential && !string.IsNullOrEmpty(credential.UserName))
        {
            builder.Username = credential.UserName;
            builder.Password = credential.Password;
        }
        bool hasSecret = !string.IsNullOrEmpty(builder.Password);
        string display = DisplayOf(builder);

        MongoClientSettings settings;
        try
        {
            settings = MongoClientSettings.FromUrl(builder.ToMongoUrl());
        }
        catch (Exception ex) when (ex is MongoConfigurationException or ArgumentException or FormatException)
        {
            throw new MlDbException(MlDbErrorIds.InvalidArgument, MlDbErrorKind.InvalidArgument,
                $"The MongoDB connection string {display} is not valid: {MongoErrors.Scrub(ex.Message, builder.Password)}", display);
        }
        if (!MentionsOption(request.ConnectionString, "serverSelectionTimeoutMS"))
            settings.ServerSelectionTimeout = DefaultServerSelectionTimeout;
        if (!MentionsOption(request.ConnectionString, "connectTimeoutMS"))
            settings.ConnectTimeout = settings.ServerSelectionTimeout;
        settings.ApplicationName ??= "MlDb";

        string? database = string.IsNullOrEmpty(request.Database) ? builder.DatabaseName : request.Database;
        if (database is not null) MongoNames.ValidateDatabase(database);

        var client = new MongoClient(settings);
        var connection = new MongoMlConnection(request.Name, client, database, display, settings.ServerSelectionTimeout, hasSecret ? builder.Password : null);
        try
        {
            connection.Ping(cancellationToken);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
        return connection;
    }

    /// <summary>Reads a MongoDB URI; a malformed one is an InvalidArgument error that never repeats the password.</summary>
    public static MongoUrlBuilder ParseUri(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string trimmed = text.Trim();
        if (!trimmed.StartsWith("mongodb://", StringComparison.OrdinalIgnoreCase) &&
            !trimmed.StartsWith("mongodb+srv://", StringComparison.OrdinalIgnoreCase))
            throw new MlDbException(MlDbErrorIds.InvalidArgument, MlDbErrorKind.InvalidArgument,
                "A MongoDB connection string is a URI that starts with mongodb:// or mongodb+srv:// (for example mongodb://localhost:27017).", null);
        try
        {
            return new MongoUrlBuilder(trimmed);
        }
        catch (Exception ex) when (ex is MongoConfigurationException or ArgumentException or FormatException)
        {
            // The driver's message hides the password; the inner exception is dropped all the same.
            throw new MlDbException(MlDbErrorIds.InvalidArgument, MlDbErrorKind.InvalidArgument,
                "The MongoDB connection string is not valid: " + MongoErrors.Scrub(ex.Message, PasswordIn(trimmed)), null);
        }
    }

    /// <summary>The URI with the password removed (the user name stays), for display.</summary>
    public static string DisplayOf(MongoUrlBuilder builder)
    {
        var copy = new MongoUrlBuilder(builder.ToString()) { Password = null };
        return copy.ToString();
    }

    private static bool MentionsOption(string uri, string option)
    {
        int q = uri.IndexOf('?', StringComparison.Ordinal);
        if (q < 0) return false;
        foreach (var pair in uri[(q + 1)..].Split('&', ';'))
        {
            int eq = pair.IndexOf('=', StringComparison.Ordinal);
            string key = eq < 0 ? pair : pair[..eq];
            if (key.Equals(option, StringComparison.OrdinalIgnoreCase)) return true;
        }
        return false;
    }

    // user:password@ in the authority part, for scrubbing messages about a URI that did not parse.
    private static string? PasswordIn(string uri)
    {
        int start = uri.IndexOf("://", StringComparison.Ordinal) + 3;
        int at = uri.IndexOf('@', start);
        if (at < 0) return null;
        int slash = uri.IndexOf('/', start);
        if (slash >= 0 && slash < at) return null;
        int colon = uri.IndexOf(':', start);
        return colon >= 0 && colon < at ? uri[(colon + 1)..at] : null;
    }
}

/// <summary>Checks database and collection names against MongoDB's rules before they reach the server.</summary>
public static class MongoNames
{
    private static readonly char[] BadDatabaseChars = ['/', '\\', '.', ' ', '"', '$', '*', '<', '>', ':', '|', '?', '\0'];

    public static void ValidateDatabase(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 63 || name.IndexOfAny(BadDatabaseChars) >= 0)
            throw new MlDbException(MlDbErrorIds.InvalidIdentifier, MlDbErrorKind.InvalidArgument,
                $"'{name}' is not a valid MongoDB database name (1-63 characters, none of / \\ . space \" $ * < > : | ?).", name);
    }

    public static void ValidateCollection(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('$') || name.Contains('\0') ||
            name.StartsWith("system.", StringComparison.Ordinal) || name.StartsWith('.') || name.EndsWith('.'))
            throw new MlDbException(MlDbErrorIds.InvalidIdentifier, MlDbErrorKind.InvalidArgument,
                $"'{name}' is not a valid MongoDB collection name (not empty, no $ or NUL character, not starting with 'system.' or '.').", name);
    }
}
