using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using MlDb.Data.Processing;
using StackExchange.Redis;

namespace MlDb.Data.Redis;

/// <summary>
/// A named Redis connection: one <see cref="ConnectionMultiplexer"/> shared by every command of
/// that name (standalone, several endpoints, or a cluster). Commands go through
/// <see cref="Run{T}"/>, which logs them (never values or credentials), waits for a dropped
/// server to come back for at most the connect timeout, honours cancellation and the command
/// timeout, and turns every driver failure into one <see cref="MlDbException"/> naming the endpoint.
/// </summary>
public sealed class RedisMlConnection : MlConnection
{
    private const int PollMs = 50;
    private readonly ConnectionMultiplexer _multiplexer;
    private readonly ConcurrentDictionary<string, ConnectionFailedEventArgs> _failures = new(StringComparer.OrdinalIgnoreCase);

    internal RedisMlConnection(string name, ConnectionMultiplexer multiplexer, RedisSettings settings)
        : base(name)
    {
        _multiplexer = multiplexer;
        Settings = settings;
        multiplexer.ConnectionFailed += (_, e) => { if (e.EndPoint is { } ep) _failures[Format(ep)] = e; };
        multiplexer.ConnectionRestored += (_, e) => { if (e.EndPoint is { } ep) _failures.TryRemove(Format(ep), out ConnectionFailedEventArgs? _); };
    }

    public override MlProvider Provider => MlProvider.Redis;

    /// <summary>Endpoints and non-secret options; never the password.</summary>
    public override string DisplayString => Settings.DisplayText;

    /// <summary>The database index (<c>defaultDatabase=</c>), as text.</summary>
    public override string? Database => DatabaseIndex.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The logical database the cache commands use (always 0 on a cluster).</summary>
    public int DatabaseIndex => Settings.Database;

    /// <summary>The endpoints of the configuration string, comma-separated.</summary>
    public string EndPoints => Settings.EndPointText;

    /// <summary>True when the servers run in cluster mode.</summary>
    public bool IsCluster => _multiplexer.GetServers().Any(s => s.ServerType == ServerType.Cluster);

    /// <summary>The time a dropped server is waited for before a command fails.</summary>
    public TimeSpan ConnectTimeout => TimeSpan.FromMilliseconds(Settings.Options.ConnectTimeout);

    /// <summary>The time one command may take at most (the driver's <c>asyncTimeout</c>).</summary>
    public TimeSpan CommandWait => TimeSpan.FromMilliseconds(Math.Max(Settings.Options.AsyncTimeout, Settings.Options.SyncTimeout));

    internal RedisSettings Settings { get; }

    internal IDatabase Db
    {
        get
        {
            ThrowIfDisposed();
            return _multiplexer.GetDatabase(DatabaseIndex);
        }
    }

    /// <summary><c>host:port</c> of an endpoint (IPv6 in brackets).</summary>
    public static string Format(EndPoint endPoint) => endPoint switch
    {
        IPEndPoint ip when ip.AddressFamily == AddressFamily.InterNetworkV6 => $"[{ip.Address}]:{ip.Port}",
        IPEndPoint ip => $"{ip.Address}:{ip.Port}",
        DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
        _ => endPoint.ToString() ?? "",
    };

    /// <summary>
    /// The server that serves <paramref name="key"/> (its slot's primary on a cluster). When that
    /// server is down the driver has none to offer; then it is the one the key belongs to, so
    /// that the caller waits for it and names it.
    /// </summary>
    internal IServer ServerFor(string key)
    {
        ThrowIfDisposed();
        try
        {
            return _multiplexer.GetServer(new RedisKey(key));
        }
        catch (Exception ex) when (ex is RedisException or InvalidOperationException or NotSupportedException)
        {
            var servers = _multiplexer.GetServers();
            if (servers.Length == 0) throw RedisErrors.Unreachable(this, EndPoints, "key " + key, "no server is known", ex);
            var cluster = servers.FirstOrDefault(s => s.ServerType == ServerType.Cluster);
            if (cluster is not null)
            {
                try
                {
                    if (cluster.ClusterConfiguration?.GetBySlot(new RedisKey(key))?.EndPoint is { } owner) return _multiplexer.GetServer(owner);
                }
                catch (RedisException)
                {
                    // No cluster map either: fall back to any primary below, which is then waited for.
                }
            }
            return servers.FirstOrDefault(s => !s.IsReplica) ?? servers[0];
        }
    }

