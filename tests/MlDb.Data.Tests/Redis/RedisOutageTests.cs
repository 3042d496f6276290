using System.Diagnostics;
using MlDb.Data.Redis;
using MlDb.Language;
using Xunit;
using static MlDb.Data.Tests.Redis.RedisTestEnvironment;

namespace MlDb.Data.Tests.Redis;

/// <summary>Stops the standalone test server mid-run and starts it again (tests/services/redis.sh).</summary>
[Collection(RedisCollection.Name)]
public sealed class RedisOutageTests
{
    [RedisFact(StandaloneVariable, ServicesDirVariable)]
    public void A_server_stopped_mid_scan_gives_one_clear_error_and_works_again_after_restart()
    {
        string dir = ServicesDir()!;
        string prefix = Prefix("outage");
        string endPoint = Standalone;
        using var redis = Connect(endPoint + ",connectTimeout=2000");
        var flow = new RedisCacheFlow(redis, Context());
        for (int i = 0; i < 200; i++) flow.Set(prefix + i, MlValue.FromInt(i), null, null, false);
        try
        {
            var seen = 0;
            var clock = new Stopwatch();
            var ex = Assert.Throws<MlDbException>(() =>
            {
                foreach (var _ in flow.ReadPattern(prefix + "*", 20, false, null))
                {
                    if (seen++ == 0)
                    {
                        RedisScript("stop-server", dir, "standalone");
                        clock.Start();
                    }
                }
            });
            clock.Stop();
            Assert.InRange(seen, 1, 40);
            Assert.Equal(MlDbErrorIds.ConnectionFailed, ex.ErrorId);
            Assert.Contains(endPoint, ex.Message);
            Assert.Equal(endPoint, ex.Target);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2 + 7), $"the error came after {clock.Elapsed}");

            // A command on the stopped server: one error within the connect timeout, no hang.
            clock.Restart();
            var get = Assert.Throws<MlDbException>(() => flow.TryRead(prefix + "1", false, out _));
            clock.Stop();
            Assert.Equal(MlDbErrorIds.ConnectionFailed, get.ErrorId);
            Assert.StartsWith($"Cannot reach Redis at {endPoint} (GET {prefix}1):", get.Message);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2 + 2), $"the error came after {clock.Elapsed}");
        }
        finally
        {
            RedisScript("start-server", dir, "standalone");
        }

        // Back again (empty: persistence is off); the same connection reconnects by itself.
        Assert.False(flow.TryRead(prefix + "1", false, out _));
        flow.Set(prefix + "again", MlValue.FromInt(1), null, null, false);
        Assert.True(flow.TryRead(prefix + "again", false, out var again));
        Assert.Equal(1L, again.AsInt);
    }
}
