using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Text;
using MlDb.Bench;
using MlDb.Bench.Suites;
using MlDb.Bench.Workloads;

// MlDb benchmark: the seed workloads in MlDb, Jint and plain C#, side by side in one run.
// Usage: dotnet run -c Release --project bench/MlDb.Bench [-- options]
//   --rows 100000,1000000     row counts (default both)
//   --workloads W1,W2,W3,W4   which workloads (default all)
//   --warmups 3 --runs 7      rounds below 500 000 rows
//   --big-warmups 1 --big-runs 3   rounds from 500 000 rows on
//   --engines mldb,jint,csharp  which engines (default all; a subset is for profiling one engine:
//                             the generic ToMl conversion and the cross-check then need all three)
//   --generic-input           also run MlDb over the rows made by MlHostConverter.ToMl
//   --limits                  also run MlDb under every limit and Jint under its constraints
//   --out FILE                also write the Markdown report to FILE
//   --suite workloads|sort|conversion   the seed workloads W1-W4 (default); the sorts S1-S5
//                             (MlDb, .NET keyed sort, Jint); host -> ML conversion (layout path,
//                             dictionaries, PSCustomObjects, hashtables, BSON documents, DataRows)
//   --pshome DIR              PowerShell's folder, for the PSCustomObject conversions (default: the
//                             repository's pinned pwsh, asked for its $PSHOME)

var options = Options.Parse(args);
var culture = CultureInfo.InvariantCulture;
var started = Stopwatch.StartNew();
string loadAtStart = Report.LoadAverage();
var results = new List<Result>();

if (options.Suite != "workloads")
{
    string suiteReport;
    if (options.Suite == "sort")
    {
        suiteReport = SortSuite.Report(SortSuite.Run(options));
    }
    else
    {
        ConversionSuite.PowerShellHome = PowerShellHost.Find(options.PowerShellHome);
        suiteReport = ConversionSuite.Report(ConversionSuite.Run(options));
    }
    string header = Report.Header(started.Elapsed, options, loadAtStart, Report.LoadAverage());
    string text = header + suiteReport;
    Console.WriteLine(text);
    if (options.Out is not null) File.WriteAllText(options.Out, text);
    return 0;
}

Console.Error.WriteLine($"Seed scripts: {Paths.SeedMl}");
foreach (int rows in options.Rows)
{
    bool big = rows >= 500_000;
    int warmups = big ? options.BigWarmups : options.Warmups;
    int runs = big ? options.BigRuns : options.Runs;
    foreach (var id in options.Workloads)
    {
        var sw = Stopwatch.StartNew();
        Harness.GcTime = Harness.AcceptTime = TimeSpan.Zero;
        Console.Error.Write($"{id} at {rows:N0} rows ({warmups} warm-up + {runs} measured rounds): generating…");
        Workload workload = id switch
        {
            "W1" => new W1ProcessOrders(rows) { RunOnGenericInput = options.GenericInput, WithLimits = options.Limits },
            "W2" => new W2EnrichUsers(rows) { RunOnGenericInput = options.GenericInput, WithLimits = options.Limits },
            "W3" => new W3AnalyzeProducts(rows) { RunOnGenericInput = options.GenericInput, WithLimits = options.Limits },
            "W4" => new W4TopScores(rows) { RunOnGenericInput = options.GenericInput, WithLimits = options.Limits },
            _ => throw new ArgumentException($"Unknown workload {id} (W1..W4)."),
        };
        if (options.Engines.Contains(Workload.Jint)) workload.StartJint();
        Console.Error.Write($" {sw.Elapsed.TotalSeconds:F1}s converting…");
        var conversions = Harness.Measure(options.Select(workload.Conversions()), warmups, runs);
        workload.DropHostInput();
        Console.Error.Write($" {sw.Elapsed.TotalSeconds:F1}s running…");
        var executions = Harness.Measure(options.Select(workload.Executions()), warmups, runs);
        Console.Error.Write($" {sw.Elapsed.TotalSeconds:F1}s (prepare+GC {Harness.GcTime.TotalSeconds:F1}s, result checks {Harness.AcceptTime.TotalSeconds:F1}s)");
        string check = workload.Verify();
        Console.Error.WriteLine($" done in {sw.Elapsed.TotalSeconds:F1} s; {check}");
        results.Add(new Result(workload.Id, workload.Title, rows, conversions, executions));
        workload = null!;
        GC.Collect();
    }
}

var report = Report.Build(results, started.Elapsed, options, loadAtStart, Report.LoadAverage());
Console.WriteLine(report);
if (options.Out is not null)
{
    File.WriteAllText(options.Out, report);
    Console.Error.WriteLine($"Report written to {options.Out}");
}
return 0;

internal sealed record Result(string Id, string Title, int Rows, Stats[] Conversions, Stats[] Executions)
{
    public Stats? Get(string name) => Conversions.Concat(Executions).FirstOrDefault(s => s.Name == name);
}

