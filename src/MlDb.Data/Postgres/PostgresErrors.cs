using System.Text;
using Npgsql;

namespace MlDb.Data.Postgres;

/// <summary>Reads what Npgsql throws: cancellations, lost connections, and messages fit to show (never with the password).</summary>
internal static partial class PostgresErrors
{
    /// <summary>SQLSTATE 57014: the statement was cancelled (by a cancel request or statement_timeout).</summary>
    public const string QueryCanceled = "57014";

    public static bool IsCancellation(Exception exception) => exception switch
    {
        OperationCanceledException => true,
        PostgresException pg => pg.SqlState == QueryCanceled,
        NpgsqlException { InnerException: OperationCanceledException } => true,
        _ => false,
    };

    /// <summary>The server went away (shut down, crashed, network lost) rather than refused the statement.</summary>
    public static bool IsConnectionLost(Exception exception) => exception switch
    {
        PostgresException pg => pg.SqlState.StartsWith("57P", StringComparison.Ordinal) || pg.SqlState.StartsWith("08", StringComparison.Ordinal),
        NpgsqlException npg => npg.InnerException is IOException or System.Net.Sockets.SocketException or EndOfStreamException or TimeoutException
                               || npg.Message.Contains("broken", StringComparison.OrdinalIgnoreCase),
        IOException or System.Net.Sockets.SocketException or EndOfStreamException => true,
        InvalidOperationException ioe => ioe.Message.Contains("Connection is not open", StringComparison.OrdinalIgnoreCase),
        _ => false,
    };

    /// <summary>One line for a message: PostgreSQL's text (and where), or the driver's message with its cause; the password removed.</summary>
    public static string Describe(Exception exception, string? password)
    {
        var sb = new StringBuilder();
        switch (exception)
        {
            case PostgresException pg:
                sb.Append(pg.MessageText);
                if (!string.IsNullOrEmpty(pg.Detail) && !pg.Detail.StartsWith("Detail redacted", StringComparison.Ordinal)) sb.Append(" (").Append(pg.Detail).Append(')');
                sb.Append(" [SQLSTATE ").Append(pg.SqlState).Append(']');
                break;
            default:
                sb.Append(exception.Message.TrimEnd('.'));
                for (var inner = exception.InnerException; inner is not null; inner = inner.InnerException)
                {
                    if (inner is PostgresException ipg)
                    {
                        sb.Append(": ").Append(ipg.MessageText).Append(" [SQLSTATE ").Append(ipg.SqlState).Append(']');
                        break;
                    }
                    sb.Append(": ").Append(inner.Message.TrimEnd('.'));
                }
                break;
        }
        return Scrub(sb.ToString(), password);
    }

    /// <summary>
    /// PostgreSQL's reason for refusing a row, without the row's values: the message text (with the
    /// quoted values of a data exception, class 22, replaced by "…"), never the DETAIL (it may hold
    /// "Failing row contains (…)"), and the SQLSTATE.
    /// </summary>
    public static string DescribeRefusal(PostgresException pg, string? password)
    {
        string text = pg.MessageText;
        if (pg.SqlState.StartsWith("22", StringComparison.Ordinal)) text = QuotedValue().Replace(text, "\"…\"");
        return Scrub($"{text} [SQLSTATE {pg.SqlState}]", password);
    }

    [System.Text.RegularExpressions.GeneratedRegex("\"(?:[^\"]|\"\")*\"")]
    private static partial System.Text.RegularExpressions.Regex QuotedValue();

    /// <summary>Removes the password from a text (it should never be there; this makes sure).</summary>
    public static string Scrub(string text, string? password) =>
        string.IsNullOrEmpty(password) || password.Length < 2 ? text : text.Replace(password, "********", StringComparison.Ordinal);
}
