using System.Collections;
using System.Globalization;
using System.Text;
using Jint;
using Jint.Native;
using MlDb.Language;

namespace MlDb.Bench.Suites;

/// <summary>A row of the sort suite: distinct scores and distinct names, so stable and unstable sorts agree.</summary>
internal sealed record SortRow(long Id, double Score, string Name);

/// <summary>
/// The sort suite (<c>--suite sort</c>): the sorts of <c>Scripts/sorts.ml</c> in MlDb, the same
/// JavaScript in Jint, and .NET's keyed sort (<c>Array.Sort(keys, rows)</c>, keys read into an
/// array first, inside the timed run) of the same rows, each run on a fresh shallow copy of the
/// input. Results are checked equal (the ids in result order).
/// </summary>
internal static class SortSuite
{
    private const string MlDb = "MlDb";
    private const string DotNet = ".NET keyed sort";
    private const string Jint = "Jint";

    private enum NetSort { ScoresDescendingTop100, ScoresDescending, Names }

    private sealed record SortCase(string Id, string Title, string Function, bool HasJavaScript, NetSort Net);

    private static readonly SortCase[] All =
    [
        new("S1", "rows.sort((a, b) => b.score - a.score).slice(0, 100)", "topScores", true, NetSort.ScoresDescendingTop100),
        new("S2", "rows.sort((a, b) => b.score - a.score), whole array", "sortScores", true, NetSort.ScoresDescending),
        new("S3", "rows.sort(a.name < b.name ? -1 : a.name > b.name ? 1 : 0), whole array", "sortNames", true, NetSort.Names),
        new("S4", "S2 through the general path (comparator called per comparison)", "sortScoresGeneral", true, NetSort.ScoresDescending),
        new("S5", "collections.sortBy(rows, r => r.score, true).slice(0, 100)", "topScoresBy", false, NetSort.ScoresDescendingTop100),
    ];

    public sealed record Result(string Id, string Title, int Rows, Stats[] Stats, string Check);

    public static List<Result> Run(Options options)
    {
        var results = new List<Result>();
        var script = MlScript.Compile(Paths.ReadScript("sorts.ml"), "sorts.ml");
        bool jint = options.Engines.Contains(Workloads.Workload.Jint);
        foreach (int n in options.Rows)
        {
            bool big = n >= 500_000;
            int warmups = big ? options.BigWarmups : options.Warmups;
            int runs = big ? options.BigRuns : options.Runs;
            var rows = Rows(n);
            var mlRows = ToMl(rows);
            Engine? engine = null;
            JsValue[] jsRows = [];
            if (jint)
            {
                engine = new Engine();
                engine.Execute(Paths.ReadScript("sorts.js"), "sorts.js");
                jsRows = ToJint(engine, rows);
            }
            foreach (var sort in All.Where(s => options.Workloads.Contains(s.Id)))
            {
                Console.Error.Write($"{sort.Id} at {n:N0} rows ({warmups} warm-up + {runs} measured rounds)…");
                var summaries = new Dictionary<string, string>();
                MlValue mlRun = default;
                SortRow[] netRun = [];
                JsValue jsRun = JsValue.Undefined;
                var cases = new List<Case>
                {
                    new(MlDb, () => script.Call(sort.Function, mlRun),
                        Prepare: () => mlRun = MlValue.FromArray(MlArray.FromValues(mlRows.AsSpan())),
                        Accept: (r, round) => { if (round == 0) summaries[MlDb] = Summary(IdsOf((MlValue)r!)); }),
                    new(DotNet, () => NetSortRun(sort.Net, netRun),
                        Prepare: () => netRun = (SortRow[])rows.Clone(),
                        Accept: (r, round) => { if (round == 0) summaries[DotNet] = Summary(((SortRow[])r!).Select(x => x.Id)); }),
                };
                if (engine is not null && sort.HasJavaScript)
                {
                    var function = engine.GetValue(sort.Function);
                    cases.Add(new(Jint, () => engine.Call(function, jsRun),
                        Prepare: () => jsRun = new JsArray(engine, (JsValue[])jsRows.Clone()),
                        Accept: (r, round) => { if (round == 0) summaries[Jint] = Summary(IdsOf((JsValue)r!)); }));
                }
                var stats = Harness.Measure(cases.Where(c => options.Engines.Any(e => Engine(c.Name) == e)).ToList(), warmups, runs);
                string check = Verify(sort.Id, summaries);
                Console.Error.WriteLine($" {check}");
                results.Add(new Result(sort.Id, sort.Title, n, stats, check));
            }
        }
        return results;
    }

    private static string Engine(string caseName) => caseName switch
    {
        MlDb => Workloads.Workload.MlDb,
        Jint => Workloads.Workload.Jint,
        _ => Workloads.Workload.CSharp,
    };

    private static SortRow[] Rows(int n)
    {
        var scores = Data.Scores(n);
        var rng = new Random(Data.Seed + 4);
        var rows = new SortRow[n];
        var name = new char[6];
        for (int i = 0; i < n; i++)
        {
            for (int c = 0; c < name.Length; c++) name[c] = (char)('a' + rng.Next(26));
            rows[i] = new SortRow(scores[i].Id, scores[i].Score, new string(name) + "-" + scores[i].Id.ToString(CultureInfo.InvariantCulture));
        }
        return rows;
    }

    private static MlArray ToMl(SortRow[] rows)
    {
        var layout = MlObjectLayout.For(["id", "score", "name"]);
        var result = new MlArray(rows.Length);
        var values = new MlValue[3];
        foreach (var r in rows)
        {
            values[0] = MlValue.FromInt(r.Id);
            values[1] = MlValue.FromDouble(r.Score);
            values[2] = r.Name;
            result.Add(layout.Create(values));
        }
        return result;
    }

