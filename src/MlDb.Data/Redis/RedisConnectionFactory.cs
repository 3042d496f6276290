using StackExchange.Redis;

namespace MlDb.Data.Redis;

/// <summary>
/// Opens Redis connections: one <see cref="ConnectionMultiplexer"/> per named connection, from a
/// StackExchange.Redis configuration string (<c>localhost:6379</c>, several endpoints, a cluster,
/// options such as <c>defaultDatabase=2</c>, <c>ssl=true</c>, <c>connectTimeout=2000</c>).
/// A password comes from <see cref="MlConnectRequest.Credential"/> (or <c>password=</c> in the
/// string) and is never shown. A server that cannot be reached, or refuses the credentials, gives
/// one <see cref="MlDbErrorIds.ConnectionFailed"/> error naming the endpoint, within the connect
/// timeout.
/// </summary>
public sealed class RedisConnectionFactory : IMlConnectionFactory
{
    /// <summary>How long the driver may take to connect when the string does not say (<c>connectTimeout=</c>).</summary>
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(5);

    // Extra time allowed on top of the connect timeout before MlDb stops waiting for the driver.
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);

    public MlProvider Provider => MlProvider.Redis;

    public MlConnection Connect(MlConnectRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var settings = RedisSettings.Parse(request.ConnectionString, request.Credential, request.Database);
        var options = settings.Options;
        string where = settings.EndPointText;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var connecting = ConnectionMultiplexer.ConnectAsync(options);
        ConnectionMultiplexer multiplexer;
        try
        {
            // The driver gives up by itself after connectTimeout (× connectRetry); the extra wait
            // only guards against a driver that never answers, so the user never sees a hang.
            var limit = TimeSpan.FromMilliseconds(options.ConnectTimeout * (double)Math.Max(1, options.ConnectRetry)) + Grace;
            multiplexer = connecting.WaitAsync(limit, cancellationToken).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            DisposeWhenDone(connecting);
            throw;
        }
        catch (TimeoutException)
        {
            DisposeWhenDone(connecting);
            throw Failed(settings, $"no answer within {Seconds(options.ConnectTimeout)}", null);
        }
        catch (RedisConnectionException ex)
        {
            throw Failed(settings, DescribeConnectFailure(ex, options, clock.Elapsed), ex);
        }
        catch (RedisException ex)
        {
            throw Failed(settings, settings.Scrub(ex.Message), ex);
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or IOException or ArgumentException)
        {
            throw Failed(settings, settings.Scrub(ex.Message), ex);
        }

        if (!multiplexer.IsConnected)
        {
            // abortConnect=false in the string: the user asked to connect in the background.
            if (options.AbortOnConnectFail)
            {
                multiplexer.Dispose();
                throw Failed(settings, "not connected", null);
            }
        }
        return new RedisMlConnection(request.Name, multiplexer, settings);

        static void DisposeWhenDone(Task<ConnectionMultiplexer> task) =>
            task.ContinueWith(t => { if (t.Status == TaskStatus.RanToCompletion) t.Result.Dispose(); }, TaskScheduler.Default);

        static MlDbException Failed(RedisSettings settings, string reason, Exception? inner) =>
            new(MlDbErrorIds.ConnectionFailed, MlDbErrorKind.ConnectionError,
                $"Cannot connect to Redis at {settings.EndPointText}: {reason}.", settings.EndPointText,
                RedisErrors.SafeInner(inner, settings));
    }

    private static string DescribeConnectFailure(RedisConnectionException ex, ConfigurationOptions options, TimeSpan waited)
    {
        string timeout = Seconds(options.ConnectTimeout);
        return ex.FailureType switch
        {
            ConnectionFailureType.AuthenticationFailure =>
                "authentication failed (check the password given with -Credential, password= or the redis:// URI)",
            _ => (RedisErrors.SocketReason(ex) ?? Probe(options)) is { } reason ? reason
                : waited.TotalMilliseconds >= options.ConnectTimeout * 0.9 ? $"no Redis answer within {timeout} ({ex.FailureType})"
                : $"the Redis handshake failed ({ex.FailureType})",
        };
    }

    /// <summary>
    /// After a failed connect: why the endpoints cannot be reached (host not found, connection
    /// refused, no answer), found with one short TCP connect per endpoint; null when TCP works.
    /// </summary>
    private static string? Probe(ConfigurationOptions options)
    {
        var reasons = new List<string>();
        var deadline = DateTime.UtcNow + TimeSpan.FromMilliseconds(800);
        foreach (var endPoint in options.EndPoints)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) return null;
            string? reason = ProbeOne(endPoint, left);
            if (reason is null) return null;
            reasons.Add(options.EndPoints.Count == 1 ? reason : $"{RedisMlConnection.Format(endPoint)}: {reason}");
        }
        return reasons.Count == 0 ? null : string.Join("; ", reasons);
    }

    private static string? ProbeOne(System.Net.EndPoint endPoint, TimeSpan limit)
    {
        try
        {
            using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
            using var cts = new CancellationTokenSource(limit);
            socket.ConnectAsync(endPoint, cts.Token).AsTask().GetAwaiter().GetResult();
            return null;
        }
        catch (System.Net.Sockets.SocketException ex)
        {
            return RedisErrors.SocketReason(ex);
        }
        catch (OperationCanceledException)
        {
            return "no answer (connection timed out)";
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return RedisErrors.SocketReason(ex) ?? ex.Message.TrimEnd('.');
        }
    }

    internal static string Seconds(int milliseconds) =>
        milliseconds % 1000 == 0 ? $"{milliseconds / 1000} s" : $"{milliseconds / 1000.0:0.###} s";
}
