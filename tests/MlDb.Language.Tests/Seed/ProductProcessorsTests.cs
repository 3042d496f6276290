using static MlDb.Language.Tests.V;

namespace MlDb.Language.Tests.Seed;

/// <summary>seed product_processors.ml: analyzeInventory and calculateOptimalPrice.</summary>
public sealed class ProductProcessorsTests
{
    private static readonly MlScript Script = Scripts.Seed("product_processors.ml");

    private static MlValue P(string sku, MlValue price, long stock) => O(("sku", sku), ("price", price), ("stock", stock));

    [Fact]
    public void AnalyzeInventory_sorts_best_sellers_by_stock_stably_and_keeps_five()
    {
        var products = A(
            P("A", 10.0, 15), P("B", 4.5, 3), P("C", 99, 25), P("D", 12.25, 8),
            P("E", 7, 19), P("F", 3.75, 1), P("G", 20, 8), P("H", 1.5, 100));
        var result = Script.Call("analyzeInventory", O(("products", products)));

        AssertKeys(result, "total_products", "total_value", "best_sellers", "average_stock");
        AssertInt(8, result.Get("total_products"));
        AssertDouble(0 + 10.0 * 15 + 4.5 * 3 + 99 * 25 + 12.25 * 8 + 7 * 19 + 3.75 * 1 + 20 * 8 + 1.5 * 100, result.Get("total_value"));
        // stock < 20 gives A B D E F G; ascending by stock, D before G (equal stock, input order): F B D G A, E is cut.
        Assert.Equal(["F", "B", "D", "G", "A"], result.Get("best_sellers").AsArray.ToArray().Select(p => p.Get("sku").AsString));
        AssertDouble(179.0 / 8, result.Get("average_stock"));
        AssertJson("""{"total_products":8,"total_value":3183.25,"best_sellers":[{"sku":"F","price":3.75,"stock":1},{"sku":"B","price":4.5,"stock":3},{"sku":"D","price":12.25,"stock":8},{"sku":"G","price":20,"stock":8},{"sku":"A","price":10.0,"stock":15}],"average_stock":22.375}""",
            result);
        // Sorting happened on the filtered copy; the input keeps its order.
        Assert.Equal(["A", "B", "C", "D", "E", "F", "G", "H"], products.AsArray.ToArray().Select(p => p.Get("sku").AsString));
    }

    [Fact]
    public void AnalyzeInventory_with_fewer_than_five_and_with_no_low_stock()
    {
        var two = Script.Call("analyzeInventory", O(("products", A(P("X", 2, 19), P("Y", 3, 0)))));
        AssertJson("""{"total_products":2,"total_value":38,"best_sellers":[{"sku":"Y","price":3,"stock":0},{"sku":"X","price":2,"stock":19}],"average_stock":9.5}""", two);

        var none = Script.Call("analyzeInventory", O(("products", A(P("X", 2, 20), P("Y", 3, 40)))));
        AssertJson("""{"total_products":2,"total_value":160,"best_sellers":[],"average_stock":30.0}""", none);
    }

    [Fact]
    public void AnalyzeInventory_through_Invoke()
    {
        var products = new List<Dictionary<string, object?>>
        {
            new() { ["sku"] = "K1", ["price"] = 2.5, ["stock"] = 4 },
            new() { ["sku"] = "K2", ["price"] = 1.25f, ["stock"] = 2u },
        };
        var result = Dict(Script.Invoke("analyzeInventory", new Dictionary<string, object?> { ["products"] = products }));
        Assert.Equal(["total_products", "total_value", "best_sellers", "average_stock"], HostKeys(result));
        Assert.Equal(2L, result["total_products"]);
        Assert.Equal(0 + 2.5 * 4 + 1.25 * 2, Assert.IsType<double>(result["total_value"]));
        var best = Assert.IsType<object?[]>(result["best_sellers"]);
        Assert.Equal(["K2", "K1"], best.Select(b => (string)Dict(b)["sku"]!));
        Assert.Equal(1.25, Dict(best[0])["price"]);
        Assert.Equal(2L, Dict(best[0])["stock"]);
        Assert.Equal(3.0, Assert.IsType<double>(result["average_stock"]));
    }

    public static TheoryData<long, double, double> Multipliers() => new()
    {
        // stock → multiplier, and the adjustment computed the way the script does it
        { 5, 1.1, (1.1 - 1.0) * 100 },
        { 9, 1.1, (1.1 - 1.0) * 100 },
        { 10, 1.0, 0.0 },
        { 50, 1.0, 0.0 },
        { 100, 1.0, 0.0 },
        { 101, 0.9, (0.9 - 1.0) * 100 },
        { 150, 0.9, (0.9 - 1.0) * 100 },
    };

    [Theory]
    [MemberData(nameof(Multipliers))]
    public void CalculateOptimalPrice_applies_the_stock_multiplier(long stock, double multiplier, double adjustment)
    {
        var result = Script.Call("calculateOptimalPrice", O(("current_price", 19.99), ("stock", stock)));
        AssertKeys(result, "current_price", "optimal_price", "adjustment");
        AssertDouble(19.99, result.Get("current_price"));
        AssertDouble(19.99 * multiplier, result.Get("optimal_price"));
        AssertDouble(adjustment, result.Get("adjustment"));
    }

    [Fact]
    public void CalculateOptimalPrice_exact_doubles_at_stock_5_50_150()
    {
        AssertJson("""{"current_price":19.99,"optimal_price":21.989,"adjustment":10.000000000000009}""",
            Script.Call("calculateOptimalPrice", O(("current_price", 19.99), ("stock", 5))));
        AssertJson("""{"current_price":19.99,"optimal_price":19.99,"adjustment":0.0}""",
            Script.Call("calculateOptimalPrice", O(("current_price", 19.99), ("stock", 50))));
        AssertJson("""{"current_price":19.99,"optimal_price":17.991,"adjustment":-9.999999999999998}""",
            Script.Call("calculateOptimalPrice", O(("current_price", 19.99), ("stock", 150))));
        // An int price times a double multiplier is a double.
        AssertJson("""{"current_price":20,"optimal_price":20.0,"adjustment":0.0}""",
            Script.Call("calculateOptimalPrice", O(("current_price", 20), ("stock", 50))));
    }

    [Fact]
    public void CalculateOptimalPrice_through_Invoke_with_a_decimal_price()
    {
        var result = Dict(Script.Invoke("calculateOptimalPrice", V.Row(("current_price", 100m), ("stock", 3))));
        Assert.Equal(["current_price", "optimal_price", "adjustment"], HostKeys(result));
        Assert.Equal(100m, result["current_price"]);
        // decimal × double → double (spec §6.2)
        Assert.Equal(100.0 * 1.1, Assert.IsType<double>(result["optimal_price"]));
        Assert.Equal((1.1 - 1.0) * 100, Assert.IsType<double>(result["adjustment"]));
    }
}
