using System.Collections;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Management.Automation;
using MlDb.Data;
using MlDb.Data.Processing;
using MlDb.Language;

namespace MlDb.PowerShell;

/// <summary>
/// Base of every MlDb cmdlet: a cancellation token that Ctrl+C (StopProcessing) cancels and that
/// reaches both the interpreter and the database command; error helpers with stable ids; ML
/// output routed to PowerShell streams; throttled Write-Progress completed at the end; and the
/// resolution of <c>-Script</c> (object or path, compiled once per file version).
/// </summary>
public abstract class MlCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<(int Level, string Text)> _scriptOutput = new();
    private readonly List<IDisposable> _resources = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _lastProgressMs = -1;
    private bool _progressShown;
    private int _progressId;

    /// <summary>Cancelled when the user presses Ctrl+C (or the pipeline is stopped).</summary>
    protected CancellationToken CancellationToken => _stop.Token;

    protected override void StopProcessing() => _stop.Cancel();

    /// <summary>Disposed when the cmdlet is (flows, inserters, leases).</summary>
    internal T Track<T>(T resource) where T : IDisposable
    {
        _resources.Add(resource);
        return resource;
    }

    public void Dispose()
    {
        CompleteProgress();
        for (int i = _resources.Count - 1; i >= 0; i--)
        {
            try { _resources[i].Dispose(); }
            catch (Exception) { /* disposal must not hide the command's own outcome */ }
        }
        _resources.Clear();
        _stop.Dispose();
        GC.SuppressFinalize(this);
    }

    // ---- errors -------------------------------------------------------------------------------

    /// <summary>Ends the command with the ErrorRecord for <paramref name="ex"/> (Ctrl+C ends it as stopped).</summary>
    internal void ThrowError(Exception ex, object? target = null, bool compiling = false)
    {
        FlushScriptOutput();
        if (IsStop(ex)) throw new PipelineStoppedException();
        ThrowTerminatingError(ErrorMapper.ToErrorRecord(ex, target, compiling, Limits));
    }

    /// <summary>Reports <paramref name="ex"/> for one input record and lets the command go on.</summary>
    internal void WriteRecordError(Exception ex, object? target)
    {
        FlushScriptOutput();
        if (IsStop(ex)) throw new PipelineStoppedException();
        WriteError(ErrorMapper.ToErrorRecord(ex, target, limits: Limits));
    }

    internal void ThrowError(string id, ErrorCategory category, string message, object? target)
    {
        string shortId = id.StartsWith(ErrorIds.Prefix, StringComparison.Ordinal) ? id[ErrorIds.Prefix.Length..] : id;
        ThrowTerminatingError(new ErrorRecord(new MlDbErrorException(message, shortId, null), id, category, target));
    }

    private bool IsStop(Exception ex) =>
        _stop.IsCancellationRequested && (ex is OperationCanceledException || ex is MlScriptException { IsCancellation: true });

    // ---- ML call options, output and progress ------------------------------------------------------

    /// <summary>The sandbox limits of this command's ML calls (none unless the cmdlet takes the limit parameters).</summary>
    internal virtual MlSandboxLimits Limits => MlSandboxLimits.None;

    /// <summary>Options for every ML call of this command: Ctrl+C, the sandbox limits, output routed to streams.</summary>
    internal MlCallOptions CallOptions() => Limits.Apply(new MlCallOptions
    {
        CancellationToken = CancellationToken,
        Output = (level, text) =>
        {
            _scriptOutput.Enqueue(((int)level, text));
            _outputWaiting?.Set();
        },
    });

    /// <summary>Set while <see cref="RunWithLiveOutput"/> waits: ML output wakes the pipeline thread to write it.</summary>
    private volatile ManualResetEventSlim? _outputWaiting;

    /// <summary>
    /// Runs <paramref name="work"/> (ML that may run long: a script's top-level code) on a worker
    /// thread while this, the pipeline thread — the only one allowed to write to PowerShell's
    /// streams — writes what the ML prints as it is printed. Ctrl+C cancels the work through the
    /// cancellation token of the call options. Exceptions of the work are rethrown here.
    /// </summary>
    internal T RunWithLiveOutput<T>(Func<T> work)
    {
        using var wake = new ManualResetEventSlim(false);
        _outputWaiting = wake;
        try
        {
            var task = Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            task.ContinueWith(_ => wake.Set(), TaskScheduler.Default);
            while (!task.IsCompleted)
            {
                wake.Wait();
                wake.Reset();
                FlushScriptOutput();
            }
            FlushScriptOutput();
            return task.GetAwaiter().GetResult();
        }
        finally
        {
            _outputWaiting = null;
        }
    }

    /// <summary>
    /// The flow context of this command: cancellation, the command timeout (-TimeoutSeconds, also
    /// the limit of each database command), verbose SQL, progress (<paramref name="work"/>: what
    /// it works on, see <see cref="ReportProgress"/>), and the write gate.
    /// </summary>
    internal FlowContext CreateFlowContext(int timeoutSeconds, string work, bool gateWrites)
    {
        return new FlowContext
        {
            CancellationToken = CancellationToken,
            CommandTimeout = timeoutSeconds > 0 ? TimeSpan.FromSeconds(timeoutSeconds) : null,
            CallOptions = CallOptions(),
            Log = WriteVerbose,
            Progress = (status, count) => ReportProgress(work, status, count),
            ShouldWrite = gateWrites ? (target, action) => { FlushScriptOutput(); return ShouldProcess(target, action); } : null,
        };
    }

    /// <summary>Writes what ML printed (print, console.*) since the last call: log/info → Information, warn/error → Warning, debug → Debug.</summary>
    internal void FlushScriptOutput()
    {
        while (_scriptOutput.TryDequeue(out var line))
        {
            switch ((MlOutputLevel)line.Level)
            {
                case MlOutputLevel.Warn:
                case MlOutputLevel.Error:
                    WriteWarning(line.Text);
                    break;
                case MlOutputLevel.Debug:
                    WriteDebug(line.Text);
                    break;
                default:
                    WriteInformation(new InformationRecord(line.Text, "ML") { Tags = { "MlDb", "print" } });
                    break;
            }
        }
    }

    /// <summary>
    /// Write-Progress once the work has run longer than a second (at most four updates a second).
    /// The record's Activity is always the cmdlet's name (what a user filters progress on, and what
    /// a host shows as the title); <paramref name="work"/> says what it works on (a table, a
    /// pattern) and becomes the CurrentOperation, without the cmdlet name it may start with.
    /// </summary>
    internal void ReportProgress(string work, string status, long count, bool force = false)
    {
        long now = _clock.ElapsedMilliseconds;
        if (!force && (now < 1000 || (_lastProgressMs >= 0 && now - _lastProgressMs < 250))) return;
        _lastProgressMs = now;
        if (_progressId == 0) _progressId = Math.Abs(GetHashCode() % 10000) + 1;
        _progressShown = true;
        var record = new ProgressRecord(_progressId, ProgressActivity, $"{status}: {count:N0}");
        string operation = work.StartsWith(ProgressActivity, StringComparison.OrdinalIgnoreCase) ? work[ProgressActivity.Length..].Trim() : work.Trim();
        if (operation.Length > 0) record.CurrentOperation = operation;
        WriteProgress(record);
    }

    /// <summary>The Activity of this command's progress records: the cmdlet's name.</summary>
    private string ProgressActivity => MyInvocation?.MyCommand?.Name is { Length: > 0 } name ? name : "MlDb";

    /// <summary>Closes the progress bar if one was shown (called from finally blocks and Dispose).</summary>
    internal void CompleteProgress()
    {
        if (!_progressShown) return;
        _progressShown = false;
        try
        {
            WriteProgress(new ProgressRecord(_progressId, ProgressActivity, "Done") { RecordType = ProgressRecordType.Completed });
        }
        catch (Exception)
        {
            // the pipeline may already be stopped
        }
    }

    // ---- scripts -------------------------------------------------------------------------------------

    /// <summary>
    /// The compiled script of a -Script value (MlScriptInfo or path). Terminating errors:
    /// MlDb.ScriptNotFound, MlDb.ScriptCompile.
    /// </summary>
    internal MlScriptInfo ResolveScript(object script)
    {
        if (script is PSObject pso) script = pso.BaseObject;
        if (script is MlScriptInfo info) return info;
        string path = script as string ?? script.ToString() ?? "";
        string full = ResolveFilePath(path, mustExist: true, "MlDb." + MlDbErrorIds.ScriptNotFound, "ML script");
        try
        {
            // A script compiled before runs no ML now: no need for a worker thread.
            if (ScriptCache.TryGetCurrent(full, out var cached)) return cached;
            var options = CallOptions();
            return RunWithLiveOutput(() => ScriptCache.Get(full, options));
        }
        catch (MlScriptException ex)
        {
            ThrowError(ex, full, compiling: true);
            throw;
        }
        catch (IOException ex)
        {
            ThrowError("MlDb." + MlDbErrorIds.ScriptNotFound, ErrorCategory.ReadError, $"Cannot read the ML script '{full}': {ex.Message}", full);
            throw;
        }
        finally
        {
            FlushScriptOutput();
        }
    }

    /// <summary>The function of a script, checked to exist (MlDb.UnknownFunction otherwise).</summary>
    internal MlFunctionCall ResolveFunction(MlScriptInfo script, string name)
    {
        try
        {
            return new MlFunctionCall((MlScript)script.Script, name, CallOptions());
        }
        catch (MlDbException ex)
        {
            ThrowError(ex, name);
            throw;
        }
    }

    /// <summary>
    /// A file-system path from what the user typed: relative to the current location, PowerShell
    /// drives allowed. With <paramref name="mustExist"/> a missing file is a terminating error.
    /// </summary>
    internal string ResolveFilePath(string path, bool mustExist, string notFoundId, string what)
    {
        string full;
        try
        {
            full = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out var provider, out _);
            if (!string.Equals(provider.Name, "FileSystem", StringComparison.OrdinalIgnoreCase))
                ThrowError(notFoundId, ErrorCategory.InvalidArgument, $"The {what} path '{path}' is not a file-system path.", path);
        }
        catch (Exception ex) when (ex is ItemNotFoundException or System.Management.Automation.DriveNotFoundException or ProviderNotFoundException or PSArgumentException or NotSupportedException)
        {
            ThrowError(notFoundId, ErrorCategory.ObjectNotFound, $"The {what} path '{path}' cannot be resolved: {ex.Message}", path);
            throw;
        }
        if (mustExist && !File.Exists(full))
            ThrowError(notFoundId, ErrorCategory.ObjectNotFound, $"The {what} '{full}' does not exist.", path);
        return full;
    }

    // ---- values ----------------------------------------------------------------------------------------

    /// <summary>A PowerShell value as ML (MlDb.ConversionFailed naming the path when it cannot be).</summary>
    internal static MlValue ToMl(object? value) => PowerShellToMlConverter.Instance.ToMl(value);

    /// <summary>Writes an ML result: arrays are enumerated into the pipeline, objects become PSCustomObject (or ordered dictionaries).</summary>
    internal void WriteMl(MlValue value, bool asHashtable)
    {
        FlushScriptOutput();
        object? host;
        try
        {
            host = Materializer.ToPowerShell(value, asHashtable);
        }
        catch (OutOfMemoryException)
        {
            // The ML values fitted, their PowerShell copy did not: an MlDb error, not a crash.
            GC.Collect();
            ThrowError("MlDb." + MlDbErrorIds.OutOfMemory, ErrorCategory.LimitsExceeded,
                "The result of the ML call is too large to copy into PowerShell objects: the process ran out of memory. Return less (or aggregate in ML).", null);
            throw;
        }
        if (host is object?[] array) WriteObject(array, enumerateCollection: true);
        else WriteObject(host);
    }

    /// <summary>A dictionary-like PowerShell value (IDictionary, PSCustomObject, JSON object text) as an ML object.</summary>
    internal static MlObject ToMlObject(object? value, string parameterName)
    {
        var ml = value is string text ? MlJson.Parse(text) : ToMl(value);
        if (ml.TryGetObject(out var obj)) return obj;
        throw new MlDbException(MlDbErrorIds.InvalidArgument, MlDbErrorKind.InvalidArgument,
            $"-{parameterName} must be a hashtable, a PSCustomObject or a JSON object; it is a {ml.TypeName}.", value);
    }

    internal static bool IsList(object? value, out IList list)
    {
        var v = value is PSObject pso ? pso.BaseObject : value;
        if (v is IList l and not IDictionary && v is not string && v is not byte[])
        {
            list = l;
            return true;
        }
        list = Array.Empty<object>();
        return false;
    }
}

