using MlDb.Language.Builtins;
using MlDb.Language.Runtime;
using static MlDb.Language.Tests.Builtins.Lib;

namespace MlDb.Language.Tests.Builtins;

public class SortTests
{
    private static MlObject Row(string sku, long stock)
    {
        var o = new MlObject();
        o.Set("sku", sku);
        o.Set("stock", stock);
        return o;
    }

    private static string Skus(MlValue array) =>
        string.Join(",", array.AsArray.ToArray().Select(r => r.AsObject.Get("sku").AsString));

    [Fact]
    public void Comparator_sort_is_stable_and_in_place()
    {
        var rows = new MlArray();
        var rnd = new Random(7);
        for (int i = 0; i < 500; i++) rows.Add(Row("r" + i, rnd.Next(5)));
        var arr = MlValue.FromArray(rows);
        var cmp = Fn(a => Ops.Subtract(a[0].AsObject.Get("stock"), a[1].AsObject.Get("stock")));
        var result = Method(arr, "sort", cmp);
        Assert.Same(rows, result.AsArray);
        var items = rows.ToArray();
        for (int i = 1; i < items.Length; i++)
        {
            long s0 = items[i - 1].AsObject.Get("stock").AsInt, s1 = items[i].AsObject.Get("stock").AsInt;
            Assert.True(s0 <= s1);
            if (s0 == s1)
            {
                int n0 = int.Parse(items[i - 1].AsObject.Get("sku").AsString[1..]);
                int n1 = int.Parse(items[i].AsObject.Get("sku").AsString[1..]);
                Assert.True(n0 < n1, "equal elements changed order");
            }
        }
    }

    [Fact]
    public void Comparator_must_return_a_number()
    {
        var arr = MlValue.FromArray(Arr(3, 1, 2));
        var e = Fails(() => Method(arr, "sort", Fn(a => MlValue.FromBool(Ops.GreaterThan(a[0], a[1])))));
        Assert.Equal("TypeError", e.ErrorType);
        Assert.Equal("[3,1,2]", Json(arr)); // unchanged when the sort fails
        Assert.Equal("[1,2,3]", Json(Method(arr, "sort", Fn(a => MlValue.FromDouble(Ops.AsDoubleExact(a[0]) - Ops.AsDoubleExact(a[1]))))));
    }

    [Fact]
    public void Default_order()
    {
        var nums = MlValue.FromArray(Arr(10, 9, 1, 2.5, -3, MlValue.FromDecimal(1.5m), double.NaN, 1.0));
        Method(nums, "sort");
        Assert.Equal("[-3,1,1.0,1.5,2.5,9,10,NaN]", "[" + string.Join(",", nums.AsArray.ToArray().Select(MlFormat.Str)) + "]");
        var words = MlValue.FromArray(Arr("pear", "Apple", "banana", "apple", "é", "Z"));
        Method(words, "sort");
        Assert.Equal("[\"Apple\",\"Z\",\"apple\",\"banana\",\"pear\",\"é\"]", Json(words));
        var e = Fails(() => Method(MlValue.FromArray(Arr(1, "1")), "sort"));
        Assert.Equal("TypeError", e.ErrorType);
        Assert.Contains("cannot compare", e.Message);
        Assert.Equal("TypeError", Fails(() => Method(MlValue.FromArray(Arr(MlValue.Null, MlValue.Null)), "sort")).ErrorType);
    }

    [Fact]
    public void Sorted_and_sortBy_keep_equal_elements_in_order_when_reversed()
    {
        var rows = Arr(Row("a", 1), Row("b", 2), Row("c", 1), Row("d", 2));
        var byStockDesc = Module("collections", "sortBy", rows, Fn(a => a[0].AsObject.Get("stock")), MlValue.True);
        Assert.Equal("b,d,a,c", Skus(byStockDesc));
        Assert.Equal("a,b,c,d", Skus(MlValue.FromArray(rows))); // input untouched
        Assert.Equal("[3,2,1]", Json(Call("sorted", Arr(1, 3, 2), MlValue.True)));
        Assert.Equal("[\"a\",\"b\"]", Json(Call("sorted", Arr("b", "a"))));
        Assert.Equal("[1.0,1,2]", Json(Call("sorted", Arr(2, 1.0, 1))));
    }

    [Fact]
    public void Large_default_sorts()
    {
        var rnd = new Random(3);
        var items = new MlArray();
        for (int i = 0; i < 100_000; i++) items.Add(i % 3 == 0 ? MlValue.FromDouble(rnd.NextDouble()) : MlValue.FromInt(rnd.Next(1000)));
        Method(MlValue.FromArray(items), "sort");
        var s = items.ToArray();
        for (int i = 1; i < s.Length; i++) Assert.True(Ops.Compare(s[i - 1], s[i]) <= 0);
    }
}
