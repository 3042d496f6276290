using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using MlDb.Data.Processing;
using MlDb.Language;
using Npgsql;

namespace MlDb.Data.Postgres;

/// <summary>
/// Writes one batch of records inside the lease's open transaction. Consecutive records with the
/// same columns form a run; a run goes in through one binary <c>COPY … FROM STDIN</c> when every
/// value has an exact binary form for its column (see <see cref="PostgresValueMapper.Fits"/>),
/// otherwise through multi-row parameterized INSERTs, where the server converts what the client
/// cannot (a string into an interval or enum column, a number into a text[] element, …). A failing
/// record is reported as <see cref="SqlBatchRowException"/> with its position in the batch: COPY
/// errors carry the line, a failing multi-row INSERT is rolled back to a savepoint and its rows are
/// retried one by one to find the record. The caller rolls the whole transaction back. A lost
/// connection is <see cref="MlDbErrorIds.ConnectionFailed"/> (the command as a whole cannot go on).
/// </summary>
internal sealed partial class PostgresBatchWriter
{
    /// <summary>PostgreSQL takes at most 65 535 parameters per statement.</summary>
    private const int MaxParameters = 65_535;

    private const int MaxRowsPerInsert = 500;

    private const string Savepoint = "mldb_batch_rows";

    /// <summary>The column of a staging table that holds each record's position in the batch.</summary>
    internal const string OrdinalColumn = "$mldb_ord";

    private readonly PostgresMlConnection _connection;
    private readonly SqlLease _lease;
    private readonly SqlTableSchema _table;
    private readonly FlowContext _context;
    private readonly FlowContext _quiet;
    private readonly string _target;
    private readonly bool _ordinal;

    /// <param name="staging">
    /// When given, the rows go into this (quoted) staging table instead of <paramref name="table"/>,
    /// with each record's position in the batch in <see cref="OrdinalColumn"/> before its columns.
    /// </param>
    public PostgresBatchWriter(PostgresMlConnection connection, SqlLease lease, SqlTableSchema table, FlowContext context, string? staging = null)
    {
        _connection = connection;
        _lease = lease;
        _table = table;
        _context = context;
        // Statements this writer issues are logged here in a compact form, not one parameter list per row.
        _quiet = context.Quiet();
        _target = staging ?? connection.Dialect.QuoteTable(table);
        _ordinal = staging is not null;
    }

    /// <summary>Writes the records of one run (all with the same columns) into the target; returns the rows written.</summary>
    public int WriteRun(IReadOnlyList<SqlRecordValues> records)
    {
        using var notices = _context.Log is not null && _lease.Connection is NpgsqlConnection npg ? new NoticeRelay(npg, _context) : null;
        return records.Count == 0 ? 0 : WriteRun(records, 0, records.Count, records[0].Columns);
    }

    public int Write(IReadOnlyList<SqlRecordValues> records)
    {
        using var notices = _context.Log is not null && _lease.Connection is NpgsqlConnection npg ? new NoticeRelay(npg, _context) : null;
        int written = 0;
        int start = 0;
        while (start < records.Count)
        {
            var columns = records[start].Columns;
            int end = start + 1;
            while (end < records.Count && SameColumns(records[end].Columns, columns)) end++;
            written += WriteRun(records, start, end, columns);
            start = end;
        }
        return written;
    }

    private static bool SameColumns(SqlColumnInfo[] a, SqlColumnInfo[] b)
    {
        if (a.Length != b.Length) return false;
        for (int i = 0; i < a.Length; i++)
            if (!ReferenceEquals(a[i], b[i]) && a[i].Name != b[i].Name) return false;
        return true;
    }

    private int WriteRun(IReadOnlyList<SqlRecordValues> records, int start, int end, SqlColumnInfo[] columns)
    {
        var types = new PgType[columns.Length];
        for (int j = 0; j < types.Length; j++) types[j] = PgType.FromDeclared(columns[j].DeclaredType);
        if (columns.Length == 0) return Insert(records, start, end, columns, types, "records without values take the column defaults");
        var mapper = _connection.PgMapper;
        for (int i = start; i < end; i++)
        {
            var values = records[i].Values;
            for (int j = 0; j < values.Length; j++)
            {
                if (!mapper.Fits(values[j], types[j]))
                    return Insert(records, start, end, columns, types,
                        $"record {i + 1} has a {values[j].TypeName} for the {types[j].Name} column \"{columns[j].Name}\", which the server converts");
            }
        }
        return Copy(records, start, end, columns, types);
    }

    // ---- binary COPY --------------------------------------------------------------------------