/// <summary>
/// A cmdlet that runs ML: the sandbox limits of every ML call it makes (spec §12), as parameters.
/// Module-wide defaults come the PowerShell way: <c>$PSDefaultParameterValues['*-Ml*:MaxMemoryMB'] = 256</c>.
/// </summary>
public abstract class MlSandboxedCmdlet : MlCmdlet
{
    /// <summary>Limit for each ML call (and each database command), in seconds (default: none). Exceeding it is the MlDb.CommandTimeout error.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int TimeoutSeconds { get; set; }

    /// <summary>Most ML steps (statements, loop iterations, calls) in one ML call (default: none).</summary>
    [Parameter]
    [ValidateRange(1L, long.MaxValue)]
    public long MaxSteps { get; set; }

    /// <summary>Most memory one ML call may hold, in megabytes (default: none).</summary>
    [Parameter]
    [ValidateRange(1, 1024 * 1024)]
    public int MaxMemoryMB { get; set; }

    /// <summary>Most elements in one ML array or object (default: none).</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int MaxCollectionSize { get; set; }

    /// <summary>Most UTF-16 code units in one ML string (default: none).</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int MaxStringLength { get; set; }

    internal override MlSandboxLimits Limits => new(TimeoutSeconds, MaxSteps, MaxMemoryMB, MaxCollectionSize, MaxStringLength);
}

