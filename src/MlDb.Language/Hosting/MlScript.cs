using MlDb.Language.Compiler;
using MlDb.Language.Runtime;

namespace MlDb.Language;

/// <summary>A top-level function of a script, as the host sees it.</summary>
public sealed record MlFunctionInfo(string Name, IReadOnlyList<string> Parameters, int Line, int Column);

/// <summary>
/// A compiled ML script (spec §3.1, §13): parsed, resolved and prepared once, its top-level code
/// run once. Its functions can then be called any number of times, from several threads at
/// once; the code is immutable, while top-level variables keep their values between calls (and
/// are shared by concurrent calls).
/// </summary>
public sealed class MlScript
{
    private readonly CompiledProgram _program;
    private readonly Cell[] _globals;
    private readonly Dictionary<string, int> _functionSlots;

    private MlScript(string fileName, CompiledProgram program, Cell[] globals)
    {
        FileName = fileName;
        _program = program;
        _globals = globals;
        _functionSlots = program.TopLevelFunctions.ToDictionary(f => f.Info.Name, f => f.GlobalSlot, StringComparer.Ordinal);
        Functions = program.TopLevelFunctions.Select(f => f.Info).ToArray();
    }

    /// <summary>The file name given at compile time; it appears in every error position.</summary>
    public string FileName { get; }

    /// <summary>The top-level function declarations, in source order.</summary>
    public IReadOnlyList<MlFunctionInfo> Functions { get; }

    public IEnumerable<string> FunctionNames => Functions.Select(f => f.Name);

    public bool HasFunction(string name) => _functionSlots.ContainsKey(name);

    /// <summary>
    /// Compiles <paramref name="source"/> and runs its top-level statements once, with
    /// <paramref name="options"/> (clock, output, limits) for that run.
    /// </summary>
    /// <exception cref="MlScriptException">A syntax or import error (nothing runs), or an error in top-level code.</exception>
    public static MlScript Compile(string source, string fileName, MlCallOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(fileName);
        var program = ProgramCompiler.Compile(source, fileName);
        var globals = new Cell[program.GlobalCount];
        for (int i = 0; i < globals.Length; i++) globals[i] = new Cell();
        var script = new MlScript(fileName, program, globals);
        script.RunTopLevel(options ?? MlCallOptions.Default);
        return script;
    }

    private void RunTopLevel(MlCallOptions options)
    {
        var ctx = ExecContext.Rent(FileName, _globals, options);
        try
        {
            HostCall.RunTopLevel(ctx, _program);
        }
        finally
        {
            ctx.Return();
        }
    }

    /// <summary>Calls a top-level function with ML values; returns its ML result.</summary>
    /// <exception cref="MlScriptException">The function failed, threw, or hit a limit.</exception>
    /// <exception cref="ArgumentException">There is no top-level function of that name.</exception>
    public MlValue Call(string functionName, ReadOnlySpan<MlValue> args, MlCallOptions? options = null)
    {
        var function = ResolveFunction(functionName);
        var ctx = ExecContext.Rent(FileName, _globals, options ?? MlCallOptions.Default);
        try
        {
            return HostCall.Invoke(ctx, function, args);
        }
        finally
        {
            ctx.Return();
        }
    }

    /// <summary>Calls a top-level function with one ML argument (the common case of the database flows).</summary>
    public MlValue Call(string functionName, MlValue argument, MlCallOptions? options = null) =>
        Call(functionName, new ReadOnlySpan<MlValue>(in argument), options);

    /// <summary>
    /// Calls a top-level function with .NET arguments (converted per spec §13.1) and returns a
    /// .NET result (converted per spec §13.2).
    /// </summary>
    /// <exception cref="MlScriptException">Also when an argument or the result cannot cross the boundary (inner: <see cref="MlConversionException"/>).</exception>
    public object? Invoke(string functionName, IReadOnlyList<object?> args, MlCallOptions? options = null)
    {
        var values = new MlValue[args.Count];
        for (int i = 0; i < values.Length; i++)
        {
            try { values[i] = MlHostConverter.Default.ToMl(args[i]); }
            catch (MlConversionException e) { throw ConversionError(functionName, $"argument {i + 1}", e); }
        }
        var result = Call(functionName, values, options);
        try { return MlHostConverter.Default.ToHost(result); }
        catch (MlConversionException e) { throw ConversionError(functionName, "the result", e); }
    }

    private MlScriptException ConversionError(string functionName, string what, MlConversionException e)
    {
        ResolveFunction(functionName); // an unknown name stays an ArgumentException
        var info = Functions.FirstOrDefault(f => f.Name == functionName);
        return HostCall.ConversionError(FileName, info, functionName, what, e);
    }

    /// <summary>Calls a top-level function with .NET arguments and default options.</summary>
    public object? Invoke(string functionName, params object?[] args) => Invoke(functionName, (IReadOnlyList<object?>)args);

    // The last function looked up: per-row flows call the same function by the same name string.
    private sealed record LastLookup(string Name, int Slot);
    private LastLookup? _lastLookup;

    /// <summary>
    /// ML code (the top-level code, or an earlier call) assigned something else to the function's
    /// name: an ML TypeError at the declaration, not a host error — the script did it.
    /// </summary>
    private MlScriptException NoLongerAFunction(string functionName, MlValue value)
    {
        var info = Functions.First(f => f.Name == functionName);
        string message = $"'{functionName}' is not a function any more: script code assigned it {Ops.Article(value.TypeName)}";
        string stack = $"  at {functionName} ({FileName}, line {info.Line}, column {info.Column})";
        return new MlScriptException(ErrorTypes.TypeError, message, FileName, info.Line, info.Column, stack, $"{ErrorTypes.TypeError}: {message}\n{stack}", null);
    }

    private MlFunction ResolveFunction(string functionName)
    {
        var last = _lastLookup;
        if (last is not null && ReferenceEquals(last.Name, functionName) && _globals[last.Slot].Value._ref is MlFunction cached)
            return cached;
        if (!_functionSlots.TryGetValue(functionName, out int slot))
        {
            string known = Functions.Count == 0 ? "it defines no functions" : "it defines " + string.Join(", ", FunctionNames);
            throw new ArgumentException($"The script '{FileName}' has no top-level function named '{functionName}' ({known}).", nameof(functionName));
        }
        var value = _globals[slot].Value;
        if (!value.IsFunction) throw NoLongerAFunction(functionName, value);
        _lastLookup = new LastLookup(functionName, slot);
        return value.AsFunction;
    }
}
