using MlDb.Language.Builtins;
using MlDb.Language.Runtime;
using static MlDb.Language.Tests.Builtins.Lib;

namespace MlDb.Language.Tests.Builtins;

public class RegistryTests
{
    [Theory]
    [InlineData("input")]
    [InlineData("eval")]
    [InlineData("open")]
    [InlineData("repr")]
    [InlineData("hasattr")]
    [InlineData("format")]
    [InlineData("require")]
    public void Names_not_provided_are_not_globals(string name)
    {
        Assert.False(BuiltinRegistry.TryGetGlobal(name, out _));
    }

    [Fact]
    public void Imports()
    {
        Assert.Same(BuiltinRegistry.Import("json"), BuiltinRegistry.Import("json"));
        Assert.True(BuiltinRegistry.Import("math").IsFrozen);
        var refused = Assert.Throws<MlError>(() => BuiltinRegistry.Import("file"));
        Assert.Equal("ImportError", refused.ErrorType);
        Assert.Contains("not available in the sandbox", refused.Message);
        var unknown = Assert.Throws<MlError>(() => BuiltinRegistry.Import("random"));
        Assert.Contains("unknown module 'random'", unknown.Message);
    }

    [Fact]
    public void Methods_by_kind()
    {
        Assert.NotNull(BuiltinRegistry.FindMethod(MlKind.Int, "toFixed"));
        Assert.NotNull(BuiltinRegistry.FindMethod(MlKind.Decimal, "toFixed"));
        Assert.NotNull(BuiltinRegistry.FindMethod(MlKind.Bytes, "toHex"));
        Assert.Null(BuiltinRegistry.FindMethod(MlKind.Array, "nope"));
        Assert.Null(BuiltinRegistry.FindMethod(MlKind.Object, "keys"));
        Assert.Null(BuiltinRegistry.FindMethod(MlKind.Boolean, "toString"));
    }

    [Fact]
    public void Constructors()
    {
        Assert.True(BuiltinRegistry.TryGetGlobal("Error", out var error));
        var e = With(ctx => BuiltinRegistry.Construct(ctx, error, ["boom"]));
        Assert.Equal("{\"type\":\"Error\",\"message\":\"boom\"}", Json(e));
        Assert.True(BuiltinRegistry.TryGetGlobal("Math", out var math));
        var err = Fails(() => With(ctx => BuiltinRegistry.Construct(ctx, math, [])));
        Assert.Equal("TypeError", err.ErrorType);
        Assert.Contains("not a constructor", err.Message);
    }

    [Fact]
    public void Console_and_print_write_str_joined_by_spaces()
    {
        var lines = new List<(MlOutputLevel, string)>();
        var options = new MlCallOptions { Output = (l, s) => lines.Add((l, s)) };
        Assert.True(BuiltinRegistry.TryGetGlobal("console", out var console));
        Invoke(console.AsObject.Get("warn"), options, "x", 1, 2.0, MlValue.Null, Arr(1));
        CallWith(options, "print", "hello", MlValue.True);
        Assert.Equal([(MlOutputLevel.Warn, "x 1 2.0 null [1]"), (MlOutputLevel.Log, "hello true")], lines);
    }

