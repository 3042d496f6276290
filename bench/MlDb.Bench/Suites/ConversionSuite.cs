using System.Collections;
using System.Data;
using System.Globalization;
using System.Management.Automation;
using System.Reflection;
using System.Text;
using MlDb.Data.Mongo;
using MlDb.Language;
using MongoDB.Bson;

namespace MlDb.Bench.Suites;

/// <summary>
/// The conversion suite (<c>--suite conversion</c>): the same order rows <c>{id, status, total}</c>
/// (W1's data) turned into ML rows from each host form MlDb meets — typed rows through
/// <c>MlObjectLayout</c> (the layout path the data layer uses, the reference), .NET dictionaries,
/// PowerShell hashtables and PSCustomObjects (through MlDb.PowerShell's converter, as every piped
/// record of Add-MlRecord / Invoke-MlFunction), MongoDB driver documents (BsonHostConverter) and
/// ADO.NET DataRows — each as one list in one call, and the PSCustomObjects also one call per row
/// (what a per-record cmdlet does). Every result is checked equal to the layout path's.
/// </summary>
internal static class ConversionSuite
{
    public const string Layout = "typed rows → MlObjectLayout (the layout path)";

    public sealed record Result(int Rows, Stats[] Stats, string Check);

    /// <summary>PowerShell's folder (for System.Management.Automation), or null when PSCustomObjects cannot be measured.</summary>
    public static string? PowerShellHome { get; set; }

    public static List<Result> Run(Options options)
    {
        var results = new List<Result>();
        foreach (int n in options.Rows)
        {
            bool big = n >= 500_000;
            int warmups = big ? options.BigWarmups : options.Warmups;
            int runs = big ? options.BigRuns : options.Runs;
            Console.Error.Write($"conversion at {n:N0} rows ({warmups} warm-up + {runs} measured rounds): generating…");
            var orders = Data.Orders(n);
            var summaries = new Dictionary<string, string>();
            void Keep(string name, object? r, int round)
            {
                if (round == 0) summaries[name] = Summary((MlValue)r!);
            }
            var cases = new List<Case>
            {
                new(Layout, () => ByLayout(orders), Accept: (r, round) => Keep(Layout, r, round)),
            };
            var dictionaries = orders.Select(o => new Dictionary<string, object?> { ["id"] = o.Id, ["status"] = o.Status, ["total"] = o.Total }).ToList();
            cases.Add(new("List<Dictionary<string, object>> → MlHostConverter.Default.ToMl", () => MlHostConverter.Default.ToMl(dictionaries),
                Accept: (r, round) => Keep("dictionaries", r, round)));
            var documents = orders.Select(o => new BsonDocument { { "id", o.Id }, { "status", o.Status }, { "total", o.Total } }).ToList();
            cases.Add(new("List<BsonDocument> (MongoDB driver) → BsonHostConverter.Default.ToMl", () => BsonHostConverter.Default.ToMl(documents),
                Accept: (r, round) => Keep("bson", r, round)));
            var table = new DataTable();
            table.Columns.Add("id", typeof(long));
            table.Columns.Add("status", typeof(string));
            table.Columns.Add("total", typeof(double));
            foreach (var o in orders) table.Rows.Add(o.Id, o.Status, o.Total);
            var dataRows = table.Rows.Cast<DataRow>().ToList();
            cases.Add(new("List<DataRow> (ADO.NET) → MlHostConverter.Default.ToMl", () => MlHostConverter.Default.ToMl(dataRows),
                Accept: (r, round) => Keep("datarows", r, round)));
            if (PowerShellHome is not null) cases.AddRange(PowerShellCases(orders, Keep));
            else Console.Error.Write(" (no PowerShell found: PSCustomObjects not measured)");

            Console.Error.Write(" measuring…");
            var stats = Harness.Measure(cases, warmups, runs);
            string check = Verify(summaries);
            Console.Error.WriteLine($" {check}");
            results.Add(new Result(n, stats, check));
        }
        return results;
    }

