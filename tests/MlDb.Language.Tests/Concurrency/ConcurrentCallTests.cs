using System.Collections.Concurrent;
using System.Collections.Specialized;
using static MlDb.Language.Tests.V;

namespace MlDb.Language.Tests.Concurrency;

/// <summary>One compiled script called from many threads at once (spec §13, architecture: immutable code).</summary>
public sealed class ConcurrentCallTests
{
    private const int Threads = 8;

    private const string Source = """
        const TAGS = ["red", "green", "blue"];

        function work(seed) {
          let items = [];
          let i = 0;
          while (i < 20) {
            items.push({id: i, score: (seed * 31 + i * 17) % 97, tag: TAGS[i % 3]});
            i = i + 1;
          }
          let visited = 0;
          let visit = fn(n) => { visited = visited + n; return visited; };
          items.sort(function (a, b) {
            let d = b.score - a.score;
            return d != 0 ? d : a.id - b.id;
          });
          let byTag = {};
          for (it in items) {
            byTag[it.tag] = (byTag[it.tag] || 0) + it.score;
            visit(1);
          }
          let text = JSON.stringify({seed: seed, top: items.slice(0, 3).map(fn(x) => x.id), byTag: byTag, visited: visited});
          print("seed " + seed);
          return JSON.parse(text);
        }

        function spin() { while (true) { } }

        function depth(n) {
          if (n <= 1) { return 1; }
          return 1 + depth(n - 1);
        }

        function stamp() { return new Date().toISOString(); }
        """;

    /// <summary>The same computation in C#: what work(seed) must return.</summary>
    private static (long[] Top, (string Tag, long Sum)[] ByTag) Expected(long seed)
    {
        string[] tags = ["red", "green", "blue"];
        var items = Enumerable.Range(0, 20).Select(i => (Id: (long)i, Score: (seed * 31 + i * 17) % 97, Tag: tags[i % 3])).ToList();
        items.Sort((a, b) => a.Score != b.Score ? b.Score.CompareTo(a.Score) : a.Id.CompareTo(b.Id));
        var byTag = new List<(string Tag, long Sum)>();
        foreach (var it in items)
        {
            int k = byTag.FindIndex(t => t.Tag == it.Tag);
            if (k < 0) byTag.Add((it.Tag, it.Score));
            else byTag[k] = (it.Tag, byTag[k].Sum + it.Score);
        }
        return (items.Take(3).Select(x => x.Id).ToArray(), byTag.ToArray());
    }

    private static string? Check(long seed, MlValue result)
    {
        var (top, byTag) = Expected(seed);
        string expected = $$"""{"seed":{{seed}},"top":[{{string.Join(",", top)}}],"byTag":{{{string.Join(",", byTag.Select(t => $"\"{t.Tag}\":{t.Sum}"))}}},"visited":20}""";
        string actual = Json(result);
        return actual == expected ? null : $"seed {seed}: expected {expected}, got {actual}";
    }

    private static string? Check(long seed, object? host)
    {
        var (top, byTag) = Expected(seed);
        if (host is not OrderedDictionary d) return $"seed {seed}: not an OrderedDictionary";
        if (!HostKeys(d).SequenceEqual(["seed", "top", "byTag", "visited"])) return $"seed {seed}: keys {string.Join(",", HostKeys(d))}";
        if (!Equals(d["seed"], seed) || !Equals(d["visited"], 20L)) return $"seed {seed}: seed/visited {d["seed"]}/{d["visited"]}";
        if (!((object?[])d["top"]!).SequenceEqual(top.Cast<object?>())) return $"seed {seed}: top";
        var tags = (OrderedDictionary)d["byTag"]!;
        if (!HostKeys(tags).SequenceEqual(byTag.Select(t => t.Tag))) return $"seed {seed}: tag order";
        foreach (var (tag, sum) in byTag)
            if (!Equals(tags[tag], sum)) return $"seed {seed}: {tag} = {tags[tag]}, expected {sum}";
        return null;
    }

