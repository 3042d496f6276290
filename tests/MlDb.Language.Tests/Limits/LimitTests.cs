using System.Diagnostics;
using static MlDb.Language.Tests.V;

namespace MlDb.Language.Tests.Limits;

/// <summary>
/// Spec §12 through the host API: steps, time, cancellation, sizes, call depth (far beyond the
/// .NET stack), limit errors that no except catches and no finally sees, and deep structures.
/// </summary>
public sealed class LimitTests
{
    private const string Source = """
        let calls = 0;
        function spin() {
          while (true) { }
        }
        function count(n) {
          calls = calls + 1;
          let i = 0;
          while (i < n) { i = i + 1; }
          return i;
        }
        function depth(n) {
          if (n <= 1) { return 1; }
          return 1 + depth(n - 1);
        }
        function runaway(n) {
          return runaway(n + 1);
        }
        function viaMap(n) {
          if (n <= 1) { return 1; }
          return [n].map(fn(x) => 1 + viaMap(x - 1))[0];
        }
        function pushLoop(n) {
          let a = [];
          let i = 0;
          while (i < n) { a.push(i); i = i + 1; }
          return a.length;
        }
        function keyLoop(n) {
          let o = {};
          let i = 0;
          while (i < n) { o["k" + i] = i; i = i + 1; }
          return len(o);
        }
        function memberGrow() {
          let o = {a: 1, b: 2};
          o.c = 3;
          return o;
        }
        function doubling(n) {
          let s = "ab";
          let i = 0;
          while (i < n) { s = s + s; i = i + 1; }
          return s.length;
        }
        function arrayDoubling(n) {
          let a = [0];
          let i = 0;
          while (i < n) { a = a + a; i = i + 1; }
          return a.length;
        }
        function makeRange(n) {
          return range(n).length;
        }
        function nested(n) {
          let root = [];
          let cur = root;
          let i = 1;
          while (i < n) { let next = []; cur.push(next); cur = next; i = i + 1; }
          return root;
        }
        function nestedObject(n) {
          let root = {};
          let cur = root;
          let i = 1;
          while (i < n) { let next = {}; cur.child = next; cur = next; i = i + 1; }
          return root;
        }
        function equal(n) { return nested(n) == nested(n); }
        function text(n) { return str(nested(n)); }
        function stringify(n) { return JSON.stringify(nestedObject(n)).length; }
        function parse(n) { let v = JSON.parse("[".repeat(n) + "]".repeat(n)); return typeof(v); }
        function search(n) { return [1, nested(n)].includes(nested(n)); }
        """;

    private static readonly MlScript Script = MlScript.Compile(Source, "limits.ml");

    private static MlScriptException Limit(Func<object?> call, string message)
    {
        var e = Scripts.Fails(call);
        Assert.True(e.IsLimitError, $"expected a LimitError, got {e.Report}");
        Assert.Equal("LimitError", e.ErrorType);
        Assert.Equal(message, e.Message);
        Assert.StartsWith("LimitError: " + message + "\n  at ", e.Report);
        Assert.Null(e.ThrownData);
        return e;
    }

    // ---- steps -----------------------------------------------------------------------------

    [Fact]
    public void A_step_budget_stops_an_endless_loop()
    {
        var e = Limit(() => Script.Invoke("spin", [], new MlCallOptions { MaxSteps = 10_000 }), "step limit exceeded");
        Assert.False(e.IsTimeout);
        Assert.False(e.IsCancellation);
        Assert.Equal((3, 3), (e.Line, e.Column)); // the while loop inside spin
        Assert.Equal("LimitError: step limit exceeded\n  at spin (limits.ml, line 3, column 3)", e.Report);
    }

    [Fact]
    public void A_step_budget_allows_work_within_it_and_is_per_call()
    {
        var options = new MlCallOptions { MaxSteps = 50_000 };
        Assert.Equal(1_000L, Script.Invoke("count", [1_000], options));
        Assert.Equal(1_000L, Script.Invoke("count", [1_000], options)); // a fresh budget each call
        Limit(() => Script.Invoke("count", [100_000], options), "step limit exceeded");
        Assert.Equal(100_000L, Script.Invoke("count", [100_000], new MlCallOptions { MaxSteps = 1_000_000 }));
        Assert.Equal(100_000L, Script.Invoke("count", [100_000])); // no budget by default
    }

