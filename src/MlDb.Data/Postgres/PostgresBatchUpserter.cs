using System.Globalization;
using System.Text;
using MlDb.Data.Processing;

namespace MlDb.Data.Postgres;

/// <summary>
/// Upserts one batch inside the lease's open transaction with one statement per run of records
/// with the same columns: the run goes into a temporary table by binary COPY (through
/// <see cref="PostgresBatchWriter"/>, with each record's position in the batch), then one
/// <c>INSERT … SELECT … ON CONFLICT (key) DO UPDATE / DO NOTHING RETURNING (xmax = 0)</c> writes it
/// and counts inserted and updated rows. A key repeated inside the run keeps one record, as a
/// record-by-record run would end: the last one for Update, the first for Ignore (rows whose key
/// has a null never conflict and are all kept). When the statement fails, the run's records are
/// tried one by one inside a savepoint to name the one the server refuses
/// (<see cref="SqlBatchRowException"/>); the caller rolls the batch back.
/// </summary>
internal sealed class PostgresBatchUpserter(PostgresMlConnection connection, SqlLease lease, SqlTableSchema table, SqlConflictPlan conflict, FlowContext context)
{
    private const string RankColumn = "$mldb_rank";
    private const string Savepoint = "mldb_upsert";

    private readonly FlowContext _quiet = context.Quiet();
    private int _runs;

    public SqlBatchCounts Write(IReadOnlyList<SqlRecordValues> records)
    {
        var counts = new SqlBatchCounts();
        int start = 0;
        while (start < records.Count)
        {
            var columns = records[start].Columns;
            int end = start + 1;
            while (end < records.Count && SameColumns(records[end].Columns, columns)) end++;
            var run = new SqlRecordValues[end - start];
            for (int i = start; i < end; i++) run[i - start] = records[i];
            UpsertRun(run, start, counts);
            start = end;
        }
        return counts;
    }

    private static bool SameColumns(SqlColumnInfo[] a, SqlColumnInfo[] b)
    {
        if (ReferenceEquals(a, b)) return true;
        if (a.Length != b.Length) return false;
        for (int i = 0; i < a.Length; i++)
            if (a[i].Name != b[i].Name) return false;
        return true;
    }

    private void UpsertRun(SqlRecordValues[] run, int offset, SqlBatchCounts counts)
    {
        var columns = run[0].Columns;
        if (columns.Length == 0 || !conflict.Key.All(k => columns.Contains(k)))
        {
            // Records that do not carry the whole key cannot be matched in the batch: one statement each.
            PerRecord(run, offset, counts);
            return;
        }
        var dialect = connection.Dialect;
        string stage = dialect.QuoteIdentifier("pg_temp") + "." + dialect.QuoteIdentifier("mldb_upsert_" + (++_runs).ToString(CultureInfo.InvariantCulture));
        string ordinal = dialect.QuoteIdentifier(PostgresBatchWriter.OrdinalColumn);
        string list = string.Join(", ", columns.Select(c => dialect.QuoteIdentifier(c.Name)));
        Execute($"CREATE TEMP TABLE {stage} ON COMMIT DROP AS SELECT 0::bigint AS {ordinal}, {list} FROM {dialect.QuoteTable(table)} WITH NO DATA", log: true);
        try
        {
            new PostgresBatchWriter(connection, lease, table, context, stage).WriteRun(run);
        }
        catch (SqlBatchRowException row)
        {
            throw new SqlBatchRowException(offset + row.RowIndex, row.Message, row.InnerException);
        }

        string sql = UpsertSql(stage, columns);
        context.Verbose($"{sql}  -- {run.Length} row(s)");
        Execute("SAVEPOINT " + Savepoint);
        long inserted, existed;
        try
        {
            using var command = lease.CreateCommand(sql);
            using var scope = new SqlCommandScope(connection, command, _quiet);
            (inserted, existed) = scope.Run(c =>
            {
                using var reader = c.ExecuteReader();
                reader.Read();
                return (reader.GetInt64(0), reader.GetInt64(1));
            });
        }
        catch (MlDbException ex) when (ex.ErrorId is MlDbErrorIds.CommandFailed or MlDbErrorIds.InvalidValue)
        {
            Execute("ROLLBACK TO SAVEPOINT " + Savepoint);
            Locate(run, offset);
            throw;
        }
        Execute($"RELEASE SAVEPOINT {Savepoint}; DROP TABLE {stage}");
        // Records the statement did not return were folded into a later (Update) or earlier (Ignore)
        // one with the same key: record by record they would have updated that row, or left it.
        int folded = run.Length - (int)inserted - (int)existed;
        counts.Inserted += (int)inserted;
        if (conflict.Action == SqlConflictAction.Update && HasColumnsToSet(columns)) counts.Updated += (int)existed + folded;
        else counts.Ignored += (int)existed + folded;
    }

