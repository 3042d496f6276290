using System.Management.Automation;

namespace MlDb.PowerShell;

/// <summary>The database kinds <c>Connect-MlDatabase -Provider</c> accepts.</summary>
public enum MlDbProvider
{
    Sqlite,
    Postgres,
    Mongo,
    Redis,
}

/// <summary>What <c>Add-MlRecord -OnConflict</c> does with a record whose <c>-Key</c> already exists.</summary>
public enum MlConflictAction
{
    /// <summary>The record is skipped with a non-terminating error; the others go on.</summary>
    Error,

    /// <summary>The existing row (document) stays as it is.</summary>
    Ignore,

    /// <summary>The existing row's other columns are set from the record.</summary>
    Update,
}

/// <summary>
/// A registered connection, as <c>Get-MlConnection</c> and <c>Connect-MlDatabase -PassThru</c>
/// show it. <see cref="ConnectionString"/> is the connection string with every password removed.
/// Pass it to <c>-Connection</c> (or its name).
/// </summary>
public sealed class MlConnectionInfo
{
    internal MlConnectionInfo(object connection, string name, MlDbProvider provider, string connectionString, string? database, DateTime connectedAt)
    {
        Connection = connection;
        Name = name;
        Provider = provider;
        ConnectionString = connectionString;
        Database = database;
        ConnectedAt = connectedAt;
    }

    public string Name { get; }

    public MlDbProvider Provider { get; }

    /// <summary>Where the connection points; never contains a password.</summary>
    public string ConnectionString { get; }

    /// <summary>The database file (SQLite) or default database (MongoDB); empty when not applicable.</summary>
    public string? Database { get; }

    /// <summary>When the connection was made (UTC).</summary>
    public DateTime ConnectedAt { get; }

    /// <summary>False once the connection was closed (Disconnect-MlDatabase, or replaced under its name).</summary>
    public bool IsOpen => !((MlDb.Data.MlConnection)Connection).IsDisposed;

    /// <summary>The provider connection (an MlDb.Data.MlConnection), for the cmdlets.</summary>
    internal object Connection { get; }

    public override string ToString() => $"{Name} ({Provider}: {ConnectionString})";
}

/// <summary>A compiled ML script, as <c>Import-MlScript</c> returns it; pass it to <c>-Script</c>.</summary>
public sealed class MlScriptInfo
{
    internal MlScriptInfo(object script, string path, DateTime lastWriteTimeUtc, string[] functions)
    {
        Script = script;
        Path = path;
        Name = System.IO.Path.GetFileName(path);
        LastWriteTimeUtc = lastWriteTimeUtc;
        Functions = functions;
    }

    /// <summary>The file name.</summary>
    public string Name { get; }

    /// <summary>The full path of the .ml file.</summary>
    public string Path { get; }

    /// <summary>The top-level functions, in source order.</summary>
    public string[] Functions { get; }

    /// <summary>The file's last write time (UTC) when it was compiled.</summary>
    public DateTime LastWriteTimeUtc { get; }

    /// <summary>The compiled script (an MlDb.Language.MlScript).</summary>
    internal object Script { get; }

    public override string ToString() => Path;
}

/// <summary>What <c>Add-MlRecord</c> writes per batch in batch mode.</summary>
public sealed class MlInsertBatchResult
{
    internal MlInsertBatchResult(string table, int inserted, int batch, int records, int updated = 0, int ignored = 0)
    {
        Table = table;
        Inserted = inserted;
        Batch = batch;
        Records = records;
        Updated = updated;
        Ignored = ignored;
    }

    public string Table { get; }

    /// <summary>Rows inserted by this batch (in one transaction).</summary>
    public int Inserted { get; }

    /// <summary>Existing rows this batch updated (-OnConflict Update; a key repeated in the batch counts each later record).</summary>
    public int Updated { get; }

    /// <summary>Records whose existing row this batch left as it was (-OnConflict Ignore).</summary>
    public int Ignored { get; }

    /// <summary>1-based number of the batch.</summary>
    public int Batch { get; }

    /// <summary>Records the batch held after the ML functions.</summary>
    public int Records { get; }
}