/// <summary>A cmdlet that works on a connection but runs no ML: <c>-Connection</c> (name or object; <c>default</c> when omitted).</summary>
public abstract class MlConnectedCmdlet : MlCmdlet, IMlConnectionParameter
{
    /// <summary>A connection name or the object Connect-MlDatabase -PassThru returned; default: the connection named 'default'.</summary>
    [Parameter]
    [MlConnectionTransformation]
    [ArgumentCompleter(typeof(MlConnectionNameCompleter))]
    [ValidateNotNull]
    public object? Connection { get; set; }
}

/// <summary>A cmdlet with a <c>-Connection</c> parameter.</summary>
internal interface IMlConnectionParameter
{
    object? Connection { get; }
}

/// <summary>Resolves a <c>-Connection</c> value (name, object, or omitted) for any cmdlet that has one.</summary>
internal static class ConnectionResolver
{
    /// <summary>The resolved connection (MlDb.ConnectionNotFound when the name is not registered or the object was closed).</summary>
    public static MlConnection ResolveConnection<T>(this T cmdlet) where T : MlCmdlet, IMlConnectionParameter
    {
        var value = cmdlet.Connection is PSObject pso ? pso.BaseObject : cmdlet.Connection;
        MlConnectionInfo? info = value as MlConnectionInfo;
        string name = value as string ?? ConnectionRegistry.DefaultName;
        info ??= ConnectionRegistry.Current.Get(name);
        if (info is null)
        {
            string hint = ConnectionRegistry.Current.All() is { Length: > 0 } all
                ? "Connected: " + string.Join(", ", all.Select(c => c.Name)) + "."
                : "No connection is open: use Connect-MlDatabase first.";
            cmdlet.ThrowError("MlDb." + MlDbErrorIds.ConnectionNotFound, ErrorCategory.ObjectNotFound, $"There is no connection named '{name}'. {hint}", name);
        }
        var connection = (MlConnection)info!.Connection;
        if (connection.IsDisposed)
            cmdlet.ThrowError("MlDb." + MlDbErrorIds.ConnectionNotFound, ErrorCategory.ResourceUnavailable,
                $"The connection '{connection.Name}' has been closed (Disconnect-MlDatabase, or replaced by a new connection of that name).", info);
        return connection;
    }