    // Kept apart so that System.Management.Automation is loaded only when PowerShell was found.
    private static IEnumerable<Case> PowerShellCases(Order[] orders, Action<string, object?, int> keep)
    {
        var converterType = Type.GetType("MlDb.PowerShell.PowerShellToMlConverter, MlDb.PowerShell", throwOnError: true)!;
        var converter = (MlHostConverter)converterType.GetProperty("Instance", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;
        var objects = new List<object>(orders.Length);
        var hashtables = new List<object>(orders.Length);
        foreach (var o in orders)
        {
            var pso = new PSObject();
            pso.Properties.Add(new PSNoteProperty("id", o.Id));
            pso.Properties.Add(new PSNoteProperty("status", o.Status));
            pso.Properties.Add(new PSNoteProperty("total", o.Total));
            objects.Add(pso);
            hashtables.Add(new Hashtable { ["id"] = o.Id, ["status"] = o.Status, ["total"] = o.Total });
        }
        yield return new("List of PSCustomObject → PowerShell converter", () => converter.ToMl(objects), Accept: (r, round) => keep("pscustomobject", r, round));
        yield return new("PSCustomObject, one ToMl per row (Add-MlRecord style)", () =>
        {
            var rows = new MlArray(objects.Count);
            foreach (var o in objects) rows.Add(converter.ToMl(o));
            return MlValue.FromArray(rows);
        }, Accept: (r, round) => keep("pscustomobject per row", r, round));
        yield return new("List of Hashtable (@{…}) → PowerShell converter", () => converter.ToMl(hashtables), Accept: (r, round) => keep("hashtable", r, round));
    }

    private static MlValue ByLayout(Order[] orders)
    {
        var layout = MlObjectLayout.For(["id", "status", "total"]);
        var rows = new MlArray(orders.Length);
        var values = new MlValue[3];
        foreach (var o in orders)
        {
            values[0] = MlValue.FromInt(o.Id);
            values[1] = o.Status;
            values[2] = MlValue.FromDouble(o.Total);
            rows.Add(layout.Create(values));
        }
        return MlValue.FromArray(rows);
    }

    /// <summary>Count, sums and the first and last rows of an array of order rows (a Hashtable's key order is its own, so rows are written in key order).</summary>
    private static string Summary(MlValue rows)
    {
        var items = rows.AsArray.AsSpan();
        long ids = 0;
        double total = 0;
        foreach (var row in items)
        {
            ids += row.AsObject.Get("id").AsInt;
            total += row.AsObject.Get("total").AsDouble;
        }
        return $"{items.Length} rows, ids {ids}, total {total.ToString("F2", CultureInfo.InvariantCulture)}, first {Row(items[0])}, last {Row(items[^1])}";
    }

    private static string Row(MlValue row)
    {
        var o = row.AsObject;
        return string.Join(",", o.Keys.Order(StringComparer.Ordinal).Select(k => k + "=" + MlFormat.Str(o.Get(k))));
    }

    private static string Verify(Dictionary<string, string> summaries)
    {
        var reference = summaries[Layout];
        foreach (var (name, text) in summaries)
            if (text != reference) throw new InvalidOperationException($"conversion: {name} disagrees with the layout path.\n  layout: {reference}\n  {name}: {text}");
        return $"all {summaries.Count} agree: {reference}";
    }

    public static string Report(IReadOnlyList<Result> results)
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine("Host → ML conversion of order rows {id, status, total}; wall-clock and thread-CPU medians; ratio = case ÷ the layout path (target ≤ 2).");
        sb.AppendLine();
        sb.AppendLine("| input | rows | median ms | CPU ms | B/row | ÷ layout | ÷ layout CPU | GCs |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            var layout = r.Stats.First(s => s.Name == Layout);
            foreach (var s in r.Stats)
                sb.AppendLine($"| {s.Name} | {r.Rows.ToString("N0", c)} | {SortSuite.Ms(s.MedianMs)} | {SortSuite.Ms(s.CpuMedianMs)} | {s.BytesPer(r.Rows).ToString("F0", c)} | {SortSuite.Ratio(s.MedianMs, layout.MedianMs)} | {SortSuite.Ratio(s.CpuMedianMs, layout.CpuMedianMs)} | {s.GcCount} |");
        }
        return sb.ToString();
    }
}