    private int Copy(IReadOnlyList<SqlRecordValues> records, int start, int end, SqlColumnInfo[] columns, PgType[] types)
    {
        var dialect = _connection.Dialect;
        var sql = new StringBuilder("COPY ").Append(_target).Append(" (");
        if (_ordinal) sql.Append(dialect.QuoteIdentifier(OrdinalColumn)).Append(columns.Length == 0 ? "" : ", ");
        for (int j = 0; j < columns.Length; j++) sql.Append(j == 0 ? "" : ", ").Append(dialect.QuoteIdentifier(columns[j].Name));
        sql.Append(") FROM STDIN (FORMAT BINARY)");
        string text = sql.ToString();
        _context.Verbose($"{text}  -- {end - start} row(s), binary");

        var npg = (NpgsqlConnection)_lease.Connection;
        var userToken = _context.CancellationToken;
        using var timeout = _context.CommandTimeout is { } limit ? new CancellationTokenSource(limit) : null;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(userToken, timeout?.Token ?? CancellationToken.None);
        var token = linked.Token;
        // COPY has no command to cancel: on Ctrl+C or the timeout the server process is told to stop
        // (it then fails the COPY with 57014 and the connection stays usable). With a timeout,
        // Npgsql's own one is a backstop a few seconds later, should the cancel not get through.
        // (Complete is called synchronously on purpose: the async form costs a thread hop per batch.)
        int processId = npg.ProcessID;
        using var onCancel = token.Register(() => _connection.CancelBackend(processId));
        NpgsqlBinaryImporter? importer = null;
        int row = start;
        bool writing = false;
        try
        {
            importer = npg.BeginBinaryImport(text);
            if (_context.CommandTimeout is { } t) importer.Timeout = t + TimeSpan.FromSeconds(PostgresMlConnection.TimeoutBackstopSeconds);
            for (; row < end; row++)
            {
                if (((row - start) & 0x3FF) == 0) token.ThrowIfCancellationRequested();
                writing = true;
                importer.StartRow();
                if (_ordinal) importer.Write((long)row, NpgsqlTypes.NpgsqlDbType.Bigint);
                var values = records[row].Values;
                for (int j = 0; j < values.Length; j++) PostgresValueMapper.WriteCopy(importer, values[j], types[j]);
                writing = false;
            }
            token.ThrowIfCancellationRequested();
            ulong count = importer.Complete();
            return (int)count;
        }
        catch (Exception ex) when (ex is not MlDbException and not SqlBatchRowException)
        {
            throw TranslateCopy(ex, text, start, end, writing ? row : -1, timeout);
        }
        finally
        {
            if (importer is not null)
            {
                try { importer.Dispose(); }
                catch (Exception) { /* cancelling a COPY on a connection that broke; the transaction is lost anyway */ }
            }
        }
    }

    [GeneratedRegex(@"\bline (\d+)")]
    private static partial Regex CopyLine();

