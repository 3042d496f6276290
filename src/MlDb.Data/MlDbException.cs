namespace MlDb.Data;

/// <summary>What kind of problem an <see cref="MlDbException"/> is; the PowerShell layer maps it to an ErrorCategory.</summary>
public enum MlDbErrorKind
{
    InvalidArgument,
    ObjectNotFound,
    InvalidData,
    InvalidOperation,
    OperationTimeout,
    ConnectionError,
    WriteError,
    ReadError,
    NotInstalled,
}

/// <summary>
/// The stable error identifiers of MlDb (the PowerShell layer prefixes them with <c>MlDb.</c> to
/// form the FullyQualifiedErrorId). Scripts catch on these, so they never change.
/// </summary>
public static class MlDbErrorIds
{
    public const string ConnectionNotFound = "ConnectionNotFound";
    public const string ConnectionFailed = "ConnectionFailed";
    public const string ProviderNotAvailable = "ProviderNotAvailable";
    public const string WrongProvider = "WrongProvider";
    public const string ScriptCompile = "ScriptCompile";
    public const string ScriptRuntime = "ScriptRuntime";
    public const string ScriptNotFound = "ScriptNotFound";
    public const string ScriptRequired = "ScriptRequired";
    public const string UnknownFunction = "UnknownFunction";
    public const string InvalidResult = "InvalidResult";
    public const string InvalidIdentifier = "InvalidIdentifier";
    public const string InvalidValue = "InvalidValue";
    public const string InvalidArgument = "InvalidArgument";
    public const string CommandTimeout = "CommandTimeout";
    public const string CommandFailed = "CommandFailed";
    public const string RecordRejected = "RecordRejected";
    public const string InsertFailed = "InsertFailed";
    public const string BatchRejected = "BatchRejected";
    public const string BatchFailed = "BatchFailed";
    public const string TransactionInvalid = "TransactionInvalid";
    public const string TransactionFailed = "TransactionFailed";
    public const string InvalidOperationSpec = "InvalidOperationSpec";
    public const string ConversionFailed = "ConversionFailed";
    public const string InvalidKey = "InvalidKey";

    // ML sandbox limits (spec §12): one id per kind of LimitError. The time limit shares
    // CommandTimeout with the database commands: -TimeoutSeconds bounds both.
    public const string StepLimit = "StepLimit";
    public const string MemoryLimit = "MemoryLimit";
    public const string OutOfMemory = "OutOfMemory";
    public const string SizeLimit = "SizeLimit";
    public const string CallDepthLimit = "CallDepthLimit";
    public const string StackLimit = "StackLimit";
    public const string NestingLimit = "NestingLimit";
    public const string RegexTimeout = "RegexTimeout";
    public const string Cancelled = "Cancelled";

    /// <summary>The id of an ML LimitError of kind <paramref name="kind"/>; null for errors that are not limits.</summary>
    public static string? ForLimit(MlDb.Language.MlLimitKind kind) => kind switch
    {
        MlDb.Language.MlLimitKind.Steps => StepLimit,
        MlDb.Language.MlLimitKind.Time => CommandTimeout,
        MlDb.Language.MlLimitKind.Cancellation => Cancelled,
        MlDb.Language.MlLimitKind.CallDepth => CallDepthLimit,
        MlDb.Language.MlLimitKind.HostStack => StackLimit,
        MlDb.Language.MlLimitKind.Size => SizeLimit,
        MlDb.Language.MlLimitKind.Memory => MemoryLimit,
        MlDb.Language.MlLimitKind.OutOfMemory => OutOfMemory,
        MlDb.Language.MlLimitKind.Nesting => NestingLimit,
        MlDb.Language.MlLimitKind.RegexTime => RegexTimeout,
        _ => null,
    };
}

/// <summary>
/// A problem found by the data layer, with a stable <see cref="ErrorId"/> (see
/// <see cref="MlDbErrorIds"/>), a <see cref="Kind"/> and the offending value when there is one.
/// </summary>
public class MlDbException : Exception
{
    public MlDbException(string errorId, MlDbErrorKind kind, string message, object? target = null, Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        Kind = kind;
        Target = target;
    }

    /// <summary>One of <see cref="MlDbErrorIds"/>.</summary>
    public string ErrorId { get; }

    public MlDbErrorKind Kind { get; }

    /// <summary>The value the error is about (a record, the list of validation errors, a name), as host data.</summary>
    public object? Target { get; }
}

/// <summary>
/// One input record (or one batch of records) could not be processed. The caller reports it and
/// goes on with the next record: nothing of this record was written.
/// </summary>
public sealed class MlRecordException : MlDbException
{
    public MlRecordException(string errorId, MlDbErrorKind kind, string message, int recordIndex, string recordText, Exception? inner = null)
        : base(errorId, kind, message, null, inner)
    {
        RecordIndex = recordIndex;
        RecordText = recordText;
    }

    /// <summary>0-based position of the record in the input (for a batch: of its first record).</summary>
    public int RecordIndex { get; }

    /// <summary>How messages name the record (<c>record 3 (email = "…")</c>: position and key) or the batch's range; never its values.</summary>
    public string RecordText { get; }
}
