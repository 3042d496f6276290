using MlDb.Data.Processing;
using MlDb.Data.Redis;
using MlDb.Language;
using StackExchange.Redis;
using Xunit;
using static MlDb.Data.Tests.Redis.RedisTestEnvironment;

namespace MlDb.Data.Tests.Redis;

[Collection(RedisCollection.Name)]
public sealed class RedisCacheFlowTests
{
    private static MlObject User(string name, string email)
    {
        var o = new MlObject();
        o.Set("name", name);
        o.Set("email", email);
        return o;
    }

    [RedisFact]
    public void Seed_scenario_enrich_with_expiry_then_process_then_analyze_the_pattern()
    {
        string prefix = Prefix("seed");
        var script = SeedScript();
        using var redis = Connect(Standalone);
        var flow = new RedisCacheFlow(redis, Context());

        var set = flow.Set(prefix + "user:123", MlValue.FromObject(User("John", "john@example.com")),
            new MlFunctionCall(script, "enrichCache"), TimeSpan.FromSeconds(3600), raw: false);
        Assert.True(set.Written);
        Assert.StartsWith("{\"name\":\"John\",\"email\":\"john@example.com\",\"cached_at\":\"", set.Text);
        Assert.EndsWith("\",\"ttl\":3600}", set.Text);
        var ttl = flow.TimeToLive(prefix + "user:123");
        Assert.NotNull(ttl);
        Assert.InRange(ttl!.Value.TotalSeconds, 3590, 3600);
        flow.Set(prefix + "user:456", MlValue.FromObject(User("Jane", "jane@example.com")), new MlFunctionCall(script, "enrichCache"), TimeSpan.FromSeconds(60), false);
        flow.Set(prefix + "order:1", MlValue.FromObject(User("not", "a user")), null, null, false);
        Assert.Null(flow.TimeToLive(prefix + "order:1"));

        Assert.True(flow.TryGet(prefix + "user:123", new MlFunctionCall(script, "processCachedUser"), raw: false, out var user));
        var u = user.AsObject;
        Assert.Equal(["name", "email", "cached_at", "ttl", "last_accessed", "access_count"], Keys(u));
        Assert.Equal(1L, u.Get("access_count").AsInt);
        Assert.Equal(3600L, u.Get("ttl").AsInt);
        Assert.True(IsoDates.TryParse(u.Get("last_accessed").AsString, out _));
        Assert.True(IsoDates.TryParse(u.Get("cached_at").AsString, out _));

        var result = flow.Aggregate(prefix + "user:*", RedisCacheFlow.DefaultPageSize, raw: false, new MlFunctionCall(script, "analyzeCache"), null).AsObject;
        Assert.Equal(2L, result.Get("total_items").AsInt);
        var items = result.Get("items").AsArray;
        Assert.Equal(2, items.Count);
        long expectedSize = 0;
        for (int i = 0; i < items.Count; i++) expectedSize += MlJson.Stringify(items[i], null)!.Length;
        Assert.Equal(expectedSize, result.Get("estimated_size_bytes").AsInt);
        Assert.Equal(["Jane", "John"], items.ToArray().Select(v => v.AsObject.Get("name").AsString).Order().ToArray());
    }