    [Fact]
    public void A_step_budget_stops_runaway_recursion_before_the_depth_limit()
    {
        Limit(() => Script.Invoke("runaway", [0], new MlCallOptions { MaxSteps = 2_000 }), "step limit exceeded");
    }

    [Fact]
    public void A_step_limit_in_top_level_code_fails_the_compile()
    {
        var e = Assert.Throws<MlScriptException>(() => MlScript.Compile("let i = 0;\nwhile (true) { i = i + 1; }\n", "top.ml", new MlCallOptions { MaxSteps = 5_000 }));
        Assert.Equal(("LimitError", "step limit exceeded"), (e.ErrorType, e.Message));
        Assert.Equal("LimitError: step limit exceeded\n  at <top> (top.ml, line 2, column 18)", e.Report); // the statement in the loop body
    }

    // ---- time and cancellation --------------------------------------------------------------

    [Fact]
    public void A_timeout_ends_an_endless_loop()
    {
        var watch = Stopwatch.StartNew();
        var e = Limit(() => Script.Invoke("spin", [], new MlCallOptions { Timeout = TimeSpan.FromMilliseconds(200) }), "time limit exceeded");
        watch.Stop();
        Assert.True(e.IsTimeout);
        Assert.False(e.IsCancellation);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"took {watch.Elapsed}");
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(150), $"ended after only {watch.Elapsed}");
    }

    [Fact]
    public void A_timeout_does_not_cut_short_a_call_that_finishes()
    {
        Assert.Equal(10_000L, Script.Invoke("count", [10_000], new MlCallOptions { Timeout = TimeSpan.FromSeconds(30) }));
    }

    [Fact]
    public void Cancellation_from_another_thread_ends_the_call()
    {
        using var cts = new CancellationTokenSource();
        using var started = new ManualResetEventSlim();
        var canceller = new Thread(() =>
        {
            started.Wait();
            Thread.Sleep(100);
            cts.Cancel();
        });
        canceller.Start();
        var sink = new OutputSink();
        var script = MlScript.Compile("function main() {\n  print(\"start\");\n  while (true) { }\n}\n", "cancel.ml");
        var options = new MlCallOptions
        {
            CancellationToken = cts.Token,
            Output = (level, text) => { sink.Write(level, text); started.Set(); },
        };
        var watch = Stopwatch.StartNew();
        var e = Limit(() => script.Invoke("main", [], options), "cancelled");
        Assert.True(e.IsCancellation);
        Assert.False(e.IsTimeout);
        Assert.True(canceller.Join(TimeSpan.FromSeconds(30)));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30));
        Assert.Equal(["start"], sink.Texts);
    }

    [Fact]
    public void An_already_cancelled_token_stops_a_loop_at_once()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Limit(() => Script.Invoke("spin", [], new MlCallOptions { CancellationToken = cts.Token }), "cancelled");
    }

    // ---- sizes -------------------------------------------------------------------------------

    [Fact]
    public void Arrays_cannot_grow_past_the_collection_cap()
    {
        var options = new MlCallOptions { MaxCollectionSize = 1_000 };
        Assert.Equal(1_000L, Script.Invoke("pushLoop", [1_000], options));
        var e = Limit(() => Script.Invoke("pushLoop", [1_001], options), "size limit exceeded");
        Assert.Equal(25, e.Line);
        Limit(() => Script.Invoke("arrayDoubling", [10], options), "size limit exceeded"); // 1024 elements
        Assert.Equal(512L, Script.Invoke("arrayDoubling", [9], options));
        Limit(() => Script.Invoke("makeRange", [1_001], options), "size limit exceeded");
        Assert.Equal(1_000L, Script.Invoke("makeRange", [1_000], options));
        Limit(() => Script.Invoke("makeRange", [long.MaxValue], options), "size limit exceeded");
    }

    [Fact]
    public void Objects_cannot_grow_past_the_collection_cap()
    {
        var options = new MlCallOptions { MaxCollectionSize = 100 };
        Assert.Equal(100L, Script.Invoke("keyLoop", [100], options));
        var e = Limit(() => Script.Invoke("keyLoop", [101], options), "size limit exceeded");
        Assert.Equal(31, e.Line);

        Assert.Equal(["a", "b", "c"], HostKeys(Script.Invoke("memberGrow", [], new MlCallOptions { MaxCollectionSize = 3 })));
        var member = Limit(() => Script.Invoke("memberGrow", [], new MlCallOptions { MaxCollectionSize = 2 }), "size limit exceeded");
        Assert.Equal(36, member.Line);

        // Replacing an existing key never counts as growth.
        var replace = MlScript.Compile("function main() { let o = {a: 1, b: 2}; o.a = 5; o[\"b\"] = 6; o.a += 1; return o; }", "r.ml");
        Assert.Equal(new object[] { 6L, 6L }, Dict(replace.Invoke("main", [], new MlCallOptions { MaxCollectionSize = 2 })).Values.Cast<object>().ToArray());
        var compound = MlScript.Compile("function main() { let o = {a: \"x\"}; o.b += \"y\"; return o; }", "c.ml");
        Limit(() => compound.Invoke("main", [], new MlCallOptions { MaxCollectionSize = 1 }), "size limit exceeded");
        Assert.Equal("nully", Dict(compound.Invoke("main", [], new MlCallOptions { MaxCollectionSize = 2 }))["b"]);
    }

    [Fact]
    public void Strings_cannot_grow_past_the_length_cap()
    {
        var options = new MlCallOptions { MaxStringLength = 1 << 20 };
        Assert.Equal((long)(1 << 20), Script.Invoke("doubling", [19], options));
        var e = Limit(() => Script.Invoke("doubling", [20], options), "size limit exceeded");
        Assert.Equal(42, e.Line);
        // Without a cap the same doubling is allowed (defaults never cut legitimate work short).
        Assert.Equal((long)(1 << 21), Script.Invoke("doubling", [20]));
    }

    // ---- call depth --------------------------------------------------------------------------

    [Fact]
    public void The_default_call_depth_is_ten_thousand()
    {
        Assert.Equal(10_000, MlCallOptions.Default.MaxCallDepth);
        Assert.Equal(5_000L, Script.Invoke("depth", [5_000]));
        Assert.Equal(10_000L, Script.Invoke("depth", [10_000]));
        var e = Limit(() => Script.Invoke("depth", [10_001]), "call depth limit exceeded");
        Assert.Equal(13, e.Line);
    }

    [Fact]
    public void Runaway_recursion_is_a_limit_error_with_a_short_report()
    {
        var e = Limit(() => Script.Invoke("runaway", [0]), "call depth limit exceeded");
        Assert.Equal((16, 10), (e.Line, e.Column));
        // The innermost three frames, how many were left out, the outermost three.
        var lines = e.Report.Split('\n');
        Assert.Equal(8, lines.Length);
        Assert.Equal("LimitError: call depth limit exceeded", lines[0]);
        Assert.All(lines[1..4], l => Assert.Equal("  at runaway (limits.ml, line 16, column 10)", l));
        Assert.Equal("  ... 9994 more frames ...", lines[4]);
        Assert.All(lines[5..8], l => Assert.StartsWith("  at runaway (limits.ml, line 16, column 10)", l));
        Assert.Equal(e.Report[(e.Report.IndexOf('\n') + 1)..], e.MlStackTrace);
    }

    [Fact]
    public void The_call_depth_limit_is_exact()
    {
        var options = new MlCallOptions { MaxCallDepth = 50 };
        Assert.Equal(50L, Script.Invoke("depth", [50], options));
        Limit(() => Script.Invoke("depth", [51], options), "call depth limit exceeded");
    }

    [Fact]
    public void Builtin_callbacks_count_towards_the_depth()
    {
        var options = new MlCallOptions { MaxCallDepth = 100 };
        // Each level is two ML frames: viaMap and the arrow passed to map.
        Assert.Equal(40L, Script.Invoke("viaMap", [40], options));
        Limit(() => Script.Invoke("viaMap", [60], options), "call depth limit exceeded");
        Assert.Equal(60L, Script.Invoke("depth", [60], options));
    }

    [Fact]
    public void Recursion_one_hundred_thousand_deep_finishes_and_the_host_lives_on()
    {
        var deep = new MlCallOptions { MaxCallDepth = 200_000 };
        Assert.Equal(100_000L, Script.Invoke("depth", [100_000], deep));

        // Past the raised limit: a LimitError, not a StackOverflow of the test process.
        var e = Limit(() => Script.Invoke("runaway", [0], deep), "call depth limit exceeded");
        Assert.Equal((16, 10), (e.Line, e.Column));

        // The same compiled script keeps working afterwards, on this thread.
        Assert.Equal(3L, Script.Invoke("depth", [3]));
        Assert.Equal(7L, Script.Invoke("count", [7]));
    }

    [Fact]
    public void Deep_recursion_through_builtin_callbacks_also_switches_stacks()
    {
        // 30 000 levels are 60 000 ML frames (viaMap and its callback), far more than one .NET stack holds.
        Assert.Equal(30_000L, Script.Call("viaMap", MlValue.FromInt(30_000), new MlCallOptions { MaxCallDepth = 100_000 }).AsInt);
        Limit(() => Script.Invoke("viaMap", [30_000], new MlCallOptions { MaxCallDepth = 40_000 }), "call depth limit exceeded");
    }

    [Fact]
    public void A_catastrophic_regular_expression_is_stopped_by_the_regex_time_limit()
    {
        var script = MlScript.Compile("import regex;\nfunction main(s) {\n  try {\n    return regex.test(\"(a+)+$\", s);\n  } except (e) {\n    return \"caught\";\n  }\n}\n", "re.ml");
        var watch = Stopwatch.StartNew();
        var e = Scripts.Fails(() => script.Invoke("main", new string('a', 40) + "!"));
        Assert.True(e.IsLimitError, e.Report);
        Assert.Contains("limit exceeded", e.Message);
        Assert.Equal((4, 18), (e.Line, e.Column));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"took {watch.Elapsed}");
        Assert.Equal(true, script.Invoke("main", "aaa"));
    }

    // ---- limit errors are not catchable ------------------------------------------------------

    public static TheoryData<string, string> Uncatchable() => new()
    {
        { "while (true) { }", "step limit exceeded" },
        { "let a = []; while (true) { a.push(1); }", "size limit exceeded" },
        { "let o = {}; let i = 0; while (true) { o[str(i)] = i; i += 1; }", "size limit exceeded" },
        { "function r(n) { return r(n + 1); } r(0);", "call depth limit exceeded" },
        { "[1, 2].map(function (x) { while (true) { } });", "step limit exceeded" },
    };

    [Theory]
    [MemberData(nameof(Uncatchable))]
    public void Except_does_not_catch_a_limit_error_and_finally_does_not_run(string body, string message)
    {
        string source = $$"""
            function inner() {
              try {
                {{body}}
              } except (e) {
                print("inner except");
              } finally {
                print("inner finally");
              }
            }
            function main() {
              try {
                inner();
              } catch {
                print("outer catch");
              } finally {
                print("outer finally");
              }
              print("after");
              return 1;
            }
            """;
        var sink = new OutputSink();
        var script = MlScript.Compile(source, "uncatchable.ml");
        var options = new MlCallOptions { MaxSteps = 100_000, MaxCollectionSize = 1_000, MaxCallDepth = 500, Output = sink.Write };
        Limit(() => script.Invoke("main", [], options), message);
        Assert.Empty(sink.Lines);
    }

    [Fact]
    public void Except_and_finally_do_not_see_a_timeout_or_a_cancellation()
    {
        const string source = """
            function main() {
              try {
                while (true) { }
              } except (e) {
                print("caught " + e.message);
              } finally {
                print("finally");
              }
            }
            """;
        var sink = new OutputSink();
        var script = MlScript.Compile(source, "t.ml");
        var timeout = Limit(() => script.Invoke("main", [], new MlCallOptions { Timeout = TimeSpan.FromMilliseconds(100), Output = sink.Write }), "time limit exceeded");
        Assert.True(timeout.IsTimeout);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var cancelled = Limit(() => script.Invoke("main", [], new MlCallOptions { CancellationToken = cts.Token, Output = sink.Write }), "cancelled");
        Assert.True(cancelled.IsCancellation);
        Assert.Empty(sink.Lines);
    }

    [Fact]
    public void Ordinary_errors_are_still_caught_under_limits()
    {
        var script = MlScript.Compile("function main() { try { return 1 / 0; } except (e) { return e.type; } finally { print(\"f\"); } }", "ok.ml");
        var sink = new OutputSink();
        Assert.Equal("ArithmeticError", script.Invoke("main", [], new MlCallOptions { MaxSteps = 1_000, Output = sink.Write }));
        Assert.Equal(["f"], sink.Texts);
    }

    // ---- deep structures ---------------------------------------------------------------------

    [Fact]
    public void Deep_structures_in_ML_operations_are_limit_errors()
    {
        Assert.Equal(true, Script.Invoke("equal", [1_000]));
        Limit(() => Script.Invoke("equal", [5_000]), "nesting depth limit exceeded (over 1000 levels)");
        Assert.Equal(2_000L, ((string)Script.Invoke("text", [1_000])!).Length);
        Limit(() => Script.Invoke("text", [5_000]), "nesting depth limit exceeded (over 1000 levels)");
        Assert.True((long)Script.Invoke("stringify", [1_000])! > 0);
        Limit(() => Script.Invoke("stringify", [5_000]), "nesting depth limit exceeded (over 1000 levels)");
        Assert.Equal("array", Script.Invoke("parse", [1_000]));
        Limit(() => Script.Invoke("parse", [1_001]), "nesting depth limit exceeded (over 1000 levels)");
        Limit(() => Script.Invoke("parse", [100_000]), "nesting depth limit exceeded (over 1000 levels)");
        Limit(() => Script.Invoke("search", [5_000]), "nesting depth limit exceeded (over 1000 levels)");
    }

    [Fact]
    public void Deep_results_and_arguments_fail_at_the_boundary_without_crashing()
    {
        // ML → host: a result nested too deeply.
        Assert.IsType<object?[]>(Script.Invoke("nested", [1_000]));
        var result = Limit(() => Script.Invoke("nested", [5_000]), "nesting depth limit exceeded (over 1000 levels) in the result of 'nested'");
        Assert.Equal($"LimitError: {result.Message}\n  at nested (limits.ml, line 54, column 1)", result.Report);
        var inner = Assert.IsType<MlConversionException>(result.InnerException);
        Assert.True(inner.IsDepthLimit);
        Assert.StartsWith("$[0][0]", inner.Path);

        // The value itself is fine inside ML: Call hands it over without conversion.
        Assert.True(Script.Call("nested", MlValue.FromInt(5_000)).IsArray);

        // host → ML: an argument nested too deeply.
        object?[] root = [null];
        var cursor = root;
        for (int i = 0; i < 5_000; i++)
        {
            object?[] next = [null];
            cursor[0] = next;
            cursor = next;
        }
        var argument = Limit(() => Script.Invoke("count", [root]), "nesting depth limit exceeded (over 1000 levels) in argument 1 of 'count'");
        Assert.Equal(("limits.ml", 5, 1), (argument.File, argument.Line, argument.Column));
        Assert.True(Assert.IsType<MlConversionException>(argument.InnerException).IsDepthLimit);
        var direct = Assert.Throws<MlConversionException>(() => MlHostConverter.Default.ToMl(root));
        Assert.True(direct.IsDepthLimit);
        Assert.StartsWith("$[0][0][0]", direct.Path);
    }
}
