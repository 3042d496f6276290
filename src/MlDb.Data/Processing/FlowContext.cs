using MlDb.Language;

namespace MlDb.Data.Processing;

/// <summary>
/// What a processing flow needs from its caller: cancellation, the per-command timeout, the ML
/// call options, and callbacks for logging, progress and the write gate (-WhatIf/-Confirm).
/// The PowerShell cmdlets fill it in; tests use it directly. A record: derive variants with <c>with</c>.
/// </summary>
public sealed record FlowContext
{
    public static FlowContext Default { get; } = new();

    /// <summary>Cancels SQL commands (the driver's Cancel) and ML calls together.</summary>
    public CancellationToken CancellationToken { get; init; }

    /// <summary>Limit for one SQL command (and, through <see cref="CallOptions"/>, for one ML call); null = none.</summary>
    public TimeSpan? CommandTimeout { get; init; }

    /// <summary>Options of every ML call the flow makes (should carry the same token and timeout).</summary>
    public MlCallOptions CallOptions { get; init; } = MlCallOptions.Default;

    /// <summary>Receives each SQL statement issued (never with values or credentials).</summary>
    public Action<string>? Log { get; init; }

    /// <summary>
    /// Asked before anything is written: (target, action) → go ahead? Returning false means
    /// "show, don't write" (-WhatIf or a declined -Confirm). Null = always write.
    /// </summary>
    public Func<string, string, bool>? ShouldWrite { get; init; }

    /// <summary>Progress: (what is happening, items done so far). Called often; the receiver throttles.</summary>
    public Action<string, long>? Progress { get; init; }

    /// <summary>
    /// True when each write is shown or asked about (-WhatIf, -Confirm) rather than just done: flows
    /// then spend a lookup to say what a write would do (insert, or update an existing row).
    /// </summary>
    public bool PreviewWrites { get; init; }

    internal bool AllowWrite(string target, string action) => ShouldWrite?.Invoke(target, action) ?? true;

    internal void Verbose(string message) => Log?.Invoke(message);

    /// <summary>A context with the same settings and the given call options.</summary>
    public FlowContext WithCallOptions(MlCallOptions options) => this with { CallOptions = options };

    /// <summary>
    /// The context for commands a flow runs without telling the user about each one (per-record
    /// statements, statements on a timer thread, where the log callback must not be called): the
    /// same cancellation and time limit, no log, no progress, no write gate.
    /// </summary>
    public FlowContext Quiet() => new()
    {
        CancellationToken = CancellationToken,
        CommandTimeout = CommandTimeout,
        CallOptions = CallOptions,
    };
}

/// <summary>A top-level ML function of a compiled script, checked to exist, with the options to call it with.</summary>
public sealed class MlFunctionCall
{
    public MlFunctionCall(MlScript script, string functionName, MlCallOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(script);
        ArgumentException.ThrowIfNullOrEmpty(functionName);
        if (!script.HasFunction(functionName))
        {
            string known = script.Functions.Count == 0 ? "it defines no functions" : "its functions are: " + string.Join(", ", script.FunctionNames);
            throw new MlDbException(MlDbErrorIds.UnknownFunction, MlDbErrorKind.ObjectNotFound,
                $"The script '{script.FileName}' has no top-level function named '{functionName}'; {known}.", functionName);
        }
        Script = script;
        Name = functionName;
        Options = options ?? MlCallOptions.Default;
    }

    public MlScript Script { get; }

    public string Name { get; }

    public MlCallOptions Options { get; }

    /// <summary>Calls the function with one argument. Throws <see cref="MlScriptException"/> when ML fails or throws.</summary>
    public MlValue Call(MlValue argument) => Script.Call(Name, argument, Options);

    public override string ToString() => Name;
}

/// <summary>Short texts of ML values for messages (errors naming a record, -WhatIf descriptions).</summary>
public static class MlText
{
    /// <summary>Compact JSON of the value, cut to <paramref name="max"/> characters.</summary>
    public static string Describe(MlValue value, int max = 200)
    {
        string text;
        try
        {
            text = MlJson.Stringify(value, null) ?? value.TypeName;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            text = "<" + value.TypeName + ">";
        }
        return text.Length <= max ? text : text[..(max - 1)] + "…";
    }
}
