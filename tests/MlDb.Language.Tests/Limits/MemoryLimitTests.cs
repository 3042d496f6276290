using System.Diagnostics;
using static MlDb.Language.Tests.V;

namespace MlDb.Language.Tests.Limits;

/// <summary>
/// The memory limit of spec §12 (<see cref="MlCallOptions.MaxMemoryBytes"/>) through the host API:
/// every bomb of issue 11 fails with the memory LimitError before it allocates much past the
/// limit (measured here as the bytes the calling thread allocated), while legitimate work that
/// makes plenty of garbage, or holds close to the limit, or is given a big input, runs to the end.
/// The peak working set of a whole process under each bomb is measured by the Pester suite.
/// </summary>
public sealed class MemoryLimitTests
{
    private const long MB = 1024 * 1024;

    private const string Bombs = """
        import regex;
        let cache = [];
        function strings() { let s = "x"; while (true) { s = s + s; } }
        function pushes() { let a = []; let i = 0; while (true) { a.push(i); i = i + 1; } }
        function keyed() { let o = {}; let i = 0; while (true) { o["k" + i] = i; i = i + 1; } }
        function nesting() { let a = []; while (true) { a = [a, a]; } }
        function nestedText(levels) { let a = []; let i = 0; while (i < levels) { a = [a, a]; i = i + 1; } return JSON.stringify(a).length; }
        function nestedStr(levels) { let a = [1]; let i = 0; while (i < levels) { a = [a, a]; i = i + 1; } return str(a).length; }
        function repeats() { return "abc".repeat(500000000).length; }
        function oneChar() { return "x".repeat(1000000000).length; }
        function joins() { let a = range(100000); while (true) { let s = a.join(","); a = a.concat(a); } }
        function splits() { let s = "ab,".repeat(5000000); return s.split(",").length; }
        function chars() { let s = "ab".repeat(8000000); return s.split("").length; }
        function ranges() { return range(100000000).length; }
        function maps() { return range(1000000).map(fn(x) => "row " + str(x) + " ".repeat(100)).length; }
        function filters() { let keep = []; return range(2000000).filter(fn(x) => { keep.push("k" + str(x)); return true; }).length; }
        function parses() { let t = "1,".repeat(4000000); return JSON.parse("[" + t + "1]").length; }
        function parseSmall(n) { let t = "[" + "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\",".repeat(n) + "1]"; return JSON.parse(t).length; }
        function substitutes() { let s = "a".repeat(10000000); return regex.sub("a", "bbbbbbbbbb", s).length; }
        function spreads() { let a = [1]; while (true) { a = a.concat(a, a); } }
        function flattens() { let a = [[1, 2, 3]]; while (true) { a = [a, a, a].flat(); } }
        function pads() { return "x".padStart(300000000, "ab").length; }
        function entries() { let o = {}; let i = 0; while (i < 300000) { o["key" + str(i)] = i; i = i + 1; } let all = []; while (true) { all.push(Object.entries(o)); } }
        function closures() { let fs = []; let i = 0; while (true) { let s = "v".repeat(1000) + str(i); fs.push(fn() => s); i = i + 1; } }
        function grows() { while (true) { cache.push("c".repeat(100000)); } }
        function garbage(rounds) { let total = 0; let i = 0; while (i < rounds) { let a = range(100000).map(fn(x) => "v" + str(x)); total = total + a.length; i = i + 1; } return total; }
        function holdAndChurn(holdMb, rounds) {
          let held = [];
          let i = 0;
          while (i < holdMb) { held.push("h".repeat(524288)); i = i + 1; }
          let n = 0;
          let j = 0;
          while (j < rounds) { let t = "t".repeat(1000000); n = n + t.length; j = j + 1; }
          return held.length + n;
        }
        function touch(data) { let n = 0; for (let s in data) { n = n + s.length; } let i = 0; while (i < 50) { let junk = range(100000); i = i + 1; } return n; }
        function extend(data) { while (true) { data.push("more".repeat(1000)); } }
        function equalDags(levels) { let a = [1]; let b = [1]; let i = 0; while (i < levels) { a = [a, a]; b = [b, b]; i = i + 1; } return a == b; }
        """;

    // Shared by the tests that do not change top-level variables (grows() does: it compiles its own).
    private static readonly MlScript Script = MlScript.Compile(Bombs, "bombs.ml");

    private static MlCallOptions Limit(long megabytes) => new() { MaxMemoryBytes = megabytes * MB, Timeout = TimeSpan.FromSeconds(120) };

