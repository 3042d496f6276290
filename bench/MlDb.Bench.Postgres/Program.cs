using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using MlDb.Bench.Postgres;
using MlDb.Data;
using MlDb.Data.Postgres;
using MlDb.Data.Processing;
using MlDb.Language;
using Npgsql;
using NpgsqlTypes;

// MlDb on PostgreSQL: the MlDb.Data flows driven directly (no PowerShell), against plain Npgsql,
// in one run on one machine, printed as ratios.
//
//   dotnet run -c Release --project bench/MlDb.Bench.Postgres [-- options]
//     --connection CS      Npgsql connection string (default: $MLDB_TEST_POSTGRES)
//     --insert-rows N      rows of the insert comparison (default 100000)
//     --query-rows N       rows of the aggregate comparison (default 1000000)
//     --batch N            records per batch / per transaction (default 1000, Add-MlRecord's default)
//     --warmups N --runs N rounds (default 1 and 3; the median is reported)
//     --out FILE           also write the Markdown report to FILE
//
// Start a server with: tests/services/services.sh start /tmp/pg postgres; set -a; . /tmp/pg/services.env; set +a

var options = Options.Parse(args);
var startedAt = DateTime.UtcNow;
string loadAtStart = LoadAverage();
var inv = CultureInfo.InvariantCulture;
if (options.ConnectionString is null)
{
    Console.Error.WriteLine("No PostgreSQL server: pass --connection or set MLDB_TEST_POSTGRES (tests/services/services.sh start <dir> postgres; then export <dir>/services.env).");
    return 2;
}