    [RedisFact]
    public void Json_mapping_keeps_ints_doubles_key_order_and_writes_dates_as_iso_strings()
    {
        string key = Prefix("json") + "v";
        using var redis = Connect(Standalone);
        var flow = new RedisCacheFlow(redis, Context());
        var value = new MlObject();
        value.Set("zeta", 1L);
        value.Set("alpha", 2.0);
        value.Set("mid", 0.5);
        value.Set("when", MlValue.FromDate(new DateTime(2024, 5, 6, 7, 8, 9, 123, DateTimeKind.Utc)));
        value.Set("big", long.MaxValue);
        var list = new MlArray();
        list.Add(MlValue.Null);
        list.Add(true);
        list.Add("é \"q\"");
        value.Set("list", list);
        flow.Set(key, MlValue.FromObject(value), null, null, false);

        using var direct = Direct(Standalone);
        Assert.Equal("{\"zeta\":1,\"alpha\":2.0,\"mid\":0.5,\"when\":\"2024-05-06T07:08:09.123Z\",\"big\":9223372036854775807,\"list\":[null,true,\"é \\\"q\\\"\"]}",
            (string?)direct.GetDatabase().StringGet(key));

        Assert.True(flow.TryRead(key, raw: false, out var read));
        var o = read.AsObject;
        Assert.Equal(["zeta", "alpha", "mid", "when", "big", "list"], Keys(o));
        Assert.True(o.Get("zeta").IsInt);
        Assert.True(o.Get("alpha").IsDouble);
        Assert.Equal(2.0, o.Get("alpha").AsDouble);
        Assert.True(o.Get("big").IsInt);
        Assert.Equal(long.MaxValue, o.Get("big").AsInt);
        Assert.Equal("2024-05-06T07:08:09.123Z", o.Get("when").AsString);
        Assert.Equal("é \"q\"", o.Get("list").AsArray[2].AsString);
    }

    [RedisFact]
    public void Missing_key_is_false_and_the_function_is_not_called()
    {
        using var redis = Connect(Standalone);
        var flow = new RedisCacheFlow(redis, Context());
        var script = TestSupport.Script("function f(x) { throw \"must not be called\"; }");
        Assert.False(flow.TryGet(Prefix("missing") + "nothing", new MlFunctionCall(script, "f"), false, out var result));
        Assert.True(result.IsNull);
    }

    [RedisFact]
    public void A_value_that_is_not_json_names_the_key_and_raw_reads_it()
    {
        string prefix = Prefix("notjson");
        using var direct = Direct(Standalone);
        var db = direct.GetDatabase();
        db.StringSet(prefix + "bad", "hello, not json");
        db.StringSet(prefix + "good", "{\"a\":1}");
        db.HashSet(prefix + "hash", "f", "v");
        using var redis = Connect(Standalone);
        var flow = new RedisCacheFlow(redis, Context());

        var ex = Assert.Throws<MlDbException>(() => flow.TryRead(prefix + "bad", false, out _));
        Assert.Equal(RedisErrorIds.CacheValueNotJson, ex.ErrorId);
        Assert.Contains("'" + prefix + "bad'", ex.Message);
        Assert.Contains("-Raw", ex.Message);
        Assert.Equal(prefix + "bad", ex.Target);
        // where the parser stopped, never a piece of the value
        Assert.Equal($"The value at the key '{prefix}bad' is not JSON (invalid JSON at line 1, column 1). Use -Raw to read it as text.", ex.Message);

        Assert.True(flow.TryRead(prefix + "bad", raw: true, out var text));
        Assert.Equal("hello, not json", text.AsString);

        var wrong = Assert.Throws<MlDbException>(() => flow.TryRead(prefix + "hash", false, out _));
        Assert.Equal(RedisErrorIds.CacheWrongType, wrong.ErrorId);
        Assert.Contains(prefix + "hash", wrong.Message);

        // In a pattern read the bad keys are reported one by one and the others go on.
        var rejected = new List<MlDbException>();
        var items = flow.ReadPattern(prefix + "*", 10, false, rejected.Add).ToList();
        Assert.Equal([prefix + "good"], items.Select(i => i.Key));
        Assert.Equal(1L, items[0].Value.AsObject.Get("a").AsInt);
        Assert.Equal([prefix + "bad", prefix + "hash"], rejected.Select(r => (string)r.Target!).Order());

        // Without a receiver the first bad key stops the read with its error.
        var stop = Assert.Throws<MlDbException>(() => flow.ReadPattern(prefix + "b*", 10, false, null).ToList());
        Assert.Equal(RedisErrorIds.CacheValueNotJson, stop.ErrorId);
    }