    private static JsValue[] ToJint(Engine engine, SortRow[] rows)
    {
        var result = new JsValue[rows.Length];
        for (int i = 0; i < rows.Length; i++)
        {
            var o = new JsObject(engine);
            o.FastSetDataProperty("id", JsNumber.Create(rows[i].Id));
            o.FastSetDataProperty("score", JsNumber.Create(rows[i].Score));
            o.FastSetDataProperty("name", new JsString(rows[i].Name));
            result[i] = o;
        }
        return result;
    }

    /// <summary>.NET's keyed sort: the keys read into an array, then <c>Array.Sort(keys, rows)</c> (introsort, unstable).</summary>
    private static SortRow[] NetSortRun(NetSort sort, SortRow[] rows)
    {
        if (sort == NetSort.Names)
        {
            var names = new string[rows.Length];
            for (int i = 0; i < rows.Length; i++) names[i] = rows[i].Name;
            Array.Sort(names, rows, StringComparer.Ordinal);
            return rows;
        }
        var keys = new double[rows.Length];
        for (int i = 0; i < rows.Length; i++) keys[i] = -rows[i].Score;
        Array.Sort(keys, rows);
        return sort == NetSort.ScoresDescendingTop100 ? rows[..Math.Min(100, rows.Length)] : rows;
    }

    private static IEnumerable<long> IdsOf(MlValue result)
    {
        foreach (var row in result.AsArray.AsSpan().ToArray()) yield return row.AsObject.Get("id").AsInt;
    }

    private static IEnumerable<long> IdsOf(JsValue result)
    {
        foreach (var row in (IEnumerable)result.ToObject()!)
            yield return (long)Convert.ToDouble(((IDictionary<string, object?>)row!)["id"], CultureInfo.InvariantCulture);
    }

    /// <summary>The ids in order: all of them when few, else the count, the first five and a hash of the sequence.</summary>
    private static string Summary(IEnumerable<long> ids)
    {
        var list = ids.ToList();
        if (list.Count <= 100) return string.Join(",", list);
        ulong hash = 14695981039346656037UL;
        foreach (long id in list) hash = (hash ^ (ulong)id) * 1099511628211UL;
        return $"{list.Count} ids, first {string.Join(",", list.Take(5))}, hash {hash:x16}";
    }

    private static string Verify(string id, Dictionary<string, string> summaries)
    {
        if (summaries.Count < 2) return "result not cross-checked (one engine)";
        var (referenceName, reference) = summaries.First();
        foreach (var (name, text) in summaries)
            if (text != reference) throw new InvalidOperationException($"{id}: {name} disagrees with {referenceName}.\n  {referenceName}: {Shorten(reference)}\n  {name}: {Shorten(text)}");
        return $"{string.Join(", ", summaries.Keys)} agree: {Shorten(reference)}";
    }

    private static string Shorten(string text) => text.Length <= 160 ? text : text[..160] + "…";

    public static string Report(IReadOnlyList<Result> results)
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine("Sorts, wall-clock medians; CPU = the calling thread's CPU time (GC included); ratio MlDb ÷ .NET keyed sort (target ≤ 2) and MlDb ÷ Jint.");
        sb.AppendLine();
        sb.AppendLine("| sort | rows | MlDb ms | .NET keyed ms | Jint ms | MlDb÷.NET | MlDb÷.NET CPU | MlDb÷Jint | MlDb B/row |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            var ml = r.Stats.FirstOrDefault(s => s.Name == MlDb);
            var net = r.Stats.FirstOrDefault(s => s.Name == DotNet);
            var js = r.Stats.FirstOrDefault(s => s.Name == Jint);
            sb.AppendLine($"| {r.Id} {r.Title} | {r.Rows.ToString("N0", c)} | {Ms(ml)} | {Ms(net)} | {Ms(js)} | {Ratio(ml?.MedianMs, net?.MedianMs)} | {Ratio(ml?.CpuMedianMs, net?.CpuMedianMs)} | {Ratio(ml?.MedianMs, js?.MedianMs)} | {(ml is null ? "–" : ml.BytesPer(r.Rows).ToString("F0", c))} |");
        }
        sb.AppendLine();
        sb.AppendLine("<details><summary>Every measurement</summary>");
        sb.AppendLine();
        sb.AppendLine("| sort | rows | measurement | median ms | min ms | max ms | CPU median ms | GC pause ms | GCs | B/row | runs |");
        sb.AppendLine("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
            foreach (var s in r.Stats)
                sb.AppendLine($"| {r.Id} | {r.Rows.ToString("N0", c)} | {s.Name} | {Ms(s.MedianMs)} | {Ms(s.MinMs)} | {Ms(s.MaxMs)} | {Ms(s.CpuMedianMs)} | {Ms(s.GcPauseMedianMs)} | {s.GcCount} | {s.BytesPer(r.Rows).ToString("F0", c)} | {s.Runs} |");
        sb.AppendLine();
        sb.AppendLine("</details>");
        return sb.ToString();
    }

    private static string Ms(Stats? s) => s is null ? "–" : Ms(s.MedianMs);

    internal static string Ms(double ms) => ms.ToString(ms < 10 ? "F2" : ms < 100 ? "F1" : "F0", CultureInfo.InvariantCulture);

    internal static string Ratio(double? a, double? b) => a is { } x && b is { } y && y > 0 ? (x / y).ToString("F2", CultureInfo.InvariantCulture) : "–";
}