    /// <summary>
    /// The servers a pattern scan must visit: on a cluster every primary that owns slots (as the
    /// cluster itself reports them; replicas skipped), otherwise the one primary commands go to.
    /// </summary>
    internal IReadOnlyList<IServer> ScanTargets(FlowContext context)
    {
        ThrowIfDisposed();
        var servers = _multiplexer.GetServers();
        var cluster = servers.FirstOrDefault(s => s.ServerType == ServerType.Cluster && s.IsConnected);
        if (cluster is null && servers.Any(s => s.ServerType == ServerType.Cluster))
        {
            var any = servers.First(s => s.ServerType == ServerType.Cluster);
            WaitConnected(any, "CLUSTER NODES", context);
            cluster = any;
        }
        if (cluster is null)
            return [ServerFor("")];

        ClusterConfiguration? config;
        try
        {
            config = cluster.ClusterConfiguration;
        }
        catch (RedisException ex)
        {
            throw RedisErrors.Translate(ex, this, "CLUSTER NODES", Format(cluster.EndPoint), null, (int)CommandWait.TotalMilliseconds);
        }
        var targets = new List<IServer>();
        int slots = 0;
        if (config is not null)
        {
            foreach (var node in config.Nodes)
            {
                if (node.IsReplica || node.Slots.Count == 0 || node.EndPoint is null) continue;
                targets.Add(_multiplexer.GetServer(node.EndPoint));
                slots += node.Slots.Sum(r => r.To - r.From + 1);
            }
        }
        if (targets.Count == 0)
            targets.AddRange(servers.Where(s => s.ServerType == ServerType.Cluster && !s.IsReplica));
        else if (slots < 16384)
            context.Verbose($"Warning: the primaries of the cluster own {slots} of 16384 slots; keys in the others cannot be scanned.");
        return targets;
    }

    /// <summary>True when the server at <paramref name="endPoint"/> (as formatted) is connected.</summary>
    internal bool IsEndPointConnected(string endPoint) =>
        _multiplexer.GetServers().Any(s => string.Equals(Format(s.EndPoint), endPoint, StringComparison.OrdinalIgnoreCase) && s.IsConnected);

    /// <summary>
    /// Waits (at most the connect timeout, cancellably) until <paramref name="server"/> is
    /// connected; otherwise one <see cref="MlDbErrorIds.ConnectionFailed"/> error naming it.
    /// </summary>
    internal void WaitConnected(IServer server, string command, FlowContext context)
    {
        ThrowIfDisposed();
        if (server.IsConnected) return;
        string endPoint = Format(server.EndPoint);
        context.Verbose($"Redis at {endPoint} is not connected; waiting up to {RedisConnectionFactory.Seconds(Settings.Options.ConnectTimeout)} for it.");
        var deadline = DateTime.UtcNow + ConnectTimeout;
        while (!server.IsConnected)
        {
            if (DateTime.UtcNow >= deadline)
            {
                string reason = _failures.TryGetValue(endPoint, out var failure) && failure.Exception is { } e && RedisErrors.SocketReason(e) is { } r
                    ? $"{r}; waited {RedisConnectionFactory.Seconds(Settings.Options.ConnectTimeout)} for it to come back"
                    : $"not connected; waited {RedisConnectionFactory.Seconds(Settings.Options.ConnectTimeout)} for it to come back";
                throw RedisErrors.Unreachable(this, endPoint, command, reason, failure?.Exception);
            }
            if (context.CancellationToken.WaitHandle.WaitOne(PollMs)) context.CancellationToken.ThrowIfCancellationRequested();
            ThrowIfDisposed();
        }
    }

    /// <summary>
    /// Runs one command against <paramref name="server"/>: logs <paramref name="command"/>, waits for
    /// a dropped server, awaits the reply within the command timeout and cancellation, and turns
    /// failures into one <see cref="MlDbException"/> (naming <paramref name="key"/> when given).
    /// </summary>
    internal T Run<T>(IServer server, string command, string? key, FlowContext context, Func<Task<T>> send)
    {
        string endPoint = Format(server.EndPoint);
        WaitConnected(server, command, context);
        context.Verbose($"{command}  [{endPoint}]");
        var limit = context.CommandTimeout is { } t && t < CommandWait ? t : CommandWait + TimeSpan.FromSeconds(1);
        try
        {
            return send().WaitAsync(limit, context.CancellationToken).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException or IOException or SocketException)
        {
            throw RedisErrors.Translate(ex, this, command, endPoint, key, (int)limit.TotalMilliseconds);
        }
    }

    protected override void DisposeCore() => _multiplexer.Dispose();
}