    /// <summary>
    /// Runs a bomb under the limit, in a fresh copy of the script: a memory LimitError, and the
    /// thread allocated at most a few times the limit, garbage included (regex.sub makes a Match
    /// object per match, for instance). What the process really holds at its peak is measured by
    /// the Pester suite, in a process of its own.
    /// </summary>
    private static MlScriptException Refused(string function, long megabytes, params object?[] args)
    {
        var script = MlScript.Compile(Bombs, "bombs.ml");
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Scripts.Fails(() => script.Invoke(function, args, Limit(megabytes)));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(e.LimitKind == MlLimitKind.Memory, $"{function}: expected the memory limit, got {e.Report}");
        Assert.Equal("LimitError", e.ErrorType);
        Assert.StartsWith("memory limit exceeded (the call would hold more than ", e.Message);
        Assert.EndsWith($", over the limit of {megabytes} MB)", e.Message);
        Assert.True(allocated < 8 * megabytes * MB, $"{function}: allocated {allocated / MB} MB under a {megabytes} MB limit");
        GC.Collect();
        return e;
    }

    public static TheoryData<string> BombNames() =>
    [
        "strings", "pushes", "keyed", "nesting", "joins", "splits", "chars", "maps", "filters", "parses",
        "substitutes", "spreads", "flattens", "entries", "closures", "grows",
    ];

    [Theory]
    [MemberData(nameof(BombNames))]
    public void A_bomb_fails_with_the_memory_limit_before_it_takes_much_more(string function)
    {
        var e = Refused(function, 48);
        Assert.Equal("bombs.ml", e.File);
        Assert.True(e.Line > 1, e.Report);
        Assert.False(e.IsTimeout);
    }