/// <summary>What <c>Invoke-MlTransaction</c> writes when the transaction committed.</summary>
public sealed class MlTransactionResult
{
    internal MlTransactionResult(int operations, long affected)
    {
        Operations = operations;
        Affected = affected;
    }

    public int Operations { get; }

    public long Affected { get; }
}

/// <summary>
/// An ML error (compile error, runtime error, uncaught <c>throw</c>, limit) as PowerShell sees
/// it. <see cref="Exception.Message"/> is the ML message — exactly the thrown string for
/// <c>throw "…"</c>. A thrown object is kept in <see cref="ThrownData"/> (and in
/// <c>Data['MlThrownData']</c>).
/// </summary>
public sealed class MlScriptErrorException : Exception
{
    internal MlScriptErrorException(string message, string errorType, string file, int line, int column, string mlStackTrace, string report, object? thrownData, Exception inner)
        : base(message, inner)
    {
        ErrorType = errorType;
        File = file;
        Line = line;
        Column = column;
        MlStackTrace = mlStackTrace;
        Report = report;
        ThrownData = thrownData;
        if (thrownData is not null) Data["MlThrownData"] = thrownData;
    }

    /// <summary>TypeError, ReferenceError, SyntaxError, LimitError, …, Error for thrown strings, or a thrown object's <c>type</c>.</summary>
    public string ErrorType { get; }

    public string File { get; }

    public int Line { get; }

    public int Column { get; }

    /// <summary>The <c>  at function (file, line L, column C)</c> lines, innermost first.</summary>
    public string MlStackTrace { get; }

    /// <summary>The full ML error report: <c>type: message</c> and the stack.</summary>
    public string Report { get; }

    /// <summary>The thrown value (PSCustomObject, array, string, …); null for runtime errors.</summary>
    public object? ThrownData { get; }
}

/// <summary>A problem MlDb found (bad identifier, failed command, rejected record, …); the ErrorRecord's id says which.</summary>
public sealed class MlDbErrorException : Exception
{
    internal MlDbErrorException(string message, string errorId, Exception? inner)
        : base(message, inner)
    {
        ErrorId = errorId;
    }

    /// <summary>The id without the <c>MlDb.</c> prefix (ConnectionNotFound, InvalidIdentifier, …).</summary>
    public string ErrorId { get; }
}

/// <summary>What <c>Test-MlScript -Detailed</c> writes for each file.</summary>
public sealed class MlScriptTestResult
{
    internal MlScriptTestResult(string path, MlScriptProblem[] errors, string[] functions)
    {
        Path = path;
        Name = System.IO.Path.GetFileName(path);
        Errors = errors;
        Functions = functions;
    }

    /// <summary>The full path of the .ml file.</summary>
    public string Path { get; }

    /// <summary>The file name.</summary>
    public string Name { get; }

    /// <summary>True when the file exists and compiles.</summary>
    public bool IsValid => Errors.Length == 0;

    /// <summary>Each problem found, with its line and column; empty when the script is valid.</summary>
    public MlScriptProblem[] Errors { get; }

    /// <summary>The top-level functions of a valid script, in source order.</summary>
    public string[] Functions { get; }

    public override string ToString() => $"{Path}: {(IsValid ? "valid" : string.Join("; ", Errors.Select(e => e.ToString())))}";
}

/// <summary>One problem <c>Test-MlScript -Detailed</c> found in a file.</summary>
public sealed class MlScriptProblem
{
    internal MlScriptProblem(string errorType, string message, int line, int column)
    {
        ErrorType = errorType;
        Message = message;
        Line = line;
        Column = column;
    }

    /// <summary>SyntaxError, ImportError, … (ScriptNotFound for a missing file).</summary>
    public string ErrorType { get; }

    public string Message { get; }

    /// <summary>1-based line (0 when the problem is not at a place in the file).</summary>
    public int Line { get; }

    /// <summary>1-based column (0 when the problem is not at a place in the file).</summary>
    public int Column { get; }

    public override string ToString() => Line > 0 ? $"line {Line}, column {Column}: {ErrorType}: {Message}" : $"{ErrorType}: {Message}";
}
