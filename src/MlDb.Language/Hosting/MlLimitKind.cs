namespace MlDb.Language;

/// <summary>
/// Which sandbox limit (spec §12) ended a call with a LimitError. Hosts map each kind to their
/// own error identifier; <see cref="None"/> marks every error that is not a limit.
/// </summary>
public enum MlLimitKind
{
    None,

    /// <summary><see cref="MlCallOptions.MaxSteps"/> ran out: "step limit exceeded".</summary>
    Steps,

    /// <summary><see cref="MlCallOptions.Timeout"/> passed: "time limit exceeded".</summary>
    Time,

    /// <summary><see cref="MlCallOptions.CancellationToken"/> was cancelled: "cancelled".</summary>
    Cancellation,

    /// <summary>More nested ML calls than <see cref="MlCallOptions.MaxCallDepth"/>: "call depth limit exceeded".</summary>
    CallDepth,

    /// <summary>The .NET stack of the host ran out before the call depth limit did.</summary>
    HostStack,

    /// <summary>An array or object over <see cref="MlCallOptions.MaxCollectionSize"/>, or a string over <see cref="MlCallOptions.MaxStringLength"/>: "size limit exceeded".</summary>
    Size,

    /// <summary>The values of the call would hold more than <see cref="MlCallOptions.MaxMemoryBytes"/>: "memory limit exceeded".</summary>
    Memory,

    /// <summary>
    /// No memory limit was set, and the call would have taken more memory than the process can
    /// spare (or .NET ran out of memory): "memory limit exceeded (…)".
    /// </summary>
    OutOfMemory,

    /// <summary>A value nested more than 1 000 levels deep met equality, <c>str</c>, JSON or host conversion.</summary>
    Nesting,

    /// <summary>One regular-expression match operation ran longer than its 1 s limit.</summary>
    RegexTime,
}
