using static MlDb.Language.Tests.V;

namespace MlDb.Language.Tests.Seed;

/// <summary>seed orm_processors.ml: analyzeProducts and validateProduct.</summary>
public sealed class OrmProcessorsTests
{
    private const string File = "orm_processors.ml";
    private static readonly MlScript Script = Scripts.Seed(File);

    private static MlValue Product(long id, string name, MlValue price, MlValue stock) =>
        O(("id", id), ("name", name), ("price", price), ("stock", stock));

    [Fact]
    public void AnalyzeProducts_buckets_prices_at_the_20_and_50_boundaries()
    {
        var items = A(
            Product(1, "Mug", 19.99, 5),      // budget, low stock
            Product(2, "Lamp", 20, 0),        // exactly 20 -> mid, low stock
            Product(3, "Chair", 49.99, 12),   // mid
            Product(4, "Desk", 50, 9),        // exactly 50 -> premium, low stock
            Product(5, "Sofa", 120.5, 30));   // premium
        var result = Script.Call("analyzeProducts", O(("items", items), ("count", 5)));

        AssertKeys(result, "total_products", "total_inventory_value", "average_price", "low_stock_count", "low_stock_items", "price_distribution");
        AssertInt(5, result.Get("total_products"));
        AssertDouble(0 + 19.99 * 5 + 20 * 0 + 49.99 * 12 + 50 * 9 + 120.5 * 30, result.Get("total_inventory_value"));
        AssertDouble((0 + 19.99 + 20 + 49.99 + 50 + 120.5) / 5, result.Get("average_price"));
        AssertInt(3, result.Get("low_stock_count"));
        var low = result.Get("low_stock_items").AsArray;
        Assert.Equal(3, low.Count);
        Assert.Same(items.At(0).AsObject, low[0].AsObject);
        Assert.Same(items.At(1).AsObject, low[1].AsObject);
        Assert.Same(items.At(3).AsObject, low[2].AsObject);
        AssertJson("""{"budget":1,"mid":2,"premium":2}""", result.Get("price_distribution"));
        AssertJson("""{"total_products":5,"total_inventory_value":4764.83,"average_price":52.096000000000004,"low_stock_count":3,"low_stock_items":[{"id":1,"name":"Mug","price":19.99,"stock":5},{"id":2,"name":"Lamp","price":20,"stock":0},{"id":4,"name":"Desk","price":50,"stock":9}],"price_distribution":{"budget":1,"mid":2,"premium":2}}""",
            result);
    }

    [Fact]
    public void AnalyzeProducts_with_integer_prices_keeps_ints_and_an_all_budget_catalogue()
    {
        var result = Script.Call("analyzeProducts", O(("items", A(Product(1, "Pen", 2, 100), Product(2, "Pad", 3, 10), Product(3, "Clip", 1, 9)))));
        AssertJson("""{"total_products":3,"total_inventory_value":239,"average_price":2.0,"low_stock_count":1,"low_stock_items":[{"id":3,"name":"Clip","price":1,"stock":9}],"price_distribution":{"budget":3,"mid":0,"premium":0}}""",
            result);
    }

    [Fact]
    public void AnalyzeProducts_through_Invoke_with_decimal_prices()
    {
        var items = new object?[]
        {
            V.Row(("id", 1), ("name", "Cable"), ("price", 9.99m), ("stock", 3)),
            V.Row(("id", 2), ("name", "Router"), ("price", 79.00m), ("stock", 12)),
        };
        var result = Dict(Script.Invoke("analyzeProducts", V.Row(("items", items), ("count", 2))));
        Assert.Equal(["total_products", "total_inventory_value", "average_price", "low_stock_count", "low_stock_items", "price_distribution"], HostKeys(result));
        Assert.Equal(2L, result["total_products"]);
        Assert.Equal(977.97m, Assert.IsType<decimal>(result["total_inventory_value"]));
        Assert.Equal("977.97", ((decimal)result["total_inventory_value"]!).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(88.99 / 2, Assert.IsType<double>(result["average_price"]));
        Assert.Equal(1L, result["low_stock_count"]);
        var low = Assert.IsType<object?[]>(result["low_stock_items"]);
        Assert.Equal("Cable", Dict(Assert.Single(low))["name"]);
        var dist = Dict(result["price_distribution"]);
        Assert.Equal(["budget", "mid", "premium"], HostKeys(dist));
        Assert.Equal(new object[] { 1L, 0L, 1L }, dist.Values.Cast<object>().ToArray());
    }

    public static TheoryData<string, string> SingleProblems() => new()
    {
        { """{"name":"TV","price":399.0,"stock":4}""", "Validation failed: Name must be at least 3 characters" },
        { """{"price":399.0}""", "Validation failed: Name must be at least 3 characters" },
        { """{"name":"Television","price":0,"stock":4}""", "Validation failed: Price must be positive" },
        { """{"name":"Television","price":-5.5}""", "Validation failed: Price must be positive" },
        { """{"name":"Television","stock":4}""", "Validation failed: Price must be positive" },
        { """{"name":"Television","price":399.0,"stock":-3}""", "Validation failed: Stock cannot be negative" },
    };

    [Theory]
    [MemberData(nameof(SingleProblems))]
    public void ValidateProduct_reports_each_problem_alone(string productJson, string message)
    {
        var e = Scripts.Fails(() => Script.Call("validateProduct", MlJson.Parse(productJson)));
        Assert.Equal("Error", e.ErrorType);
        Assert.Equal(message, e.Message);
        Assert.Equal(message, e.ThrownData);
        var (line, column) = Scripts.SeedPosition(File, "throw \"Validation failed: \"");
        Assert.Equal((line, column), (e.Line, e.Column));
    }

    [Fact]
    public void ValidateProduct_joins_all_problems()
    {
        var e = Scripts.Fails(() => Script.Invoke("validateProduct", V.Row(("name", "X"), ("price", -1), ("stock", -2))));
        Assert.Equal("Validation failed: Name must be at least 3 characters, Price must be positive, Stock cannot be negative", e.Message);
        Assert.Equal(e.Message, e.ThrownData);
    }

    [Fact]
    public void ValidateProduct_defaults_a_missing_or_null_stock_to_zero()
    {
        var missing = O(("name", "Kettle"), ("price", 24.5));
        var result = Script.Call("validateProduct", missing);
        Assert.Same(missing.AsObject, result.AsObject);
        AssertJson("""{"name":"Kettle","price":24.5,"stock":0}""", result);

        // A null stock keeps its position and becomes 0.
        AssertJson("""{"name":"Kettle","stock":0,"price":24.5}""", Script.Call("validateProduct", O(("name", "Kettle"), ("stock", MlValue.Null), ("price", 24.5))));
        // A zero stock stays the int 0; a positive one is untouched.
        AssertJson("""{"name":"Kettle","price":24.5,"stock":0}""", Script.Call("validateProduct", O(("name", "Kettle"), ("price", 24.5), ("stock", 0))));
        AssertJson("""{"name":"Kettle","price":24.5,"stock":7}""", Script.Call("validateProduct", O(("name", "Kettle"), ("price", 24.5), ("stock", 7))));
    }

    [Fact]
    public void ValidateProduct_through_Invoke_adds_the_default_stock_at_the_end()
    {
        var result = Dict(Script.Invoke("validateProduct", new Dictionary<string, object?> { ["name"] = "Blender", ["price"] = 59.95m }));
        Assert.Equal(["name", "price", "stock"], HostKeys(result));
        Assert.Equal("Blender", result["name"]);
        Assert.Equal(59.95m, result["price"]);
        Assert.Equal(0L, result["stock"]);
    }
}
