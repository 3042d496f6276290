using MlDb.Language.Builtins;
using MlDb.Language.Runtime;

namespace MlDb.Language.Tests.Builtins;

/// <summary>
/// The key-sort fast path (KeySort) against the general path that calls the comparator, on
/// random arrays: the same elements in the same order, or the same error. The general path is
/// the same comparator written so that it is not recognised (its body declares a variable).
/// </summary>
public sealed class KeySortTests
{
    // ---- random data ---------------------------------------------------------------------------

    /// <summary>How the key of one generated element is made; null result = the element has no key.</summary>
    private sealed record Scenario(string Name, Func<Random, MlValue?> Key, bool Clean, bool SubtractClean, bool Strings = false);

    private static readonly DateTime Epoch = new(2024, 3, 1, 0, 0, 0, DateTimeKind.Utc);

    private static MlValue Pick(Random r, params MlValue[] choices) => choices[r.Next(choices.Length)];

    private static readonly Scenario[] Scenarios =
    [
        new("small ints with ties", r => MlValue.FromInt(r.Next(-3, 6)), Clean: true, SubtractClean: true),
        new("doubles with ties, -0.0 and infinities", r => r.Next(12) switch
        {
            0 => MlValue.FromDouble(-0.0),
            1 => MlValue.FromDouble(double.PositiveInfinity),
            2 => MlValue.FromDouble(double.NegativeInfinity),
            _ => MlValue.FromDouble(Math.Round(r.NextDouble() * 8 - 4) / 2),
        }, Clean: true, SubtractClean: true),
        new("ints and doubles of equal value", r => r.Next(2) == 0 ? MlValue.FromInt(r.Next(4)) : MlValue.FromDouble(r.Next(4) + (r.Next(3) == 0 ? 0.5 : 0.0)), Clean: true, SubtractClean: true),
        new("ints near the int64 limits", r => Pick(r, MlValue.FromInt(long.MaxValue), MlValue.FromInt(long.MinValue), MlValue.FromInt(1), MlValue.FromInt(-1), MlValue.FromInt(long.MaxValue - 1)), Clean: true, SubtractClean: false),
        new("ints beyond 2^53 with doubles", r => r.Next(2) == 0 ? MlValue.FromInt((1L << 53) + r.Next(3)) : MlValue.FromDouble(9007199254740992.0), Clean: false, SubtractClean: false),
        new("doubles with NaN", r => r.Next(4) == 0 ? MlValue.FromDouble(double.NaN) : MlValue.FromDouble(r.Next(5)), Clean: false, SubtractClean: false),
        new("decimals with scales, and ints", r => r.Next(3) switch
        {
            0 => MlValue.FromInt(r.Next(3)),
            1 => MlValue.FromDecimal(r.Next(3) + 0.50m),
            _ => MlValue.FromDecimal(decimal.Parse(r.Next(3) + ".0" + new string('0', r.Next(3)), System.Globalization.CultureInfo.InvariantCulture)),
        }, Clean: true, SubtractClean: true),
        new("decimals at the limits", r => Pick(r, MlValue.FromDecimal(decimal.MaxValue), MlValue.FromDecimal(decimal.MinValue), MlValue.FromDecimal(0.1m)), Clean: true, SubtractClean: false),
        new("decimals and doubles", r => r.Next(2) == 0 ? MlValue.FromDecimal(r.Next(3) + 0.1m) : MlValue.FromDouble(r.Next(3) + 0.1), Clean: false, SubtractClean: false),
        new("strings with ties", r => MlValue.FromString(Pick(r, "pear", "Apple", "apple", "é", "Z", "", "apple").AsString), Clean: true, SubtractClean: false, Strings: true),
        new("dates whole milliseconds apart", r => MlValue.FromDate(Epoch.AddMilliseconds(r.Next(5) * 250)), Clean: true, SubtractClean: true),
        new("dates less than a millisecond apart", r => MlValue.FromDateTicks(Epoch.Ticks + r.Next(4) * 4000), Clean: true, SubtractClean: false),
        new("some nulls", r => r.Next(5) == 0 ? MlValue.Null : MlValue.FromInt(r.Next(5)), Clean: false, SubtractClean: false),
        new("some keys missing", r => r.Next(5) == 0 ? null : (MlValue?)MlValue.FromInt(r.Next(5)), Clean: false, SubtractClean: false),
        new("ints and strings", r => r.Next(2) == 0 ? MlValue.FromInt(1) : MlValue.FromString("1"), Clean: false, SubtractClean: false),
        new("booleans", r => MlValue.FromBool(r.Next(2) == 0), Clean: false, SubtractClean: false),
    ];