var schema = "mldb_bench_" + Guid.NewGuid().ToString("N")[..8];
var admin = NpgsqlDataSource.Create(options.ConnectionString);
Exec(admin, $"CREATE SCHEMA {schema}");
var searchPath = new NpgsqlConnectionStringBuilder(options.ConnectionString) { SearchPath = schema + ",public" }.ConnectionString;
var raw = NpgsqlDataSource.Create(searchPath);
var mldb = (PostgresMlConnection)MlConnectionFactory.Connect(new MlConnectRequest("bench", MlProvider.Postgres, searchPath));
var report = new StringBuilder();
int exit = 0;
try
{
    string serverVersion = (string)Scalar(raw, "SELECT current_setting('server_version')")!;
    string serverSettings = (string)Scalar(raw, "SELECT string_agg(name || '=' || setting, ', ' ORDER BY name) FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'shared_buffers', 'full_page_writes')")!;
    var results = new List<(string Name, int Rows, double Seconds, string Note)>();

    // ---- 1. insert: validated records, COPY batches vs row-by-row INSERT vs raw binary COPY ----
    Exec(raw, "CREATE TABLE orders_in (id bigserial PRIMARY KEY, customer text NOT NULL, status text NOT NULL, total numeric(10,2) NOT NULL, created_at timestamptz NOT NULL)");
    var records = Data.Records(options.InsertRows);
    decimal expectedSum = records.Sum(r => (decimal)r["total"]!);
    var validate = new MlFunctionCall(MlScript.Compile(Data.ValidateOrder, "bench_validate.ml"), "validateOrder");
    void Reset() => Exec(raw, "TRUNCATE orders_in RESTART IDENTITY");
    void Check(string name)
    {
        long n = (long)Scalar(raw, "SELECT count(*) FROM orders_in")!;
        decimal sum = (decimal)Scalar(raw, "SELECT sum(total) FROM orders_in")!;
        if (n != records.Count || sum != expectedSum) throw new InvalidOperationException($"{name}: {n} rows, sum {sum}; expected {records.Count}, {expectedSum}");
    }

    var insertCases = new List<Case>();
    insertCases.Add(new Case("MlDb: validate (ML) + COPY batches", Reset, () =>
    {
        using var inserter = new SqlBatchInserter(mldb, "orders_in", validate, null, options.Batch, FlowContext.Default);
        foreach (var record in records) inserter.Add(MlHostConverter.Default.ToMl(record));
        inserter.Flush();
    }, Check));
    insertCases.Add(new Case("MlDb: validate (ML) + row-by-row INSERT (Add-MlRecord without batches)", Reset, () =>
    {
        using var inserter = new SqlRecordInserter(mldb, "orders_in", validate, FlowContext.Default);
        foreach (var record in records) inserter.Insert(MlHostConverter.Default.ToMl(record));
    }, Check));
    insertCases.Add(new Case("Npgsql: binary COPY, same batches, no ML", Reset, () =>
    {
        using var connection = raw.OpenConnection();
        for (int start = 0; start < records.Count; start += options.Batch)
        {
            using var tx = connection.BeginTransaction();
            using (var importer = connection.BeginBinaryImport("COPY orders_in (customer, status, total, created_at) FROM STDIN (FORMAT BINARY)"))
            {
                int end = Math.Min(records.Count, start + options.Batch);
                for (int i = start; i < end; i++)
                {
                    var r = records[i];
                    importer.StartRow();
                    importer.Write((string)r["customer"]!, NpgsqlDbType.Text);
                    importer.Write((string)r["status"]!, NpgsqlDbType.Text);
                    importer.Write((decimal)r["total"]!, NpgsqlDbType.Numeric);
                    importer.Write((DateTime)r["created_at"]!, NpgsqlDbType.TimestampTz);
                }
                importer.Complete();
            }
            tx.Commit();
        }
    }, Check));
    // Where the time of the MlDb COPY case goes: the ML side alone (no database), and the
    // provider alone (InsertBatch of records already validated and matched to columns).
    SqlTableSchema table;
    using (var lease = mldb.Lease(default)) table = mldb.RequireTable(lease, "orders_in", default);
    var mapped = new List<SqlRecordValues>(records.Count);
    insertCases.Add(new Case("  of which: ML side alone — .NET → ML, validateOrder, columns matched (no database)", null, () =>
    {
        mapped.Clear();
        foreach (var record in records) mapped.Add(SqlRecordValues.Map(table, validate.Call(MlHostConverter.Default.ToMl(record)).AsObject));
    }, null));
    insertCases.Add(new Case("  of which: provider alone — InsertBatch (binary COPY) of matched records", Reset, () =>
    {
        using var lease = mldb.Lease(default);
        for (int start = 0; start < mapped.Count; start += options.Batch)
        {
            lease.Transaction = lease.Connection.BeginTransaction();
            mldb.InsertBatch(lease, table, mapped.GetRange(start, Math.Min(options.Batch, mapped.Count - start)), FlowContext.Default);
            lease.Transaction.Commit();
            lease.Transaction.Dispose();
            lease.Transaction = null;
        }
    }, Check));
    // In each round: the COPY case and the raw COPY back to back, then the breakdown, then the long row-by-row case.
    var insert = Bench.Interleaved(options, [insertCases[0], insertCases[2], insertCases[3], insertCases[4], insertCases[1]]);
    var (copy, rawCopy, mlSide, providerOnly, rowByRow) = (insert[0], insert[1], insert[2], insert[3], insert[4]);
    results.Add((copy.Name, options.InsertRows, copy.Median, copy.Spread));
    results.Add((mlSide.Name, options.InsertRows, mlSide.Median, mlSide.Spread));
    results.Add((providerOnly.Name, options.InsertRows, providerOnly.Median, providerOnly.Spread));
    results.Add((rowByRow.Name, options.InsertRows, rowByRow.Median, rowByRow.Spread));
    results.Add((rawCopy.Name, options.InsertRows, rawCopy.Median, rawCopy.Spread));

    // ---- 2. aggregate: processOrders over the rows of the last week vs raw read into the same shape ----
    Console.Error.Write($"Seeding {options.QueryRows:N0} orders… ");
    var seedClock = Stopwatch.StartNew();
    Exec(raw, "CREATE TABLE orders (id bigserial PRIMARY KEY, customer text NOT NULL, status text NOT NULL, total numeric(10,2) NOT NULL, created_at timestamptz NOT NULL)");
    Exec(raw, $"""
        INSERT INTO orders (customer, status, total, created_at)
        SELECT 'customer ' || (g % 5000), (ARRAY['pending', 'shipped', 'delivered', 'cancelled'])[1 + g % 4],
               round((1 + (g::bigint * 7919) % 50000) / 100.0, 2), now() - ((g % 600000) || ' seconds')::interval
        FROM generate_series(1, {options.QueryRows}) g
        """);
    Exec(raw, "VACUUM ANALYZE orders");
    Console.Error.WriteLine($"{seedClock.Elapsed.TotalSeconds:F1} s");
    const string sql = "SELECT * FROM orders WHERE created_at > @since";
    var since = DateTime.UtcNow.AddDays(-7);
    var processOrders = new MlFunctionCall(MlScript.Compile(File.ReadAllText(Path.Combine(Paths.SeedMl, "postgres_processors.ml")), "postgres_processors.ml"), "processOrders");
    string? mldbResult = null, rawResult = null;

    var queryCases = new List<Case>();
    queryCases.Add(new Case("MlDb: SqlQueryFlow.Aggregate + processOrders (ML)", null, () =>
    {
        var flow = new SqlQueryFlow(mldb, FlowContext.Default);
        var spec = new SqlQuerySpec { Sql = sql, Parameters = Obj(("since", MlValue.FromDate(since))) };
        mldbResult = Canon(MlHostConverter.Default.ToHost(flow.Aggregate(spec, processOrders)));
    }, null));
    queryCases.Add(new Case("  of which: reading the rows into ML objects", null, () =>
    {
        var flow = new SqlQueryFlow(mldb, FlowContext.Default);
        var rows = new MlArray();
        foreach (var row in flow.MlRows(new SqlQuerySpec { Sql = sql, Parameters = Obj(("since", MlValue.FromDate(since))) })) rows.Add(MlValue.FromObject(row));
        if (rows.Count != options.QueryRows) throw new InvalidOperationException($"read {rows.Count} rows");
    }, null));
    queryCases.Add(new Case("Npgsql: read into row dictionaries + the same aggregate in C#", null, () =>
    {
        rawResult = Canon(RawAggregate(raw, sql, since));
    }, null));
    var query = Bench.Interleaved(options, queryCases);
    var (aggregate, readOnly, rawRead) = (query[0], query[1], query[2]);
    if (mldbResult != rawResult) throw new InvalidOperationException($"results differ:\nMlDb: {mldbResult}\nC#:   {rawResult}");
    results.Add((aggregate.Name, options.QueryRows, aggregate.Median, aggregate.Spread));
    results.Add((readOnly.Name, options.QueryRows, readOnly.Median, readOnly.Spread));
    results.Add((rawRead.Name, options.QueryRows, rawRead.Median, rawRead.Spread));

    // ---- report ----
    string date = startedAt.ToString("yyyy-MM-dd HH:mm 'UTC'", inv);
    report.AppendLine($"### PostgreSQL provider — {date}");
    report.AppendLine();
    report.AppendLine($"Machine: {Environment.ProcessorCount} logical CPUs, {RuntimeInformation.OSDescription}, .NET {Environment.Version}; " +
                      $"PostgreSQL {serverVersion} on 127.0.0.1 ({serverSettings}). MlDb.Data flows driven directly (no PowerShell). " +
                      $"Median of {options.Runs} rounds after {options.Warmups} warm-up; each round runs every case once, in turn. " +
                      $"Load average at start {loadAtStart}, at end {LoadAverage()}; took {(DateTime.UtcNow - startedAt).TotalMinutes:F1} min.");
    report.AppendLine();
    report.AppendLine("| case | rows | median s | runs (min–max s) |");
    report.AppendLine("|---|---:|---:|---|");
    foreach (var (name, rows, seconds, note) in results)
        report.AppendLine($"| {name} | {rows:N0} | {seconds.ToString("F3", inv)} | {note} |");
    report.AppendLine();
    // Ratios paired by round (both cases ran back to back in the same round), median over rounds:
    // on a shared machine the load moves between rounds, so this is steadier than a ratio of medians.
    double speedup = rowByRow.PairedRatio(copy);
    double copyOverRaw = copy.PairedRatio(rawCopy);
    double providerOverRaw = providerOnly.PairedRatio(rawCopy);
    double aggregateOverRaw = aggregate.PairedRatio(rawRead);
    report.AppendLine("| ratio (median over rounds of the per-round ratio) | value | ratio of the medians | target | |");
    report.AppendLine("|---|---:|---:|---:|---|");
    report.AppendLine($"| row-by-row INSERT time / COPY batches time | {speedup.ToString("F1", inv)}× | {(rowByRow.Median / copy.Median).ToString("F1", inv)}× | ≥ 3× | {(speedup >= 3 ? "met" : "NOT met")} |");
    report.AppendLine($"| MlDb COPY batches / raw Npgsql binary COPY | {copyOverRaw.ToString("F2", inv)}× | {(copy.Median / rawCopy.Median).ToString("F2", inv)}× | ≤ 1.5× | {(copyOverRaw <= 1.5 ? "met" : "NOT met")} |");
    report.AppendLine($"| provider alone (InsertBatch, COPY) / raw Npgsql binary COPY | {providerOverRaw.ToString("F2", inv)}× | {(providerOnly.Median / rawCopy.Median).ToString("F2", inv)}× | | the provider's own share |");
    report.AppendLine($"| MlDb aggregate (processOrders) / raw read + C# aggregate | {aggregateOverRaw.ToString("F2", inv)}× | {(aggregate.Median / rawRead.Median).ToString("F2", inv)}× | ≤ 1.3× | {(aggregateOverRaw <= 1.3 ? "met" : "NOT met")} |");
    report.AppendLine();
    report.AppendLine($"Batches of {options.Batch:N0} records, one transaction each, for both COPY cases. Insert: {options.InsertRows:N0} order records " +
                      "(.NET dictionaries → ML → validateOrder → insert). Aggregate: `SELECT * FROM orders WHERE created_at > @since` (DateTime parameter, all rows match) " +
                      "into `{rows, count}` → seed `processOrders`; the C# side builds one Dictionary per row and computes the same result (checked equal).");
    Console.WriteLine(report.ToString());
    if (options.Out is not null) File.WriteAllText(options.Out, report.ToString());
}
catch (Exception ex)
{
    Console.Error.WriteLine("Benchmark failed: " + ex);
    exit = 1;
}
finally
{
    mldb.Dispose();
    raw.Dispose();
    NpgsqlConnection.ClearAllPools();
    Exec(admin, $"DROP SCHEMA {schema} CASCADE");
    admin.Dispose();
}
return exit;