    [RedisFact]
    public void Raw_writes_and_reads_plain_strings_and_refuses_other_values()
    {
        string key = Prefix("raw") + "text";
        using var redis = Connect(Standalone);
        var flow = new RedisCacheFlow(redis, Context());
        var upper = TestSupport.Script("function up(s) { return s.toUpperCase(); }");
        var set = flow.Set(key, "plain text, not JSON", new MlFunctionCall(upper, "up"), null, raw: true);
        Assert.Equal("PLAIN TEXT, NOT JSON", set.Text);
        using var direct = Direct(Standalone);
        Assert.Equal("PLAIN TEXT, NOT JSON", (string?)direct.GetDatabase().StringGet(key));
        Assert.True(flow.TryRead(key, raw: true, out var read));
        Assert.Equal("PLAIN TEXT, NOT JSON", read.AsString);

        var ex = Assert.Throws<MlDbException>(() => flow.Set(key, 42L, null, null, raw: true));
        Assert.Equal(MlDbErrorIds.InvalidValue, ex.ErrorId);
        Assert.Contains(key, ex.Message);
        Assert.Equal("PLAIN TEXT, NOT JSON", (string?)direct.GetDatabase().StringGet(key));
    }

    [RedisFact]
    public void What_if_runs_the_function_but_writes_and_removes_nothing()
    {
        string prefix = Prefix("whatif");
        using var redis = Connect(Standalone);
        var asked = new List<(string Target, string Action)>();
        var flow = new RedisCacheFlow(redis, Context(shouldWrite: (t, a) => { asked.Add((t, a)); return false; }));
        var set = flow.Set(prefix + "user:1", MlValue.FromObject(User("Ann", "ann@example.com")),
            new MlFunctionCall(SeedScript(), "enrichCache"), TimeSpan.FromSeconds(60), false);
        Assert.False(set.Written);
        Assert.Contains("\"ttl\":3600", set.Text);
        var (target, action) = Assert.Single(asked);
        Assert.Equal(prefix + "user:1", target);
        Assert.Matches(@"^Set cache value \(JSON, \d+ characters, expires in 60 s\)$", action);
        Assert.DoesNotContain("Ann", action); // the size, never the value
        using var direct = Direct(Standalone);
        var db = direct.GetDatabase();
        Assert.False(db.KeyExists(prefix + "user:1"));

        db.StringSet(prefix + "keep", "1");
        var removed = flow.Remove(prefix + "keep");
        Assert.False(removed.Written);
        Assert.True(db.KeyExists(prefix + "keep"));

        var real = new RedisCacheFlow(redis, Context());
        Assert.True(real.Remove(prefix + "keep").Removed);
        Assert.False(db.KeyExists(prefix + "keep"));
        var again = real.Remove(prefix + "keep");
        Assert.True(again.Written);
        Assert.False(again.Removed);
    }

    [RedisFact]
    public void A_function_that_throws_or_returns_null_stores_nothing()
    {
        string key = Prefix("reject") + "k";
        using var redis = Connect(Standalone);
        var flow = new RedisCacheFlow(redis, Context());
        var script = TestSupport.Script("function check(v) { if (!v.email) { throw \"email is required\"; } return v; }\nfunction nothing(v) { return null; }");
        var ex = Assert.Throws<MlScriptException>(() => flow.Set(key, MlValue.FromObject(new MlObject()), new MlFunctionCall(script, "check"), null, false));
        Assert.Equal("email is required", ex.Message);
        var nul = Assert.Throws<MlDbException>(() => flow.Set(key, MlValue.FromObject(new MlObject()), new MlFunctionCall(script, "nothing"), null, false));
        Assert.Equal(MlDbErrorIds.InvalidResult, nul.ErrorId);
        Assert.Contains(key, nul.Message);
        using var direct = Direct(Standalone);
        Assert.False(direct.GetDatabase().KeyExists(key));
    }

