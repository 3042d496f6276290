using System.Net;
using System.Text;
using StackExchange.Redis;

namespace MlDb.Data.Redis;

/// <summary>
/// A Redis configuration string as the user gave it, read into driver options with MlDb's
/// defaults (fail fast on connect, one connect attempt, reconnect every second) and the
/// credential applied, plus texts that are safe to show (no password anywhere).
/// </summary>
internal sealed class RedisSettings
{
    private readonly List<string> _secrets = [];

    private RedisSettings(ConfigurationOptions options)
    {
        Options = options;
    }

    /// <summary>The options the multiplexer is created with (they hold the password: never print them).</summary>
    public ConfigurationOptions Options { get; }

    /// <summary>The endpoints as the user wrote them, comma-separated (<c>127.0.0.1:6379,127.0.0.1:6380</c>).</summary>
    public string EndPointText { get; private set; } = "";

    /// <summary>Endpoints and the options worth knowing (database, TLS, user): what <c>Get-MlConnection</c> shows.</summary>
    public string DisplayText { get; private set; } = "";

    /// <summary>The database index of <c>defaultDatabase=</c> (0 when not given).</summary>
    public int Database => Options.DefaultDatabase ?? 0;

    /// <summary>
    /// Reads the configuration string; <paramref name="database"/> (Connect-MlDatabase -Database)
    /// is the database index, as <c>defaultDatabase=</c> in the string would be.
    /// </summary>
    public static RedisSettings Parse(string text, NetworkCredential? credential, string? database = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        string trimmed = text.Trim();
        if (trimmed.Length == 0)
            throw new MlDbException(MlDbErrorIds.InvalidArgument, MlDbErrorKind.InvalidArgument,
                "The Redis connection string is empty; give at least one endpoint, for example 'localhost:6379'.");
        ConnectionUri? uri = null;
        if (ConnectionUri.SchemeOf(trimmed) is { } scheme)
        {
            if (scheme is not ("redis" or "rediss"))
                throw new MlDbException(MlDbErrorIds.InvalidArgument, MlDbErrorKind.InvalidArgument,
                    $"A Redis connection string is a configuration string (localhost:6379) or a redis:// or rediss:// URI, not a {scheme}:// URI.");
            uri = ConnectionUri.Parse(trimmed, "Redis");
            // The driver reads no URIs (it would take the whole text for a host name): the URI
            // becomes a configuration string without its user and password, set below.
            trimmed = ConfigurationFromUri(uri);
        }
        ConfigurationOptions options;
        try
        {
            options = ConfigurationOptions.Parse(trimmed, ignoreUnknown: false);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or NotSupportedException)
        {
            // The string itself may hold a password: never echo it, and scrub the driver's message.
            var raw = new RedisSettings(new ConfigurationOptions());
            raw._secrets.AddRange(SecretValues(trimmed));
            throw new MlDbException(MlDbErrorIds.InvalidArgument, MlDbErrorKind.InvalidArgument,
                "The Redis connection string is not valid: " + raw.Scrub(FirstLine(ex.Message)), null);
        }
        if (options.EndPoints.Count == 0)
            throw new MlDbException(MlDbErrorIds.InvalidArgument, MlDbErrorKind.InvalidArgument,
                "The Redis connection string names no endpoint; give at least one, for example 'localhost:6379'.");

        var settings = new RedisSettings(options);
        if (!string.IsNullOrEmpty(options.Password)) settings._secrets.Add(options.Password);
        if (!string.IsNullOrEmpty(options.SentinelPassword)) settings._secrets.Add(options.SentinelPassword);
        if (uri is not null) settings.Login(uri.UserName, uri.Password);
        if (credential is not null) settings.Login(credential.UserName, credential.Password);

        if (!string.IsNullOrWhiteSpace(database))
        {
            if (!int.TryParse(database, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int index))
                throw new MlDbException(MlDbErrorIds.InvalidArgument, MlDbErrorKind.InvalidArgument,
                    $"For Redis, -Database is a database index (0, 1, 2, …); '{database}' is not one.", database);
            options.DefaultDatabase = index;
        }

        var keys = OptionKeys(trimmed);
        // Connect fails fast with one error unless the user asked otherwise (abortConnect=false).
        if (!keys.Contains("abortconnect")) options.AbortOnConnectFail = true;
        // One connect attempt: the whole wait is the connect timeout, not three of them.
        if (!keys.Contains("connectretry")) options.ConnectRetry = 1;
        if (!keys.Contains("connecttimeout")) options.ConnectTimeout = (int)RedisConnectionFactory.DefaultConnectTimeout.TotalMilliseconds;
        // A server that comes back is used again within about a second.
        options.ReconnectRetryPolicy = new LinearRetry(1000);

        settings.EndPointText = string.Join(",", options.EndPoints.Select(RedisMlConnection.Format));
        settings.DisplayText = BuildDisplay(settings.EndPointText, options);
        return settings;
    }

