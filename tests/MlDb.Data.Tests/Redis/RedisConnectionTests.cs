using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MlDb.Data.Redis;
using MlDb.Language;
using Xunit;
using static MlDb.Data.Tests.Redis.RedisTestEnvironment;

namespace MlDb.Data.Tests.Redis;

[Collection(RedisCollection.Name)]
public sealed class RedisConnectionTests
{
    [Fact]
    public void The_factory_is_registered_for_redis() => Assert.True(MlConnectionFactory.IsAvailable(MlProvider.Redis));

    [Fact]
    public void A_string_without_endpoints_or_with_unknown_options_is_an_argument_error_that_never_echoes_the_password()
    {
        var empty = Assert.Throws<MlDbException>(() => Connect("  "));
        Assert.Equal(MlDbErrorIds.InvalidArgument, empty.ErrorId);
        var noEndpoint = Assert.Throws<MlDbException>(() => Connect("password=hunter2"));
        Assert.Equal(MlDbErrorIds.InvalidArgument, noEndpoint.ErrorId);
        Assert.DoesNotContain("hunter2", noEndpoint.ToString());
        var unknown = Assert.Throws<MlDbException>(() => Connect("localhost:1,password=hunter2,bogusOption=1"));
        Assert.Equal(MlDbErrorIds.InvalidArgument, unknown.ErrorId);
        Assert.DoesNotContain("hunter2", unknown.ToString());
    }

