using System.Collections.Specialized;
using static MlDb.Language.Tests.V;

namespace MlDb.Language.Tests.Hosting;

/// <summary>The host API around a compiled script (spec §3.1, §12, §13): state, output, clock, random, copies.</summary>
public sealed class HostApiTests
{
    [Fact]
    public void Functions_lists_top_level_declarations_only()
    {
        const string source = """
            let helper = function () { return 1; };
            function first(a, b) {
              function inner() { return a; }
              return inner();
            }

              function second() { return null; }
            let arrow = fn(x) => x;
            """;
        var script = MlScript.Compile(source, "list.ml");
        Assert.Equal("list.ml", script.FileName);
        Assert.Equal(
            [("first", "a,b", 2, 1), ("second", "", 7, 3)],
            script.Functions.Select(f => (f.Name, string.Join(",", f.Parameters), f.Line, f.Column)));
        Assert.Equal(["first", "second"], script.FunctionNames);
        Assert.True(script.HasFunction("first"));
        Assert.False(script.HasFunction("inner"));
        Assert.False(script.HasFunction("helper"));
        Assert.False(script.HasFunction("arrow"));
        Assert.Equal(1L, script.Invoke("first", 1, 2));
    }

    [Fact]
    public void Missing_arguments_are_null_and_extra_ones_ignored()
    {
        var script = MlScript.Compile("function args(a, b, c) { return [a, b, c]; }", "args.ml");
        Assert.Equal(new object?[] { 1L, null, null }, script.Invoke("args", 1));
        Assert.Equal(new object?[] { 1L, 2L, 3L }, script.Invoke("args", 1, 2, 3, 4, 5));
        Assert.Equal(new object?[] { null, null, null }, script.Invoke("args"));
        MlValue[] values = [MlValue.FromInt(9), "x"];
        AssertJson("""[9,"x",null]""", script.Call("args", values));
    }

    [Fact]
    public void Top_level_code_runs_once_and_top_level_variables_keep_their_values()
    {
        var sink = new OutputSink();
        const string source = """
            print("loading");
            let counter = 0;
            total = 100;
            let seen = [];
            function next(tag) {
              nonlocal total;
              counter = counter + 1;
              total = total + 1;
              seen.push(tag);
              return [counter, total, len(seen)];
            }
            function reset() { counter = 0; }
            """;
        var script = MlScript.Compile(source, "state.ml", new MlCallOptions { Output = sink.Write });
        Assert.Equal(["loading"], sink.Texts);
        Assert.Equal(new object?[] { 1L, 101L, 1L }, script.Invoke("next", "a"));
        Assert.Equal(new object?[] { 2L, 102L, 2L }, script.Invoke("next", "b"));
        AssertJson("[3,103,3]", script.Call("next", "c"));
        script.Invoke("reset");
        Assert.Equal(new object?[] { 1L, 104L, 4L }, script.Invoke("next", "d"));
        Assert.Equal(["loading"], sink.Texts); // top-level code did not run again

        // Another compile of the same text has its own state.
        var other = MlScript.Compile(source, "state.ml");
        Assert.Equal(new object?[] { 1L, 101L, 1L }, other.Invoke("next", "x"));
        Assert.Equal(new object?[] { 2L, 105L, 5L }, script.Invoke("next", "e"));
    }

    [Fact]
    public void A_failed_call_leaves_the_script_usable()
    {
        var script = MlScript.Compile("let n = 0;\nfunction bump(fail) { n = n + 1; if (fail) { throw \"no\"; } return n; }\n", "s.ml");
        Assert.Equal(1L, script.Invoke("bump", false));
        Assert.Equal("no", Scripts.Fails(() => script.Invoke("bump", true)).Message);
        Assert.Equal(3L, script.Invoke("bump", false)); // the failed call's update stays: state is plain variables
    }