    /// <summary>Sets the user and password to log in with (given ones only), remembering the password as a secret.</summary>
    private void Login(string? user, string? password)
    {
        // "default" is the user a plain AUTH <password> logs in as: leave it out, so that
        // servers without ACLs (before Redis 6) accept the credential too.
        if (!string.IsNullOrEmpty(user) && !user.Equals("default", StringComparison.OrdinalIgnoreCase))
            Options.User = user;
        if (!string.IsNullOrEmpty(password))
        {
            Options.Password = password;
            _secrets.Add(password);
        }
    }

    /// <summary>
    /// <c>redis[s]://[user[:password]@]host[:port][,host[:port]…][/database][?option=value&amp;…]</c> as a
    /// configuration string: the endpoints (port 6379 when none is given), <c>defaultDatabase</c>
    /// from the path, <c>ssl=true</c> for <c>rediss://</c>, and the query's options as they are
    /// (StackExchange.Redis names: <c>connectTimeout</c>, <c>abortConnect</c>, …). User and
    /// password are left out: <see cref="Login"/> sets them.
    /// </summary>
    private static string ConfigurationFromUri(ConnectionUri uri)
    {
        if (uri.Hosts.Count == 0)
            throw ConnectionUri.Invalid("Redis", "it names no host (for example redis://localhost:6379)");
        var parts = uri.Hosts.Select(h => $"{h.Host}:{h.Port ?? 6379}").ToList();
        if (uri.Path is { } path)
        {
            if (!int.TryParse(path.Trim('/'), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int database))
                throw ConnectionUri.Invalid("Redis", "the path after the host is a database index (redis://localhost:6379/2), and this one is not a number");
            parts.Add("defaultDatabase=" + database.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        if (uri.Scheme == "rediss") parts.Add("ssl=true");
        foreach (var (key, value) in uri.Options)
        {
            if (key.Contains("password", StringComparison.OrdinalIgnoreCase))
                throw ConnectionUri.Invalid("Redis", $"a password goes in the user information (redis://user:password@host), not in the option '{key}'");
            if (value.Contains(',', StringComparison.Ordinal))
                throw ConnectionUri.Invalid("Redis", $"the value of the option '{key}' has a comma");
            parts.Add($"{key}={value}");
        }
        return string.Join(",", parts);
    }

    /// <summary>Replaces every secret of this connection in <paramref name="text"/> by <c>***</c>.</summary>
    public string Scrub(string text)
    {
        foreach (var secret in _secrets)
            if (secret.Length > 0) text = text.Replace(secret, "***", StringComparison.Ordinal);
        return text;
    }

    /// <summary>True when <paramref name="text"/> contains a secret of this connection.</summary>
    public bool Reveals(string? text) => text is not null && _secrets.Any(s => s.Length > 0 && text.Contains(s, StringComparison.Ordinal));

    private static string BuildDisplay(string endPoints, ConfigurationOptions options)
    {
        var sb = new StringBuilder(endPoints);
        if (options.DefaultDatabase is { } db && db != 0) sb.Append(",defaultDatabase=").Append(db);
        if (options.Ssl) sb.Append(",ssl=true");
        if (!string.IsNullOrEmpty(options.User)) sb.Append(",user=").Append(options.User);
        if (!string.IsNullOrEmpty(options.ServiceName)) sb.Append(",serviceName=").Append(options.ServiceName);
        return sb.ToString();
    }

    // The lower-cased option names present in a configuration string ("host:port" items have no '=').
    private static HashSet<string> OptionKeys(string text)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var part in text.Split(','))
        {
            int eq = part.IndexOf('=');
            if (eq > 0) keys.Add(part[..eq].Trim().ToLowerInvariant());
        }
        return keys;
    }

    // The values of password-like options in a configuration string, for scrubbing messages.
    private static IEnumerable<string> SecretValues(string text)
    {
        foreach (var part in text.Split(','))
        {
            int eq = part.IndexOf('=');
            if (eq <= 0) continue;
            string key = part[..eq].Trim();
            if (key.Contains("password", StringComparison.OrdinalIgnoreCase) && eq + 1 < part.Length)
                yield return part[(eq + 1)..];
        }
    }

    private static string FirstLine(string message)
    {
        int nl = message.IndexOfAny(['\r', '\n']);
        return nl < 0 ? message : message[..nl];
    }
}