internal sealed record Options(int[] Rows, string[] Workloads, int Warmups, int Runs, int BigWarmups, int BigRuns, string? Out, string[] Engines, bool GenericInput, string Suite, string? PowerShellHome, bool Limits)
{
    public bool AllEngines => Engines.Length == 3;

    /// <summary>The cases of the selected engines; with a subset, the generic conversion only when an execution reads it.</summary>
    public IReadOnlyList<Case> Select(IReadOnlyList<Case> cases) =>
        cases.Where(c => Engines.Any(e => c.Name == e || c.Name.StartsWith(e + " ", StringComparison.Ordinal))
                         && (AllEngines || GenericInput || !c.Generic)).ToArray();

    public static Options Parse(string[] args)
    {
        int[] rows = [100_000, 1_000_000];
        string[]? workloads = null;
        string suite = "workloads";
        string? psHome = null;
        int warmups = 3, runs = 7, bigWarmups = 1, bigRuns = 3;
        string? output = null;
        bool genericInput = false, limits = false;
        string[] engines = [Workload.MlDb, Workload.Jint, Workload.CSharp];
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--rows": rows = Next().Split(',').Select(s => int.Parse(s.Replace("_", ""), CultureInfo.InvariantCulture)).ToArray(); break;
                case "--workloads": workloads = Next().Split(',').Select(s => s.Trim().ToUpperInvariant()).ToArray(); break;
                case "--warmups": warmups = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--runs": runs = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--big-warmups": bigWarmups = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--big-runs": bigRuns = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--out": output = Next(); break;
                case "--generic-input": genericInput = true; break;
                case "--suite":
                    suite = Next().ToLowerInvariant();
                    if (suite is not ("workloads" or "sort" or "conversion")) throw new ArgumentException($"Unknown suite {suite} (workloads, sort, conversion).");
                    break;
                case "--pshome": psHome = Next(); break;
                case "--limits": limits = true; break;
                case "--engines":
                    engines = Next().Split(',').Select(e => e.Trim().ToLowerInvariant() switch
                    {
                        "mldb" => Workload.MlDb,
                        "jint" => Workload.Jint,
                        "csharp" or "c#" or "cs" => Workload.CSharp,
                        var other => throw new ArgumentException($"Unknown engine {other} (mldb, jint, csharp)."),
                    }).Distinct().ToArray();
                    break;
                default: throw new ArgumentException($"Unknown option {args[i]}.");
            }
        }
        if (runs < 1 || bigRuns < 1) throw new ArgumentException("At least one measured run is needed.");
        workloads ??= suite == "sort" ? ["S1", "S2", "S3", "S4", "S5"] : ["W1", "W2", "W3", "W4"];
        return new Options(rows, workloads, warmups, runs, bigWarmups, bigRuns, output, engines, genericInput, suite, psHome, limits);
    }
}

internal static class Report
{
    /// <summary>The 1-minute load average (Linux), to show how busy the shared machine was.</summary>
    public static string LoadAverage()
    {
        try { return File.ReadAllText("/proc/loadavg").Split(' ')[0]; }
        catch (IOException) { return "?"; }
        catch (UnauthorizedAccessException) { return "?"; }
    }

