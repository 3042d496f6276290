using System.Data.Common;

namespace MlDb.Data;

/// <summary>
/// Finds the passwords in a connection string as the user typed it, whatever its form, so that a
/// message about it can be cleaned: key=value pairs (<c>Password=</c>, <c>Pwd=</c>,
/// <c>SSL Password=</c>, …), the password of a URI's user information (as written and decoded),
/// and Redis <c>password=</c> options. Providers scrub their own messages; this is the last line
/// for a failure no provider translated.
/// </summary>
public static class ConnectionSecrets
{
    private const string Mask = "********";

    /// <summary>Every password-like value in <paramref name="connectionString"/>.</summary>
    public static IReadOnlyList<string> Find(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        string text = connectionString.Trim();
        var secrets = new List<string>();
        if (ConnectionUri.SchemeOf(text) is not null)
        {
            int start = text.IndexOf("://", StringComparison.Ordinal) + 3;
            int end = text.IndexOfAny(['/', '?', '#'], start);
            string authority = end < 0 ? text[start..] : text[start..end];
            int at = authority.LastIndexOf('@');
            int colon = at < 0 ? -1 : authority.IndexOf(':');
            if (colon >= 0 && colon < at)
            {
                string raw = authority[(colon + 1)..at];
                secrets.Add(raw);
                secrets.Add(Uri.UnescapeDataString(raw));
            }
            int q = text.IndexOf('?', start);
            if (q >= 0) AddPasswordPairs(text[(q + 1)..].Split('&'), secrets);
            return Distinct(secrets);
        }
        try
        {
            var builder = new DbConnectionStringBuilder { ConnectionString = text };
            foreach (string key in builder.Keys)
            {
                if (IsPasswordKey(key) && builder[key]?.ToString() is { Length: > 0 } value) secrets.Add(value);
            }
        }
        catch (ArgumentException)
        {
            // not a key=value string: a path, or a Redis configuration (below)
        }
        AddPasswordPairs(text.Split(',', ';'), secrets);
        return Distinct(secrets);
    }

    /// <summary><paramref name="message"/> with every password of the connection string (and <paramref name="extraSecret"/>) masked.</summary>
    public static string Scrub(string message, string connectionString, string? extraSecret = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        var secrets = Find(connectionString).ToList();
        if (!string.IsNullOrEmpty(extraSecret)) secrets.Add(extraSecret);
        // Longest first, so that a password containing another one is masked whole. One character
        // is no secret worth masking (it would mangle the message) and no password anyone uses.
        foreach (var secret in secrets.Where(s => s.Length >= 2).OrderByDescending(s => s.Length))
            message = message.Replace(secret, Mask, StringComparison.Ordinal);
        return message;
    }

    private static bool IsPasswordKey(string key) =>
        key.Contains("password", StringComparison.OrdinalIgnoreCase) || key.Trim().Equals("pwd", StringComparison.OrdinalIgnoreCase);

    private static void AddPasswordPairs(IEnumerable<string> pairs, List<string> secrets)
    {
        foreach (var pair in pairs)
        {
            int eq = pair.IndexOf('=');
            if (eq <= 0 || !IsPasswordKey(pair[..eq])) continue;
            string value = pair[(eq + 1)..].Trim().Trim('"', '\'');
            if (value.Length == 0) continue;
            secrets.Add(value);
            secrets.Add(Uri.UnescapeDataString(value));
        }
    }

    private static List<string> Distinct(List<string> secrets) => secrets.Where(s => s.Length > 0).Distinct(StringComparer.Ordinal).ToList();
}