    private static MlValue[] Rows(Random r, Scenario scenario, int count)
    {
        var rows = new MlValue[count];
        for (int i = 0; i < count; i++)
        {
            var row = new MlObject();
            row.Set("id", MlValue.FromInt(i));
            if (scenario.Key(r) is { } key) row.Set("k", key);
            rows[i] = row;
        }
        return rows;
    }

    // ---- comparators ---------------------------------------------------------------------------

    /// <summary>Comparator bodies over a and b; <c>K</c> stands for the key.</summary>
    private sealed record Form(string Expression, bool Recognised, bool Subtracts);

    private static readonly Form[] Forms =
    [
        new("a.K - b.K", Recognised: true, Subtracts: true),
        new("b.K - a.K", Recognised: true, Subtracts: true),
        new("a.K < b.K ? -1 : a.K > b.K ? 1 : 0", Recognised: true, Subtracts: false),
        new("a.K > b.K ? -1 : a.K < b.K ? 1 : 0", Recognised: true, Subtracts: false),
        new("a.K == b.K ? 0 : a.K < b.K ? -1 : 1", Recognised: true, Subtracts: false),
        new("b.K <= a.K ? (b.K == a.K ? 0 : 1) : -1", Recognised: true, Subtracts: false),
        new("!(a.K >= b.K) ? -2.5 : a.K != b.K ? 7 : 0", Recognised: true, Subtracts: false),
        new("a[\"K\"] - b[\"K\"]", Recognised: true, Subtracts: true),
        new("a.K == b.K ? 0 : b.K - a.K", Recognised: true, Subtracts: true),
        new("a.K < b.K ? -1 : 1", Recognised: false, Subtracts: false),
        new("a.K < b.K ? 1 : a.K > b.K ? 1 : 0", Recognised: false, Subtracts: false),
    ];

    /// <summary>fast: the recognised form; slow: the same expression in a body the recogniser leaves alone.</summary>
    private static MlScript Compile(string expression, string key = "k")
    {
        string e = expression.Replace("K", key, StringComparison.Ordinal);
        string source = $$"""
            import collections;
            function fast(rows) { return rows.sort(fn(a, b) => {{e}}); }
            function slow(rows) { return rows.sort(function(a, b) { let r = {{e}}; return r; }); }
            function fastTop(rows, start, end) { return rows.sort(fn(a, b) => {{e}}).slice(start, end); }
            function fastTopSyntax(rows, start, end) { return rows.sort(fn(a, b) => {{e}})[start:end]; }
            function comparator() { return function(a, b) { return {{e}}; }; }
            function fastBy(rows, reverse) { return collections.sortBy(rows, fn(x) => x.{{key}}, reverse); }
            function fastByTop(rows, reverse, end) { return collections.sortBy(rows, fn(x) => x.{{key}}, reverse).slice(0, end); }
            function slowBy(rows, reverse) { return collections.sortBy(rows, function(x) { let v = x.{{key}}; return v; }, reverse); }
            function keyFunction() { return fn(x) => x.{{key}}; }
            """;
        return MlScript.Compile(source, "keysort.ml");
    }