    /// <summary>The date, machine and rounds of a suite's report.</summary>
    public static string Header(TimeSpan total, Options options, string loadAtStart, string loadAtEnd)
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine($"## Results {DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm", c)} UTC ({options.Suite})");
        sb.AppendLine();
        foreach (var line in Environment()) sb.AppendLine("* " + line);
        sb.AppendLine($"* Rounds: {options.Warmups} warm-up + {options.Runs} measured below 500 000 rows, {options.BigWarmups} + {options.BigRuns} from 500 000 rows; medians; whole run {total.TotalSeconds:F0} s; 1-min load average {loadAtStart} at start, {loadAtEnd} at end");
        sb.AppendLine();
        return sb.ToString();
    }

    public static string Build(IReadOnlyList<Result> results, TimeSpan total, Options options, string loadAtStart, string loadAtEnd)
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder(Header(total, options, loadAtStart, loadAtEnd));
        sb.AppendLine("Execution only (input already converted), wall-clock medians; alloc = bytes allocated during the call ÷ rows; ratio = MlDb ÷ Jint (target ≤ 0.8, aim 0.5).");
        sb.AppendLine("The CPU ratio divides the medians of the calling thread's CPU time (GC included), which other processes on a busy machine do not inflate.");
        sb.AppendLine("Input conversion, timed separately: MlDb from typed rows via `MlObjectLayout.Create`, MlDb via `MlHostConverter.Default.ToMl` of `List<Dictionary<string, object>>`, Jint from typed rows into `JsObject`/`JsArray`.");
        sb.AppendLine();
        sb.AppendLine("| workload | rows | MlDb ms | Jint ms | C# ms | MlDb÷Jint | MlDb÷Jint CPU | MlDb B/row | Jint B/row | conv MlDb layout ms | conv MlDb ToMl ms | conv Jint ms |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            var ml = r.Get(Workload.MlDb);
            var js = r.Get(Workload.Jint);
            var cs = r.Get(Workload.CSharp);
            sb.AppendLine(string.Join(" | ", [
                $"| {r.Id} {r.Title}",
                r.Rows.ToString("N0", c),
                Ms(ml), Ms(js), Ms(cs),
                Ratio(ml, js),
                CpuRatio(ml, js),
                PerRow(ml, r.Rows), PerRow(js, r.Rows),
                Ms(r.Get(Workload.MlDbLayout)), Ms(r.Get(Workload.MlDbHostConverter)), Ms(r.Get(Workload.JintInput)) + " |",
            ]));
        }
        if (options.Limits)
        {
            sb.AppendLine();
            sb.AppendLine("With every limit on and none binding (`--limits`): MlDb with `MaxSteps`, `Timeout`, `MaxMemoryBytes`, `MaxCollectionSize`, `MaxStringLength`; Jint with `LimitMemory`, `MaxStatements`, `TimeoutInterval`, `LimitRecursion` (constraints reset before each call). Ratio = limited ÷ unlimited of the same engine, wall and CPU.");
            sb.AppendLine();
            sb.AppendLine("| workload | rows | MlDb (limits) ms | MlDb limits÷none | CPU | Jint (constraints) ms | Jint constraints÷none | CPU | MlDb (limits)÷Jint (constraints) |");
            sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var r in results)
            {
                var ml = r.Get(Workload.MlDb);
                var mlLimited = r.Get(Workload.MlDbLimited);
                var js = r.Get(Workload.Jint);
                var jsLimited = r.Get(Workload.JintConstrained);
                sb.AppendLine($"| {r.Id} {r.Title} | {r.Rows.ToString("N0", c)} | {Ms(mlLimited)} | {Ratio(mlLimited, ml)} | {CpuRatio(mlLimited, ml)} | {Ms(jsLimited)} | {Ratio(jsLimited, js)} | {CpuRatio(jsLimited, js)} | {Ratio(mlLimited, jsLimited)} |");
            }
        }
        sb.AppendLine();
        sb.AppendLine("<details><summary>Every measurement: median, min–max, allocations</summary>");
        sb.AppendLine();
        sb.AppendLine("GC pause = median time the runtime was paused for collections during a run; GCs = gen0 collections (each also counts every gen1/gen2 one).");
        sb.AppendLine();
        sb.AppendLine("| workload | rows | measurement | median ms | min ms | max ms | CPU median ms | GC pause ms | GCs | B/row | runs |");
        sb.AppendLine("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
            foreach (var s in r.Conversions.Concat(r.Executions))
                sb.AppendLine($"| {r.Id} | {r.Rows.ToString("N0", c)} | {s.Name} | {Ms(s.MedianMs)} | {Ms(s.MinMs)} | {Ms(s.MaxMs)} | {(ThreadCpu.IsSupported ? Ms(s.CpuMedianMs) : "–")} | {Ms(s.GcPauseMedianMs)} | {s.GcCount} | {s.BytesPer(r.Rows).ToString("F0", c)} | {s.Runs} |");
        sb.AppendLine();
        sb.AppendLine("</details>");
        return sb.ToString();
    }

    private static string Ms(Stats? s) => s is null ? "–" : Ms(s.MedianMs);

    private static string Ratio(Stats? a, Stats? b) =>
        a is null || b is null ? "–" : (a.MedianMs / b.MedianMs).ToString("F2", CultureInfo.InvariantCulture);

    private static string CpuRatio(Stats? a, Stats? b) =>
        a is null || b is null || b.CpuMedianMs <= 0 ? "–" : (a.CpuMedianMs / b.CpuMedianMs).ToString("F2", CultureInfo.InvariantCulture);

    private static string PerRow(Stats? s, int rows) => s is null ? "–" : s.BytesPer(rows).ToString("F0", CultureInfo.InvariantCulture);

    private static string Ms(double ms) => ms.ToString(ms < 10 ? "F2" : ms < 100 ? "F1" : "F0", CultureInfo.InvariantCulture);

    private static IEnumerable<string> Environment()
    {
        string cpu = "unknown CPU";
        try
        {
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        long memory = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        yield return $"Machine: {cpu}, {System.Environment.ProcessorCount} logical cores, {memory / (1024.0 * 1024 * 1024):F0} GiB; {RuntimeInformation.OSDescription} {RuntimeInformation.OSArchitecture}";
        yield return $"Runtime: {RuntimeInformation.FrameworkDescription}, {(GCSettings.IsServerGC ? "server" : "workstation")} GC, concurrent GC off; tiered PGO on";
        yield return $"Jint {typeof(Jint.Engine).Assembly.GetName().Version}; MlDb.Language {Git("rev-parse --short HEAD")}{(Git("status --porcelain -- src/MlDb.Language").Length > 0 ? " + uncommitted changes in src/MlDb.Language" : "")}";
    }

    private static string Git(string arguments)
    {
        try
        {
            if (Paths.RepositoryRoot is not { } root) return "";
            var psi = new ProcessStartInfo("git", $"-C \"{root}\" {arguments}") { RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(psi)!;
            string output = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return process.ExitCode == 0 ? output : "";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "";
        }
    }
}
