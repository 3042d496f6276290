using static MlDb.Language.Tests.Builtins.Lib;

namespace MlDb.Language.Tests.Builtins;

public class LimitTests
{
    private static void AssertLimit(Func<MlValue> action)
    {
        var e = Fails(action);
        Assert.True(e.IsLimit, e.ErrorType + ": " + e.Message);
        Assert.Contains("size limit exceeded", e.Message);
    }

    [Fact]
    public void Collection_limits()
    {
        var cap = Limited(collection: 1_000_000);
        AssertLimit(() => CallWith(cap, "range", 2_000_000));
        AssertLimit(() => CallWith(cap, "range", 0, long.MaxValue, 1));
        Assert.Equal(1_000_000, CallWith(cap, "range", 1_000_000).AsArray.Count);
        var small = Limited(collection: 3);
        var a = MlValue.FromArray(Arr(1, 2, 3));
        AssertLimit(() => MethodWith(small, a, "push", 4));
        AssertLimit(() => MethodWith(small, a, "concat", Arr(4)));
        AssertLimit(() => MethodWith(small, MlValue.FromArray(Arr(Arr(1, 2), Arr(3, 4))), "flat"));
        AssertLimit(() => MethodWith(small, "abcd", "split", ""));
        AssertLimit(() => MethodWith(small, "a,b,c,d", "split", ","));
        AssertLimit(() => CallWith(small, "reversed", "abcd"));
        AssertLimit(() => CallWith(small, "enumerate", "abcd"));
        Assert.Equal(3, a.AsArray.Count);
    }

    [Fact]
    public void String_limits()
    {
        var cap = Limited(text: 10);
        AssertLimit(() => MethodWith(cap, "ab", "repeat", 6));
        AssertLimit(() => MethodWith(cap, "ab", "repeat", long.MaxValue));
        AssertLimit(() => MethodWith(cap, "ab", "padStart", 11));
        AssertLimit(() => MethodWith(cap, MlValue.FromArray(Arr("aaaa", "bbbb", "cccc")), "join", ","));
        AssertLimit(() => MethodWith(cap, "aaaa", "replaceAll", "a", "bbb"));
        Assert.Equal("abababababab".Length, MethodWith(Limited(text: 12), "ab", "repeat", 6).AsString.Length);
    }

    [Fact]
    public void Deep_structures_raise_a_limit_error()
    {
        var root = new MlArray();
        var cur = root;
        for (int i = 0; i < 5000; i++)
        {
            var next = new MlArray();
            cur.Add(next);
            cur = next;
        }
        var e = Fails(() => Method(MlValue.FromArray(root), "flat", double.PositiveInfinity));
        Assert.True(e.IsLimit);
        Assert.True(Fails(() => Call("str", root)).IsLimit);
    }
}
