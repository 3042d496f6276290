using static MlDb.Language.Tests.V;

namespace MlDb.Language.Tests.Seed;

/// <summary>seed redis_processors.ml: processCachedUser, enrichCache and analyzeCache.</summary>
public sealed class RedisProcessorsTests
{
    private static readonly MlScript Script = Scripts.Seed("redis_processors.ml");

    private static MlCallOptions At(string iso) => new() { Clock = FixedClock.At(iso) };

    [Fact]
    public void ProcessCachedUser_stamps_the_access_and_counts_from_one()
    {
        var user = O(("id", 7), ("name", "Ann"));
        var result = Script.Call("processCachedUser", user, At("2024-06-01T12:00:00Z"));
        Assert.Same(user.AsObject, result.AsObject);
        AssertJson("""{"id":7,"name":"Ann","last_accessed":"2024-06-01T12:00:00.000Z","access_count":1}""", result);

        // A second access: new stamp in place, count incremented.
        Script.Call("processCachedUser", user, At("2024-06-01T12:00:01.5Z"));
        AssertJson("""{"id":7,"name":"Ann","last_accessed":"2024-06-01T12:00:01.500Z","access_count":2}""", user);
    }

    [Fact]
    public void ProcessCachedUser_increments_an_existing_count_and_keeps_key_positions()
    {
        var user = O(("access_count", 41), ("id", 8), ("last_accessed", "2020-01-01T00:00:00.000Z"));
        AssertJson("""{"access_count":42,"id":8,"last_accessed":"2024-12-31T23:59:59.999Z"}""",
            Script.Call("processCachedUser", user, At("2024-12-31T23:59:59.9999999Z")));
        // null counts as missing
        AssertJson("""{"access_count":1,"last_accessed":"2001-02-03T04:05:06.007Z"}""",
            Script.Call("processCachedUser", O(("access_count", MlValue.Null)), At("2001-02-03T04:05:06.007Z")));
    }

    [Fact]
    public void ProcessCachedUser_through_Invoke()
    {
        var cached = new Dictionary<string, object?> { ["id"] = 3, ["name"] = "Bo", ["access_count"] = 9L };
        var result = Dict(Script.Invoke("processCachedUser", [cached], At("2023-07-08T09:10:11.012+02:00")));
        Assert.Equal(["id", "name", "access_count", "last_accessed"], HostKeys(result));
        Assert.Equal(3L, result["id"]);
        Assert.Equal("Bo", result["name"]);
        Assert.Equal(10L, result["access_count"]);
        Assert.Equal("2023-07-08T07:10:11.012Z", result["last_accessed"]);
        Assert.Equal(9L, cached["access_count"]); // the host dictionary was copied, not changed
    }

    [Fact]
    public void EnrichCache_adds_the_stamp_and_a_one_hour_ttl()
    {
        var data = O(("key", "user:7"), ("value", O(("name", "Ann"))));
        var result = Script.Call("enrichCache", data, At("2024-02-29T00:00:00Z"));
        AssertKeys(result, "key", "value", "cached_at", "ttl");
        AssertString("2024-02-29T00:00:00.000Z", result.Get("cached_at"));
        AssertInt(3600, result.Get("ttl"));
        AssertJson("""{"key":"user:7","value":{"name":"Ann"},"cached_at":"2024-02-29T00:00:00.000Z","ttl":3600}""", result);

        // An existing ttl is replaced in place.
        AssertJson("""{"ttl":3600,"k":1,"cached_at":"2024-02-29T00:00:00.000Z"}""",
            Script.Call("enrichCache", O(("ttl", 60), ("k", 1)), At("2024-02-29T00:00:00Z")));
    }

    [Fact]
    public void EnrichCache_through_Invoke()
    {
        var result = Dict(Script.Invoke("enrichCache", [V.Row(("session", "abc"))], At("2024-01-01T00:00:00Z")));
        Assert.Equal(["session", "cached_at", "ttl"], HostKeys(result));
        Assert.Equal("abc", result["session"]);
        Assert.Equal("2024-01-01T00:00:00.000Z", result["cached_at"]);
        Assert.Equal(3600L, result["ttl"]);
    }

    [Fact]
    public void AnalyzeCache_estimates_size_as_the_sum_of_JSON_lengths()
    {
        string[] jsonOfItems =
        [
            """{"id":1,"name":"a"}""",
            """{"id":2,"tags":["x","y"],"score":1.5,"ok":true}""",
            "\"plain\"",
            "42",
            "null",
            """{"city":"Zürich","note":"line\nbreak"}""",
            "[]",
        ];
        var items = A(jsonOfItems.Select(MlJson.Parse).ToArray());
        var result = Script.Call("analyzeCache", O(("items", items)));

        AssertKeys(result, "total_items", "estimated_size_bytes", "items");
        AssertInt(7, result.Get("total_items"));
        // UTF-16 code units of the compact JSON, escapes included (\n is two characters).
        AssertInt(jsonOfItems.Sum(j => j.Length), result.Get("estimated_size_bytes"));
        AssertInt(19 + 47 + 7 + 2 + 4 + 38 + 2, result.Get("estimated_size_bytes"));
        Assert.Same(items.AsArray, result.Get("items").AsArray);
    }

    [Fact]
    public void AnalyzeCache_of_nothing_is_zero()
    {
        AssertJson("""{"total_items":0,"estimated_size_bytes":0,"items":[]}""", Script.Call("analyzeCache", O(("items", A()))));
    }

    [Fact]
    public void AnalyzeCache_through_Invoke_counts_decimals_dates_and_doubles_as_JSON_prints_them()
    {
        var items = new object?[]
        {
            V.Row(("price", 19.90m)),                                                   // {"price":19.90} = 15
            V.Row(("at", new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc))),          // {"at":"2024-01-02T03:04:05.000Z"} = 33
            V.Row(("ratio", 2.0)),                                                      // {"ratio":2.0} = 13
        };
        var result = Dict(Script.Invoke("analyzeCache", V.Row(("items", items))));
        Assert.Equal(["total_items", "estimated_size_bytes", "items"], HostKeys(result));
        Assert.Equal(3L, result["total_items"]);
        Assert.Equal((long)("{\"price\":19.90}".Length + "{\"at\":\"2024-01-02T03:04:05.000Z\"}".Length + "{\"ratio\":2.0}".Length), result["estimated_size_bytes"]);
        Assert.Equal(15L + 33 + 13, result["estimated_size_bytes"]);
        var back = Assert.IsType<object?[]>(result["items"]);
        Assert.Equal(19.90m, Dict(back[0])["price"]);
        Assert.Equal("19.90", ((decimal)Dict(back[0])["price"]!).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc), Dict(back[1])["at"]);
        Assert.Equal(DateTimeKind.Utc, ((DateTime)Dict(back[1])["at"]!).Kind);
    }
}