    /// <summary>A call's result as element identities (same objects in the same order), or its error.</summary>
    private static string Outcome(Func<MlValue> call)
    {
        try
        {
            var result = call();
            return string.Join(",", result.AsArray.ToArray().Select(Identity));
        }
        catch (MlScriptException e)
        {
            return $"{e.ErrorType}: {e.Message}";
        }
    }

    private static string Identity(MlValue v) => v.IsObject ? "#" + v.AsObject.Get("id").AsInt : MlFormat.Str(v);

    private static MlValue Fresh(MlValue[] rows) => MlValue.FromArray(MlArray.FromValues(rows));

    private static bool FastPathTakes(MlScript script, MlValue[] rows)
    {
        var comparator = script.Call("comparator", MlValue.Null).AsFunction;
        return Lib.With(ctx => KeySort.TrySort(ctx, MlArray.FromValues(rows), comparator));
    }

    // ---- equivalence ---------------------------------------------------------------------------

    [Fact]
    public void Recogniser_accepts_one_key_orders_only()
    {
        foreach (var form in Forms)
        {
            var comparator = (Closure)Compile(form.Expression).Call("comparator", MlValue.Null).AsFunction;
            Assert.True(form.Recognised == comparator.Proto.KeyComparator is not null, form.Expression);
            if (comparator.Proto.KeyComparator is { } pattern)
            {
                Assert.Equal("k", pattern.Key);
                Assert.Equal(form.Subtracts, pattern.Subtracts);
            }
        }
        foreach (var other in new[] { "a.k - a.k", "a.k - b.j", "a.k + b.k", "a.k - b.k - 1", "a.k < b.k", "x.k - b.k", "a.k < b.k ? -1 : a.j > b.j ? 1 : 0", "a.k < b.k ? -1 : a.k > b.k ? 1 : a.k" })
        {
            var script = MlScript.Compile($"let x = null; function comparator() {{ return fn(a, b) => {other}; }}", "other.ml");
            Assert.Null(((Closure)script.Call("comparator", MlValue.Null).AsFunction).Proto.KeyComparator);
        }
        var statements = MlScript.Compile("function comparator() { return function(a, b) { let d = a.k - b.k; return d; }; }", "s.ml");
        Assert.Null(((Closure)statements.Call("comparator", MlValue.Null).AsFunction).Proto.KeyComparator);
    }

    [Fact]
    public void Comparator_sorts_match_the_general_path_on_random_arrays()
    {
        var r = new Random(20261128);
        int fastRuns = 0;
        foreach (var form in Forms)
        {
            var script = Compile(form.Expression);
            foreach (var scenario in Scenarios)
            {
                for (int round = 0; round < 25; round++)
                {
                    var rows = Rows(r, scenario, r.Next(0, 70));
                    string expected = Outcome(() => script.Call("slow", Fresh(rows)));
                    string actual = Outcome(() => script.Call("fast", Fresh(rows)));
                    Assert.True(expected == actual, $"{form.Expression} over {scenario.Name}:\n  general: {expected}\n  fast:    {actual}");

                    bool eligible = form.Recognised && scenario.Clean && (!form.Subtracts || scenario.SubtractClean) && rows.Length >= 2;
                    if (eligible)
                    {
                        Assert.True(FastPathTakes(script, rows), $"{form.Expression} over {scenario.Name} should take the fast path");
                        fastRuns++;
                    }
                }
            }
        }
        Assert.True(fastRuns > 1000, $"only {fastRuns} runs took the fast path");
    }

    [Fact]
    public void Length_keys_of_strings_and_arrays()
    {
        var script = Compile("a.K - b.K", key: "length");
        var r = new Random(5);
        for (int round = 0; round < 50; round++)
        {
            var items = new MlValue[r.Next(2, 40)];
            for (int i = 0; i < items.Length; i++)
            {
                items[i] = r.Next(3) switch
                {
                    0 => MlValue.FromString(new string('x', r.Next(5))),
                    1 => MlValue.FromArray(MlArray.FromValues(new MlValue[r.Next(5)])),
                    _ => Row(i, r.Next(5), key: "length"),
                };
            }
            Assert.Equal(Outcome(() => script.Call("slow", Fresh(items))), Outcome(() => script.Call("fast", Fresh(items))));
            Assert.True(FastPathTakes(script, items));
        }
    }