static string LoadAverage() =>
    File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

static void Exec(NpgsqlDataSource source, string sql)
{
    using var cmd = source.CreateCommand(sql);
    cmd.CommandTimeout = 0;
    cmd.ExecuteNonQuery();
}

static object? Scalar(NpgsqlDataSource source, string sql)
{
    using var cmd = source.CreateCommand(sql);
    return cmd.ExecuteScalar();
}

static MlObject Obj(params (string Key, MlValue Value)[] pairs)
{
    var o = new MlObject();
    foreach (var (k, v) in pairs) o.Set(k, v);
    return o;
}

// The same work by hand: rows as dictionaries (the shape MlDb hands to ML), then the seed's
// processOrders computed in C# with the same numeric kinds (decimal sums, double average).
static Dictionary<string, object?> RawAggregate(NpgsqlDataSource source, string sql, DateTime since)
{
    var rows = new List<Dictionary<string, object?>>();
    using (var cmd = source.CreateCommand(sql))
    {
        cmd.Parameters.Add(new NpgsqlParameter("since", NpgsqlDbType.TimestampTz) { Value = since });
        using var reader = cmd.ExecuteReader();
        int n = reader.FieldCount;
        var names = new string[n];
        for (int i = 0; i < n; i++) names[i] = reader.GetName(i);
        while (reader.Read())
        {
            var row = new Dictionary<string, object?>(n);
            for (int i = 0; i < n; i++) row[names[i]] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
    }
    decimal totalRevenue = 0;
    foreach (var order in rows) totalRevenue += (decimal)order["total"]!;
    var byStatus = new Dictionary<string, (long Count, decimal Revenue)>();
    foreach (var order in rows)
    {
        string status = (string)order["status"]!;
        byStatus.TryGetValue(status, out var g);
        byStatus[status] = (g.Count + 1, g.Revenue + (decimal)order["total"]!);
    }
    var statuses = new Dictionary<string, object?>();
    foreach (var (status, g) in byStatus) statuses[status] = new Dictionary<string, object?> { ["count"] = g.Count, ["revenue"] = g.Revenue };
    return new Dictionary<string, object?>
    {
        ["total_orders"] = (long)rows.Count,
        ["total_revenue"] = totalRevenue,
        ["average_order"] = (double)totalRevenue / rows.Count,
        ["by_status"] = statuses,
    };
}

// Order-insensitive text of a result, to check both sides computed the same thing.
static string Canon(object? value) => value switch
{
    null => "null",
    System.Collections.IDictionary d => "{" + string.Join(",", d.Keys.Cast<object>().Select(k => k.ToString()!).Order(StringComparer.Ordinal).Select(k => k + ":" + Canon(d[k]))) + "}",
    double x => x.ToString("G12", CultureInfo.InvariantCulture),
    IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
    _ => value.ToString() ?? "",
};