    [Fact]
    public void Print_and_console_go_to_the_output_with_levels()
    {
        const string source = """
            import console as c;
            function main() {
              print("a", 1, 2.0, null, true, [1, "x"], {k: 1}, decimal("4.00"), new Date(0), fn(x) => x);
              print();
              console.log("log");
              console.info("info", 1);
              console.warn("warn");
              console.error("error");
              console.debug("debug");
              c.warn("imported");
              return console.log("x");
            }
            """;
        var sink = new OutputSink();
        var script = MlScript.Compile(source, "out.ml");
        Assert.Null(script.Invoke("main", [], new MlCallOptions { Output = sink.Write }));
        Assert.Equal(
            [
                (MlOutputLevel.Log, """a 1 2.0 null true [1,"x"] {"k":1} 4.00 1970-01-01T00:00:00.000Z <function anonymous>"""),
                (MlOutputLevel.Log, ""),
                (MlOutputLevel.Log, "log"),
                (MlOutputLevel.Info, "info 1"),
                (MlOutputLevel.Warn, "warn"),
                (MlOutputLevel.Error, "error"),
                (MlOutputLevel.Debug, "debug"),
                (MlOutputLevel.Warn, "imported"),
                (MlOutputLevel.Log, "x"),
            ],
            sink.Lines);

        // Without a sink output is discarded; each call uses its own sink.
        Assert.Null(script.Invoke("main"));
        var second = new OutputSink();
        script.Invoke("main", [], new MlCallOptions { Output = second.Write });
        Assert.Equal(9, second.Lines.Count);
        Assert.Equal(9, sink.Lines.Count);
    }

