using System.Data.Common;
using MlDb.Data.Processing;

namespace MlDb.Data;

/// <summary>
/// Runs around one SQL command: applies the command timeout, links Ctrl+C (the flow's token) and
/// the timeout to the driver's <see cref="DbCommand.Cancel"/>, and turns what the driver throws
/// into <see cref="MlDbException"/>s with stable ids (CommandTimeout, CommandFailed) or an
/// <see cref="OperationCanceledException"/>. The timeout window is armed around each call into
/// the driver (execute, each read), so time spent in ML between rows does not count against it.
/// A command that runs outside a write group left open on its connection commits that group first
/// (<see cref="SqlSession.Settle"/>).
/// </summary>
public sealed class SqlCommandScope : IDisposable
{
    private readonly MlSqlConnection _connection;
    private readonly DbCommand _command;
    private readonly FlowContext _context;
    private readonly CancellationTokenSource? _timeout;
    private readonly CancellationTokenRegistration _userRegistration;
    private readonly CancellationTokenRegistration _timeoutRegistration;
    private readonly IDisposable? _listener;
    private readonly SqlSession _session;
    private volatile bool _timedOut;

    public SqlCommandScope(MlSqlConnection connection, DbCommand command, FlowContext context)
    {
        _connection = connection;
        _command = command;
        _context = context;
        _session = SqlSession.Of(command.Connection ?? throw new ArgumentException("The command has no connection.", nameof(command)));
        context.CancellationToken.ThrowIfCancellationRequested();
        connection.ApplyCommandTimeout(command, context.CommandTimeout);
        _userRegistration = context.CancellationToken.Register(() => Cancel());
        if (context.CommandTimeout is not null)
        {
            _timeout = new CancellationTokenSource();
            _timeoutRegistration = _timeout.Token.Register(() =>
            {
                _timedOut = true;
                Cancel();
            });
        }
        if (context.Log is not null) context.Verbose(command.CommandText + DescribeParameters(command));
        _listener = connection.BeginCommand(command, context);
    }

    private void Cancel()
    {
        try
        {
            _connection.CancelCommand(_command);
        }
        catch (Exception)
        {
            // the command may have finished in the meantime
        }
    }

    private static string DescribeParameters(DbCommand command)
    {
        if (command.Parameters.Count == 0) return "";
        var names = new string[command.Parameters.Count];
        for (int i = 0; i < names.Length; i++) names[i] = command.Parameters[i].ParameterName;
        return "  -- parameters: " + string.Join(", ", names);
    }

    /// <summary>Starts the timeout window (before a call into the driver).</summary>
    public void Arm()
    {
        if (_timeout is not null && !_timeout.IsCancellationRequested) _timeout.CancelAfter(_context.CommandTimeout!.Value);
    }

    /// <summary>Stops the timeout window (after the call returned).</summary>
    public void Disarm()
    {
        if (_timeout is not null && !_timeout.IsCancellationRequested) _timeout.CancelAfter(Timeout.InfiniteTimeSpan);
    }

    /// <summary>Runs one driver call inside the timeout window, translating failures.</summary>
    public T Run<T>(Func<DbCommand, T> call)
    {
        _session.Settle(_command.Transaction);
        Arm();
        try
        {
            return call(_command);
        }
        catch (Exception ex) when (Translate(ex) is { } translated)
        {
            throw translated;
        }
        finally
        {
            Disarm();
        }
    }

    /// <summary>Reads the next row inside the timeout window.</summary>
    public bool Read(DbDataReader reader)
    {
        Arm();
        try
        {
            return reader.Read();
        }
        catch (Exception ex) when (Translate(ex) is { } translated)
        {
            throw translated;
        }
        finally
        {
            Disarm();
        }
    }

    /// <summary>Moves to the next result set inside the timeout window.</summary>
    public bool NextResult(DbDataReader reader)
    {
        Arm();
        try
        {
            return reader.NextResult();
        }
        catch (Exception ex) when (Translate(ex) is { } translated)
        {
            throw translated;
        }
        finally
        {
            Disarm();
        }
    }

    /// <summary>The exception to throw instead of <paramref name="exception"/>, or null to let it pass.</summary>
    public Exception? Translate(Exception exception)
    {
        if (exception is MlDbException) return null;
        if (_timedOut)
            return new MlDbException(MlDbErrorIds.CommandTimeout, MlDbErrorKind.OperationTimeout,
                $"The SQL command did not finish within the time limit of {_context.CommandTimeout!.Value.TotalSeconds:0.###} seconds (-TimeoutSeconds).",
                _command.CommandText, exception);
        if (_context.CancellationToken.IsCancellationRequested && (_connection.IsCancellation(exception) || exception is DbException))
            return new OperationCanceledException("The SQL command was cancelled.", exception, _context.CancellationToken);
        if (_connection.DescribeConnectionLoss(exception) is { } lost)
            return new MlDbException(MlDbErrorIds.ConnectionFailed, MlDbErrorKind.ConnectionError, lost, _connection.Name, exception);
        if (exception is DbException db)
            return new MlDbException(MlDbErrorIds.CommandFailed, MlDbErrorKind.InvalidOperation, db.Message, _command.CommandText, db);
        return null;
    }

    public void Dispose()
    {
        _listener?.Dispose();
        _userRegistration.Dispose();
        _timeoutRegistration.Dispose();
        _timeout?.Dispose();
    }
}
