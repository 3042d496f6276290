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
    public static ErrorRecord ToErrorRecord(Exception ex, object? target, bool compiling = false, MlSandboxLimits? limits = null)
    {
        switch (ex)
        {
            case MlRecordException record when record.InnerException is MlScriptException script:
                {
                    // the exception's message is the ML message (the thrown string); the details name the record
                    string id = script.IsLimitError ? LimitId(script) : Prefix(record.ErrorId);
                    var category = script.IsLimitError ? LimitCategory(script) : ErrorCategory.InvalidData;
                    var error = new ErrorRecord(Wrap(script), id, category, target ?? record.RecordText);
                    string hint = script.IsLimitError ? LimitSentence(script, limits ?? MlSandboxLimits.None) : "";
                    error.ErrorDetails = new ErrorDetails(hint.Length == 0 ? record.Message : record.Message + " (" + hint + ")");
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
                    // Top-level code that fails while a script loads is a runtime error, not a compile error.
                    bool compileError = compiling && script.IsCompileError;
                    string id = compileError ? ErrorIds.ScriptCompile : script.IsLimitError ? LimitId(script) : ErrorIds.ScriptRuntime;
                    var category = compileError ? ErrorCategory.ParserError : script.IsLimitError ? LimitCategory(script) : ErrorCategory.InvalidOperation;
                    var error = new ErrorRecord(wrapped, id, category, target ?? wrapped.ThrownData);
                    // Every ML error shows its full report: type, message, file:line and the ML stack
                    // (Exception.Message stays exactly the thrown text). Limits also name their parameter.
                    error.ErrorDetails = new ErrorDetails(script.IsLimitError ? LimitReport(script, limits ?? MlSandboxLimits.None) : script.Report);
                    return error;
                }
            case MlConversionException conversion:
                {
                    // Too deep, or a copy far larger than the value (shared parts): limits, with their ids.
                    string shortId = conversion.IsDepthLimit ? MlDbErrorIds.NestingLimit : conversion.IsSizeLimit ? MlDbErrorIds.SizeLimit : MlDbErrorIds.ConversionFailed;
                    var category = conversion.IsDepthLimit || conversion.IsSizeLimit ? ErrorCategory.LimitsExceeded : ErrorCategory.InvalidData;
                    return new ErrorRecord(new MlDbErrorException(conversion.Message, shortId, conversion), Prefix(shortId), category, target);
                }
            default:
                return new ErrorRecord(ex, "MlDb.Unexpected", ErrorCategory.NotSpecified, target);
        }
    }

    private static string Prefix(string id) => ErrorIds.Prefix + id;

    // ---- limit errors -------------------------------------------------------------------------

    /// <summary>MlDb.StepLimit, MlDb.MemoryLimit, … (MlDb.CommandTimeout for the time limit).</summary>
    private static string LimitId(MlScriptException script) => Prefix(MlDbErrorIds.ForLimit(script.LimitKind) ?? MlDbErrorIds.ScriptRuntime);

    private static ErrorCategory LimitCategory(MlScriptException script) => script.LimitKind switch
    {
        MlLimitKind.Time or MlLimitKind.RegexTime => ErrorCategory.OperationTimeout,
        MlLimitKind.Cancellation => ErrorCategory.OperationStopped,
        _ => ErrorCategory.LimitsExceeded,
    };

    /// <summary>The report with its first line naming the limit and the parameter that sets it.</summary>
    private static string LimitReport(MlScriptException script, MlSandboxLimits limits)
    {
        string sentence = LimitSentence(script, limits);
        string first = $"{script.ErrorType}: {script.Message}";
        if (sentence.Length > 0) first += ": " + sentence;
        return script.MlStackTrace.Length == 0 ? first : first + "\n" + script.MlStackTrace;
    }

    /// <summary>What was exceeded, in the words of the cmdlet's parameters ("" when no parameter sets it).</summary>
    internal static string LimitSentence(MlScriptException script, MlSandboxLimits limits)
    {
        var culture = System.Globalization.CultureInfo.InvariantCulture;
        switch (script.LimitKind)
        {
            case MlLimitKind.Time when limits.TimeoutSeconds > 0:
                return string.Format(culture, "the ML code did not finish within the time limit of {0} second{1} (-TimeoutSeconds)", limits.TimeoutSeconds, limits.TimeoutSeconds == 1 ? "" : "s");
            case MlLimitKind.Steps when limits.MaxSteps > 0:
                return string.Format(culture, "the ML code took more than the {0:N0} steps of -MaxSteps", limits.MaxSteps);
            case MlLimitKind.Memory when limits.MaxMemoryMB > 0:
                return "set by -MaxMemoryMB";
            case MlLimitKind.OutOfMemory:
                return "no -MaxMemoryMB was set, so the call was stopped where the process would have run out of memory";
            case MlLimitKind.Size:
                {
                    var parts = new List<string>();
                    if (limits.MaxCollectionSize > 0) parts.Add(string.Format(culture, "an array or object of more than {0:N0} elements (-MaxCollectionSize)", limits.MaxCollectionSize));
                    if (limits.MaxStringLength > 0) parts.Add(string.Format(culture, "a string of more than {0:N0} code units (-MaxStringLength)", limits.MaxStringLength));
                    return parts.Count == 0 ? "a value larger than .NET allows" : string.Join(" or ", parts);
                }
            case MlLimitKind.CallDepth:
                return "more nested ML calls than the call depth limit of 10,000 (runaway recursion?)";
            default:
                return "";
        }
    }
}
