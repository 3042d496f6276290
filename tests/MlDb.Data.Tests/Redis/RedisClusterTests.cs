using MlDb.Data.Processing;
using MlDb.Data.Redis;
using MlDb.Language;
using StackExchange.Redis;
using Xunit;
using static MlDb.Data.Tests.Redis.RedisTestEnvironment;

namespace MlDb.Data.Tests.Redis;

[Collection(RedisCollection.Name)]
public sealed class RedisClusterTests
{
    [RedisFact(ClusterVariable)]
    public void Pattern_scan_visits_every_primary_of_the_cluster()
    {
        string prefix = Prefix("cluster");
        using var redis = Connect(Cluster);
        Assert.True(redis.IsCluster);
        var log = new List<string>();
        var flow = new RedisCacheFlow(redis, Context(log));
        var script = TestSupport.Seed("redis_processors.ml");
        for (int i = 0; i < 300; i++)
        {
            var user = new MlObject();
            user.Set("name", "user" + i);
            user.Set("n", (long)i);
            flow.Set($"{prefix}user:{i}", MlValue.FromObject(user), new MlFunctionCall(script, "enrichCache"), TimeSpan.FromMinutes(10), false);
        }

        // Behind MlDb's back: the keys really live on all three primaries.
        var primaries = Cluster.Split(',');
        Assert.Equal(3, primaries.Length);
        using (var direct = Direct(Cluster))
        {
            var perNode = primaries.Select(p => direct.GetServer(p).Keys(0, prefix + "*", 1000).Count()).ToArray();
            Assert.All(perNode, n => Assert.True(n > 0, "every primary holds some of the keys: " + string.Join(",", perNode)));
            Assert.Equal(300, perNode.Sum());
        }

        var keys = flow.ScanKeys(prefix + "user:*", 50).ToList();
        Assert.Equal(300, keys.Count);
        Assert.Equal(300, keys.Distinct().Count());
        foreach (var p in primaries) Assert.Contains(log, l => l.StartsWith("SCAN 0 MATCH ", StringComparison.Ordinal) && l.EndsWith($"[{p}]", StringComparison.Ordinal));

        var analysis = flow.Aggregate(prefix + "user:*", 100, false, new MlFunctionCall(script, "analyzeCache"), null).AsObject;
        Assert.Equal(300L, analysis.Get("total_items").AsInt);
        var names = analysis.Get("items").AsArray.ToArray().Select(v => v.AsObject.Get("name").AsString).ToHashSet();
        Assert.Equal(300, names.Count);

        Assert.True(flow.TryGet(prefix + "user:7", new MlFunctionCall(script, "processCachedUser"), false, out var one));
        Assert.Equal(1L, one.AsObject.Get("access_count").AsInt);
        foreach (var key in keys) Assert.True(flow.Remove(key).Removed);
        Assert.Empty(flow.ScanKeys(prefix + "*"));
    }

    [RedisFact(ClusterVariable)]
    public void One_endpoint_of_the_cluster_is_enough_to_find_every_primary()
    {
        string prefix = Prefix("cluster1");
        string first = Cluster.Split(',')[0];
        using var redis = Connect(first);
        Assert.True(redis.IsCluster);
        var flow = new RedisCacheFlow(redis, Context());
        for (int i = 0; i < 60; i++) flow.Set(prefix + i, MlValue.FromInt(i), null, TimeSpan.FromMinutes(5), false);
        Assert.Equal(60, flow.ScanKeys(prefix + "*", 7).Distinct().Count());
    }
}
