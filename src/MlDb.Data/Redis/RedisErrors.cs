using System.Net.Sockets;
using StackExchange.Redis;

namespace MlDb.Data.Redis;

/// <summary>Error identifiers that only the Redis cmdlets raise (the PowerShell layer prefixes them with <c>MlDb.</c>).</summary>
public static class RedisErrorIds
{
    /// <summary>A cached value is not JSON text (read it with <c>-Raw</c>); the error names the key.</summary>
    public const string CacheValueNotJson = "CacheValueNotJson";

    /// <summary>The key holds a hash, list, set, … rather than a string value; the error names the key.</summary>
    public const string CacheWrongType = "CacheWrongType";
}

/// <summary>Turns driver exceptions into one <see cref="MlDbException"/> that names the endpoint and the command.</summary>
internal static class RedisErrors
{
    /// <summary>
    /// The error for a failed command. <paramref name="command"/> is the command as logged
    /// (<c>GET user:1</c>), <paramref name="endPoint"/> the server it went to.
    /// </summary>
    public static MlDbException Translate(Exception exception, RedisMlConnection connection, string command, string endPoint, string? key, int waitedMs)
    {
        var settings = connection.Settings;
        switch (exception)
        {
            case MlDbException known:
                return known;
            case RedisServerException server when server.Message.StartsWith("WRONGTYPE", StringComparison.Ordinal) && key is not null:
                return new MlDbException(RedisErrorIds.CacheWrongType, MlDbErrorKind.InvalidData,
                    $"The key '{key}' does not hold a string value (Redis answered {command} with: {settings.Scrub(server.Message)}). The cache cmdlets read and write string values.",
                    key, SafeInner(server, settings));
            case RedisServerException server:
                return new MlDbException(MlDbErrorIds.CommandFailed, MlDbErrorKind.InvalidOperation,
                    $"Redis at {endPoint} refused {command}: {settings.Scrub(server.Message)}", (object?)key ?? endPoint, SafeInner(server, settings));
            case RedisConnectionException lost:
                return Unreachable(connection, endPoint, command, Describe(lost, waitedMs), lost);
            case RedisTimeoutException timeout when !connection.IsEndPointConnected(endPoint):
                return Unreachable(connection, endPoint, command, $"not connected; waited {RedisConnectionFactory.Seconds(waitedMs)} for it to come back", timeout);
            case RedisTimeoutException timeout:
                // The driver's own limit (asyncTimeout) ran out before MlDb's wait did.
                return new MlDbException(MlDbErrorIds.CommandTimeout, MlDbErrorKind.OperationTimeout,
                    $"Redis at {endPoint} did not answer {command} within {RedisConnectionFactory.Seconds(Math.Min(waitedMs, (int)connection.CommandWait.TotalMilliseconds))}.",
                    (object?)key ?? endPoint, SafeInner(timeout, settings));
            case TimeoutException timeout:
                return new MlDbException(MlDbErrorIds.CommandTimeout, MlDbErrorKind.OperationTimeout,
                    $"Redis at {endPoint} did not answer {command} within {RedisConnectionFactory.Seconds(waitedMs)}.", (object?)key ?? endPoint, SafeInner(timeout, settings));
            case ObjectDisposedException:
                return new MlDbException(MlDbErrorIds.ConnectionNotFound, MlDbErrorKind.ConnectionError,
                    $"The connection '{connection.Name}' has been closed (Disconnect-MlDatabase, or replaced by a new connection with the same name).", connection.Name);
            default:
                return new MlDbException(MlDbErrorIds.CommandFailed, MlDbErrorKind.InvalidOperation,
                    $"{command} failed at Redis {endPoint}: {settings.Scrub(exception.Message)}", (object?)key ?? endPoint, SafeInner(exception, settings));
        }
    }

    public static MlDbException Unreachable(RedisMlConnection connection, string endPoint, string command, string reason, Exception? inner) =>
        new(MlDbErrorIds.ConnectionFailed, MlDbErrorKind.ConnectionError,
            $"Cannot reach Redis at {endPoint} ({command}): {reason}.", endPoint, SafeInner(inner, connection.Settings));

    private static string Describe(RedisConnectionException exception, int waitedMs) => exception.FailureType switch
    {
        ConnectionFailureType.AuthenticationFailure => "authentication failed",
        ConnectionFailureType.ConnectionDisposed => "the connection was closed",
        _ => SocketReason(exception) is { } reason
            ? reason
            : $"not connected ({exception.FailureType}); waited {RedisConnectionFactory.Seconds(waitedMs)}",
    };

    /// <summary>The socket-level reason (connection refused, host not found, …) in an exception chain, lower-cased.</summary>
    public static string? SocketReason(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is SocketException socket)
                return socket.SocketErrorCode switch
                {
                    SocketError.ConnectionRefused => "connection refused",
                    SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => "host not found",
                    SocketError.TimedOut => "connection timed out",
                    SocketError.ConnectionReset => "connection reset",
                    SocketError.NetworkUnreachable or SocketError.HostUnreachable => "network unreachable",
                    _ => socket.SocketErrorCode.ToString(),
                };
        }
        string text = exception.ToString();
        if (text.Contains("refused", StringComparison.OrdinalIgnoreCase)) return "connection refused";
        return null;
    }

    /// <summary>The driver's exception to keep as the inner one, or a scrubbed copy when its text would show a password.</summary>
    public static Exception? SafeInner(Exception? inner, RedisSettings settings)
    {
        if (inner is null) return null;
        return settings.Reveals(inner.ToString()) ? new InvalidOperationException(settings.Scrub(inner.Message)) : inner;
    }
}