    private static void RunOnThreads(int count, Action<int> body)
    {
        using var barrier = new Barrier(count);
        var failures = new ConcurrentQueue<Exception>();
        var threads = Enumerable.Range(0, count).Select(t => new Thread(() =>
        {
            try
            {
                barrier.SignalAndWait();
                body(t);
            }
            catch (Exception e)
            {
                failures.Enqueue(e);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        foreach (var t in threads) Assert.True(t.Join(TimeSpan.FromMinutes(5)), "a worker thread did not finish");
        if (!failures.IsEmpty) throw new AggregateException(failures);
    }

    [Fact]
    public void Eight_threads_two_thousand_calls_each_all_correct()
    {
        var script = MlScript.Compile(Source, "work.ml");
        const int callsPerThread = 2_000;
        var mismatches = new ConcurrentQueue<string>();
        int done = 0;
        RunOnThreads(Threads, t =>
        {
            var sink = new OutputSink();
            var options = new MlCallOptions { Output = sink.Write };
            for (int k = 0; k < callsPerThread; k++)
            {
                long seed = t * 100_000L + k;
                string? problem = (k % 2 == 0)
                    ? Check(seed, script.Call("work", MlValue.FromInt(seed), options))
                    : Check(seed, script.Invoke("work", [seed], options));
                if (problem is not null) mismatches.Enqueue(problem);
                Interlocked.Increment(ref done);
            }
            // Each call printed into its own call's sink, nothing from other threads.
            var expected = Enumerable.Range(0, callsPerThread).Select(k => "seed " + (t * 100_000L + k));
            if (!sink.Texts.SequenceEqual(expected)) mismatches.Enqueue($"thread {t}: output mixed up ({sink.Lines.Count} lines)");
        });
        Assert.Equal(Threads * callsPerThread, done);
        Assert.True(mismatches.IsEmpty, string.Join("\n", mismatches.Take(5)));
        // Sanity: the checker itself rejects a wrong answer.
        Assert.NotNull(Check(1, script.Call("work", MlValue.FromInt(2))));
    }

    [Fact]
    public void Seed_scripts_run_concurrently()
    {
        var orders = Scripts.Seed("postgres_processors.ml");
        var users = Scripts.Seed("db_processors.ml");
        var mismatches = new ConcurrentQueue<string>();
        RunOnThreads(Threads, t =>
        {
            for (int k = 0; k < 300; k++)
            {
                int n = 1 + (t + k) % 7;
                var rows = new MlArray();
                for (int i = 0; i < n; i++) rows.Add(O(("id", i), ("status", i % 2 == 0 ? "paid" : "open"), ("total", i + 0.5)));
                var r = orders.Call("processOrders", O(("rows", rows)));
                double total = 0;
                for (int i = 0; i < n; i++) total += i + 0.5;
                if (r.Get("total_orders").AsInt != n || r.Get("total_revenue").AsDouble != total || r.Get("average_order").AsDouble != total / n)
                    mismatches.Enqueue($"orders n={n}: {Json(r)}");

                string name = k % 3 == 0 ? "X" : "Name" + k;
                try
                {
                    users.Invoke("validateUser", Row(("name", name), ("email", "u@x.io"), ("age", 20)));
                    if (name == "X") mismatches.Enqueue("validateUser accepted a one-letter name");
                }
                catch (MlScriptException e) when (name == "X")
                {
                    if (e.Message != "Validation failed: Name must be at least 2 characters") mismatches.Enqueue(e.Message);
                }
            }
        });
        Assert.True(mismatches.IsEmpty, string.Join("\n", mismatches.Take(5)));
    }

    [Fact]
    public void Per_call_limits_do_not_interfere()
    {
        var script = MlScript.Compile(Source, "limits.ml");
        var problems = new ConcurrentQueue<string>();
        using var cancelAll = new CancellationTokenSource();
        RunOnThreads(Threads, t =>
        {
            switch (t % 4)
            {
                case 0: // a step budget that runs out — only for this call
                    for (int k = 0; k < 20; k++)
                    {
                        var e = Assert.Throws<MlScriptException>(() => script.Invoke("spin", [], new MlCallOptions { MaxSteps = 20_000 }));
                        if (e.Message != "step limit exceeded") problems.Enqueue("steps: " + e.Message);
                    }
                    break;
                case 1: // a timeout, and a cancelled token of its own
                    {
                        var e = Assert.Throws<MlScriptException>(() => script.Invoke("spin", [], new MlCallOptions { Timeout = TimeSpan.FromMilliseconds(150) }));
                        if (!e.IsTimeout) problems.Enqueue("timeout: " + e.Message);
                        using var mine = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
                        var c = Assert.Throws<MlScriptException>(() => script.Invoke("spin", [], new MlCallOptions { CancellationToken = mine.Token }));
                        if (!c.IsCancellation) problems.Enqueue("cancel: " + c.Message);
                        break;
                    }
                case 2: // a small call depth next to deep recursion elsewhere
                    for (int k = 0; k < 50; k++)
                    {
                        if (!Equals(script.Invoke("depth", [100], new MlCallOptions { MaxCallDepth = 100 }), 100L)) problems.Enqueue("depth 100");
                        var e = Assert.Throws<MlScriptException>(() => script.Invoke("depth", [101], new MlCallOptions { MaxCallDepth = 100 }));
                        if (e.Message != "call depth limit exceeded") problems.Enqueue("depth: " + e.Message);
                    }
                    break;
                default: // unlimited work and deep recursion with its own clock, unaffected by the others
                    {
                        var clock = FixedClock.At($"2020-01-0{1 + t % 9}T00:00:00Z");
                        var options = new MlCallOptions { Clock = clock, MaxCallDepth = 50_000, CancellationToken = cancelAll.Token };
                        for (int k = 0; k < 200; k++)
                        {
                            var p = Check(t * 1_000L + k, script.Invoke("work", [t * 1_000L + k], options));
                            if (p is not null) problems.Enqueue(p);
                            if (!Equals(script.Invoke("stamp", [], options), $"2020-01-0{1 + t % 9}T00:00:00.000Z")) problems.Enqueue("clock");
                        }
                        if (!Equals(script.Invoke("depth", [20_000], options), 20_000L)) problems.Enqueue("deep recursion");
                        break;
                    }
            }
        });
        Assert.True(problems.IsEmpty, string.Join("\n", problems.Take(5)));
    }

    [Fact]
    public void A_call_made_from_the_output_callback_runs_separately()
    {
        var script = MlScript.Compile("function outer() { print(\"x\"); return 1 + inner(); }\nfunction inner() { return 10; }\nfunction other(n) { return n * 2; }\n", "reentry.ml");
        var seen = new List<object?>();
        var options = new MlCallOptions { Output = (_, _) => seen.Add(script.Invoke("other", 21)) };
        Assert.Equal(11L, script.Invoke("outer", [], options));
        Assert.Equal([42L], seen);
    }
}
