using System.Diagnostics;
using MlDb.Data.Redis;
using MlDb.Language;
using Xunit;
using static MlDb.Data.Tests.Redis.RedisTestEnvironment;

namespace MlDb.Data.Tests.Redis;

/// <summary>
/// A replica of the standalone test server, started here (redis-server --replicaof) on a free
/// port and stopped at the end: a pattern scan must not visit it (its keys are the primary's).
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class RedisReplicaTests
{
    [RedisFact]
    public void A_pattern_scan_skips_replicas()
    {
        string prefix = Prefix("replica");
        string primary = Standalone;
        int colon = primary.LastIndexOf(':');
        int port = RedisConnectionTests.FreePort();
        string dir = Path.Combine(Path.GetTempPath(), "mldb-replica-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        var info = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dir };
        foreach (var a in new[] { "--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no",
                     "--dir", dir, "--replicaof", primary[..colon], primary[(colon + 1)..] })
            info.ArgumentList.Add(a);
        Process replica;
        try
        {
            replica = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Directory.Delete(dir, true);
            throw new InvalidOperationException("redis-server is not installed, though MLDB_TEST_REDIS is set (tests/services/redis.sh installs it).");
        }
        try
        {
            using (var direct = Direct(primary))
            {
                var db = direct.GetDatabase();
                for (int i = 0; i < 100; i++) db.StringSet(prefix + i, $"{{\"i\":{i}}}");
            }
            string replicaEndPoint = $"127.0.0.1:{port}";
            // Wait until the replica has the keys (a full sync of a small data set is quick).
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            while (true)
            {
                try
                {
                    using var r = Direct(replicaEndPoint);
                    if (r.GetServer(replicaEndPoint).Keys(0, prefix + "*", 1000).Count() == 100) break;
                }
                catch (StackExchange.Redis.RedisException) { }
                if (DateTime.UtcNow > deadline) throw new TimeoutException("the replica did not sync within 20 s");
                Thread.Sleep(200);
            }

            using var redis = Connect($"{replicaEndPoint},{primary}");
            var log = new List<string>();
            var flow = new RedisCacheFlow(redis, Context(log));
            var keys = flow.ScanKeys(prefix + "*", 10).ToList();
            Assert.Equal(100, keys.Count);
            Assert.Equal(100, keys.Distinct().Count());
            var scans = log.Where(l => l.StartsWith("SCAN ", StringComparison.Ordinal) && l.Contains(" MATCH ", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(scans);
            Assert.All(scans, l => Assert.EndsWith($"[{primary}]", l));
            Assert.DoesNotContain(log, l => l.Contains(replicaEndPoint, StringComparison.Ordinal));

            // Writes go to the primary too.
            flow.Set(prefix + "new", MlValue.FromInt(1), null, null, false);
            Assert.True(flow.TryRead(prefix + "new", false, out var v));
            Assert.Equal(1L, v.AsInt);
        }
        finally
        {
            if (!replica.HasExited) replica.Kill();
            replica.WaitForExit(10_000);
            replica.Dispose();
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }
}
