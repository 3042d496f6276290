namespace MlDb.Language;

/// <summary>Where <c>print</c> and <c>console.*</c> output goes.</summary>
public enum MlOutputLevel
{
    Log,
    Info,
    Warn,
    Error,
    Debug,
}

/// <summary>
/// Per-call settings (spec §12): limits, cancellation, and the host services a script may use.
/// Defaults bound only the call depth, so legitimate database work is never cut short.
/// </summary>
public sealed record MlCallOptions
{
    public const int DefaultMaxCallDepth = 10_000;

    public static MlCallOptions Default { get; } = new();

    /// <summary>Cancels the call promptly (checked at least every 1 000 steps).</summary>
    public CancellationToken CancellationToken { get; init; }

    /// <summary>Wall-clock limit for one call; null = none.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Step budget (statements, loop iterations, calls); null = none.</summary>
    public long? MaxSteps { get; init; }

    /// <summary>Nested ML calls allowed, builtin callbacks included.</summary>
    public int MaxCallDepth { get; init; } = DefaultMaxCallDepth;

    /// <summary>Most elements in one array or object; null = none.</summary>
    public int? MaxCollectionSize { get; init; }

    /// <summary>
    /// Most memory the values of one call may hold, in bytes: an estimate of the size of what the
    /// call can still reach (strings, arrays, objects, closures; the script's top-level variables
    /// included, the arguments the host passed in not — they are measured when the call is first
    /// measured, so what it added to them before then is not charged either), checked before each
    /// large value is created and at least every 1 000 steps. Garbage does not count. Exceeding it is a LimitError
    /// ("memory limit exceeded", <see cref="MlLimitKind.Memory"/>). Null: no limit but a guard of
    /// half the memory available to the process (<see cref="MlLimitKind.OutOfMemory"/>).
    /// </summary>
    public long? MaxMemoryBytes { get; init; }

    /// <summary>Tests: measure what the call holds at every check instead of when the allocation estimate says so.</summary>
    internal bool MeasureMemoryAtEveryCheck { get; init; }

    /// <summary>Tests: the guard that applies without <see cref="MaxMemoryBytes"/> (normally half the memory available to the process).</summary>
    internal long? ProcessMemoryGuard { get; init; }

    /// <summary>Most UTF-16 code units in one string; null = none.</summary>
    public int? MaxStringLength { get; init; }

    /// <summary>The clock behind <c>new Date()</c>, <c>Date.now()</c> and <c>datetime.now()</c>.</summary>
    public TimeProvider? Clock { get; init; }

    /// <summary>The source of <c>Math.random()</c>: a double in [0, 1).</summary>
    public Func<double>? Random { get; init; }

    /// <summary>Receives <c>print</c> / <c>console.*</c> lines; null discards them.</summary>
    public Action<MlOutputLevel, string>? Output { get; init; }
}