    [RedisFact]
    public void Pattern_scan_over_ten_thousand_keys_is_exact_without_duplicates()
    {
        string prefix = Prefix("scan10k");
        using (var direct = Direct(Standalone))
        {
            var db = direct.GetDatabase();
            var batch = db.CreateBatch();
            var tasks = new List<Task>();
            for (int i = 0; i < 10_000; i++) tasks.Add(batch.StringSetAsync($"{prefix}{i}", $"{{\"i\":{i}}}"));
            batch.Execute();
            Task.WaitAll(tasks.ToArray());
            db.StringSet(prefix.TrimEnd(':') + "-other", "{}");
        }
        using var redis = Connect(Standalone);
        var log = new List<string>();
        var flow = new RedisCacheFlow(redis, Context(log));
        var keys = flow.ScanKeys(prefix + "*", pageSize: 500).ToList();
        Assert.Equal(10_000, keys.Count);
        Assert.Equal(10_000, keys.Distinct().Count());
        Assert.Contains(log, l => l.StartsWith("SCAN 0 MATCH " + prefix + "* COUNT 500", StringComparison.Ordinal));
        Assert.DoesNotContain(log, l => l.StartsWith("KEYS", StringComparison.Ordinal));
        Assert.True(log.Count(l => l.StartsWith("SCAN ", StringComparison.Ordinal)) > 1, "the scan goes page by page");

        var sum = TestSupport.Script("function total(d) { return {count: d.count, n: d.items.length, sum: d.items.reduce(function(s, x) { return s + x.i; }, 0)}; }");
        var result = flow.Aggregate(prefix + "*", RedisCacheFlow.DefaultPageSize, false, new MlFunctionCall(sum, "total"), null).AsObject;
        Assert.Equal(10_000L, result.Get("count").AsInt);
        Assert.Equal(10_000L, result.Get("n").AsInt);
        Assert.Equal(10_000L * 9_999 / 2, result.Get("sum").AsInt);

        var streamed = flow.ReadPattern(prefix + "*", 2000, false, null).Select(i => i.Value.AsObject.Get("i").AsInt).ToList();
        Assert.Equal(10_000, streamed.Distinct().Count());

        // Clean up through the flow (DEL per key), so that the big data set does not pile up on the test server.
        foreach (var key in keys) flow.Remove(key);
        Assert.Empty(flow.ScanKeys(prefix + "*", 5000));
    }

    [RedisFact]
    public void Page_size_and_empty_pattern_are_checked()
    {
        using var redis = Connect(Standalone);
        var flow = new RedisCacheFlow(redis, Context());
        Assert.Equal(MlDbErrorIds.InvalidArgument, Assert.Throws<MlDbException>(() => flow.ScanKeys("x*", 0).ToList()).ErrorId);
        Assert.Equal(MlDbErrorIds.InvalidArgument, Assert.Throws<MlDbException>(() => flow.ScanKeys("", 10).ToList()).ErrorId);
        Assert.Equal(MlDbErrorIds.InvalidArgument, Assert.Throws<MlDbException>(() => flow.Set("", "x", null, null, true)).ErrorId);
        Assert.Equal(MlDbErrorIds.InvalidArgument, Assert.Throws<MlDbException>(() => flow.Set("k", "x", null, TimeSpan.Zero, true)).ErrorId);
    }

    [RedisFact]
    public void Cancellation_stops_a_scan()
    {
        string prefix = Prefix("cancel");
        using (var direct = Direct(Standalone))
        {
            var db = direct.GetDatabase();
            for (int i = 0; i < 50; i++) db.StringSet(prefix + i, "1", flags: CommandFlags.FireAndForget);
            db.Ping();
        }
        using var redis = Connect(Standalone);
        using var cts = new CancellationTokenSource();
        var flow = new RedisCacheFlow(redis, Context(token: cts.Token));
        Assert.ThrowsAny<OperationCanceledException>(() =>
        {
            foreach (var _ in flow.ReadPattern(prefix + "*", 5, false, null)) cts.Cancel();
        });
    }

    private static string[] Keys(MlObject o) => Enumerable.Range(0, o.Count).Select(o.KeyAt).ToArray();
}
