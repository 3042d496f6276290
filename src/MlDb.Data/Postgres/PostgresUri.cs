using Npgsql;

namespace MlDb.Data.Postgres;

/// <summary>
/// A <c>postgresql://</c> (or <c>postgres://</c>) URI as libpq writes it, turned into an Npgsql
/// connection string: <c>postgresql://user:password@host1:5432,host2/shop?sslmode=require&amp;application_name=etl</c>.
/// The query takes libpq's parameter names (<c>sslmode</c>, <c>connect_timeout</c>,
/// <c>application_name</c>, …) and Npgsql's own keywords (<c>Maximum Pool Size=20</c>,
/// <c>maxpoolsize=20</c>). Errors name the option, never its value.
/// </summary>
internal static class PostgresUri
{
    // libpq parameter → Npgsql keyword. Values pass as written, except sslmode's hyphens.
    private static readonly Dictionary<string, string> LibpqNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["host"] = "Host",
        ["hostaddr"] = "Host",
        ["port"] = "Port",
        ["dbname"] = "Database",
        ["user"] = "Username",
        ["password"] = "Password",
        ["passfile"] = "Passfile",
        ["sslmode"] = "SSL Mode",
        ["sslcert"] = "SSL Certificate",
        ["sslkey"] = "SSL Key",
        ["sslpassword"] = "SSL Password",
        ["sslrootcert"] = "Root Certificate",
        ["sslnegotiation"] = "SSL Negotiation",
        ["application_name"] = "Application Name",
        ["connect_timeout"] = "Timeout",
        ["options"] = "Options",
        ["target_session_attrs"] = "Target Session Attributes",
        ["client_encoding"] = "Client Encoding",
        ["krbsrvname"] = "Kerberos Service Name",
        ["gssencmode"] = "GSS Encryption Mode",
        ["channel_binding"] = "Channel Binding",
        ["keepalives_idle"] = "Tcp Keepalive Time",
        ["keepalives_interval"] = "Tcp Keepalive Interval",
    };

    public static NpgsqlConnectionStringBuilder ToBuilder(ConnectionUri uri)
    {
        var builder = new NpgsqlConnectionStringBuilder();
        if (uri.Hosts.Count > 0)
        {
            // Npgsql takes several hosts as "host1:5432,host2"; a single host's port goes in Port.
            builder.Host = uri.Hosts.Count == 1
                ? uri.Hosts[0].Host
                : string.Join(",", uri.Hosts.Select(h => h.Port is { } p ? $"{h.Host}:{p}" : h.Host));
            if (uri.Hosts.Count == 1 && uri.Hosts[0].Port is { } port) builder.Port = port;
        }
        if (uri.Path is { } database) builder.Database = database;
        if (uri.UserName is { } user) builder.Username = user;
        if (uri.Password is { } password) builder.Password = password;
        foreach (var (key, value) in uri.Options)
        {
            if (LibpqNames.TryGetValue(key, out var keyword))
            {
                Set(builder, keyword, keyword == "SSL Mode" ? value.Replace("-", "", StringComparison.Ordinal) : value, key);
                continue;
            }
            if (TrySet(builder, key, value) || TrySet(builder, key.Replace('_', ' '), value) || TrySet(builder, key.Replace("_", "", StringComparison.Ordinal), value))
                continue;
            throw new MlDbException(MlDbErrorIds.InvalidArgument, MlDbErrorKind.InvalidArgument,
                $"The PostgreSQL URI has the option '{key}', which is neither a libpq parameter MlDb knows ({string.Join(", ", LibpqNames.Keys)}) nor an Npgsql keyword.");
        }
        return builder;
    }

    private static void Set(NpgsqlConnectionStringBuilder builder, string keyword, string value, string written)
    {
        if (!TrySet(builder, keyword, value))
            throw new MlDbException(MlDbErrorIds.InvalidArgument, MlDbErrorKind.InvalidArgument,
                $"The PostgreSQL URI option '{written}' has a value Npgsql does not accept for {keyword}.");
    }

    private static bool TrySet(NpgsqlConnectionStringBuilder builder, string keyword, string value)
    {
        try
        {
            builder[keyword] = value;
            return true;
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidCastException or OverflowException)
        {
            return false;
        }
    }
}
