using MlDb.Language.Compiler;
using MlDb.Language.Runtime;
using MlDb.Language.Syntax;

namespace MlDb.Language;

/// <summary>The edge between the host and running ML: argument passing and error translation.</summary>
internal static class HostCall
{
    /// <summary>Calls <paramref name="function"/> with <paramref name="args"/>; ML failures become <see cref="MlScriptException"/>.</summary>
    public static MlValue Invoke(ExecContext ctx, MlFunction function, ReadOnlySpan<MlValue> args)
    {
        try
        {
            int argBase = ctx.Sp;
            ctx.EnsureStack(argBase + args.Length + 1);
            args.CopyTo(ctx.Stack.AsSpan(argBase));
            ctx.Sp = argBase + args.Length;
            ctx.CallSite = null;
            ctx.SetMemoryBaseline(args);
            return function.Invoke(ctx, argBase, args.Length);
        }
        catch (Exception e) when (AsMlError(e) is { } error)
        {
            throw ToException(ctx, error, function);
        }
    }

    public static void RunTopLevel(ExecContext ctx, CompiledProgram program)
    {
        try
        {
            program.RunTopLevel(ctx);
        }
        catch (Exception e) when (AsMlError(e) is { } error)
        {
            throw ToException(ctx, error, null);
        }
    }

    /// <summary>
    /// What reaches the host from running ML: its own errors, and the two failures of the .NET
    /// runtime a script can provoke, which become LimitErrors so that they never reach the host
    /// as such (a stack overflow cannot happen: deep calls move to a bigger stack, deep values are
    /// checked with <c>EnsureSufficientExecutionStack</c>).
    /// </summary>
    private static MlError? AsMlError(Exception e)
    {
        switch (e)
        {
            case MlError ml:
                return ml;
            case InsufficientExecutionStackException:
                return MlError.HostStackLimit();
            case OutOfMemoryException:
                // What the call built is garbage now; give it back before the host goes on.
                GC.Collect();
                return MlError.Limit(MlLimitKind.OutOfMemory, "memory limit exceeded (the process ran out of memory)");
            default:
                return null;
        }
    }

    private static MlScriptException ToException(ExecContext ctx, MlError e, MlFunction? function)
    {
        if (!e.HasOrigin)
        {
            // Safety net: every node stamps its own errors; this only gives a stray one a frame.
            var proto = (function as Closure)?.Proto;
            ctx.Depth = 0;
            ctx.StampOrigin(e, proto?.Line ?? 0, proto?.Column ?? 0);
        }
        object? data = null;
        if (e.HasThrownValue)
        {
            try { data = MlHostConverter.Default.ToHost(e.Thrown); }
            catch (MlConversionException)
            {
                // Data the host cannot hold (a function, a cycle, too deep): its text, else the message.
                try { data = MlFormat.Str(e.Thrown); }
                catch (MlError) { data = e.Message; }
            }
        }
        string report = e.FormatReport();
        int firstNewLine = report.IndexOf('\n');
        string stack = firstNewLine < 0 ? "" : report[(firstNewLine + 1)..];
        return new MlScriptException(e.ErrorType, e.Message, e.File, e.Line, e.Column, stack, report, data, null, e, e.LimitKind);
    }

    /// <summary>
    /// A .NET argument or result of <see cref="MlScript.Invoke(string, IReadOnlyList{object?}, MlCallOptions?)"/> that
    /// cannot cross the boundary (spec §13.3: one exception type). Too deep is a LimitError (§12), anything else a
    /// TypeError; the <see cref="MlConversionException"/> (with its path) is the inner exception.
    /// </summary>
    public static MlScriptException ConversionError(string fileName, MlFunctionInfo? function, string functionName, string what, MlConversionException e)
    {
        string type = e.IsDepthLimit || e.IsSizeLimit ? ErrorTypes.LimitError : ErrorTypes.TypeError;
        string message = e.IsDepthLimit
            ? $"nesting depth limit exceeded (over {MlJson.MaxDepth} levels) in {what} of '{functionName}'"
            : e.IsSizeLimit
                ? $"size limit exceeded: {what} of '{functionName}' cannot be converted: {e.Message}"
                : $"cannot convert {what} of '{functionName}': {e.Message}";
        var kind = e.IsDepthLimit ? MlLimitKind.Nesting : e.IsSizeLimit ? MlLimitKind.Size : MlLimitKind.None;
        int line = function?.Line ?? 0, column = function?.Column ?? 0;
        string stack = $"  at {functionName} ({fileName}, line {line}, column {column})";
        return new MlScriptException(type, message, fileName, line, column, stack, $"{type}: {message}\n{stack}", null, null, e, kind);
    }

    /// <summary>The exception for a script that does not compile: the first problem, with all of them attached.</summary>
    public static MlScriptException CompileError(string fileName, List<SyntaxProblem> problems)
    {
        var ordered = problems.OrderBy(p => p.Line).ThenBy(p => p.Column).ToList();
        var diagnostics = ordered.Select(p => new MlDiagnostic(p.Type, p.Message, fileName, p.Line, p.Column)).ToArray();
        var first = diagnostics[0];
        string report = string.Join("\n", diagnostics.Select(d => $"{d.ErrorType}: {d.Message}\n  at {fileName}, line {d.Line}, column {d.Column}"));
        string stack = $"  at {fileName}, line {first.Line}, column {first.Column}";
        return new MlScriptException(first.ErrorType, first.Message, fileName, first.Line, first.Column, stack, report, null, diagnostics);
    }
}
