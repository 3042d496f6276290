namespace MlDb.Data;

/// <summary>
/// A connection URI of the form <c>scheme://[user[:password]@]host[:port][,host[:port]…][/database][?key=value&amp;…]</c>,
/// read by hand because <see cref="Uri"/> refuses the host lists that PostgreSQL, MongoDB and
/// Redis URIs allow. User, password, database and option values are percent-decoded. A URI that
/// does not parse is an <see cref="MlDbErrorIds.InvalidArgument"/> error whose message never
/// repeats the text (it may hold a password).
/// </summary>
internal sealed class ConnectionUri
{
    private ConnectionUri(string scheme)
    {
        Scheme = scheme;
    }

    /// <summary>The scheme, lower-case, without <c>://</c>.</summary>
    public string Scheme { get; }

    public string? UserName { get; private set; }

    public string? Password { get; private set; }

    /// <summary>The hosts in the order written; <c>Port</c> is null when the URI gives none. IPv6 hosts keep their brackets.</summary>
    public IReadOnlyList<(string Host, int? Port)> Hosts { get; private set; } = [];

    /// <summary>The path without its leading '/', decoded; null when the URI has none.</summary>
    public string? Path { get; private set; }

    /// <summary>The query options in the order written, decoded.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Options { get; private set; } = [];

    /// <summary>The scheme of <paramref name="text"/> (lower-case) when it starts with <c>scheme://</c>; otherwise null.</summary>
    public static string? SchemeOf(string text)
    {
        int sep = text.IndexOf("://", StringComparison.Ordinal);
        if (sep <= 0) return null;
        for (int i = 0; i < sep; i++)
        {
            char c = text[i];
            bool ok = char.IsAsciiLetter(c) || (i > 0 && (char.IsAsciiDigit(c) || c is '+' or '-' or '.'));
            if (!ok) return null;
        }
        return text[..sep].ToLowerInvariant();
    }

    /// <summary>Reads <paramref name="text"/>; <paramref name="what"/> names the provider in error messages ("PostgreSQL").</summary>
    public static ConnectionUri Parse(string text, string what)
    {
        ArgumentNullException.ThrowIfNull(text);
        string trimmed = text.Trim();
        string scheme = SchemeOf(trimmed) ?? throw Invalid(what, "it does not start with scheme://");
        var uri = new ConnectionUri(scheme);
        string rest = trimmed[(scheme.Length + 3)..];

        int fragment = rest.IndexOf('#');
        if (fragment >= 0) rest = rest[..fragment];
        string? query = null;
        int q = rest.IndexOf('?');
        if (q >= 0)
        {
            query = rest[(q + 1)..];
            rest = rest[..q];
        }
        string authority = rest;
        int slash = rest.IndexOf('/');
        if (slash >= 0)
        {
            authority = rest[..slash];
            string path = rest[(slash + 1)..];
            uri.Path = path.Length == 0 ? null : Decode(path);
        }

        // The user information ends at the last '@' of the authority: a password may contain '@'
        // when the user did not percent-encode it.
        int at = authority.LastIndexOf('@');
        if (at >= 0)
        {
            string userInfo = authority[..at];
            authority = authority[(at + 1)..];
            int colon = userInfo.IndexOf(':');
            string user = colon >= 0 ? userInfo[..colon] : userInfo;
            uri.UserName = user.Length == 0 ? null : Decode(user);
            if (colon >= 0) uri.Password = Decode(userInfo[(colon + 1)..]);
        }

        var hosts = new List<(string, int?)>();
        if (authority.Length > 0)
        {
            foreach (var item in authority.Split(','))
                hosts.Add(ParseHost(item, what));
        }
        uri.Hosts = hosts;

        var options = new List<KeyValuePair<string, string>>();
        if (!string.IsNullOrEmpty(query))
        {
            foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                int eq = pair.IndexOf('=');
                string key = Decode(eq < 0 ? pair : pair[..eq]).Trim();
                if (key.Length == 0) throw Invalid(what, "an option has no name");
                string value = eq < 0 ? "" : Decode(pair[(eq + 1)..]);
                options.Add(new(key, value));
            }
        }
        uri.Options = options;
        return uri;
    }

    private static (string, int?) ParseHost(string item, string what)
    {
        string host = item.Trim();
        int? port = null;
        int portColon = host.StartsWith('[') ? host.IndexOf("]:", StringComparison.Ordinal) + 1 : host.LastIndexOf(':');
        if (host.StartsWith('[') && host.IndexOf(']') < 0) throw Invalid(what, "an IPv6 host has no closing ']'");
        if (portColon > 0)
        {
            string portText = host[(portColon + 1)..];
            if (!int.TryParse(portText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int p) || p is < 1 or > 65535)
                throw Invalid(what, "a port is not a number from 1 to 65535");
            port = p;
            host = host[..portColon];
        }
        if (host.Length == 0) throw Invalid(what, "a host name is empty");
        return (Decode(host), port);
    }

    // Uri.UnescapeDataString leaves a malformed escape as it is, as browsers and libpq do.
    private static string Decode(string text) => Uri.UnescapeDataString(text);

    /// <summary>The error for a URI that does not parse: names the problem, never the text.</summary>
    public static MlDbException Invalid(string what, string reason) =>
        new(MlDbErrorIds.InvalidArgument, MlDbErrorKind.InvalidArgument, $"The {what} URI is not valid: {reason}.");
}
