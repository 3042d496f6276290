using System.Management.Automation;
using MlDb.Data;
using MlDb.Language;

namespace MlDb.PowerShell;

/// <summary>The FullyQualifiedErrorIds of MlDb, all <c>MlDb.&lt;Name&gt;</c>.</summary>
internal static class ErrorIds
{
    public const string Prefix = "MlDb.";
    public const string ScriptCompile = Prefix + MlDbErrorIds.ScriptCompile;
    public const string ScriptRuntime = Prefix + MlDbErrorIds.ScriptRuntime;
    public const string CommandTimeout = Prefix + MlDbErrorIds.CommandTimeout;
    public const string ConversionFailed = Prefix + MlDbErrorIds.ConversionFailed;
    public const string RecordRejected = Prefix + MlDbErrorIds.RecordRejected;
}

/// <summary>Turns what the engine and the data layer throw into ErrorRecords with stable ids.</summary>
internal static class ErrorMapper
{
    public static ErrorCategory Category(MlDbErrorKind kind) => kind switch
    {
        MlDbErrorKind.InvalidArgument => ErrorCategory.InvalidArgument,
        MlDbErrorKind.ObjectNotFound => ErrorCategory.ObjectNotFound,
        MlDbErrorKind.InvalidData => ErrorCategory.InvalidData,
        MlDbErrorKind.OperationTimeout => ErrorCategory.OperationTimeout,
        MlDbErrorKind.ConnectionError => ErrorCategory.ConnectionError,
        MlDbErrorKind.WriteError => ErrorCategory.WriteError,
        MlDbErrorKind.ReadError => ErrorCategory.ReadError,
        MlDbErrorKind.NotInstalled => ErrorCategory.NotInstalled,
        _ => ErrorCategory.InvalidOperation,
    };

    /// <summary>True for the exception types this mapper knows (everything else is left to PowerShell).</summary>
    public static bool Handles(Exception ex) =>
        ex is MlDbException or MlScriptException or MlConversionException or OperationCanceledException;

    public static MlScriptErrorException Wrap(MlScriptException ex) =>
        new(ex.Message, ex.ErrorType, ex.File, ex.Line, ex.Column, ex.MlStackTrace, ex.Report, Materializer.FromHostData(ex.ThrownData), ex);

    /// <summary>
    /// The ErrorRecord for <paramref name="ex"/>; <paramref name="target"/> is the input it is
    /// about (the pipeline record), or null to use what the exception names.
    /// </summary>
    public static ErrorRecord ToErrorRecord(Exception ex, object? target, bool compiling = false)
    {
        switch (ex)
        {
            case MlRecordException record when record.InnerException is MlScriptException script:
                {
                    // the exception's message is the ML message (the thrown string); the details name the record
                    var error = new ErrorRecord(Wrap(script), Prefix(record.ErrorId), ErrorCategory.InvalidData, target ?? record.RecordText);
                    error.ErrorDetails = new ErrorDetails(record.Message);
                    return error;
                }
            case MlDbException db:
                {
                    string id = Prefix(db.ErrorId);
                    var error = new ErrorRecord(new MlDbErrorException(db.Message, db.ErrorId, db.InnerException), id, Category(db.Kind), target ?? db.Target);
                    return error;
                }
            case MlScriptException script:
                {
                    var wrapped = Wrap(script);
                    string id = compiling ? ErrorIds.ScriptCompile : script.IsTimeout ? ErrorIds.CommandTimeout : ErrorIds.ScriptRuntime;
                    var category = compiling ? ErrorCategory.ParserError : script.IsTimeout ? ErrorCategory.OperationTimeout : ErrorCategory.InvalidOperation;
                    var error = new ErrorRecord(wrapped, id, category, target ?? wrapped.ThrownData);
                    // Runtime and compile errors show the full report (type, position, ML stack);
                    // a thrown value shows exactly its message.
                    if (compiling || script.ThrownData is null) error.ErrorDetails = new ErrorDetails(script.Report);
                    return error;
                }
            case MlConversionException conversion:
                return new ErrorRecord(new MlDbErrorException(conversion.Message, MlDbErrorIds.ConversionFailed, conversion), ErrorIds.ConversionFailed, ErrorCategory.InvalidData, target);
            default:
                return new ErrorRecord(ex, "MlDb.Unexpected", ErrorCategory.NotSpecified, target);
        }
    }

    private static string Prefix(string id) => ErrorIds.Prefix + id;
}
