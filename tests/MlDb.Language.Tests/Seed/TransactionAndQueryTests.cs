using static MlDb.Language.Tests.V;

namespace MlDb.Language.Tests.Seed;

/// <summary>seed transaction_validators.ml (validateTransaction) and query_optimization.ml (optimizeQuery).</summary>
public sealed class TransactionAndQueryTests
{
    private static readonly MlScript Transactions = Scripts.Seed("transaction_validators.ml");
    private static readonly MlScript Queries = Scripts.Seed("query_optimization.ml");

    private static MlValue Op(string? type, MlValue? id = null)
    {
        var o = new MlObject();
        o.Set("type", type);
        if (id is { } v) o.Set("id", v);
        return o;
    }

    [Fact]
    public void ValidateTransaction_accepts_insert_update_with_id_and_delete()
    {
        var result = Transactions.Call("validateTransaction", O(("operations", A(Op("insert"), Op("update", 5), Op("delete", 3), Op("update", "a1")))));
        AssertKeys(result, "valid", "errors", "operation_count");
        Assert.True(result.Get("valid").IsBool && result.Get("valid").AsBool);
        Assert.Equal(0, result.Get("errors").AsArray.Count);
        AssertInt(4, result.Get("operation_count"));
        AssertJson("""{"valid":true,"errors":[],"operation_count":4}""", result);
    }

    [Fact]
    public void ValidateTransaction_of_no_operations_is_valid()
    {
        AssertJson("""{"valid":true,"errors":[],"operation_count":0}""", Transactions.Call("validateTransaction", O(("operations", A()))));
    }

    public static TheoryData<string, string> SingleErrors() => new()
    {
        { """[{"type":"upsert","id":1}]""", "Invalid operation type: upsert" },
        { """[{"type":"INSERT"}]""", "Invalid operation type: INSERT" },
        { """[{"type":null}]""", "Invalid operation type: null" },
        { """[{"id":4}]""", "Invalid operation type: null" },
        { """[{"type":7}]""", "Invalid operation type: 7" },
        { """[{"type":"update"}]""", "Update requires ID" },
        { """[{"type":"update","id":0}]""", "Update requires ID" },
        { """[{"type":"update","id":""}]""", "Update requires ID" },
    };

    [Theory]
    [MemberData(nameof(SingleErrors))]
    public void ValidateTransaction_reports_each_error(string operationsJson, string message)
    {
        var operations = MlJson.Parse(operationsJson);
        var result = Transactions.Call("validateTransaction", O(("operations", operations)));
        AssertJson($$"""{"valid":false,"errors":[{{MlJson.QuoteString(message)}}],"operation_count":1}""", result);
    }

    [Fact]
    public void ValidateTransaction_lists_every_error_in_operation_order()
    {
        var result = Transactions.Call("validateTransaction",
            O(("operations", A(Op("update"), Op("insert"), Op("merge", 1), Op("update", 2), Op(null), Op("update", MlValue.Null)))));
        AssertJson("""{"valid":false,"errors":["Update requires ID","Invalid operation type: merge","Invalid operation type: null","Update requires ID"],"operation_count":6}""",
            result);
    }

    [Fact]
    public void ValidateTransaction_through_Invoke()
    {
        var ops = new object?[]
        {
            new Dictionary<string, object?> { ["type"] = "insert", ["table"] = "users" },
            new Dictionary<string, object?> { ["type"] = "update", ["id"] = Guid.Parse("6F9619FF-8B86-D011-B42D-00C04FC964FF") },
            new Dictionary<string, object?> { ["type"] = "update" },
            new Dictionary<string, object?> { ["type"] = "truncate" },
        };
        var result = Dict(Transactions.Invoke("validateTransaction", V.Row(("operations", ops))));
        Assert.Equal(["valid", "errors", "operation_count"], HostKeys(result));
        Assert.Equal(false, result["valid"]);
        Assert.Equal(new object?[] { "Update requires ID", "Invalid operation type: truncate" }, Assert.IsType<object?[]>(result["errors"]));
        Assert.Equal(4L, result["operation_count"]);

        var ok = Dict(Transactions.Invoke("validateTransaction", V.Row(("operations", new[] { V.Row(("type", "delete"), ("id", 1)) }))));
        Assert.Equal(true, ok["valid"]);
        Assert.Empty(Assert.IsType<object?[]>(ok["errors"]));
        Assert.Equal(1L, ok["operation_count"]);
    }

    [Theory]
    [InlineData(5000, 1000)]
    [InlineData(1001, 1000)]
    [InlineData(1000, 1000)]
    [InlineData(999, 999)]
    [InlineData(10, 10)]
    [InlineData(0, 0)]
    [InlineData(-5, -5)]
    public void OptimizeQuery_caps_the_limit_at_1000(long limit, long expected)
    {
        var parameters = O(("table", "users"), ("limit", limit), ("where", O(("active", true))));
        var result = Queries.Call("optimizeQuery", parameters);
        Assert.Same(parameters.AsObject, result.AsObject);
        AssertJson($$$"""{"table":"users","limit":{{{expected}}},"where":{"active":true}}""", result);
    }

    [Fact]
    public void OptimizeQuery_replaces_a_double_limit_by_the_int_1000_and_keeps_smaller_doubles()
    {
        AssertJson("""{"limit":1000}""", Queries.Call("optimizeQuery", O(("limit", 2500.5))));
        AssertJson("""{"limit":999.5}""", Queries.Call("optimizeQuery", O(("limit", 999.5))));
        AssertJson("""{"limit":1000}""", Queries.Call("optimizeQuery", O(("limit", Dec("1000.01")))));
    }

    [Fact]
    public void OptimizeQuery_without_a_limit_cannot_compare_null()
    {
        // `params.limit > 1000` with a missing limit compares null with a number: TypeError (spec §6.4).
        var e = Scripts.Fails(() => Queries.Call("optimizeQuery", O(("table", "users"))));
        Assert.Equal("TypeError", e.ErrorType);
        Assert.Contains("cannot compare", e.Message);
        var (line, column) = Scripts.SeedPosition("query_optimization.ml", "params.limit > 1000");
        Assert.Equal((line, column + "params.limit ".Length), (e.Line, e.Column));
    }

    [Fact]
    public void OptimizeQuery_through_Invoke()
    {
        var input = V.Row(("collection", "orders"), ("limit", 250_000), ("sort", new[] { "-created" }));
        var result = Dict(Queries.Invoke("optimizeQuery", input));
        Assert.Equal(["collection", "limit", "sort"], HostKeys(result));
        Assert.Equal("orders", result["collection"]);
        Assert.Equal(1000L, result["limit"]);
        Assert.Equal(new object?[] { "-created" }, Assert.IsType<object?[]>(result["sort"]));
        Assert.Equal(250_000, input["limit"]); // the host input was copied

        var small = Dict(Queries.Invoke("optimizeQuery", V.Row(("limit", (byte)50))));
        Assert.Equal(50L, small["limit"]);
    }
}