    private Exception TranslateCopy(Exception ex, string sql, int start, int end, int clientRow, CancellationTokenSource? timeout)
    {
        var userToken = _context.CancellationToken;
        if (timeout is { IsCancellationRequested: true } && !userToken.IsCancellationRequested && (PostgresErrors.IsCancellation(ex) || ex is NpgsqlException))
            return new MlDbException(MlDbErrorIds.CommandTimeout, MlDbErrorKind.OperationTimeout,
                $"The COPY into {_table.Name} did not finish within the time limit of {_context.CommandTimeout!.Value.TotalSeconds:0.###} seconds (-TimeoutSeconds).", sql, ex);
        if (userToken.IsCancellationRequested && (PostgresErrors.IsCancellation(ex) || ex is NpgsqlException))
            return new OperationCanceledException("The COPY was cancelled.", ex, userToken);
        if (ex is PostgresException pg && !PostgresErrors.IsConnectionLost(pg) && !pg.SqlState.StartsWith("57", StringComparison.Ordinal))
        {
            string message = _connection.DescribeRefusal(pg);
            if (pg.Where is { } where && CopyLine().Match(where) is { Success: true } m
                && int.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int line)
                && line >= 1 && start + line - 1 < end)
                return new SqlBatchRowException(start + line - 1, message, pg);
            return new MlDbException(MlDbErrorIds.CommandFailed, MlDbErrorKind.InvalidOperation, message, sql, pg);
        }
        if (PostgresErrors.IsConnectionLost(ex))
            return new MlDbException(MlDbErrorIds.ConnectionFailed, MlDbErrorKind.ConnectionError,
                $"The connection to the PostgreSQL server of '{_connection.Name}' was lost during the COPY of {end - start} record(s) into {_table.Name}: " +
                $"{_connection.DescribeError(ex)}. That batch was rolled back: none of its records were written.", _connection.Name, ex);
        if (clientRow >= 0 && ex is not DbException)
            return new SqlBatchRowException(clientRow, $"the value could not be written for COPY: {_connection.DescribeError(ex)}", ex);
        return new MlDbException(MlDbErrorIds.CommandFailed, MlDbErrorKind.InvalidOperation, _connection.DescribeError(ex), sql, ex);
    }

    // ---- multi-row INSERT ---------------------------------------------------------------------

    private int Insert(IReadOnlyList<SqlRecordValues> records, int start, int end, SqlColumnInfo[] columns, PgType[] types, string why)
    {
        int width = columns.Length + (_ordinal ? 1 : 0);
        int perStatement = width == 0 ? 1 : Math.Clamp(MaxParameters / width, 1, MaxRowsPerInsert);
        string head = InsertHead(columns);
        _context.Verbose($"{head} VALUES (…)  -- {end - start} row(s) in multi-row INSERTs of up to {perStatement}: {why}");
        int written = 0;
        for (int first = start; first < end; first += perStatement)
        {
            _context.CancellationToken.ThrowIfCancellationRequested();
            int last = Math.Min(end, first + perStatement);
            Execute("SAVEPOINT " + Savepoint);
            try
            {
                written += InsertRows(head, records, first, last, columns, types);
            }
            catch (MlDbException ex) when (ex.ErrorId is MlDbErrorIds.CommandFailed or MlDbErrorIds.InvalidValue)
            {
                Execute("ROLLBACK TO SAVEPOINT " + Savepoint);
                for (int i = first; i < last; i++)
                {
                    try
                    {
                        InsertRows(head, records, i, i + 1, columns, types);
                    }
                    catch (MlDbException rowError) when (rowError.ErrorId is MlDbErrorIds.CommandFailed or MlDbErrorIds.InvalidValue)
                    {
                        throw new SqlBatchRowException(i, rowError.Message, rowError.InnerException ?? rowError);
                    }
                }
                throw;
            }
            Execute("RELEASE SAVEPOINT " + Savepoint);
        }
        return written;
    }

    private string InsertHead(SqlColumnInfo[] columns)
    {
        var dialect = _connection.Dialect;
        var sb = new StringBuilder("INSERT INTO ").Append(_target);
        if (columns.Length == 0 && !_ordinal) return sb.Append(" DEFAULT VALUES").ToString();
        sb.Append(" (");
        if (_ordinal) sb.Append(dialect.QuoteIdentifier(OrdinalColumn)).Append(columns.Length == 0 ? "" : ", ");
        for (int j = 0; j < columns.Length; j++) sb.Append(j == 0 ? "" : ", ").Append(dialect.QuoteIdentifier(columns[j].Name));
        return sb.Append(')').ToString();
    }

    private int InsertRows(string head, IReadOnlyList<SqlRecordValues> records, int first, int last, SqlColumnInfo[] columns, PgType[] types)
    {
        var sql = new StringBuilder(head);
        using var command = (NpgsqlCommand)_lease.CreateCommand("");
        var mapper = _connection.PgMapper;
        if (columns.Length > 0 || _ordinal)
        {
            sql.Append(" VALUES ");
            int n = 0;
            for (int i = first; i < last; i++)
            {
                sql.Append(i == first ? "(" : ", (");
                if (_ordinal)
                {
                    sql.Append('$').Append(++n);
                    command.Parameters.Add(new NpgsqlParameter { Value = (long)i, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
                }
                var values = records[i].Values;
                for (int j = 0; j < values.Length; j++)
                {
                    sql.Append(j == 0 && !_ordinal ? "$" : ", $").Append(++n);
                    var (value, type) = mapper.ParameterValue(values[j], types[j]);
                    var p = new NpgsqlParameter { Value = value };
                    if (type is { } t) p.NpgsqlDbType = t;
                    command.Parameters.Add(p);
                }
                sql.Append(')');
            }
        }
        command.CommandText = sql.ToString();
        using var scope = new SqlCommandScope(_connection, command, _quiet);
        return scope.Run(c => c.ExecuteNonQuery());
    }

    private void Execute(string sql)
    {
        using var command = _lease.CreateCommand(sql);
        using var scope = new SqlCommandScope(_connection, command, _quiet);
        scope.Run(c => c.ExecuteNonQuery());
    }
}