    [Theory]
    [InlineData("repeats")]
    [InlineData("oneChar")]
    [InlineData("ranges")]
    [InlineData("pads")]
    public void One_huge_value_is_refused_before_it_is_allocated(string function)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Refused(function, 32);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 32 * MB, $"{function} allocated {allocated / MB} MB before it was refused");
        Assert.Contains("the call would hold more than", e.Message);
    }

    [Fact]
    public void The_text_of_a_shared_structure_is_stopped_by_the_memory_limit()
    {
        // a = [a, a] forty times is a thousand small arrays, but its text would be terabytes.
        Refused("nestedText", 32, 40);
        Refused("nestedStr", 32, 40);
        Assert.Equal(5117L, Script.Invoke("nestedText", [10], Limit(32)));
    }

    [Fact]
    public void The_size_limit_comes_before_the_memory_limit()
    {
        var options = Limit(64) with { MaxStringLength = 1000 };
        var e = Scripts.Fails(() => Script.Invoke("repeats", [], options));
        Assert.Equal(MlLimitKind.Size, e.LimitKind);
        Assert.Equal("size limit exceeded", e.Message);
    }

    [Fact]
    public void Garbage_does_not_count_so_a_long_legitimate_run_finishes()
    {
        // Each round holds about 10 MB (the new array and strings beside the last round's), and
        // makes about 300 MB of short-lived strings and arrays in all: under a 16 MB limit.
        Assert.Equal(3_000_000L, Script.Invoke("garbage", [30], Limit(16)));
    }

    [Fact]
    public void A_call_may_hold_close_to_its_limit_while_it_churns()
    {
        // 48 MB held (48 strings of 512 K code units), then 200 MB of temporary strings, under 56 MB.
        Assert.Equal(48L + 100_000_000L, Script.Invoke("holdAndChurn", [48, 100], Limit(56)));
        Refused("holdAndChurn", 32, 48, 1);
    }

    [Fact]
    public void The_input_the_host_passes_is_not_charged_to_the_call_but_its_growth_is()
    {
        var data = new MlArray();
        for (int i = 0; i < 200_000; i++) data.Add(MlValue.FromString("input row number " + i)); // about 16 MB
        Assert.Equal(4_488_890L, Script.Call("touch", data, Limit(4)).AsInt);
        var e = Scripts.Fails(() => Script.Call("extend", data, Limit(4)));
        Assert.Equal(MlLimitKind.Memory, e.LimitKind);
    }

    [Fact]
    public void Top_level_variables_count_and_the_script_works_on_after_a_memory_error()
    {
        var script = MlScript.Compile(Bombs, "grows.ml");
        var e = Scripts.Fails(() => script.Invoke("grows", [], Limit(16)));
        Assert.Equal(MlLimitKind.Memory, e.LimitKind);
        Assert.Equal(3_000_000L, script.Invoke("garbage", [30], Limit(64)));
    }

    [Fact]
    public void Top_level_code_runs_under_the_limit_too()
    {
        var e = Assert.Throws<MlScriptException>(() => MlScript.Compile("let s = \"x\";\nwhile (true) { s = s + s; }\n", "top.ml", Limit(16)));
        Assert.Equal(MlLimitKind.Memory, e.LimitKind);
        Assert.Equal(("top.ml", 2), (e.File, e.Line));
        Assert.False(e.IsCompileError);
    }

    [Fact]
    public void Measuring_at_every_check_changes_no_result()
    {
        // The measurement clears the dead part of the value stack: the conformance corpus and the
        // seed must behave the same when it runs at every check.
        var options = new MlCallOptions { MaxMemoryBytes = 1024 * MB, MeasureMemoryAtEveryCheck = true, MaxSteps = 10_000_000 };
        Assert.Equal(3_000_000L, Script.Invoke("garbage", [30], options));
        foreach (var file in Directory.GetFiles(TestPaths.Conformance, "*.expected.json"))
        {
            string ml = file.Replace(".expected.json", ".ml", StringComparison.Ordinal);
            var script = MlScript.Compile(File.ReadAllText(ml), Path.GetFileName(ml), options);
            string expected = File.ReadAllText(file).Trim();
            string actual = MlJson.Stringify(script.Call("main", [], options), null) ?? "null";
            Assert.Equal(Canonical(expected), Canonical(actual));
        }
    }

    private static string Canonical(string json) =>
        System.Text.Json.JsonSerializer.Serialize(System.Text.Json.JsonDocument.Parse(json).RootElement);

    [Fact]
    public void Without_a_limit_a_guard_stops_what_would_take_the_process_down()
    {
        // The guard is half the memory available to the process; far more is refused up front.
        var e = Scripts.Fails(() => Script.Invoke("ranges", [], new MlCallOptions { ProcessMemoryGuard = 64 * MB }));
        Assert.Equal(MlLimitKind.OutOfMemory, e.LimitKind);
        Assert.StartsWith("memory limit exceeded (the call would hold more than 1526 MB, over the 64 MB the process can spare", e.Message);
        Assert.True(Runtime.MemoryMeter.GuardBytes >= 256 * MB);
    }

    [Fact]
    public void An_OutOfMemoryException_of_the_runtime_becomes_a_limit_error()
    {
        // .NET refuses a string of 1.5 G code units with an OutOfMemoryException, whatever memory is free.
        var script = MlScript.Compile("function big() { return \"x\".repeat(1500000000).length; }", "oom.ml");
        var e = Scripts.Fails(() => script.Invoke("big", [], new MlCallOptions { ProcessMemoryGuard = 1024L * 1024 * MB }));
        Assert.Equal(MlLimitKind.OutOfMemory, e.LimitKind);
        Assert.Equal("memory limit exceeded (the process ran out of memory)", e.Message);
        Assert.Equal("oom.ml", e.File);
        Assert.Equal(1L, MlScript.Compile("function one() { return 1; }", "one.ml").Invoke("one"));
    }

    [Fact]
    public void A_timeout_stops_a_long_single_operation()
    {
        // Comparing two distinct 60-level DAGs would take forever in one '==' operation.
        var watch = Stopwatch.StartNew();
        var e = Scripts.Fails(() => Script.Invoke("equalDags", [60], new MlCallOptions { Timeout = TimeSpan.FromMilliseconds(300) }));
        Assert.Equal(MlLimitKind.Time, e.LimitKind);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}");

        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var cancelled = Scripts.Fails(() => Script.Invoke("equalDags", [60], new MlCallOptions { CancellationToken = cts.Token }));
        Assert.Equal(MlLimitKind.Cancellation, cancelled.LimitKind);
    }

    [Fact]
    public void A_timeout_stops_a_big_copy_halfway()
    {
        // Building a big string takes a while: the deadline is checked between megabytes (the
        // call reaches the repeat long after its millisecond is over).
        var script = MlScript.Compile("function big() { let s = \"ab\".repeat(10000000); return (s + s).length; }", "copy.ml");
        var watch = Stopwatch.StartNew();
        var e = Scripts.Fails(() => script.Invoke("big", [], new MlCallOptions { Timeout = TimeSpan.FromMilliseconds(1), MaxMemoryBytes = 2048 * MB }));
        Assert.Equal(MlLimitKind.Time, e.LimitKind);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}");
        GC.Collect();
    }

    [Fact]
    public void Parsing_a_big_document_is_bounded_by_the_limit()
    {
        Assert.Equal(100_001L, Script.Invoke("parseSmall", [100_000], Limit(64)));
        Refused("parseSmall", 16, 400_000);
    }
}
