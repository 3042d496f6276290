using System.Data.Common;
using System.Text.RegularExpressions;

namespace MlDb.Data;

/// <summary>What <see cref="MlProviderDetection.Detect"/> found: the provider and the sign it went by (for -Verbose).</summary>
/// <param name="Provider">The provider the text is for.</param>
/// <param name="Reason">Why, in a few words that never quote a value ("the URI scheme postgresql://", "the key Host").</param>
public sealed record MlProviderGuess(MlProvider Provider, string Reason);

/// <summary>
/// Tells which provider a connection string or URI is for, when the user gave no <c>-Provider</c>:
/// <list type="bullet">
/// <item><c>postgresql://</c>, <c>postgres://</c>, or a key=value string with <c>Host</c> or <c>Server</c> → PostgreSQL;</item>
/// <item><c>mongodb://</c>, <c>mongodb+srv://</c> → MongoDB;</item>
/// <item><c>redis://</c>, <c>rediss://</c>, or a StackExchange.Redis configuration (<c>host:port[,host:port…][,option=value…]</c>) → Redis;</item>
/// <item><c>Data Source=</c> (<c>DataSource</c>, <c>Filename</c>), a SQLite <c>file:</c> URI, <c>:memory:</c> or a path → SQLite.</item>
/// </list>
/// Anything else (a URI of another scheme, a key=value string that names no provider, a string
/// that names two) is an <see cref="MlDbErrorIds.InvalidArgument"/> error. No message repeats the
/// text: it may hold a password. Only key names are quoted.
/// </summary>
public static class MlProviderDetection
{
    private static readonly string[] PostgresKeys = ["Host", "Server"];
    private static readonly string[] SqliteKeys = ["Data Source", "DataSource", "Filename"];

    // host:port, with a DNS name, an IPv4 address or a bracketed IPv6 address.
    private static readonly Regex RedisEndpoint = new(@"^(?:[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.%A-Za-z]+\]):[0-9]{1,5}$", RegexOptions.CultureInvariant);

    // The key of a key=value pair as people write them: a word, spaces inside allowed.
    private static readonly Regex KeyWord = new(@"^[A-Za-z][A-Za-z0-9 _]*$", RegexOptions.CultureInvariant);

    private const string Hint =
        "Give -Provider, or write the string in a form MlDb recognises: postgresql://… or Host=… (PostgreSQL), " +
        "mongodb://… (MongoDB), redis://… or host:port (Redis), Data Source=…, a file path or :memory: (SQLite).";

    /// <summary>The provider of <paramref name="text"/>, or an InvalidArgument error that says why none fits.</summary>
    public static MlProviderGuess Detect(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string trimmed = text.Trim();
        if (trimmed.Length == 0) throw Refuse("The connection string is empty.");

        if (ConnectionUri.SchemeOf(trimmed) is { } scheme)
        {
            return scheme switch
            {
                "postgresql" or "postgres" => new(MlProvider.Postgres, $"the URI scheme {scheme}://"),
                "mongodb" or "mongodb+srv" => new(MlProvider.Mongo, $"the URI scheme {scheme}://"),
                "redis" or "rediss" => new(MlProvider.Redis, $"the URI scheme {scheme}://"),
                "file" => new(MlProvider.Sqlite, "the SQLite URI scheme file:"),
                _ => throw Refuse($"The URI scheme '{scheme}://' is not one MlDb knows (postgresql, postgres, mongodb, mongodb+srv, redis, rediss)."),
            };
        }
        if (trimmed.StartsWith("file:", StringComparison.OrdinalIgnoreCase)) return new(MlProvider.Sqlite, "the SQLite URI scheme file:");
        if (trimmed.Equals(":memory:", StringComparison.OrdinalIgnoreCase)) return new(MlProvider.Sqlite, ":memory:");
        if (IsRedisConfiguration(trimmed)) return new(MlProvider.Redis, "its host:port endpoint (a Redis configuration string)");

        if (KeyValueKeys(trimmed) is { } keys)
        {
            string? postgres = keys.FirstOrDefault(k => PostgresKeys.Any(p => SameKey(k, p)));
            string? sqlite = keys.FirstOrDefault(k => SqliteKeys.Any(p => SameKey(k, p)));
            if (postgres is not null && sqlite is not null)
                throw Refuse($"The connection string has both {postgres}= (PostgreSQL) and {sqlite}= (SQLite), so it fits neither.");
            if (postgres is not null) return new(MlProvider.Postgres, $"the key {postgres}");
            if (sqlite is not null) return new(MlProvider.Sqlite, $"the key {sqlite}");
            throw Refuse($"The connection string has the keys {string.Join(", ", keys)}, none of which says which database it is for (Host or Server for PostgreSQL, Data Source for SQLite).");
        }
        return new(MlProvider.Sqlite, "a file path");
    }

    /// <summary>
    /// The keys of <paramref name="text"/> when it reads as a key=value connection string (a word
    /// before the first '=', and the whole text parses), else null. A path with an '=' in a folder
    /// name (<c>/data/a=b.db</c>) is not one.
    /// </summary>
    public static IReadOnlyList<string>? KeyValueKeys(string text)
    {
        int eq = text.IndexOf('=');
        if (eq <= 0 || !KeyWord.IsMatch(text[..eq].Trim())) return null;
        try
        {
            var builder = new DbConnectionStringBuilder { ConnectionString = text };
            var keys = builder.Keys.Cast<string>().Select(k => AsWritten(text, k)).ToList();
            return keys.Count == 0 || keys.Any(k => !KeyWord.IsMatch(k)) ? null : keys;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    // The builder lower-cases keys; messages quote them as the user wrote them.
    private static string AsWritten(string text, string key)
    {
        var match = Regex.Match(text, @"(?:^|;)\s*(" + Regex.Escape(key) + @")\s*=", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
        return match.Success ? match.Groups[1].Value : key;
    }

    /// <summary>
    /// True for a StackExchange.Redis configuration string: comma-separated items, at least one of
    /// them a <c>host:port</c> endpoint and every other a <c>name=value</c> option.
    /// </summary>
    public static bool IsRedisConfiguration(string text)
    {
        bool endpoint = false;
        foreach (var raw in text.Split(','))
        {
            string item = raw.Trim();
            if (RedisEndpoint.IsMatch(item))
            {
                endpoint = true;
                continue;
            }
            int eq = item.IndexOf('=');
            if (eq <= 0 || !KeyWord.IsMatch(item[..eq].Trim())) return false;
        }
        return endpoint;
    }

    /// <summary>Connection-string keys compare without case and without spaces (<c>Data Source</c> = <c>datasource</c>).</summary>
    public static bool SameKey(string a, string b) =>
        a.Replace(" ", "", StringComparison.Ordinal).Equals(b.Replace(" ", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);

    private static MlDbException Refuse(string reason) =>
        new(MlDbErrorIds.InvalidArgument, MlDbErrorKind.InvalidArgument, reason + " " + Hint);
}