    [Fact]
    public void SortBy_with_a_key_function_matches_calling_it()
    {
        var r = new Random(99);
        var script = Compile("a.K - b.K");
        int fastRuns = 0;
        foreach (var scenario in Scenarios)
        {
            for (int round = 0; round < 25; round++)
            {
                var rows = Rows(r, scenario, r.Next(0, 70));
                foreach (var reverse in new[] { MlValue.False, MlValue.True })
                {
                    string expected = Outcome(() => script.Call("slowBy", [Fresh(rows), reverse]));
                    string actual = Outcome(() => script.Call("fastBy", [Fresh(rows), reverse]));
                    Assert.True(expected == actual, $"sortBy over {scenario.Name} (reverse {reverse.IsTruthy}):\n  general: {expected}\n  fast:    {actual}");
                }
                if (scenario.Clean && rows.Length >= 2)
                {
                    var key = script.Call("keyFunction", MlValue.Null).AsFunction;
                    Assert.NotNull(Lib.With(ctx => KeySort.TrySortBy(ctx, (MlValue[])rows.Clone(), key, descending: false)));
                    fastRuns++;
                }
            }
        }
        Assert.True(fastRuns > 200);
        // NaN is fine for sortBy (the default order puts it last), unlike for a comparator.
        var nan = new MlValue[] { Row(0, double.NaN), Row(1, 2.0), Row(2, double.NaN), Row(3, -1) };
        Assert.Equal("#3,#1,#0,#2", Outcome(() => script.Call("fastBy", [Fresh(nan), MlValue.False])));
        Assert.Equal("#0,#2,#1,#3", Outcome(() => script.Call("fastBy", [Fresh(nan), MlValue.True])));
    }

    private static MlValue Row(long id, MlValue value, string key = "k")
    {
        var o = new MlObject();
        o.Set("id", id);
        o.Set(key, value);
        return o;
    }

    // ---- a slice after the sort -----------------------------------------------------------------

    [Fact]
    public void Slice_after_sort_takes_a_prefix_and_the_array_is_sorted_when_next_read()
    {
        var r = new Random(4242);
        foreach (var form in Forms.Where(f => f.Recognised))
        {
            var script = Compile(form.Expression);
            foreach (var scenario in Scenarios.Where(s => s.Clean && (!form.Subtracts || s.SubtractClean)))
            {
                var rows = Rows(r, scenario, 3000);
                var general = Fresh(rows);
                string full = Outcome(() => script.Call("slow", general));
                var fullIds = full.Split(',');
                foreach (var (start, end) in new[] { (0, 1), (0, 100), (3, 57), (0, 187), (0, 1500), (10, 10) })
                {
                    var array = Fresh(rows);
                    string expected = string.Join(",", fullIds[start..end]);
                    Assert.Equal(expected, Outcome(() => script.Call("fastTop", [array, MlValue.FromInt(start), MlValue.FromInt(end)])));
                    // The receiver was sorted in place: whatever reads it next sees the full order.
                    Assert.Equal(full, string.Join(",", array.AsArray.ToArray().Select(Identity)));

                    var viaSyntax = Fresh(rows);
                    Assert.Equal(expected, Outcome(() => script.Call("fastTopSyntax", [viaSyntax, MlValue.FromInt(start), MlValue.FromInt(end)])));
                    Assert.Equal(Identity(general.AsArray[2999]), Identity(viaSyntax.AsArray[2999]));
                }
            }
        }
    }

