using System.Data.Common;
using Npgsql;

namespace MlDb.Data.Postgres;

/// <summary>
/// Opens PostgreSQL connections from an Npgsql connection string: one <see cref="NpgsqlDataSource"/>
/// per named connection, so each name has its own pool (Minimum/Maximum Pool Size from the string).
/// A credential, when given, supplies the user name and the password instead of the string. Unless
/// the string says otherwise, the session time zone is UTC (ML dates are UTC instants) and the
/// application name is <c>MlDb</c>. The connection is proven by opening one before it is returned.
/// </summary>
public sealed class PostgresConnectionFactory : IMlConnectionFactory
{
    public MlProvider Provider => MlProvider.Postgres;

    public MlConnection Connect(MlConnectRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        string? password = request.Credential?.Password;
        var builder = Parse(request.ConnectionString, password);
        if (request.Credential is { } credential)
        {
            if (!string.IsNullOrEmpty(credential.UserName))
                builder.Username = string.IsNullOrEmpty(credential.Domain) ? credential.UserName : credential.Domain + "\\" + credential.UserName;
            if (!string.IsNullOrEmpty(credential.Password)) builder.Password = credential.Password;
        }
        password = builder.Password;
        string display = Display(builder);
        if (string.IsNullOrEmpty(builder.Host))
            throw new MlDbException(MlDbErrorIds.InvalidArgument, MlDbErrorKind.InvalidArgument,
                "The PostgreSQL connection string names no Host (for example 'Host=localhost;Database=shop').", null);
        if (!HasKey(builder, "Timezone")) builder.Timezone = "UTC";
        if (!HasKey(builder, "Application Name")) builder.ApplicationName = "MlDb";
        builder.PersistSecurityInfo = false;
        // Arrays are read through the object API; nullable elements keep NULLs instead of throwing.
        builder.ArrayNullabilityMode = ArrayNullabilityMode.Always;
        bool sessionIsUtc = builder.Timezone is { } tz && (tz.Equals("UTC", StringComparison.OrdinalIgnoreCase) || tz.Equals("Etc/UTC", StringComparison.OrdinalIgnoreCase));

        var dataSource = new NpgsqlDataSourceBuilder(builder.ConnectionString).Build();
        try
        {
            var connection = new PostgresMlConnection(request.Name, dataSource, builder.ConnectionString, display, builder.Database, sessionIsUtc, password);
            using (connection.Lease(cancellationToken)) { }
            return connection;
        }
        catch (MlDbException ex)
        {
            dataSource.Dispose();
            throw new MlDbException(MlDbErrorIds.ConnectionFailed, MlDbErrorKind.ConnectionError,
                PostgresErrors.Scrub($"Cannot connect to PostgreSQL ({display}): {(ex.InnerException is { } inner ? PostgresErrors.Describe(inner, password) : ex.Message)}", password),
                display, ex.InnerException);
        }
        catch
        {
            dataSource.Dispose();
            throw;
        }
    }

    /// <summary>The connection string (or <c>postgresql://</c> URI) parsed, or an error that does not repeat it (it may hold a password).</summary>
    internal static NpgsqlConnectionStringBuilder Parse(string text, string? password)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (ConnectionUri.SchemeOf(text.Trim()) is { } scheme)
        {
            if (scheme is not ("postgresql" or "postgres"))
                throw new MlDbException(MlDbErrorIds.InvalidArgument, MlDbErrorKind.InvalidArgument,
                    $"A PostgreSQL connection string is an Npgsql key=value string or a postgresql:// URI, not a {scheme}:// URI.");
            return PostgresUri.ToBuilder(ConnectionUri.Parse(text, "PostgreSQL"));
        }
        try
        {
            return new NpgsqlConnectionStringBuilder(text.Trim());
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidCastException or OverflowException)
        {
            throw new MlDbException(MlDbErrorIds.InvalidArgument, MlDbErrorKind.InvalidArgument,
                "The PostgreSQL connection string is not valid: " + PostgresErrors.Scrub(ex.Message, password), null, null);
        }
    }

    /// <summary>Host, port, database, user and pool settings; never a password (the login's or the client key's).</summary>
    internal static string Display(NpgsqlConnectionStringBuilder builder)
    {
        var copy = new NpgsqlConnectionStringBuilder(builder.ConnectionString);
        copy.Remove("Password");
        copy.Remove("SSL Password");
        return copy.ConnectionString;
    }

    private static bool HasKey(NpgsqlConnectionStringBuilder builder, string key)
    {
        var plain = new DbConnectionStringBuilder { ConnectionString = builder.ConnectionString };
        string bare = key.Replace(" ", "", StringComparison.Ordinal);
        return plain.Keys.Cast<string>().Any(k => k.Replace(" ", "", StringComparison.Ordinal).Equals(bare, StringComparison.OrdinalIgnoreCase));
    }
}