    /// <summary>The resolved connection, which must be of provider type <typeparamref name="TConnection"/> (MlDb.WrongProvider otherwise).</summary>
    public static TConnection ResolveConnection<TCmdlet, TConnection>(this TCmdlet cmdlet, string what, string needs)
        where TCmdlet : MlCmdlet, IMlConnectionParameter
        where TConnection : MlConnection
    {
        var connection = cmdlet.ResolveConnection();
        if (connection is TConnection typed) return typed;
        cmdlet.ThrowError("MlDb." + MlDbErrorIds.WrongProvider, ErrorCategory.InvalidArgument,
            $"{what} needs {needs}; '{connection.Name}' is a {connection.Provider} connection.", connection.Name);
        throw new InvalidOperationException();
    }
}

/// <summary>A connected cmdlet that runs ML: <c>-Connection</c>, <c>-Script</c> (object or path, cached), <c>-Function</c>, and the sandbox limits.</summary>
public abstract class MlScriptedCmdlet : MlSandboxedCmdlet, IMlConnectionParameter
{
    /// <summary>A connection name or the object Connect-MlDatabase -PassThru returned; default: the connection named 'default'.</summary>
    [Parameter]
    [MlConnectionTransformation]
    [ArgumentCompleter(typeof(MlConnectionNameCompleter))]
    [ValidateNotNull]
    public object? Connection { get; set; }

    /// <summary>A compiled script (Import-MlScript) or the path of a .ml file.</summary>
    [Parameter]
    [MlScriptTransformation]
    [ValidateNotNull]
    public object? Script { get; set; }

    /// <summary>The top-level ML function to run.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(MlFunctionNameCompleter))]
    public string? Function { get; set; }

    private MlScriptInfo? _script;

    /// <summary>The resolved connection, which must be a SQL one (MlDb.WrongProvider otherwise).</summary>
    internal MlSqlConnection ResolveSqlConnection(string what) =>
        this.ResolveConnection<MlScriptedCmdlet, MlSqlConnection>(what, "a SQL connection (Sqlite or Postgres)");

    /// <summary>The compiled -Script, or null when none was given.</summary>
    internal MlScriptInfo? ResolvedScript => _script ??= Script is null ? null : ResolveScript(Script);

    /// <summary>The ML function named by a -…Function parameter (null when the name is null); -Script must be given.</summary>
    internal MlFunctionCall? ResolveFunctionParameter(string? name, string parameterName)
    {
        if (name is null) return null;
        var script = ResolvedScript;
        if (script is null)
            ThrowError("MlDb." + MlDbErrorIds.ScriptRequired, ErrorCategory.InvalidArgument, $"-{parameterName} names an ML function: give the script with -Script.", name);
        return ResolveFunction(script!, name);
    }
}
