using MlDb.Language.Builtins;
using static MlDb.Language.Tests.Builtins.Lib;

namespace MlDb.Language.Tests.Builtins;

public class RegexTests
{
    [Theory]
    [InlineData(@"(?P<user>\w+)@(?P<host>\w+)", @"(\w+)@(\w+)")]
    [InlineData(@"(?P<a>x)(?P=a)", @"(x)\1(?:)")]
    [InlineData(@"(?<a>x)\k<a>", @"(x)\1(?:)")]
    [InlineData(@"[(?P<n>]x", @"[(?P<n>]x")]
    [InlineData(@"\(?P<n>x", @"\(?P<n>x")]
    [InlineData(@"a\Z", @"a\z")]
    [InlineData(@"(?:a)(?=b)(?<=c)(?<!d)", @"(?:a)(?=b)(?<=c)(?<!d)")]
    [InlineData(@"[]a]", @"[]a]")]
    public void Translates_Python_syntax(string python, string dotnet)
    {
        Assert.Equal(dotnet, RegexModule.Translate(python, out _));
    }

    [Fact]
    public void Groups_are_numbered_by_opening_parenthesis()
    {
        var m = Module("regex", "search", @"(?P<first>a)(b)(?P<third>c)", "xabc");
        var groups = Method2(m, "groups");
        Assert.Equal("[\"a\",\"b\",\"c\"]", Json(groups));
        Assert.Equal("c", Method2(m, "group", 3).AsString);
        Assert.Equal("c", Method2(m, "group", "third").AsString);
        Assert.Equal("{\"first\":\"a\",\"third\":\"c\"}", Json(Method2(m, "groupDict")));
        Assert.Equal("[1,4]", Json(Method2(m, "span")));
        Assert.Equal(3, Method2(m, "groupCount").AsInt);
        Assert.True(Method2(m, "group", 9).IsNull);
    }

    private static MlValue Method2(MlValue opaque, string name, params MlValue[] args)
    {
        var f = opaque.AsOpaque.GetMethod(name);
        Assert.NotNull(f);
        return Invoke(MlValue.FromFunction(f), null, args);
    }

    [Fact]
    public void Substitution_templates()
    {
        Assert.Equal("host at ann", Module("regex", "sub", @"(\w+)@(\w+)", @"\2 at \1", "ann@host").AsString);
        Assert.Equal("host/ann", Module("regex", "sub", @"(?P<u>\w+)@(?P<h>\w+)", @"\g<h>/\g<u>", "ann@host").AsString);
        Assert.Equal("$1 x", Module("regex", "sub", @"a", "$1", "a x").AsString);
        Assert.Equal("X b a", Module("regex", "sub", "a", "X", "a b a", 1).AsString);
        var subn = Module("regex", "subn", @"\d", "#", "a1b22");
        Assert.Equal("{\"result\":\"a#b##\",\"count\":3}", Json(subn));
        var upper = Fn(a => Method2(a[0], "value").AsString.ToUpperInvariant());
        Assert.Equal("A-B", Module("regex", "sub", "[a-z]", upper, "a-b").AsString);
        Assert.Equal("-a-b--d-", Module("regex", "sub", "x*", "-", "abxd").AsString);
        Assert.Equal("ValueError", Fails(() => Module("regex", "sub", "(a)", @"\2", "a")).ErrorType);
    }

    [Fact]
    public void Split_findall_and_flags()
    {
        Assert.Equal("[\"x\",\"y\",\"z\"]", Json(Module("regex", "split", @",\s*", "x, y,z")));
        Assert.Equal("[\"a\",\",\",\"b\"]", Json(Module("regex", "split", "(,)", "a,b")));
        Assert.Equal("[\"a\",\"b,c\"]", Json(Module("regex", "split", ",", "a,b,c", 1)));
        Assert.Equal("[[\"a\",\"1\"],[\"b\",\"2\"]]", Json(Module("regex", "findall", @"([a-z])(\d)", "a1 b2")));
        Assert.Equal("[\"1\",\"2\"]", Json(Module("regex", "findall", @"[a-z](\d)", "a1 b2")));
        var p = Module("regex", "compile", "error", Module("regex", "IGNORECASE"));
        Assert.Equal("Pattern", p.TypeName);
        Assert.True(Method2(p, "test", "An ERROR").AsBool);
        Assert.Equal("error", Method2(p, "getPattern").AsString);
        Assert.True(Module("regex", "match", "b", "abc").IsNull);
        Assert.False(Module("regex", "fullmatch", "a|ab", "ab").IsNull);
        Assert.True(Module("regex", "fullmatch", "a", "ab").IsNull);
        Assert.Equal(@"a\.b\*c\ d", Module("regex", "escape", "a.b*c d").AsString);
        Assert.False(Module("regex", "isValid", "(").AsBool);
        Assert.Equal("ValueError", Fails(() => Module("regex", "test", "(", "x")).ErrorType);
        Assert.Equal(2, Module("regex", "count", "o+", "foo boo").AsInt);
    }

    [Fact]
    public void Catastrophic_patterns_hit_the_time_limit()
    {
        var e = Fails(() => Module("regex", "test", "(a+)+$", new string('a', 40) + "!"));
        Assert.True(e.IsLimit);
        Assert.Contains("limit exceeded", e.Message);
    }
}
