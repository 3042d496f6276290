using static MlDb.Language.Tests.V;

namespace MlDb.Language.Tests.Seed;

/// <summary>seed postgres_processors.ml: processOrders and processRecords.</summary>
public sealed class PostgresProcessorsTests
{
    private static readonly MlScript Script = Scripts.Seed("postgres_processors.ml");

    private static MlValue Order(long id, string status, MlValue total) => O(("id", id), ("status", status), ("total", total));

    [Fact]
    public void ProcessOrders_totals_groups_by_status_and_averages()
    {
        var rows = A(
            Order(1, "paid", 19.99),
            Order(2, "pending", 5.5),
            Order(3, "paid", 100.0),
            Order(4, "refunded", 12.25));
        var result = Script.Call("processOrders", O(("rows", rows), ("count", 4)));

        double total = 0 + 19.99 + 5.5 + 100.0 + 12.25; // the same left fold as reduce(…, 0)
        AssertKeys(result, "total_orders", "total_revenue", "average_order", "by_status");
        AssertInt(4, result.Get("total_orders"));
        AssertDouble(total, result.Get("total_revenue"));
        AssertDouble(total / 4, result.Get("average_order"));
        var byStatus = result.Get("by_status");
        AssertKeys(byStatus, "paid", "pending", "refunded");
        AssertInt(2, byStatus.Get("paid").Get("count"));
        AssertDouble(0 + 19.99 + 100.0, byStatus.Get("paid").Get("revenue"));
        AssertInt(1, byStatus.Get("pending").Get("count"));
        AssertDouble(5.5, byStatus.Get("pending").Get("revenue"));
        AssertInt(1, byStatus.Get("refunded").Get("count"));
        AssertDouble(12.25, byStatus.Get("refunded").Get("revenue"));
        AssertJson("""{"total_orders":4,"total_revenue":137.74,"average_order":34.435,"by_status":{"paid":{"count":2,"revenue":119.99},"pending":{"count":1,"revenue":5.5},"refunded":{"count":1,"revenue":12.25}}}""",
            result);
    }

    [Fact]
    public void ProcessOrders_keeps_integer_cents_as_ints_and_numeric_columns_as_decimals()
    {
        var cents = Script.Call("processOrders", O(("rows", A(Order(1, "paid", 1999), Order(2, "paid", 501), Order(3, "open", 100)))));
        AssertJson("""{"total_orders":3,"total_revenue":2600,"average_order":866.6666666666666,"by_status":{"paid":{"count":2,"revenue":2500},"open":{"count":1,"revenue":100}}}""",
            cents);
        AssertDouble(2600.0 / 3, cents.Get("average_order"));

        // Postgres numeric columns arrive as decimals: sums keep the scale, '/' gives a double.
        var numeric = Script.Call("processOrders", O(("rows", A(Order(1, "paid", Dec("19.90")), Order(2, "paid", Dec("0.10")), Order(3, "void", Dec("5.25"))))));
        AssertDecimal("25.25", numeric.Get("total_revenue"));
        AssertDecimal("20.00", numeric.Get("by_status").Get("paid").Get("revenue"));
        AssertDecimal("5.25", numeric.Get("by_status").Get("void").Get("revenue"));
        AssertDouble(25.25 / 3, numeric.Get("average_order"));
    }

    [Fact]
    public void ProcessOrders_through_Invoke_with_host_decimals_and_doubles()
    {
        var rows = new List<object?>
        {
            V.Row(("id", 1), ("status", "shipped"), ("total", 10.5m)),
            V.Row(("id", 2), ("status", "shipped"), ("total", 4.25m)),
            V.Row(("id", 3), ("status", "cancelled"), ("total", 0m)),
        };
        var result = Dict(Script.Invoke("processOrders", new Dictionary<string, object?> { ["rows"] = rows, ["count"] = rows.Count }));
        Assert.Equal(["total_orders", "total_revenue", "average_order", "by_status"], HostKeys(result));
        Assert.Equal(3L, result["total_orders"]);
        Assert.Equal(14.75m, Assert.IsType<decimal>(result["total_revenue"]));
        Assert.Equal(14.75 / 3, Assert.IsType<double>(result["average_order"]));
        var byStatus = Dict(result["by_status"]);
        Assert.Equal(["shipped", "cancelled"], HostKeys(byStatus));
        Assert.Equal(2L, Dict(byStatus["shipped"])["count"]);
        Assert.Equal(14.75m, Dict(byStatus["shipped"])["revenue"]);
        Assert.Equal(1L, Dict(byStatus["cancelled"])["count"]);
        Assert.Equal(0m, Dict(byStatus["cancelled"])["revenue"]);
    }

    [Fact]
    public void ProcessRecords_stamps_every_record_with_the_pinned_clock()
    {
        var clock = FixedClock.At("2024-03-15T10:30:45.123Z");
        var records = A(O(("id", 1), ("name", "alpha")), O(("id", 2), ("name", "beta"), ("processed", false)));
        var result = Script.Call("processRecords", O(("records", records)), new MlCallOptions { Clock = clock });

        AssertKeys(result, "records");
        AssertJson("""{"records":[{"id":1,"name":"alpha","created_at":"2024-03-15T10:30:45.123Z","processed":true},{"id":2,"name":"beta","processed":true,"created_at":"2024-03-15T10:30:45.123Z"}]}""",
            result);
        // map returned the same (mutated) record objects in a new array.
        Assert.NotSame(records.AsArray, result.Get("records").AsArray);
        Assert.Same(records.At(0).AsObject, result.Get("records").At(0).AsObject);
        AssertString("2024-03-15T10:30:45.123Z", records.At(1).Get("created_at"));

        // Another instant, another stamp: the time really comes from the clock.
        clock.Now = new DateTimeOffset(2030, 1, 2, 3, 4, 5, 6, TimeSpan.FromHours(2));
        var again = Script.Call("processRecords", O(("records", A(O(("id", 3))))), new MlCallOptions { Clock = clock });
        AssertJson("""{"records":[{"id":3,"created_at":"2030-01-02T01:04:05.006Z","processed":true}]}""", again);
    }

    [Fact]
    public void ProcessRecords_through_Invoke()
    {
        var options = new MlCallOptions { Clock = FixedClock.At("1999-12-31T23:59:59.999Z") };
        var input = new Dictionary<string, object?>
        {
            ["records"] = new object?[] { V.Row(("sku", "A-1"), ("qty", 2)), V.Row(("sku", "B-2"), ("qty", 0)) },
        };
        var result = Dict(Script.Invoke("processRecords", [input], options));
        var records = Assert.IsType<object?[]>(result["records"]);
        Assert.Equal(2, records.Length);
        foreach (var (record, sku, qty) in new[] { (records[0], "A-1", 2L), (records[1], "B-2", 0L) })
        {
            var r = Dict(record);
            Assert.Equal(["sku", "qty", "created_at", "processed"], HostKeys(r));
            Assert.Equal(sku, r["sku"]);
            Assert.Equal(qty, r["qty"]);
            Assert.Equal("1999-12-31T23:59:59.999Z", r["created_at"]);
            Assert.Equal(true, r["processed"]);
        }
    }
}
