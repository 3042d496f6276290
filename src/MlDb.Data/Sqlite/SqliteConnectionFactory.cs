using Microsoft.Data.Sqlite;

namespace MlDb.Data.Sqlite;

/// <summary>Opens SQLite connections: a <c>Data Source=…</c> string, a plain path, or <c>:memory:</c>.</summary>
public sealed class SqliteConnectionFactory : IMlConnectionFactory
{
    public MlProvider Provider => MlProvider.Sqlite;

    public MlConnection Connect(MlConnectRequest request, CancellationToken cancellationToken)
    {
        var builder = ParseConnectionString(request.ConnectionString, request.ResolvePath);
        if (request.Credential is { } credential && !string.IsNullOrEmpty(credential.Password))
            builder.Password = credential.Password;
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
        if (!IsMemory(builder) && !builder.DataSource.StartsWith("file:", StringComparison.OrdinalIgnoreCase) && resolvePath is not null)
            builder.DataSource = resolvePath(builder.DataSource);
        return builder;
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
        string.Equals(builder.DataSource, ":memory:", StringComparison.OrdinalIgnoreCase);
}
