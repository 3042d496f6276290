using System.Diagnostics;
using System.Globalization;
using System.Reflection;

namespace MlDb.Bench.Postgres;

internal sealed record Options(string? ConnectionString, int InsertRows, int QueryRows, int Batch, int Warmups, int Runs, string? Out)
{
    public static Options Parse(string[] args)
    {
        var o = new Options(Environment.GetEnvironmentVariable("MLDB_TEST_POSTGRES") is { Length: > 0 } cs ? cs : null, 100_000, 1_000_000, 1000, 1, 3, null);
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int() => int.Parse(Next(), NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
            o = args[i] switch
            {
                "--connection" => o with { ConnectionString = Next() },
                "--insert-rows" => o with { InsertRows = Int() },
                "--query-rows" => o with { QueryRows = Int() },
                "--batch" => o with { Batch = Int() },
                "--warmups" => o with { Warmups = Int() },
                "--runs" => o with { Runs = Int() },
                "--out" => o with { Out = Next() },
                _ => throw new ArgumentException($"Unknown option {args[i]}"),
            };
        }
        return o;
    }
}

/// <param name="Times">Seconds of each measured round, in round order (for ratios paired by round).</param>
internal sealed record Measurement(string Name, double Median, string Spread, IReadOnlyList<double> Times)
{
    /// <summary>The median over the rounds of this case's time divided by <paramref name="other"/>'s in the same round.</summary>
    public double PairedRatio(Measurement other)
    {
        var ratios = Times.Zip(other.Times, (a, b) => a / b).Order().ToArray();
        return ratios.Length % 2 == 1 ? ratios[ratios.Length / 2] : (ratios[ratios.Length / 2 - 1] + ratios[ratios.Length / 2]) / 2;
    }
}

/// <summary>One thing to time: <see cref="Reset"/> before each round (untimed), <see cref="Check"/> after it (untimed).</summary>
internal sealed record Case(string Name, Action? Reset, Action Run, Action<string>? Check);

internal static class Bench
{
    /// <summary>
    /// Warm-up rounds, then measured rounds; each round runs every case once, in order, so a
    /// change of load on the machine falls on all of them alike. The median per case.
    /// </summary>
    public static Measurement[] Interleaved(Options options, IReadOnlyList<Case> cases)
    {
        var times = cases.Select(_ => new List<double>()).ToArray();
        for (int round = 0; round < options.Warmups + options.Runs; round++)
        {
            bool warm = round < options.Warmups;
            for (int c = 0; c < cases.Count; c++)
            {
                var @case = cases[c];
                @case.Reset?.Invoke();
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
                var clock = Stopwatch.StartNew();
                @case.Run();
                clock.Stop();
                @case.Check?.Invoke(@case.Name);
                if (!warm) times[c].Add(clock.Elapsed.TotalSeconds);
                Console.Error.WriteLine($"{@case.Name.Trim()}: {(warm ? "warm-up" : "round " + (round - options.Warmups + 1))} {clock.Elapsed.TotalSeconds:F3} s");
            }
        }
        return cases.Select((c, i) => Summarize(c.Name, times[i])).ToArray();
    }

    private static Measurement Summarize(string name, List<double> times)
    {
        var sorted = times.Order().ToArray();
        double median = sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
        string spread = $"{sorted[0].ToString("F3", CultureInfo.InvariantCulture)}–{sorted[^1].ToString("F3", CultureInfo.InvariantCulture)}";
        return new Measurement(name, median, spread, times);
    }
}

internal static class Data
{
    /// <summary>A per-record validation in the seed's style: checks and normalises, throws on a bad order.</summary>
    public const string ValidateOrder = """
        function validateOrder(order) {
            let errors = [];
            if (!order.customer || order.customer.length < 2) {
                errors.push("customer is required");
            }
            if (order.total == null || order.total < 0) {
                errors.push("total must not be negative");
            }
            if (["pending", "shipped", "delivered", "cancelled"].indexOf(order.status) < 0) {
                errors.push("unknown status " + order.status);
            }
            if (errors.length > 0) {
                throw "Invalid order: " + errors.join(", ");
            }
            return order;
        }
        """;

    private static readonly string[] Statuses = ["pending", "shipped", "delivered", "cancelled"];

    /// <summary>Order records as a PowerShell user would pipe them (dictionaries of .NET values), deterministic.</summary>
    public static List<Dictionary<string, object?>> Records(int count)
    {
        var now = new DateTime(2026, 1, 15, 12, 0, 0, DateTimeKind.Utc);
        var list = new List<Dictionary<string, object?>>(count);
        for (int i = 0; i < count; i++)
        {
            list.Add(new Dictionary<string, object?>
            {
                ["customer"] = "customer " + (i % 5000).ToString(CultureInfo.InvariantCulture),
                ["status"] = Statuses[i % 4],
                ["total"] = (1 + (i * 7919L) % 50000) / 100m,
                ["created_at"] = now.AddSeconds(-(i % 600000)),
            });
        }
        return list;
    }
}

/// <summary>Finds ../shared (the seed scripts) beside the repository this binary was built from.</summary>
internal static class Paths
{
    public static string SeedMl
    {
        get
        {
            var root = typeof(Paths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "RepositoryRoot")?.Value
                       ?? throw new InvalidOperationException("The repository root was not recorded at build time.");
            string seed = Path.GetFullPath(Path.Combine(root, "..", "shared", "seed", "ml"));
            return Directory.Exists(seed) ? seed : throw new DirectoryNotFoundException($"The seed scripts were not found at {seed}.");
        }
    }
}
