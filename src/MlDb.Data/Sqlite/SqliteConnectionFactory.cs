using Microsoft.Data.Sqlite;

namespace MlDb.Data.Sqlite;

/// <summary>Opens SQLite connections: a <c>Data Source=…</c> string, a plain path, or <c>:memory:</c>.</summary>
public sealed class SqliteConnectionFactory : IMlConnectionFactory
{
    public MlProvider Provider => MlProvider.Sqlite;

    public MlConnection Connect(MlConnectRequest request, CancellationToken cancellationToken)
    {
        var builder = ParseConnectionString(request.ConnectionString, request.ResolvePath);
        // The bundled SQLite (e_sqlite3) has no encryption: Microsoft.Data.Sqlite would open the
        // file and then fail with a bare InvalidOperationException. Refuse before anything is opened.
        if (!string.IsNullOrEmpty(builder.Password) || !string.IsNullOrEmpty(request.Credential?.Password))
            throw new MlDbException(MlDbErrorIds.InvalidArgument, MlDbErrorKind.InvalidArgument,
                "SQLite databases cannot have a password in MlDb: its SQLite library has no encryption, so Password= (or -Credential) cannot open an encrypted file. " +
                "Remove the password, or protect the file with file-system permissions.");
        try
        {
            return new SqliteMlConnection(request.Name, builder);
        }
        catch (SqliteException ex)
        {
            throw new MlDbException(MlDbErrorIds.ConnectionFailed, MlDbErrorKind.ConnectionError,
                $"Cannot open the SQLite database '{builder.DataSource}': {ex.Message}", builder.DataSource, ex);
        }
    }

    /// <summary>
    /// Reads what the user gave: a connection string when it has a <c>key=value</c> pair,
    /// otherwise a file path (or <c>:memory:</c>). File paths go through <paramref name="resolvePath"/>.
    /// </summary>
    public static SqliteConnectionStringBuilder ParseConnectionString(string text, Func<string, string>? resolvePath)
    {
        ArgumentNullException.ThrowIfNull(text);
        string trimmed = text.Trim();
        SqliteConnectionStringBuilder builder;
        if (LooksLikeConnectionString(trimmed))
        {
            try
            {
                builder = new SqliteConnectionStringBuilder(trimmed);
            }
            catch (ArgumentException ex)
            {
                throw new MlDbException(MlDbErrorIds.InvalidArgument, MlDbErrorKind.InvalidArgument,
                    $"The SQLite connection string is not valid: {ex.Message}", null, ex);
            }
        }
        else
        {
            builder = new SqliteConnectionStringBuilder { DataSource = trimmed };
        }
        RefuseForeignDataSource(builder.DataSource);
        if (!IsMemory(builder) && resolvePath is not null)
            builder.DataSource = IsFileUri(builder.DataSource) ? ResolveFileUri(builder.DataSource, resolvePath) : resolvePath(builder.DataSource);
        return builder;
    }

    private static bool IsFileUri(string dataSource) => dataSource.StartsWith("file:", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// SQLite's URI form (<c>file:data/users.db?mode=ro</c>): the path is resolved like any other
    /// (SQLite itself would take it relative to the process's folder, not the PowerShell location);
    /// the query is kept as written.
    /// </summary>
    private static string ResolveFileUri(string uri, Func<string, string> resolvePath)
    {
        var (path, query) = SplitFileUri(uri);
        if (path.Length == 0 || path == ":memory:") return uri;
        string full = resolvePath(Uri.UnescapeDataString(path));
        // SQLite reads %HH escapes in URI paths: escape the characters that would end or change the path.
        string escaped = full.Replace("%", "%25", StringComparison.Ordinal).Replace("?", "%3f", StringComparison.Ordinal).Replace("#", "%23", StringComparison.Ordinal);
        return "file:" + (escaped.StartsWith('/') ? "//" + escaped : escaped) + query;
    }

    // "file:///abs/x.db?mode=ro" → ("/abs/x.db", "?mode=ro"); "file:x.db" → ("x.db", "").
    private static (string Path, string Query) SplitFileUri(string uri)
    {
        string rest = uri[5..];
        int q = rest.IndexOfAny(['?', '#']);
        string query = q < 0 ? "" : rest[q..];
        string path = q < 0 ? rest : rest[..q];
        if (path.StartsWith("//", StringComparison.Ordinal))
        {
            // file://host/path: SQLite accepts only an empty authority or "localhost".
            int slash = path.IndexOf('/', 2);
            path = slash < 0 ? "" : path[slash..];
        }
        return (path, query);
    }

    /// <summary>
    /// A Data Source that is really another provider's connection string or URI would become a
    /// file named after it (password included) in the current folder: refuse it, quoting only
    /// key names and schemes, never the text.
    /// </summary>
    private static void RefuseForeignDataSource(string dataSource)
    {
        string text = dataSource.Trim();
        if (ConnectionUri.SchemeOf(text) is { } scheme && scheme != "file")
            throw new MlDbException(MlDbErrorIds.InvalidArgument, MlDbErrorKind.InvalidArgument,
                $"The SQLite Data Source is a {scheme}:// URI, not a file path. Connect with -Provider for that database, or leave -Provider out to have it detected.");
        if (MlProviderDetection.IsRedisConfiguration(text))
            throw new MlDbException(MlDbErrorIds.InvalidArgument, MlDbErrorKind.InvalidArgument,
                "The SQLite Data Source looks like a Redis host:port endpoint, not a file path. Use -Provider Redis, or write a path such as ./name.db.");
        if (MlProviderDetection.KeyValueKeys(text) is { } keys)
            throw new MlDbException(MlDbErrorIds.InvalidArgument, MlDbErrorKind.InvalidArgument,
                $"The SQLite Data Source is a key=value connection string (with the keys {string.Join(", ", keys)}), not a file path. " +
                "Give the provider with -Provider (Host= is PostgreSQL's), or leave -Provider out to have it detected. " +
                "(A file whose name has an '=' in it is written as a path: ./name=x.db.)");
    }

    private static bool LooksLikeConnectionString(string text)
    {
        int eq = text.IndexOf('=');
        if (eq <= 0) return false;
        string key = text[..eq].Trim();
        try
        {
            var probe = new SqliteConnectionStringBuilder();
            return probe.ContainsKey(key);
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    internal static bool IsMemory(SqliteConnectionStringBuilder builder) =>
        builder.Mode == SqliteOpenMode.Memory || builder.DataSource.Length == 0 ||
        string.Equals(builder.DataSource, ":memory:", StringComparison.OrdinalIgnoreCase) ||
        (IsFileUri(builder.DataSource) && IsMemoryUri(builder.DataSource));

    // file::memory:, or a file: URI with mode=memory among its options.
    private static bool IsMemoryUri(string uri)
    {
        var (path, query) = SplitFileUri(uri);
        return path == ":memory:" || query.TrimStart('?').Split('&').Any(o => o.Equals("mode=memory", StringComparison.OrdinalIgnoreCase));
    }
}
