using System.Globalization;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MlDb.Data.Mongo;

/// <summary>
/// Turns driver exceptions into MlDb's errors: one clear message per problem, never a password,
/// never the driver's multi-line cluster dump.
/// </summary>
internal static class MongoErrors
{
    public static bool IsDriverError(Exception ex) =>
        ex is MongoException or TimeoutException or BsonException or FormatException;

    /// <summary>The MlDb error for a driver exception raised while doing <paramref name="operation"/>.</summary>
    public static MlDbException Translate(Exception ex, MongoMlConnection connection, string operation)
    {
        string where = $"the MongoDB server {connection.Servers} (connection '{connection.Name}')";
        switch (ex)
        {
            case MongoAuthenticationException auth:
                return new MlDbException(MlDbErrorIds.ConnectionFailed, MlDbErrorKind.ConnectionError,
                    connection.Scrub($"Authentication to {where} failed: {FirstLine(auth.GetBaseException().Message)}"), connection.Name);
            case TimeoutException:
            case MongoConnectionException:
                {
                    string reason = connection.ServerProblem() ?? FirstLine(ex.GetBaseException().Message);
                    string seconds = connection.ServerSelectionTimeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture);
                    string text = ex is TimeoutException
                        ? $"Cannot {operation}: no answer from {where} within {seconds} s ({reason})."
                        : $"Cannot {operation}: lost the connection to {where} ({reason}).";
                    return new MlDbException(MlDbErrorIds.ConnectionFailed, MlDbErrorKind.ConnectionError, connection.Scrub(text), connection.Name);
                }
            case MongoExecutionTimeoutException:
                return new MlDbException(MlDbErrorIds.CommandTimeout, MlDbErrorKind.OperationTimeout,
                    $"The MongoDB {operation} ran longer than its time limit and was stopped by the server.", connection.Name);
            case MongoCommandException command:
                return new MlDbException(MlDbErrorIds.CommandFailed, MlDbErrorKind.InvalidOperation,
                    connection.Scrub($"MongoDB refused the {operation}: {FirstLine(command.ErrorMessage ?? command.Message)} (code {command.Code}{(string.IsNullOrEmpty(command.CodeName) ? "" : " " + command.CodeName)})."), null);
            case BsonException or FormatException:
                return new MlDbException(MlDbErrorIds.ConversionFailed, MlDbErrorKind.InvalidData,
                    $"A document of the {operation} could not be read: {FirstLine(ex.Message)}", null);
            default:
                return new MlDbException(MlDbErrorIds.CommandFailed, MlDbErrorKind.InvalidOperation,
                    connection.Scrub($"The MongoDB {operation} failed: {FirstLine(ex.Message)}"), null);
        }
    }

    public static string FirstLine(string text)
    {
        int nl = text.IndexOfAny(['\r', '\n']);
        return (nl < 0 ? text : text[..nl]).Trim();
    }

    public static string Scrub(string text, string? secret) =>
        string.IsNullOrEmpty(secret) ? text : text.Replace(secret, "****", StringComparison.Ordinal)
            .Replace(Uri.EscapeDataString(secret), "****", StringComparison.Ordinal);
}