    [Fact]
    public void Nothing_listening_gives_one_error_naming_the_endpoint_within_the_connect_timeout()
    {
        int port = FreePort();
        var clock = Stopwatch.StartNew();
        var ex = Assert.Throws<MlDbException>(() => Connect($"127.0.0.1:{port},connectTimeout=1500,password=s3cret-pw"));
        clock.Stop();
        Assert.Equal(MlDbErrorIds.ConnectionFailed, ex.ErrorId);
        Assert.Equal(MlDbErrorKind.ConnectionError, ex.Kind);
        Assert.StartsWith($"Cannot connect to Redis at 127.0.0.1:{port}:", ex.Message);
        Assert.Equal($"127.0.0.1:{port}", ex.Target);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1.5 + 2.5), $"took {clock.Elapsed}");
        Assert.DoesNotContain("s3cret-pw", ex.ToString());
    }

    [Fact]
    public async Task A_server_that_accepts_but_never_answers_times_out_with_one_error_and_no_hang()
    {
        // A TCP listener on 127.0.0.1 that accepts connections and never says a word.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var held = new List<TcpClient>();
        using var stop = new CancellationTokenSource();
        var accepting = Task.Run(async () =>
        {
            try
            {
                while (!stop.IsCancellationRequested) held.Add(await listener.AcceptTcpClientAsync(stop.Token));
            }
            catch (OperationCanceledException) { }
            catch (SocketException) { }
        });
        try
        {
            var clock = Stopwatch.StartNew();
            var ex = Assert.Throws<MlDbException>(() => Connect($"127.0.0.1:{port},connectTimeout=1500"));
            clock.Stop();
            Assert.Equal(MlDbErrorIds.ConnectionFailed, ex.ErrorId);
            Assert.Equal($"Cannot connect to Redis at 127.0.0.1:{port}: no Redis answer within 1.5 s (UnableToConnect).", ex.Message);
            Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1.2) && clock.Elapsed < TimeSpan.FromSeconds(1.5 + 3), $"took {clock.Elapsed}");
        }
        finally
        {
            stop.Cancel();
            listener.Stop();
            await accepting.WaitAsync(TimeSpan.FromSeconds(5));
            foreach (var c in held) c.Dispose();
        }
    }

    [Fact]
    public void Several_endpoints_none_answering_name_them_all()
    {
        int a = FreePort(), b = FreePort();
        var ex = Assert.Throws<MlDbException>(() => Connect($"127.0.0.1:{a},127.0.0.1:{b},connectTimeout=1000"));
        Assert.Equal(MlDbErrorIds.ConnectionFailed, ex.ErrorId);
        Assert.Contains($"127.0.0.1:{a},127.0.0.1:{b}", ex.Message);
    }

    [RedisFact]
    public void Connects_to_the_standalone_server_and_describes_itself()
    {
        using var redis = Connect(Standalone + ",defaultDatabase=0", name: "cache");
        Assert.Equal("cache", redis.Name);
        Assert.Equal(MlProvider.Redis, redis.Provider);
        Assert.Equal(Standalone, redis.DisplayString);
        Assert.Equal("0", redis.Database);
        Assert.False(redis.IsCluster);
        Assert.Equal($"cache (Redis: {Standalone})", redis.ToString());
    }

    [RedisFact]
    public void Another_database_index_is_used_for_reads_and_scans()
    {
        string key = Prefix("db3") + "k";
        using var redis = Connect(Standalone + ",defaultDatabase=3");
        Assert.Equal("3", redis.Database);
        Assert.Contains("defaultDatabase=3", redis.DisplayString);
        var flow = new RedisCacheFlow(redis, Context());
        flow.Set(key, MlValue.FromInt(7), null, null, false);
        using var direct = Direct(Standalone);
        Assert.False(direct.GetDatabase(0).KeyExists(key));
        Assert.Equal("7", (string?)direct.GetDatabase(3).StringGet(key));
        Assert.Equal([key], flow.ScanKeys(key).ToList());
    }

    [RedisFact]
    public void The_database_parameter_is_the_database_index()
    {
        using var redis = (RedisMlConnection)MlConnectionFactory.Connect(new MlConnectRequest("db", MlProvider.Redis, Standalone, Database: "4"));
        Assert.Equal("4", redis.Database);
        Assert.Equal(4, redis.DatabaseIndex);
        var ex = Assert.Throws<MlDbException>(() => MlConnectionFactory.Connect(new MlConnectRequest("db", MlProvider.Redis, Standalone, Database: "users")));
        Assert.Equal(MlDbErrorIds.InvalidArgument, ex.ErrorId);
    }

    [RedisFact(AuthVariable, PasswordVariable)]
    public void The_password_comes_from_the_credential_and_is_never_shown()
    {
        string password = Password;
        var log = new List<string>();
        using var redis = Connect(Auth, new NetworkCredential("", password));
        Assert.DoesNotContain(password, redis.DisplayString);
        Assert.DoesNotContain(password, redis.ToString());
        Assert.Equal(Auth, redis.DisplayString);
        var flow = new RedisCacheFlow(redis, Context(log));
        string key = Prefix("auth") + "k";
        flow.Set(key, MlValue.FromString("v"), null, TimeSpan.FromSeconds(30), raw: false);
        Assert.True(flow.TryRead(key, false, out var v));
        Assert.Equal("v", v.AsString);
        Assert.NotEmpty(log);
        Assert.All(log, line => Assert.DoesNotContain(password, line));
        Assert.Contains(log, l => l.StartsWith($"SET {key} <3 characters> EX 30", StringComparison.Ordinal));
        Assert.Contains(log, l => l.StartsWith($"GET {key}", StringComparison.Ordinal));

        // The password in the string works the same way and is not shown either.
        using var inString = Connect(Auth + ",password=" + password);
        Assert.DoesNotContain(password, inString.DisplayString);
        Assert.True(new RedisCacheFlow(inString, Context()).TryRead(key, false, out _));
    }

    [RedisFact(AuthVariable, PasswordVariable)]
    public void A_wrong_or_missing_password_is_one_connection_error_that_does_not_show_it()
    {
        var clock = Stopwatch.StartNew();
        var wrong = Assert.Throws<MlDbException>(() => Connect(Auth + ",connectTimeout=2000", new NetworkCredential("", "wrong-secret-123")));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.Equal(MlDbErrorIds.ConnectionFailed, wrong.ErrorId);
        Assert.Contains(Auth, wrong.Message);
        Assert.Contains("authentication", wrong.Message);
        Assert.DoesNotContain("wrong-secret-123", wrong.ToString());

        var missing = Assert.Throws<MlDbException>(() => Connect(Auth + ",connectTimeout=2000"));
        Assert.Equal(MlDbErrorIds.ConnectionFailed, missing.ErrorId);
        Assert.Contains(Auth, missing.Message);
    }

    [RedisFact(AuthVariable, PasswordVariable)]
    public void A_user_name_other_than_default_is_sent_as_the_acl_user()
    {
        using (var plain = Connect(Auth, new NetworkCredential("default", Password)))
            Assert.Equal(Auth, plain.DisplayString);
        var ex = Assert.Throws<MlDbException>(() => Connect(Auth + ",connectTimeout=2000", new NetworkCredential("nobody", Password)));
        Assert.Equal(MlDbErrorIds.ConnectionFailed, ex.ErrorId);
        Assert.Contains("authentication failed", ex.Message);
        Assert.DoesNotContain(Password, ex.ToString());
    }

    [RedisFact]
    public void A_server_that_stops_answering_ends_the_command_at_its_timeout()
    {
        string key = Prefix("pause") + "k";
        using var redis = Connect(Standalone);
        var flow = new RedisCacheFlow(redis, new Processing.FlowContext { CommandTimeout = TimeSpan.FromSeconds(1) });
        flow.Set(key, MlValue.FromInt(1), null, null, false);
        using var direct = Direct(Standalone + ",allowAdmin=true");
        var pausedUntil = DateTime.UtcNow + TimeSpan.FromMilliseconds(2500);
        direct.GetServer(Standalone).Execute("CLIENT", "PAUSE", "2500", "ALL");
        try
        {
            var clock = Stopwatch.StartNew();
            var ex = Assert.Throws<MlDbException>(() => flow.TryRead(key, false, out _));
            clock.Stop();
            Assert.Equal(MlDbErrorIds.CommandTimeout, ex.ErrorId);
            Assert.Equal(MlDbErrorKind.OperationTimeout, ex.Kind);
            Assert.Equal($"Redis at {Standalone} did not answer GET {key} within 1 s.", ex.Message);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
        }
        finally
        {
            var left = pausedUntil - DateTime.UtcNow;
            if (left > TimeSpan.Zero) Thread.Sleep(left + TimeSpan.FromMilliseconds(200));
        }
        Assert.True(flow.TryRead(key, false, out var after));
        Assert.Equal(1L, after.AsInt);
    }

    [RedisFact]
    public void A_closed_connection_says_so()
    {
        var redis = Connect(Standalone, name: "closing");
        var flow = new RedisCacheFlow(redis, Context());
        redis.Dispose();
        var ex = Assert.Throws<MlDbException>(() => flow.TryRead("x", false, out _));
        Assert.Equal(MlDbErrorIds.ConnectionNotFound, ex.ErrorId);
        Assert.Contains("'closing'", ex.Message);
    }

    internal static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
