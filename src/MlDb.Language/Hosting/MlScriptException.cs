namespace MlDb.Language;

/// <summary>
/// The one exception type of the host API (spec §13.3): a syntax or import error when a script
/// is compiled, or an ML error (runtime error, uncaught <c>throw</c>, limit) when a function is
/// called. <see cref="Exception.Message"/> is the ML message — exactly the thrown string for
/// <c>throw "…"</c>.
/// </summary>
public sealed class MlScriptException : Exception
{
    public MlScriptException(string errorType, string message, string file, int line, int column,
        string mlStackTrace, string report, object? data, IReadOnlyList<MlDiagnostic>? diagnostics = null,
        Exception? inner = null, MlLimitKind limitKind = MlLimitKind.None)
        : base(message, inner)
    {
        LimitKind = limitKind;
        ErrorType = errorType;
        File = file;
        Line = line;
        Column = column;
        MlStackTrace = mlStackTrace;
        Report = report;
        ThrownData = data;
        Diagnostics = diagnostics ?? [];
    }

    /// <summary>TypeError, ReferenceError, …, SyntaxError, ImportError, LimitError, or the <c>type</c> of a thrown object.</summary>
    public string ErrorType { get; }

    /// <summary>The script's file name as given to <see cref="MlScript.Compile"/>.</summary>
    public string File { get; }

    /// <summary>1-based line where the error arose.</summary>
    public int Line { get; }

    /// <summary>1-based column (UTF-16 code units) where the error arose.</summary>
    public int Column { get; }

    /// <summary>The <c>  at …</c> lines of the report, innermost first.</summary>
    public string MlStackTrace { get; }

    /// <summary>The full text report of spec §11: <c>type: message</c> followed by the frame lines.</summary>
    public string Report { get; }

    /// <summary>The thrown value converted per spec §13.2 (null for runtime errors).</summary>
    public object? ThrownData { get; }

    /// <summary>Every problem found when compiling (the first is the one this exception describes).</summary>
    public IReadOnlyList<MlDiagnostic> Diagnostics { get; }

    /// <summary>True for limit errors (steps, time, call depth, size, memory, cancellation).</summary>
    public bool IsLimitError => LimitKind != MlLimitKind.None;

    /// <summary>The limit a LimitError reports; <see cref="MlLimitKind.None"/> for every other error.</summary>
    public MlLimitKind LimitKind { get; }

    /// <summary>True when the call was cancelled through its cancellation token.</summary>
    public bool IsCancellation => LimitKind == MlLimitKind.Cancellation;

    /// <summary>True when the call ran out of its time limit.</summary>
    public bool IsTimeout => LimitKind == MlLimitKind.Time;

    /// <summary>
    /// True for a script that did not compile (syntax or import errors, listed in
    /// <see cref="Diagnostics"/>); false for errors of running code, top-level code included.
    /// </summary>
    public bool IsCompileError => Diagnostics.Count > 0;

    public override string ToString() => Report;
}

/// <summary>One compile-time problem with its position.</summary>
public sealed record MlDiagnostic(string ErrorType, string Message, string File, int Line, int Column)
{
    public override string ToString() => $"{ErrorType}: {Message}\n  at {File}, line {Line}, column {Column}";
}