    [Fact]
    public void A_deferred_order_is_applied_before_the_array_changes_or_is_read_by_ML()
    {
        const string source = """
            function reads(rows) {
                let top = rows.sort(fn(a, b) => b.k - a.k).slice(0, 3);
                return [top[0].k, rows[0].k, rows[rows.length - 1].k, rows.length];
            }
            function pushes(rows) {
                let top = rows.sort(fn(a, b) => a.k - b.k).slice(0, 2);
                rows.push({"k": -1});
                return [top[1].k, rows[0].k, rows[1].k, rows[rows.length - 1].k];
            }
            function sortsAgain(rows) {
                let top = rows.sort(fn(a, b) => a.k - b.k).slice(0, 2);
                let again = rows.sort(fn(a, b) => b.k - a.k).slice(0, 2);
                return [top[0].k, again[0].k, rows[0].k, rows[rows.length - 1].k];
            }
            function json(rows) {
                let top = rows.sort(fn(a, b) => a.k - b.k).slice(0, 1);
                return JSON.stringify(rows[0]) + JSON.stringify(top);
            }
            """;
        var script = MlScript.Compile(source, "deferred.ml");
        MlValue Input() => MlValue.FromArray(MlArray.FromValues(Enumerable.Range(0, 5000).Select(i => Row(i, (i * 7919) % 5000)).ToArray()));
        Assert.Equal("[4999,4999,0,5000]", MlFormat.Str(script.Call("reads", Input())));
        Assert.Equal("[1,0,1,-1]", MlFormat.Str(script.Call("pushes", Input())));
        Assert.Equal("[0,4999,4999,0]", MlFormat.Str(script.Call("sortsAgain", Input())));
        Assert.Equal("{\"id\":0,\"k\":0}[{\"id\":0,\"k\":0}]", script.Call("json", Input()).AsString);
        // The host sees the sorted array too.
        var input = Input();
        script.Call("pushes", input);
        var host = (object?[])MlHostConverter.Default.ToHost(input)!;
        Assert.Equal(5001, host.Length);
        Assert.Equal(0L, ((System.Collections.IDictionary)host[0]!)["k"]);
    }

    [Fact]
    public void Sorted_by_key_then_sliced()
    {
        var r = new Random(77);
        var script = Compile("a.K - b.K");
        var rows = Rows(r, Scenarios[1], 4000);
        foreach (var reverse in new[] { MlValue.False, MlValue.True })
        {
            var full = Outcome(() => script.Call("slowBy", [Fresh(rows), reverse])).Split(',');
            Assert.Equal(string.Join(",", full[..120]), Outcome(() => script.Call("fastByTop", [Fresh(rows), reverse, MlValue.FromInt(120)])));
        }
    }

    [Fact]
    public void The_fast_path_leaves_limits_and_errors_to_the_general_path()
    {
        // At the call-depth limit the comparator call fails in the general path: the fast path must not hide it.
        var script = MlScript.Compile("function top(rows) { return rows.sort(fn(a, b) => a.k - b.k); }", "depth.ml");
        var rows = MlValue.FromArray(MlArray.FromValues([Row(0, 2), Row(1, 1)]));
        var e = Assert.Throws<MlScriptException>(() => script.Call("top", rows, MlCallOptions.Default with { MaxCallDepth = 1 }));
        Assert.True(e.IsLimitError);
        // A key that cannot be subtracted: the comparator's own TypeError, with its position.
        var bad = MlValue.FromArray(MlArray.FromValues([Row(0, 2), Row(1, MlValue.FromString("x"))]));
        var type = Assert.Throws<MlScriptException>(() => script.Call("top", bad));
        Assert.Equal("TypeError", type.ErrorType);
        Assert.Equal(1, type.Line);
        // Cancellation still stops a large sort.
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var big = MlValue.FromArray(MlArray.FromValues(Enumerable.Range(0, 200_000).Select(i => Row(i, i % 1000)).ToArray()));
        var cancelled = Assert.Throws<MlScriptException>(() => script.Call("top", big, MlCallOptions.Default with { CancellationToken = cts.Token }));
        Assert.True(cancelled.IsCancellation);
    }
}
