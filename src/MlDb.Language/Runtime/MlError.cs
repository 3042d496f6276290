using System.Text;

namespace MlDb.Language.Runtime;

/// <summary>The error kinds of spec §11.</summary>
internal static class ErrorTypes
{
    public const string Error = "Error";
    public const string TypeError = "TypeError";
    public const string ReferenceError = "ReferenceError";
    public const string RangeError = "RangeError";
    public const string ValueError = "ValueError";
    public const string ArithmeticError = "ArithmeticError";
    public const string SyntaxError = "SyntaxError";
    public const string ImportError = "ImportError";
    public const string LimitError = "LimitError";
}

/// <summary>One line of an ML stack trace.</summary>
internal readonly record struct TraceFrame(string Function, int Line, int Column);

/// <summary>
/// An ML error in flight: a runtime error (type + message), a thrown ML value, or a limit error
/// (which <c>except</c> never catches and which skips <c>finally</c>). It learns where it arose
/// from the innermost node that sees it (see <see cref="ExecContext.TryStampOrigin"/>), while the
/// ML call stack is still intact.
/// </summary>
internal sealed class MlError : Exception
{
    private MlError(string type, string message, MlLimitKind limit, MlValue thrown, bool hasThrown)
        : base(message)
    {
        ErrorType = type;
        LimitKind = limit;
        Thrown = thrown;
        HasThrownValue = hasThrown;
    }

    public string ErrorType { get; }
    /// <summary>Which limit of spec §12 this error reports (<see cref="MlLimitKind.None"/> for every other error).</summary>
    public MlLimitKind LimitKind { get; }
    public bool IsLimit => LimitKind != MlLimitKind.None;
    /// <summary>The value of a <c>throw</c> statement (only when <see cref="HasThrownValue"/>).</summary>
    public MlValue Thrown { get; }
    public bool HasThrownValue { get; }

    public bool HasOrigin { get; private set; }
    public string File { get; private set; } = "";
    public int Line { get; private set; }
    public int Column { get; private set; }
    public TraceFrame[] Trace { get; private set; } = [];
    /// <summary>Frames left out of <see cref="Trace"/> (very deep recursion).</summary>
    public int OmittedFrames { get; private set; }

    public static MlError Type(string message) => new(ErrorTypes.TypeError, message, MlLimitKind.None, default, false);
    public static MlError Reference(string message) => new(ErrorTypes.ReferenceError, message, MlLimitKind.None, default, false);
    public static MlError Range(string message) => new(ErrorTypes.RangeError, message, MlLimitKind.None, default, false);
    public static MlError Value(string message) => new(ErrorTypes.ValueError, message, MlLimitKind.None, default, false);
    public static MlError Arithmetic(string message) => new(ErrorTypes.ArithmeticError, message, MlLimitKind.None, default, false);
    public static MlError Syntax(string message) => new(ErrorTypes.SyntaxError, message, MlLimitKind.None, default, false);
    public static MlError Of(string type, string message) => new(type, message, MlLimitKind.None, default, false);

    /// <summary>A LimitError of spec §12: not catchable, skips finally blocks.</summary>
    public static MlError Limit(MlLimitKind kind, string message) => new(ErrorTypes.LimitError, message, kind, default, false);

    public static MlError StepLimit() => Limit(MlLimitKind.Steps, "step limit exceeded");
    public static MlError TimeLimit() => Limit(MlLimitKind.Time, "time limit exceeded");
    public static MlError Cancelled() => Limit(MlLimitKind.Cancellation, "cancelled");
    public static MlError SizeLimit() => Limit(MlLimitKind.Size, "size limit exceeded");
    public static MlError CallDepthLimit() => Limit(MlLimitKind.CallDepth, "call depth limit exceeded");
    public static MlError HostStackLimit() => Limit(MlLimitKind.HostStack, "call depth limit exceeded (the host stack is exhausted)");
    public static MlError NestingLimit(int levels) => Limit(MlLimitKind.Nesting, "nesting depth limit exceeded (over " + levels + " levels)");

    public static MlError IntegerOverflow() => Arithmetic("integer overflow");
    public static MlError DivisionByZero() => Arithmetic("division by zero");

    /// <summary>An error for <c>throw v</c> (spec §11: type and message derived from the value).</summary>
    public static MlError FromThrown(MlValue value)
    {
        string type = ErrorTypes.Error;
        string message;
        if (value.TryGetObject(out var obj))
        {
            var t = obj.Get("type");
            if (t.IsString) type = t.AsString;
            var m = obj.Get("message");
            message = m.IsString ? m.AsString : MlFormat.ToJsonOrText(value);
        }
        else if (value.IsString)
        {
            message = value.AsString;
        }
        else
        {
            message = MlFormat.ToJsonOrText(value);
        }
        return new MlError(type, message, MlLimitKind.None, value, true);
    }

    /// <summary>The value an <c>except (e)</c> handler receives.</summary>
    public MlValue ToCaughtValue()
    {
        if (HasThrownValue) return Thrown;
        var o = new MlObject();
        o.Set("type", ErrorType);
        o.Set("message", Message);
        return o;
    }

    internal void SetOrigin(string file, int line, int column, TraceFrame[] trace, int omitted)
    {
        HasOrigin = true;
        File = file;
        Line = line;
        Column = column;
        Trace = trace;
        OmittedFrames = omitted;
    }

    /// <summary>The report of spec §11: <c>type: message</c>, then one <c>at</c> line per frame.</summary>
    public string FormatReport()
    {
        var sb = new StringBuilder();
        sb.Append(ErrorType).Append(": ").Append(Message);
        for (int i = 0; i < Trace.Length; i++)
        {
            if (OmittedFrames > 0 && i == Trace.Length / 2)
                sb.Append("\n  ... ").Append(OmittedFrames).Append(" more frames ...");
            var f = Trace[i];
            sb.Append("\n  at ").Append(f.Function).Append(" (").Append(File)
              .Append(", line ").Append(f.Line).Append(", column ").Append(f.Column).Append(')');
        }
        return sb.ToString();
    }
}