    [Fact]
    public void Array_and_string_methods()
    {
        var a = MlValue.FromArray(Arr(1, 2, 3, 4, 5));
        Assert.Equal("[2,3]", Json(Method(a, "splice", 1, 2)));
        Assert.Equal("[1,4,5]", Json(a));
        Assert.Equal("[]", Json(Method(a, "splice", 1, 0, 9)));
        Assert.Equal("[1,9,4,5]", Json(a));
        Assert.Equal(-1, Method(a, "indexOf", 1, 1).AsInt);
        Assert.Equal(0, Method(a, "lastIndexOf", 1).AsInt);
        Assert.True(Method(MlValue.FromArray(Arr(1.0)), "includes", 1).AsBool);
        Assert.False(Method(MlValue.FromArray(Arr(double.NaN)), "includes", double.NaN).AsBool);
        Assert.Equal("a--1-2.5-true", Method(MlValue.FromArray(Arr("a", MlValue.Null, 1, 2.5, MlValue.True)), "join", "-").AsString);
        Assert.Equal("TypeError", Fails(() => Method(MlValue.FromArray(Arr()), "reduce", Fn(x => x[0]))).ErrorType);
        Assert.Contains("is not a function", Fails(() => Method(a, "map", 5)).Message);
        Assert.Equal("[\"a\",\"b\"]", Json(Method("a,b,c", "split", ",", 2)));
        Assert.Equal("[]", Json(Method("", "split", "")));
        Assert.Equal("[\"\"]", Json(Method("", "split", ",")));
        Assert.Equal("-a-b-", Method("ab", "replaceAll", "", "-").AsString);
        Assert.Equal("ß", Method("ß", "toUpperCase").AsString);
        Assert.Equal("İ".ToLowerInvariant(), Method("İ", "toLowerCase").AsString);
        Assert.Equal("He", Method("Hello", "substring", -3, 2).AsString);
        Assert.Equal(2, Method("abcabc", "lastIndexOf", "c", 4).AsInt);
        Assert.Equal(5, Method("abcabc", "lastIndexOf", "c").AsInt);
        Assert.True(double.IsNaN(Method("a", "charCodeAt", 3).AsDouble));
        Assert.Equal("c", Method("abc", "at", -1).AsString);
        Assert.Equal("ababc", Method("c", "padStart", 5, "ab").AsString);
        Assert.Equal(1, Method("b", "localeCompare", "a").AsInt);
        Assert.Equal("\uFEFF x ".Trim('\uFEFF', ' '), Method("\uFEFF x ", "trim").AsString);
        Assert.Equal("😀", Call("chr", 128512).AsString);
        Assert.Equal(128512, Call("ord", "😀").AsInt);
        Assert.Equal("[[0,\"a\"],[1,\"b\"]]", Json(Call("enumerate", Arr("a", "b"))));
        Assert.Equal("[\"b\",\"a\"]", Json(Call("reversed", "ab")));
        Assert.Equal("[[1,\"a\"],[2,\"b\"]]", Json(Call("zip", Arr(1, 2, 3), Arr("a", "b"))));
        Assert.Equal("[5,3,1]", Json(Call("range", 5, 0, -2)));
        Assert.Equal("ValueError", Fails(() => Call("range", 1, 5, 0)).ErrorType);
    }

    [Fact]
    public void Functional_helpers()
    {
        var inc = Fn(a => Ops.Add(With(ctx => ctx), a[0], 1));
        var dbl = Fn(a => Ops.Multiply(a[0], 2));
        Assert.Equal(8, Invoke(Module("functional", "compose", dbl, inc), null, 3).AsInt);
        Assert.Equal(7, Invoke(Module("functional", "pipe", dbl, inc), null, 3).AsInt);
        Assert.Equal("[4,6]", Json(Invoke(Module("functional", "juxt", Arr(inc, dbl)), null, 3)));
        var add = Fn(a => Ops.Add(With(ctx => ctx), a[0], a[1]));
        Assert.Equal(5, Invoke(Invoke(Module("functional", "curry2", add), null, 2), null, 3).AsInt);
        Assert.Equal(12, Invoke(Module("functional", "partial", add, 10), null, 2).AsInt);
        int calls = 0;
        var slow = Fn(a => { calls++; return a[0]; });
        var memo = Module("functional", "memoize", slow);
        Invoke(memo, null, "k");
        Invoke(memo, null, "k");
        Assert.Equal(1, calls);
        var grouped = Module("functional", "groupBy", Fn(a => a[0].AsString.Length), Arr("a", "bb", "c"));
        Assert.Equal("{\"1\":[\"a\",\"c\"],\"2\":[\"bb\"]}", Json(grouped));
        Assert.Equal("[1,2,3]", Json(Module("collections", "unique", Arr(1, 2, 1.0, 3, 2))));
        Assert.Equal("[[1,2],[3]]", Json(Module("functional", "chunk", 2, Arr(1, 2, 3))));
        Assert.Equal("[0,2,4]", Json(Module("functional", "times", 3, dbl)));
    }
}