    [Fact]
    public void The_clock_is_pinned_by_the_host()
    {
        const string source = """
            import datetime;
            function main() {
              return [Date.now(), new Date().toISOString(), datetime.now().toISOString(), new Date().getTime() - Date.now()];
            }
            """;
        var script = MlScript.Compile(source, "clock.ml");
        var clock = FixedClock.At("2024-01-02T03:04:05.678Z");
        var result = (object?[])script.Invoke("main", [], new MlCallOptions { Clock = clock })!;
        Assert.Equal(new object?[] { 1704164645678L, "2024-01-02T03:04:05.678Z", "2024-01-02T03:04:05.678Z", 0L }, result);

        clock.Now = DateTimeOffset.UnixEpoch;
        Assert.Equal(new object?[] { 0L, "1970-01-01T00:00:00.000Z", "1970-01-01T00:00:00.000Z", 0L }, script.Invoke("main", [], new MlCallOptions { Clock = clock }));

        // Without a clock the system time is used.
        long before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        long now = (long)((object?[])script.Invoke("main")!)[0]!;
        Assert.InRange(now, before, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
    }

    [Fact]
    public void The_clock_of_compile_options_serves_top_level_code()
    {
        var script = MlScript.Compile("let loadedAt = new Date().toISOString();\nfunction when() { return loadedAt; }\n", "load.ml",
            new MlCallOptions { Clock = FixedClock.At("2022-02-22T22:22:22Z") });
        Assert.Equal("2022-02-22T22:22:22.000Z", script.Invoke("when"));
    }

    [Fact]
    public void Randomness_comes_from_the_host()
    {
        var script = MlScript.Compile("import math;\nfunction main() { return [Math.random(), math.random(), Math.floor(Math.random() * 10)]; }\n", "rnd.ml");
        var values = new Queue<double>([0.25, 0.5, 0.99]);
        Assert.Equal(new object?[] { 0.25, 0.5, 9L }, script.Invoke("main", [], new MlCallOptions { Random = values.Dequeue }));
        Assert.Empty(values);

        var unpinned = (object?[])script.Invoke("main")!;
        Assert.InRange((double)unpinned[0]!, 0.0, 1.0);
    }

    [Fact]
    public void Host_arguments_are_copied_in()
    {
        const string source = """
            function mutate(row) {
              row.added = 1;
              row.name = "changed";
              row.tags.push("new");
              row.nested.deep = true;
              delete row.gone;
              return row;
            }
            """;
        var script = MlScript.Compile(source, "copy.ml");
        var tags = new List<object?> { "a" };
        var nested = new Dictionary<string, object?>();
        var row = new Dictionary<string, object?> { ["name"] = "orig", ["tags"] = tags, ["nested"] = nested, ["gone"] = 1 };
        var result = Dict(script.Invoke("mutate", row));

        Assert.Equal(["name", "tags", "nested", "added"], HostKeys(result));
        Assert.Equal("changed", result["name"]);
        Assert.Equal(new object?[] { "a", "new" }, result["tags"]);
        Assert.Equal(true, Dict(result["nested"])["deep"]);
        // The host objects are untouched.
        Assert.Equal(["name", "tags", "nested", "gone"], row.Keys);
        Assert.Equal("orig", row["name"]);
        Assert.Equal(["a"], tags);
        Assert.Empty(nested);
    }

    [Fact]
    public void Host_results_are_copies_of_ML_values()
    {
        var script = MlScript.Compile("let kept = {list: [1]};\nfunction get() { return kept; }\nfunction grow() { kept.list.push(2); return len(kept.list); }\n", "res.ml");
        var first = Dict(script.Invoke("get"));
        var list = Assert.IsType<object?[]>(first["list"]);
        list[0] = 99L;
        first["extra"] = 1;
        Assert.Equal(2L, script.Invoke("grow"));
        Assert.Equal(new object?[] { 1L, 2L }, Dict(script.Invoke("get"))["list"]);
        Assert.Equal(new object?[] { 99L }, list); // the earlier copy did not follow the script either
    }

    [Fact]
    public void Returning_a_function_through_Invoke_is_a_TypeError()
    {
        const string source = """
            function adder(n) {
              return fn(x) => x + n;
            }
            function inside() {
              return {ok: 1, handlers: [1, function onRow(r) { return r; }]};
            }
            """;
        var script = MlScript.Compile(source, "fns.ml");
        var e = Scripts.Fails(() => script.Invoke("adder", 1));
        Assert.Equal("TypeError", e.ErrorType);
        Assert.Contains("cannot cross the host boundary", e.Message);
        Assert.Equal(("fns.ml", 1, 1), (e.File, e.Line, e.Column));
        Assert.Equal($"TypeError: {e.Message}\n  at adder (fns.ml, line 1, column 1)", e.Report);
        Assert.Equal("$", Assert.IsType<MlConversionException>(e.InnerException).Path);

        var nested = Scripts.Fails(() => script.Invoke("inside"));
        Assert.Equal("TypeError", nested.ErrorType);
        Assert.Contains("cannot cross the host boundary", nested.Message);
        Assert.Contains("onRow", nested.Message);
        Assert.Equal("$.handlers[1]", Assert.IsType<MlConversionException>(nested.InnerException).Path);

        // Through Call the function stays an ML value; the script can still use it.
        var fn = script.Call("adder", MlValue.FromInt(10));
        Assert.True(fn.IsFunction);
        Assert.Equal("anonymous", fn.AsFunction.Name);
    }

    [Fact]
    public void Unconvertible_arguments_and_cyclic_results_fail_as_script_exceptions()
    {
        var script = MlScript.Compile("function id(x) { return x; }\nfunction loop() { let o = {}; o.me = o; return o; }\n", "conv.ml");
        var arg = Scripts.Fails(() => script.Invoke("id", 1, new Dictionary<string, object?> { ["when"] = new Uri("http://x") }));
        Assert.Equal("TypeError", arg.ErrorType);
        Assert.Equal("cannot convert argument 2 of 'id': The value at $.when has the .NET type System.Uri, which has no ML equivalent.", arg.Message);
        Assert.Equal("$.when", Assert.IsType<MlConversionException>(arg.InnerException).Path);

        var cyclic = Scripts.Fails(() => script.Invoke("loop"));
        Assert.Equal("TypeError", cyclic.ErrorType);
        Assert.Contains("cyclic", cyclic.Message);
        Assert.Equal((2, 1), (cyclic.Line, cyclic.Column));

        // An unknown function is a programming error of the host, not a script error.
        Assert.Throws<ArgumentException>(() => script.Invoke("nope", new object()));
    }

    [Fact]
    public void A_function_that_script_code_replaced_is_an_ML_TypeError_not_a_host_error()
    {
        // Found by the fuzz test: bump() assigns the top-level name main, so a later call of main fails.
        var script = MlScript.Compile("function bump() { main = 3; return 1; }\nfunction main() { return 2; }\n", "replaced.ml");
        Assert.Equal(2L, script.Invoke("main"));
        Assert.Equal(1L, script.Invoke("bump"));
        var e = Scripts.Fails(() => script.Invoke("main"));
        Assert.Equal("TypeError", e.ErrorType);
        Assert.Equal("'main' is not a function any more: script code assigned it an int", e.Message);
        Assert.Equal("TypeError: 'main' is not a function any more: script code assigned it an int\n  at main (replaced.ml, line 2, column 1)", e.Report);
    }

    [Fact]
    public void Object_layouts_build_rows_that_share_a_shape()
    {
        var layout = MlObjectLayout.For(["id", "status", "total"]);
        Assert.Equal(3, layout.Count);
        Assert.Equal("status", layout.KeyAt(1));
        var rows = new MlArray();
        rows.Add(layout.Create([1, "paid", 10.5]));
        rows.Add(layout.Create([2, "open", 4.5]));
        var result = Scripts.Seed("postgres_processors.ml").Call("processOrders", O(("rows", rows)));
        AssertJson("""{"total_orders":2,"total_revenue":15.0,"average_order":7.5,"by_status":{"paid":{"count":1,"revenue":10.5},"open":{"count":1,"revenue":4.5}}}""", result);

        Assert.Throws<ArgumentException>(() => layout.Create([1, "x"]));
        var dup = Assert.Throws<ArgumentException>(() => MlObjectLayout.For(["a", "b", "a"]));
        Assert.Contains("'a'", dup.Message);
    }

    [Fact]
    public void Output_from_a_failing_call_is_kept_up_to_the_failure()
    {
        var sink = new OutputSink();
        var script = MlScript.Compile("function main() { print(\"one\"); console.warn(\"two\"); throw \"three\"; }", "f.ml");
        Assert.Equal("three", Scripts.Fails(() => script.Invoke("main", [], new MlCallOptions { Output = sink.Write })).Message);
        Assert.Equal([(MlOutputLevel.Log, "one"), (MlOutputLevel.Warn, "two")], sink.Lines);
    }

    [Fact]
    public void Ordered_dictionary_results_are_case_sensitive_and_ordinal()
    {
        var script = MlScript.Compile("function main() { return {Name: 1, name: 2, \"ä\": 3}; }", "case.ml");
        var d = Assert.IsType<OrderedDictionary>(script.Invoke("main"));
        Assert.Equal(["Name", "name", "ä"], HostKeys(d));
        Assert.Equal(1L, d["Name"]);
        Assert.Equal(2L, d["name"]);
    }

    [Fact]
    public void A_host_exception_from_the_output_sink_passes_through_untouched()
    {
        const string source = """
            function main() {
              try {
                print("boom");
              } except (e) {
                print("caught " + e.message);
              } finally {
                print("finally");
              }
              return 1;
            }
            """;
        var script = MlScript.Compile(source, "sink.ml");
        var lines = new List<string>();
        var options = new MlCallOptions
        {
            Output = (_, text) =>
            {
                lines.Add(text);
                if (text == "boom") throw new InvalidOperationException("the host's sink failed");
            },
        };
        var e = Assert.Throws<InvalidOperationException>(() => script.Invoke("main", [], options));
        Assert.Equal("the host's sink failed", e.Message);
        // Not the script's error: its except and finally never saw it.
        Assert.Equal(["boom"], lines);
        Assert.Equal(1L, script.Invoke("main"));
    }
}
