using static MlDb.Language.Tests.Builtins.Lib;

namespace MlDb.Language.Tests.Builtins;

public class JsonTests
{
    private static MlValue Sample()
    {
        var inner = new MlObject();
        inner.Set("c", MlValue.Null);
        var o = new MlObject();
        o.Set("a", 1);
        o.Set("b", Arr(1, 2.5, inner));
        o.Set("e", new MlObject());
        o.Set("f", new MlArray());
        return o;
    }

    [Fact]
    public void Indent_layout_is_JavaScripts()
    {
        string expected = "{\n  \"a\": 1,\n  \"b\": [\n    1,\n    2.5,\n    {\n      \"c\": null\n    }\n  ],\n  \"e\": {},\n  \"f\": []\n}";
        Assert.Equal(expected, Member("JSON", "stringify", Sample(), MlValue.Null, 2).AsString);
        Assert.Equal("[\n--1\n]", Member("JSON", "stringify", Arr(1), MlValue.Null, "--").AsString);
        Assert.Equal("[\n          1\n]", Member("JSON", "stringify", Arr(1), MlValue.Null, 25).AsString);
        Assert.Equal("[\n01234567891\n]", Member("JSON", "stringify", Arr(1), MlValue.Null, "0123456789abc").AsString);
        Assert.Equal("[1]", Member("JSON", "stringify", Arr(1), MlValue.Null, 0).AsString);
        Assert.Equal("[1]", Member("JSON", "stringify", Arr(1), MlValue.Null, "").AsString);
        Assert.Equal("{\"a\":1,\"b\":[1,2.5,{\"c\":null}],\"e\":{},\"f\":[]}", Member("JSON", "stringify", Sample()).AsString);
        Assert.Equal("{\n    \"a\": 1\n}", Module("json", "prettyPrint", Obj("a", 1)).AsString);
    }

    private static MlValue Obj(string k, MlValue v)
    {
        var o = new MlObject();
        o.Set(k, v);
        return o;
    }

    [Fact]
    public void Replacer_must_be_null_and_functions_are_skipped()
    {
        var e = Fails(() => Member("JSON", "stringify", Arr(1), Fn(a => a[0])));
        Assert.Equal("TypeError", e.ErrorType);
        Assert.True(Member("JSON", "stringify", Fn(a => a[0])).IsNull);
        var cyclic = new MlArray();
        cyclic.Add(cyclic);
        Assert.Contains("cyclic", Fails(() => Member("JSON", "stringify", cyclic)).Message);
    }

    [Fact]
    public void Parse_and_json_module()
    {
        var v = Member("JSON", "parse", "{\"b\": 1, \"a\": [1, 2.0, 12345678901234567890]}");
        Assert.Equal("{\"b\":1,\"a\":[1,2.0,1.2345678901234567e+19]}", Json(v));
        Assert.Equal("SyntaxError", Fails(() => Member("JSON", "parse", "{bad}")).ErrorType);
        Assert.False(Module("json", "validate", "{").AsBool);
        Assert.True(Module("json", "validate", "[]").AsBool);
        Assert.Equal("ValueError", Fails(() => Module("json", "safeParse", "[[[1]]]", 2)).ErrorType);
        Assert.Equal("[[[1]]]", Json(Module("json", "safeParse", "[[[1]]]", 3)));
        Assert.Equal("dflt", Module("json", "get", new MlObject(), "k", "dflt").AsString);
        var a = Obj("x", 1);
        var merged = Module("json", "merge", a, Obj("x", 2));
        Assert.Equal("{\"x\":2}", Json(merged));
        Assert.Equal("{\"x\":1}", Json(a));
    }
}