    private bool HasColumnsToSet(SqlColumnInfo[] columns) => columns.Any(c => !conflict.Key.Contains(c));

    /// <summary>
    /// <c>WITH source AS (the run, one record per key) , written AS (INSERT … SELECT … ON CONFLICT … RETURNING (xmax = 0))
    /// SELECT count of inserted, count of existing</c>.
    /// </summary>
    private string UpsertSql(string stage, SqlColumnInfo[] columns)
    {
        var dialect = connection.Dialect;
        string ordinal = dialect.QuoteIdentifier(PostgresBatchWriter.OrdinalColumn);
        string rank = dialect.QuoteIdentifier(RankColumn);
        string list = string.Join(", ", columns.Select(c => dialect.QuoteIdentifier(c.Name)));
        string keys = string.Join(", ", conflict.Key.Select(c => dialect.QuoteIdentifier(c.Name)));
        string anyNull = string.Concat(conflict.Key.Select(c => " OR " + dialect.QuoteIdentifier(c.Name) + " IS NULL"));
        bool keepLast = conflict.Action == SqlConflictAction.Update;
        var sql = new StringBuilder("WITH mldb_source AS (SELECT ").Append(ordinal).Append(", ").Append(list)
            .Append(" FROM (SELECT s.*, row_number() OVER (PARTITION BY ").Append(keys).Append(" ORDER BY ").Append(ordinal).Append(keepLast ? " DESC" : "")
            .Append(") AS ").Append(rank).Append(" FROM ").Append(stage).Append(" s) ranked WHERE ").Append(rank).Append(" = 1").Append(anyNull)
            .Append("), mldb_written AS (INSERT INTO ").Append(dialect.QuoteTable(table)).Append(" (").Append(list).Append(") SELECT ").Append(list)
            .Append(" FROM mldb_source ORDER BY ").Append(ordinal).Append(" ON CONFLICT (").Append(keys).Append(')');
        bool first = true;
        if (conflict.Action == SqlConflictAction.Update)
        {
            foreach (var column in columns)
            {
                if (conflict.Key.Contains(column)) continue;
                string name = dialect.QuoteIdentifier(column.Name);
                sql.Append(first ? " DO UPDATE SET " : ", ").Append(name).Append(" = excluded.").Append(name);
                first = false;
            }
        }
        if (first) sql.Append(" DO NOTHING");
        sql.Append(" RETURNING (xmax = 0) AS inserted) SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM mldb_written");
        return sql.ToString();
    }

    /// <summary>The run's records one statement each (records without the whole key, or with no columns).</summary>
    private void PerRecord(SqlRecordValues[] run, int offset, SqlBatchCounts counts)
    {
        using var commands = new SqlInsertCommands(connection, lease, table, conflict);
        for (int i = 0; i < run.Length; i++)
        {
            try
            {
                counts.Add(commands.Write(run[i], _quiet).Action);
            }
            catch (MlDbException ex) when (ex.ErrorId is MlDbErrorIds.CommandFailed or MlDbErrorIds.InvalidValue)
            {
                throw new SqlBatchRowException(offset + i, ex.Message, ex.InnerException ?? ex);
            }
        }
    }

    /// <summary>After the run's statement failed: its records one by one, to name the first the server refuses.</summary>
    private void Locate(SqlRecordValues[] run, int offset) => PerRecord(run, offset, new SqlBatchCounts());

    private void Execute(string sql, bool log = false)
    {
        if (log) context.Verbose(sql);
        using var command = lease.CreateCommand(sql);
        using var scope = new SqlCommandScope(connection, command, _quiet);
        scope.Run(c => c.ExecuteNonQuery());
    }
}
